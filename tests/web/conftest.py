"""Fixtures for the web tests (helpers live in ``web_fixtures.py``)."""

from __future__ import annotations

import pytest
from web_fixtures import start_server


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data = tmp_path_factory.mktemp("serve") / "data"
    server = start_server(data)
    yield server
    assert server.stop() == 0, server.log.read_text()
