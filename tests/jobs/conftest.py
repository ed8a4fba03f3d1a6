"""Fixtures of the distributed queue's tests (see redis_fixtures)."""

from redis_fixtures import redis_server, worker_config, workers  # noqa: F401
