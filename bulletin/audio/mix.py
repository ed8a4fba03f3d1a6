"""Pass 1 of rendering: the timeline mixed to mono, block by block.

Clips and jingles are read from disk only while a block overlaps them (resampled to the
output rate, padded or cut to their timeline length); the music bed loops under the
whole programme at ``level_db`` and ducks by ``duck_db`` more around speech, with
smooth ramps. Nothing here holds more than one block of the programme.

>>> for start, block in mix_blocks(timeline, script, clips, block=88200):
...     sink.write(block)                       # float32, mono, len <= 88200
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from bulletin.audio.sound import SoundReader
from bulletin.audio.timeline import Entry, Timeline
from bulletin.script import Clip, Script, Sound

DUCK_ATTACK_S = 0.150  # bed fully ducked when speech starts (ramp begins this much before)
DUCK_RELEASE_S = 0.400  # bed back up this long after speech ends
DUCK_BRIDGE_S = 1.0  # speech gaps shorter than this keep the bed ducked (no pumping)
BED_FADE_IN_S = 0.05
BED_FADE_OUT_S = 1.0


def _entry_path(entry: Entry, script: Script, clips: Sequence[Clip | None]) -> Path | None:
    if entry.kind == "speech":
        clip = clips[entry.item_index]
        return None if clip is None else Path(clip.path)
    if entry.kind == "sound":
        item = script.items[entry.item_index]
        assert isinstance(item, Sound)
        return Path(item.path)
    return None


def duck_regions(timeline: Timeline, bridge_s: float = DUCK_BRIDGE_S) -> list[tuple[int, int]]:
    """Speech spans ``(start, end)`` in samples, joined across gaps under ``bridge_s``.

    >>> duck_regions(timeline)           # two sentences 0.5 s apart, then a long gap
    [(0, 264600), (352800, 441000)]
    """
    bridge = int(round(bridge_s * timeline.sample_rate))
    regions: list[tuple[int, int]] = []
    for entry in timeline.entries:
        if entry.kind != "speech" or entry.length == 0:
            continue
        if regions and entry.start - regions[-1][1] < bridge:
            regions[-1] = (regions[-1][0], entry.end)
        else:
            regions.append((entry.start, entry.end))
    return regions


def _ramp(t: np.ndarray) -> np.ndarray:
    """Raised-cosine 0 -> 1 over t in [0, 1] (clipped outside)."""
    t = np.clip(t, 0.0, 1.0)
    return 0.5 - 0.5 * np.cos(np.pi * t)


class DuckEnvelope:
    """How far the bed is ducked (0 = bed level, 1 = fully ducked) at any sample."""

    def __init__(self, regions: list[tuple[int, int]], rate: int) -> None:
        self.regions = regions
        self._ends = [end for _, end in regions]
        self.attack = max(1, int(round(DUCK_ATTACK_S * rate)))
        self.release = max(1, int(round(DUCK_RELEASE_S * rate)))

    def depth(self, start: int, n: int) -> np.ndarray:
        """Duck depth for samples ``[start, start + n)``."""
        out = np.zeros(n)
        t = np.arange(start, start + n, dtype=np.float64)
        first = bisect.bisect_left(self._ends, start - self.release)
        for s, e in self.regions[first:]:
            if s - self.attack >= start + n:
                break
            up = _ramp((t - (s - self.attack)) / self.attack)
            down = 1.0 - _ramp((t - e) / self.release)
            np.maximum(out, np.minimum(up, down), out=out)
        return out


class _Bed:
    def __init__(self, script: Script, timeline: Timeline) -> None:
        bed = script.bed
        assert bed is not None
        self.reader = SoundReader(Path(bed.path), timeline.sample_rate)
        self.level_db, self.duck_db = bed.level_db, bed.duck_db
        self.total = timeline.length
        rate = timeline.sample_rate
        self.envelope = DuckEnvelope(duck_regions(timeline), rate)
        self.fade_in = max(1, int(round(BED_FADE_IN_S * rate)))
        self.fade_out = max(1, min(int(round(BED_FADE_OUT_S * rate)), timeline.length // 2))

    def read(self, start: int, n: int) -> np.ndarray:
        loop = self.reader.length
        out = np.zeros(n, dtype=np.float32)
        if loop == 0:
            return out
        done = 0
        while done < n:
            pos = (start + done) % loop
            take = min(n - done, loop - pos)
            out[done : done + take] = self.reader.read(pos, take)
            done += take
        gain_db = self.level_db + self.duck_db * self.envelope.depth(start, n)
        t = np.arange(start, start + n, dtype=np.float64)
        fades = _ramp(t / self.fade_in) * _ramp((self.total - t) / self.fade_out)
        return (out * (10.0 ** (gain_db / 20.0)) * fades).astype(np.float32)

    def close(self) -> None:
        self.reader.close()


def mix_blocks(
    timeline: Timeline,
    script: Script,
    clips: Sequence[Clip | None],
    block: int,
    start: int = 0,
    end: int | None = None,
) -> Iterator[tuple[int, np.ndarray]]:
    """Yield ``(start, samples)`` covering ``[start, end)`` (default: the whole timeline)
    in blocks of ``block``; any stretch mixes to the same samples as in the whole."""
    rate = timeline.sample_rate
    end = timeline.length if end is None else end
    entries = sorted(
        (e for e in timeline.entries if e.kind != "pause" and e.length > 0),
        key=lambda e: e.start,
    )
    readers: dict[int, tuple[Entry, SoundReader]] = {}
    bed = _Bed(script, timeline) if script.bed is not None else None
    following = 0
    try:
        for b0 in range(start, end, block):
            n = min(block, end - b0)
            b1 = b0 + n
            while following < len(entries) and entries[following].start < b1:
                entry = entries[following]
                following += 1
                path = _entry_path(entry, script, clips)
                if path is not None and entry.end > b0:
                    readers[entry.item_index] = (entry, SoundReader(path, rate))
            out = bed.read(b0, n) if bed is not None else np.zeros(n, dtype=np.float32)
            for index, (entry, reader) in list(readers.items()):
                lo, hi = max(b0, entry.start), min(b1, entry.end)
                if hi > lo:
                    out[lo - b0 : hi - b0] += reader.read(lo - entry.start, hi - lo)
                if entry.end <= b1:
                    reader.close()
                    del readers[index]
            yield b0, out
    finally:
        for _, reader in readers.values():
            reader.close()
        if bed is not None:
            bed.close()
