"""Fixtures for the publish tests (helpers live in ``publish_fixtures.py``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from publish_fixtures import jpeg_bytes, make_programme, png_bytes

from bulletin.publish import Programme


@pytest.fixture
def programme() -> Programme:
    return make_programme()


@pytest.fixture
def png_cover(tmp_path: Path) -> Path:
    path = tmp_path / "cover.png"
    path.write_bytes(png_bytes())
    return path


@pytest.fixture
def jpeg_cover(tmp_path: Path) -> Path:
    # Named .png on purpose: the MIME type must come from the bytes.
    path = tmp_path / "cover-really-jpeg.png"
    path.write_bytes(jpeg_bytes())
    return path
