"""Fixtures for the web tests (helpers live in ``web_fixtures.py``)."""

from __future__ import annotations

import signal

import pytest
from test_lifecycle import wait_gone
from web_fixtures import start_server


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data = tmp_path_factory.mktemp("serve") / "data"
    server = start_server(data)
    yield server
    workers = server.children()
    assert len(workers) >= 2  # the queue workers (and multiprocessing's resource tracker)
    assert server.stop() == 128 + signal.SIGTERM, server.log.read_text()
    assert wait_gone(workers, timeout=10) == [], "workers outlived the server"
    log = server.log.read_text()
    assert "Traceback" not in log and "stopped" in log
