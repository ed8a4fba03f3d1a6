"""Helpers for the schedule tests (the station helpers are shared with tests/feed)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "feed"))

from feed_fixtures import RELEASES, write_config  # noqa: E402

BULLETIN_MODE = 'at = ["08:00", "18:00"]\ntimezone = "Asia/Bishkek"\ninbox = "inbox"\n'
__all__ = ["BULLETIN_MODE", "RELEASES", "drop", "stop_once_claimed", "write_config"]


def drop(inbox: Path, releases=RELEASES, start: float = 1_700_000_000.0) -> list[Path]:
    """Copy releases into the inbox, arriving one second apart in the order given."""
    inbox.mkdir(parents=True, exist_ok=True)
    dropped = []
    for offset, release in enumerate(releases):
        target = inbox / release.name
        shutil.copyfile(release, target)
        os.utime(target, (start + offset, start + offset))
        dropped.append(target)
    return dropped


def stop_once_claimed(
    process: subprocess.Popen, inbox: Path, signum: int, timeout: float = 120.0
) -> tuple[str, str]:
    """Wait until a run has claimed a release from *inbox*, send *signum* mid-run; the
    process's (stdout, stderr) once it has ended."""
    claimed = inbox / ".claimed"
    deadline = time.monotonic() + timeout
    while not (claimed.is_dir() and any(claimed.iterdir())):
        assert process.poll() is None, process.stderr.read()
        assert time.monotonic() < deadline, "no release was claimed"
        time.sleep(0.01)
    process.send_signal(signum)
    return process.communicate(timeout=60)
