"""``[feed]`` settings and the artwork check: every wrong value is one line naming it."""

from __future__ import annotations

from pathlib import Path

import pytest
from feed_fixtures import write_artwork, write_config

from bulletin.errors import ConfigError
from bulletin.feed import FeedError, check_artwork, load_feed


def test_feed_settings_from_bulletin_toml(station: Path) -> None:
    settings = load_feed(station)
    assert settings.dir == station.parent / "public"
    assert settings.image == station.parent / "cover.jpg"
    assert settings.feed_url == "https://radio.example.kg/podcast/feed.xml"
    assert settings.title == "Кечки жаңылыктар"
    assert (settings.category, settings.language, settings.explicit) == ("News", "ky", False)
    assert settings.frequency is None  # no [schedule]


def test_schedule_gives_time_zone_and_update_frequency(tmp_path: Path) -> None:
    config = write_config(
        tmp_path,
        schedule='at = ["08:00", "18:00"]\ntimezone = "Asia/Bishkek"\ninbox = "inbox"\n',
    )
    settings = load_feed(config)
    assert settings.timezone == "Asia/Bishkek"
    assert settings.frequency == ("Daily at 08:00, 18:00", "FREQ=DAILY;BYHOUR=8,18;BYMINUTE=0")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('base_url_x = "x"\n', "unknown setting 'feed.base_url_x'"),
        ("max_items = 0\n", "feed.max_items must be a whole number from 1 to 100000"),
        ('explicit = "no"\n', "feed.explicit must be true or false"),
        ('language = "кыргыз"\n', "feed.language must be a language code"),
    ],
)
def test_bad_feed_settings_name_the_key(tmp_path: Path, extra: str, message: str) -> None:
    config = write_config(tmp_path, feed_extra=extra)
    with pytest.raises(ConfigError, match=message):
        load_feed(config)


def test_bad_url_and_email(tmp_path: Path) -> None:
    config = write_config(tmp_path, base_url="ftp://radio.example.kg/")
    with pytest.raises(ConfigError, match="feed.base_url must be an http"):
        load_feed(config)
    text = config.read_text(encoding="utf-8").replace("ftp://", "https://")
    text = text.replace("podcast@radio.example.kg", "podcast")
    config.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match="feed.owner_email must be an e-mail address"):
        load_feed(config)


def test_missing_required_keys(tmp_path: Path) -> None:
    config = tmp_path / "bulletin.toml"
    config.write_text('[feed]\ntitle = "Жаңылыктар"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\[feed\] needs feed.dir, feed.base_url"):
        load_feed(config)


@pytest.mark.parametrize(
    ("kwargs", "mime"),
    [
        ({"size": (1400, 1400)}, "image/jpeg"),
        ({"size": (3000, 3000), "kind": "PNG"}, "image/png"),
        ({"size": (2048, 2048), "kind": "PNG", "mode": "P"}, "image/png"),
    ],
)
def test_good_artwork(tmp_path: Path, kwargs: dict, mime: str) -> None:
    artwork = check_artwork(write_artwork(tmp_path, "art", **kwargs))
    assert (artwork.width, artwork.height, artwork.mime) == (*kwargs["size"], mime)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"size": (1400, 1000)}, "must be square \\(is 1400x1000 px\\)"),
        ({"size": (1000, 1000)}, "must be 1400 to 3000 px a side \\(is 1000x1000 px\\)"),
        ({"size": (3001, 3001), "kind": "PNG"}, "must be 1400 to 3000 px a side"),
        ({"mode": "CMYK"}, "must be in the RGB colour space \\(is CMYK\\)"),
        ({"mode": "L"}, "must be in the RGB colour space \\(is L\\)"),
        ({"mode": "RGBA", "kind": "PNG"}, "must be in the RGB colour space \\(is RGBA\\)"),
        ({"kind": "GIF", "mode": "P"}, "must be JPEG or PNG \\(is GIF\\)"),
    ],
)
def test_bad_artwork_is_one_clear_line(tmp_path: Path, kwargs: dict, message: str) -> None:
    path = write_artwork(tmp_path, "art", **kwargs)
    with pytest.raises(FeedError, match=f"^{path}: artwork {message}"):
        check_artwork(path)


def test_artwork_that_is_no_image_or_missing(tmp_path: Path) -> None:
    text = tmp_path / "cover.jpg"
    text.write_text("Бул сүрөт эмес", encoding="utf-8")
    with pytest.raises(FeedError, match="artwork is not an image"):
        check_artwork(text)
    with pytest.raises(FeedError, match="artwork not found"):
        check_artwork(tmp_path / "none.jpg")
