"""Atomic file output, and file-system errors said in one line.

Nothing in ``out/`` is ever half-written: a file is written under a temporary name that
carries this run's host and pid (see :mod:`bulletin.lifecycle`, so a later run can remove
it if this one dies), then renamed. A whole output set goes through
:mod:`bulletin.outputs`.

>>> with atomic_path(Path("out/release.mp3")) as tmp:  # .release.bulletin-1a2b3c4d-42-x7.tmp.mp3
...     tmp.write_bytes(b"...")                         # renamed onto out/release.mp3 on success
>>> io_error(OSError(28, "No space left on device", "out/x.mp3"), "writing the audio")
OutputError('out/x.mp3: cannot write (no space left on device) while writing the audio')
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from bulletin.errors import OutputError
from bulletin.lifecycle import temp_tag

LOW_SPACE_BYTES = 1 << 20  # a folder with less free space than this is called full


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def make_temp(folder: Path, stem: str, suffix: str = "") -> Path:
    """An empty, new, owner-tagged temporary file ``folder/.STEM.bulletin-H-PID-XXXX.tmpSUFFIX``.

    Raises :class:`OutputError` when ``folder`` cannot be created or written."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(
            prefix=f".{stem}.{temp_tag()}", suffix=f".tmp{suffix}", dir=folder
        )
    except OSError as error:
        raise OutputError(f"{folder}: cannot write here ({_reason(error)})") from None
    os.close(fd)
    return Path(name)


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it onto ``target`` if the block succeeds.

    The temporary file keeps the target's suffix (encoders pick the format from it) and is
    removed if the block raises, so an existing ``target`` is never lost or truncated.
    """
    target = Path(target)
    tmp = make_temp(target.parent, target.stem, target.suffix)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; outputs are ordinary files
        os.replace(tmp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def _reason(error: BaseException) -> str:
    """``[Errno 28] No space left on device`` -> ``no space left on device``."""
    text = getattr(error, "strerror", None) or str(error).strip() or type(error).__name__
    text = text.splitlines()[0]
    return text[:1].lower() + text[1:]


def full_folder(folders: Sequence[Path | None]) -> Path | None:
    """The first of ``folders`` (or the nearest existing folder above it) that is almost
    out of space, or None."""
    for folder in folders:
        if folder is None:
            continue
        probe = Path(folder)
        while not probe.exists() and probe != probe.parent:
            probe = probe.parent
        try:
            if shutil.disk_usage(probe).free < LOW_SPACE_BYTES:
                return Path(folder)
        except OSError:
            continue
    return None


def io_error(error: BaseException, doing: str, folders: Sequence[Path | None] = ()) -> OutputError:
    """One line for an ``OSError`` or a ``soundfile.LibsndfileError`` met while ``doing``:
    the path and the problem. An error that names no path (libsndfile says only "System
    error") is blamed on the first of ``folders`` that is full, else on all of them."""
    path = getattr(error, "filename", None)
    code = getattr(error, "errno", None)
    if path is None:
        full = full_folder(folders)
        if full is not None:
            path, code = full, errno.ENOSPC
    if code in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
        reason = "no space left on device"
    else:
        reason = _reason(error)
    if path is None:
        where = ", ".join(str(f) for f in folders if f is not None) or "a temporary folder"
        return OutputError(f"{where}: input/output error ({reason}) while {doing}")
    return OutputError(f"{os.fsdecode(path)}: cannot write ({reason}) while {doing}")
