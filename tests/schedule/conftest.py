"""Fixtures for the schedule tests (helpers live in ``schedule_fixtures.py``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from schedule_fixtures import BULLETIN_MODE, write_config


@pytest.fixture
def station(tmp_path: Path) -> Path:
    """A station in bulletin mode at 08:00 and 18:00 Bishkek time, with jingles."""
    return write_config(tmp_path, schedule=BULLETIN_MODE, jingles=True)
