"""share_work: this process and a pool's worker processes share a list of items."""

from __future__ import annotations

import os
import time
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pytest

from bulletin.workers import process_pool, share_work


def square_and_mark(value: int, folder: str) -> int:
    """A worker's item: leaves a mark in ``folder`` (so the test sees it finish while this
    process is busy) and returns ``value`` squared."""
    (Path(folder) / f"{value}.done").touch()
    return value * value


def die(value: int) -> int:
    os._exit(1)  # a worker killed mid-item: the pool is broken


def fail_on_three(value: int) -> int:
    if value == 3:
        raise ValueError("item 3 is bad")
    time.sleep(0.05)
    return value


@pytest.mark.parametrize("jobs", [1, 2, 3])
def test_every_item_is_done_once(jobs: int, tmp_path: Path) -> None:
    items = list(range(12))
    results: dict[int, int] = {}

    def done(index: int, result: int) -> None:
        assert index not in results
        results[index] = result

    with process_pool(jobs) as pool:
        share_work(
            items, lambda v: v * v, lambda v: (square_and_mark, (v, str(tmp_path))), pool, done
        )
    assert results == {i: i * i for i in items}


def test_the_workers_go_on_while_this_process_is_busy(tmp_path: Path) -> None:
    """While this process works on its first item (the last one), the pool's worker
    finishes several from the front: each is handed its next item as soon as it is done,
    not when this process looks up from its own work."""
    items = list(range(8))
    seen_while_busy: list[int] = []

    def here(value: int) -> int:
        if not seen_while_busy:
            deadline = time.monotonic() + 30
            while len(list(tmp_path.glob("*.done"))) < 4 and time.monotonic() < deadline:
                time.sleep(0.02)
            seen_while_busy.append(len(list(tmp_path.glob("*.done"))))
        return value * value

    results: dict[int, int] = {}
    with process_pool(2) as pool:
        share_work(
            items,
            here,
            lambda v: (square_and_mark, (v, str(tmp_path))),
            pool,
            results.__setitem__,
        )
    assert seen_while_busy and seen_while_busy[0] >= 4
    assert results == {i: i * i for i in items}


def test_a_failed_item_is_raised_here_and_no_more_are_taken() -> None:
    started: list[int] = []

    def here(value: int) -> int:
        started.append(value)
        time.sleep(0.5)
        return value

    with process_pool(2) as pool, pytest.raises(ValueError, match="item 3 is bad"):
        share_work(list(range(20)), here, lambda v: (fail_on_three, (v,)), pool, lambda i, r: None)
    assert len(started) < 16  # this process stopped at the failure, not at the end


def test_a_dead_worker_is_raised_here() -> None:
    """A worker that dies breaks the pool: its item's failure, or the next hand-out's,
    reaches this process as an error instead of a wait that never ends."""
    with process_pool(2) as pool, pytest.raises(BrokenProcessPool):
        share_work(list(range(20)), lambda v: time.sleep(0.2), lambda v: (die, (v,)), pool,
                   lambda i, r: None)  # fmt: skip
