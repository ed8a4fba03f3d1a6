"""``bulletin worker``'s processes run job after job warm (no process per job), start anew
after ``--max-jobs``, and end a job past its timeout, even one stuck outside Python."""

from __future__ import annotations

import pytest
from queue_client import lines, task, wait_for

from bulletin.jobs import QueueSettings, TaskState
from bulletin.jobs.redis import RedisQueue


@pytest.fixture
def queue(redis_server, tmp_path):
    q = RedisQueue(QueueSettings(state_dir=tmp_path / "queue", url=redis_server.url))
    yield q
    q.close()


def test_jobs_run_in_the_worker_process_and_it_starts_anew_after_max_jobs(queue, workers, tmp_path):
    log = tmp_path / "log"
    keys = [queue.submit(task("pid", log, str(i))).key for i in range(7)]
    workers.start("--max-jobs", "3")
    states = wait_for(queue, keys)
    assert all(s.status == "done" and s.attempts == 1 for s in states)
    runs = [line.split() for line in lines(log)]
    assert sorted(int(value) for value, _ in runs) == list(range(7))  # each once
    by_process: dict[str, int] = {}
    for _, process in runs:
        by_process[process] = by_process.get(process, 0) + 1
    # one process ran 3 jobs in a row (no fork per job), then a fresh one took over
    assert sorted(by_process.values()) == [1, 3, 3]


def test_a_job_past_its_timeout_fails_with_the_reason(queue, workers, tmp_path):
    log = tmp_path / "log"
    workers.start()
    key = queue.submit(
        task("record", log, "slow", kwargs={"seconds": 30.0}, retries=0, timeout_s=1)
    ).key
    after = queue.submit(task("record", log, "next")).key
    slow, following = wait_for(queue, [key, after])
    assert slow.status == "failed" and "timeout" in slow.error and "1 seconds" in slow.error
    assert following.status == "done" and lines(log) == ["next"]  # the same worker goes on


def test_a_job_stuck_outside_python_past_its_timeout_is_ended(queue, workers, tmp_path):
    log = tmp_path / "log"
    workers.start()
    key = queue.submit(
        task("stuck", log, "stuck", kwargs={"seconds": 60.0}, retries=0, timeout_s=1)
    ).key
    after = queue.submit(task("record", log, "next")).key
    stuck, following = wait_for(queue, [key, after], timeout=120)
    assert stuck == TaskState(key, "failed", "timed out after 1 s", 1)
    assert following.status == "done"  # a fresh worker process took the next job
    assert lines(log) == ["stuck", "next"]


def test_a_worker_process_runs_its_jobs_without_helper_threads(queue, workers, tmp_path):
    """Each ``bulletin worker`` process is one core's worth: its jobs' makes run no helper
    threads (the embedded queue's and a plain make's may)."""
    from bulletin.jobs import job_threads

    log = tmp_path / "log"
    workers.start()
    (state,) = wait_for(queue, [queue.submit(task("threads", log, "a")).key])
    assert state.status == "done"
    assert lines(log) == ["a False"]
    assert job_threads()  # outside a worker
