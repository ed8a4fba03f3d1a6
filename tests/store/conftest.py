"""An S3-compatible server on localhost for the shared store's tests: moto's server mode
(``ThreadedMotoServer``, as s3fs's own tests use), in this process, on a free port. It is
not AWS: it speaks S3's HTTP API well enough to test what bulletin does over it (whole-object
PUTs, 404s, a missing bucket); nothing leaves the machine."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from store_fixtures import S3Server

# the queue tests' real redis-server fixture, for the workers sharing a bucket, and the web
# tests' real ``bulletin serve`` helpers
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "jobs"))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "web"))
from redis_fixtures import redis_server  # noqa: E402, F401


@pytest.fixture(scope="session")
def s3_server():
    server = S3Server()
    yield server
    server.stop()


@pytest.fixture
def bucket_url(s3_server, monkeypatch, request):
    """A fresh, empty bucket (one per test) and the credentials moto accepts, in the
    environment the way AWS's own tools read them."""
    for name, value in s3_server.environment().items():
        monkeypatch.setenv(name, value)
    for name in ("BULLETIN_STORE_URL", "BULLETIN_STORE_OPTIONS"):
        # an in-process make sets them (for its workers): undone after the test
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    return s3_server.new_bucket()
