"""The clip cache as a store shared by machines: processes writing the same clips at the
same moment leave one whole, verified entry per clip and no temporary files."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import numpy as np

from bulletin.synth.cache import ClipCache, clip_key, verify
from bulletin.synth.voice import WordEvent

KEYS = 150


def _samples(index: int) -> np.ndarray:
    rng = np.random.default_rng(index)
    return (rng.integers(-20000, 20000, 2000 + index) / 32768.0).astype(np.float32)


def _writer(folder: str, barrier) -> None:
    cache = ClipCache(Path(folder))
    barrier.wait()
    for index in range(KEYS):
        key = clip_key("f" * 64, f"сүйлөм {index}")
        words = (WordEvent(index=0, start=0, end=1000),)
        cache.put(key, _samples(index), 22050, words, "estimate")


def test_two_writers_racing_leave_one_whole_entry_per_clip(tmp_path):
    folder = tmp_path / "shared-cache"
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(3)
    writers = [context.Process(target=_writer, args=(str(folder), barrier)) for _ in range(3)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(timeout=120)
        assert writer.exitcode == 0
    names = sorted(p.name for p in folder.iterdir())
    assert not [n for n in names if n.startswith(".")]  # no temporary left
    assert len(names) == KEYS  # one entry per clip
    fresh = ClipCache(folder)
    for index in range(KEYS):
        clip = fresh.get(clip_key("f" * 64, f"сүйлөм {index}"))
        assert clip is not None and clip.samples == 2000 + index
        assert verify(clip.path) is not None
