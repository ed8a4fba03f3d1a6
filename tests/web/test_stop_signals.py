"""`bulletin serve` stopped by SIGTERM (a service manager) or SIGHUP (its terminal closed)
in the middle of a job: exit 128 + the signal, one line saying so, no worker left."""

from __future__ import annotations

import signal
import time

import pytest
from test_lifecycle import wait_gone
from web_fixtures import ARTICLE, start_server


@pytest.fixture
def _hangup_live():
    """Under nohup the test runner ignores SIGHUP, and so would the server it starts."""
    previous = signal.signal(signal.SIGHUP, signal.SIG_DFL)
    yield
    signal.signal(signal.SIGHUP, previous)


@pytest.mark.usefixtures("_hangup_live")
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_a_stop_signal_mid_job_is_one_line_and_leaves_no_worker(tmp_path, signum):
    server = start_server(tmp_path / "data", workers=1)
    try:
        client = server.client()
        assert client.post("/v1/articles", json=ARTICLE).status_code == 202
        deadline = time.monotonic() + 120
        while client.get(f"/v1/articles/{ARTICLE['id']}").json()["status"] == "queued":
            assert time.monotonic() < deadline
            time.sleep(0.02)
        workers = server.children()
        assert workers  # the queue's worker (and multiprocessing's resource tracker)
        assert server.stop(signum) == 128 + signum, server.log.read_text()
    finally:
        server.stop(signal.SIGKILL)
    assert wait_gone(workers, timeout=10) == [], "a worker outlived the server"
    said = server.log.read_text().splitlines()[1:]  # after the line saying where it listens
    name = signal.Signals(signum).name
    assert len(said) == 1 and said[0].startswith(f"bulletin serve: interrupted by {name}; "), said
