"""The clip cache: one WAV file per synthesised sentence, keyed by voice and spoken text.

A file is named ``<key>-<samples>-<crc32>.wav`` (16-bit PCM mono, a 44-byte header, then
the samples, then a ``bwrd`` chunk holding the clip's word events as JSON,
``{"timing": "engine", "words": [[index, start, end], ...]}``, which players skip): the
key is a hash of everything that changes the sound (see
:func:`bulletin.synth.voice.voice_identity`), the entry format (:data:`CLIP_FORMAT`) and
the spoken text; the sample count and the CRC-32 of the whole file (word events included)
let a reader reject a truncated or corrupt entry, or one without valid word data, which is
then deleted and made again. Writers write a hidden temporary file in the same folder and
rename it into place, so processes can share a cache and never see a partial file.

A cache that cannot be written (a full disk) is left as it is: the clips go to a
temporary folder instead, with one warning line on stderr.

With a bucket (``[store] url``, :mod:`bulletin.store`) the folder is this machine's copy
and every entry is also one object ``clips/<key>``: a line ``bulletin-clip <file name>``
(which carries the sample count and CRC-32) then the file's bytes, written with one PUT.
A miss here is looked up there; an object that fails the checks is a miss (and is written
again), so two machines writing one clip at once leave one whole entry.

>>> cache = ClipCache(default_cache_dir())
>>> key = clip_key("3f2a...", "салам дүйнө")
>>> cache.get(key) is None                     # a miss
True
>>> clip = cache.put(key, samples, 22050, words, "engine")   # Clip(path=.../<key>-<n>-<crc>.wav, ...)
>>> cache.get(key).words == words
True
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import json
import os
import re
import shutil
import struct
import sys
import tempfile
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from bulletin.errors import OutputError
from bulletin.lifecycle import temp_tag
from bulletin.script import Clip
from bulletin.synth.voice import WordEvent

HEADER_BYTES = 44
#: The entry layout; part of every key, so entries of another layout are never read.
#: 2: word events in a ``bwrd`` chunk after the samples.
CLIP_FORMAT = 2
WORDS_CHUNK = b"bwrd"
_TIMINGS = ("engine", "estimate")
_NAME = re.compile(r"^([0-9a-f]{40})-(\d+)-([0-9a-f]{8})\.wav$")
_OBJECT_HEADER = b"bulletin-clip "


def default_cache_dir() -> Path:
    """``platformdirs.user_cache_dir("bulletin")/clips``, e.g. ``~/.cache/bulletin/clips``."""
    import platformdirs

    return Path(platformdirs.user_cache_dir("bulletin")) / "clips"


def identity_digest(identity: Any) -> str:
    """A stable hash of a voice identity (any JSON-able value)."""
    blob = json.dumps(identity, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def clip_key(voice_digest: str, spoken: str) -> str:
    """The cache key of one sentence as spoken by one voice (40 hex digits)."""
    h = hashlib.sha1(voice_digest.encode("ascii"), usedforsecurity=False)
    h.update(b"\0%d\0" % CLIP_FORMAT)
    h.update(spoken.encode("utf-8"))
    return h.hexdigest()


def to_pcm16(samples: np.ndarray) -> np.ndarray:
    """Float samples in [-1, 1] to int16 (exact for samples that came from int16 / 32768)."""
    x = np.asarray(samples, dtype=np.float32).reshape(-1)
    x = np.nan_to_num(x, nan=0.0, posinf=1.0, neginf=-1.0)
    return np.clip(np.rint(x * 32768.0), -32768, 32767).astype("<i2")


def words_chunk(words: tuple[WordEvent, ...] | None, timing: str | None) -> bytes:
    """The ``bwrd`` chunk (id, size, JSON, a pad byte to an even size) for a clip's words."""
    record = {
        "timing": timing if words is not None else None,
        "words": None if words is None else [[w.index, w.start, w.end] for w in words],
    }
    body = json.dumps(record, separators=(",", ":")).encode("ascii")
    return WORDS_CHUNK + struct.pack("<I", len(body)) + body + b"\0" * (len(body) % 2)


def wav_bytes(pcm: np.ndarray, sample_rate: int, extra: bytes = b"") -> bytes:
    """A complete 16-bit mono WAV file (44-byte header) for ``pcm`` (int16), with ``extra``
    chunks after the samples."""
    data = np.ascontiguousarray(pcm, dtype="<i2").tobytes()
    if len(data) % 2:  # pragma: no cover - int16 data is always even
        raise ValueError("odd PCM data")
    header = struct.pack(
        "<4sI4s4sIHHIIHH4sI",
        b"RIFF",
        36 + len(data) + len(extra),
        b"WAVE",
        b"fmt ",
        16,
        1,  # PCM
        1,  # mono
        sample_rate,
        sample_rate * 2,
        2,
        16,
        b"data",
        len(data),
    )
    return header + data + extra


class ClipCache:
    """A folder of verified clip files; safe to share between processes (and machines,
    through a shared folder or the store's bucket)."""

    def __init__(self, directory: Path) -> None:
        from bulletin import store

        self.directory = Path(directory)
        # a --no-cache run's temporary folder is private: no bucket
        self.bucket = None if self.directory in _TEMPORARY else store.active()
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise OutputError(
                f"{self.directory}: cannot create the clip cache ({error.strerror})"
            ) from None
        self._index: dict[str, list[str]] | None = None

    def _scan(self) -> dict[str, list[str]]:
        if self._index is None:
            index: dict[str, list[str]] = {}
            with os.scandir(self.directory) as entries:
                for entry in entries:
                    m = _NAME.match(entry.name)
                    if m:
                        index.setdefault(m.group(1), []).append(entry.name)
            self._index = index
        return self._index

    def get(self, key: str) -> Clip | None:
        """The verified clip for ``key``, or ``None`` (a bad entry is deleted)."""
        for name in self._scan().get(key, ()):
            clip = verify(self.directory / name)
            if clip is not None:
                return clip
            with contextlib.suppress(OSError):
                (self.directory / name).unlink()
        self._scan().pop(key, None)
        return self._fetch(key) if self.bucket is not None else None

    def _fetch(self, key: str) -> Clip | None:
        """The bucket's entry for ``key``, copied into the folder, or None (missing or bad)."""
        assert self.bucket is not None
        blob = self.bucket.get(f"clips/{key}")
        if blob is None or not blob.startswith(_OBJECT_HEADER):
            return None
        line, _, data = blob.partition(b"\n")
        name = line[len(_OBJECT_HEADER) :].decode("ascii", "replace")
        m = _NAME.match(name)
        checked = check_entry(name, data) if m and m.group(1) == key else None
        if checked is None:
            return None
        try:
            target = self._write(name, key, data)
        except OSError:
            return None  # the folder cannot take it: made again, as without the bucket
        if self._index is not None:
            self._index.setdefault(key, []).insert(0, name)
        samples, sample_rate, words, timing = checked
        return Clip(
            path=target, samples=samples, sample_rate=sample_rate, words=words, timing=timing
        )

    def put(
        self,
        key: str,
        samples: np.ndarray,
        sample_rate: int,
        words: tuple[WordEvent, ...] | None = None,
        timing: str | None = None,
    ) -> Clip:
        """Store float samples and their word events under ``key`` (atomically) and return
        the clip. ``timing`` is ``"engine"`` or ``"estimate"`` when ``words`` are given."""
        if words is not None and timing not in _TIMINGS:
            raise ValueError(f"word timing must be one of {_TIMINGS}, not {timing!r}")
        pcm = to_pcm16(samples)
        words = None if words is None else tuple(words)
        blob = wav_bytes(pcm, sample_rate, words_chunk(words, timing))
        name = f"{key}-{len(pcm)}-{zlib.crc32(blob):08x}.wav"
        try:
            target = self._write(name, key, blob)
        except OSError as error:  # a full cache disk: go on without the cache
            if self.directory in _TEMPORARY:
                raise
            reason = error.strerror or error
            _warn_once(
                f"warning: clip cache {self.directory}: cannot write ({reason}); "
                "going on without the cache"
            )
            self.directory, self._index = _spill_dir(), None
            target = self._write(name, key, blob)
        if self._index is not None:
            self._index.setdefault(key, []).insert(0, name)
        if self.bucket is not None:
            self.bucket.put(f"clips/{key}", _OBJECT_HEADER + name.encode("ascii") + b"\n" + blob)
        return Clip(
            path=target,
            samples=len(pcm),
            sample_rate=sample_rate,
            words=words,
            timing=timing if words is not None else None,  # type: ignore[arg-type]
        )

    def _write(self, name: str, key: str, blob: bytes) -> Path:
        target = self.directory / name
        fd, tmp = tempfile.mkstemp(
            prefix=f".{key}.{temp_tag()}", suffix=".part", dir=self.directory
        )
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(blob)
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        return target


_WARNED: set[str] = set()


def _warn_once(line: str) -> None:
    if line not in _WARNED:
        _WARNED.add(line)
        print(line, file=sys.stderr, flush=True)


def _spill_dir() -> Path:
    """This process's folder for clips when the cache cannot take them (one per process)."""
    return _TEMPORARY[0] if _TEMPORARY else temporary_cache_dir()


def verify(path: Path) -> Clip | None:
    """Check an entry's length, CRC-32 and word data; the clip, or ``None`` if bad."""
    try:
        blob = path.read_bytes() if _NAME.match(path.name) else None
    except OSError:
        return None
    checked = None if blob is None else check_entry(path.name, blob)
    if checked is None:
        return None
    samples, sample_rate, words, timing = checked
    return Clip(path=path, samples=samples, sample_rate=sample_rate, words=words, timing=timing)


def check_entry(name: str, blob: bytes) -> tuple[int, int, Any, Any] | None:
    """``(samples, sample_rate, words, timing)`` of the entry file ``name`` holding
    ``blob``, or None when its length, CRC-32 or word data are wrong."""
    m = _NAME.match(name)
    if not m:
        return None
    samples, crc = int(m.group(2)), int(m.group(3), 16)
    if zlib.crc32(blob) != crc or blob[:4] != b"RIFF" or blob[8:16] != b"WAVEfmt ":
        return None
    at = HEADER_BYTES + 2 * samples
    if len(blob) < at + 8 or blob[at : at + 4] != WORDS_CHUNK:
        return None
    size = struct.unpack_from("<I", blob, at + 4)[0]
    if len(blob) != at + 8 + size + size % 2:
        return None
    parsed = _parse_words(blob[at + 8 : at + 8 + size], samples)
    if parsed is None:
        return None
    sample_rate = struct.unpack_from("<I", blob, 24)[0]
    words, timing = parsed
    return samples, sample_rate, words, timing


def _parse_words(body: bytes, samples: int) -> tuple[tuple[WordEvent, ...] | None, Any] | None:
    """``(words, timing)`` from a ``bwrd`` chunk, or None if it is not valid."""
    try:
        record = json.loads(body.decode("ascii"))
        raw, timing = record["words"], record["timing"]
        if raw is None:
            return (None, None) if timing is None else None
        if timing not in _TIMINGS:
            return None
        words = tuple(WordEvent(int(i), int(s), int(e)) for i, s, e in raw)
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        return None
    for k, word in enumerate(words):
        if word.index != k or not 0 <= word.start <= word.end <= samples:
            return None
    return words, timing


def cache_info(directory: Path) -> tuple[int, int]:
    """``(entries, bytes)`` in a clip cache folder (0, 0 when it does not exist)."""
    entries = size = 0
    try:
        with os.scandir(directory) as it:
            for entry in it:
                if _NAME.match(entry.name):
                    entries += 1
                    size += entry.stat().st_size
    except FileNotFoundError:
        pass
    return entries, size


def cache_clear(directory: Path) -> int:
    """Delete every clip (and leftover temporary file); returns how many clips were removed."""
    removed = 0
    try:
        with os.scandir(directory) as it:
            for entry in it:
                is_clip = bool(_NAME.match(entry.name))
                if is_clip or (entry.name.startswith(".") and entry.name.endswith(".part")):
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(entry.path)
                        removed += is_clip
    except FileNotFoundError:
        pass
    return removed


_TEMPORARY: list[Path] = []


def temporary_cache_dir() -> Path:
    """A fresh folder for ``--no-cache`` runs, deleted when the process exits
    (or earlier with :func:`remove_temporary_caches`)."""
    path = Path(tempfile.mkdtemp(prefix=f"{temp_tag()}clips-"))
    if not _TEMPORARY:
        atexit.register(remove_temporary_caches)
    _TEMPORARY.append(path)
    return path


def remove_temporary_caches() -> None:
    """Delete the folders made by :func:`temporary_cache_dir` (their clips go with them)."""
    while _TEMPORARY:
        shutil.rmtree(_TEMPORARY.pop(), ignore_errors=True)
