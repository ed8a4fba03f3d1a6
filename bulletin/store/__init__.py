"""Shared stores: where every machine finds the clip cache and the published outputs.

By default both are folders (the clip cache folder, ``out/``, the service's data folder):
on one machine, or shared by machines over NFS or similar, with the folder rules of
:mod:`bulletin.synth.cache` and :mod:`bulletin.outputs` (temporaries renamed into place,
locks). With ``[store] url = "s3://bucket/prefix"`` in bulletin.toml (or
``BULLETIN_STORE_URL``) and the extra ``bulletin[store]`` (s3fs), they are also kept in an
S3-compatible bucket, through fsspec, so that a clip made on one machine is never made
again on another::

    s3://bucket/prefix/clips/<key>              one clip cache entry (:mod:`bulletin.synth.cache`)
    s3://bucket/prefix/sets/<set>/<run>/<file>  the files of one published output set
    s3://bucket/prefix/sets/<set>.json          the set's manifest: its run, each file's SHA-256

An S3 PUT replaces one object whole (a reader sees the old or the new object, never a mix),
but there is no rename and no lock. So a clip object carries its own checksum (two machines
writing one clip write the same bytes, or either whole one; a bad object is a miss and is
written again), and a set's files go under a fresh run first, its manifest last: the
manifest's PUT is the commit (:mod:`bulletin.store.sets`). Audio tools read files, so each
machine keeps a local copy: its clip cache folder, and the folder a set is fetched into.

``[store]`` keys: ``url``; ``endpoint_url`` (an S3-compatible service such as MinIO);
``region``; ``profile``, or ``key`` and ``secret`` (else the usual AWS variables);
``timeout_s`` (connect and read, default 10) and ``retries`` (default 2): a store that
cannot be reached fails in seconds, with one line.

>>> bucket = activate(Path("bulletin.toml"))      # [store] url = "s3://news-audio/bulletin"
>>> bucket.put("clips/3f2a", b"...")
>>> bucket.get("clips/3f2a")
b'...'
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from bulletin.errors import BulletinError

STORE_ENV = "BULLETIN_STORE_URL"
# [store]'s other keys, for the processes this one starts (pool workers, queue workers)
OPTIONS_ENV = "BULLETIN_STORE_OPTIONS"
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")


class StoreError(BulletinError):
    """The shared store cannot be used (the message names it and says why)."""


def check_url(value: Any) -> str:
    """``s3://bucket`` or ``s3://bucket/prefix``, as written (a trailing ``/`` dropped).

    >>> check_url("s3://news-audio/bulletin/")
    's3://news-audio/bulletin'
    """
    if not isinstance(value, str) or not value.startswith("s3://"):
        raise ValueError('must be an S3 URL, e.g. "s3://bucket/prefix"')
    bucket, _, prefix = value[len("s3://") :].rstrip("/").partition("/")
    if not _BUCKET.fullmatch(bucket):
        raise ValueError(
            "must name a bucket (3 to 63 lowercase letters, digits, '.' or '-'), "
            'e.g. "s3://bucket/prefix"'
        )
    if prefix and any(part in ("", ".", "..") for part in prefix.split("/")):
        raise ValueError("must have a plain prefix (no empty, '.' or '..' parts)")
    return value.rstrip("/")


def _http_url(value: Any) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"https?://[^\s/]+(/\S*)?", value):
        raise ValueError('must be an http(s) URL, e.g. "http://minio.local:9000"')
    return value


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("must be a non-empty string")
    return value


def _seconds(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 300:
        raise ValueError("must be a number of seconds from 0 to 300")
    return float(value)


def _retries(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10:
        raise ValueError("must be a whole number from 0 to 10")
    return value


STORE_KEYS = {
    "url": check_url,
    "endpoint_url": _http_url,
    "region": _text,
    "profile": _text,
    "key": _text,
    "secret": _text,
    "timeout_s": _seconds,
    "retries": _retries,
}


def store_config(config: Path | None) -> dict[str, Any]:
    """``[store]`` of bulletin.toml, checked; ``BULLETIN_STORE_URL`` wins for ``url``.

    >>> store_config(Path("bulletin.toml"))
    {'url': 's3://news-audio/bulletin', 'endpoint_url': 'http://10.0.0.7:9000'}
    """
    from bulletin.config import read_service_table
    from bulletin.errors import ConfigError

    table = read_service_table(config, "store", STORE_KEYS)
    env = os.environ.get(STORE_ENV)
    if env:
        try:
            table["url"] = check_url(env)
        except ValueError as error:
            raise ConfigError(f"{STORE_ENV} {error} (got {env!r})") from None
    if ("key" in table) != ("secret" in table):
        raise ConfigError(f"{config}: store.key and store.secret go together")
    return table


def activate(config: Path | None, clips: bool = True) -> Bucket | None:
    """The bucket of ``[store]`` (None: folders only), checked now (a wrong URL, a missing
    bucket, no credentials, an endpoint that does not answer: one :class:`StoreError`
    line), and made this process's and its children's (``BULLETIN_STORE_*``), which is
    what clip caches use; ``clips=False`` (``make --no-cache``): not for clips."""
    table = store_config(config)
    url = table.pop("url", None)
    if url is None:
        os.environ.pop(OPTIONS_ENV, None)
        return None
    os.environ[STORE_ENV] = url
    os.environ[OPTIONS_ENV] = json.dumps(table, sort_keys=True)
    bucket = active()
    assert bucket is not None
    bucket.check()
    if not clips:
        os.environ.pop(STORE_ENV)
        os.environ.pop(OPTIONS_ENV)
    return bucket


_OPEN: dict[tuple[str, str, int], Bucket] = {}


def active() -> Bucket | None:
    """This process's bucket (``BULLETIN_STORE_URL``, ``BULLETIN_STORE_OPTIONS``), or None."""
    url = os.environ.get(STORE_ENV)
    if not url:
        return None
    options = os.environ.get(OPTIONS_ENV) or "{}"
    ident = (url, options, os.getpid())
    bucket = _OPEN.get(ident)
    if bucket is None:
        try:
            url = check_url(url)
            parsed = json.loads(options)
            for key, value in parsed.items():
                STORE_KEYS[key](value)
        except (ValueError, KeyError) as error:
            raise StoreError(f"{STORE_ENV}={url}: {error}") from None
        bucket = _OPEN[ident] = Bucket(url, parsed)
    return bucket


class Bucket:
    """Objects under ``s3://bucket/prefix``, by key (``clips/<key>``), through s3fs.

    ``get`` of a missing object is None; every other failure is one :class:`StoreError`
    line naming the URL."""

    def __init__(self, url: str, options: dict[str, Any] | None = None) -> None:
        self.url = check_url(url)
        self.options = dict(options or {})
        self.bucket, _, self.prefix = self.url[len("s3://") :].partition("/")
        self._fs = None

    def __repr__(self) -> str:
        return f"Bucket({self.url!r})"

    @property
    def fs(self):
        if self._fs is None:
            try:
                import s3fs
            except ImportError as error:
                raise StoreError(
                    f"store {self.url}: needs the extra 'store' ({error.name} is missing): "
                    "pip install 'bulletin[store]'"
                ) from None
            timeout = self.options.get("timeout_s", 10.0)
            attempts = 1 + self.options.get("retries", 2)
            kwargs: dict[str, Any] = {
                "skip_instance_cache": True,
                "use_listings_cache": False,  # other machines write here too
                "config_kwargs": {
                    "connect_timeout": timeout,
                    "read_timeout": timeout,
                    "retries": {"max_attempts": attempts, "mode": "standard"},
                },
            }
            if "endpoint_url" in self.options:
                kwargs["endpoint_url"] = self.options["endpoint_url"]
            if "region" in self.options:
                kwargs["client_kwargs"] = {"region_name": self.options["region"]}
            if "profile" in self.options:
                kwargs["profile"] = self.options["profile"]
            if "key" in self.options:
                kwargs["key"], kwargs["secret"] = self.options["key"], self.options["secret"]
            fs = s3fs.S3FileSystem(**kwargs)
            fs.retries = attempts  # s3fs's own retry loop, on top of botocore's
            self._fs = fs
        return self._fs

    def path(self, key: str) -> str:
        return "/".join(part for part in (self.bucket, self.prefix, key) if part)

    def get(self, key: str) -> bytes | None:
        """The object's bytes, or None when there is none."""
        try:
            # one GET (s3fs would HEAD first to split a large object into ranged reads)
            return self.fs.cat_file(self.path(key), max_concurrency=1)
        except FileNotFoundError as error:
            if _no_bucket(error):
                raise self._error(error, f"reading {key}") from None
            return None
        except Exception as error:  # noqa: BLE001 - said in one line
            raise self._error(error, f"reading {key}") from None

    def put(self, key: str, data: bytes) -> None:
        """Write the object whole (one PUT: readers see the old or the new one)."""
        try:
            self.fs.pipe_file(self.path(key), data)
        except Exception as error:  # noqa: BLE001
            raise self._error(error, f"writing {key}") from None

    def delete(self, key: str) -> None:
        """Remove the object (nothing when there is none)."""
        try:
            self.fs.rm_file(self.path(key))
        except FileNotFoundError:
            pass
        except Exception as error:  # noqa: BLE001
            raise self._error(error, f"removing {key}") from None

    def keys(self, prefix: str) -> list[str]:
        """The keys under ``prefix`` (a folder-like key, e.g. ``sets/out/release``)."""
        try:
            found = self.fs.find(self.path(prefix))
        except Exception as error:  # noqa: BLE001
            raise self._error(error, f"listing {prefix}") from None
        root = self.path("") + "/" if self.prefix else self.bucket + "/"
        return sorted(name[len(root) :] for name in found if name.startswith(root))

    def check(self) -> None:
        """Raise :class:`StoreError` unless the bucket answers to these credentials."""
        try:
            self.fs.call_s3("head_bucket", Bucket=self.bucket)
        except FileNotFoundError:
            raise StoreError(f"store {self.url}: no such bucket {self.bucket!r}") from None
        except Exception as error:  # noqa: BLE001
            raise self._error(error, "checking the bucket") from None

    def _error(self, error: BaseException, doing: str) -> StoreError:
        return StoreError(f"store {self.url}: {_reason(error, self.options)} while {doing}")


def _no_bucket(error: BaseException) -> bool:
    return "bucket does not exist" in str(error).lower()


def _reason(error: BaseException, options: dict[str, Any]) -> str:
    """One short line for what went wrong with the store."""
    name = type(error).__name__
    if isinstance(error, StoreError):
        return str(error)
    if name in ("NoCredentialsError", "PartialCredentialsError"):
        return (
            "no credentials (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, "
            "or [store] key and secret)"
        )
    if name in ("ProfileNotFound",):
        return f"no such AWS profile ({error})"
    if name in (
        "EndpointConnectionError",
        "ConnectTimeoutError",
        "ReadTimeoutError",
        "ConnectionClosedError",
    ) or isinstance(error, ConnectionError | TimeoutError):
        where = options.get("endpoint_url", "S3")
        return f"cannot reach {where} ({' '.join(str(error).split())[:160]})"
    if isinstance(error, FileNotFoundError) and _no_bucket(error):
        return "no such bucket"
    if isinstance(error, PermissionError):
        return f"access denied ({' '.join(str(error).split())[:160]})"
    text = " ".join(str(error).split())[:200]
    return f"{name}: {text}" if text else name
