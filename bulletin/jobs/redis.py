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
import math
import os
import re
import signal
import threading
import time
from datetime import timedelta
from typing import Any

import redis
from redis.backoff import ExponentialBackoff
from redis.retry import Retry as RedisRetry
from rq import Callback, Retry, SimpleWorker, Worker, get_current_job
from rq import Queue as RQQueue
from rq.exceptions import InvalidJobOperation, NoSuchJobError
from rq.job import Dependency, Job, JobStatus
from rq.registry import DeferredJobRegistry, ScheduledJobRegistry, StartedJobRegistry
from rq.serializers import JSONSerializer
from rq.utils import now
from rq.worker import WorkerStatus

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
    """What every RQ job runs (in the worker's process): the task's function; a
    :class:`~bulletin.jobs.Split` it returns is queued as parts and a follow-up."""
    job = get_current_job()
    job.meta["attempts"] = int(job.meta.get("attempts", 0)) + 1
    job.meta.pop("error", None)
    job.save_meta()
    config = os.environ.get(WORKER_CONFIG_ENV)
    if config and "config" in kwargs:
        kwargs = {**kwargs, "config": config}
    jobs._SPLITTING["on"] = True
    jobs._WORKER["peers"] = lambda: Worker.count(
        connection=job.connection, queue=RQQueue(job.origin, connection=job.connection)
    )
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
        reason = job.meta.pop("overran", None) or "worker lost (killed, or its machine stopped)"
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


class BulletinWorker(SimpleWorker):
    """RQ's worker that runs each job in its own process (``SimpleWorker``: no work horse
    forked per job), so that the imports and the voice it loaded serve every job it takes;
    with bulletin's lease, stop signals and a hard limit:

    - lease: a thread renews the job's lease every ``heartbeat_s`` while it runs; a
      worker killed outright (or its machine) falls silent and its job is run elsewhere
      ``lost_after_s`` later (RQ's own ``SimpleWorker`` sets one lease of the job's whole
      timeout and never renews it);
    - timeout: RQ's death penalty (SIGALRM in this main thread) ends a job past its
      timeout; one stuck where no Python runs (inside an engine) is ended by the lease
      thread ``lost_after_s`` later, which exits the process: the job is lost, so run
      again elsewhere (one attempt used), and ``bulletin worker`` starts a new process;
    - SIGTERM finishes the job in hand, then stops; a second SIGTERM stops at once and
      puts the job back at the front of its queue (the attempt not counted); SIGINT and
      SIGHUP, sent to the whole process group by a terminal, are left to ``bulletin
      worker``, which stops its workers in order."""

    lost_after_s = 60.0
    heartbeat_s = 10.0

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._lease: _Lease | None = None

    def get_heartbeat_ttl(self, job: Job, working_time: float = 0.0) -> int:
        return int(math.ceil(self.heartbeat_s + self.lost_after_s))

    def execute_job(self, job: Job, queue: RQQueue) -> None:
        execution = self.prepare_execution(job)
        self._lease = _Lease(self, job, execution)
        self._lease.start()
        try:
            self.perform_job(job, queue, execution)
        finally:
            self._lease.stop()
            self._lease = None
        self.set_state(WorkerStatus.IDLE)

    def handle_execution_ended(self, job: Job, queue: RQQueue, heartbeat_ttl: int) -> None:
        # the job's end is recorded next: no lease renewal may come after it
        if self._lease is not None:
            self._lease.stop()
        super().handle_execution_ended(job, queue, heartbeat_ttl)

    def request_force_stop(self, signum, frame):
        """A second SIGTERM (RQ ignores one within a second of the first): the job in hand
        goes back to the front of its queue at once (the attempt is not counted), not
        after ``lost_after_s``, and this process exits now."""
        if (now() - self._shutdown_requested_date) < timedelta(seconds=1):
            return
        if self._lease is not None:
            self._lease.stop()
            _give_back(self.connection, self._lease.job)
        with contextlib.suppress(Exception):
            self.register_death()
        os._exit(128 + signum)

    def _install_signal_handlers(self):
        signal.signal(signal.SIGTERM, self.request_stop)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGHUP, signal.SIG_IGN)


class _Lease(threading.Thread):
    """Renews a running job's lease (and its worker's) every ``heartbeat_s``; past the
    job's timeout by ``lost_after_s`` (the death penalty did not end it), exits."""

    def __init__(self, worker: BulletinWorker, job: Job, execution) -> None:
        super().__init__(name="bulletin-lease", daemon=True)
        self.worker, self.job, self.execution = worker, job, execution
        self._stop_event = threading.Event()
        self._lock = threading.Lock()  # a renewal in flight ends before stop() returns
        self._began = time.monotonic()

    def run(self) -> None:
        limit = (self.job.timeout or 0) + self.worker.lost_after_s
        while not self._stop_event.wait(self.worker.heartbeat_s):
            with self._lock:
                if self._stop_event.is_set():
                    return
                if self.job.timeout and time.monotonic() - self._began > limit:
                    _overran(self.job)
                try:
                    self.worker.maintain_heartbeats(self.job, self.execution)
                except redis.exceptions.RedisError:
                    continue  # Redis restarting: the next renewal will do

    def stop(self) -> None:
        self._stop_event.set()
        if threading.current_thread() is not self:
            with self._lock:
                pass


def _overran(job: Job) -> None:
    """A job stuck past its timeout where the death penalty cannot reach: record why, and
    exit; the job is found lost and run again (or failed) by another worker."""
    with contextlib.suppress(Exception):
        job.meta["overran"] = f"timed out after {job.timeout} s"
        job.save_meta()
    os._exit(1)


PRELOAD = ("bulletin.web.tasks", "bulletin.make", "bulletin.synth", "bulletin.audio",
           "bulletin.publish", "bulletin.text", "bulletin.config")  # fmt: skip


def preload(voices: list[str]) -> None:
    """Import what the tasks use, load the voices served (not Coqui's: a Coqui voice
    loads with its first job, and stays) and make one sentence, once, when the worker
    starts: every job it takes then runs warm."""
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
            if preset.engine != "coqui":
                _voice_in_process(preset, identity_digest(voice_identity(preset)))
                _warm_up(preset)


def _warm_up(preset) -> None:
    """Make one sentence in a temporary folder, so that every module a make imports on
    the way (audio, encoders, tags, captions) is loaded before the first job."""
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


def _cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


MAX_JOBS = 500  # a worker process starts anew after this many jobs (a guard against leaks)


def work(url: str, queues: list[str], options: dict[str, Any], parent_pid: int) -> None:
    """One worker process of ``bulletin worker``: take jobs from ``queues`` until stopped."""
    die_with_parent(parent_pid, signal.SIGKILL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    preload([name.split(".voice.", 1)[1] for name in queues if ".voice." in name])
    jobs._WORKER["cores"] = int(options.get("assembly_jobs", 0)) or _cores()
    jobs.allow_job_threads(False)  # one core's worth: see jobs.job_threads
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
    worker.heartbeat_s = float(options.get("heartbeat_s", 10))
    # past max_jobs this process ends and ``bulletin worker`` starts a fresh one
    max_jobs = int(options.get("max_jobs", MAX_JOBS)) or None
    worker.work(
        logging_level=options.get("log_level", "WARNING"), with_scheduler=False, max_jobs=max_jobs
    )
