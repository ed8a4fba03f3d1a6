"""A record spool: records written to a temporary file as they are made, read back in order.

For per-programme data that a long programme would otherwise hold in memory for the whole
run (a 33-hour programme's cues with their timed words are some 60 MB of Python objects):
the stage that makes the records appends them; the stages after it iterate over them, in
the order they were appended, as often as they need. Records are pickled in batches of
``batch``; memory holds one batch being written and one per reader.

>>> spool = RecordSpool(work_dir)
>>> spool.extend([Cue(0.0, 1.5, "Салам.", "салам.", 0), Cue(2.0, 3.0, "Кош.", "кош.", 0)])
>>> len(spool), [cue.written for cue in spool]
(2, ['Салам.', 'Кош.'])

The file has no name in ``directory`` (:func:`tempfile.TemporaryFile`): nothing is left
behind when the spool is closed or the process ends, however it ends (an error, a stop
signal, SIGKILL).
"""

from __future__ import annotations

import io
import os
import pickle
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Generic, TypeVar

T = TypeVar("T")


class RecordSpool(Generic[T]):
    """Append records (any picklable objects), then iterate over them in order."""

    def __init__(self, directory: Path | None = None, batch: int = 256) -> None:
        if batch < 1:
            raise ValueError(f"record spool: batch must be >= 1, not {batch}")
        self._file = tempfile.TemporaryFile(dir=directory)  # noqa: SIM115 - closed by close()
        self._batch = batch
        self._pending: list[T] = []
        self._count = 0
        self._batches = 0  # pickled batches in the file
        self._size = 0  # bytes in the file

    def append(self, record: T) -> None:
        """Add ``record`` after the ones before it."""
        if self._file.closed:
            raise ValueError("record spool: closed")
        self._pending.append(record)
        self._count += 1
        if len(self._pending) >= self._batch:
            self._flush()

    def extend(self, records: Iterable[T]) -> None:
        """:meth:`append` each of ``records``, in order."""
        for record in records:
            self.append(record)

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[T]:
        """The records appended so far, in order (each iteration reads the file anew;
        iterations may overlap, and records appended meanwhile are not seen)."""
        self._flush()
        reader = io.BufferedReader(_Reader(self._file.fileno(), self._size), 1 << 16)
        return self._records(reader, self._batches)

    @staticmethod
    def _records(reader: io.BufferedReader, batches: int) -> Iterator[T]:
        for _ in range(batches):  # each batch was pickled alone: its own memo
            yield from pickle.load(reader)

    def _flush(self) -> None:
        if self._file.closed:
            raise ValueError("record spool: closed")
        if not self._pending:
            return
        blob = pickle.dumps(self._pending, protocol=pickle.HIGHEST_PROTOCOL)
        self._file.write(blob)
        self._file.flush()
        self._size += len(blob)
        self._batches += 1
        self._pending = []

    def close(self) -> None:
        """Release the file (its space on disk) and any records not yet written."""
        self._pending = []
        self._file.close()

    def __enter__(self) -> RecordSpool[T]:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


class _Reader(io.RawIOBase):
    """The first ``end`` bytes of the file ``fd``, read with ``pread``: a position of its
    own, so readers and the writer never move each other's."""

    def __init__(self, fd: int, end: int) -> None:
        self._fd, self._at, self._end = fd, 0, end

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        size = min(len(buffer), self._end - self._at)
        if size <= 0:
            return 0
        data = os.pread(self._fd, size, self._at)
        buffer[: len(data)] = data
        self._at += len(data)
        return len(data)
