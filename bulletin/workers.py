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
import queue
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
    and arguments; ``queued`` tasks a worker are kept in hand), this process takes them
    from the back (``here(item)``), so the two meet near the end. A thread hands a
    worker its next item as soon as it finishes one, while this process is busy with
    its own. ``done(index, result)`` is called here as each finishes. After an error
    nothing is left running.

    >>> share_work(parts, encode, lambda p: (encode, (p,)), pool, results.__setitem__)
    """
    waiting = deque(range(len(items)))
    if pool is None:
        while waiting:
            lifecycle.check()  # a stop signal: take no more work
            index = waiting.pop()
            done(index, here(items[index]))
        return
    feeder = _Feeder(items, there, pool, waiting, queued * pool_workers(pool))
    try:
        left = len(items)
        while left:
            lifecycle.check()
            mine = feeder.take_back()
            if mine is not None:
                done(mine, here(items[mine]))
                left -= 1
            for index, future in feeder.finished(block=mine is None):
                done(index, future.result())
                left -= 1
    finally:
        feeder.stop(join=not lifecycle.stop_requested())  # stopping: the owner terminates


class _Feeder:
    """The front of :func:`share_work`'s items, handed to ``pool`` by a thread of its own:
    at most ``limit`` tasks out at once, the next one sent as soon as one finishes."""

    def __init__(self, items, there, pool: Executor, waiting: deque, limit: int) -> None:
        self._items, self._there, self._pool = items, there, pool
        self._waiting, self._limit = waiting, max(1, limit)
        self._lock = threading.Lock()
        self._running: dict[Future, int] = {}
        # (index, future) of each task that ended, or the error that stopped the thread
        self._ended: queue.SimpleQueue = queue.SimpleQueue()
        self._stopped = False
        self._fill()  # the first tasks go out before this process starts its own
        self._thread = threading.Thread(target=self._feed, name="share-work", daemon=True)
        self._thread.start()

    def _fill(self) -> None:
        with self._lock:
            while self._waiting and len(self._running) < self._limit:
                if self._stopped or lifecycle.stop_requested():
                    return
                index = self._waiting.popleft()
                function, args = self._there(self._items[index])
                self._running[self._pool.submit(function, *args)] = index

    def _feed(self) -> None:
        try:
            while True:
                with self._lock:
                    out = list(self._running)
                if not out:
                    return
                for future in wait(out, return_when=FIRST_COMPLETED).done:
                    with self._lock:
                        index = self._running.pop(future)
                    self._ended.put((index, future))
                self._fill()
        except BaseException as error:  # a failed submit (a broken pool): tell the caller
            self._ended.put(error)

    def take_back(self) -> int | None:
        """The last waiting item, for this process; None when none is left."""
        with self._lock:
            return self._waiting.pop() if self._waiting else None

    def finished(self, block: bool) -> list[tuple[int, Future]]:
        """The workers' tasks that ended since the last call (waiting for one if ``block``)."""
        ended = []
        try:
            item = self._ended.get(block=block)
            while True:
                if isinstance(item, BaseException):
                    raise item
                ended.append(item)
                item = self._ended.get_nowait()
        except queue.Empty:
            return ended

    def stop(self, join: bool) -> None:
        """Send nothing more; cancel what has not started; with ``join``, wait for the rest."""
        with self._lock:
            self._stopped = True
            self._waiting.clear()
            out = list(self._running)
        for future in out:
            future.cancel()
        if join:
            self._thread.join()
