"""The clip cache in an S3-compatible bucket (moto's server mode on localhost, not AWS):
a clip made by one machine is replayed by another, racing writers leave one whole entry,
a corrupt object is a miss and is written again."""

from __future__ import annotations

import multiprocessing
import re
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from store_fixtures import store_config

from bulletin import store
from bulletin.cli import main
from bulletin.store import Bucket
from bulletin.store.sets import read_set
from bulletin.synth.cache import ClipCache, clip_key
from bulletin.synth.voice import WordEvent

ROOT = Path(__file__).resolve().parents[2]
RELEASE = ROOT / "examples" / "release.txt"


def _make(tmp_path: Path, config: Path, cache: str, out: str):
    return CliRunner().invoke(
        main,
        ["make", str(RELEASE), "--config", str(config), "--cache-dir", str(tmp_path / cache),
         "--out", str(tmp_path / out), "--jobs", "1", "--quiet"],
        catch_exceptions=False,
    )  # fmt: skip


def _counts(output: str) -> tuple[int, int]:
    m = re.search(r"\((\d+) sentences, (\d+) synthesised", output)
    assert m, output
    return int(m.group(1)), int(m.group(2))


def _bucket(url: str, endpoint: str) -> Bucket:
    return Bucket(url, {"endpoint_url": endpoint, "timeout_s": 3.0, "retries": 0})


def test_a_second_machine_replays_every_clip_from_the_bucket(tmp_path, s3_server, bucket_url):
    config = store_config(tmp_path / "bulletin.toml", bucket_url, s3_server.endpoint)
    first = _make(tmp_path, config, "cache-a", "out-a")
    assert first.exit_code == 0, first.output
    sentences, synthesised = _counts(first.output)
    assert synthesised > 0
    bucket = _bucket(bucket_url, s3_server.endpoint)
    clips = [k for k in bucket.keys("clips")]
    assert len(clips) == synthesised
    # another machine: its own (empty) cache folder, the same bucket
    second = _make(tmp_path, config, "cache-b", "out-b")
    assert second.exit_code == 0, second.output
    assert _counts(second.output) == (sentences, 0)
    assert len(list((tmp_path / "cache-b").glob("*.wav"))) == synthesised
    audio_a = (tmp_path / "out-a" / "release.mp3").read_bytes()
    assert (tmp_path / "out-b" / "release.mp3").read_bytes() == audio_a
    # the published set is in the bucket too, whole
    published = read_set(bucket, "out/release")
    assert published is not None and published["release.mp3"] == audio_a
    assert set(published) == {p.name for p in (tmp_path / "out-b").iterdir()}


def test_no_cache_keeps_clips_out_of_the_bucket_but_publishes(tmp_path, s3_server, bucket_url):
    config = store_config(tmp_path / "bulletin.toml", bucket_url, s3_server.endpoint)
    result = CliRunner().invoke(
        main,
        ["make", str(RELEASE), "--config", str(config), "--no-cache", "--out",
         str(tmp_path / "out"), "--jobs", "2", "--quiet"],
        catch_exceptions=False,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    bucket = _bucket(bucket_url, s3_server.endpoint)
    assert bucket.keys("clips") == []
    published = read_set(bucket, "out/release")
    assert published is not None
    assert published["release.mp3"] == (tmp_path / "out" / "release.mp3").read_bytes()


def test_a_corrupt_object_is_a_miss_and_is_written_again(tmp_path, s3_server, bucket_url):
    config = store_config(tmp_path / "bulletin.toml", bucket_url, s3_server.endpoint)
    assert _make(tmp_path, config, "cache-a", "out-a").exit_code == 0
    bucket = _bucket(bucket_url, s3_server.endpoint)
    flipped, cut = bucket.keys("clips")[:2]
    good = {key: bucket.get(key) for key in (flipped, cut)}
    bad = bytearray(good[flipped])
    bad[-40] ^= 0xFF  # one flipped byte in the samples or the word data
    bucket.put(flipped, bytes(bad))
    bucket.put(cut, good[cut][: len(good[cut]) // 2])  # a truncated object
    second = _make(tmp_path, config, "cache-b", "out-b")
    assert second.exit_code == 0, second.output
    assert _counts(second.output)[1] == 2  # only the two bad clips are made again
    assert {key: bucket.get(key) for key in good} == good  # rewritten whole
    a, b = (tmp_path / "out-a" / "release.mp3"), (tmp_path / "out-b" / "release.mp3")
    assert a.read_bytes() == b.read_bytes()


KEYS = 40


def _samples(index: int) -> np.ndarray:
    rng = np.random.default_rng(index)
    return (rng.integers(-20000, 20000, 3000 + index) / 32768.0).astype(np.float32)


def _writer(folder: str, url: str, options: str, barrier) -> None:
    import os

    os.environ[store.STORE_ENV], os.environ[store.OPTIONS_ENV] = url, options
    cache = ClipCache(Path(folder))  # each "machine" its own local folder
    assert cache.bucket is not None
    barrier.wait()
    for index in range(KEYS):
        key = clip_key("e" * 64, f"сүйлөм {index}")
        cache.put(key, _samples(index), 22050, (WordEvent(0, 0, 1000),), "estimate")


def test_machines_writing_the_same_clips_at_once_leave_one_whole_entry_each(
    tmp_path, s3_server, bucket_url
):
    options = f'{{"endpoint_url": "{s3_server.endpoint}", "retries": 0, "timeout_s": 5}}'
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(3)
    writers = [
        context.Process(
            target=_writer, args=(str(tmp_path / f"machine-{n}"), bucket_url, options, barrier)
        )
        for n in range(3)
    ]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(timeout=180)
        assert writer.exitcode == 0
    bucket = _bucket(bucket_url, s3_server.endpoint)
    assert len(bucket.keys("clips")) == KEYS
    for name, value in {store.STORE_ENV: bucket_url, store.OPTIONS_ENV: options}.items():
        pytest.MonkeyPatch().setenv(name, value)  # undone by the bucket_url fixture
    reader = ClipCache(tmp_path / "reader")
    for index in range(KEYS):
        clip = reader.get(clip_key("e" * 64, f"сүйлөм {index}"))
        assert clip is not None and clip.samples == 3000 + index


def test_an_object_under_another_key_or_without_its_header_is_a_miss(
    tmp_path, s3_server, bucket_url, monkeypatch
):
    options = f'{{"endpoint_url": "{s3_server.endpoint}", "retries": 0, "timeout_s": 5}}'
    monkeypatch.setenv(store.STORE_ENV, bucket_url)
    monkeypatch.setenv(store.OPTIONS_ENV, options)
    first, second = clip_key("d" * 64, "бир"), clip_key("d" * 64, "эки")
    made = ClipCache(tmp_path / "a").put(first, _samples(1), 22050, (WordEvent(0, 0, 9),), "engine")
    bucket = store.active()
    whole = bucket.get(f"clips/{first}")
    bucket.put(f"clips/{second}", whole)  # a whole entry, but of another clip
    assert ClipCache(tmp_path / "b").get(second) is None
    bucket.put(f"clips/{second}", whole.partition(b"\n")[2])  # the WAV without its name line
    assert ClipCache(tmp_path / "c").get(second) is None
    fetched = ClipCache(tmp_path / "d").get(first)
    assert fetched is not None and fetched.path.read_bytes() == made.path.read_bytes()
    assert fetched.words == made.words and fetched.path.parent == tmp_path / "d"
