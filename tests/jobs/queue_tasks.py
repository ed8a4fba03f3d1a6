"""Task functions the queue tests run in real worker processes (importable by name)."""

from __future__ import annotations

import os
import time
from pathlib import Path


def _append(path: str, line: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, (line + "\n").encode())
    finally:
        os.close(fd)


def record(path: str, value: str, seconds: float = 0.0) -> None:
    """Sleep, then append ``value`` to ``path`` (one line per run)."""
    time.sleep(seconds)
    _append(path, value)


def fail(path: str, value: str) -> None:
    """Append a line per attempt, then fail with a two-line message."""
    _append(path, value)
    raise ValueError("the release is\nbroken")


def fail_once(path: str, value: str) -> None:
    """Fail on the first attempt (no line in ``path`` yet), succeed on the next."""
    first = not Path(path).exists()
    _append(path, value)
    if first:
        raise RuntimeError("first attempt fails")


def die(path: str, value: str) -> None:
    """The worker process dies (as if killed) in the middle of the task."""
    _append(path, value)
    os._exit(3)


def hook(path: str, value: str, error: str, **_) -> None:
    """on_failure: record the reason."""
    _append(path + ".failed", f"{value}\t{error}")


def pid(path: str, value: str) -> None:
    """Append ``value`` and the process that ran it."""
    _append(path, f"{value} {os.getpid()}")


def stuck(path: str, value: str, seconds: float) -> None:
    """Stuck where no Python signal handler runs (as inside an engine's C code): SIGALRM,
    the queue's timeout, is held back for ``seconds``."""
    import signal

    _append(path, value)
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
    time.sleep(seconds)


def threads(path: str, value: str) -> None:
    """Append ``value`` and whether a job here may run helper threads."""
    from bulletin.jobs import job_threads

    _append(path, f"{value} {job_threads()}")
