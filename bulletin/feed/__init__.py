"""The programme folder and its podcast feed (RSS 2.0 + itunes + Podcasting 2.0).

>>> settings = load_feed(Path("bulletin.toml"))          # the [feed] table
>>> publish(settings, [Path("out/release.json")])         # made bulletins -> episodes
>>> (settings.dir / "feed.xml").is_file()
True
"""

from bulletin.feed.artwork import Artwork, check_artwork
from bulletin.feed.config import FEED_NAME, FeedSettings, load_feed
from bulletin.feed.episodes import Episode, EpisodeStore
from bulletin.feed.errors import FeedError
from bulletin.feed.folder import describe, publish, published_keys, refresh, tidy, window
from bulletin.feed.rss import podcast_guid, render_feed
from bulletin.feed.serve import programme_file, serve_feed

__all__ = [
    "FEED_NAME",
    "Artwork",
    "Episode",
    "EpisodeStore",
    "FeedError",
    "FeedSettings",
    "check_artwork",
    "describe",
    "load_feed",
    "podcast_guid",
    "programme_file",
    "publish",
    "published_keys",
    "refresh",
    "render_feed",
    "serve_feed",
    "tidy",
    "window",
]
