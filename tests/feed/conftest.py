"""Fixtures for the feed tests: three bulletins made once per session, a station folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from feed_fixtures import make_bulletins, write_config

from bulletin.feed import FeedSettings, load_feed


@pytest.fixture(scope="session")
def manifests(tmp_path_factory) -> list[Path]:
    """bazar, kar, mektep: made for real with the espeak voice (do not modify them)."""
    return make_bulletins(tmp_path_factory.mktemp("made"))


@pytest.fixture
def station(tmp_path: Path) -> Path:
    """A station folder with bulletin.toml and its artwork; returns the config path."""
    return write_config(tmp_path)


@pytest.fixture
def feed(station: Path) -> FeedSettings:
    return load_feed(station)
