"""Running unattended: stop signals become an exception, temporary files carry their owner.

One mechanism for every long-running command (``make``, ``run-schedule``, ``watch`` and
``serve``; the last two say when not to raise: between runs, and for a signal uvicorn has
already acted on, the signal is only noted and their loop ends). Inside
:func:`stop_on_signals` a SIGTERM (systemd, Docker, ``timeout``), SIGINT (Ctrl-C) or
SIGHUP (terminal closed) raises :class:`Interrupted` in the main thread, so every
``finally`` and ``with`` block on the way out cleans up; the command prints one line and
exits ``128 + signal``. A second signal while cleaning up is ignored, and so is a signal
that was ignored when the process started (``nohup``'s SIGHUP). Code that must not be cut
in the middle (renaming an output set into place) runs in :func:`deferred`; loops that
cannot take an exception (an engine's C callback) poll :func:`stop_requested`.

>>> with stop_on_signals():
...     make_everything()          # SIGTERM here -> Interrupted(15) out of this block
Traceback (most recent call last):
bulletin.lifecycle.Interrupted: interrupted by SIGTERM

Temporary files and folders are named with :func:`temp_tag`, which carries this host and
process id (``bulletin-1a2b3c4d-4242-``), so a later run can prove a leftover is stale —
its owner is not alive on this host, or it is older than a day — and :func:`sweep` it:

>>> tempfile.mkdtemp(prefix=temp_tag())        # /tmp/bulletin-1a2b3c4d-4242-k3j2h1
>>> sweep(Path(tempfile.gettempdir()))         # removes those of dead runs
[PosixPath('/tmp/bulletin-1a2b3c4d-977-x8x8x8')]
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import tempfile
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

STOP_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGTERM", "SIGINT", "SIGHUP") if hasattr(signal, name)
)
STALE_AFTER_S = 24 * 3600  # a temporary of another host (or a reused pid) is stale after this


class Interrupted(KeyboardInterrupt):
    """A stop signal arrived. A KeyboardInterrupt, so that code written for Ctrl-C (and
    ``except Exception`` blocks that must not catch it) treats every stop signal alike."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum
        self.published = False  # set by a command that finished publishing just before

    @property
    def signal_name(self) -> str:
        try:
            return signal.Signals(self.signum).name
        except ValueError:
            return f"signal {self.signum}"

    @property
    def exit_code(self) -> int:
        """The shell's convention: 128 + the signal number (SIGTERM -> 143)."""
        return 128 + self.signum

    def __str__(self) -> str:
        return f"interrupted by {self.signal_name}"


_state = {"received": 0, "deferring": 0, "pending": 0}
# what the current stop_on_signals block asked for: an event to set, and when to raise
_block: dict = {"stop": None, "interrupt": None}


def stop_requested() -> int:
    """The stop signal received in this process (0 when none): a loop checks it before
    taking more work, and a C callback aborts its synthesis when it is set."""
    return _state["received"]


def check() -> None:
    """Raise :class:`Interrupted` if a stop signal arrived: for the points where work is
    taken, in case the exception was swallowed where it was first raised (a C callback
    reports "Exception ignored" and goes on)."""
    if _state["received"] and not _state["deferring"]:
        raise Interrupted(_state["received"])


def _handler(signum: int, frame: object) -> None:
    if _state["received"]:
        return  # already stopping: let the cleanup finish
    _state["received"] = signum
    if _block["stop"] is not None:
        _block["stop"].set()
    if _block["interrupt"] is not None and not _block["interrupt"]():
        return  # a loop between tasks: it sees the stop event and ends by itself
    if _state["deferring"]:
        _state["pending"] = signum
        return
    raise Interrupted(signum)


@contextlib.contextmanager
def stop_on_signals(
    signals: tuple[int, ...] = STOP_SIGNALS,
    *,
    stop: threading.Event | None = None,
    interrupt: Callable[[], bool] | None = None,
) -> Iterator[None]:
    """Turn ``signals`` into :class:`Interrupted` inside the block (main thread only; in
    another thread the block runs unchanged). The previous handlers come back after it.

    For a service loop (``bulletin watch``): a signal also sets ``stop``, and is raised
    only while ``interrupt()`` is true (a run is working); otherwise the loop, waiting on
    ``stop``, ends by itself, and :func:`stop_requested` (read inside the block) tells
    which signal it was.

    >>> stop, running = threading.Event(), threading.Event()
    >>> with stop_on_signals(stop=stop, interrupt=running.is_set):
    ...     watch(path, clock=SystemClock(), stop=stop, log=print, running=running)
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _state.update(received=0, deferring=0, pending=0)
    _block.update(stop=stop, interrupt=interrupt)
    previous = {signum: signal.signal(signum, _handler) for signum in _not_ignored(signals)}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        # the stop belonged to this block: work done later in this process (a test's next
        # command, a scheduled run) is not stopped by it
        _state.update(received=0, deferring=0, pending=0)
        _block.update(stop=None, interrupt=None)


def _not_ignored(signals: tuple[int, ...]) -> list[int]:
    """The signals not ignored on entry: under ``nohup`` SIGHUP stays ignored, and so does
    SIGINT in a shell's background job."""
    return [signum for signum in signals if signal.getsignal(signum) != signal.SIG_IGN]


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """A block a stop signal does not cut: one arriving inside is raised when it ends."""
    _state["deferring"] += 1
    try:
        yield
    finally:
        _state["deferring"] -= 1
        pending = _state["pending"]
        if pending and not _state["deferring"]:
            _state["pending"] = 0
            raise Interrupted(pending)


@contextlib.contextmanager
def temporary_folder(prefix: str, dir: Path | None = None) -> Iterator[Path]:
    """A new folder (``tempfile.mkdtemp(prefix=..., dir=...)``), removed with all it holds
    when the block ends. A stop signal cuts neither the making nor the removal (it is
    raised after), so no folder is left behind half-removed.

    >>> with temporary_folder(temp_tag()) as work:    # /tmp/bulletin-1a2b3c4d-4242-k3j2h1
    ...     (work / "peaks.f32").write_bytes(b"")
    >>> work.exists()
    False
    """
    path = None
    try:
        with deferred():
            path = Path(tempfile.mkdtemp(prefix=prefix, dir=dir))
        yield path
    finally:
        if path is not None:
            with deferred():
                shutil.rmtree(path, ignore_errors=True)


# --- temporary names that carry their owner ---------------------------------------------

HOST = f"{zlib.crc32(socket.gethostname().encode('utf-8', 'replace')):08x}"
_TAG = re.compile(r"bulletin-([0-9a-f]{8})-(\d+)-")
# names left by versions before the owner tag (removed only when older than a day)
_UNTAGGED = re.compile(r"^bulletin-(clips-)?[a-z0-9_]{8}$")  # old work folders
_UNTAGGED_OUTPUT = re.compile(r"^\..+\.[a-z0-9_]{8}\.tmp(\.\w+)?$")  # old output temps


def temp_tag() -> str:
    """``bulletin-<host>-<pid>-``: put it in every temporary name (e.g. as the end of a
    ``tempfile`` prefix) so that :func:`sweep` can tell whose it is."""
    return f"bulletin-{HOST}-{os.getpid()}-"


def pid_alive(pid: int) -> bool:
    """Whether a process ``pid`` exists on this host (another user's counts)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def owner_alive(name: str) -> bool | None:
    """For a tagged temporary name: whether its owner process still runs (None: untagged,
    or made on another host, so nobody here can tell)."""
    match = _TAG.search(name)
    if not match or match.group(1) != HOST:
        return None
    return pid_alive(int(match.group(2)))


def is_stale(name: str, mtime: float, now: float | None = None, output: bool = False) -> bool:
    """A temporary of a dead run: tagged by a process of this host that is gone, or a
    temporary (tagged, or named by an older version) untouched for a day. ``output``: the
    name is in an output folder, where old versions left ``.NAME.XXXXXXXX.tmp.mp3``."""
    tagged = _TAG.search(name)
    untagged = _UNTAGGED.match(name) or (output and _UNTAGGED_OUTPUT.match(name))
    if not tagged and not untagged:
        return False  # not ours
    if tagged and owner_alive(name) is False:
        return True
    return (now if now is not None else time.time()) - mtime > STALE_AFTER_S


def sweep(folder: Path, keep: tuple[str, ...] = (), output: bool = False) -> list[Path]:
    """Remove the stale temporaries (files and folders) directly in ``folder`` (``output``:
    an output folder, see :func:`is_stale`); names ending in one of ``keep`` are left
    alone. Returns what was removed; a folder that cannot be listed, or an entry that
    cannot be removed, is skipped."""
    removed = []
    now = time.time()
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        name = entry.name
        if not (name.startswith(".") or name.startswith("bulletin-")) or name.endswith(keep):
            continue
        try:
            if not is_stale(name, entry.stat(follow_symlinks=False).st_mtime, now, output):
                continue
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path)
            else:
                os.unlink(entry.path)
        except OSError:
            continue
        removed.append(Path(entry.path))
    return removed
