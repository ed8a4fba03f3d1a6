"""Worker processes shared by the stages of one make: synthesis, then mastering.

One pool for a whole ``bulletin make`` run: its workers start once (a Python process,
numpy, the voice) and serve both stages of every bulletin made. They are started with
"spawn" (no inherited locks or torch threads, the same on every platform), lazily, on
the first task, so a make that needs none (a warm re-make) starts none.

>>> with process_pool(jobs=2) as pool:         # None when jobs is 1
...     clips = synthesize_clips(texts, preset, cache_dir=cache, jobs=2, pool=pool)
...     report = render(timeline, script, clips, output, settings, jobs=2, pool=pool)
"""

from __future__ import annotations

import contextlib
import multiprocessing
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor


@contextlib.contextmanager
def process_pool(jobs: int) -> Iterator[Executor | None]:
    """``jobs - 1`` worker processes (the caller's process is the other job); ``None``
    for one job. Shut down on exit, waiting for what is running."""
    if jobs < 2:
        yield None
        return
    pool = ProcessPoolExecutor(
        max_workers=jobs - 1, mp_context=multiprocessing.get_context("spawn")
    )
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def pool_workers(pool: Executor) -> int:
    """How many workers ``pool`` has (1 for an executor that does not say)."""
    return int(getattr(pool, "_max_workers", 1))
