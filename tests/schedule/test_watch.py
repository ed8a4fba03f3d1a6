"""The watch loop with a fake clock (no sleeping), and ``bulletin watch`` under SIGTERM and SIGHUP."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from schedule_fixtures import RELEASES, drop, stop_once_claimed, write_config
from test_lifecycle import live_signals, wait_gone
from test_unattended import Place

from bulletin.feed import EpisodeStore
from bulletin.schedule import FakeClock, watch
from bulletin.schedule.watch import MAX_SLEEP_S

BISHKEK = ZoneInfo("Asia/Bishkek")
MORNING = datetime(2026, 11, 30, 7, 30, tzinfo=BISHKEK)


def test_runs_at_each_clock_time_with_releases_that_arrived_between(station: Path) -> None:
    inbox = station.parent / "inbox"
    drop(inbox, RELEASES[:1])
    later = []

    def editors(clock: FakeClock, stop: threading.Event) -> None:
        if clock.now() >= MORNING + timedelta(hours=4) and not later:
            later.extend(drop(inbox, RELEASES[1:]))  # two releases arrive at midday

    clock = FakeClock(MORNING, on_sleep=editors)
    lines: list[str] = []
    runs = watch(str(station), clock=clock, stop=threading.Event(), log=lines.append, max_runs=3)
    assert runs == 3
    assert lines == [
        "2026-11-30 08:00 published Кечки жаңылыктар, 30-ноябрь, 08:00 (1 release)",
        "2026-11-30 18:00 published Кечки жаңылыктар, 30-ноябрь, 18:00 (2 releases)",
        "2026-12-01 08:00 nothing to publish",
    ]
    assert clock.now() == datetime(2026, 12, 1, 8, 0, tzinfo=BISHKEK)
    assert max(clock.slept) <= MAX_SLEEP_S
    assert sum(clock.slept) == (clock.now() - MORNING).total_seconds()
    episodes = EpisodeStore(station.parent / "public").load()
    assert [e.published for e in episodes] == [
        "2026-11-30T18:00:00+06:00",
        "2026-11-30T08:00:00+06:00",
    ]


def test_stop_while_waiting_ends_the_loop_without_a_run(station: Path) -> None:
    drop(station.parent / "inbox", RELEASES[:1])

    def sigterm_at_0745(clock: FakeClock, stop: threading.Event) -> None:
        if clock.now() >= MORNING + timedelta(minutes=15):
            stop.set()

    clock = FakeClock(MORNING, on_sleep=sigterm_at_0745)
    lines: list[str] = []
    assert watch(str(station), clock=clock, stop=threading.Event(), log=lines.append) == 0
    assert lines == [] and clock.now() < MORNING + timedelta(minutes=30)
    assert (station.parent / "inbox" / RELEASES[0].name).is_file()


def test_each_mode_looks_at_the_inbox_every_poll(tmp_path: Path) -> None:
    station = write_config(
        tmp_path,
        schedule='mode = "each"\ninbox = "inbox"\nsettle_s = 5\npoll_s = 2\n'
        'timezone = "Asia/Bishkek"\n',
    )
    start = datetime(2026, 11, 30, 9, 0, tzinfo=BISHKEK)

    def arrives(clock: FakeClock, stop: threading.Event) -> None:
        if clock.now() == start + timedelta(seconds=4):
            drop(tmp_path / "inbox", RELEASES[:1], start=clock.now().timestamp())

    clock = FakeClock(start, on_sleep=arrives)
    lines: list[str] = []
    watch(str(station), clock=clock, stop=threading.Event(), log=lines.append, max_runs=8)
    # polled at 0, 2, 4, ...; the release arrived at 4 s and settled at 9 s: taken at 10 s
    assert clock.slept == [2.0] * 7
    assert lines == [f"2026-11-30 09:00 published {RELEASES[0].read_text().splitlines()[0]} "
                     "(1 release)"]  # fmt: skip
    [episode] = EpisodeStore(tmp_path / "public").load()
    assert episode.published == "2026-11-30T09:00:10+06:00"


def _watcher(station: Path, jobs: str = "1", env: dict | None = None) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "bulletin", "watch", "--config", str(station), "-j", jobs],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=live_signals,  # SIGHUP and SIGINT live even under nohup or in a background job
    )
    first = process.stdout.readline()
    assert " watching " in first, first + process.stderr.read()
    return process


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_a_stop_signal_while_waiting_stops_cleanly(station: Path, signum: int) -> None:
    process = _watcher(station)
    process.send_signal(signum)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 128 + signum
    name = signal.Signals(signum).name
    assert out.strip() == f"stopped by {name} while waiting" and err == ""


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_a_stop_signal_during_a_run_leaves_inbox_and_feed_consistent(
    tmp_path: Path, signum: int
) -> None:
    station = write_config(
        tmp_path, schedule='mode = "each"\ninbox = "inbox"\nsettle_s = 0\npoll_s = 0.2\n'
    )
    inbox = tmp_path / "inbox"
    drop(inbox, RELEASES, start=1_700_000_000)
    place = Place(tmp_path / "run")  # its TMPDIR, and a marker on every process it starts
    process = _watcher(station, jobs="2", env=place.env())
    # wait until the first run has claimed a release, then stop the watcher in the middle
    out, err = stop_once_claimed(process, inbox, signum)
    assert process.returncode == 128 + signum, err
    name = signal.Signals(signum).name
    assert out.splitlines()[-1] == f"stopped by {name} during a run; its releases wait in the inbox"
    assert err == "" and wait_gone(place.processes()) == []  # no worker outlives it
    assert list(place.tmp.iterdir()) == []  # nor the run's work folder
    # every release is either published and done, or back in the inbox; nothing in between
    episodes = EpisodeStore(tmp_path / "public").load()
    done = list((inbox / "done").rglob("*.txt")) if (inbox / "done").exists() else []
    waiting = [p for p in inbox.iterdir() if p.is_file() and not p.name.startswith(".")]
    assert len(done) == len(episodes)
    assert sorted(p.name for p in done + waiting) == sorted(r.name for r in RELEASES)
    assert not any((inbox / ".claimed").iterdir())
    work = inbox / ".work"
    assert not work.exists() or not any(work.iterdir()), sorted(
        str(x.relative_to(work)) for x in work.rglob("*")
    )
    public = tmp_path / "public"
    if public.exists():
        assert not [name for name in os.listdir(public) if ".tmp" in name]


def test_a_run_that_breaks_is_logged_and_the_station_keeps_going(station: Path) -> None:
    inbox = station.parent / "inbox"
    drop(inbox, RELEASES[:1])
    good = station.read_text(encoding="utf-8")

    def editor(clock: FakeClock, stop: threading.Event) -> None:
        if clock.now() == MORNING + timedelta(minutes=29):  # breaks the settings before 08:00
            station.write_text(good + "[output]\nloudness = 'loud'\n", encoding="utf-8")
        if clock.now() == MORNING + timedelta(hours=10):  # and mends them by 18:00
            station.write_text(good, encoding="utf-8")

    clock = FakeClock(MORNING, on_sleep=editor)
    lines: list[str] = []
    watch(str(station), clock=clock, stop=threading.Event(), log=lines.append, max_runs=2)
    assert lines[0].startswith("2026-11-30 08:00 error: ")
    assert lines[1] == "2026-11-30 18:00 published Кечки жаңылыктар, 30-ноябрь, 18:00 (1 release)"


def test_each_mode_logs_a_lasting_error_once(tmp_path: Path) -> None:
    station = write_config(
        tmp_path, schedule='mode = "each"\ninbox = "inbox"\nsettle_s = 0\npoll_s = 5\n'
    )
    (tmp_path / "cover.jpg").write_bytes(b"not an image")  # the station's artwork is broken
    drop(tmp_path / "inbox", RELEASES[:1])
    clock = FakeClock(datetime(2026, 11, 30, 9, 0, tzinfo=BISHKEK))
    lines: list[str] = []
    watch(str(station), clock=clock, stop=threading.Event(), log=lines.append, max_runs=4)
    assert len(lines) == 1 and "artwork is not an image" in lines[0]
    assert (tmp_path / "inbox" / RELEASES[0].name).is_file()  # waits for a mended station


def test_with_a_queue_each_run_is_a_task_a_worker_does(station: Path, tmp_path: Path) -> None:
    from bulletin.jobs import QueueSettings, open_queue

    inbox = station.parent / "inbox"
    drop(inbox, RELEASES[:1])
    clock = FakeClock(MORNING)
    lines: list[str] = []
    queue = open_queue(QueueSettings(state_dir=tmp_path / "queue", workers=1))
    try:
        runs = watch(
            str(station), clock=clock, stop=threading.Event(), log=lines.append, max_runs=1,
            jobs=1, queue=queue,
        )  # fmt: skip
        assert runs == 1 and lines == ["2026-11-30 08:00 queued schedule:20261130-0800"]
        deadline = time.monotonic() + 120
        while (state := queue.state("schedule:20261130-0800")).status not in ("done", "failed"):
            assert time.monotonic() < deadline, state
            time.sleep(0.1)
        assert state.status == "done", state.error
    finally:
        queue.close()
    # the worker did the run: the episode went out, the release was filed as done
    [episode] = EpisodeStore(station.parent / "public").load()
    assert episode.title == "Кечки жаңылыктар, 30-ноябрь, 08:00"
    assert episode.published == "2026-11-30T08:00:00+06:00"
    assert [p.name for p in (inbox / "done").rglob("*.txt")] == [RELEASES[0].name]
