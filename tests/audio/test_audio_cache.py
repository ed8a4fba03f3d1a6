"""The programme cache: hits only for the same programme, damaged entries never used."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import soundfile as sf

from bulletin.audio import MasterReport, MasterSettings, ProgrammeCache, build_timeline
from bulletin.script import Clip, Pause, Script, Sound, Speech

REPORT = MasterReport(-16.0, -1.5, 2.0, 88200, 44100, 3.2)


def programme(tmp_path: Path) -> tuple[Script, list]:
    clip_path = tmp_path / ("a" * 40 + "-22050-00000000.wav")
    sf.write(clip_path, np.zeros(22050, dtype=np.float32), 22050)
    jingle = tmp_path / "sting.wav"
    sf.write(jingle, np.zeros(4410, dtype=np.float32), 44100)
    items = (Pause(500), Speech("Салам.", "Салам.", 0), Pause(300), Sound(jingle, "sting"))
    return Script(items), [None, Clip(clip_path, 22050, 22050), None, None]


def test_a_stored_programme_comes_back_with_its_report(tmp_path):
    script, clips = programme(tmp_path)
    cache = ProgrammeCache(tmp_path / "programmes")
    key = cache.key(build_timeline(script, clips), script, clips, MasterSettings())
    assert cache.get(key, "mp3") is None
    audio = tmp_path / "mastered.mp3"
    audio.write_bytes(b"ID3" + bytes(range(256)) * 40)
    cache.put(key, "mp3", audio, REPORT)
    path, report = cache.get(key, "mp3")
    assert path.read_bytes() == audio.read_bytes() and report == REPORT
    assert cache.info() == (1, path.stat().st_size + (path.with_suffix(".json")).stat().st_size)


def test_the_key_follows_everything_that_changes_the_audio(tmp_path):
    script, clips = programme(tmp_path)
    cache = ProgrammeCache(tmp_path / "programmes")
    timeline = build_timeline(script, clips)
    key = cache.key(timeline, script, clips, MasterSettings())
    assert key == cache.key(build_timeline(script, clips), script, clips, MasterSettings())
    assert key != cache.key(timeline, script, clips, MasterSettings(target_lufs=-23.0))
    longer = Script((Pause(600), *script.items[1:]))
    assert key != cache.key(build_timeline(longer, clips), longer, clips, MasterSettings())
    jingle = script.items[3].path
    os.utime(jingle, ns=(1, 1))  # a replaced jingle file
    assert key != cache.key(timeline, script, clips, MasterSettings())


def test_a_damaged_entry_is_a_miss_and_old_entries_are_pruned(tmp_path):
    cache = ProgrammeCache(tmp_path / "programmes", keep=2)
    audio = tmp_path / "mastered.mp3"
    audio.write_bytes(b"x" * 1000)
    for key in ("k1", "k2", "k3"):
        cache.put(key, "mp3", audio, REPORT)
    assert cache.get("k1", "mp3") is None and cache.info()[0] == 2  # oldest pruned
    stored = cache.directory / "k3.mp3"
    stored.write_bytes(b"y" * 1000)  # same size, other bytes
    assert cache.get("k3", "mp3") is None
    stored.write_bytes(b"x" * 999)  # truncated
    assert cache.get("k3", "mp3") is None
    assert cache.get("k2", "mp3") is not None
    assert cache.clear() == 2 and cache.info() == (0, 0)
