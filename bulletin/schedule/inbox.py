"""The inbox: releases waiting, claimed by a run, done, or failed.

    inbox/                         editors drop releases here
    inbox/.claimed/RUN/            taken by a run that has not finished yet
    inbox/done/2026-11-30/         used by a published episode
    inbox/failed/NAME + NAME.error.txt   could not be read or made; the line says why

A run claims its releases by moving them into ``.claimed/RUN/`` while it holds the inbox
lock; a run that was killed leaves them there, and the next run gives them back to the
inbox (or to ``done/`` if their episode was published before the kill).

>>> waiting(Path("inbox"), older_than=None)
[PosixPath('inbox/01-economy.txt'), PosixPath('inbox/02-weather.txt')]
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path

from bulletin.errors import BulletinError

CLAIMED, DONE, FAILED, WORK, LOCK = ".claimed", "done", "failed", ".work", ".lock"


class InboxBusy(BulletinError):
    """Another run (another watcher on the same folder) holds the inbox."""


@contextlib.contextmanager
def inbox_lock(inbox: Path) -> Iterator[None]:
    """Hold the inbox for one run; :class:`InboxBusy` at once if another run has it."""
    from filelock import FileLock, Timeout

    inbox.mkdir(parents=True, exist_ok=True)
    lock = FileLock(inbox / LOCK, timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise InboxBusy(f"{inbox}: another run holds the inbox") from None
    try:
        yield
    finally:
        lock.release()


def waiting(inbox: Path, older_than: datetime | None) -> list[Path]:
    """Releases in the inbox in order of arrival; with ``older_than``, only those unchanged since."""
    found = []
    for entry in os.scandir(inbox):
        if entry.name.startswith(".") or not entry.is_file(follow_symlinks=False):
            continue
        mtime = entry.stat().st_mtime
        if older_than is None or mtime <= older_than.timestamp():
            found.append((mtime, entry.name, Path(entry.path)))
    return [path for _, _, path in sorted(found)]


def arrival_order(paths: Sequence[Path]) -> list[Path]:
    return sorted(paths, key=lambda p: (p.stat().st_mtime, p.name))


def claim(inbox: Path, run: str, releases: Sequence[Path]) -> list[Path]:
    """Move ``releases`` into ``.claimed/run/`` (keeping their times); returns the new paths."""
    folder = inbox / CLAIMED / run
    folder.mkdir(parents=True, exist_ok=True)
    claimed = []
    for release in releases:
        target = folder / release.name
        os.replace(release, target)
        claimed.append(target)
    return claimed


def claims(inbox: Path) -> list[Path]:
    """Claim folders left by runs that did not finish."""
    root = inbox / CLAIMED
    return sorted(path for path in root.iterdir() if path.is_dir()) if root.is_dir() else []


def move_to(folder: Path, release: Path) -> Path:
    """Move ``release`` into ``folder`` without replacing a file already there."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / release.name
    number = 2
    while target.exists():
        target = folder / f"{release.stem}-{number}{release.suffix}"
        number += 1
    os.replace(release, target)
    return target


def done(inbox: Path, releases: Sequence[Path], day: str) -> None:
    for release in releases:
        move_to(inbox / DONE / day, release)


def fail(inbox: Path, release: Path, error: str, when: datetime) -> Path:
    """Move ``release`` to ``failed/`` with ``NAME.error.txt`` beside it naming the problem."""
    target = move_to(inbox / FAILED, release)
    note = target.with_name(target.name + ".error.txt")
    note.write_text(f"{error}\n{when.isoformat(timespec='seconds')}\n", encoding="utf-8")
    return target


def give_back(inbox: Path, claim_folder: Path) -> None:
    """Return a dead run's releases to the inbox."""
    for release in arrival_order([p for p in claim_folder.iterdir() if p.is_file()]):
        move_to(inbox, release)
    claim_folder.rmdir()


def clear_work(inbox: Path) -> None:
    """Remove work folders of dead runs (only called with the inbox lock held)."""
    shutil.rmtree(inbox / WORK, ignore_errors=True)
