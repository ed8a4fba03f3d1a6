"""A crash or kill at any moment leaves the programme folder consistent: the feed lists only
complete episodes, and the next run removes whatever a dead run left behind."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import feedparser
import pytest

import bulletin.feed.folder as folder
from bulletin.feed import EpisodeStore, FeedSettings, publish, refresh

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)


def assert_consistent(feed: FeedSettings, *, clean: bool) -> list[str]:
    """Every episode the feed lists has all its files, whole; with ``clean`` nothing else."""
    listed: list[str] = []
    xml = feed.dir / "feed.xml"
    if xml.exists():
        parsed = feedparser.parse(xml.read_bytes())
        assert not parsed.bozo, parsed.get("bozo_exception")
        for entry in parsed.entries:
            [enclosure] = entry.enclosures
            name = enclosure.href.removeprefix(feed.base_url)
            assert (feed.dir / name).stat().st_size == int(enclosure.length)
            listed.append(entry.id)
    episodes = EpisodeStore(feed.dir).load()
    for episode in episodes:
        for name in episode.files:
            assert (feed.dir / name).is_file(), name
        assert (feed.dir / episode.audio).stat().st_size == episode.audio_bytes
    if clean:
        named = {Path(name).name for episode in episodes for name in episode.files}
        on_disk = {p.name for p in (feed.dir / "episodes").iterdir()}
        assert on_disk == named
        assert not list(feed.dir.glob(".*.tmp*"))
        assert listed == [episode.guid for episode in episodes]
    return listed


def test_a_crash_before_the_feed_is_written_keeps_the_old_feed(
    feed, manifests, monkeypatch
) -> None:
    publish(feed, manifests[:1], now=NOW)
    before = (feed.dir / "feed.xml").read_bytes()

    def crash(*args, **kwargs):
        raise RuntimeError("killed while writing the feed")

    with monkeypatch.context() as patch:
        patch.setattr(folder, "render_feed", crash)
        with pytest.raises(RuntimeError):
            publish(feed, manifests[1:2], now=NOW + timedelta(hours=1))
    assert (feed.dir / "feed.xml").read_bytes() == before
    assert_consistent(feed, clean=False)
    refresh(feed, now=NOW + timedelta(hours=2))  # the next run makes the feed whole again
    assert len(assert_consistent(feed, clean=True)) == 2


def test_files_of_an_episode_never_listed_are_removed_by_the_next_run(
    feed, manifests, monkeypatch
) -> None:
    publish(feed, manifests[:1], now=NOW)

    def crash(self, episodes):
        raise RuntimeError("killed before the episode list was written")

    with monkeypatch.context() as patch:
        patch.setattr(folder.EpisodeStore, "save", crash)
        with pytest.raises(RuntimeError):
            publish(feed, manifests[1:], now=NOW + timedelta(hours=1))
    assert len(list((feed.dir / "episodes").iterdir())) > 4  # orphans of the dead run
    assert len(assert_consistent(feed, clean=False)) == 1
    (feed.dir / ".feed.x1y2.tmp.xml").write_bytes(b"<rss")  # a dead run's temporary file
    refresh(feed, now=NOW + timedelta(hours=2))
    assert len(assert_consistent(feed, clean=True)) == 1


CHILD = """
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from bulletin.feed import load_feed, publish
feed = load_feed(Path(sys.argv[1]))
start = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)
manifests = [Path(p) for p in sys.argv[2:]]
for step in range(1000):
    publish(feed, [manifests[step % len(manifests)]], now=start + timedelta(hours=step),
            keys=[f"run:{step}"])
"""


def test_sigkill_at_random_moments_leaves_the_folder_consistent(
    station: Path, feed, manifests
) -> None:
    chance = random.Random(12)
    for _trial in range(8):
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(station), *map(str, manifests)],
            stderr=subprocess.PIPE,
        )
        time.sleep(0.4 + chance.random() * 0.8)
        child.send_signal(signal.SIGKILL)
        child.wait()
        assert child.returncode == -signal.SIGKILL, child.stderr.read().decode()
        assert_consistent(feed, clean=False)
    episodes = EpisodeStore(feed.dir).load()
    assert episodes, "the child published nothing before it was killed"
    refresh(feed, now=datetime.fromisoformat(episodes[0].published))
    assert_consistent(feed, clean=True)
    # the episode list on disk is valid JSON written in one piece
    json.loads((feed.dir / "episodes.json").read_text(encoding="utf-8"))


def test_tidy_rewrites_only_when_something_is_due(feed, manifests) -> None:
    from bulletin.feed import tidy

    assert tidy(feed, now=NOW) is False  # no programme folder yet
    publish(feed, manifests[:1], now=NOW)
    before = (feed.dir / "feed.xml").stat().st_mtime_ns
    assert tidy(feed, now=NOW + timedelta(days=1)) is False
    assert (feed.dir / "feed.xml").stat().st_mtime_ns == before
    (feed.dir / "episodes" / ".x.abc.tmp.mp3").write_bytes(b"ID3")  # a killed copy
    assert tidy(feed, now=NOW + timedelta(days=1)) is True
    assert_consistent(feed, clean=True)
    assert tidy(feed, now=NOW + timedelta(days=feed.retention_days, seconds=1)) is True
    assert EpisodeStore(feed.dir).load() == []
