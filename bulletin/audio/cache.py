"""The programme cache: re-making an unchanged bulletin reuses its mastered audio.

Mastering and encoding are most of a cold make once the clips are cached, so the
mastered (untagged) file is kept too, keyed by a hash of everything that changes it: the
timeline (what plays where, to the sample), each clip's cache file name (its key, length
and checksum), each jingle's and the bed's path, size and modification time, the master
settings and bulletin's version. An entry is ``<key>.<format>`` plus ``<key>.json``
(the measured report, the file's size and CRC-32); a damaged entry is ignored and
replaced. Only the ``keep`` most recently used programmes are kept.

>>> cache = ProgrammeCache(Path("~/.cache/bulletin/clips/programmes"))
>>> key = cache.key(timeline, script, clips, settings)
>>> cache.get(key, "mp3")            # None, or (path of the mastered file, MasterReport)
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import shutil
import tempfile
import zlib
from collections.abc import Sequence
from pathlib import Path

import bulletin
from bulletin.audio.master import MasterReport, MasterSettings
from bulletin.audio.timeline import Timeline
from bulletin.lifecycle import temp_tag
from bulletin.script import Clip, Script, Sound


def _crc32(path: Path) -> int:
    crc = 0
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            crc = zlib.crc32(block, crc)
    return crc


def _file_identity(path: Path) -> list:
    stat = Path(path).stat()
    return [str(Path(path).resolve()), stat.st_size, stat.st_mtime_ns]


class ProgrammeCache:
    """Mastered programmes on disk, safe to share between processes (write, then rename)."""

    def __init__(self, directory: Path, keep: int = 16) -> None:
        self.directory = Path(directory)
        self.keep = keep

    def key(
        self,
        timeline: Timeline,
        script: Script,
        clips: Sequence[Clip | None],
        settings: MasterSettings,
    ) -> str:
        """A hash of everything that changes the mastered audio (40 hex digits)."""
        sources: list = []
        for entry in timeline.entries:
            item = script.items[entry.item_index]
            clip = clips[entry.item_index]
            if clip is not None:
                sources.append(clip.path.name)
            elif isinstance(item, Sound):
                sources.append(_file_identity(item.path))
            else:
                sources.append(None)
        bed = script.bed
        identity = {
            "version": bulletin.__version__,
            "rate": timeline.sample_rate,
            "length": timeline.length,
            "entries": [[e.kind, e.start, e.length] for e in timeline.entries],
            "sources": sources,
            "bed": bed and [_file_identity(bed.path), bed.level_db, bed.duck_db],
            "settings": dataclasses.asdict(settings),
        }
        blob = json.dumps(identity, sort_keys=True, ensure_ascii=False).encode("utf-8")
        return hashlib.sha1(blob, usedforsecurity=False).hexdigest()

    def get(self, key: str, fmt: str) -> tuple[Path, MasterReport] | None:
        """The cached file and its report, or None (a miss, or a damaged entry)."""
        audio, meta = self.directory / f"{key}.{fmt}", self.directory / f"{key}.json"
        try:
            record = json.loads(meta.read_text(encoding="utf-8"))
            if audio.stat().st_size != record["size"] or _crc32(audio) != record["crc32"]:
                return None
            report = MasterReport(**record["report"])
            os.utime(meta)  # most recently used
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return audio, report

    def put(self, key: str, fmt: str, audio: Path, report: MasterReport) -> None:
        """Keep a copy of the mastered ``audio`` and its ``report``; prune old entries."""
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            record = {
                "size": audio.stat().st_size,
                "crc32": _crc32(audio),
                "report": dataclasses.asdict(report),
            }
            self._write(self.directory / f"{key}.{fmt}", lambda tmp: shutil.copyfile(audio, tmp))
            text = json.dumps(record, allow_nan=True)
            self._write(self.directory / f"{key}.json", lambda tmp: tmp.write_text(text))
            self._prune()
        except OSError:
            pass  # a cache that cannot be written only costs time

    def info(self) -> tuple[int, int]:
        """(programmes, bytes) held."""
        if not self.directory.is_dir():
            return 0, 0
        files = list(self.directory.iterdir())
        return sum(p.suffix == ".json" for p in files), sum(p.stat().st_size for p in files)

    def clear(self) -> int:
        """Delete every cached programme; returns how many there were."""
        metas = list(self.directory.glob("*.json")) if self.directory.is_dir() else []
        for path in self.directory.glob("*") if self.directory.is_dir() else []:
            with contextlib.suppress(OSError):
                path.unlink()
        return len(metas)

    def _write(self, target: Path, fill) -> None:
        fd, name = tempfile.mkstemp(prefix=f".{temp_tag()}", suffix=".tmp", dir=self.directory)
        os.close(fd)
        try:
            fill(Path(name))
            os.replace(name, target)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(name)

    def _prune(self) -> None:
        metas = sorted(self.directory.glob("*.json"), key=lambda p: p.stat().st_mtime_ns)
        for meta in metas[: max(0, len(metas) - self.keep)]:
            for path in self.directory.glob(f"{meta.stem}.*"):
                with contextlib.suppress(OSError):
                    path.unlink()
