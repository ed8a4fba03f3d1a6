"""End to end: the programme folder served over HTTP on localhost, subscribed to and
downloaded as a podcast client does (urllib, feedparser, podcastparser)."""

from __future__ import annotations

import functools
import hashlib
import json
import threading
import urllib.request
from datetime import datetime, timezone
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import feedparser
import podcastparser
import pytest
from feed_fixtures import write_config

from bulletin.feed import EpisodeStore, load_feed, publish


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # keep the test output clean
        pass


@pytest.fixture
def server(tmp_path: Path):
    public = tmp_path / "public"
    public.mkdir()
    handler = functools.partial(_Quiet, directory=str(public))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


def fetch(url: str) -> tuple[bytes, str]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read(), response.headers.get("Content-Type", "")


def test_a_podcast_client_subscribes_and_downloads(tmp_path: Path, server: str, manifests) -> None:
    feed = load_feed(write_config(tmp_path, base_url=server))
    publish(feed, manifests, now=datetime(2026, 11, 30, 18, 0, tzinfo=timezone.utc))
    episodes = {e.guid: e for e in EpisodeStore(feed.dir).load()}

    body, kind = fetch(server + "feed.xml")
    assert "xml" in kind
    parsed = feedparser.parse(body)
    assert not parsed.bozo and len(parsed.entries) == 3
    gpodder = podcastparser.parse(server + "feed.xml", urllib.request.urlopen(server + "feed.xml"))
    assert [e["guid"] for e in gpodder["episodes"]] == [e.id for e in parsed.entries]
    cover, cover_type = fetch(gpodder["cover_url"])
    assert cover_type == "image/jpeg" and cover == (tmp_path / "cover.jpg").read_bytes()

    for entry in gpodder["episodes"]:
        episode = episodes[entry["guid"]]
        [enclosure] = entry["enclosures"]
        audio, audio_type = fetch(enclosure["url"])
        assert audio_type == enclosure["mime_type"] == "audio/mpeg"
        assert len(audio) == enclosure["file_size"]
        assert hashlib.sha256(audio).hexdigest() == episode.sha256
        assert audio[:3] == b"ID3"  # tags and chapters travel inside the MP3
    # the transcripts and chapters the feed names are reachable too
    entry = parsed.entries[0]
    episode = episodes[entry.id]
    vtt, _ = fetch(feed.url(episode.vtt))
    assert vtt.startswith(b"WEBVTT")
    text, _ = fetch(feed.url(episode.transcript))
    assert entry.title.encode() in text
    chapters = json.loads(fetch(feed.url(episode.chapters))[0])
    assert chapters["chapters"][0]["title"] == entry.title
