"""Worker processes shared by the stages of one make: synthesis, then mastering.

One pool for a whole ``bulletin make`` run: its workers start once (a Python process,
numpy, the voice) and serve both stages of every bulletin made. They are started with
"spawn" (no inherited locks or torch threads, the same on every platform), lazily, on
the first task, so a make that needs none (a warm re-make) starts none.

Workers never outlive their parent: on Linux the kernel sends them SIGKILL when it dies
(``PR_SET_PDEATHSIG``), elsewhere a thread in each worker exits when its parent changes.
They ignore SIGINT and SIGHUP (a terminal's Ctrl-C reaches the whole process group): the
parent decides, and on a stop signal (:mod:`bulletin.lifecycle`) it terminates them
instead of waiting for their tasks. With them gone, multiprocessing's resource tracker
(which holds the pool's semaphores) sees its last user leave and exits too.

>>> with process_pool(jobs=2) as pool:         # None when jobs is 1
...     clips = synthesize_clips(texts, preset, cache_dir=cache, jobs=2, pool=pool)
...     report = render(timeline, script, clips, output, settings, jobs=2, pool=pool)
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from typing import TypeVar

from bulletin import lifecycle

T = TypeVar("T")
R = TypeVar("R")

_PR_SET_PDEATHSIG = 1
PARENT_WATCH_S = 0.5  # how often a worker without PR_SET_PDEATHSIG looks at its parent


def _die_with_parent(parent: int, signum: int) -> bool:
    """Ask Linux to send this process ``signum`` when its parent exits; False where it cannot."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(_PR_SET_PDEATHSIG, int(signum), 0, 0, 0) != 0:
            return False
    except (OSError, AttributeError):
        return False
    if os.getppid() != parent:  # the parent died before the request: nobody will send it
        os._exit(1)
    return True


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_WATCH_S)
    os._exit(1)


def die_with_parent(parent: int, signum: int = signal.SIGKILL, main_thread: bool = True) -> None:
    """Make this (child) process end when ``parent`` does, even if the parent is killed.

    On Linux the kernel sends ``signum`` (``PR_SET_PDEATHSIG``); elsewhere, or when the
    process was started from a thread that may end before its parent (``main_thread``
    False: the kernel's death signal follows the parent *thread*), a daemon thread here
    exits the process when its parent changes.

    >>> die_with_parent(os.getppid(), signal.SIGTERM)  # in a queue worker: SIGTERM, not KILL
    """
    if not (main_thread and _die_with_parent(parent, signum)):
        threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()


def worker_init(parent: int, main_thread: bool) -> None:
    """Initializer of every worker: die with ``parent``; leave stop signals to it.

    The kernel's death signal follows the parent *thread* that started the worker, so a
    pool made outside the main thread (``main_thread`` False) uses the parent-watch thread.
    """
    for name in ("SIGINT", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_IGN)
    die_with_parent(parent, signal.SIGKILL, main_thread)


def stop_workers(pool: Executor) -> None:
    """Terminate ``pool``'s worker processes now (SIGTERM), without waiting for their tasks."""
    processes = dict(getattr(pool, "_processes", None) or {})
    for process in processes.values():
        with contextlib.suppress(Exception):
            process.terminate()


@contextlib.contextmanager
def process_pool(jobs: int) -> Iterator[Executor | None]:
    """``jobs - 1`` worker processes (the caller's process is the other job); ``None``
    for one job. Shut down on exit, waiting for what is running."""
    if jobs < 2:
        yield None
        return
    pool = ProcessPoolExecutor(
        max_workers=jobs - 1,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=worker_init,
        initargs=(os.getpid(), threading.current_thread() is threading.main_thread()),
    )
    try:
        yield pool
    except BaseException:
        stop_workers(pool)  # an error or a stop signal: the running tasks are not wanted
        raise
    finally:
        if lifecycle.stop_requested():
            stop_workers(pool)
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
            lifecycle.check()  # a stop signal: take no more work
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
        if not lifecycle.stop_requested():  # stopping: the pool's owner terminates them
            wait(running)
