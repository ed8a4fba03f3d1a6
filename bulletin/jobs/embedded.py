"""The embedded queue: worker processes on this machine, the queue's state in SQLite on disk.

Each worker (started with "spawn", dying with its parent) claims the oldest queued task in
one SQLite transaction, runs it and records how it ended. A task that raises is queued
again until it has run ``1 + retries`` times, then ``failed`` with a one-line reason; a
worker that dies or overruns ``timeout_s`` costs its task one attempt and is replaced. A
queue opened on a state folder whose last owner stopped re-queues what was running there.

>>> queue = EmbeddedQueue(QueueSettings(state_dir=Path("data/queue"), workers=2))
>>> queue.submit(Task("bulletin.web.tasks:make_article", {"data_dir": "data", "id": "a1",
...                   "version": 1}, key="article:a1:v1")).status
'queued'
>>> queue.close()
"""

from __future__ import annotations

import contextlib
import importlib
import json
import multiprocessing
import os
import signal
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from bulletin.errors import one_line
from bulletin.jobs import QueueFull, QueueSettings, Task, TaskState
from bulletin.workers import die_with_parent

DB_NAME = "queue.sqlite3"
POLL_S = 0.05  # how often an idle worker looks for work

_SCHEMA = """
CREATE TABLE IF NOT EXISTS tasks (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT UNIQUE NOT NULL,
    function TEXT NOT NULL,
    kwargs TEXT NOT NULL,
    retries INTEGER NOT NULL,
    timeout_s REAL NOT NULL,
    on_failure TEXT,
    status TEXT NOT NULL,
    error TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    worker INTEGER,
    started REAL
);
CREATE INDEX IF NOT EXISTS tasks_status ON tasks(status, seq);
"""


def _connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    return db


@contextlib.contextmanager
def _transaction(db: sqlite3.Connection):
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def call_function(name: str, kwargs: dict[str, Any]) -> Any:
    """``call_function("json:dumps", {"obj": 1})`` -> ``'1'``."""
    module, _, attribute = name.partition(":")
    return getattr(importlib.import_module(module), attribute)(**kwargs)


class _Stop(BaseException):
    """Raised in a worker by SIGTERM: abandon the task (its owner re-queues it) and exit."""


def _on_sigterm(signum, frame):
    raise _Stop()


def _worker_main(db_path: str, parent_pid: int) -> None:
    # SIGTERM (not SIGKILL) when the parent dies: the worker closes its database and exits
    die_with_parent(parent_pid, signal.SIGTERM)
    signal.signal(signal.SIGTERM, _on_sigterm)
    # Ctrl-C or a hang-up reaches the whole process group; the parent stops us in order
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    db = _connect(Path(db_path))
    pid = os.getpid()
    try:
        while True:
            row = _claim(db, pid)
            if row is None:
                time.sleep(POLL_S)
                continue
            key, function, kwargs, retries, on_failure, attempts = row
            try:
                call_function(function, json.loads(kwargs))
            except Exception as error:  # the task failed: retry it or give up with its reason
                _finish_failed(db, key, pid, one_line(error), attempts, retries, on_failure, kwargs)
            else:
                with _transaction(db):
                    db.execute(
                        "UPDATE tasks SET status='done', error=NULL, worker=NULL "
                        "WHERE key=? AND worker=?",
                        (key, pid),
                    )
    except _Stop:
        pass
    finally:
        db.close()


def _claim(db: sqlite3.Connection, pid: int):
    with _transaction(db):
        row = db.execute(
            "SELECT key, function, kwargs, retries, on_failure, attempts FROM tasks "
            "WHERE status='queued' ORDER BY seq LIMIT 1"
        ).fetchone()
        if row is None:
            return None
        db.execute(
            "UPDATE tasks SET status='running', worker=?, started=?, attempts=attempts+1 "
            "WHERE key=?",
            (pid, time.time(), row[0]),
        )
    key, function, kwargs, retries, on_failure, attempts = row
    return key, function, kwargs, retries, on_failure, attempts + 1


def _finish_failed(
    db, key, worker, reason, attempts, retries, on_failure, kwargs, lock=None
) -> None:
    """After a failed attempt: queue the task again; after its last, tell its owner
    (``on_failure``), then mark it failed. In that order, as RQ runs its failure callback:
    once a task reads failed, its owner has been told. A crash between the two leaves the
    task running, so the next owner of the folder runs it again and the owner hears how it
    ended: told twice at worst, never not at all."""
    final = attempts > retries
    if final and on_failure:
        _call_hook(on_failure, kwargs, reason)
    with lock or contextlib.nullcontext(), _transaction(db):
        db.execute(
            "UPDATE tasks SET status=?, error=?, worker=NULL WHERE key=? AND worker IS ?",
            ("failed" if final else "queued", reason, key, worker),
        )


def _call_hook(on_failure: str, kwargs: str, reason: str) -> None:
    with contextlib.suppress(Exception):  # a failing hook must not stop a worker
        call_function(on_failure, {**json.loads(kwargs), "error": reason})


class EmbeddedQueue:
    """A bounded pool of worker processes taking tasks from ``state_dir/queue.sqlite3``."""

    def __init__(self, settings: QueueSettings) -> None:
        self.settings = settings
        state_dir = Path(settings.state_dir)
        state_dir.mkdir(parents=True, exist_ok=True)
        self.db_path = state_dir / DB_NAME
        self._db = _connect(self.db_path)
        self._db.executescript(_SCHEMA)
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._workers: list[multiprocessing.process.BaseProcess] = []
        self._context = multiprocessing.get_context("spawn")
        # whatever was running when the last owner of this folder stopped is queued again;
        # the attempt it used is given back (the task did not fail)
        with _transaction(self._db):
            self._db.execute(
                "UPDATE tasks SET status='queued', worker=NULL, attempts=MAX(attempts-1, 0) "
                "WHERE status='running'"
            )
        for _ in range(max(1, settings.workers)):
            self._workers.append(self._start_worker())
        self._watcher = threading.Thread(target=self._watch, name="queue-watch", daemon=True)
        self._watcher.start()

    # -- the Queue protocol ----------------------------------------------------------

    def submit(self, task: Task) -> TaskState:
        with self._lock, _transaction(self._db):
            row = self._db.execute(
                "SELECT status, error, attempts FROM tasks WHERE key=?", (task.key,)
            ).fetchone()
            if row and row[0] in ("queued", "running"):
                return TaskState(task.key, row[0], row[1], row[2])
            pending = self._db.execute(
                "SELECT COUNT(*) FROM tasks WHERE status IN ('queued', 'running')"
            ).fetchone()[0]
            if pending >= self.settings.max_pending:
                raise QueueFull(f"{pending} tasks are waiting (limit {self.settings.max_pending})")
            self._db.execute("DELETE FROM tasks WHERE key=?", (task.key,))
            self._db.execute(
                "INSERT INTO tasks (key, function, kwargs, retries, timeout_s, on_failure, "
                "status) VALUES (?, ?, ?, ?, ?, ?, 'queued')",
                (
                    task.key,
                    task.function,
                    json.dumps(dict(task.kwargs)),
                    task.retries,
                    task.timeout_s,
                    task.on_failure,
                ),
            )
        return TaskState(task.key, "queued", None, 0)

    def state(self, key: str) -> TaskState | None:
        with self._lock:
            row = self._db.execute(
                "SELECT status, error, attempts FROM tasks WHERE key=?", (key,)
            ).fetchone()
        return TaskState(key, row[0], row[1], row[2]) if row else None

    def pending(self) -> int:
        with self._lock:
            return self._db.execute(
                "SELECT COUNT(*) FROM tasks WHERE status IN ('queued', 'running')"
            ).fetchone()[0]

    def alive(self) -> bool:
        """Whether every worker process is running (for a readiness check)."""
        return not self._stopping.is_set() and all(w.is_alive() for w in self._workers)

    def close(self) -> None:
        """Stop the workers (SIGTERM, then SIGKILL after 10 s); their tasks stay queued."""
        if self._stopping.is_set():
            return
        self._stopping.set()
        self._watcher.join(timeout=5)
        for worker in self._workers:
            if worker.is_alive():
                worker.terminate()
        deadline = time.monotonic() + 10
        for worker in self._workers:
            worker.join(timeout=max(0.0, deadline - time.monotonic()))
            if worker.is_alive():
                worker.kill()
                worker.join()
        with self._lock, _transaction(self._db):
            for worker in self._workers:
                self._db.execute(
                    "UPDATE tasks SET status='queued', worker=NULL, "
                    "attempts=MAX(attempts-1, 0) WHERE status='running' AND worker=?",
                    (worker.pid,),
                )
        self._db.close()

    def __enter__(self) -> EmbeddedQueue:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- supervision -----------------------------------------------------------------

    def _start_worker(self):
        worker = self._context.Process(
            target=_worker_main,
            args=(str(self.db_path), os.getpid()),
            name="bulletin-queue-worker",
            daemon=True,
        )
        worker.start()
        return worker

    def _watch(self) -> None:
        """Replace dead workers (their task loses an attempt); stop overrunning ones.

        (Workers started here die when this thread ends (PR_SET_PDEATHSIG follows the
        thread that forked), so it must not end before close: errors are retried.)"""
        while not self._stopping.wait(0.2):
            try:
                self._check_workers()
            except (sqlite3.Error, OSError):
                continue

    def _check_workers(self) -> None:
        for index, worker in enumerate(self._workers):
            if not worker.is_alive():
                self._lost(worker.pid, f"worker exited with status {worker.exitcode}")
                if not self._stopping.is_set():
                    self._workers[index] = self._start_worker()
                continue
            with self._lock:
                row = self._db.execute(
                    "SELECT started, timeout_s FROM tasks WHERE status='running' AND worker=?",
                    (worker.pid,),
                ).fetchone()
            if row and time.time() - row[0] > row[1]:
                worker.kill()
                worker.join()
                self._lost(worker.pid, f"timed out after {row[1]:g} s")
                self._workers[index] = self._start_worker()

    def _lost(self, pid: int | None, reason: str) -> None:
        with self._lock:
            row = self._db.execute(
                "SELECT key, attempts, retries, on_failure, kwargs FROM tasks "
                "WHERE status='running' AND worker=?",
                (pid,),
            ).fetchone()
        if row:
            key, attempts, retries, on_failure, kwargs = row
            _finish_failed(
                self._db, key, pid, reason, attempts, retries, on_failure, kwargs, self._lock
            )
