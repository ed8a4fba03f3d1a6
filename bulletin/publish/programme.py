"""What the publish stage is given: a finished programme with its timed cues and chapters.

The caller (the timeline/mastering stage) computes every time from exact sample offsets;
publish only formats them. Times are seconds from the start of the mastered file.

>>> cue = Cue(0.0, 2.5, written="2022-жылы.", spoken="эки миң жыйырма экинчи жылы.",
...           story=0, role="sentence")
>>> Chapter(0.0, 2.5, "Бишкекте жаңы мектеп ачылды").title
'Бишкекте жаңы мектеп ачылды'
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)  # one per word or sentence: no __dict__ each
class Word:
    """A written word (or the few written words read together) and when it sounds.

    ``Word("2022-жылы", "эки миң жыйырма экинчи жылы", 1.52, 3.07)``: ``written`` is a
    piece of the sentence's written text (its words joined by spaces), ``spoken`` the
    words the voice read for it, ``start_s``/``end_s`` its span in the programme.
    """

    written: str
    spoken: str
    start_s: float
    end_s: float

    def __post_init__(self) -> None:
        _check_span(self.start_s, self.end_s, f"word {self.written[:30]!r}")


@dataclass(frozen=True, slots=True)  # one per word or sentence: no __dict__ each
class Cue:
    """One spoken sentence or headline and where it sits in the audio.

    ``written`` is what captions and the transcript show; ``spoken`` is what the voice
    read (used to time sub-captions); ``role`` is ``"headline"`` or ``"sentence"``.
    ``words`` (when known) covers every written word in order, inside the cue's span;
    ``timing`` says where their times come from: ``"engine"`` (word events reported by
    the voice) or ``"estimate"`` (shared out by letters, moved to quiet moments).
    """

    start_s: float
    end_s: float
    written: str
    spoken: str
    story: int
    role: str = "sentence"
    words: tuple[Word, ...] = ()
    timing: str | None = None

    def __post_init__(self) -> None:
        _check_span(self.start_s, self.end_s, f"cue {self.written[:30]!r}")
        if self.words and self.timing not in ("engine", "estimate"):
            raise ValueError(f"cue {self.written[:30]!r}: word timing {self.timing!r}")
        at = self.start_s
        for word in self.words:
            if word.start_s < at - 1e-9 or word.end_s > self.end_s + 1e-9:
                raise ValueError(f"cue {self.written[:30]!r}: word {word.written!r} out of order")
            at = word.start_s


@dataclass(frozen=True)
class Chapter:
    """A chapter (one story): ``Chapter(0.0, 31.2, "Бишкекте жаңы мектеп ачылды")``."""

    start_s: float
    end_s: float
    title: str

    def __post_init__(self) -> None:
        _check_span(self.start_s, self.end_s, f"chapter {self.title[:30]!r}")


@dataclass(frozen=True)
class SoundCue:
    """A jingle or sting as placed: ``SoundCue(0.5, 4.5, "intro", "jingles/intro.wav")``."""

    start_s: float
    end_s: float
    role: str
    file: str

    def __post_init__(self) -> None:
        _check_span(self.start_s, self.end_s, f"sound {self.role!r}")


@dataclass(frozen=True)
class Programme:
    """Everything publish writes about one mastered file.

    ``date`` is ISO (``"2026-11-24"``), ``language`` ISO 639-2 (``"kir"``), ``genre``
    e.g. ``"Podcast"`` or ``"News"``; ``transcript`` is the written text with headlines,
    as a reader sees it. Chapters must be in ascending start order. ``cues`` may be read
    more than once, in order (a :class:`bulletin.spool.RecordSpool` is).
    """

    title: str
    artist: str | None
    album: str | None
    date: str
    genre: str
    language: str
    comment: str | None
    cover: Path | None
    duration_s: float
    cues: Collection[Cue]  # a tuple, or any re-iterable (a long programme's: on disk)
    chapters: tuple[Chapter, ...]
    story_titles: tuple[str, ...]
    transcript: str
    sounds: tuple[SoundCue, ...] = ()

    def __post_init__(self) -> None:
        if not math.isfinite(self.duration_s) or self.duration_s < 0:
            raise ValueError(f"programme duration must be >= 0, got {self.duration_s!r}")
        starts = [chapter.start_s for chapter in self.chapters]
        if starts != sorted(starts):
            raise ValueError("programme chapters must be in ascending start order")


def _check_span(start_s: float, end_s: float, what: str) -> None:
    if not (math.isfinite(start_s) and math.isfinite(end_s)) or start_s < 0 or end_s < start_s:
        raise ValueError(f"{what}: bad time span {start_s!r}..{end_s!r}")
