"""Per-chunk analysis kept on disk: one float32 number per ``chunk`` samples of the
programme (true peaks, K-weighted energies), written by the parts at their own offsets
and read back a stretch at a time, so no process holds the whole array (at 44.1 kHz and
32-sample chunks it is 5 MB an hour; a 33-hour programme's would be 650 MB each).

>>> peaks = ChunkFile.create(work / "peaks.f32", 4)
>>> with peaks.writer(2) as sink:
...     sink.write(np.array([0.5, 0.25], dtype=np.float32))
>>> peaks[1:4], peaks.shape
(array([0.  , 0.5 , 0.25], dtype=float32), (4,))
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

import numpy as np

DTYPE = np.dtype(np.float32)
SEGMENT = 1 << 18  # numbers read at a time by the whole-array reductions (1 MB)


class ChunkFile:
    """A float32 array of ``count`` numbers in a file: ``a[lo:hi]``, ``a.shape``,
    ``a.max()`` read what they need and nothing more. Picklable (a path and a length),
    so worker processes read it too."""

    def __init__(self, path: Path, count: int) -> None:
        self.path = Path(path)
        self.count = count

    @classmethod
    def create(cls, path: Path, count: int) -> ChunkFile:
        """A new file of ``count`` zeros (sparse: blocks are allocated as they are written)."""
        with open(path, "wb") as file:
            file.truncate(count * DTYPE.itemsize)
        return cls(path, count)

    @property
    def shape(self) -> tuple[int]:
        return (self.count,)

    @property
    def nbytes(self) -> int:
        return self.count * DTYPE.itemsize

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, index: slice) -> np.ndarray:
        if not isinstance(index, slice) or index.step not in (None, 1):
            raise TypeError("a ChunkFile is read in slices: a[lo:hi]")
        lo, hi, _ = index.indices(self.count)
        if hi <= lo:
            return np.zeros(0, dtype=DTYPE)
        with open(self.path, "rb") as file:
            file.seek(lo * DTYPE.itemsize)
            values = np.fromfile(file, dtype=DTYPE, count=hi - lo)
        if values.shape[0] != hi - lo:
            raise OSError(f"{self.path.name}: shorter than {self.count} numbers")
        return values

    def max(self, initial: float = 0.0) -> float:
        """The largest number (``initial`` when larger or the file is empty)."""
        top = initial
        for lo in range(0, self.count, SEGMENT):
            top = max(top, float(self[lo : lo + SEGMENT].max()))
        return top

    @contextmanager
    def writer(self, first: int) -> Iterator[_Sink]:
        """Writes numbers in order from index ``first`` (each part of a programme writes
        its own stretch; parts in other processes write theirs at the same time)."""
        with open(self.path, "r+b") as file:
            file.seek(first * DTYPE.itemsize)
            sink = _Sink(file, first, self.count)
            yield sink


class _Sink:
    def __init__(self, file: BinaryIO, first: int, count: int) -> None:
        self._file = file
        self.position = first
        self._count = count

    def write(self, values: np.ndarray) -> None:
        values = np.ascontiguousarray(values, dtype=DTYPE)
        if self.position + values.shape[0] > self._count:
            raise ValueError(f"chunk file: writing past its {self._count} numbers")
        self._file.write(values.tobytes())
        self.position += values.shape[0]
