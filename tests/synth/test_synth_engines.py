"""Engines as plug-ins: the registry, a fourth engine added in one place, and the word
events each engine reports (indexes into the spoken text's words, sample offsets)."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import numpy as np
import pytest

from bulletin.errors import VoiceError
from bulletin.synth import (
    availability,
    default_voice,
    find_presets,
    load_preset,
    load_voice,
    resolve_voice,
    synthesize_clips,
    voice_identity,
)
from bulletin.synth import engines as registry
from bulletin.synth.engines import TIERS, Engine, engine, word_events, word_index
from bulletin.synth.voice import Synthesis, WordEvent


@pytest.mark.parametrize("name", sorted(registry.ENGINES))
def test_every_engine_describes_itself(name: str) -> None:
    found = engine(name)
    assert found.name == name and found.tier in TIERS
    assert found.licence and found.install


def test_unknown_engine_is_one_line() -> None:
    with pytest.raises(VoiceError, match="unknown engine 'nope'"):
        engine("nope")


class ToneVoice:
    """A test engine: one 100 ms tone per word, 50 ms apart, with exact word events."""

    sample_rate = 8000

    def __init__(self, preset) -> None:  # noqa: ANN001
        self.name = preset.name

    def synthesize(self, text: str) -> Synthesis:
        words = text.split()
        tone = np.sin(np.arange(800) * 0.3).astype(np.float32) * 0.5
        gap = np.zeros(400, np.float32)
        samples = np.concatenate([np.r_[tone, gap] for _ in words] or [gap])
        events = tuple(WordEvent(i, i * 1200, i * 1200 + 800) for i in range(len(words)))
        return Synthesis(samples, self.sample_rate, events)


@pytest.fixture()
def tone_engine(monkeypatch: pytest.MonkeyPatch):
    module = types.ModuleType("tone_engine_for_tests")
    module.ENGINE = Engine(
        name="tone",
        tier="neural",
        licence="test",
        install="nothing",
        load=lambda preset, allow_download=False: ToneVoice(preset),
        identity=lambda preset: {"tone": 1},
        problem=lambda preset: None,
        default_sample_rate=8000,
    )
    monkeypatch.setitem(sys.modules, module.__name__, module)
    monkeypatch.setitem(registry.ENGINES, "tone", module.__name__)
    monkeypatch.setattr(registry, "_LOADED", {})
    return module


def test_a_fourth_engine_is_one_registry_entry(
    tone_engine, tmp_path: Path, isolated_cwd: Path
) -> None:
    folder = isolated_cwd / "voices"
    folder.mkdir()
    (folder / "ky-tone.toml").write_text(
        'name = "ky-tone"\nengine = "tone"\nlicence = "test"\ncommercial_use = true\n',
        encoding="utf-8",
    )
    preset = resolve_voice("ky-tone")
    assert preset.sample_rate == 8000 and availability(preset) == (True, "")
    assert voice_identity(preset)["tone"] == 1
    result = load_voice(preset).synthesize("бир эки үч")
    assert [w.index for w in result.words] == [0, 1, 2]
    clips = synthesize_clips(["бир эки"], preset, cache_dir=tmp_path, jobs=1)
    assert clips[0].samples == 2400
    # the best tier wins the default rule when it may be broadcast...
    assert default_voice().name == "ky-tone"
    # ...and never when it may not
    (folder / "ky-tone.toml").write_text(
        'name = "ky-tone"\nengine = "tone"\ncommercial_use = false\n', encoding="utf-8"
    )
    assert default_voice().name != "ky-tone"
    assert "ky-tone" in [p.name for p in find_presets()]


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ('engine = "rhvoice"\n', "needs speaker"),
        ('engine = "rhvoice"\nspeaker = "Azamat"\nrate = 9.0\n', "rate must be a factor"),
        ('engine = "espeak"\nrate = 1.5\n', "whole number of words per minute"),
        ('engine = "espeak"\npitch = 1.2\n', "pitch is not an espeak setting"),
        ('engine = "espeak"\ncommercial_use = "yes"\n', "commercial_use must be true or false"),
    ],
)
def test_engine_settings_are_checked_by_the_engine(tmp_path: Path, text: str, error: str) -> None:
    path = tmp_path / "v.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(VoiceError, match=error):
        load_preset(path)


def test_word_index_maps_characters_to_words() -> None:
    index = word_index("  Бүгүн, эртең  менен")
    assert [index(i) for i in (0, 2, 7, 8, 9, 13, 14, 16, 20)] == [0, 0, 0, 1, 1, 1, 2, 2, 2]


def test_word_events_merge_split_words_and_trim_silence() -> None:
    audio = np.r_[np.ones(100), np.zeros(50), np.ones(100), np.zeros(30)].astype(np.float32)
    # word 0 reported twice (an engine that splits Ак-Суу), word 1 with no end
    events = word_events([(0, 0, 40), (0, 40, 100), (1, 150, None)], audio)
    assert events == (WordEvent(0, 0, 100), WordEvent(1, 150, 250))


@pytest.mark.parametrize("name", ["ky-espeak", "ky-azamat"])
def test_word_events_index_the_respelled_spoken_words(name: str) -> None:
    """PresetVoice.synthesize respells first; events count the words of what the engine
    was given (here the same number of words)."""
    voice = load_voice(resolve_voice(name))
    spoken = "Бүгүн беш градус жылуу, эртең кредит берилет."
    result = voice.synthesize(spoken)
    assert [w.index for w in result.words] == list(range(len(spoken.split())))
    starts = [w.start for w in result.words]
    assert starts == sorted(starts) and starts[0] < result.sample_rate * 0.3
    assert result.words[-1].end <= len(result.samples)
    empty = voice.synthesize("")
    assert len(empty.samples) == 0 and empty.words == ()
