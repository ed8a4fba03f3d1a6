"""Articles on disk: each one's state, sources and published output sets in the data folder.

Everything a worker or the server needs lives here, not in a process's memory, so any
worker that sees the folder (here or, later, on another machine) can make an article::

    data/articles/<id>/state.json        version, status, reason, digest, ready version
    data/articles/<id>/source-v3.txt     the release text of version 3, as made
    data/articles/<id>/v3/               the published output set of version 3
    data/articles/<id>/.lock             serialises read-modify-write of state.json

``state.json`` is replaced atomically; an output set is made in a hidden folder and
renamed into place, so a reader sees a whole set or the previous one. With a bucket
(``[store] url``, :mod:`bulletin.store`) each version's set is also published there, as
``articles/<id>/v3`` (:mod:`bulletin.store.sets`), before the state says it is ready; a
server whose data folder lacks a ready version's files fetches them from the bucket.

>>> store = ArticleStore(Path("data"))
>>> store.check_id("news-2024_01")
'news-2024_01'
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from bulletin.errors import BulletinError
from bulletin.fsutil import atomic_path

ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,128}")
# URL name -> the output kind in make's Outcome.files / the manifest's "files"
OUTPUTS = {
    "audio.mp3": "mp3",
    "captions.vtt": "vtt",
    "captions.srt": "srt",
    "transcript.txt": "transcript",
    "chapters.json": "chapters",
    "manifest.json": "manifest",
}
MEDIA_TYPES = {
    "audio.mp3": "audio/mpeg",
    "captions.vtt": "text/vtt; charset=utf-8",
    "captions.srt": "application/x-subrip; charset=utf-8",
    "transcript.txt": "text/plain; charset=utf-8",
    "chapters.json": "application/json+chapters",
    "manifest.json": "application/json",
}


class BadArticle(BulletinError):
    """An article request that cannot be taken as it is (the message says why)."""


@dataclass(frozen=True)
class ArticleState:
    id: str
    version: int  # the newest version asked for
    status: str  # queued, making, ready, failed: of ``version``
    digest: str  # of what version ``version`` is made from
    title: str | None = None
    voice: str | None = None
    programme: str | None = None
    callback_url: str | None = None
    error: str | None = None
    ready_version: int | None = None  # the newest version whose outputs are published
    files: dict[str, str] = field(default_factory=dict)  # output kind -> file name
    duration_s: float | None = None
    sentences: int | None = None  # of the ready version
    synthesised: int | None = None  # sentences the ready version had to synthesise (not cached)
    created: float = 0.0
    updated: float = 0.0  # last change of state
    published: float | None = None  # when ready_version was published

    @property
    def task_key(self) -> str:
        return f"article:{self.id}:v{self.version}"


def article_digest(text: str, title: str | None, voice: str | None) -> str:
    """What decides the audio: the same text, title and voice -> the same digest."""
    blob = json.dumps([text, title, voice], ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class ArticleStore:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)
        self.root = self.data_dir / "articles"

    @staticmethod
    def check_id(article_id: str) -> str:
        """An id is letters, digits, ``-`` and ``_``, at most 128: it never names a path."""
        if not isinstance(article_id, str) or not ID_PATTERN.fullmatch(article_id):
            raise BadArticle("id must be 1 to 128 letters, digits, '-' or '_'")
        return article_id

    def folder(self, article_id: str) -> Path:
        return self.root / self.check_id(article_id)

    @contextlib.contextmanager
    def locked(self, article_id: str) -> Iterator[Path]:
        """Hold the article's lock (across processes) while reading and changing its state."""
        folder = self.folder(article_id)
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / ".lock", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield folder
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def read(self, article_id: str) -> ArticleState | None:
        path = self.folder(article_id) / "state.json"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        return ArticleState(**data)

    def write(self, state: ArticleState) -> ArticleState:
        state = replace(state, updated=time.time())
        text = json.dumps(asdict(state), ensure_ascii=False, indent=1) + "\n"
        with atomic_path(self.folder(state.id) / "state.json") as tmp:
            tmp.write_text(text, encoding="utf-8")
        return state

    def ids(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if (p / "state.json").is_file())

    def source_path(self, article_id: str, version: int) -> Path:
        return self.folder(article_id) / f"source-v{version}.txt"

    def write_source(self, article_id: str, version: int, text: str) -> Path:
        path = self.source_path(article_id, version)
        with atomic_path(path) as tmp:
            tmp.write_text(text, encoding="utf-8")
        return path

    def output_dir(self, article_id: str, version: int) -> Path:
        return self.folder(article_id) / f"v{version}"

    def output_file(self, state: ArticleState, name: str) -> Path | None:
        """The published file for URL name ``name`` (e.g. ``audio.mp3``), or None."""
        kind = OUTPUTS.get(name)
        if state.ready_version is None or kind not in state.files:
            return None
        path = self.output_dir(state.id, state.ready_version) / state.files[kind]
        bucket = _bucket()
        if bucket is not None and not path.is_file():  # made where this folder is not seen
            from bulletin.store.sets import fetch_set

            fetch_set(bucket, _set_name(state.id, state.ready_version), path.parent, path.stem)
        return path

    def share_outputs(self, article_id: str, version: int, folder: Path) -> None:
        """With a bucket: publish the files of ``folder`` there as the version's set."""
        bucket = _bucket()
        if bucket is not None:
            from bulletin.store.sets import publish_set

            files = sorted(p for p in Path(folder).iterdir() if p.is_file())
            publish_set(
                bucket,
                _set_name(article_id, version),
                {p.name: p for p in files if not p.name.startswith(".")},
            )

    def _remove_shared(self, article_id: str, below: int | None = None) -> None:
        """The article's sets in the bucket (those older than version ``below``), manifests
        first, so that no manifest is left naming removed files."""
        bucket = _bucket()
        if bucket is None:
            return
        pattern = re.compile(rf"sets/articles/{re.escape(article_id)}/v(\d+)(\.json|/.+)")
        doomed = []
        for key in bucket.keys(f"sets/articles/{article_id}"):
            m = pattern.fullmatch(key)
            if m and (below is None or int(m.group(1)) < below):
                doomed.append((m.group(2) != ".json", key))
        for _, key in sorted(doomed):
            bucket.delete(key)

    def delete(self, article_id: str) -> bool:
        """Remove an article and everything made for it; False if there was none."""
        folder = self.folder(article_id)
        if not (folder / "state.json").exists():
            return False
        with self.locked(article_id):
            grave = self.root / f".deleted-{article_id}-{os.getpid()}-{time.monotonic_ns()}"
            os.replace(folder, grave)
        shutil.rmtree(grave, ignore_errors=True)
        self._remove_shared(article_id)
        return True

    def remove_old_versions(self, article_id: str, keep: int) -> None:
        """Delete output sets and sources older than version ``keep``."""
        folder = self.folder(article_id)
        for path in folder.iterdir():
            match = re.fullmatch(r"(?:v|source-v)(\d+)(?:\.txt)?", path.name)
            if match and int(match.group(1)) < keep:
                if path.is_dir():
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    path.unlink(missing_ok=True)
        self._remove_shared(article_id, below=keep)


def _bucket():
    from bulletin import store

    return store.active()


def _set_name(article_id: str, version: int) -> str:
    return f"articles/{article_id}/v{version}"
