"""The distributed queue: RQ on Redis, workers on any machine (``bulletin worker``).

Why RQ and not Celery: bulletin's jobs run for minutes (a long round-up on a slow voice).
Celery on Redis re-delivers a task that is not acknowledged within the broker's
``visibility_timeout`` to another worker even while the first is still running, and a task
of a worker killed outright only comes back after that timeout; RQ gives each job its own
timeout, never re-delivers a running job, and notices a lost worker by its silence: a
busy worker renews the job's lease every ``heartbeat_s``; a job whose lease ran out
``lost_after_s`` later (its worker was killed or its machine died) is retried by the next
maintenance pass of any worker, or failed once its retries are used. Jobs move from the
queue to a per-queue list before they are registered as started, so none is lost between
the two; with Redis persistence on (``appendonly yes``) a restart of Redis loses nothing,
and every connection here retries for about a minute across a restart.

Queues: ``bulletin`` for tasks any worker may run, ``bulletin.voice.<name>`` for a task of
one voice (``Task.pool``), so a worker started with ``--voices`` takes only those.

>>> queue = RedisQueue(QueueSettings(state_dir=Path("data/queue"), url="redis://localhost/0"))
>>> queue.submit(Task("bulletin.web.tasks:make_article", {"data_dir": "/srv/data", "id": "a1",
...              "version": 1}, key="article:a1:v1")).status
'queued'
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import signal
from typing import Any

import redis
from redis.backoff import ExponentialBackoff
from redis.retry import Retry as RedisRetry
from rq import Callback, Retry, Worker, get_current_job
from rq import Queue as RQQueue
from rq.exceptions import InvalidJobOperation, NoSuchJobError
from rq.job import Dependency, Job, JobStatus
from rq.registry import DeferredJobRegistry, ScheduledJobRegistry, StartedJobRegistry
from rq.serializers import JSONSerializer

from bulletin import jobs
from bulletin.errors import one_line
from bulletin.jobs import QueueFull, QueueSettings, Split, Task, TaskState
from bulletin.jobs.embedded import call_function
from bulletin.workers import die_with_parent

PREFIX = "bulletin"
RESULT_TTL_S = 7 * 24 * 3600  # how long a finished or failed job's state is kept
WORKER_CONFIG_ENV = "BULLETIN_WORKER_CONFIG"  # set by ``bulletin worker --config``
_STATUS = {
    JobStatus.QUEUED: "queued",
    JobStatus.DEFERRED: "queued",
    JobStatus.SCHEDULED: "queued",
    JobStatus.STARTED: "running",
    JobStatus.FINISHED: "done",
    JobStatus.FAILED: "failed",
    JobStatus.STOPPED: "failed",
    JobStatus.CANCELED: "failed",
}


def connect(url: str) -> redis.Redis:
    """A client that retries each command for about a minute (Redis restarting)."""
    return redis.Redis.from_url(
        url,
        retry=RedisRetry(ExponentialBackoff(cap=2.0, base=0.05), 40),
        retry_on_error=[redis.exceptions.ConnectionError, redis.exceptions.TimeoutError],
        health_check_interval=15,
    )


def queue_name(pool: str | None) -> str:
    """``None`` -> ``"bulletin"``; ``"ky-espeak"`` -> ``"bulletin.voice.ky-espeak"``."""
    return PREFIX if pool is None else f"{PREFIX}.voice.{pool}"


def job_id(key: str) -> str:
    """An RQ job id for a task key (RQ allows letters, digits, ``_`` and ``-``).

    >>> job_id("article:a1:v2")
    'article_a1_v2-0d7c5b8a3e'
    """
    readable = re.sub(r"[^A-Za-z0-9_-]", "_", key)[:80]
    return f"{readable}-{hashlib.sha1(key.encode(), usedforsecurity=False).hexdigest()[:10]}"


def _enqueue(connection: redis.Redis, task: Task, pipeline=None, depends_on=None) -> Job:
    queue = RQQueue(queue_name(task.pool), connection=connection, serializer=JSONSerializer)
    return queue.enqueue_call(
        "bulletin.jobs.redis.run_task",
        kwargs={
            "function": task.function,
            "kwargs": dict(task.kwargs),
            "key": task.key,
            "on_failure": task.on_failure,
        },
        timeout=int(task.timeout_s),
        result_ttl=RESULT_TTL_S,
        failure_ttl=RESULT_TTL_S,
        job_id=job_id(task.key),
        retry=Retry(max=task.retries) if task.retries > 0 else None,
        on_failure=Callback("bulletin.jobs.redis.job_failed"),
        depends_on=depends_on,
        meta={"key": task.key, "attempts": 0},
        description=task.key,
        pipeline=pipeline,
    )


def _fetch(connection: redis.Redis, key: str) -> Job | None:
    try:
        return Job.fetch(job_id(key), connection=connection, serializer=JSONSerializer)
    except NoSuchJobError:
        return None


def _follow(connection: redis.Redis, job: Job) -> Job:
    """A job that split itself stands for the job that took over its key."""
    for _ in range(10):
        if job.get_status() != JobStatus.FINISHED or not job.meta.get("continued_by"):
            return job
        try:
            job = Job.fetch(
                job.meta["continued_by"], connection=connection, serializer=JSONSerializer
            )
        except NoSuchJobError:
            return job
    return job


def _state(key: str, job: Job) -> TaskState:
    status = _STATUS.get(job.get_status(refresh=False), "queued")
    error = None
    if status == "failed":
        error = job.meta.get("error") or "failed"
    return TaskState(key, status, error, int(job.meta.get("attempts", 0)))  # type: ignore[arg-type]


class RedisQueue:
    """The :class:`bulletin.jobs.Queue` protocol on RQ; it runs no workers of its own."""

    def __init__(self, settings: QueueSettings) -> None:
        if not settings.url:
            raise ValueError("RedisQueue needs a url")
        self.settings = settings
        self.connection = connect(settings.url)

    def submit(self, task: Task) -> TaskState:
        with self.connection.lock(f"{PREFIX}:submit:{job_id(task.key)}", timeout=30):
            known = self.state(task.key)
            if known and known.status in ("queued", "running"):
                return known
            waiting = self.pending()
            if waiting >= self.settings.max_pending:
                raise QueueFull(f"{waiting} tasks are waiting (limit {self.settings.max_pending})")
            old = _fetch(self.connection, task.key)
            if old is not None:  # ended: its record (and a follow-up's) makes way
                follow = _follow(self.connection, old)
                for job in {follow.id: follow, old.id: old}.values():
                    with contextlib.suppress(NoSuchJobError, InvalidJobOperation):
                        job.delete()
            _enqueue(self.connection, task)
        return TaskState(task.key, "queued", None, 0)

    def state(self, key: str) -> TaskState | None:
        job = _fetch(self.connection, key)
        if job is None:
            return None
        return _state(key, _follow(self.connection, job))

    def pending(self) -> int:
        total = 0
        for queue in RQQueue.all(connection=self.connection, serializer=JSONSerializer):
            if queue.name == PREFIX or queue.name.startswith(PREFIX + "."):
                total += queue.count
                for registry in (StartedJobRegistry, DeferredJobRegistry, ScheduledJobRegistry):
                    total += registry(queue=queue).count
        return total

    def alive(self) -> bool:
        """Whether Redis answers and some worker listens (for a readiness check)."""
        try:
            quick = redis.Redis.from_url(self.settings.url, socket_timeout=2)
            return bool(quick.ping()) and Worker.count(connection=quick) > 0
        except redis.exceptions.RedisError:
            return False

    def close(self) -> None:
        self.connection.close()

    def __enter__(self) -> RedisQueue:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


# -- in the worker ------------------------------------------------------------------------


def run_task(
    function: str, kwargs: dict[str, Any], key: str, on_failure: str | None = None
) -> None:
    """What every RQ job runs (in the worker's work horse): the task's function; a
    :class:`~bulletin.jobs.Split` it returns is queued as parts and a follow-up."""
    die_with_parent(os.getppid(), signal.SIGKILL)  # no horse outlives its worker
    job = get_current_job()
    job.meta["attempts"] = int(job.meta.get("attempts", 0)) + 1
    job.meta.pop("error", None)
    job.save_meta()
    config = os.environ.get(WORKER_CONFIG_ENV)
    if config and "config" in kwargs:
        kwargs = {**kwargs, "config": config}
    jobs._SPLITTING["on"] = True
    try:
        result = call_function(function, kwargs)
    finally:
        jobs._SPLITTING["on"] = False
    if isinstance(result, Split):
        _split(job, result)


def _split(job: Job, split: Split) -> None:
    connection = job.connection
    parts = []
    for part in split.parts:
        old = _fetch(connection, part.key)
        if old is not None:
            old.delete()
        parts.append(_enqueue(connection, part))
    old = _fetch(connection, split.then.key + ":then")
    if old is not None:
        old.delete()
    then = Task(
        split.then.function,
        split.then.kwargs,
        key=split.then.key + ":then",
        retries=split.then.retries,
        timeout_s=split.then.timeout_s,
        on_failure=split.then.on_failure,
        pool=split.then.pool,
    )
    follow = _enqueue(
        connection, then, depends_on=Dependency(jobs=parts, allow_failure=True) if parts else None
    )
    job.meta["continued_by"] = follow.id
    job.save_meta()


def job_failed(job: Job, connection, exc_type, value, traceback) -> None:
    """RQ's failure callback, after every failed attempt (an exception, or a worker lost):
    keep the reason; on the last attempt call the task's ``on_failure`` hook."""
    if exc_type is not None and exc_type.__name__ == "AbandonedJobError":
        reason = "worker lost (killed, or its machine stopped)"
    else:
        reason = one_line(value) if isinstance(value, BaseException) else "failed"
    job.meta["error"] = reason
    with contextlib.suppress(redis.exceptions.RedisError):
        job.save_meta()
    if job.retries_left:
        return
    hook = job.kwargs.get("on_failure")
    if hook:
        with contextlib.suppress(Exception):  # a failing hook must not stop a worker
            call_function(hook, {**job.kwargs["kwargs"], "error": reason})


class BulletinWorker(Worker):
    """RQ's worker with bulletin's lease (``lost_after_s`` instead of RQ's fixed 60 s) and
    signals: SIGTERM finishes the job in hand, then stops (a second SIGTERM: stop now, the
    job is run elsewhere); SIGINT and SIGHUP, sent to the whole process group by a
    terminal, are left to ``bulletin worker``, which stops its workers in order."""

    lost_after_s = 60.0

    def get_heartbeat_ttl(self, job: Job, working_time: float = 0.0) -> int:
        ttl = super().get_heartbeat_ttl(job, working_time) - 60
        return int(max(1, ttl + self.lost_after_s))

    def request_force_stop(self, signum, frame):
        """A second SIGTERM: RQ kills the work horse; its job goes back to the front of
        its queue at once (the attempt is not counted), not after ``lost_after_s``."""
        job = None
        if self.horse_pid:
            with contextlib.suppress(Exception):
                job = self.get_current_job()
        try:
            super().request_force_stop(signum, frame)
        except SystemExit:
            if job is not None:
                _give_back(self.connection, job)
            raise

    def _install_signal_handlers(self):
        signal.signal(signal.SIGTERM, self.request_stop)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGHUP, signal.SIG_IGN)


PRELOAD = ("bulletin.web.tasks", "bulletin.make", "bulletin.synth", "bulletin.audio",
           "bulletin.publish", "bulletin.text", "bulletin.config")  # fmt: skip


def preload(voices: list[str]) -> None:
    """Import what the tasks use, and load the espeak voices served, once in the worker:
    each job's work horse is forked from it and starts warm (not for Coqui voices: torch
    does not survive a fork well; a Coqui job loads its model in its horse)."""
    import importlib

    for module in PRELOAD:
        importlib.import_module(module)
    from bulletin import synth
    from bulletin.synth.cache import identity_digest
    from bulletin.synth.clips import _voice_in_process
    from bulletin.synth.voice import voice_identity

    for name in voices:
        with contextlib.suppress(Exception):  # a voice that cannot load fails in its job
            preset = synth.resolve_voice(name)
            if preset.engine == "espeak":
                _voice_in_process(preset, identity_digest(voice_identity(preset)))
                _warm_up(preset)


def _warm_up(preset) -> None:
    """Make one sentence in a temporary folder, so that every module a make imports on
    the way (audio, encoders, tags, captions) is loaded before the horses fork."""
    import tempfile
    from pathlib import Path

    from bulletin import make
    from bulletin.config import load_settings

    with tempfile.TemporaryDirectory(prefix="bulletin-warm-") as folder:
        source = Path(folder) / "warm.txt"
        source.write_text("Салам.\n", encoding="utf-8")
        settings = load_settings(None, {"output.dir": Path(folder) / "out"})
        make.make_bulletin(
            make.Job("warm", (source,)), settings, preset, cache_dir=Path(folder) / "c", jobs=1
        )


def _give_back(connection: redis.Redis, job: Job) -> None:
    with contextlib.suppress(redis.exceptions.RedisError, NoSuchJobError, InvalidJobOperation):
        job.refresh()
        if job.get_status() != JobStatus.STARTED:
            return
        StartedJobRegistry(job.origin, connection=connection).remove_executions(job)
        job.meta["attempts"] = max(0, int(job.meta.get("attempts", 1)) - 1)
        job.save_meta()
        queue = RQQueue(job.origin, connection=connection, serializer=JSONSerializer)
        queue.enqueue_job(job, at_front=True)


def work(url: str, queues: list[str], options: dict[str, Any], parent_pid: int) -> None:
    """One worker process of ``bulletin worker``: take jobs from ``queues`` until stopped."""
    die_with_parent(parent_pid, signal.SIGKILL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    preload([name.split(".voice.", 1)[1] for name in queues if ".voice." in name])
    connection = connect(url)
    heartbeat = int(options.get("heartbeat_s", 10))
    worker = BulletinWorker(
        [RQQueue(name, connection=connection, serializer=JSONSerializer) for name in queues],
        connection=connection,
        serializer=JSONSerializer,
        job_monitoring_interval=max(1, heartbeat),
        maintenance_interval=int(max(1, options.get("maintenance_s", 30))),
        worker_ttl=max(20, heartbeat + 15),
    )
    worker.lost_after_s = float(options.get("lost_after_s", 60))
    worker.work(logging_level=options.get("log_level", "WARNING"), with_scheduler=False)
