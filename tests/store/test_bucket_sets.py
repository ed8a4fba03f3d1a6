"""Published output sets in an S3-compatible bucket (moto's server mode on localhost, not
AWS): the manifest is the commit, so a publisher killed half-way or replaced while read
never shows a mix of two sets."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from bulletin.store import Bucket
from bulletin.store.sets import fetch_set, manifest_key, publish_set, read_set

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def _set(folder: Path, tag: str, sizes=(300_000, 2_000, 2_000)) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    files = {}
    for name, size in zip(("release.mp3", "release.vtt", "release.json"), sizes, strict=True):
        path = folder / name
        path.write_bytes((f"{tag}:{name}:".encode() * (size // 8 + 1))[:size])
        files[name] = path
    return files


def _options(endpoint: str) -> dict:
    return {"endpoint_url": endpoint, "timeout_s": 3.0, "retries": 0}


PUBLISHER = """
import sys
from pathlib import Path
from bulletin.store import Bucket
from bulletin.store.sets import publish_set
url, endpoint, folder = sys.argv[1:4]
bucket = Bucket(url, {"endpoint_url": endpoint, "timeout_s": 3.0, "retries": 0})
names = ("release.mp3", "release.vtt", "release.json")
publish_set(bucket, "out/release", {name: Path(folder) / name for name in names})
"""


def test_a_publisher_killed_half_way_leaves_the_old_set_whole(tmp_path, s3_server, bucket_url):
    bucket = Bucket(bucket_url, _options(s3_server.endpoint))
    old = _set(tmp_path / "v1", "v1")
    publish_set(bucket, "out/release", old)
    before = bucket.get(manifest_key("out/release"))
    new = _set(tmp_path / "v2", "v2")
    new["release.vtt"].unlink()
    os.mkfifo(new["release.vtt"])  # the publisher blocks reading it: after the MP3's PUT
    process = subprocess.Popen(
        [sys.executable, "-c", PUBLISHER, bucket_url, s3_server.endpoint, str(tmp_path / "v2")],
        cwd=ROOT,
    )
    deadline = time.monotonic() + 60
    uploaded: list[str] = []
    while not uploaded and time.monotonic() < deadline:
        uploaded = [
            k for k in bucket.keys("sets/out/release") if k.endswith("/release.mp3")
            and bucket.get(k) == new["release.mp3"].read_bytes()
        ]  # fmt: skip
        time.sleep(0.05)
    assert uploaded, "the publisher did not upload its first file"
    process.send_signal(signal.SIGKILL)  # killed half-way through its set
    process.wait()
    assert bucket.get(manifest_key("out/release")) == before  # never committed
    seen = read_set(bucket, "out/release")
    assert seen == {name: path.read_bytes() for name, path in old.items()}
    copy = fetch_set(bucket, "out/release", tmp_path / "copy", "release")
    assert copy is not None
    assert {n: p.read_bytes() for n, p in copy.items()} == seen
    assert sorted(p.name for p in (tmp_path / "copy").iterdir()) == sorted(old)  # no temporaries


def test_readers_see_one_whole_set_while_it_is_replaced(tmp_path, s3_server, bucket_url):
    bucket = Bucket(bucket_url, _options(s3_server.endpoint))
    sets = {tag: _set(tmp_path / tag, tag, (40_000, 900, 700)) for tag in ("a", "b")}
    contents = {
        tag: {name: path.read_bytes() for name, path in files.items()}
        for tag, files in sets.items()
    }
    publish_set(bucket, "articles/news-1/v1", sets["a"])
    stop = threading.Event()

    def publisher() -> None:
        for round_ in range(12):
            publish_set(bucket, "articles/news-1/v1", sets["ab"[round_ % 2]])
        stop.set()

    thread = threading.Thread(target=publisher)
    thread.start()
    reads = 0
    reader = Bucket(bucket_url, _options(s3_server.endpoint))
    while not stop.is_set():
        seen = read_set(reader, "articles/news-1/v1")
        assert seen in (contents["a"], contents["b"])  # never a mix
        reads += 1
    thread.join()
    assert reads > 0
    # the replaced runs' files are removed: only the last run's are left
    assert len(bucket.keys("sets/articles/news-1/v1")) == 3
    assert read_set(bucket, "articles/nothing") is None
