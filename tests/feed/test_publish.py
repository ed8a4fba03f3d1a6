"""Publishing made bulletins: the feed read back by feedparser and gPodder's podcastparser,
every required tag checked in the XML, guids, the rolling window and file names."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import feedparser
import podcastparser
import pytest
from feed_fixtures import make_bulletins, manifest_data, write_config
from lxml import etree

from bulletin.feed import EpisodeStore, load_feed, podcast_guid, publish, refresh
from bulletin.feed.rss import ITUNES, PODCAST

BISHKEK = ZoneInfo("Asia/Bishkek")
NOW = datetime(2026, 11, 30, 18, 0, tzinfo=BISHKEK)
NS = {
    "itunes": ITUNES,
    "podcast": PODCAST,
    "atom": "http://www.w3.org/2005/Atom",
    "content": "http://purl.org/rss/1.0/modules/content/",
}
SCHEDULE = 'at = ["08:00", "12:00", "18:00"]\ntimezone = "Asia/Bishkek"\ninbox = "inbox"\n'


@pytest.fixture
def bishkek(tmp_path: Path):
    return load_feed(write_config(tmp_path, schedule=SCHEDULE))


def test_podcast_guid_is_the_namespace_uuid5_of_the_feed_url() -> None:
    # the example in the Podcasting 2.0 spec (podcast:guid)
    assert podcast_guid("https://mp3s.nashownotes.com/pc20rss.xml") == (
        "917393e3-1b1e-5cef-ace4-edaa54e1f810"
    )
    assert podcast_guid("http://mp3s.nashownotes.com/pc20rss.xml/") == podcast_guid(
        "https://mp3s.nashownotes.com/pc20rss.xml"
    )


def test_feedparser_reads_every_field_back(bishkek, manifests) -> None:
    added = publish(bishkek, manifests, now=NOW)
    assert len(added) == 3
    parsed = feedparser.parse((bishkek.dir / "feed.xml").read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    channel = parsed.feed
    assert channel.title == "Кечки жаңылыктар"
    assert channel.subtitle == "Биринчи радионун кечки жаңылыктары"
    assert channel.language == "ky"
    assert channel.image.href == "https://radio.example.kg/podcast/cover.jpg"
    assert channel.author == "Биринчи радио"
    assert channel.publisher_detail == {
        "name": "Биринчи радио",
        "email": "podcast@radio.example.kg",
    }
    assert [tag.term for tag in channel.tags] == ["News"]
    assert channel.itunes_type == "episodic"
    assert channel.podcast_guid == podcast_guid(bishkek.feed_url)
    # feedparser keeps only the attributes of unknown elements that have them
    assert channel.podcast_locked == {"owner": "podcast@radio.example.kg"}
    assert channel.podcast_txt == {"purpose": "synthetic-speech"}
    assert channel.podcast_updatefrequency == {"rrule": "FREQ=DAILY;BYHOUR=8,12,18;BYMINUTE=0"}
    self_links = [link.href for link in channel.links if link.rel == "self"]
    assert self_links == ["https://radio.example.kg/podcast/feed.xml"]

    assert len(parsed.entries) == 3
    for entry, episode in zip(parsed.entries, EpisodeStore(bishkek.dir).load(), strict=True):
        data = manifest_data(next(m for m in manifests if manifest_data(m)["title"] == entry.title))
        assert entry.id == episode.guid and entry.guidislink is False
        [enclosure] = entry.enclosures
        audio = bishkek.dir / episode.audio
        assert enclosure.href == bishkek.url(episode.audio)
        assert int(enclosure.length) == audio.stat().st_size
        assert enclosure.type == "audio/mpeg"
        assert entry.itunes_duration == _hms(data["duration_s"])
        assert entry.content[0].value.startswith("<p>")
        first_sentence = next(s["written"] for s in data["sentences"] if s["role"] == "sentence")
        assert entry.summary.startswith(first_sentence)
        for chapter in data["chapters"]:
            assert chapter["title"] in entry.summary  # the chapter list in text
        published = parsedate_to_datetime(entry.published)
        assert published == NOW and published.utcoffset() == timedelta(hours=6)


def _hms(seconds: float) -> str:
    total = round(seconds)
    return f"{total // 3600}:{total % 3600 // 60:02d}:{total % 60:02d}"


def test_podcastparser_reads_the_feed_as_gpodder_does(bishkek, manifests) -> None:
    publish(bishkek, manifests, now=NOW)
    with open(bishkek.dir / "feed.xml", "rb") as stream:
        parsed = podcastparser.parse(bishkek.feed_url, stream)
    assert parsed["title"] == "Кечки жаңылыктар"
    assert parsed["description"] == "Биринчи радионун кечки жаңылыктары"
    assert parsed["cover_url"] == "https://radio.example.kg/podcast/cover.jpg"
    assert parsed["itunes_author"] == "Биринчи радио"
    assert parsed["itunes_owner"] == {"name": "Биринчи радио", "email": "podcast@radio.example.kg"}
    assert parsed["itunes_categories"] == [["News"]]
    assert parsed["explicit"] is False and parsed["type"] == "episodic"
    assert parsed["language"] == "ky"
    episodes = EpisodeStore(bishkek.dir).load()
    assert [e["guid"] for e in parsed["episodes"]] == [e.guid for e in episodes]
    for got, episode in zip(parsed["episodes"], episodes, strict=True):
        assert got["title"] == episode.title
        assert got["published"] == int(NOW.timestamp())
        assert got["total_time"] == round(episode.duration_s)
        assert got["enclosures"] == [
            {
                "url": bishkek.url(episode.audio),
                "file_size": (bishkek.dir / episode.audio).stat().st_size,
                "mime_type": "audio/mpeg",
            }
        ]
        assert got["description"].startswith(episode.description.split("\n")[0])
        assert got["explicit"] is False and got["type"] == "full"
        assert got["episode_art_url"] == "https://radio.example.kg/podcast/cover.jpg"
        summary, chapters = episode.description.split("\n\n")
        assert got["description_html"] == (
            f"<p>{summary}</p><p>{'<br/>'.join(chapters.splitlines())}</p>"
        )


def test_xml_has_every_required_tag(bishkek, manifests) -> None:
    publish(bishkek, manifests[:1], now=NOW)
    root = etree.fromstring((bishkek.dir / "feed.xml").read_bytes())
    assert root.tag == "rss" and root.get("version") == "2.0"
    [channel] = root.findall("channel")

    def one(parent, path: str):
        found = parent.findall(path, NS)
        assert len(found) == 1, path
        return found[0]

    for path in ("title", "link", "description", "language", "lastBuildDate", "pubDate"):
        assert one(channel, path).text
    assert one(channel, "image/url").text == bishkek.url("cover.jpg")
    assert one(channel, "itunes:image").get("href") == bishkek.url("cover.jpg")
    assert one(channel, "itunes:category").get("text") == "News"
    assert one(channel, "itunes:explicit").text == "false"
    assert one(channel, "itunes:author").text == "Биринчи радио"
    assert one(channel, "itunes:owner/itunes:name").text == "Биринчи радио"
    assert one(channel, "itunes:owner/itunes:email").text == "podcast@radio.example.kg"
    assert one(channel, "itunes:type").text == "episodic"
    assert one(channel, "itunes:title").text == "Кечки жаңылыктар"
    assert one(channel, "generator").text.startswith("bulletin ")
    assert uuid.UUID(one(channel, "podcast:guid").text).version == 5
    locked = one(channel, "podcast:locked")
    assert (locked.text, locked.get("owner")) == ("yes", "podcast@radio.example.kg")
    frequency = one(channel, "podcast:updateFrequency")
    assert frequency.text == "Daily at 08:00, 12:00, 18:00"
    assert frequency.get("rrule") == "FREQ=DAILY;BYHOUR=8,12,18;BYMINUTE=0"
    assert one(channel, "podcast:txt").text
    atom = one(channel, "atom:link")
    assert (atom.get("href"), atom.get("rel"), atom.get("type")) == (
        bishkek.feed_url,
        "self",
        "application/rss+xml",
    )

    item = one(channel, "item")
    [episode] = EpisodeStore(bishkek.dir).load()
    for path in ("title", "description", "pubDate", "itunes:duration", "itunes:title"):
        assert one(item, path).text
    assert one(item, "pubDate").text == "Mon, 30 Nov 2026 18:00:00 +0600"
    assert one(item, "itunes:image").get("href") == bishkek.url("cover.jpg")
    html = one(item, "content:encoded").text
    assert html.startswith("<p>") and "<br/>" not in html  # one chapter: one line
    guid = one(item, "guid")
    assert (guid.text, guid.get("isPermaLink")) == (episode.guid, "false")
    enclosure = one(item, "enclosure")
    assert enclosure.get("length") == str((bishkek.dir / episode.audio).stat().st_size)
    transcripts = {t.get("type"): t for t in item.findall("podcast:transcript", NS)}
    assert set(transcripts) == {"text/vtt", "text/plain"}
    assert transcripts["text/vtt"].get("rel") == "captions"
    assert transcripts["text/vtt"].get("url") == bishkek.url(episode.vtt)
    chapters = one(item, "podcast:chapters")
    assert chapters.get("type") == "application/json+chapters"
    assert chapters.get("url") == bishkek.url(episode.chapters)
    # every file the feed names is in the folder, whole
    for name in episode.files:
        assert (bishkek.dir / name).is_file()
    source = manifest_data(manifests[0])
    chapters_doc = json.loads((bishkek.dir / episode.chapters).read_text(encoding="utf-8"))
    assert [c["title"] for c in chapters_doc["chapters"]] == [
        c["title"] for c in source["chapters"]
    ]


def test_explicit_and_sub_category(tmp_path: Path, manifests) -> None:
    feed = load_feed(
        write_config(tmp_path, feed_extra='explicit = true\ncategory = "News/Daily News"\n')
    )
    publish(feed, manifests[:1], now=NOW)
    root = etree.fromstring((feed.dir / "feed.xml").read_bytes())
    assert [e.text for e in root.iterfind(".//itunes:explicit", NS)] == ["true", "true"]
    category = root.find("channel/itunes:category", NS)
    assert [category.get("text"), category[0].get("text")] == ["News", "Daily News"]


def test_same_manifest_twice_adds_one_episode_and_guids_never_change(feed, manifests) -> None:
    [first] = publish(feed, manifests[:1], now=NOW)
    assert publish(feed, manifests[:1], now=NOW + timedelta(hours=1)) == []
    publish(feed, manifests[1:], now=NOW + timedelta(hours=2))
    episodes = EpisodeStore(feed.dir).load()
    assert len(episodes) == 3
    assert episodes[-1] == first  # oldest last, unchanged: same guid, file, date
    parsed = feedparser.parse((feed.dir / "feed.xml").read_bytes())
    assert parsed.entries[-1].id == first.guid


def test_a_remade_bulletin_gets_a_new_file_name(feed, tmp_path: Path, manifests) -> None:
    [old] = publish(feed, manifests[:1], now=NOW)
    # the same release made again with another title: other audio, same output name
    [remade] = make_bulletins(tmp_path / "again", _release_of(manifests[0]), title="Оңдолгон кабар")
    assert remade.name == manifests[0].name
    [new] = publish(feed, [remade], now=NOW + timedelta(minutes=5))
    assert new.audio != old.audio and new.guid != old.guid
    assert (feed.dir / old.audio).is_file() and (feed.dir / new.audio).is_file()


def _release_of(manifest: Path) -> list[Path]:
    from feed_fixtures import DATA

    return [DATA / f"{manifest.stem}.txt"]


def test_rolling_window_max_items_and_retention(tmp_path: Path, manifests) -> None:
    feed = load_feed(write_config(tmp_path, feed_extra="max_items = 2\nretention_days = 3\n"))
    first = publish(feed, manifests[:1], now=NOW - timedelta(days=5))
    second = publish(feed, manifests[1:2], now=NOW - timedelta(days=1))
    assert len(EpisodeStore(feed.dir).load()) == 1  # the 5-day-old one expired at once
    assert not any((feed.dir / name).exists() for name in first[0].files)
    third = publish(feed, manifests[2:], now=NOW)
    kept = EpisodeStore(feed.dir).load()
    assert [e.guid for e in kept] == [third[0].guid, second[0].guid]
    # four days on, only the newest is within three days; its files stay, the rest go
    refresh(feed, now=NOW + timedelta(days=2, hours=12))
    kept = EpisodeStore(feed.dir).load()
    assert [e.guid for e in kept] == [third[0].guid]
    on_disk = sorted(p.name for p in (feed.dir / "episodes").iterdir())
    assert on_disk == sorted(Path(name).name for name in kept[0].files)
    parsed = feedparser.parse((feed.dir / "feed.xml").read_bytes())
    assert [e.id for e in parsed.entries] == [third[0].guid]


def test_max_items_keeps_the_newest(tmp_path: Path, manifests) -> None:
    feed = load_feed(write_config(tmp_path, feed_extra="max_items = 1\n"))
    for hours, manifest in enumerate(manifests):
        publish(feed, [manifest], now=NOW + timedelta(hours=hours))
    [kept] = EpisodeStore(feed.dir).load()
    assert kept.title == manifest_data(manifests[-1])["title"]
    assert len(list((feed.dir / "episodes").iterdir())) == len(kept.files)
