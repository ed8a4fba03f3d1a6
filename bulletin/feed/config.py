"""``[feed]`` in bulletin.toml -> :class:`FeedSettings` (the programme folder and its feed).

    [feed]
    dir = "public"                          # the programme folder a web server publishes
    base_url = "https://radio.example.kg/podcast/"   # where that folder is reachable
    title = "Кечки жаңылыктар"
    description = "Биринчи радионун кечки жаңылыктары"
    author = "Биринчи радио"
    owner_name = "Биринчи радио"
    owner_email = "podcast@radio.example.kg"
    image = "cover.jpg"                     # square JPEG/PNG, 1400-3000 px, RGB
    category = "News"                       # or "News/Daily News"
    language = "ky"
    max_items = 50
    retention_days = 30

>>> load_feed(Path("bulletin.toml")).feed_url
'https://radio.example.kg/podcast/feed.xml'
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bulletin.config import check_flag, check_int_in, check_text, read_service_table
from bulletin.errors import ConfigError
from bulletin.schedule.config import ScheduleSettings, load_schedule, update_frequency

FEED_NAME = "feed.xml"
DEFAULT_NOTE = (
    "Бул программанын үнү синтезделген кеп (text-to-speech): the audio is synthesised speech, "
    "read by a computer voice from the station's written news."
)


@dataclass(frozen=True)
class FeedSettings:
    dir: Path
    base_url: str  # ends with "/"
    title: str
    description: str
    image: Path
    author: str | None = None
    owner_name: str | None = None
    owner_email: str | None = None
    category: str = "News"
    language: str = "ky"
    max_items: int = 100
    retention_days: int = 30
    explicit: bool = False
    locked: bool = True
    link: str | None = None  # the station's web page; default: base_url
    copyright: str | None = None
    note: str = DEFAULT_NOTE  # podcast:txt: the audio is synthesised speech
    timezone: str = "UTC"  # from [schedule]; pubDate is written in it
    frequency: tuple[str, str | None] | None = None  # podcast:updateFrequency (text, rrule)

    @property
    def feed_url(self) -> str:
        return self.base_url + FEED_NAME

    def url(self, name: str) -> str:
        """The public URL of a file in the programme folder."""
        from urllib.parse import quote

        return self.base_url + quote(name)


def _text(value: Any) -> str:
    return check_text(value).strip()


def _url(value: Any) -> str:
    value = _text(value)
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("must be an http:// or https:// URL")
    return value if value.endswith("/") else value + "/"


def _email(value: Any) -> str:
    value = _text(value)
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
        raise ValueError("must be an e-mail address")
    return value


def _language(value: Any) -> str:
    value = _text(value)
    if not re.fullmatch(r"[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*", value):
        raise ValueError("must be a language code such as 'ky' or 'ky-KG'")
    return value


_count = check_int_in(1, 100_000)

KEYS: dict[str, Callable[[Any], Any]] = {
    "dir": _text,
    "base_url": _url,
    "title": _text,
    "description": _text,
    "image": _text,
    "author": _text,
    "owner_name": _text,
    "owner_email": _email,
    "category": _text,
    "language": _language,
    "max_items": _count,
    "retention_days": _count,
    "explicit": check_flag,
    "locked": check_flag,
    "link": _url,
    "copyright": _text,
    "note": _text,
}
REQUIRED = ("dir", "base_url", "title", "description", "image")


def load_feed(config: Path | None) -> FeedSettings:
    """The ``[feed]`` table of ``config`` (with time zone and frequency from ``[schedule]``)."""
    values = read_service_table(config, "feed", KEYS)
    where = config or "bulletin.toml"
    missing = [key for key in REQUIRED if key not in values]
    if missing:
        raise ConfigError(f"{where}: [feed] needs {', '.join('feed.' + k for k in missing)}")
    for key in ("dir", "image"):
        path = Path(os.path.expanduser(values[key]))
        values[key] = path if path.is_absolute() else Path(config).parent / path
    schedule: ScheduleSettings | None = load_schedule(config)
    if schedule is not None:
        values["timezone"] = schedule.timezone
        values["frequency"] = update_frequency(schedule)
    return FeedSettings(**values)
