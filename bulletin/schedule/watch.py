"""``bulletin watch``: run the schedule in the foreground until SIGTERM or SIGINT.

>>> watch("bulletin.toml", clock=SystemClock(), stop=threading.Event(), log=print)
2026-11-30 18:00 published Кечки жаңылыктар, 30-ноябрь, 18:00 (4 releases)

Mode ``bulletin`` sleeps until each scheduled time and runs then; mode ``each`` looks at
the inbox every ``poll_s`` seconds. Each run is :func:`bulletin.schedule.run.run_once`; a
run that fails is logged and the station keeps going.

Given a job queue (``bulletin watch`` opens one when a queue URL is configured), each run
is submitted to it as a :class:`bulletin.jobs.Task` instead, for any worker to do, and
logged as queued; a run still queued or running is not submitted twice (its key is its
time; ``schedule:each`` in mode ``each``).

>>> watch("bulletin.toml", clock=SystemClock(), stop=threading.Event(), log=print, queue=q)
2026-11-30 18:00 queued schedule:20261130-1800
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bulletin.errors import BulletinError, one_line
from bulletin.schedule.clock import Clock
from bulletin.schedule.config import load_schedule, next_run
from bulletin.schedule.run import run_once

if TYPE_CHECKING:
    from bulletin.jobs import Queue

RUN_TASK = "bulletin.schedule.run:run_once"

#: Longest single sleep, so that a changed wall clock (NTP, suspend) is noticed in time.
MAX_SLEEP_S = 60.0


def watch(
    config_path: str,
    *,
    clock: Clock,
    stop: threading.Event,
    log: Callable[[str], None],
    max_runs: int | None = None,
    jobs: int | None = None,
    running: threading.Event | None = None,
    queue: Queue | None = None,
) -> int:
    """Run the schedule of ``config_path`` until ``stop`` is set; returns the number of runs.

    ``running`` is set while a run works: ``bulletin watch`` passes it to
    :func:`bulletin.lifecycle.stop_on_signals`, so that a stop signal during a run raises
    :class:`bulletin.lifecycle.Interrupted` (the run cleans up now) and one while waiting
    only sets ``stop``. With ``queue``, runs are submitted to it (see above).
    """
    running = running or threading.Event()

    def submit(now_iso: str) -> dict:
        from bulletin.jobs import QueueFull, Task

        stamp = datetime.fromisoformat(now_iso).astimezone(schedule.zone)
        key = f"schedule:{stamp:%Y%m%d-%H%M}" if schedule.mode == "bulletin" else "schedule:each"
        kwargs = {"config_path": str(Path(config_path).resolve()), "now_iso": now_iso}
        report = {"published": [], "failed": [], "error": None, "queued": key}
        try:
            state = queue.submit(Task(RUN_TASK, {**kwargs, "jobs": jobs}, key=key))
        except QueueFull as full:
            report["error"] = f"queue full: {full}"
            report["message"] = f"{stamp:%Y-%m-%d %H:%M} error: {report['error']}"
            return report
        done = "queued" if state.status == "queued" else f"already {state.status}:"
        report["message"] = f"{stamp:%Y-%m-%d %H:%M} {done} {key}"
        return report

    def run(now_iso: str) -> dict:
        if queue is not None:
            return submit(now_iso)
        running.set()
        try:
            return run_once(config_path, now_iso, jobs=jobs)
        except Exception as error:  # noqa: BLE001 - one failed run must not stop the station
            what = one_line(error)
            stamp = datetime.fromisoformat(now_iso).astimezone(schedule.zone)
            message = f"{stamp:%Y-%m-%d %H:%M} error: {what}"
            return {"published": [], "failed": [], "error": what, "message": message}
        finally:
            running.clear()

    schedule = load_schedule(Path(config_path))
    if schedule is None or schedule.inbox is None:
        raise BulletinError(f"{config_path}: [schedule] with an inbox is needed to watch")
    runs, last_error = 0, None
    while not stop.is_set() and (max_runs is None or runs < max_runs):
        if schedule.mode == "bulletin":
            due = next_run(schedule, clock.now())
            assert due is not None
            while not stop.is_set() and clock.now() < due:
                wait = min(MAX_SLEEP_S, (due - clock.now()).total_seconds())
                if clock.sleep(wait, stop):
                    break
            if stop.is_set():
                break
            report = run(due.isoformat())
            log(report["message"])
        else:
            report = run(clock.now().isoformat())
            # quiet polls are not logged, nor the same error poll after poll
            worked = report["published"] or report["failed"]
            if worked or (report["error"] and report["error"] != last_error):
                log(report["message"])
            last_error = report["error"]
            if max_runs is not None and runs + 1 >= max_runs:
                runs += 1
                break
            clock.sleep(schedule.poll_s, stop)
        runs += 1
    return runs
