"""Atomic file output: nothing in ``out/`` is ever half-written.

>>> with atomic_path(Path("out/release.mp3")) as tmp:   # tmp: out/.release.mp3.XXXX.tmp
...     tmp.write_bytes(b"...")                          # renamed onto out/release.mp3 on success
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from bulletin.errors import OutputError


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it onto ``target`` if the block succeeds.

    The temporary file keeps the target's suffix (encoders pick the format from it) and is
    removed if the block raises, so an existing ``target`` is never lost or truncated.
    """
    target = Path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(
            prefix=f".{target.stem}.", suffix=f".tmp{target.suffix}", dir=target.parent
        )
    except OSError as error:
        raise OutputError(f"{target.parent}: cannot write here ({error.strerror})") from None
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; outputs are ordinary files
        os.replace(tmp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
