"""What the queue tests of both backends do as a client: submit tasks, wait for them."""

from __future__ import annotations

import time
from pathlib import Path

from bulletin.jobs import Task, TaskState


def wait_for(queue, keys, timeout=90.0, statuses=("done", "failed")) -> list[TaskState]:
    """The states of ``keys`` once each is in ``statuses`` (polling ``queue``)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        states = [queue.state(key) for key in keys]
        if all(s and s.status in statuses for s in states):
            return states
        time.sleep(0.05)
    raise AssertionError(f"not reached {statuses}: {[queue.state(key) for key in keys]}")


def lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def task(name, log, value, **extra) -> Task:
    """A task running ``queue_tasks.<name>``, which logs ``value`` to ``log``."""
    return Task(
        f"queue_tasks:{name}",
        {"path": str(log), "value": value, **extra.pop("kwargs", {})},
        key=f"t:{value}",
        on_failure="queue_tasks:hook",
        **extra,
    )
