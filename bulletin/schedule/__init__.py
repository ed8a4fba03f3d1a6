"""Bulletins made on a schedule from an inbox of releases, published to the feed.

>>> load_schedule(Path("bulletin.toml")).at
('08:00', '12:00', '18:00')
>>> run_once("bulletin.toml", "2026-11-30T18:00:00+06:00")["published"]
['Кечки жаңылыктар, 30-ноябрь, 18:00']
"""

from bulletin.schedule.clock import Clock, FakeClock, SystemClock
from bulletin.schedule.config import ScheduleSettings, load_schedule, next_run, update_frequency
from bulletin.schedule.run import RunReport, bulletin_title, run_once
from bulletin.schedule.watch import watch

__all__ = [
    "Clock",
    "FakeClock",
    "RunReport",
    "ScheduleSettings",
    "SystemClock",
    "bulletin_title",
    "load_schedule",
    "next_run",
    "run_once",
    "update_frequency",
    "watch",
]
