"""Queue workers on "two machines" (each its own clip cache folder) sharing one bucket
through ``[store] url`` in their bulletin.toml: a clip one worker made is replayed by the
other, not made again. Real redis-server and ``bulletin worker`` processes; the bucket is
moto's S3-compatible server on localhost (not AWS)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from queue_client import wait_for  # tests/jobs, on the path through this folder's conftest
from redis_fixtures import QUICK, Workers
from store_fixtures import store_config

from bulletin import store, synth
from bulletin.jobs import QueueSettings, Task, open_queue

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]

TEXTS = ["Бишкекте бүгүн күн ачык болот.", "Эртең жаан жаайт.", "Жаңылыктар ушуну менен бүттү."]


@pytest.fixture
def queue(redis_server, tmp_path):
    q = open_queue(QueueSettings(state_dir=tmp_path / "queue", url=redis_server.url))
    yield q
    q.close()


def test_a_clip_made_by_one_worker_is_reused_by_another(
    tmp_path,
    s3_server,
    bucket_url,
    redis_server,
    queue,
    monkeypatch,
):
    config = tmp_path / "bulletin.toml"
    store_config(config, bucket_url, s3_server.endpoint)
    config.write_text(config.read_text() + QUICK.replace('voice = "ky-espeak"\n', ""))
    pool = Workers(redis_server.url, config)
    path = os.pathsep.join([str(HERE), str(HERE.parent / "jobs"), str(ROOT)])
    records = []
    try:
        for machine in ("a", "b"):
            worker = pool.start(env={"PYTHONPATH": path, "MACHINE_CACHE": str(tmp_path / machine)})
            record = tmp_path / f"{machine}.json"
            key = queue.submit(
                Task("store_tasks:clips", {"texts": TEXTS, "record": str(record)}, key=machine)
            ).key
            (state,) = wait_for(queue, [key], timeout=120)
            assert state.status == "done", state
            records.append(json.loads(record.read_text()))
            pool.kill(worker)  # this machine is gone before the next one starts
    finally:
        pool.stop_all()
    assert records[0]["synthesised"] == len(TEXTS)
    assert records[1]["synthesised"] == 0 and records[1]["hits"] == len(TEXTS)
    # a third machine, with nothing in its folder, finds all three in the bucket
    monkeypatch.setenv(store.STORE_ENV, bucket_url)
    monkeypatch.setenv(store.OPTIONS_ENV, json.dumps({"endpoint_url": s3_server.endpoint}))
    assert synth.uncached(TEXTS, synth.resolve_voice("ky-espeak"), tmp_path / "c") == []
    a = sorted(p.read_bytes() for p in (tmp_path / "a").glob("*.wav"))
    assert a == sorted(p.read_bytes() for p in (tmp_path / "b").glob("*.wav"))
