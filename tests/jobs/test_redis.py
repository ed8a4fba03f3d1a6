"""The distributed queue on a real redis-server with real ``bulletin worker`` processes:
every task once, a poisoned task, a worker killed mid-job, Redis killed and restarted,
a clean stop on SIGTERM."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest
from queue_client import lines, task, wait_for
from redis_fixtures import group_alive

from bulletin.errors import ConfigError
from bulletin.jobs import (
    QueueFull,
    QueueSettings,
    TaskState,
    open_queue,
    queue_config,
    shown_url,
)
from bulletin.jobs.redis import RedisQueue


@pytest.fixture
def queue(redis_server, tmp_path):
    q = open_queue(
        QueueSettings(state_dir=tmp_path / "queue", url=redis_server.url, max_pending=50)
    )
    assert isinstance(q, RedisQueue)
    yield q
    q.close()


def test_every_task_runs_once_on_two_workers(queue, workers, tmp_path):
    log = tmp_path / "log"
    keys = [queue.submit(task("record", log, str(i))).key for i in range(20)]
    assert queue.submit(task("record", log, "0")).status in ("queued", "running", "done")
    workers.start("--concurrency", "2")
    states = wait_for(queue, keys)
    assert all(s.status == "done" and s.attempts == 1 for s in states)
    assert sorted(lines(log), key=int) == [str(i) for i in range(20)]
    assert queue.pending() == 0


def test_a_poisoned_task_fails_with_its_reason_and_blocks_nothing(queue, workers, tmp_path):
    log = tmp_path / "log"
    workers.start()
    bad = queue.submit(task("fail", log, "bad", retries=2)).key
    good = [queue.submit(task("record", log, str(i))).key for i in range(3)]
    states = wait_for(queue, [bad, *good])
    assert states[0] == TaskState(bad, "failed", "ValueError: the release is broken", 3)
    assert lines(log).count("bad") == 3  # 1 + 2 retries, then no more
    assert all(s.status == "done" for s in states[1:])
    assert lines(Path(str(log) + ".failed")) == ["bad\tValueError: the release is broken"]


def test_a_worker_killed_mid_job_has_its_job_run_elsewhere(queue, workers, tmp_path):
    log = tmp_path / "log"
    first = workers.start()
    key = queue.submit(task("record", log, "slow", kwargs={"seconds": 4.0})).key
    wait_for(queue, [key], statuses=("running",))
    workers.kill(first)  # the machine dies: worker and work horse
    assert not group_alive(first.pid)
    workers.start()  # another machine
    (state,) = wait_for(queue, [key])
    assert state.status == "done" and state.attempts == 2
    assert lines(log) == ["slow"]  # the killed run never finished


def test_redis_killed_and_restarted_loses_no_job(queue, workers, redis_server, tmp_path):
    log = tmp_path / "log"
    workers.start()
    keys = [queue.submit(task("record", log, "slow", kwargs={"seconds": 3.0})).key]
    keys += [queue.submit(task("record", log, str(i))).key for i in range(5)]
    wait_for(queue, keys[:1], statuses=("running",))
    redis_server.kill()
    time.sleep(1.0)
    redis_server.start()
    states = wait_for(queue, keys)
    assert [s.status for s in states] == ["done"] * 6
    assert sorted(lines(log)) == sorted(["slow", *map(str, range(5))])


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_a_stop_signal_finishes_the_job_in_hand_and_leaves_nothing(
    queue, workers, tmp_path, signum
):
    log = tmp_path / "log"
    process = workers.start("--concurrency", "2")
    key = queue.submit(task("record", log, "slow", kwargs={"seconds": 2.0})).key
    wait_for(queue, [key], statuses=("running",))
    process.send_signal(signum)
    assert process.wait(timeout=30) == 128 + signum
    started, *said = process.stderr.read().splitlines()
    assert started.startswith(f"bulletin worker: 2 process(es) on {workers.url}, queues ")
    assert said == [
        f"bulletin worker: interrupted by {signal.Signals(signum).name}; stopped "
        "(jobs in hand finished or left to others)"
    ]
    assert queue.state(key).status == "done" and lines(log) == ["slow"]
    assert not group_alive(process.pid)


def test_the_queue_refuses_work_beyond_its_limit(redis_server, tmp_path):
    q = RedisQueue(QueueSettings(state_dir=tmp_path, url=redis_server.url, max_pending=3))
    for i in range(3):
        q.submit(task("record", tmp_path / "log", str(i)))
    with pytest.raises(QueueFull):
        q.submit(task("record", tmp_path / "log", "3"))
    assert q.state("t:never") is None
    q.close()


def test_a_finished_key_submitted_again_runs_again(queue, workers, tmp_path):
    log = tmp_path / "log"
    workers.start()
    key = queue.submit(task("record", log, "again")).key
    wait_for(queue, [key])
    assert queue.submit(task("record", log, "again")).status == "queued"
    (state,) = wait_for(queue, [key])
    assert state.status == "done" and lines(log) == ["again", "again"]


def test_a_stop_past_its_grace_gives_the_job_back_at_once(queue, workers, tmp_path):
    log = tmp_path / "log"
    process = workers.start("--grace", "0")
    key = queue.submit(task("record", log, "slow", kwargs={"seconds": 30.0})).key
    wait_for(queue, [key], statuses=("running",))
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 143
    assert not group_alive(process.pid)
    state = queue.state(key)
    assert state.status == "queued" and state.attempts == 0  # back in the queue, uncounted
    assert lines(log) == []


def test_worker_without_a_queue_or_with_a_bad_url_says_so_in_one_line(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from bulletin.cli import main

    monkeypatch.delenv("BULLETIN_QUEUE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["worker"])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "error: worker: no queue; set [queue] url in bulletin.toml or BULLETIN_QUEUE_URL"
    ]
    (tmp_path / "bulletin.toml").write_text('[queue]\nurl = "http://example.org"\n')
    result = CliRunner().invoke(main, ["worker"])
    assert result.exit_code == 1 and "queue.url must be a Redis URL" in result.output
    assert "Traceback" not in result.output
    (tmp_path / "bulletin.toml").unlink()
    monkeypatch.setenv("BULLETIN_QUEUE_URL", "localhost:6379")
    result = CliRunner().invoke(main, ["worker"])
    assert result.exit_code == 1 and "BULLETIN_QUEUE_URL must be a Redis URL" in result.output


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("redis://:s3cret@10.0.0.5:6379/0", "redis://10.0.0.5:6379/0"),
        ("redis://bulletin:s3cret@10.0.0.5:6379/0", "redis://bulletin@10.0.0.5:6379/0"),
        ("rediss://:p%40ss@redis.example.kg:6380/2", "rediss://redis.example.kg:6380/2"),
        ("redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/0"),
        ("unix:///run/redis/redis.sock?db=1", "unix:///run/redis/redis.sock?db=1"),
    ],
)
def test_a_queue_url_is_shown_without_its_password(url, shown):
    assert shown_url(url) == shown


def test_a_bad_queue_url_in_the_environment_is_refused_without_its_password(monkeypatch):
    monkeypatch.setenv("BULLETIN_QUEUE_URL", "http://:s3cret@10.0.0.5:6379/0")
    with pytest.raises(ConfigError) as refused:
        queue_config(None)
    assert "must be a Redis URL" in str(refused.value)
    assert "s3cret" not in str(refused.value)
