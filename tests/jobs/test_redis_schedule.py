"""Scheduled runs on the distributed queue: ``watch`` submits the run to Redis and a
``bulletin worker`` process does it (the station's folders shared, as on NFS)."""

from __future__ import annotations

import sys
import threading
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from redis_fixtures import ROOT

from bulletin.jobs import QueueSettings, open_queue
from bulletin.jobs.redis import RedisQueue

sys.path.insert(0, str(ROOT / "tests" / "schedule"))
from schedule_fixtures import BULLETIN_MODE, RELEASES, drop, write_config  # noqa: E402

MORNING = datetime(2026, 11, 30, 7, 30, tzinfo=ZoneInfo("Asia/Bishkek"))


def test_a_scheduled_run_is_done_by_a_redis_worker(redis_server, workers, tmp_path: Path):
    from bulletin.feed import EpisodeStore
    from bulletin.schedule import FakeClock, watch

    station = write_config(tmp_path, schedule=BULLETIN_MODE, jingles=True)
    inbox = station.parent / "inbox"
    drop(inbox, RELEASES[:1])
    workers.start()
    queue = open_queue(QueueSettings(state_dir=tmp_path / "queue", url=redis_server.url))
    assert isinstance(queue, RedisQueue)
    lines: list[str] = []
    try:
        runs = watch(
            str(station), clock=FakeClock(MORNING), stop=threading.Event(), log=lines.append,
            max_runs=1, jobs=1, queue=queue,
        )  # fmt: skip
        assert runs == 1 and lines == ["2026-11-30 08:00 queued schedule:20261130-0800"]
        deadline = time.monotonic() + 120
        while (state := queue.state("schedule:20261130-0800")).status not in ("done", "failed"):
            assert time.monotonic() < deadline, state
            time.sleep(0.1)
        assert state.status == "done", state.error
    finally:
        queue.close()
    [episode] = EpisodeStore(station.parent / "public").load()
    assert episode.title == "Кечки жаңылыктар, 30-ноябрь, 08:00"
    assert [p.name for p in (inbox / "done").rglob("*.txt")] == [RELEASES[0].name]
