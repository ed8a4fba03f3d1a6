"""``bulletin worker``: ``concurrency`` RQ worker processes on this machine, supervised.

Each process takes one job at a time from the queues of the voices it serves (see
:func:`worker_queues`). A process that dies is replaced. SIGTERM, SIGINT or SIGHUP to this
command: every worker finishes the job in hand and stops; one still busy after ``grace_s``
is stopped at once (its work horse killed; the job is run again by another worker after
``lost_after_s``); nothing is left running.

>>> run_workers("redis://localhost:6379/0", ["bulletin"], concurrency=2)   # until SIGTERM
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

from bulletin import lifecycle
from bulletin.jobs import shown_url
from bulletin.jobs.redis import PREFIX, WORKER_CONFIG_ENV, queue_name


def worker_queues(voices: list[str] | None, config: Path | None) -> list[str]:
    """The RQ queues a worker serving ``voices`` takes jobs from (None: every voice that can
    run here). ``bulletin`` (tasks of the configured default voice) is among them when that
    voice is served.

    >>> worker_queues(["ky-espeak"], None)
    ['bulletin.voice.ky-espeak', 'bulletin']
    """
    from bulletin import synth
    from bulletin.config import load_settings
    from bulletin.errors import VoiceError

    if voices is None:
        names = [p.name for p in synth.find_presets() if synth.availability(p)[0]]
    else:
        names = []
        for name in voices:
            preset = synth.resolve_voice(name)
            ready, why = synth.availability(preset)
            if not ready:
                raise VoiceError(f"voice {preset.name}: {why}")
            names.append(preset.name)
    default = synth.resolve_voice(load_settings(config).voice).name
    queues = [queue_name(name) for name in dict.fromkeys(names)]
    if default in names:
        queues.append(PREFIX)
    return queues


def run_workers(
    url: str,
    queues: list[str],
    *,
    concurrency: int = 1,
    options: dict[str, Any] | None = None,
    config: Path | None = None,
    grace_s: float = 60.0,
) -> int:
    """Run until a stop signal; return the exit status (128 + the signal)."""
    from bulletin.jobs.redis import work

    options = dict(options or {})
    if config is not None:
        os.environ[WORKER_CONFIG_ENV] = str(Path(config).resolve())
    context = multiprocessing.get_context("spawn")

    def start():
        process = context.Process(
            target=work,
            args=(url, queues, options, os.getpid()),
            name="bulletin-worker",
        )
        process.start()
        return process

    processes: list = []
    with lifecycle.stop_on_signals():
        try:
            processes = [start() for _ in range(concurrency)]
            print(
                f"bulletin worker: {concurrency} process(es) on {shown_url(url)}, "
                f"queues {', '.join(queues)}",
                file=sys.stderr,
                flush=True,
            )
            while True:
                for index, process in enumerate(processes):
                    if not process.is_alive():
                        process.join()
                        processes[index] = start()
                time.sleep(0.5)
        except lifecycle.Interrupted as stop:
            with lifecycle.deferred():
                _stop(processes, grace_s)
            print(
                f"bulletin worker: {stop}; stopped (jobs in hand finished or left to others)",
                file=sys.stderr,
                flush=True,
            )
            return stop.exit_code
    return 0  # pragma: no cover - the loop ends only by a signal


def _stop(processes: list, grace_s: float) -> None:
    """Warm stop (finish the job in hand), then after ``grace_s`` a cold one, then kill."""
    for process in processes:
        if process.is_alive():
            os.kill(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    for process in processes:
        process.join(timeout=max(0.0, deadline - time.monotonic()))
    late = [p for p in processes if p.is_alive()]
    if late:
        time.sleep(1.1)  # RQ takes a second SIGTERM within 1 s as a duplicate
        for process in late:
            if process.is_alive():
                os.kill(process.pid, signal.SIGTERM)
        for process in late:
            process.join(timeout=10)
            if process.is_alive():
                process.kill()
                process.join()
