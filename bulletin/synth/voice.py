"""The Voice protocol (Piper-like) and loading a preset into a runnable voice.

>>> voice = load_voice(resolve_voice("ky-espeak"))
>>> voice.name, voice.sample_rate
('ky-espeak', 22050)
>>> result = voice.synthesize("Бүгүн 5 градус жылуу.")   # respelled: "гырадус"
>>> result.samples.dtype, result.sample_rate, result.words[1]
(dtype('float32'), 22050, WordEvent(index=1, start=9582, end=16019))

Engines are plug-ins (:mod:`bulletin.synth.engines`): nothing here names one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np

from bulletin.synth.presets import VoicePreset


@dataclass(frozen=True, slots=True)  # one per word or sentence: no __dict__ each
class WordEvent:
    """Where one word of the spoken text sounds: samples ``[start, end)`` of the result.

    ``index`` counts the spoken text's words (``text.split()``) from 0.
    """

    index: int
    start: int
    end: int


@dataclass(frozen=True)
class Synthesis:
    """What a voice returns for one sentence (as Piper's ``AudioChunk``): float32 mono
    samples, their rate, and word events when the engine reports them (None: it does not).

    >>> Synthesis(np.zeros(2205, np.float32), 22050, (WordEvent(0, 0, 2205),)).duration_s
    0.1
    """

    samples: np.ndarray
    sample_rate: int
    words: tuple[WordEvent, ...] | None = None

    @property
    def duration_s(self) -> float:
        return len(self.samples) / self.sample_rate


@runtime_checkable
class Voice(Protocol):
    """Anything that turns one sentence of spoken Kyrgyz into a :class:`Synthesis`."""

    name: str
    sample_rate: int

    def synthesize(self, text: str) -> Synthesis: ...


class PresetVoice:
    """A preset's engine with the preset's ``[respell]`` rules applied before it."""

    def __init__(self, preset: VoicePreset, engine: Voice) -> None:
        self.preset = preset
        self.engine = engine
        self.name = preset.name
        self.sample_rate = engine.sample_rate

    def synthesize(self, text: str) -> Synthesis:
        """Respell ``text`` with the preset's rules, then synthesise it."""
        return self.synthesize_spoken(self.preset.respell_text(text))

    def synthesize_spoken(self, spoken: str) -> Synthesis:
        """Synthesise text that has already been respelled (word event indexes count
        ``spoken.split()``)."""
        return self.engine.synthesize(spoken)


def load_voice(preset: VoicePreset, *, allow_download: bool = False) -> PresetVoice:
    """Start the preset's engine (Coqui loads its model here, once; ``allow_download``
    lets Coqui fetch a missing zoo model, which needs network)."""
    from bulletin.synth.engines import engine_for

    return PresetVoice(preset, engine_for(preset).load(preset, allow_download))


def voice_identity(preset: VoicePreset) -> dict[str, Any]:
    """Everything that changes how the preset sounds, without loading a model.

    Preset contents (rate, respell, model names), engine and engine/model/data versions:
    the clip cache key is this plus the spoken text.
    """
    from bulletin.synth.engines import engine_for

    ident: dict[str, Any] = {"preset": preset.identity(), "format": 1}
    ident.update(engine_for(preset).identity(preset))
    return ident
