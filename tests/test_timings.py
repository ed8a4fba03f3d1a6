"""Word timings end to end: clip word events -> manifest words, captions, chapter marks.

With a test voice that reports exact word events (tests/word_voice.py) the expected times
are known to the sample; with the real espeak voice (events from the engine, or estimated
from the audio where it reports none) the same invariants hold.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from word_voice import GAP, PAUSE, RATE, WordVoice, use_voice

from bulletin.cli import main
from bulletin.config import Settings
from bulletin.make import CHAPTER_INSET_S, Job, make_bulletin, read_bulletins
from bulletin.script import Speech, build_script
from bulletin.synth import resolve_voice
from bulletin.text import normalize

STORIES = """# Аба ырайы

Эртең Бишкекте 5-6 градус жылуу болот. Түнкүсүн -3°C чейин суук түшөт.

# Экономика

Улуттук статистика комитетинин маалыматы боюнча 2025-жылдын январь-октябрь айларында ИДП 10,2 пайызга өстү.

# Спорт

Балбандар Азия чемпионатында 3 алтын медаль утушту, ал эми кийинки мелдеш 2026-жылы өтөт.
"""
PAUSE_WORD = "боюнча"  # the test voice breathes after it (no comma written there)


def vtt_cues(text: str) -> list[tuple[float, float, str]]:
    stamp = r"(\d{2}):(\d{2}):(\d{2})\.(\d{3})"
    cues = []
    for block in text.strip().split("\n\n")[1:]:
        lines = block.split("\n")
        g = [int(x) for x in re.fullmatch(f"{stamp} --> {stamp}", lines[0]).groups()]
        start = g[0] * 3600 + g[1] * 60 + g[2] + g[3] / 1000
        end = g[4] * 3600 + g[5] * 60 + g[6] + g[7] / 1000
        cues.append((start, end, " ".join(lines[1:])))
    return cues


def check_words_and_captions(out: Path, name: str) -> dict:
    """Invariants that hold for any voice; returns the manifest."""
    manifest = json.loads((out / f"{name}.json").read_text(encoding="utf-8"))
    sentences = manifest["sentences"]
    for sentence in sentences:
        words = sentence["words"]
        assert sentence["timing"] in ("engine", "estimate")
        assert " ".join(w["written"] for w in words).split() == sentence["written"].split()
        assert " ".join(w["spoken"] for w in words).split() == sentence["spoken"].split()
        starts = [w["start_s"] for w in words]
        assert starts == sorted(starts)
        for word in words:
            assert sentence["start_s"] <= word["start_s"] <= word["end_s"] <= sentence["end_s"]
    # every caption split inside a sentence is at the start of one of its written pieces
    splits = 0
    for start, _, text in vtt_cues((out / f"{name}.vtt").read_text(encoding="utf-8")):
        sentence = next(s for s in sentences if s["start_s"] - 0.0015 <= start < s["end_s"])
        if abs(start - sentence["start_s"]) < 0.0015:
            continue
        splits += 1
        word = next(w for w in sentence["words"] if abs(w["start_s"] - start) < 0.0015)
        assert text.startswith(word["written"].split()[0]), (text, word)
    # chapter marks: at least CHAPTER_INSET_S inside the pause before each story
    for chapter in manifest["chapters"][1:]:
        before = [s["end_s"] for s in sentences if s["end_s"] <= chapter["start_s"]]
        after = [s["start_s"] for s in sentences if s["start_s"] >= chapter["start_s"]]
        assert chapter["start_s"] - max(before) >= CHAPTER_INSET_S - 0.001
        assert min(after) - chapter["start_s"] >= CHAPTER_INSET_S - 0.001
    manifest["_splits"] = splits
    return manifest


@pytest.fixture
def releases(tmp_path: Path) -> Path:
    path = tmp_path / "evening.txt"
    path.write_text(STORIES, encoding="utf-8")
    return path


def test_engine_word_events_reach_manifest_and_captions(tmp_path, releases, monkeypatch):
    preset = resolve_voice("ky-espeak")
    voice = WordVoice(pause_after=frozenset({PAUSE_WORD}))
    use_voice(monkeypatch, preset, voice)
    settings = Settings(out_dir=tmp_path / "out", format="wav")
    make_bulletin(
        Job("evening", (releases,)), settings, preset, cache_dir=tmp_path / "cache", jobs=1
    )
    manifest = check_words_and_captions(tmp_path / "out", "evening")
    sentences = manifest["sentences"]
    assert {s["timing"] for s in sentences} == {"engine"}
    # word times are the engine's events, placed at the offset of the sentence's phrase
    # (a long sentence is spoken as phrases with a breath between them: see build_script)
    script = build_script(
        read_bulletins((releases,))[0].stories, normalize, settings.pauses, settings.jingles
    )
    phrases = [item.spoken for item in script.items if isinstance(item, Speech)]
    assert len(phrases) > len(sentences)  # some sentences were cut into phrases
    for sentence in sentences:
        events, spoken = [], []  # (start, end, the index of its phrase's first word)
        while len(spoken) < len(sentence["spoken"].split()):
            phrase = phrases.pop(0)
            offset = len(spoken)
            for event in voice.synthesize_spoken(preset.respell_text(phrase)).words:
                events.append((event.start, event.end, offset))
            spoken += phrase.split()
        assert spoken == sentence["spoken"].split()
        # a later phrase starts a breath after the one before; its first word places it
        origin, index, previous_end = {0: sentence["start_s"]}, 0, sentence["start_s"]
        for word in sentence["words"]:
            n = len(word["spoken"].split())
            first, last = events[index], events[index + n - 1]
            if first[2] not in origin:
                origin[first[2]] = word["start_s"] - first[0] / RATE
                assert origin[first[2]] >= previous_end + settings.pauses.phrase_ms / 1000 - 0.002
            assert word["start_s"] == pytest.approx(origin[first[2]] + first[0] / RATE, abs=0.0011)
            assert word["end_s"] == pytest.approx(origin[last[2]] + last[1] / RATE, abs=0.0011)
            index, previous_end = index + n, word["end_s"]
        assert index == len(events)
    # the long economy sentence has no comma: its caption splits where the voice pauses
    long = next(s for s in sentences if PAUSE_WORD in s["written"].split())
    pause = next(i for i, w in enumerate(long["words"]) if w["written"] == PAUSE_WORD)
    assert (
        long["words"][pause + 1]["start_s"] - long["words"][pause]["end_s"] >= PAUSE / RATE - 0.002
    )
    cues = vtt_cues((tmp_path / "out" / "evening.vtt").read_text(encoding="utf-8"))
    inside = [c for c in cues if long["start_s"] < c[0] < long["end_s"]]
    assert any(abs(c[0] - long["words"][pause + 1]["start_s"]) < 0.0015 for c in inside)
    # a piece read as several words is one manifest word
    assert {"written": "2025-жылдын", "spoken": normalize("2025-жылдын").lower()}.items() <= next(
        {**w, "spoken": w["spoken"].lower()} for w in long["words"] if w["written"] == "2025-жылдын"
    ).items()


def test_estimated_word_times_are_marked_and_at_word_boundaries(tmp_path, releases, monkeypatch):
    preset = resolve_voice("ky-espeak")
    use_voice(monkeypatch, preset, WordVoice(report=False))  # an engine without events
    settings = Settings(out_dir=tmp_path / "out", format="wav")
    make_bulletin(Job("evening", (releases,)), settings, preset, cache_dir=tmp_path / "c", jobs=1)
    manifest = check_words_and_captions(tmp_path / "out", "evening")
    assert {s["timing"] for s in manifest["sentences"]} == {"estimate"}
    # the truth: the same voice's events (the same audio, so the same timeline), whose
    # placement test_engine_word_events_reach_manifest_and_captions checks to the sample
    use_voice(monkeypatch, preset, WordVoice())
    settings = Settings(out_dir=tmp_path / "truth", format="wav")
    make_bulletin(Job("evening", (releases,)), settings, preset, cache_dir=tmp_path / "t", jobs=1)
    truth = json.loads((tmp_path / "truth" / "evening.json").read_text(encoding="utf-8"))
    assert len(truth["sentences"]) == len(manifest["sentences"])
    for sentence, known in zip(manifest["sentences"], truth["sentences"], strict=True):
        assert sentence["start_s"] == known["start_s"] and sentence["end_s"] == known["end_s"]
        # estimates found the silences between the words
        for word, real in zip(sentence["words"], known["words"], strict=True):
            assert word["written"] == real["written"]
            onset = real["start_s"]
            assert onset - GAP / RATE - 0.012 <= word["start_s"] <= onset + 0.012


def test_real_espeak_make_has_word_times_identical_for_any_jobs(tmp_path, releases):
    outputs = {}
    for jobs in (1, 2):
        out = tmp_path / f"out{jobs}"
        result = CliRunner().invoke(
            main,
            ["make", str(releases), "-o", str(out), "--no-cache", "--jobs", str(jobs), "--quiet"],
        )
        assert result.exit_code == 0, result.output
        manifest = check_words_and_captions(out, "evening")
        assert manifest["_splits"] >= 1
        manifest.pop("settings")  # names the output folder
        outputs[jobs] = [manifest] + [
            (out / f"evening.{ext}").read_bytes() for ext in ("vtt", "srt", "mp3")
        ]
    assert outputs[1] == outputs[2]


@pytest.mark.parametrize(
    ("start_ms", "length_ms", "mark_ms"),
    [
        (0, 500, 0),  # the programme's lead-in: the first chapter starts the file
        (10_000, 1500, 11_200),  # between stories: 300 ms before the next story
        (10_000, 300, 10_100),  # before a sting: 100 ms after the speech
        (10_000, 150, 10_075),  # too short for both: the middle
    ],
)
def test_chapter_mark_sits_inside_the_pause(start_ms, length_ms, mark_ms):
    from bulletin.audio.timeline import Entry
    from bulletin.make import _chapter_start

    rate = 48000
    entry = Entry(0, "pause", start_ms * rate // 1000, length_ms * rate // 1000)
    assert _chapter_start(entry, rate) == pytest.approx(mark_ms / 1000)


def test_a_make_holds_no_list_of_cues_captions_or_words(tmp_path, releases, monkeypatch):
    """Structure only (bench/bench_limits.py measures the memory): the cues with their
    timed words and the captions are in record spools in the work folder, not lists; the
    manifest's sentences are made as they are written; mixing gets clips without word
    events. The files still carry every word time."""
    import bulletin.audio
    import bulletin.publish
    from bulletin.spool import RecordSpool

    seen: dict[str, bool] = {}

    def spy(module, name: str, check) -> None:
        real = getattr(module, name)

        def wrapper(*args, **kwargs):
            seen[name] = check(*args)
            return real(*args, **kwargs)

        monkeypatch.setattr(module, name, wrapper)

    spy(
        bulletin.audio,
        "render",
        lambda tl, script, clips, *_: {c.words for c in clips if c} == {None},
    )
    spy(bulletin.publish, "write_tags", lambda _, fmt, p: isinstance(p.cues, RecordSpool))
    spy(bulletin.publish, "write_vtt", lambda _, captions: isinstance(captions, RecordSpool))
    spy(bulletin.publish, "write_srt", lambda _, captions: isinstance(captions, RecordSpool))
    spy(bulletin.publish, "write_manifest", lambda _, m: isinstance(m["sentences"], Iterator))
    settings = Settings(out_dir=tmp_path / "out", format="wav")
    make_bulletin(Job("evening", (releases,)), settings, resolve_voice("ky-espeak"), jobs=1)
    assert seen == dict.fromkeys(
        ["render", "write_tags", "write_vtt", "write_srt", "write_manifest"], True
    )
    manifest = check_words_and_captions(tmp_path / "out", "evening")
    assert manifest["sentences"] and all(s["words"] for s in manifest["sentences"])
