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
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


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


def share_work(
    items: Sequence[T],
    here: Callable[[T], R],
    there: Callable[[T], tuple[Callable[..., R], tuple]],
    pool: Executor | None,
    done: Callable[[int, R], None],
    queued: int = 1,
) -> None:
    """Do every item once, in this process and the pool's workers at the same time.

    The workers take items from the front (``there(item)`` gives the picklable function
    and arguments; ``queued`` tasks a worker are kept in hand so none waits), this process
    takes them from the back (``here(item)``), so the two meet near the end. ``done(index,
    result)`` is called here as each finishes. After an error nothing is left running.

    >>> share_work(parts, encode, lambda p: (encode, (p,)), pool, results.__setitem__)
    """
    waiting = deque(range(len(items)))
    running: dict[Future, int] = {}
    limit = queued * pool_workers(pool) if pool is not None else 0
    try:
        while waiting or running:
            while pool is not None and waiting and len(running) < limit:
                index = waiting.popleft()
                function, args = there(items[index])
                running[pool.submit(function, *args)] = index
            if waiting:
                index = waiting.pop()
                done(index, here(items[index]))
                finished = [future for future in running if future.done()]
            else:
                finished = list(wait(running, return_when=FIRST_COMPLETED).done)
            for future in finished:
                done(running.pop(future), future.result())
    finally:
        for future in running:
            future.cancel()
        wait(running)
