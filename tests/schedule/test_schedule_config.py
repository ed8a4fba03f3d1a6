"""``[schedule]``: clock times and cron in the station's time zone, and the feed's frequency."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from schedule_fixtures import BULLETIN_MODE, write_config

from bulletin.errors import ConfigError
from bulletin.schedule import (
    ScheduleSettings,
    bulletin_title,
    load_schedule,
    next_run,
    update_frequency,
)

BISHKEK = ZoneInfo("Asia/Bishkek")


def at(*args) -> datetime:
    return datetime(*args, tzinfo=BISHKEK)


def test_schedule_from_bulletin_toml(tmp_path: Path) -> None:
    schedule = load_schedule(write_config(tmp_path, schedule=BULLETIN_MODE))
    assert schedule.at == ("08:00", "18:00")
    assert schedule.timezone == "Asia/Bishkek"
    assert schedule.inbox == tmp_path / "inbox"
    assert schedule.mode == "bulletin"


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('at = ["8:00", "25:00"]\ninbox = "i"\n', "schedule.at must hold clock times HH:MM"),
        ('cron = ["0 */2 * *"]\ninbox = "i"\n', "schedule.cron must hold 5-field cron"),
        ('cron = ["61 * * * *"]\ninbox = "i"\n', "schedule.cron must hold 5-field cron"),
        ('at = ["08:00"]\ntimezone = "Asia/Bishkekk"\n', "schedule.timezone must be an IANA"),
        ('at = ["08:00"]\nmode = "hourly"\n', "schedule.mode must be 'bulletin' or 'each'"),
        ('inbox = "i"\n', "schedule.at or schedule.cron is needed in mode 'bulletin'"),
        ('at = ["08:00"]\ncron = ["0 8 * * *"]\n', "give schedule.at or schedule.cron, not both"),
        ('at = ["08:00"]\nevery = 5\n', "unknown setting 'schedule.every'"),
    ],
)
def test_bad_schedule_names_the_key(tmp_path: Path, table: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_schedule(write_config(tmp_path, schedule=table))


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        (at(2026, 11, 30, 7, 0), at(2026, 11, 30, 8, 0)),
        (at(2026, 11, 30, 8, 0), at(2026, 11, 30, 18, 0)),  # strictly after
        (at(2026, 11, 30, 18, 30), at(2026, 12, 1, 8, 0)),
        (at(2026, 12, 31, 23, 59), at(2027, 1, 1, 8, 0)),
    ],
)
def test_next_clock_time(after: datetime, expected: datetime) -> None:
    schedule = ScheduleSettings(at=("08:00", "18:00"), timezone="Asia/Bishkek")
    assert next_run(schedule, after) == expected
    # the same instant given in UTC gives the same run
    assert next_run(schedule, after.astimezone(ZoneInfo("UTC"))) == expected


def test_next_cron_time_in_the_station_zone() -> None:
    schedule = ScheduleSettings(cron=("0 */2 * * *", "30 7 * * 1-5"), timezone="Asia/Bishkek")
    assert next_run(schedule, at(2026, 11, 30, 7, 0)) == at(2026, 11, 30, 7, 30)  # a Monday
    assert next_run(schedule, at(2026, 12, 5, 7, 0)) == at(2026, 12, 5, 8, 0)  # a Saturday
    utc = datetime(2026, 11, 30, 0, 59, tzinfo=ZoneInfo("UTC"))  # 06:59 in Bishkek
    assert next_run(schedule, utc) == at(2026, 11, 30, 7, 30)


def test_clock_time_in_a_daylight_saving_gap_moves_to_the_next_day() -> None:
    schedule = ScheduleSettings(at=("02:30",), timezone="Europe/Berlin")
    berlin = ZoneInfo("Europe/Berlin")
    after = datetime(2026, 3, 29, 0, 0, tzinfo=berlin)  # 02:30 does not exist that night
    assert next_run(schedule, after) == datetime(2026, 3, 30, 2, 30, tzinfo=berlin)


@pytest.mark.parametrize(
    ("schedule", "expected"),
    [
        (
            ScheduleSettings(at=("08:00", "12:00", "18:00")),
            ("Daily at 08:00, 12:00, 18:00", "FREQ=DAILY;BYHOUR=8,12,18;BYMINUTE=0"),
        ),
        (ScheduleSettings(at=("08:00", "12:30")), ("Daily at 08:00, 12:30", "FREQ=DAILY")),
        (
            ScheduleSettings(cron=("0 */6 * * 1-5",), timezone="Asia/Bishkek"),
            (
                "Cron 0 */6 * * 1-5 (Asia/Bishkek)",
                "FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=0,6,12,18;BYMINUTE=0",
            ),
        ),
        (ScheduleSettings(mode="each"), ("As releases arrive", None)),
    ],
)
def test_update_frequency(schedule: ScheduleSettings, expected) -> None:
    assert update_frequency(schedule) == expected


def test_bulletin_title_has_the_kyrgyz_month() -> None:
    assert bulletin_title("Кечки жаңылыктар", at(2026, 11, 30, 18, 0)) == (
        "Кечки жаңылыктар, 30-ноябрь, 18:00"
    )
    assert bulletin_title("Таңкы кабарлар", at(2027, 1, 5, 8, 5)) == (
        "Таңкы кабарлар, 5-январь, 08:05"
    )
