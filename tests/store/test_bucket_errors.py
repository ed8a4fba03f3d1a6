"""A store that cannot be used is one line and exit 1 before anything is made: a wrong
URL, a missing bucket, no credentials, an endpoint that does not answer (short timeouts,
no long retries), s3fs not installed. The S3 server is moto's, on localhost (not AWS)."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from store_fixtures import store_config

from bulletin.cli import main

RELEASE = Path(__file__).resolve().parents[2] / "examples" / "release.txt"


def _make(tmp_path: Path, config: Path, env: dict | None = None):
    return CliRunner().invoke(
        main,
        ["make", str(RELEASE), "--config", str(config), "--cache-dir", str(tmp_path / "cache"),
         "--out", str(tmp_path / "out"), "--jobs", "1", "--quiet"],
        env=env,
    )  # fmt: skip


def _one_line(result, *parts: str) -> None:
    assert result.exit_code == 1, result.output + result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("error: ") and "Traceback" not in result.stderr
    for part in parts:
        assert part in result.stderr, result.stderr


def _nothing_made(tmp_path: Path) -> None:
    assert not list(tmp_path.glob("out/*.mp3"))
    assert not list(tmp_path.glob("cache/*.wav"))


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when the block ends: nobody listens


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("http://bucket/prefix", "store.url must be an S3 URL"),
        ("s3://Bad_Bucket/x", "store.url must name a bucket"),
        ("s3://bucket//x", "store.url must have a plain prefix"),
    ],
)
def test_a_wrong_url_in_the_settings(tmp_path, s3_server, bucket_url, url, said):
    config = store_config(tmp_path / "bulletin.toml", url, s3_server.endpoint)
    _one_line(_make(tmp_path, config), str(config), said)
    _nothing_made(tmp_path)


def test_a_wrong_url_in_the_environment(tmp_path, s3_server, bucket_url):
    config = store_config(tmp_path / "bulletin.toml", bucket_url, s3_server.endpoint)
    result = _make(tmp_path, config, env={"BULLETIN_STORE_URL": "gs://elsewhere"})
    _one_line(result, "BULLETIN_STORE_URL must be an S3 URL")


def test_a_bad_setting_in_the_store_table(tmp_path, s3_server, bucket_url):
    config = store_config(tmp_path / "bulletin.toml", bucket_url, s3_server.endpoint, "tls = 1\n")
    _one_line(_make(tmp_path, config), "unknown setting 'store.tls'")
    config = store_config(tmp_path / "b.toml", bucket_url, "ftp://host", "")
    _one_line(_make(tmp_path, config), "store.endpoint_url must be an http(s) URL")
    config = store_config(tmp_path / "c.toml", bucket_url, s3_server.endpoint, 'key = "k"\n')
    _one_line(_make(tmp_path, config), "store.key and store.secret go together")


def test_a_missing_bucket(tmp_path, s3_server, bucket_url):
    config = store_config(tmp_path / "bulletin.toml", "s3://no-such-bucket/x", s3_server.endpoint)
    _one_line(_make(tmp_path, config), "s3://no-such-bucket/x", "no such bucket")
    _nothing_made(tmp_path)


def test_no_credentials(tmp_path, s3_server, bucket_url, monkeypatch):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    config = store_config(tmp_path / "bulletin.toml", bucket_url, s3_server.endpoint)
    _one_line(_make(tmp_path, config), bucket_url, "no credentials")
    _nothing_made(tmp_path)


def test_an_endpoint_that_does_not_answer(tmp_path, bucket_url):
    endpoint = f"http://127.0.0.1:{_closed_port()}"
    config = store_config(tmp_path / "bulletin.toml", bucket_url, endpoint)
    _one_line(_make(tmp_path, config), f"cannot reach {endpoint}")
    _nothing_made(tmp_path)


def test_s3fs_not_installed(tmp_path, s3_server, bucket_url, monkeypatch):
    monkeypatch.setitem(sys.modules, "s3fs", None)  # what an install without the extra has
    config = store_config(tmp_path / "bulletin.toml", bucket_url, s3_server.endpoint)
    _one_line(_make(tmp_path, config), "pip install 'bulletin[store]'")
