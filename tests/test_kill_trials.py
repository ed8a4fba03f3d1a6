"""Six kill trials with fixed seeds (bench/kill_trials.py runs 50 with random ones): a make
stopped by SIGKILL, SIGTERM or SIGINT at a seeded moment, then the next make; no torn or
mixed set, no damaged cache entry, no process or temporary left."""

from __future__ import annotations

import importlib.util
import signal
import sys
import time
from pathlib import Path

from test_lifecycle import live_signals

ROOT = Path(__file__).resolve().parent.parent
SEEDS = (1, 4, 5, 9, 12, 17)  # SIGKILL twice, SIGINT twice, SIGTERM twice; all inside a run


def _kill_trials():
    spec = importlib.util.spec_from_file_location("kill_trials", ROOT / "bench" / "kill_trials.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["kill_trials"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_seeded_kill_trials_leave_whole_sets_and_nothing_behind(tmp_path, monkeypatch):
    trials = _kill_trials()
    monkeypatch.setattr(trials, "_live_signals", live_signals)
    place = trials.Place(tmp_path, jobs=2)
    started = time.monotonic()
    first = place.run(trials.release(place, "Биринчи сынак."))
    whole_s = time.monotonic() - started
    assert first.returncode == 0, first.stderr
    assert place.torn() == ""
    done = [trials.run_trial(place, seed, whole_s) for seed in SEEDS]
    report = trials.table(done)
    assert not [t for t in done if t.failed], report
    assert {t.signum for t in done} == {signal.SIGKILL, signal.SIGTERM, signal.SIGINT}
    assert any(t.ended in ("stopped", "killed") for t in done), report
    assert [t.seed for t in done] == list(SEEDS)
