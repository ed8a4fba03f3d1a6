"""The broadcast package end to end: several stories, jingles, a bed, chapters and captions.

Everything is checked against the audio itself with independent readers: mutagen for
the ID3 frames, a strict parser for WebVTT, libsndfile for decoding, and an RMS
envelope for where there is sound and where there is silence.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
import soundfile
from click.testing import CliRunner
from measure import true_peak_dbtp

from bulletin.cli import main

STORIES = """# Аба ырайы

Эртең Бишкекте 5-6 градус жылуу болот. Түнкүсүн -3°C чейин суук түшөт.

# Спорт

Балбандар Азия чемпионатында 3 алтын медаль утушту. Кийинки мелдеш 2026-жылы өтөт.

# Экономика

ИДП 10,2 пайызга өстү.
"""
INTRO_HZ, STING_HZ, OUTRO_HZ = 880.0, 1320.0, 660.0
FRAME = 0.01  # seconds per envelope frame


def tone(path: Path, hz: float, seconds: float, rate: int = 44100) -> Path:
    t = np.arange(int(seconds * rate)) / rate
    samples = (0.3 * np.sin(2 * np.pi * hz * t)).astype(np.float32)
    if path.suffix == ".mp3":
        from pedalboard.io import AudioFile

        with AudioFile(str(path), "w", rate, 1, quality="192") as out:
            out.write(samples[None, :])
    else:
        soundfile.write(path, samples, rate)
    return path


def envelope_db(audio: np.ndarray, rate: int) -> np.ndarray:
    hop = int(FRAME * rate)
    frames = audio[: len(audio) // hop * hop].reshape(-1, hop)
    return 20 * np.log10(np.sqrt(np.mean(frames**2, axis=1)) + 1e-9)


def tone_level_db(audio: np.ndarray, rate: int, hz: float, start: float, end: float) -> float:
    """Amplitude of one frequency between two times (single-bin DFT over the span)."""
    piece = audio[int(start * rate) : int(end * rate)]
    t = np.arange(len(piece)) / rate
    amplitude = 2 * abs(np.sum(piece * np.exp(-2j * np.pi * hz * t))) / max(len(piece), 1)
    return 20 * np.log10(amplitude + 1e-9)


def parse_vtt(text: str) -> list[tuple[float, float, str]]:
    assert text.startswith("WEBVTT\n")
    stamp = r"(\d{2}):(\d{2}):(\d{2})\.(\d{3})"
    cues = []
    for block in text.strip().split("\n\n")[1:]:
        lines = block.split("\n")
        match = re.fullmatch(f"{stamp} --> {stamp}", lines[0])
        assert match, lines[0]
        g = [int(x) for x in match.groups()]
        start = g[0] * 3600 + g[1] * 60 + g[2] + g[3] / 1000
        end = g[4] * 3600 + g[5] * 60 + g[6] + g[7] / 1000
        cues.append((start, end, " ".join(lines[1:])))
    return cues


@pytest.fixture(scope="module")
def bulletin_dir(tmp_path_factory):
    """An evening bulletin of three stories with intro, sting and outro jingles."""
    root = tmp_path_factory.mktemp("station")
    (root / "evening.txt").write_text(STORIES, encoding="utf-8")
    tone(root / "intro.wav", INTRO_HZ, 2.0)
    tone(root / "sting.ogg", STING_HZ, 1.0)
    tone(root / "outro.mp3", OUTRO_HZ, 1.5)
    (root / "bulletin.toml").write_text(
        'station = "Тест радио"\nprogramme = "Кечки жаңылыктар"\n'
        '[jingles]\nintro = "intro.wav"\nsting = "sting.ogg"\noutro = "outro.mp3"\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        main,
        ["make", str(root / "evening.txt"), "--config", str(root / "bulletin.toml"),
         "-o", str(root / "out"), "--no-cache"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output + result.stderr
    audio, rate = soundfile.read(root / "out" / "evening.mp3", dtype="float64")
    manifest = json.loads((root / "out" / "evening.json").read_text(encoding="utf-8"))
    return root / "out", audio, rate, manifest


def test_chapters_one_per_story_plus_intro_and_outro(bulletin_dir):
    from mutagen.id3 import ID3

    out, _, _, manifest = bulletin_dir
    tags = ID3(out / "evening.mp3")
    chaps = sorted(tags.getall("CHAP"), key=lambda c: c.start_time)
    titles = [str(c.sub_frames["TIT2"]) for c in chaps]
    assert titles == ["Intro", "Аба ырайы", "Спорт", "Экономика", "Outro"]
    (toc,) = tags.getall("CTOC")
    assert list(toc.child_element_ids) == [c.element_id for c in chaps]
    assert str(tags["TPE1"]) == "Тест радио" and str(tags["TALB"]) == "Кечки жаңылыктар"
    assert str(tags["TIT2"]) == "Аба ырайы"
    chapters_json = json.loads((out / "evening.chapters.json").read_text(encoding="utf-8"))
    assert [c["title"] for c in chapters_json["chapters"]] == titles
    for chap, entry in zip(chaps, chapters_json["chapters"], strict=True):
        assert abs(chap.start_time / 1000 - entry["startTime"]) < 0.002
    assert [c["title"] for c in manifest["chapters"]] == titles


def test_story_chapters_start_in_silence_before_the_first_sentence(bulletin_dir):
    out, audio, rate, manifest = bulletin_dir
    envelope = envelope_db(audio, rate)
    loud = envelope.max()
    sentences = manifest["sentences"]
    for chapter in manifest["chapters"][1:-1]:
        first = next(s for s in sentences if s["start_s"] >= chapter["start_s"])
        assert first["role"] == "headline" and first["written"] == chapter["title"]
        frame = int(chapter["start_s"] / FRAME)
        assert envelope[frame] < loud - 40, chapter["title"]  # silence, not speech or sting
        earlier = [s for s in sentences if s["end_s"] <= chapter["start_s"]]
        assert [s["story"] for s in earlier[-1:]] == (
            [first["story"] - 1] if first["story"] else []
        )


def test_caption_cues_fall_on_the_speech_they_show(bulletin_dir):
    out, audio, rate, manifest = bulletin_dir
    envelope = envelope_db(audio, rate)
    voiced = envelope > envelope.max() - 35
    cues = parse_vtt((out / "evening.vtt").read_text(encoding="utf-8"))
    assert len(cues) >= len(manifest["sentences"])
    for start, end, text in cues:
        span = voiced[int(start / FRAME) : int(end / FRAME)]
        assert span.mean() > 0.5, (start, end, text)  # mostly sound under every caption
        sentence = next(
            s for s in manifest["sentences"] if s["start_s"] - 0.001 <= start < s["end_s"]
        )
        assert text.split()[0] in sentence["written"]  # the written text, not the spoken one
    # between consecutive sentences of a paragraph there is real silence
    for a, b in zip(manifest["sentences"], manifest["sentences"][1:], strict=False):
        gap = envelope[int(a["end_s"] / FRAME) + 5 : int(b["start_s"] / FRAME) - 5]
        if len(gap) and not any(
            a["end_s"] <= s["start_s"] < b["start_s"] for s in manifest["sounds"]
        ):
            assert gap.max() < envelope.max() - 40


def test_jingles_are_where_the_manifest_says(bulletin_dir):
    _, audio, rate, manifest = bulletin_dir
    sounds = {s["role"]: s for s in manifest["sounds"]}
    assert set(sounds) == {"intro", "sting", "outro"}
    assert manifest["sounds"][0]["start_s"] == pytest.approx(0.5, abs=0.002)  # after the lead-in
    for role, hz in (("intro", INTRO_HZ), ("sting", STING_HZ), ("outro", OUTRO_HZ)):
        span = sounds[role]
        inside = tone_level_db(audio, rate, hz, span["start_s"] + 0.1, span["end_s"] - 0.1)
        before = tone_level_db(
            audio, rate, hz, max(0, span["start_s"] - 0.45), span["start_s"] - 0.02
        )
        after = tone_level_db(audio, rate, hz, span["end_s"] + 0.05, span["end_s"] + 0.3)
        assert inside > before + 30 and inside > after + 30, role
    assert sounds["intro"]["end_s"] - sounds["intro"]["start_s"] == pytest.approx(2.0, abs=0.002)


def test_loudness_and_peak_hold_with_jingles(bulletin_dir):
    import pyloudnorm

    _, audio, rate, manifest = bulletin_dir
    assert abs(pyloudnorm.Meter(rate).integrated_loudness(audio) + 16) <= 1.0
    assert true_peak_dbtp(audio, rate) <= -1.0
    assert abs(len(audio) / rate - manifest["duration_s"]) < 0.1


def test_combined_files_and_a_ducked_bed(tmp_path):
    first, second = tmp_path / "a.txt", tmp_path / "b.txt"
    first.write_text("Биринчи жаңылык\n\nБүгүн Ошто 25 мектеп ачылды.\n", encoding="utf-8")
    second.write_text("Экинчи жаңылык\n\nЭртең Нарында кар жаайт.\n", encoding="utf-8")
    bed = tone(tmp_path / "bed.flac", 7000.0, 3.0)
    config = tmp_path / "bulletin.toml"
    config.write_text('[bed]\nfile = "bed.flac"\nlevel_db = -20\nduck_db = -15\n', encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main,
        ["make", str(first), str(second), "--combine", "--name", "evening", "-o", str(out),
         "--config", str(config), "--no-cache", "--format", "wav"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output + result.stderr
    assert bed.exists()
    audio, rate = soundfile.read(out / "evening.wav", dtype="float64")
    assert rate == 48000  # WAV for playout
    manifest = json.loads((out / "evening.json").read_text(encoding="utf-8"))
    assert [c["title"] for c in manifest["chapters"]] == ["Биринчи жаңылык", "Экинчи жаңылык"]
    sentences = manifest["sentences"]
    assert [s["story"] for s in sentences] == [0, 0, 1, 1]
    long_speech = max(sentences, key=lambda s: s["end_s"] - s["start_s"])
    under = tone_level_db(
        audio, rate, 7000.0, long_speech["start_s"] + 0.3, long_speech["end_s"] - 0.3
    )
    gap_start = sentences[1]["end_s"] + 0.6  # inside the 1.5 s pause between the stories
    between = tone_level_db(audio, rate, 7000.0, gap_start, sentences[2]["start_s"] - 0.6)
    assert between - under > 8  # the bed ducks under speech
    assert between < -15  # and stays a bed
