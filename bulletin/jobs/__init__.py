"""One job interface for the services around ``make``, with two backends.

- embedded (``bulletin.jobs.embedded``): a bounded number of worker processes on this
  machine, the queue's state in SQLite on disk, so a restart loses nothing;
- distributed (``bulletin.jobs.redis``): workers on any machine that reaches Redis
  (``[queue] url = "redis://..."`` or ``BULLETIN_QUEUE_URL``; extra ``bulletin[queue]``).

A task is an importable function and JSON-ready keyword arguments, so that any worker
on any machine can run it; its ``key`` names it, and submitting a key that is already
queued or running does nothing. What a task makes (an article's audio, a feed episode)
it writes itself, atomically, into the shared data folder; the queue only runs tasks,
retries them a bounded number of times and remembers how each ended.

>>> queue = open_queue(QueueSettings(state_dir=Path("data/queue"), workers=2))
>>> queue.submit(Task("bulletin.web.tasks:make_article", {"data_dir": "data", "id": "a1"},
...                   key="article:a1:v2"))
TaskState(key='article:a1:v2', status='queued', error=None, attempts=0)
>>> queue.close()
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol
from urllib.parse import urlsplit, urlunsplit

Status = Literal["queued", "running", "done", "failed"]


@dataclass(frozen=True)
class Task:
    """One unit of work: ``function`` ("module:name") called with ``kwargs`` on a worker."""

    function: str
    kwargs: Mapping[str, Any]
    key: str
    retries: int = 2  # further runs after a failure or a lost worker; then "failed"
    timeout_s: float = 3600.0
    # "module:name" called as ``f(**kwargs, error=reason)`` once the task has failed for
    # good (every attempt used), wherever that is decided: a worker, or the queue's owner
    # when a worker was lost; so the task's owner can record the failure and tell others
    on_failure: str | None = None
    # which workers may run it (a voice name: only workers serving that voice); None: any
    pool: str | None = None


@dataclass(frozen=True)
class TaskState:
    key: str
    status: Status
    error: str | None = None  # one line, when failed
    attempts: int = 0


@dataclass(frozen=True)
class QueueSettings:
    state_dir: Path  # where the embedded backend keeps its SQLite file
    workers: int = 1  # embedded worker processes
    url: str | None = None  # redis://...; None: embedded
    max_pending: int = 1000  # submit beyond this raises QueueFull
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Split:
    """What a task returns to hand its work on: ``parts`` run on any workers, in parallel;
    ``then`` runs once every part has ended (done or failed) and takes over the task's key.
    Only a queue that can spread work returns True from :func:`can_split` in its workers.

    >>> Split(parts=(Task("m:clips", {"texts": ["Салам."]}, key="a:1:p0"),),
    ...       then=Task("m:make", {"id": "a"}, key="a:1"))
    """

    parts: tuple[Task, ...]
    then: Task


_SPLITTING = {"on": False}
# set by a worker of a queue that spreads work: cores a task taking over a split may use,
# how many workers share the running task's parts (a function: asked only when needed),
# and whether a task may run helper threads beside its own work
_WORKER: dict[str, Any] = {"cores": 1, "peers": None, "threads": True}


def can_split() -> bool:
    """Whether the task running in this process may return a :class:`Split`."""
    return _SPLITTING["on"]


def split_cores() -> int:
    """Processes the task that takes over a :class:`Split` (``then``: the assembly) may use
    for its own make: every core of its worker's machine by default (``[queue]
    assembly_jobs``), since its parts ran everywhere and the rest is its alone; 1 where work
    is not spread (the embedded queue: its workers already share this machine's cores)."""
    return max(1, int(_WORKER["cores"])) if _SPLITTING["on"] else 1


def job_threads() -> bool:
    """Whether the task running in this process may run helper threads beside its own
    work (a make's mastering of a short programme: faster alone, a few per cent more CPU
    in all). Not in a ``bulletin worker`` process: each is one core's worth of a machine
    that runs ``--concurrency`` of them, all busy while the queue has work, so a job's
    helper threads would only take CPU from the others (the assembly of a split, which
    has the machine's cores to itself, may: :func:`split_cores`)."""
    return bool(_WORKER["threads"])


def allow_job_threads(allowed: bool) -> None:
    """Set what :func:`job_threads` answers in this process: False in a ``bulletin
    worker`` process (and where its jobs are compared with direct calls)."""
    _WORKER["threads"] = bool(allowed)


def split_peers() -> int:
    """How many workers take the parts of the running task's split now (1 when unknown)."""
    count = _WORKER["peers"]
    if not (_SPLITTING["on"] and count):
        return 1
    try:
        return max(1, int(count()))
    except Exception:  # the count is a hint: a split works without it
        return 1


def portions(texts: Sequence[str], most: int, ways: int = 2, least: int = 2) -> list[list[str]]:
    """``texts`` dealt out as parts for ``ways`` workers: the longest texts first, each part
    about ``1 / (2 * ways)`` of the characters still left (at most ``most`` texts, at least
    ``least``), so parts shrink towards the tail and the workers end close together.

    >>> portions(["Бир.", "Эки сүйлөм.", "Үч сөздөн турат.", "Төрт."], most=2, ways=1)
    [['Үч сөздөн турат.', 'Эки сүйлөм.'], ['Төрт.', 'Бир.']]
    """
    order = sorted(texts, key=len, reverse=True)
    left = sum(len(text) for text in order)
    parts: list[list[str]] = []
    start = 0
    while start < len(order):
        goal = left / (2 * max(1, ways))
        part: list[str] = []
        size = 0
        while start < len(order) and len(part) < max(1, most):
            if len(part) >= least and size >= goal:
                break
            part.append(order[start])
            size += len(order[start])
            start += 1
        left -= size
        parts.append(part)
    return parts


class QueueFull(Exception):
    """More tasks are waiting than the queue's limit allows; try again later."""


class Queue(Protocol):
    def submit(self, task: Task) -> TaskState:
        """Queue ``task`` (a no-op if its key is queued or running) and return its state."""
        ...

    def state(self, key: str) -> TaskState | None:
        """How the task ``key`` stands, or None if this queue never saw it."""
        ...

    def pending(self) -> int:
        """Tasks queued or running."""
        ...

    def close(self) -> None:
        """Stop taking work; stop this queue's own worker processes, if it has any."""
        ...


def _positive(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise ValueError("must be a positive number")
    return float(value)


def _count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError("must be a whole number, 0 or more")
    return value


def _url(value: Any) -> str:
    if not isinstance(value, str) or not value.startswith(("redis://", "rediss://", "unix://")):
        raise ValueError('must be a Redis URL, e.g. "redis://host:6379/0"')
    return value


QUEUE_KEYS = {
    "url": _url,
    "heartbeat_s": _positive,  # how often a busy worker says it is alive
    "lost_after_s": _positive,  # silence after which a worker's job is run elsewhere
    "maintenance_s": _positive,  # how often workers look for lost jobs
    "fanout_sentences": _count,  # split an article with at least this many new sentences
    "fanout_slice": _count,  # most sentences per clip job
    "assembly_jobs": _count,  # processes of the job assembling a split (0: every core)
    "max_jobs": _count,  # a worker process starts anew after this many jobs (0: never)
}


def queue_config(config: Path | None) -> dict[str, Any]:
    """``[queue]`` of bulletin.toml, checked; ``BULLETIN_QUEUE_URL`` wins for ``url``.

    >>> queue_config(Path("bulletin.toml"))
    {'url': 'redis://10.0.0.5:6379/0', 'fanout_sentences': 40}
    """
    from bulletin.config import read_service_table
    from bulletin.errors import ConfigError

    table = read_service_table(config, "queue", QUEUE_KEYS)
    env = os.environ.get("BULLETIN_QUEUE_URL")
    if env:
        try:
            table["url"] = _url(env)
        except ValueError as error:
            raise ConfigError(f"BULLETIN_QUEUE_URL {error} (got {shown_url(env)!r})") from None
    return table


def shown_url(url: str) -> str:
    """A queue URL fit for a log or error line: its password left out.

    >>> shown_url("redis://:s3cret@10.0.0.5:6379/0")
    'redis://10.0.0.5:6379/0'
    """
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    user = f"{parts.username}@" if parts.username else ""
    return urlunsplit(parts._replace(netloc=user + parts.netloc.rpartition("@")[2]))


def open_queue(settings: QueueSettings) -> Queue:
    """The embedded queue, or the Redis one when ``settings.url`` is set."""
    if settings.url:
        from bulletin.jobs.redis import RedisQueue

        return RedisQueue(settings)
    from bulletin.jobs.embedded import EmbeddedQueue

    return EmbeddedQueue(settings)
