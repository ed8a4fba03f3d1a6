"""Articles on the distributed queue: ``bulletin serve`` with ``BULLETIN_QUEUE_URL`` and
``bulletin worker`` processes sharing the data folder and clip cache; a long article fanned
out as clip jobs; every result the same, byte for byte, as one ``bulletin make``; a worker
with another voice version never mixes its clips into a bulletin."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from redis_fixtures import QUICK, ROOT, _free_port

from bulletin.jobs import QueueSettings
from bulletin.jobs.redis import RedisQueue
from bulletin.web.routers.articles import article_task
from bulletin.web.settings import ServeSettings
from bulletin.web.store import ArticleState, ArticleStore, article_digest

TOKEN = "queue-test-token-5b1e"
CORPUS = ROOT / "examples" / "corpus"
FANOUT = QUICK + "fanout_sentences = 8\nfanout_slice = 4\n"


def body(name: str) -> tuple[str, str]:
    """(title, text) of a corpus release: its first line is the headline."""
    text = (CORPUS / name).read_text(encoding="utf-8").strip()
    title, _, rest = text.partition("\n")
    return title.strip(), rest.strip()


def direct_make(
    release: str, folder: Path, config: Path, title: str | None = None
) -> dict[str, bytes]:
    """``bulletin make`` of the same release on one machine, with a cache of its own."""
    folder.mkdir(parents=True)
    source = folder / "article.txt"
    source.write_text(release, encoding="utf-8")
    env = {**os.environ, "XDG_CACHE_HOME": str(folder / "cache")}
    subprocess.run(
        [sys.executable, "-m", "bulletin", "make", str(source), "--config", str(config),
         "--format", "mp3", "-o", str(folder / "out"), "--jobs", "1",
         *(["--title", title] if title else [])],
        check=True, env=env, cwd=ROOT, capture_output=True,
    )  # fmt: skip
    return files(folder / "out")


def files(folder: Path) -> dict[str, bytes]:
    """Every output file's bytes; the manifest without ``settings.out_dir`` (the folder a
    make wrote to, which differs by definition), every other byte of it kept."""
    found = {p.name: p.read_bytes() for p in sorted(folder.iterdir())}
    manifest = json.loads(found["article.json"])
    assert manifest["settings"].pop("out_dir")
    found["article.json"] = json.dumps(manifest, ensure_ascii=False).encode()
    return found


def published(data: Path, article_id: str) -> dict[str, bytes]:
    state = ArticleStore(data).read(article_id)
    assert state is not None and state.status == "ready", state
    return files(data / "articles" / article_id / f"v{state.ready_version}")


def post(store: ArticleStore, queue: RedisQueue, settings: ServeSettings, article_id, release):
    """What POST /v1/articles does: the source, the state, the task."""
    store.write_source(article_id, 1, release)
    state = store.write(
        ArticleState(article_id, 1, "queued", article_digest(release, None, None), created=1.0)
    )
    return queue.submit(article_task(settings, state)).key


def wait_ready(store: ArticleStore, ids, timeout=240.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        states = [store.read(i) for i in ids]
        if all(s and s.status in ("ready", "failed") for s in states):
            assert all(s.status == "ready" for s in states), states
            return
        assert time.monotonic() < deadline, states
        time.sleep(0.2)


def test_serve_on_redis_two_workers_a_kill_and_a_restart(
    redis_server, workers, tmp_path, worker_config
):
    worker_config.write_text(FANOUT, encoding="utf-8")
    data = tmp_path / "data"
    port = _free_port()
    env = {**os.environ, "BULLETIN_TOKEN": TOKEN, "BULLETIN_QUEUE_URL": redis_server.url}
    log = open(tmp_path / "serve.log", "wb")  # noqa: SIM115 - closed below
    server = subprocess.Popen(
        [sys.executable, "-m", "bulletin", "serve", "--port", str(port), "--data-dir", str(data),
         "--config", str(worker_config)],
        env=env, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        client = httpx.Client(
            base_url=f"http://127.0.0.1:{port}",
            headers={"Authorization": f"Bearer {TOKEN}"},
            timeout=30,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                if client.get("/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None and time.monotonic() < deadline
            time.sleep(0.1)
        started = (tmp_path / "serve.log").read_text(encoding="utf-8").splitlines()[0]
        assert started.endswith(f"data in {data}, jobs on {redis_server.url}")
        first = workers.start()
        workers.start()
        articles = {
            "short": ("Бишкекте жаңы мектеп ачылды", "Мектепте 45 класс бар. Курулуш бүттү."),
            "long": body("02-weather.txt"),
            "third": body("04-sport.txt"),
        }
        for article_id, (title, text) in articles.items():
            answer = client.post("/v1/articles", json={"id": article_id, "title": title,
                                                       "text": text})  # fmt: skip
            assert answer.status_code == 202, answer.text
        time.sleep(1.0)
        workers.kill(first)  # a machine dies mid-way
        redis_server.kill()  # and Redis restarts
        redis_server.start()
        deadline = time.monotonic() + 240
        for article_id in articles:
            while (status := client.get(f"/v1/articles/{article_id}").json())["status"] not in (
                "ready",
                "failed",
            ):
                assert time.monotonic() < deadline, status
                time.sleep(0.2)
            assert status["status"] == "ready", status
            assert status["ready_version"] == 1
        # the long one was split into clip jobs
        queue = RedisQueue(QueueSettings(state_dir=tmp_path, url=redis_server.url))
        assert queue.state("article:long:v1:clips:0").status == "done"
        assert queue.state("article:long:v1").status == "done"
        for article_id, (title, text) in articles.items():
            release = f"{title}\n\n{text.strip()}\n"
            alone = direct_make(release, tmp_path / f"alone-{article_id}", worker_config, title)
            made = published(data, article_id)
            assert made == alone
            versions = sorted(p.name for p in (data / "articles" / article_id).glob("v*"))
            assert versions == ["v1"]  # published once
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
        log.close()


def _preset(folder: Path, rate: int) -> Path:
    text = (ROOT / "voices" / "ky-espeak.toml").read_text(encoding="utf-8")
    path = folder / f"ky-espeak-{rate}.toml"
    path.write_text(text.replace("rate = 160", f"rate = {rate}"), encoding="utf-8")
    return path


def test_workers_of_two_voice_versions_never_mix_clips(redis_server, workers, tmp_path):
    configs = []
    for rate in (150, 175):
        config = tmp_path / f"worker-{rate}.toml"
        preset = _preset(tmp_path, rate)
        config.write_text(FANOUT.replace('voice = "ky-espeak"', f'voice = "{preset}"'))
        configs.append(config)
    title, text = body("02-weather.txt")
    release = f"{title}\n\n{text}\n"
    versions = [
        direct_make(release, tmp_path / f"alone-{i}", config) for i, config in enumerate(configs)
    ]
    assert versions[0]["article.mp3"] != versions[1]["article.mp3"]
    for config in configs:
        workers.start("--voices", "ky-espeak", config=config)
    data = tmp_path / "data"
    settings = ServeSettings(data_dir=data, config=configs[0])
    store = ArticleStore(data)
    queue = RedisQueue(QueueSettings(state_dir=tmp_path, url=redis_server.url))
    ids = [f"weather-{i}" for i in range(3)]
    for article_id in ids:
        post(store, queue, settings, article_id, release)
    wait_ready(store, ids)
    for article_id in ids:
        made = published(data, article_id)
        assert made in versions  # one version's clips only, never a mixture


@pytest.mark.parametrize("size", [3, 100])
def test_fanned_out_or_not_the_bytes_are_the_same(redis_server, workers, tmp_path, size):
    config = tmp_path / "bulletin.toml"
    config.write_text(QUICK + f"fanout_sentences = {size}\nfanout_slice = 2\n")
    title, text = body("04-sport.txt")
    release = f"{title}\n\n{text}\n"
    alone = direct_make(release, tmp_path / "alone", config)
    workers.start("--concurrency", "2", config=config)
    data = tmp_path / "data"
    store = ArticleStore(data)
    queue = RedisQueue(QueueSettings(state_dir=tmp_path, url=redis_server.url))
    post(store, queue, ServeSettings(data_dir=data, config=config), "sport", release)
    wait_ready(store, ["sport"])
    split = queue.state("article:sport:v1:clips:0")
    assert (split is not None) == (size == 3)
    assert published(data, "sport") == alone
