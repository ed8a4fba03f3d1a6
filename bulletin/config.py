"""Station settings: ``bulletin.toml`` plus command-line overrides -> :class:`Settings`.

``bulletin.toml`` is looked for in the working directory (or given with ``--config``);
relative paths in it are relative to the file. Every key is optional::

    station = "Биринчи радио"          # also the default artist
    programme = "Кечки жаңылыктар"     # also the default album
    voice = "ky-espeak"
    lexicon = "lexicon.tsv"
    [output]
    loudness = "podcast"              # podcast (-16 LUFS), broadcast (-23, EBU R128) or a number
    format = "mp3"                    # mp3, wav, flac, ogg
    [pauses]
    sentence_ms = 450
    [jingles]
    intro = "jingles/intro.wav"
    [bed]
    file = "music/bed.mp3"

A wrong setting is a :class:`ConfigError` naming the key:
``bulletin.toml: output.loudness must be 'podcast', 'broadcast' or a number in LUFS (got 'loud')``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bulletin.errors import ConfigError
from bulletin.script import Bed, Jingles, Pauses

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

CONFIG_NAME = "bulletin.toml"
LOUDNESS_PRESETS = {"podcast": -16.0, "broadcast": -23.0}
FORMATS = ("mp3", "wav", "flac", "ogg")
DEFAULT_RATES = {"mp3": 44100, "ogg": 44100, "flac": 44100, "wav": 48000}


@dataclass(frozen=True)
class Settings:
    """Everything one ``bulletin make`` run needs to know besides its input files."""

    station: str | None = None
    programme: str | None = None
    title: str | None = None
    artist: str | None = None
    album: str | None = None
    genre: str = "News"
    comment: str | None = None
    cover: Path | None = None
    voice: str | None = None  # None: the default rule (synth.DEFAULT_RULE)
    lexicon: Path | None = None
    format: str = "mp3"
    loudness: float = LOUDNESS_PRESETS["podcast"]
    true_peak: float = -1.0
    bitrate: int = 128
    sample_rate: int | None = None  # None: 44.1 kHz, or 48 kHz for WAV playout files
    channels: int = 1
    out_dir: Path = Path("out")
    pauses: Pauses = field(default_factory=Pauses)
    jingles: Jingles = field(default_factory=Jingles)
    bed: Bed | None = None
    source: str = "defaults"  # where the settings came from, for the manifest

    @property
    def output_rate(self) -> int:
        return self.sample_rate or DEFAULT_RATES[self.format]

    @property
    def effective_artist(self) -> str | None:
        return self.artist or self.station

    @property
    def effective_album(self) -> str | None:
        return self.album or self.programme


# Value checks for the settings tables (this module's and the services'): each returns the
# value or raises ValueError saying what it must be; the caller names the setting.


def check_text(value: Any) -> str:
    """A non-empty string, as written: ``check_text(" ")`` raises "must be a non-empty string"."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError("must be a non-empty string")
    return value


def check_flag(value: Any) -> bool:
    """``true`` or ``false`` (not 0/1 or "no")."""
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


def _path(value: Any) -> str:
    return check_text(os.fspath(value) if isinstance(value, os.PathLike) else value)


def check_int_in(low: int, high: int) -> Callable[[Any], int]:
    """A whole number from ``low`` to ``high`` (not a bool): ``check_int_in(1, 64)(0)`` raises."""

    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValueError(f"must be a whole number from {low} to {high}")
        return value

    return check


def _number_in(low: float, high: float) -> Callable[[Any], float]:
    def check(value: Any) -> float:
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not low <= value <= high
        ):
            raise ValueError(f"must be a number from {low:g} to {high:g}")
        return float(value)

    return check


def _loudness(value: Any) -> float:
    if isinstance(value, str) and value.strip().lower() in LOUDNESS_PRESETS:
        return LOUDNESS_PRESETS[value.strip().lower()]
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            value = float(value)
    if isinstance(value, int | float) and not isinstance(value, bool) and -40 <= value <= -5:
        return float(value)
    raise ValueError("must be 'podcast', 'broadcast' or a number in LUFS from -40 to -5")


def _format(value: Any) -> str:
    if value not in FORMATS:
        raise ValueError(f"must be one of {', '.join(FORMATS)}")
    return value


def _bitrate(value: Any) -> int:
    allowed = (32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)
    if value not in allowed or isinstance(value, bool):
        raise ValueError(f"must be an MP3 bitrate in kbps ({', '.join(map(str, allowed))})")
    return value


def _sample_rate(value: Any) -> int:
    if value not in (16000, 22050, 24000, 32000, 44100, 48000) or isinstance(value, bool):
        raise ValueError("must be 16000, 22050, 24000, 32000, 44100 or 48000")
    return value


_MS = check_int_in(0, 60_000)
# dotted key in bulletin.toml -> (check, attribute path on Settings)
KEYS: dict[str, tuple[Callable[[Any], Any], str]] = {
    "station": (check_text, "station"),
    "programme": (check_text, "programme"),
    "title": (check_text, "title"),
    "artist": (check_text, "artist"),
    "album": (check_text, "album"),
    "genre": (check_text, "genre"),
    "comment": (check_text, "comment"),
    "cover": (_path, "cover"),
    "voice": (check_text, "voice"),
    "lexicon": (_path, "lexicon"),
    "output.format": (_format, "format"),
    "output.loudness": (_loudness, "loudness"),
    "output.true_peak": (_number_in(-9.0, 0.0), "true_peak"),
    "output.bitrate": (_bitrate, "bitrate"),
    "output.sample_rate": (_sample_rate, "sample_rate"),
    "output.channels": (check_int_in(1, 2), "channels"),
    "output.dir": (_path, "out_dir"),
    **{f"pauses.{f.name}": (_MS, f"pauses.{f.name}") for f in dataclasses.fields(Pauses)},
    "jingles.intro": (_path, "jingles.intro"),
    "jingles.outro": (_path, "jingles.outro"),
    "jingles.sting": (_path, "jingles.sting"),
    "bed.file": (_path, "bed.path"),
    "bed.level_db": (_number_in(-60.0, 0.0), "bed.level_db"),
    "bed.duck_db": (_number_in(-60.0, 0.0), "bed.duck_db"),
}
_PATH_KEYS = {
    "cover",
    "lexicon",
    "output.dir",
    "jingles.intro",
    "jingles.outro",
    "jingles.sting",
    "bed.file",
}


def find_config(explicit: Path | None, cwd: Path | None = None) -> Path | None:
    """``--config FILE`` if given (it must exist), else ``./bulletin.toml`` if present."""
    if explicit is not None:
        if not Path(explicit).is_file():
            raise ConfigError(f"{explicit}: no such settings file")
        return Path(explicit)
    candidate = (cwd or Path.cwd()) / CONFIG_NAME
    return candidate if candidate.is_file() else None


def load_settings(config: Path | None, overrides: Mapping[str, Any] | None = None) -> Settings:
    """Settings from the file (if any), then ``overrides`` (dotted keys, e.g. from the CLI).

    >>> load_settings(None, {"output.loudness": "broadcast"}).loudness
    -23.0
    """
    values: dict[str, Any] = {}
    source = "defaults"
    if config is not None:
        values.update(_read_toml(config))
        source = str(config)
    flat = {key: (value, config) for key, value in values.items()}
    for key, value in (overrides or {}).items():
        if value is not None:
            flat[key] = (value, None)
    return _build(flat, source)


def _load_toml(path: Path) -> dict[str, Any]:
    """``bulletin.toml`` -> dict; ConfigError names the file (and line) when it is not
    readable, not UTF-8 or not TOML."""
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise ConfigError(f"{path}: cannot read ({error.strerror})") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ConfigError(f"{path}:{line}: not UTF-8 text (save the file as UTF-8)") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML ({error})") from None


def _read_toml(path: Path) -> dict[str, Any]:
    data = _load_toml(path)
    flat: dict[str, Any] = {}

    def walk(table: Mapping[str, Any], prefix: str) -> None:
        for key, value in table.items():
            dotted = f"{prefix}{key}"
            if isinstance(value, dict):
                walk(value, dotted + ".")
            elif dotted not in KEYS:
                raise ConfigError(f"{path}: unknown setting '{dotted}'")
            else:
                flat[dotted] = value

    walk({key: value for key, value in data.items() if key not in SERVICE_TABLES}, "")
    return flat


# Tables that belong to the services around ``make`` (feed, schedule, web service, queue,
# shared store). Each package reads and checks its own with :func:`read_service_table`;
# ``make``'s Settings never sees them.
SERVICE_TABLES = frozenset({"feed", "schedule", "serve", "queue", "store"})


def read_service_table(
    config: Path | None, table: str, keys: Mapping[str, Callable[[Any], Any]]
) -> dict[str, Any]:
    """One service table of bulletin.toml, each value checked by ``keys[name]``.

    Relative paths stay as written; resolve them against ``config.parent``. A missing file
    or table gives ``{}``; an unknown key or a bad value is a :class:`ConfigError` naming it.

    >>> read_service_table(Path("bulletin.toml"), "feed", {"title": check_text})
    {'title': 'Кечки жаңылыктар'}
    """
    if table not in SERVICE_TABLES:
        raise ValueError(f"not a service table: {table}")
    if config is None:
        return {}
    data = _load_toml(config).get(table, {})
    if not isinstance(data, dict):
        raise ConfigError(f"{config}: [{table}] must be a table")
    checked: dict[str, Any] = {}
    for key, raw in data.items():
        if key not in keys:
            raise ConfigError(f"{config}: unknown setting '{table}.{key}'")
        try:
            checked[key] = keys[key](raw)
        except ValueError as error:
            raise ConfigError(f"{config}: {table}.{key} {error} (got {raw!r})") from None
    return checked


def _build(flat: Mapping[str, tuple[Any, Path | None]], source: str) -> Settings:
    top: dict[str, Any] = {}
    groups: dict[str, dict[str, Any]] = {"pauses": {}, "jingles": {}, "bed": {}}
    for key, (raw, origin) in flat.items():
        check, attribute = KEYS[key]
        where = f"{origin}: " if origin else ""
        try:
            value = check(raw)
        except ValueError as error:
            raise ConfigError(f"{where}{key} {error} (got {raw!r})") from None
        if key in _PATH_KEYS:
            value = Path(os.path.expanduser(value))
            if origin is not None and not value.is_absolute():
                value = origin.parent / value
        group, _, name = attribute.partition(".")
        if name:
            groups[group][name] = value
        else:
            top[group] = value
    bed = groups["bed"]
    if bed and "path" not in bed:
        raise ConfigError(f"{source}: bed.file is needed for a music bed")
    return Settings(
        **top,
        pauses=Pauses(**groups["pauses"]),
        jingles=Jingles(**groups["jingles"]),
        bed=Bed(**bed) if bed else None,
        source=source,
    )
