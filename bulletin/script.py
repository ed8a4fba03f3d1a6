"""The script: what will be heard, in order, as plain data (no audio).

A bulletin becomes a flat sequence of items: ``Speech`` (one sentence or headline, with
its written and spoken forms), ``Pause`` (silence, in milliseconds) and ``Sound`` (a
jingle or sting from a file), plus an optional music ``Bed`` under the whole programme.

>>> Speech(written="2022-жылы.", spoken="эки миң жыйырма экинчи жылы.", story=0, role="sentence")
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

SpeechRole = Literal["headline", "sentence"]
SoundRole = Literal["intro", "outro", "sting"]


@dataclass(frozen=True)
class Speech:
    """One sentence (or headline) to synthesise."""

    written: str  # as in the release: what captions and the transcript show
    spoken: str  # normalised: what the voice reads
    story: int  # index of the story it belongs to
    role: SpeechRole = "sentence"


@dataclass(frozen=True)
class Pause:
    """Silence of ``ms`` milliseconds; ``reason`` says which rule put it there."""

    ms: int
    reason: str = ""


@dataclass(frozen=True)
class Sound:
    """An audio file played as it is (jingle, sting), at its own loudness."""

    path: Path
    role: SoundRole


@dataclass(frozen=True)
class Bed:
    """Music under the whole programme, ducked while a voice speaks."""

    path: Path
    level_db: float = -18.0  # bed level between speech, relative to the file
    duck_db: float = -12.0  # extra attenuation under speech


Item = Speech | Pause | Sound


@dataclass(frozen=True)
class Clip:
    """A synthesised sentence on disk (the synthesis stage's output for one ``Speech``).

    ``path`` is a mono audio file soundfile can read (WAV); ``samples`` is its length
    at ``sample_rate`` (the voice's own rate), so the timeline can be laid out without
    reading the audio.
    """

    path: Path
    samples: int
    sample_rate: int


@dataclass(frozen=True)
class Script:
    items: tuple[Item, ...]
    bed: Bed | None = None
    story_titles: tuple[str, ...] = field(default_factory=tuple)
