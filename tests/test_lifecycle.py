"""Stop signals, workers that die with their parent, stale temporaries: real processes."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest

from bulletin import lifecycle
from bulletin.lifecycle import Interrupted

ROOT = Path(__file__).resolve().parent.parent


def dead_pid() -> int:
    """The pid of a process that has exited (and been reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def gone(pid: int) -> bool:
    """No such process, or only a zombie waiting for a reaper."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return True
    return state in ("Z", "X")


def wait_gone(pids, timeout: float = 15.0) -> list[int]:
    """The pids still running after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    alive = list(pids)
    while alive and time.monotonic() < deadline:
        alive = [pid for pid in alive if not gone(pid)]
        time.sleep(0.1)
    return alive


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


@pytest.fixture(autouse=True)
def _signals_not_ignored():
    """A shell's background job starts with SIGINT ignored; these tests need it live."""
    saved = {s: signal.getsignal(s) for s in lifecycle.STOP_SIGNALS}
    for signum, handler in saved.items():
        if handler == signal.SIG_IGN:
            signal.signal(
                signum, signal.SIG_DFL if signum != signal.SIGINT else signal.default_int_handler
            )
    yield
    for signum, handler in saved.items():
        signal.signal(signum, handler)


def live_signals() -> None:
    """For a child process (``preexec_fn``): every stop signal at its default action."""
    for signum in lifecycle.STOP_SIGNALS:
        signal.signal(signum, signal.SIG_DFL)


def test_an_ignored_signal_stays_ignored():
    signal.signal(signal.SIGHUP, signal.SIG_IGN)  # as under nohup
    with lifecycle.stop_on_signals():
        os.kill(os.getpid(), signal.SIGHUP)
        time.sleep(0.1)
        assert lifecycle.stop_requested() == 0


@pytest.mark.parametrize("signum", lifecycle.STOP_SIGNALS)
def test_each_stop_signal_becomes_interrupted_with_the_shells_exit_code(signum):
    with pytest.raises(Interrupted) as caught, lifecycle.stop_on_signals():
        os.kill(os.getpid(), signum)
        time.sleep(5)  # the handler runs at once
    assert caught.value.signum == signum and caught.value.exit_code == 128 + signum
    assert str(caught.value) == f"interrupted by {signal.Signals(signum).name}"
    assert isinstance(caught.value, KeyboardInterrupt)  # `except Exception` does not eat it
    assert signal.getsignal(signum) is not lifecycle._handler  # the old handler is back


def test_a_deferred_block_finishes_before_the_signal_is_raised():
    steps = []
    with pytest.raises(Interrupted), lifecycle.stop_on_signals():
        with lifecycle.deferred():
            os.kill(os.getpid(), signal.SIGTERM)
            steps.append("renamed")  # still runs
            assert lifecycle.stop_requested() == signal.SIGTERM
        steps.append("after")  # does not
    assert steps == ["renamed"]


def test_a_temporary_folder_is_removed_however_its_block_ends(tmp_path):
    with lifecycle.temporary_folder("work.", tmp_path) as work:
        (work / "inner").mkdir()
        (work / "inner" / "peaks.f32").write_bytes(b"0" * 64)
    assert work.parent == tmp_path and list(tmp_path.iterdir()) == []
    with pytest.raises(ValueError), lifecycle.temporary_folder("work.", tmp_path) as work:
        (work / "mix.f32").write_bytes(b"")
        raise ValueError("a stage failed")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("moment", ["made", "removing"])
def test_a_stop_signal_does_not_leave_a_temporary_folder_behind(tmp_path, monkeypatch, moment):
    """The signal arrives just after the folder is made (before the caller holds its
    name), or as it is being removed: either way it is raised once the folder is gone."""
    mkdtemp, rmtree = tempfile.mkdtemp, shutil.rmtree

    def made_then_signal(*args, **kwargs):
        path = mkdtemp(*args, **kwargs)
        if moment == "made":
            os.kill(os.getpid(), signal.SIGTERM)  # its handler runs before the next line
        return path

    def signal_then_remove(*args, **kwargs):
        if moment == "removing":
            os.kill(os.getpid(), signal.SIGTERM)
        return rmtree(*args, **kwargs)

    monkeypatch.setattr(lifecycle.tempfile, "mkdtemp", made_then_signal)
    monkeypatch.setattr(lifecycle.shutil, "rmtree", signal_then_remove)
    folder = lifecycle.temporary_folder("work.", tmp_path)
    with pytest.raises(Interrupted), lifecycle.stop_on_signals(), folder as work:
        assert moment == "removing"  # a signal as it is made is raised before the block
        for name in ("a", "b", "c"):
            (work / name).mkdir()
            (work / name / "clip.wav").write_bytes(b"0" * 64)
    assert list(tmp_path.iterdir()) == []


def test_a_service_loop_is_told_to_stop_between_runs_and_interrupted_during_one():
    import threading

    stop, running = threading.Event(), threading.Event()
    with lifecycle.stop_on_signals(stop=stop, interrupt=running.is_set):
        os.kill(os.getpid(), signal.SIGTERM)  # waiting: only the event is set
        assert stop.wait(5) and lifecycle.stop_requested() == signal.SIGTERM
    assert lifecycle.stop_requested() == 0  # the block's stop does not outlive it
    lifecycle.check()  # nor stops work taken after it
    stop.clear()
    blocked = lifecycle.stop_on_signals(stop=stop, interrupt=running.is_set)
    with pytest.raises(Interrupted) as caught, blocked:
        running.set()  # a run is working: the signal is raised in it
        os.kill(os.getpid(), signal.SIGHUP)
        time.sleep(5)
    assert caught.value.signum == signal.SIGHUP and stop.is_set()


def test_a_swallowed_interrupt_is_raised_again_where_work_is_taken():
    with pytest.raises(Interrupted), lifecycle.stop_on_signals():
        try:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(5)
        except KeyboardInterrupt:
            pass  # as a C callback would: "Exception ignored"
        lifecycle.check()


def test_stale_means_a_dead_owner_here_or_a_day_old(tmp_path):
    now = time.time()
    mine = f".release.{lifecycle.temp_tag()}abc.tmp.mp3"
    dead = f".release.bulletin-{lifecycle.HOST}-{dead_pid()}-abc.tmp.mp3"
    elsewhere = f"bulletin-{'0' * 8 if lifecycle.HOST != '0' * 8 else '1' * 8}-1-abc"
    assert not lifecycle.is_stale(mine, now)
    assert lifecycle.is_stale(dead, now)
    assert not lifecycle.is_stale(elsewhere, now)  # another host's: only when old
    assert lifecycle.is_stale(elsewhere, now - 2 * lifecycle.STALE_AFTER_S, now)
    assert not lifecycle.is_stale("release.mp3", now - 10 * lifecycle.STALE_AFTER_S, now)
    assert not lifecycle.is_stale(".release.abcd1234.tmp.mp3", 0, now)  # outside out/
    assert lifecycle.is_stale(".release.abcd1234.tmp.mp3", 0, now, output=True)


def test_sweep_removes_only_what_dead_runs_left(tmp_path):
    tag_dead = f"bulletin-{lifecycle.HOST}-{dead_pid()}-"
    (tmp_path / f"{tag_dead}work").mkdir()
    (tmp_path / f"{tag_dead}work" / "mix0.wav").write_bytes(b"x" * 100)
    (tmp_path / f".release.{tag_dead}x.tmp.mp3").write_bytes(b"half")
    live = tmp_path / f".release.{lifecycle.temp_tag()}y.tmp.mp3"
    live.write_bytes(b"mine")
    keep = ["release.mp3", "notes.txt", ".hidden", "bulletin-notes"]
    for name in keep:
        (tmp_path / name).write_text("user's")
    removed = lifecycle.sweep(tmp_path)
    assert sorted(p.name for p in removed) == sorted(
        [f"{tag_dead}work", f".release.{tag_dead}x.tmp.mp3"]
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*keep, live.name])


WORKERS_SCRIPT = textwrap.dedent(
    """
    import os, sys, time
    from bulletin.workers import process_pool

    if __name__ == "__main__":
        with process_pool(3) as pool:
            futures = [pool.submit(time.sleep, 60) for _ in range(2)]
            print(" ".join(str(pid) for pid in pool._processes), flush=True)
            time.sleep(60)
    """
)


def test_workers_and_the_resource_tracker_die_after_sigkill_of_the_parent(tmp_path):
    script = tmp_path / "pool.py"
    script.write_text(WORKERS_SCRIPT)
    parent = subprocess.Popen(
        [sys.executable, str(script)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=live_signals,
    )
    workers = [int(pid) for pid in parent.stdout.readline().split()]
    everyone = children(parent.pid)  # the workers and multiprocessing's resource tracker
    assert len(workers) == 2 and set(workers) <= set(everyone) and len(everyone) == 3
    parent.kill()
    parent.wait()
    assert wait_gone(everyone) == []


def test_workers_stop_at_once_on_sigterm_without_finishing_their_tasks(tmp_path):
    script = tmp_path / "pool.py"
    script.write_text(
        WORKERS_SCRIPT.replace("import os", "from bulletin import lifecycle\nimport os").replace(
            "with process_pool(3)", "with lifecycle.stop_on_signals(), process_pool(3)"
        )
    )
    parent = subprocess.Popen(
        [sys.executable, str(script)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=live_signals,
    )
    parent.stdout.readline()
    everyone = children(parent.pid)
    started = time.monotonic()
    parent.send_signal(signal.SIGTERM)
    _, stderr = parent.communicate(timeout=30)
    assert time.monotonic() - started < 20  # the tasks (60 s sleeps) were not waited for
    assert parent.returncode == 1 and "Interrupted: interrupted by SIGTERM" in stderr
    assert wait_gone(everyone) == []


LATE_SCRIPT = textwrap.dedent(
    """
    import atexit, os, signal, sys, time
    # runs after the command, as Python shuts down (the last atexit handler to run)
    atexit.register(lambda: (os.kill(os.getpid(), signal.SIGTERM), time.sleep(0.5)))
    sys.argv = ["bulletin", "--version"]
    from bulletin.__main__ import run
    run()
    """
)


def test_a_stop_signal_after_the_command_ended_changes_nothing(tmp_path):
    """The command's work is done and said: a signal in Python's shutdown neither kills
    the process (status -15) nor claims that nothing was done (143)."""
    result = subprocess.run(
        [sys.executable, "-c", LATE_SCRIPT],
        capture_output=True,
        text=True,
        preexec_fn=live_signals,
        cwd=tmp_path,
    )
    assert result.returncode == 0 and result.stderr == "", result.stderr
    assert result.stdout.startswith("bulletin, version")
