"""The programme folder over HTTP, for ``bulletin serve`` (no web framework here: paths).

A programme is named by its folder: ``[feed] dir = "public"`` in the server's bulletin.toml
is the programme ``public``. ``GET /feeds/public.xml`` is its ``feed.xml``, and
``GET /feeds/public/<path>`` any other published file of the folder (the artwork, the
episodes' audio, captions, transcripts, chapters). For the feed's enclosures to point at
the server, set ``base_url = "https://audio.example.kg/feeds/public/"``; with any other
``base_url`` a static web server publishes the folder and the server only adds the feed.

>>> serve_feed(ServeSettings(config=Path("bulletin.toml")), "public")
PosixPath('/srv/radio/public/feed.xml')
>>> programme_file(ServeSettings(config=Path("bulletin.toml")), "public", "../bulletin.toml")
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bulletin.config import read_service_table
from bulletin.feed.config import FEED_NAME, KEYS, FeedSettings, load_feed

MEDIA_TYPES = {
    ".xml": "application/rss+xml; charset=utf-8",
    ".mp3": "audio/mpeg",
    ".ogg": "audio/ogg",
    ".flac": "audio/flac",
    ".wav": "audio/wav",
    ".vtt": "text/vtt; charset=utf-8",
    ".srt": "application/x-subrip; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".json": "application/json",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
}


def programme_feed(settings: Any, programme: str) -> FeedSettings | None:
    """The ``[feed]`` of the server's bulletin.toml (``settings.config``) if its folder is
    named ``programme``; None when there is no ``[feed]`` or it is another programme. A
    broken ``[feed]`` raises :class:`bulletin.errors.ConfigError` naming the setting."""
    config = getattr(settings, "config", None)
    if config is None or not read_service_table(config, "feed", KEYS):
        return None
    feed = load_feed(config)
    return feed if feed.dir.name == programme else None


def programme_file(settings: Any, programme: str, name: str) -> Path | None:
    """The published file ``name`` (``episodes/x.mp3``) of ``programme``'s folder, or None:
    unknown programme, no such file, or not a published one (a hidden name such as the
    folder's lock or a temporary being written, or a path leading out of the folder)."""
    feed = programme_feed(settings, programme)
    if feed is None:
        return None
    parts = Path(name).parts
    if not parts or any(part.startswith(".") or part in ("/", "..") for part in parts):
        return None
    folder = feed.dir.resolve()
    path = (folder / name).resolve()
    if not path.is_relative_to(folder) or not path.is_file():
        return None
    return path


def serve_feed(settings: Any, programme: str) -> Path | None:
    """``programme``'s ``feed.xml`` (the web app's hook for ``/feeds/{programme}.xml``), or
    None for an unknown programme or one that has published nothing yet."""
    return programme_file(settings, programme, FEED_NAME)


def media_type(path: Path) -> str:
    """``episodes/x.vtt`` -> ``text/vtt; charset=utf-8`` (else application/octet-stream)."""
    return MEDIA_TYPES.get(path.suffix.lower(), "application/octet-stream")
