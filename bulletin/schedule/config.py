"""``[schedule]`` in bulletin.toml -> :class:`ScheduleSettings`; when the next run is due.

    [schedule]
    at = ["08:00", "12:00", "18:00"]   # clock times, or
    cron = ["0 */2 * * *"]             # cron expressions (minute hour day month weekday)
    timezone = "Asia/Bishkek"
    inbox = "inbox"
    mode = "bulletin"                  # or "each": every release its own episode
    settle_s = 10                      # "each": a release is taken once unchanged this long
    poll_s = 5                         # "each": how often the inbox is looked at

>>> next_run(ScheduleSettings(at=("08:00", "18:00"), timezone="Asia/Bishkek"),
...          datetime(2026, 11, 30, 9, 0, tzinfo=ZoneInfo("Asia/Bishkek")))
datetime.datetime(2026, 11, 30, 18, 0, tzinfo=zoneinfo.ZoneInfo(key='Asia/Bishkek'))
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bulletin.config import check_text, read_service_table
from bulletin.errors import ConfigError

Mode = Literal["bulletin", "each"]
_CLOCK = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")


@dataclass(frozen=True)
class ScheduleSettings:
    at: tuple[str, ...] = ()
    cron: tuple[str, ...] = ()
    timezone: str = "UTC"
    inbox: Path | None = None
    mode: Mode = "bulletin"
    settle_s: float = 10.0
    poll_s: float = 5.0

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def _times(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise ValueError('must be a list of clock times such as ["08:00", "18:00"]')
    times = []
    for item in value:
        match = _CLOCK.fullmatch(item) if isinstance(item, str) else None
        if not match:
            raise ValueError(f"must hold clock times HH:MM ({item!r} is not one)")
        times.append(f"{int(match[1]):02d}:{match[2]}")
    return tuple(sorted(set(times)))


def _crons(value: Any) -> tuple[str, ...]:
    from croniter import croniter

    if not isinstance(value, list) or not value:
        raise ValueError('must be a list of cron expressions such as ["0 */2 * * *"]')
    for item in value:
        if not isinstance(item, str) or len(item.split()) != 5 or not croniter.is_valid(item):
            raise ValueError(f"must hold 5-field cron expressions ({item!r} is not one)")
    return tuple(value)


def _zone(value: Any) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ValueError("must be an IANA time zone such as 'Asia/Bishkek'") from None
    return value


def _mode(value: Any) -> str:
    if value not in ("bulletin", "each"):
        raise ValueError("must be 'bulletin' or 'each'")
    return value


def _seconds(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 86400:
        raise ValueError("must be a number of seconds from 0 to 86400")
    return float(value)


KEYS: dict[str, Callable[[Any], Any]] = {
    "at": _times,
    "cron": _crons,
    "timezone": _zone,
    "inbox": check_text,
    "mode": _mode,
    "settle_s": _seconds,
    "poll_s": _seconds,
}


def load_schedule(config: Path | None) -> ScheduleSettings | None:
    """The ``[schedule]`` table of ``config``, or None when it has none."""
    values = read_service_table(config, "schedule", KEYS)
    if not values:
        return None
    if "inbox" in values:
        inbox = Path(os.path.expanduser(values["inbox"]))
        values["inbox"] = inbox if inbox.is_absolute() else config.parent / inbox
    settings = ScheduleSettings(**values)
    if settings.mode == "bulletin" and not (settings.at or settings.cron):
        raise ConfigError(f"{config}: schedule.at or schedule.cron is needed in mode 'bulletin'")
    if settings.at and settings.cron:
        raise ConfigError(f"{config}: give schedule.at or schedule.cron, not both")
    return settings


def next_run(schedule: ScheduleSettings, after: datetime) -> datetime | None:
    """The first scheduled time strictly after ``after``, in the station's time zone."""
    from croniter import croniter

    zone = schedule.zone
    local = after.astimezone(zone)
    candidates = []
    for clock in schedule.at:
        hour, minute = map(int, clock.split(":"))
        for days in range(3):  # a clock time skipped by a DST change comes the day after
            day = local.date() + timedelta(days=days)
            when = datetime.combine(day, time(hour, minute), tzinfo=zone)
            # a time that does not exist that day (DST gap) reads back different: skip it
            back = when.astimezone(ZoneInfo("UTC")).astimezone(zone)
            if back.replace(tzinfo=None) == when.replace(tzinfo=None) and when > local:
                candidates.append(when)
                break
    for expression in schedule.cron:
        candidates.append(croniter(expression, local).get_next(datetime).astimezone(zone))
    return min(candidates) if candidates else None


def update_frequency(schedule: ScheduleSettings | None) -> tuple[str, str | None] | None:
    """``podcast:updateFrequency`` as (text, RFC 5545 rrule or None) for this schedule.

    >>> update_frequency(ScheduleSettings(at=("08:00", "18:00")))
    ('Daily at 08:00, 18:00', 'FREQ=DAILY;BYHOUR=8,18;BYMINUTE=0')
    """
    if schedule is None:
        return None
    if schedule.mode == "each":
        return ("As releases arrive", None)
    if schedule.at:
        hours = sorted({int(t[:2]) for t in schedule.at})
        minutes = sorted({int(t[3:]) for t in schedule.at})
        exact = len(schedule.at) == len(hours) * len(minutes)
        rule = (
            f"FREQ=DAILY;BYHOUR={','.join(map(str, hours))};BYMINUTE={','.join(map(str, minutes))}"
            if exact
            else "FREQ=DAILY"
        )
        return (f"Daily at {', '.join(schedule.at)}", rule)
    rules = {_cron_rule(expression) for expression in schedule.cron}
    rule = rules.pop() if len(rules) == 1 else None
    return (f"Cron {'; '.join(schedule.cron)} ({schedule.timezone})", rule)


_WEEKDAYS = ("SU", "MO", "TU", "WE", "TH", "FR", "SA")


def _cron_rule(expression: str) -> str | None:
    """A cron expression as an RRULE, or None when RRULE cannot say it (day OR weekday)."""
    from croniter import croniter

    minutes, hours, days, months, weekdays = croniter(expression).expanded[:5]
    if days != ["*"] and weekdays != ["*"]:
        return None
    parts = ["FREQ=DAILY"]
    if months != ["*"]:
        parts.append("BYMONTH=" + ",".join(map(str, months)))
    if days != ["*"]:
        parts.append("BYMONTHDAY=" + ",".join(map(str, days)))
    if weekdays != ["*"]:
        parts.append("BYDAY=" + ",".join(_WEEKDAYS[int(d) % 7] for d in weekdays))
    parts.append("BYHOUR=" + ",".join(map(str, range(24) if hours == ["*"] else hours)))
    parts.append("BYMINUTE=" + ",".join(map(str, range(60) if minutes == ["*"] else minutes)))
    return ";".join(parts)
