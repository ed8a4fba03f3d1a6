"""The timeline: every script item placed at an exact sample offset at the output rate.

Pure data: only sound files' headers are read. Lengths are exact integers, so cue times
(chapters, captions) and the rendered audio agree to the sample.

>>> tl = build_timeline(Script((Pause(250),)), [None], sample_rate=44100)
>>> tl.entries[0], tl.length
(Entry(item_index=0, kind='pause', start=0, length=11025), 11025)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from bulletin.audio.lengths import pause_length, resampled_length
from bulletin.audio.sound import sound_info
from bulletin.script import Clip, Pause, Script, Sound, Speech

EntryKind = Literal["speech", "pause", "sound"]


@dataclass(frozen=True, slots=True)  # one per word or sentence: no __dict__ each
class Entry:
    """One script item on the timeline: ``script.items[item_index]`` plays at
    ``[start, start + length)`` (output samples)."""

    item_index: int
    kind: EntryKind
    start: int
    length: int

    @property
    def end(self) -> int:
        return self.start + self.length


@dataclass(frozen=True)
class Timeline:
    """Where everything plays, in samples at ``sample_rate``; ``length`` is the total."""

    sample_rate: int
    length: int
    entries: tuple[Entry, ...]

    def seconds(self, samples: int) -> float:
        """Samples at this timeline's rate as seconds: ``tl.seconds(44100) == 1.0``."""
        return samples / self.sample_rate

    @property
    def duration_s(self) -> float:
        return self.length / self.sample_rate

    def speech(self) -> tuple[Entry, ...]:
        """The speech entries, in order (the regions a music bed ducks under)."""
        return tuple(e for e in self.entries if e.kind == "speech")


def build_timeline(
    script: Script, clips: Sequence[Clip | None], sample_rate: int = 44100
) -> Timeline:
    """Place every item of ``script`` back to back at ``sample_rate``.

    ``clips[i]`` is the synthesised clip of ``script.items[i]`` when that is a Speech
    (None otherwise). A Sound's length comes from its file's header.

    >>> build_timeline(Script((Pause(1000),)), [None], 48000).length
    48000
    """
    if len(clips) != len(script.items):
        raise ValueError(f"{len(clips)} clips for {len(script.items)} script items")
    if sample_rate <= 0:
        raise ValueError(f"sample rate must be positive, not {sample_rate}")
    entries: list[Entry] = []
    pos = 0
    for index, (item, clip) in enumerate(zip(script.items, clips, strict=True)):
        kind: EntryKind
        if isinstance(item, Speech):
            if clip is None:
                raise ValueError(f"script item {index} is speech but has no clip")
            kind = "speech"
            length = resampled_length(clip.samples, clip.sample_rate, sample_rate)
        elif isinstance(item, Pause):
            kind = "pause"
            length = pause_length(item.ms, sample_rate)
        elif isinstance(item, Sound):
            kind = "sound"
            frames, rate, _ = sound_info(item.path)
            length = resampled_length(frames, rate, sample_rate)
        else:
            raise TypeError(f"script item {index}: not Speech, Pause or Sound: {item!r}")
        entries.append(Entry(index, kind, pos, length))
        pos += length
    return Timeline(sample_rate=sample_rate, length=pos, entries=tuple(entries))
