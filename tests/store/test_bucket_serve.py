"""``bulletin serve`` with ``[store] url``: each article version's outputs are published in
the bucket too, a second server with its own data folder and cache reuses the first's clips,
a server whose folder lacks a ready version's files fetches them through the bucket's
manifest, and old or deleted versions leave the bucket. Real servers (subprocesses); the
bucket is moto's S3-compatible server on localhost (not AWS)."""

from __future__ import annotations

import shutil

from store_fixtures import store_config
from web_fixtures import ARTICLE, start_server, wait_ready

from bulletin.store import Bucket
from bulletin.store.sets import read_set


def test_two_servers_share_clips_and_outputs_through_the_bucket(tmp_path, s3_server, bucket_url):
    config = store_config(tmp_path / "bulletin.toml", bucket_url, s3_server.endpoint)
    bucket = Bucket(bucket_url, {"endpoint_url": s3_server.endpoint})
    first = start_server(tmp_path / "a" / "data", workers=1, extra=("--config", str(config)))
    try:
        with first.client() as client:
            assert client.post("/v1/articles", json=ARTICLE).status_code == 202
            body = wait_ready(client, [ARTICLE["id"]])[ARTICLE["id"]]
            assert body["status"] == "ready" and body["synthesised"] > 0
            audio = client.get("/v1/articles/news-1/audio.mp3").content
            published = read_set(bucket, "articles/news-1/v1")
            assert published is not None and published["article.mp3"] == audio
            # this server's folder loses the files: they come back through the bucket
            shutil.rmtree(first.data_dir / "articles" / "news-1" / "v1")
            again = client.get("/v1/articles/news-1/audio.mp3")
            assert again.status_code == 200 and again.content == audio
            assert client.get("/listen/news-1").status_code == 200
    finally:
        first.stop()
    second = start_server(tmp_path / "b" / "data", workers=1, extra=("--config", str(config)))
    try:
        with second.client() as client:
            assert client.post("/v1/articles", json=ARTICLE).status_code == 202
            body = wait_ready(client, [ARTICLE["id"]])[ARTICLE["id"]]
            assert body["status"] == "ready" and body["synthesised"] == 0  # every clip reused
            assert client.get("/v1/articles/news-1/audio.mp3").content == audio
            edited = {**ARTICLE, "text": ARTICLE["text"] + "\n\nЖаңы сүйлөм кошулду."}
            assert client.post("/v1/articles", json=edited).status_code == 202
            assert wait_ready(client, ["news-1"])["news-1"]["ready_version"] == 2
            assert read_set(bucket, "articles/news-1/v2") is not None
            assert read_set(bucket, "articles/news-1/v1") is None  # the old version left
            assert client.delete("/v1/articles/news-1").status_code == 204
            assert bucket.keys("sets/articles/news-1") == []
    finally:
        second.stop()
