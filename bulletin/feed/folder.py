"""The programme folder: episodes in, rolling window applied, ``feed.xml`` out.

>>> publish(load_feed(Path("bulletin.toml")), [Path("out/release.json")])
[Episode(key='sha256:3f1c…', guid='6b0d…', title='Бишкекте жаңы мектеп ачылды', ...)]

Layout (everything a web server needs, nothing else)::

    public/feed.xml            the feed
    public/cover.jpg           the artwork, checked
    public/episodes.json       the episode list the feed is made from
    public/episodes/20261130-1800-3f1c9a2b7d4e.mp3   (+ .vtt, .txt, .chapters.json)

Order of writing, so that a kill at any moment leaves the folder consistent: an episode's
files (each renamed into place complete), then ``episodes.json``, then ``feed.xml``, and
only then are expired files deleted. Files that no episode names (left by a killed run) are
removed by the next run, which holds the folder's lock, so no other run is writing them.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import shutil
import uuid
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from bulletin.feed.artwork import Artwork, check_artwork
from bulletin.feed.config import FEED_NAME, FeedSettings
from bulletin.feed.episodes import EPISODES_DIR, STORE_NAME, Episode, EpisodeStore
from bulletin.feed.errors import FeedError
from bulletin.feed.rss import podcast_guid, render_feed
from bulletin.fsutil import atomic_path

LOCK_NAME = ".lock"
LOCK_TIMEOUT_S = 300.0
AUDIO_TYPES = {"mp3": "audio/mpeg", "ogg": "audio/ogg", "flac": "audio/flac", "wav": "audio/wav"}
_SUFFIXES = {"vtt": ".vtt", "transcript": ".txt", "chapters": ".chapters.json"}
SUMMARY_CHARS = 400


@contextlib.contextmanager
def folder_lock(folder: Path, timeout_s: float = LOCK_TIMEOUT_S) -> Iterator[None]:
    """Hold the programme folder's lock: one publisher at a time, across processes."""
    from filelock import FileLock, Timeout

    try:
        folder.mkdir(parents=True, exist_ok=True)
        lock = FileLock(folder / LOCK_NAME, timeout=timeout_s)
        lock.acquire()
    except Timeout:
        raise FeedError(
            f"{folder}: another publisher has held the folder for {timeout_s:g} s"
        ) from None
    except OSError as error:
        raise FeedError(f"{folder}: cannot write here ({error.strerror})") from None
    try:
        yield
    finally:
        lock.release()


def publish(
    settings: FeedSettings,
    manifests: Sequence[Path],
    *,
    now: datetime | None = None,
    keys: Sequence[str] | None = None,
) -> list[Episode]:
    """Add each manifest's bulletin as an episode and rewrite the feed; returns the new ones.

    ``keys`` name what makes two publications the same episode (default: the audio's
    checksum), so publishing the same manifest twice adds one episode.
    """
    now = now or datetime.now(timezone.utc)
    artwork = check_artwork(settings.image)
    folder = settings.dir
    with folder_lock(folder):
        store = EpisodeStore(folder)
        episodes = store.load()
        known = {episode.key for episode in episodes}
        added = []
        sources = [_read_manifest(Path(manifest)) for manifest in manifests]  # all, or none
        for index, source in enumerate(sources):
            key = keys[index] if keys else f"sha256:{source.sha256}"
            if key in known:
                continue
            episode = _add_files(settings, source, key, now)
            episodes.insert(0, episode)
            known.add(key)
            added.append(episode)
        _write(settings, artwork, store, episodes, now)
    return added


def refresh(settings: FeedSettings, *, now: datetime | None = None) -> list[Episode]:
    """Apply the rolling window, remove leftovers and rewrite the feed; returns the episodes."""
    now = now or datetime.now(timezone.utc)
    artwork = check_artwork(settings.image)
    with folder_lock(settings.dir):
        store = EpisodeStore(settings.dir)
        return _write(settings, artwork, store, store.load(), now)


def tidy(settings: FeedSettings, *, now: datetime | None = None) -> bool:
    """:func:`refresh` only when something is due: an episode expired, files no episode
    names (left by a killed run), or no feed yet. True when the folder was rewritten."""
    now = now or datetime.now(timezone.utc)
    folder = settings.dir
    if not (folder / STORE_NAME).is_file():
        return False
    with folder_lock(folder):
        store = EpisodeStore(folder)
        episodes = store.load()
        kept = window(episodes, now, settings.max_items, settings.retention_days)
        listed = {Path(name).name for episode in kept for name in episode.files}
        stray = [p for p in (folder / EPISODES_DIR).glob("*") if p.name not in listed]
        stray += list(folder.glob(".*.tmp*"))
        if kept == episodes and not stray and (folder / FEED_NAME).is_file():
            return False
        _write(settings, check_artwork(settings.image), store, episodes, now)
        return True


def published_keys(settings: FeedSettings) -> set[str]:
    """The keys of the episodes now in the feed (read without the lock: the file is atomic)."""
    return {episode.key for episode in EpisodeStore(settings.dir).load()}


def _write(
    settings: FeedSettings,
    artwork: Artwork,
    store: EpisodeStore,
    episodes: list[Episode],
    now: datetime,
) -> list[Episode]:
    kept = window(episodes, now, settings.max_items, settings.retention_days)
    _copy_if_changed(artwork.path, settings.dir / f"cover{artwork.suffix}")
    store.save(kept)
    with atomic_path(settings.dir / FEED_NAME) as tmp:
        tmp.write_bytes(render_feed(settings, artwork, kept, now))
    _remove_unlisted(settings.dir, kept, artwork)
    return kept


def window(
    episodes: Sequence[Episode], now: datetime, max_items: int, retention_days: int
) -> list[Episode]:
    """The newest ``max_items`` episodes published within ``retention_days`` of ``now``."""
    oldest = now - timedelta(days=retention_days)
    recent = [e for e in episodes if datetime.fromisoformat(e.published) >= oldest]
    recent.sort(key=lambda e: datetime.fromisoformat(e.published), reverse=True)
    return recent[:max_items]


def _remove_unlisted(folder: Path, episodes: Sequence[Episode], artwork: Artwork) -> None:
    """Delete files no episode names: expired episodes and leftovers of killed runs."""
    listed = {name for episode in episodes for name in episode.files}
    keep_top = {FEED_NAME, STORE_NAME, LOCK_NAME, f"cover{artwork.suffix}", EPISODES_DIR}
    for path in (folder / EPISODES_DIR).glob("*"):
        if f"{EPISODES_DIR}/{path.name}" not in listed and path.is_file():
            path.unlink(missing_ok=True)
    for path in folder.glob(".*.tmp*"):  # atomic_path's temporary files of dead runs
        if path.name not in keep_top and path.is_file():
            path.unlink(missing_ok=True)
    other_cover = folder / ("cover.png" if artwork.suffix == ".jpg" else "cover.jpg")
    other_cover.unlink(missing_ok=True)


class _Source:
    """A made bulletin as its manifest describes it."""

    def __init__(self, path: Path, data: dict, files: dict[str, Path], audio_kind: str) -> None:
        self.path, self.data, self.files, self.audio_kind = path, data, files, audio_kind
        self.sha256 = _sha256(files[audio_kind])


def _read_manifest(path: Path) -> _Source:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FeedError(f"{path}: no such manifest") from None
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise FeedError(f"{path}: not a bulletin manifest ({error})") from None
    if not isinstance(data, dict) or not isinstance(data.get("files"), dict):
        raise FeedError(f"{path}: not a bulletin manifest (no 'files')")
    files: dict[str, Path] = {}
    checksums: dict[str, str] = {}  # when the manifest gives them: {kind: {"name", "sha256"}}
    for kind, entry in data["files"].items():
        name = (entry.get("name") or entry.get("file")) if isinstance(entry, dict) else entry
        if isinstance(entry, dict) and isinstance(entry.get("sha256"), str):
            checksums[kind] = entry["sha256"].lower()
        if not isinstance(name, str):
            continue
        if "/" in name or "\\" in name or name in ("", ".", ".."):
            raise FeedError(f"{path}: files.{kind} must be a file name beside the manifest")
        files[kind] = path.parent / name
    audio = [kind for kind in AUDIO_TYPES if kind in files]
    if not audio:
        raise FeedError(f"{path}: the manifest names no audio file")
    for kind in (audio[0], *_SUFFIXES):
        if kind in files and not files[kind].is_file():
            raise FeedError(f"{files[kind]}: missing (named by {path.name})")
    for key in ("title", "duration_s"):
        if key not in data:
            raise FeedError(f"{path}: the manifest has no '{key}'")
    source = _Source(path, data, files, audio[0])
    for kind in (audio[0], *_SUFFIXES):
        if kind not in checksums or kind not in files:
            continue
        digest = source.sha256 if kind == audio[0] else _sha256(files[kind])
        if digest != checksums[kind]:
            raise FeedError(f"{files[kind]}: does not match its checksum in {path.name}")
    return source


def _add_files(settings: FeedSettings, source: _Source, key: str, now: datetime) -> Episode:
    """Copy the bulletin's files into ``episodes/`` under names never used for other audio."""
    local = now.astimezone(ZoneInfo(settings.timezone))
    stem = f"{local:%Y%m%d-%H%M}-{source.sha256[:12]}"
    names: dict[str, str] = {}
    for kind, suffix in ((source.audio_kind, f".{source.audio_kind}"), *_SUFFIXES.items()):
        if kind in source.files:
            name = f"{EPISODES_DIR}/{stem}{suffix}"
            _copy_if_changed(source.files[kind], settings.dir / name)
            names[kind] = name
    audio = settings.dir / names[source.audio_kind]
    return Episode(
        key=key,
        guid=str(uuid.uuid5(uuid.UUID(podcast_guid(settings.feed_url)), key)),
        title=str(source.data["title"]),
        description=describe(source.data),
        published=local.isoformat(timespec="seconds"),
        audio=names[source.audio_kind],
        audio_bytes=audio.stat().st_size,
        audio_type=AUDIO_TYPES[source.audio_kind],
        duration_s=float(source.data["duration_s"]),
        sha256=source.sha256,
        vtt=names.get("vtt"),
        transcript=names.get("transcript"),
        chapters=names.get("chapters"),
        voice=source.data.get("voice"),
    )


def describe(manifest: dict) -> str:
    """The first sentences, then the chapter list as text (for apps that show no chapters).

    >>> describe({"sentences": [{"role": "sentence", "written": "Бишкекте мектеп ачылды."}],
    ...           "chapters": [{"start_s": 0.0, "title": "Мектеп"}]})
    'Бишкекте мектеп ачылды.\\n\\n0:00 Мектеп'
    """
    summary = ""
    for sentence in manifest.get("sentences") or []:
        if sentence.get("role") != "sentence" or not sentence.get("written"):
            continue
        if summary and len(summary) + len(sentence["written"]) > SUMMARY_CHARS:
            break
        summary = f"{summary} {sentence['written']}".strip()
        if len(summary) >= SUMMARY_CHARS // 2:
            break
    lines = []
    for chapter in manifest.get("chapters") or []:
        start = round(chapter.get("start_s") or 0)
        hours, minutes, seconds = start // 3600, start % 3600 // 60, start % 60
        stamp = f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"
        lines.append(f"{stamp} {chapter.get('title', '')}".rstrip())
    parts = [part for part in (summary, "\n".join(lines)) if part]
    return "\n\n".join(parts) or str(manifest.get("title", ""))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError as error:
        raise FeedError(f"{path}: cannot read ({error.strerror})") from None
    return digest.hexdigest()


def _copy_if_changed(source: Path, target: Path) -> None:
    same_size = target.is_file() and target.stat().st_size == source.stat().st_size
    if same_size and _sha256(target) == _sha256(source):
        return
    try:
        with atomic_path(target) as tmp:
            shutil.copyfile(source, tmp)
    except OSError as error:
        raise FeedError(f"{target}: cannot write ({error.strerror})") from None
