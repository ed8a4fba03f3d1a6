"""The timeline: exact integer offsets and lengths at the output rate."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from audio_fixtures import sine, write_clip, write_sound

from bulletin.audio import Entry, build_timeline
from bulletin.audio.lengths import pause_length, resampled_length
from bulletin.errors import InputError
from bulletin.script import Clip, Pause, Script, Sound, Speech


def speech(n: int = 0) -> Speech:
    return Speech(written=f"s{n}", spoken=f"s{n}", story=0)


def test_resampled_length_rounds_exactly() -> None:
    assert resampled_length(22050, 22050, 44100) == 44100
    assert resampled_length(1, 22050, 48000) == 2  # 2.177 -> 2
    assert resampled_length(3, 16000, 44100) == 8  # 8.26875 -> 8
    assert resampled_length(160, 44100, 22050) == 80
    assert resampled_length(1, 2, 1) == 1  # a half rounds up
    assert resampled_length(0, 22050, 44100) == 0
    # integer arithmetic: no float error on long clips
    n = 10**12 + 7
    assert resampled_length(n, 22050, 48000) == (2 * n * 48000 + 22050) // 44100


def test_pause_lengths() -> None:
    assert pause_length(250, 44100) == 11025
    assert pause_length(1, 22050) == 22  # 22.05
    assert pause_length(333, 48000) == 15984
    assert pause_length(0, 44100) == 0


def test_offsets_are_exact_sums(tmp_path: Path) -> None:
    clip_a = Clip(tmp_path / "a.wav", samples=22051, sample_rate=22050)
    clip_b = Clip(tmp_path / "b.wav", samples=16001, sample_rate=16000)
    script = Script((speech(0), Pause(333), speech(1), Pause(1)))
    timeline = build_timeline(script, [clip_a, None, clip_b, None], 44100)
    lengths = [44102, 14685, 44103, 44]  # 44102, 14685.3, 44102.76, 44.1
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).tolist()
    assert [e.length for e in timeline.entries] == lengths
    assert [e.start for e in timeline.entries] == starts
    assert timeline.length == sum(lengths)
    assert [e.kind for e in timeline.entries] == ["speech", "pause", "speech", "pause"]
    assert timeline.entries[2] == Entry(2, "speech", starts[2], 44103)
    assert timeline.seconds(44100) == 1.0
    assert timeline.speech() == (timeline.entries[0], timeline.entries[2])


@pytest.mark.parametrize("suffix", ["wav", "flac", "ogg", "mp3"])
def test_sound_length_from_header(tmp_path: Path, suffix: str) -> None:
    jingle = write_sound(tmp_path / f"jingle.{suffix}", sine(1.5, 32000, 440), 32000)
    clip = write_clip(tmp_path / "c.wav", 1.0)
    script = Script((Sound(jingle, "intro"), speech()))
    timeline = build_timeline(script, [None, clip], 48000)
    # MP3 too: soundfile reads it gapless (LAME's priming and padding trimmed)
    assert timeline.entries[0].length == 72000
    assert timeline.entries[1].start == 72000
    assert timeline.length == 72000 + 48000


def test_bad_inputs(tmp_path: Path) -> None:
    script = Script((speech(),))
    with pytest.raises(ValueError, match="no clip"):
        build_timeline(script, [None])
    with pytest.raises(ValueError, match="clips for"):
        build_timeline(script, [])
    missing = Script((Sound(tmp_path / "gone.mp3", "intro"),))
    with pytest.raises(InputError, match=r"^gone\.mp3: cannot read audio"):
        build_timeline(missing, [None])


def test_empty_script() -> None:
    timeline = build_timeline(Script(()), [], 44100)
    assert timeline.length == 0 and timeline.entries == ()
