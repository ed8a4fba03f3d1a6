"""Clocks for the watch loop: the real one, and a fake one for tests (no sleeping).

>>> clock = FakeClock(datetime(2026, 11, 30, 7, 59, tzinfo=timezone.utc))
>>> clock.sleep(120, threading.Event()); clock.now()
False
datetime.datetime(2026, 11, 30, 8, 1, tzinfo=datetime.timezone.utc)
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, aware of its time zone."""
        ...

    def sleep(self, seconds: float, stop: threading.Event) -> bool:
        """Wait ``seconds`` or until ``stop`` is set; True when stopped."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(timezone.utc)

    def sleep(self, seconds: float, stop: threading.Event) -> bool:
        return stop.wait(max(0.0, seconds))


class FakeClock:
    """Time moves only when the loop sleeps; ``on_sleep`` lets a test act at a given time."""

    def __init__(self, start: datetime, on_sleep=None) -> None:
        self.current = start
        self.on_sleep = on_sleep
        self.slept: list[float] = []

    def now(self) -> datetime:
        return self.current

    def sleep(self, seconds: float, stop: threading.Event) -> bool:
        self.slept.append(seconds)
        self.current += timedelta(seconds=max(0.0, seconds))
        if self.on_sleep:
            self.on_sleep(self, stop)
        return stop.is_set()
