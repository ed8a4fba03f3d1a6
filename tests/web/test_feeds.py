"""``/feeds/{programme}.xml`` and the programme folder, served by a real ``bulletin serve``
and read as podcast clients read them (feedparser, podcastparser, plain GETs)."""

from __future__ import annotations

import hashlib
import io
import sys
from datetime import datetime, timezone
from pathlib import Path

import feedparser
import httpx
import podcastparser
import pytest
from web_fixtures import free_port, start_server

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "feed"))
from feed_fixtures import RELEASES, make_bulletins, write_config  # noqa: E402

from bulletin.feed import EpisodeStore, load_feed, publish  # noqa: E402


@pytest.fixture(scope="module")
def station(tmp_path_factory):
    """A station whose [feed] base_url is the server's /feeds/public/, two episodes out."""
    root = tmp_path_factory.mktemp("station")
    port = free_port()
    config = write_config(root, base_url=f"http://127.0.0.1:{port}/feeds/public/")
    feed = load_feed(config)
    made = make_bulletins(root / "made", RELEASES[:2])
    publish(feed, made, now=datetime(2026, 11, 30, 18, 0, tzinfo=timezone.utc))
    server = start_server(root / "data", workers=1, port=port, extra=("--config", str(config)))
    yield server, feed
    server.stop()


def test_a_podcast_client_reads_the_feed_and_downloads_its_episodes(station) -> None:
    server, feed = station
    client = server.client(token=None)
    response = client.get("/feeds/public.xml")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/rss+xml")
    assert response.content == (feed.dir / "feed.xml").read_bytes()
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo and parsed.feed.title == feed.title and len(parsed.entries) == 2
    gpodder = podcastparser.parse(f"{server.url}/feeds/public.xml", io.BytesIO(response.content))
    assert [e["guid"] for e in gpodder["episodes"]] == [e.id for e in parsed.entries]
    cover = httpx.get(gpodder["cover_url"])
    assert cover.headers["content-type"] == "image/jpeg"
    assert cover.content == (feed.dir / "cover.jpg").read_bytes()

    episodes = {e.guid: e for e in EpisodeStore(feed.dir).load()}
    for entry in parsed.entries:
        episode = episodes[entry.id]
        [enclosure] = entry.enclosures
        assert enclosure.href.startswith(f"{server.url}/feeds/public/episodes/")
        audio = httpx.get(enclosure.href)
        assert audio.status_code == 200 and audio.headers["content-type"] == "audio/mpeg"
        assert len(audio.content) == int(enclosure.length)
        assert hashlib.sha256(audio.content).hexdigest() == episode.sha256
        vtt = httpx.get(feed.url(episode.vtt))
        assert vtt.content.startswith(b"WEBVTT") and vtt.headers["content-type"].startswith(
            "text/vtt"
        )
        # players seek with Range
        part = httpx.get(enclosure.href, headers={"Range": "bytes=0-2"})
        assert part.status_code == 206 and part.content == b"ID3"


def test_the_feed_has_validators_and_a_current_copy_gets_304(station) -> None:
    server, feed = station
    client = server.client(token=None)
    first = client.get("/feeds/public.xml")
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    again = client.get("/feeds/public.xml", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    since = client.get("/feeds/public.xml", headers={"If-Modified-Since": modified})
    assert since.status_code == 304
    head = client.head("/feeds/public.xml")
    assert head.status_code == 200 and head.headers["etag"] == etag


@pytest.mark.parametrize(
    "path",
    [
        "/feeds/other.xml",  # not this server's programme
        "/feeds/other/feed.xml",
        "/feeds/public/.lock",  # the folder's lock and temporaries are not published
        "/feeds/public/episodes/missing.mp3",
        "/feeds/public/%2e%2e/bulletin.toml",
        "/feeds/public/..%2fbulletin.toml",
        "/feeds/public/episodes",  # a folder, not a file
    ],
)
def test_what_is_not_a_published_file_of_the_programme_is_404(station, path: str) -> None:
    server, _ = station
    response = server.client(token=None).get(path)
    assert response.status_code == 404, path
    assert "error" in response.json()


def test_a_server_without_a_feed_has_no_feeds(server) -> None:
    response = server.client(token=None).get("/feeds/public.xml")
    assert (
        response.status_code == 404 and "no feed for programme 'public'" in response.json()["error"]
    )
