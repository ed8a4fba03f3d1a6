"""One place that writes an output set atomically: all of ``out/NAME.*`` or nothing.

Every file of a bulletin (audio, captions, transcript, chapters, manifest) is written to
an owner-tagged temporary file in the output folder first. Publishing then, holding the
lock of that output name (``fcntl.flock`` on ``out/.NAME.lock``, removed when released):

1. syncs the temporaries and writes a journal ``out/.NAME.bulletin-H-PID-XXXX.publish``
   listing the renames;
2. removes the old manifest (so no manifest ever names files of another run);
3. renames every file onto its final name, the manifest last;
4. removes the journal.

Stop signals wait until this is done (:func:`bulletin.lifecycle.deferred`). If the process
is killed in the middle (SIGKILL, power loss), the next run (:func:`recover`, called by
:func:`clean_output_folder`) finds the journal of a dead owner and finishes the renames.
So a reader holding the lock shared (``name_lock(folder, name, shared=True)``) that sees
a manifest sees the files it names, their SHA-256 sums matching (one without the lock can
check the sums and read again); two runs writing the same name never leave a mix; a run
that fails before publishing (a full disk with room for the MP3 only) leaves the old set
whole.

>>> with OutputSet(Path("out"), "release") as outputs:
...     render(..., outputs.add("release.mp3"))          # a temporary path in out/
...     write_vtt(outputs.add("release.vtt"), cues)
...     write_manifest(outputs.add("release.json", manifest=True),
...                    build_manifest(..., checksums=outputs.checksums()))
...     outputs.publish()                                 # out/release.{mp3,vtt,json}
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path

from bulletin import lifecycle
from bulletin.errors import OutputError
from bulletin.fsutil import _umask, io_error, make_temp

JOURNAL_SUFFIX = ".publish"
LOCK_SUFFIX = ".lock"


@contextlib.contextmanager
def name_lock(
    folder: Path, name: str, blocking: bool = True, shared: bool = False
) -> Iterator[bool]:
    """Hold the lock of output ``name`` in ``folder`` (yields False when ``blocking`` is
    False and another process holds it); ``shared``: a reader's lock, held by many at once.
    The last holder removes the lock file on release, safely: a process that locked a file
    since unlinked tries again."""
    path = Path(folder) / f".{name}{LOCK_SUFFIX}"
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666 & ~_umask())
        try:
            mode = fcntl.LOCK_SH if shared else fcntl.LOCK_EX
            fcntl.flock(fd, mode | (0 if blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            os.close(fd)
            yield False
            return
        except BaseException:
            os.close(fd)
            raise
        try:
            same = os.stat(path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)  # the file was removed by its last holder: lock the new one
    try:
        yield True
    finally:
        try:
            if shared:  # the last reader out removes the file (if it can take it whole)
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            os.unlink(path)
        except (BlockingIOError, FileNotFoundError):
            pass
        finally:
            os.close(fd)


def sha256(path: Path) -> str:
    """The SHA-256 of a file, as hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _fsync(path: Path, directory: bool = False) -> None:
    fd = os.open(path, os.O_RDONLY | (os.O_DIRECTORY if directory else 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class OutputSet:
    """The files of output ``name`` in ``folder``, written to temporaries, published
    together by :meth:`publish`; unpublished temporaries are removed when the block ends."""

    def __init__(self, folder: Path, name: str) -> None:
        self.folder, self.name = Path(folder), name
        self._temps: dict[str, Path] = {}  # final file name -> temporary path
        self._manifest: str | None = None
        self.published = False

    def __enter__(self) -> OutputSet:
        return self

    def __exit__(self, *exc: object) -> None:
        self.discard()

    def add(self, file_name: str, manifest: bool = False) -> Path:
        """A new temporary path in the folder for ``file_name`` (its suffix kept: encoders
        choose the format by it); ``manifest``: this file is renamed last."""
        if "/" in file_name or os.sep in file_name or file_name in ("", ".", ".."):
            raise ValueError(f"not a plain file name: {file_name!r}")
        stem, dot, suffix = file_name.rpartition(".")
        tmp = make_temp(self.folder, stem if dot else file_name, f".{suffix}" if dot else "")
        self._temps[file_name] = tmp
        if manifest:
            self._manifest = file_name
        return tmp

    def checksums(self) -> dict[str, str]:
        """``{file name: sha256 hex}`` of every file added so far, except the manifest."""
        try:
            return {
                name: sha256(tmp) for name, tmp in self._temps.items() if name != self._manifest
            }
        except OSError as error:
            raise io_error(error, "reading back the outputs") from None

    def publish(self) -> dict[str, Path]:
        """Rename every file into place (see the module docstring); the final paths."""
        order = [name for name in self._temps if name != self._manifest]
        if self._manifest:
            order.append(self._manifest)
        renames = [(self._temps[name].name, name) for name in order]
        try:
            mode = 0o666 & ~_umask()
            for tmp in self._temps.values():
                os.chmod(tmp, mode)  # mkstemp makes 0600; outputs are ordinary files
                _fsync(tmp)
            with lifecycle.deferred(), name_lock(self.folder, self.name):
                journal = _write_journal(self.folder, self.name, renames)
                self._temps.clear()  # from here on the journal owns them: never discarded
                if self._manifest:
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(self.folder / self._manifest)
                _apply(self.folder, renames)
                _fsync(self.folder, directory=True)
                os.unlink(journal)
        except OSError as error:  # a journal left behind is finished by the next run
            raise io_error(error, f"publishing {self.name}", [self.folder]) from None
        self.published = True
        self._temps.clear()
        return {name: self.folder / name for name in order}

    def discard(self) -> None:
        """Remove the temporaries not published."""
        for tmp in self._temps.values():
            with contextlib.suppress(OSError):
                tmp.unlink()
        self._temps.clear()


def _write_journal(folder: Path, name: str, renames: list[tuple[str, str]]) -> Path:
    part = make_temp(folder, name, JOURNAL_SUFFIX + ".part")
    part.write_text(json.dumps({"name": name, "renames": renames}), encoding="utf-8")
    _fsync(part)
    journal = part.with_name(part.name[: -len(".tmp.publish.part")] + JOURNAL_SUFFIX)
    os.replace(part, journal)
    return journal


def _apply(folder: Path, renames: list[tuple[str, str]]) -> None:
    for tmp, final in renames:
        with contextlib.suppress(FileNotFoundError):  # done before a crash
            os.replace(folder / tmp, folder / final)


def recover(folder: Path) -> list[str]:
    """Finish the publishing that dead runs left half done in ``folder`` (their journals);
    returns the output names completed."""
    done = []
    try:
        journals = [p for p in Path(folder).iterdir() if p.name.endswith(JOURNAL_SUFFIX)]
    except OSError:
        return done
    for journal in journals:
        if lifecycle.owner_alive(journal.name) is not False:
            continue  # its owner is still publishing (or is on another host)
        try:
            record = json.loads(journal.read_text(encoding="utf-8"))
            name, renames = record["name"], [tuple(pair) for pair in record["renames"]]
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if any("/" in part or part.startswith("..") for pair in renames for part in pair):
            continue  # not a journal this program wrote
        with name_lock(Path(folder), name):
            _apply(Path(folder), renames)
            with contextlib.suppress(FileNotFoundError):
                journal.unlink()
        done.append(name)
    return done


def clean_output_folder(folder: Path) -> None:
    """Before a run: finish what dead runs left half published, remove their temporaries,
    and remove lock files nobody holds."""
    folder = Path(folder)
    recover(folder)
    lifecycle.sweep(folder, keep=(JOURNAL_SUFFIX, LOCK_SUFFIX), output=True)
    try:
        locks = [
            p for p in folder.iterdir() if p.name.startswith(".") and p.name.endswith(LOCK_SUFFIX)
        ]
    except OSError:
        return
    for lock in locks:
        name = lock.name[1 : -len(LOCK_SUFFIX)]
        with contextlib.suppress(OSError), name_lock(folder, name, blocking=False):
            pass  # acquired: nobody holds it; releasing removes the file


def check_plain_name(name: str) -> str:
    """An output name must be a plain file name: ``release`` yes, ``../x`` or ``a/b`` no."""
    bad = (
        not name
        or name in (".", "..")
        or "/" in name
        or "\\" in name
        or not name.isprintable()  # line breaks, escapes: a name a listing cannot show
        or name.startswith(".")
        or len(name.encode("utf-8", "surrogateescape"))
        > 180  # room for ".chapters.json" and a temp tag
    )
    if bad:
        raise OutputError(
            f"--name {name!r}: give a plain file name (no '/', no control characters, "
            "not starting with '.', at most 180 bytes)"
        )
    return name
