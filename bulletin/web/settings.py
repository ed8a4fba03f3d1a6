"""``[serve]`` in bulletin.toml, the environment and ``bulletin serve``'s options.

>>> load_serve_settings(Path("bulletin.toml"), no_auth=True).max_body_bytes
1000000
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bulletin.config import check_flag, check_int_in, check_text, read_service_table
from bulletin.errors import ConfigError

TOKEN_ENV = "BULLETIN_TOKEN"
SECRET_ENV = "BULLETIN_CALLBACK_SECRET"


def _origins(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ValueError('must be a list of origins, e.g. ["https://news.example.kg"]')
    return tuple(value)


KEYS = {
    "data_dir": check_text,
    "cache_dir": check_text,
    "token_file": check_text,
    "secret_file": check_text,
    "workers": check_int_in(1, 64),
    "max_body_bytes": check_int_in(1_000, 100_000_000),
    "max_queued": check_int_in(1, 1_000_000),
    "private_reads": check_flag,
    "cors_origins": _origins,
    "public_url": check_text,
}
PATH_KEYS = ("data_dir", "cache_dir", "token_file", "secret_file")


@dataclass(frozen=True)
class ServeSettings:
    data_dir: Path = Path("data")
    cache_dir: Path | None = None  # None: the data folder's own clip cache, data/cache
    token: str | None = None  # None only with --no-auth
    secret: str | None = None  # signs callbacks; defaults to the token
    workers: int = 1
    max_body_bytes: int = 1_000_000
    max_queued: int = 200
    private_reads: bool = False
    cors_origins: tuple[str, ...] = ()
    public_url: str | None = None  # e.g. "https://audio.example.kg"; links in callbacks
    config: Path | None = None  # the bulletin.toml that make's settings come from
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def clip_cache(self) -> Path:
        return self.cache_dir or self.data_dir / "cache"


def _read_secret(path: Path, key: str) -> str:
    try:
        value = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or "not UTF-8 text"
        raise ConfigError(f"{path}: cannot read serve.{key} ({reason})") from None
    if not value:
        raise ConfigError(f"{path}: serve.{key} is empty")
    return value


def load_serve_settings(
    config: Path | None, *, no_auth: bool = False, **overrides: Any
) -> ServeSettings:
    """``[serve]`` from ``config`` (paths relative to it), then the environment, then options.

    The token comes from ``BULLETIN_TOKEN``, else ``[serve] token_file``; without one,
    and without ``no_auth``, this is a :class:`ConfigError` (the server must not start open).
    """
    table = read_service_table(config, "serve", KEYS)
    base = config.parent if config else Path.cwd()
    for key in PATH_KEYS:
        if key in table:
            path = Path(os.path.expanduser(table[key]))
            table[key] = path if path.is_absolute() else base / path
    token = os.environ.get(TOKEN_ENV) or None
    if token is None and "token_file" in table:
        token = _read_secret(table["token_file"], "token_file")
    if token is None and not no_auth:
        where = f"[serve] token_file in {config}" if config else "[serve] token_file"
        raise ConfigError(f"serve: no token; set {TOKEN_ENV} or {where}, or start with --no-auth")
    secret = os.environ.get(SECRET_ENV) or None
    if secret is None and "secret_file" in table:
        secret = _read_secret(table["secret_file"], "secret_file")
    values = {
        key: table[key]
        for key in (
            "data_dir", "cache_dir", "workers", "max_body_bytes", "max_queued",
            "private_reads", "cors_origins", "public_url",
        )
        if key in table
    }  # fmt: skip
    values.update({key: value for key, value in overrides.items() if value is not None})
    return ServeSettings(
        token=None if no_auth else token, secret=secret or token, config=config, **values
    )
