"""The embedded queue with real worker processes: every task once, retries, lost workers,
restarts, and workers that die with their parent."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from queue_client import lines, task, wait_for
from test_lifecycle import wait_gone

from bulletin.jobs import QueueFull, QueueSettings, open_queue
from bulletin.jobs.embedded import EmbeddedQueue

HERE = Path(__file__).resolve().parent


@pytest.fixture
def queue(tmp_path):
    q = open_queue(QueueSettings(state_dir=tmp_path / "queue", workers=2, max_pending=100))
    assert isinstance(q, EmbeddedQueue)
    yield q
    q.close()


def test_every_task_runs_once(queue, tmp_path):
    log = tmp_path / "log"
    keys = [queue.submit(task("record", log, str(i))).key for i in range(30)]
    states = wait_for(queue, keys)
    assert all(s.status == "done" and s.attempts == 1 for s in states)
    assert sorted(lines(log), key=int) == [str(i) for i in range(30)]


def test_a_key_queued_twice_runs_once(queue, tmp_path):
    log = tmp_path / "log"
    queue.submit(task("record", log, "slow", kwargs={"seconds": 0.5}))
    first = queue.submit(task("record", log, "same"))
    again = queue.submit(task("record", log, "same"))
    assert again.key == first.key and again.status in ("queued", "running")
    wait_for(queue, ["t:slow", "t:same"])
    assert lines(log).count("same") == 1


def test_a_failing_task_is_retried_then_failed_with_one_line(queue, tmp_path):
    log = tmp_path / "log"
    queue.submit(task("fail", log, "bad", retries=2))
    queue.submit(task("fail_once", tmp_path / "once", "flaky", retries=2))
    queue.submit(task("record", log, "good"))
    bad, flaky, good = wait_for(queue, ["t:bad", "t:flaky", "t:good"])
    assert bad.status == "failed" and bad.attempts == 3
    assert bad.error == "ValueError: the release is broken"
    assert lines(log).count("bad") == 3
    assert lines(Path(f"{log}.failed")) == ["bad\tValueError: the release is broken"]
    assert flaky.status == "done" and flaky.attempts == 2
    assert good.status == "done"


def test_a_dead_worker_is_replaced_and_its_task_retried(queue, tmp_path):
    log = tmp_path / "log"
    queue.submit(task("die", log, "dies", retries=1))
    (dead,) = wait_for(queue, ["t:dies"])
    assert dead.status == "failed" and dead.attempts == 2
    assert "worker exited" in dead.error
    assert lines(Path(f"{log}.failed")) == [f"dies\t{dead.error}"]
    keys = [queue.submit(task("record", log, str(i))).key for i in range(4)]
    assert all(s.status == "done" for s in wait_for(queue, keys))
    assert queue.alive()


def test_a_task_over_its_time_is_stopped(queue, tmp_path):
    log = tmp_path / "log"
    queue.submit(task("record", log, "slow", retries=0, timeout_s=0.5, kwargs={"seconds": 30}))
    (slow,) = wait_for(queue, ["t:slow"])
    assert slow.status == "failed" and "timed out" in slow.error
    assert lines(log) == []


def test_submit_beyond_the_limit_is_refused(tmp_path):
    settings = QueueSettings(state_dir=tmp_path / "queue", workers=1, max_pending=3)
    with EmbeddedQueue(settings) as queue:
        log = tmp_path / "log"
        for i in range(3):
            queue.submit(task("record", log, str(i), kwargs={"seconds": 1}))
        with pytest.raises(QueueFull):
            queue.submit(task("record", log, "one too many"))
        assert queue.pending() == 3


def test_a_restart_finishes_what_was_running(tmp_path):
    log = tmp_path / "log"
    settings = QueueSettings(state_dir=tmp_path / "queue", workers=1)
    queue = EmbeddedQueue(settings)
    queue.submit(task("record", log, "long", kwargs={"seconds": 2}))
    queue.submit(task("record", log, "next"))
    deadline = time.monotonic() + 60
    while queue.state("t:long").status != "running":
        assert time.monotonic() < deadline
        time.sleep(0.02)
    queue.close()  # the running task is abandoned, not failed
    assert queue_state(settings, "t:long") == ("queued", 0)
    with EmbeddedQueue(settings) as again:
        states = wait_for(again, ["t:long", "t:next"])
    assert [s.status for s in states] == ["done", "done"]
    assert sorted(lines(log)) == ["long", "next"]


def queue_state(settings, key):
    import sqlite3

    db = sqlite3.connect(settings.state_dir / "queue.sqlite3")
    try:
        return db.execute("SELECT status, attempts FROM tasks WHERE key=?", (key,)).fetchone()
    finally:
        db.close()


def test_workers_die_with_a_killed_parent_and_the_task_is_requeued(tmp_path):
    """SIGKILL the queue's owner mid-task: its workers go too; a new owner finishes the task."""
    log = tmp_path / "log"
    script = textwrap.dedent(
        f"""
        import sys, time
        sys.path.insert(0, {str(HERE)!r})
        from pathlib import Path
        from bulletin.jobs import QueueSettings, Task
        from bulletin.jobs.embedded import EmbeddedQueue
        queue = EmbeddedQueue(QueueSettings(state_dir=Path({str(tmp_path / "queue")!r}), workers=2))
        queue.submit(Task("queue_tasks:record", {{"path": {str(log)!r}, "value": "long",
                          "seconds": 30}}, key="t:long"))
        while queue.state("t:long").status != "running":
            time.sleep(0.02)
        print(" ".join(str(w.pid) for w in queue._workers), flush=True)
        time.sleep(600)
        """
    )
    owner = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        pids = [int(pid) for pid in owner.stdout.readline().split()]
        assert len(pids) == 2
        owner.send_signal(signal.SIGKILL)
        owner.wait(timeout=10)
        assert wait_gone(pids, timeout=10) == [], "workers outlived their parent"
    finally:
        owner.kill()
        owner.wait()
        owner.stdout.close()
    settings = QueueSettings(state_dir=tmp_path / "queue", workers=1)
    assert queue_state(settings, "t:long")[0] == "running"
    with EmbeddedQueue(settings) as again:
        assert again.state("t:long").status in ("queued", "running")
        # the 30 s task runs again from the start; it is enough that it was taken up
        deadline = time.monotonic() + 30
        while again.state("t:long").status != "running":
            assert time.monotonic() < deadline
            time.sleep(0.05)
