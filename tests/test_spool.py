"""The record spool: records come back whole and in order, as often as asked, and leave
nothing on disk, whether the spool is closed, fails, or its process is killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bulletin.publish import Cue, Word
from bulletin.spool import RecordSpool


def cue(n: int) -> Cue:
    words = (Word(f"сөз{n}", f"сөз {n}", n + 0.1, n + 0.4), Word("бар.", "бар.", n + 0.5, n + 0.9))
    role = "headline" if n % 4 == 0 else "sentence"  # objects met again, in and across batches
    return Cue(float(n), n + 1.0, f"сөз{n} бар.", f"сөз {n} бар.", n % 3, role, words, "engine")


@pytest.mark.parametrize("batch", [1, 3, 256])
def test_records_come_back_equal_and_in_order(tmp_path: Path, batch: int) -> None:
    records = [cue(n) for n in range(10)]
    assert len({record.role for record in records}) == 2
    with RecordSpool(tmp_path, batch=batch) as spool:
        spool.extend(records[:4])
        assert list(spool) == records[:4]  # read while records are still being added
        spool.extend(records[4:])
        assert len(spool) == 10
        assert list(spool) == records
        assert list(spool) == records  # and again
        assert [record.words for record in spool] == [record.words for record in records]


def test_readers_keep_their_own_place(tmp_path: Path) -> None:
    with RecordSpool(tmp_path, batch=2) as spool:
        spool.extend(range(7))
        first, second = iter(spool), iter(spool)
        assert [next(first), next(first), next(first)] == [0, 1, 2]
        assert list(second) == list(range(7))
        spool.append(7)  # not seen by a reader started before
        assert list(first) == [3, 4, 5, 6]
        assert list(spool) == list(range(8))


def test_an_empty_spool_reads_as_nothing(tmp_path: Path) -> None:
    with RecordSpool(tmp_path) as spool:
        assert len(spool) == 0 and list(spool) == []


def test_nothing_is_left_in_the_folder(tmp_path: Path) -> None:
    spool = RecordSpool(tmp_path, batch=2)
    spool.extend(cue(n) for n in range(50))
    assert list(spool)[-1] == cue(49)
    assert os.listdir(tmp_path) == []  # the file has no name, even while open
    spool.close()
    with pytest.raises(ValueError, match="closed"):
        list(spool)
    with pytest.raises(ValueError, match="closed"):
        spool.append(cue(50))
    with pytest.raises(ValueError, match="batch"):
        RecordSpool(tmp_path, batch=0)


def test_an_error_while_filling_leaves_nothing(tmp_path: Path) -> None:
    def records():
        yield cue(0)
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError), RecordSpool(tmp_path, batch=1) as spool:
        spool.extend(records())
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("stop", [signal.SIGKILL, signal.SIGTERM])
def test_a_killed_process_leaves_nothing(tmp_path: Path, stop: int) -> None:
    code = textwrap.dedent(
        f"""
        import sys, time
        from bulletin.spool import RecordSpool
        spool = RecordSpool({str(tmp_path)!r}, batch=4)
        spool.extend(range(1000))
        print(len(list(spool)), flush=True)
        time.sleep(60)
        """
    )
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "1000"
        child.send_signal(stop)
        assert child.wait(timeout=30) == -stop
    finally:
        child.kill()
        child.wait()
    assert os.listdir(tmp_path) == []
