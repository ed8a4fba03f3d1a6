"""Published output sets in the bucket: all of a set's files or none, as in ``out/``.

A bucket has no rename, so a set is written as S3 allows: every file under a fresh run
key first (``sets/<set>/<run>/<file>``), then the set's manifest ``sets/<set>.json``,
naming the run and each file with its size and SHA-256, in one PUT: that PUT is the commit.
A publisher killed before it leaves only unreferenced objects under its run; readers
(:func:`fetch_set`) go through the manifest and check every file's SHA-256, so they see the
old set whole or the new one whole, never a mix. The previous run's files are removed after
the commit; a reader that meets one gone reads the manifest again.

>>> publish_set(bucket, "out/release", {"release.mp3": Path("out/release.mp3"), ...})
'sets/out/release.json'
>>> fetch_set(bucket, "out/release", Path("copy"), "release")
{'release.mp3': PosixPath('copy/release.mp3'), ...}
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import time
from collections.abc import Mapping
from pathlib import Path

from bulletin import lifecycle
from bulletin.outputs import OutputSet
from bulletin.store import Bucket, StoreError

SET_FORMAT = 1
_READ_TRIES = 4


def manifest_key(set_name: str) -> str:
    return f"sets/{set_name}.json"


def _check_set_name(set_name: str) -> str:
    parts = set_name.split("/")
    if not set_name or any(p in ("", ".", "..") or p.endswith(".json") for p in parts):
        raise ValueError(f"not a set name: {set_name!r}")
    return set_name


def publish_set(bucket: Bucket, set_name: str, files: Mapping[str, Path]) -> str:
    """Upload ``files`` (``{file name: local path}``) as the set ``set_name``, the manifest
    last; returns the manifest's key. A stop signal waits until the commit is done."""
    _check_set_name(set_name)
    run = f"{time.time_ns():x}-{secrets.token_hex(4)}"
    entries: dict[str, dict] = {}
    for name, path in files.items():
        if "/" in name or name in ("", ".", ".."):
            raise ValueError(f"not a plain file name: {name!r}")
        data = Path(path).read_bytes()
        bucket.put(f"sets/{set_name}/{run}/{name}", data)
        entries[name] = {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    record = {"format": SET_FORMAT, "set": set_name, "run": run, "files": entries}
    blob = json.dumps(record, ensure_ascii=False, sort_keys=True).encode("utf-8")
    with lifecycle.deferred():
        previous = _read_manifest(bucket, set_name)
        bucket.put(manifest_key(set_name), blob)  # the commit
    if previous is not None and previous["run"] != run:
        for name in previous["files"]:
            bucket.delete(f"sets/{set_name}/{previous['run']}/{name}")
    return manifest_key(set_name)


def _read_manifest(bucket: Bucket, set_name: str) -> dict | None:
    blob = bucket.get(manifest_key(set_name))
    if blob is None:
        return None
    try:
        record = json.loads(blob.decode("utf-8"))
        ok = (
            record["format"] == SET_FORMAT
            and record["set"] == set_name
            and isinstance(record["run"], str)
            and "/" not in record["run"]
            and all(
                "/" not in name and isinstance(entry["sha256"], str)
                for name, entry in record["files"].items()
            )
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        ok = False
    if not ok:
        raise StoreError(f"store {bucket.url}: {manifest_key(set_name)} is not a set manifest")
    return record


def read_set(bucket: Bucket, set_name: str) -> dict[str, bytes] | None:
    """The files of the set as published (``{file name: bytes}``, every SHA-256 checked),
    or None when there is no such set."""
    _check_set_name(set_name)
    for _ in range(_READ_TRIES):
        record = _read_manifest(bucket, set_name)
        if record is None:
            return None
        files: dict[str, bytes] = {}
        for name, entry in record["files"].items():
            data = bucket.get(f"sets/{set_name}/{record['run']}/{name}")
            if data is None or hashlib.sha256(data).hexdigest() != entry["sha256"]:
                break  # replaced meanwhile (its files removed): read the manifest again
            files[name] = data
        else:
            return files
        time.sleep(0.05)
    raise StoreError(
        f"store {bucket.url}: set {set_name} names files that are missing or do not match"
    )


def fetch_set(bucket: Bucket, set_name: str, folder: Path, name: str) -> dict[str, Path] | None:
    """Copy the set into ``folder`` as one local output set (:class:`OutputSet` ``name``:
    all files or none); their paths, or None when there is no such set."""
    files = read_set(bucket, set_name)
    if files is None:
        return None
    with OutputSet(Path(folder), name) as outputs:
        for file_name, data in files.items():
            path = outputs.add(file_name)
            with open(path, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        return outputs.publish()
