"""Word events of clips: kept in the cache, completed, mapped through respelling, estimated."""

from __future__ import annotations

import dataclasses
import zlib
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from word_voice import GAP, LEAD, LETTER, RATE, WordVoice, use_voice

from bulletin.synth import resolve_voice, synthesize_clips
from bulletin.synth.cache import ClipCache, clip_key, to_pcm16, wav_bytes, words_chunk
from bulletin.synth.timing import complete_events, estimate_events, reindex_events
from bulletin.synth.voice import WordEvent

TEXT = "Бүгүн Бишкекте жаңы мектеп ачылды, окуучулар кубанышты."


def test_cache_keeps_word_events(tmp_path: Path) -> None:
    cache = ClipCache(tmp_path)
    voice = WordVoice()
    result = voice.synthesize_spoken(TEXT)
    key = clip_key("0" * 64, TEXT)
    made = cache.put(key, result.samples, RATE, result.words, "engine")
    assert made.words == result.words and made.timing == "engine"
    again = ClipCache(tmp_path).get(key)
    assert again == made
    audio, rate = sf.read(again.path, dtype="float32")  # the words chunk is skipped by readers
    assert rate == RATE and len(audio) == again.samples == len(result.samples)
    assert np.array_equal(to_pcm16(audio), to_pcm16(result.samples))


def _write_entry(folder: Path, key: str, blob: bytes, samples: int) -> Path:
    path = folder / f"{key}-{samples}-{zlib.crc32(blob):08x}.wav"
    path.write_bytes(blob)
    return path


@pytest.mark.parametrize(
    "extra",
    [
        b"",  # an entry of the old format: no word data
        b"bwrd\x05\x00\x00\x00[1,2]\x00",  # not the expected record
        words_chunk((WordEvent(0, 0, 10), WordEvent(2, 10, 20)), "engine"),  # index gap
        words_chunk((WordEvent(0, 0, 10**6),), "engine"),  # past the end
        words_chunk((WordEvent(0, 0, 10),), "guess"),  # unknown timing
    ],
)
def test_an_entry_without_valid_word_data_is_remade(tmp_path: Path, extra: bytes) -> None:
    pcm = to_pcm16(np.zeros(100, np.float32))
    key = clip_key("1" * 64, "салам")
    path = _write_entry(tmp_path, key, wav_bytes(pcm, RATE, extra), 100)
    assert ClipCache(tmp_path).get(key) is None
    assert not path.exists()


def test_engine_events_go_through_synthesis_and_the_cache(tmp_path, monkeypatch) -> None:
    preset = resolve_voice("ky-espeak")
    voice = WordVoice()
    use_voice(monkeypatch, preset, voice)
    texts = [TEXT, "Салам."]
    clips = synthesize_clips(texts, preset, cache_dir=tmp_path, jobs=1)
    expected = [voice.synthesize_spoken(preset.respell_text(text)).words for text in texts]
    assert [clip.words for clip in clips] == expected
    assert {clip.timing for clip in clips} == {"engine"}
    stats: dict = {}
    again = synthesize_clips(texts, preset, cache_dir=tmp_path, jobs=1, stats=stats)
    assert stats["hits"] == 2 and again == clips


def test_events_of_a_respelled_text_map_back_to_its_words(tmp_path, monkeypatch) -> None:
    # a respelling that splits a word in two: the engine reports two events for it
    preset = dataclasses.replace(
        resolve_voice("ky-espeak"), respell=(("re:Бишкекте", "Бишкек те"), ("гр*", "гыр"))
    )
    voice = WordVoice()
    use_voice(monkeypatch, preset, voice)
    text = "Бишкекте 5 градус жылуу."
    (clip,) = synthesize_clips([text], preset, cache_dir=tmp_path, jobs=1)
    assert voice.calls == ["Бишкек те 5 гырадус жылуу."]
    engine = voice.synthesize_spoken("Бишкек те 5 гырадус жылуу.").words
    assert [e.index for e in clip.words] == [0, 1, 2, 3]  # the text's own four words
    assert (clip.words[0].start, clip.words[0].end) == (engine[0].start, engine[1].end)
    assert [(e.start, e.end) for e in clip.words[1:]] == [(e.start, e.end) for e in engine[2:]]


def test_complete_events_fills_missing_and_bad_events() -> None:
    words = ["бир", "эки", "үч", "төрт"]
    events = [
        WordEvent(3, 900, 2000),
        WordEvent(0, -5, 100),
        WordEvent(0, 50, 60),
        WordEvent(9, 1, 2),
    ]
    done = complete_events(events, words, 1000)
    assert [e.index for e in done] == [0, 1, 2, 3]
    assert done[0] == WordEvent(0, 0, 100) and done[3] == WordEvent(3, 900, 1000)
    assert done[1].start == 100 and done[2].end == 900 and done[1].end == done[2].start
    starts = [e.start for e in done]
    assert starts == sorted(starts)


def test_reindex_merges_and_splits() -> None:
    events = (WordEvent(0, 0, 90), WordEvent(1, 100, 200), WordEvent(2, 210, 400))
    assert reindex_events(events, ["гы", "радус", "жылуу"], ["градус", "жылуу"]) == (
        WordEvent(0, 0, 200),
        WordEvent(1, 210, 400),
    )
    split = reindex_events(events[:1], ["беш"], ["бе", "ш"])
    assert [e.index for e in split] == [0, 1] and split[0].start == 0 and split[-1].end == 90


@pytest.mark.parametrize(
    "text", [TEXT, "Салам.", "Экономика 2025-жылы тез өстү, ал эми баалар да өстү."]
)
def test_estimates_put_every_boundary_in_the_silence_between_words(text: str) -> None:
    voice = WordVoice(report=False)
    result = voice.synthesize_spoken(text)
    words = text.split()
    truth = WordVoice().synthesize_spoken(text).words
    estimated = estimate_events(result.samples, RATE, words)
    assert [e.index for e in estimated] == list(range(len(words)))
    hop = RATE // 100  # estimates are on 10 ms frames
    for guess, real in zip(estimated, truth, strict=True):
        # a word starts in the short silence before its sound (where a stop's closure
        # would be) or on its onset, never inside the word before
        assert real.start - GAP - hop <= guess.start <= real.start + hop, (guess, real)
        assert abs(guess.end - real.end) <= hop, (guess, real)
    assert (
        estimated[0].start >= LEAD - hop and estimated[-1].end <= len(result.samples) - LEAD + hop
    )


def test_estimates_without_silences_share_by_letters() -> None:
    words = ["аа", "бббб"]
    samples = np.full(RATE, 0.2, np.float32)  # a steady tone: no quiet moment anywhere
    estimated = estimate_events(samples, RATE, words)
    assert estimated[0].start == 0 and estimated[-1].end == RATE
    assert abs(estimated[1].start - RATE * 3 / 8) <= RATE // 100 * 3
    assert estimate_events(np.zeros(0, np.float32), RATE, words)[-1].end == 0
    assert estimate_events(samples, RATE, []) == ()


def test_real_espeak_clips_carry_word_events(tmp_path: Path) -> None:
    """Whatever the engine reports (events, or none: estimated), every word has a span
    on the clip's sound, in order."""
    texts = [TEXT, "Эки миң жыйырма бешинчи жылы экономика он пайызга өстү."]
    clips = synthesize_clips(texts, resolve_voice("ky-espeak"), cache_dir=tmp_path, jobs=1)
    for text, clip in zip(texts, clips, strict=True):
        assert clip.timing in ("engine", "estimate")
        assert [e.index for e in clip.words] == list(range(len(text.split())))
        audio, rate = sf.read(clip.path, dtype="float64")
        hop = rate // 100
        level = [np.sqrt(np.mean(audio[i : i + hop] ** 2)) for i in range(0, len(audio), hop)]
        loud = np.flatnonzero(np.array(level) > max(level) * 0.01)
        first, last = loud[0] * hop, (loud[-1] + 1) * hop
        assert abs(clip.words[0].start - first) < 0.08 * rate
        assert abs(clip.words[-1].end - last) < 0.08 * rate
        starts = [e.start for e in clip.words]
        assert starts == sorted(starts) and all(e.end > e.start for e in clip.words)
        # the comma's pause lies between "ачылды," and "окуучулар"
    comma = TEXT.split().index("ачылды,")
    gap = clips[0].words[comma + 1].start - clips[0].words[comma].end
    assert gap > 0.05 * clips[0].sample_rate


def test_word_voice_timings_are_what_the_double_promises() -> None:
    words = WordVoice().synthesize_spoken("аб вгд").words
    assert words == (
        WordEvent(0, LEAD, LEAD + 2 * LETTER),
        WordEvent(1, LEAD + 2 * LETTER + GAP, LEAD + 5 * LETTER + GAP),
    )
