"""Many articles at once, and a server killed mid-job: every accepted article is made once."""

from __future__ import annotations

import signal
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor

from test_lifecycle import wait_gone
from web_fixtures import start_server, wait_ready

STORIES = [
    "Бишкекте {n}-мектеп ачылды. Анда {m} окуучу окуйт.",
    "Ош шаарында {n} үй курулду. Курулушка {m} млн сом жумшалды.",
    "Нарында {n} гектар жерге буудай себилди. Түшүм {m} тоннага жетет.",
]


def article(number: int) -> dict:
    text = STORIES[number % len(STORIES)].format(n=number + 1, m=(number + 3) * 17)
    return {"id": f"load-{number:02d}", "title": f"Жаңылык {number + 1}", "text": text}


def tasks(data_dir) -> list[tuple[str, str, int]]:
    db = sqlite3.connect(data_dir / "queue" / "queue.sqlite3")
    try:
        return db.execute("SELECT key, status, attempts FROM tasks ORDER BY key").fetchall()
    finally:
        db.close()


def versions(data_dir, article_id: str) -> list[str]:
    folder = data_dir / "articles" / article_id
    return sorted(p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))


def test_fifty_articles_posted_at_once_are_all_made_once(tmp_path):
    server = start_server(tmp_path / "data", workers=2)
    try:
        client = server.client()
        with ThreadPoolExecutor(50) as pool:
            answers = list(
                pool.map(lambda n: client.post("/v1/articles", json=article(n)), range(50))
            )
        assert [a.status_code for a in answers] == [202] * 50
        done = wait_ready(client, [f"load-{n:02d}" for n in range(50)], timeout=600)
        assert {body["status"] for body in done.values()} == {"ready"}
        assert {body["version"] for body in done.values()} == {1}
        rows = tasks(server.data_dir)
        assert [key for key, _, _ in rows] == [f"article:load-{n:02d}:v1" for n in range(50)]
        assert {(status, attempts) for _, status, attempts in rows} == {("done", 1)}
        for n in range(50):
            assert versions(server.data_dir, f"load-{n:02d}") == ["v1"]
            manifest = client.get(f"/v1/articles/load-{n:02d}/manifest.json").json()
            assert manifest["sentences"][1]["written"].startswith(article(n)["text"][:10])
    finally:
        server.stop()


def test_a_server_killed_mid_job_finishes_every_accepted_article_after_a_restart(tmp_path):
    data = tmp_path / "data"
    server = start_server(data, workers=1)
    ids = [f"load-{n:02d}" for n in range(8)]
    try:
        client = server.client()
        for n in range(8):
            assert client.post("/v1/articles", json=article(n)).status_code == 202
        deadline = time.monotonic() + 120
        while client.get(f"/v1/articles/{ids[0]}").json()["status"] == "queued":
            assert time.monotonic() < deadline
            time.sleep(0.02)
        workers = server.children()
        assert server.stop(signal.SIGKILL) == -signal.SIGKILL
    finally:
        server.stop(signal.SIGKILL)
    assert wait_gone(workers, timeout=10) == [], "workers outlived a killed server"
    states = {status for _, status, _ in tasks(data)}
    assert "queued" in states  # the kill came before the work was done

    again = start_server(data, workers=2)
    try:
        done = wait_ready(again.client(), ids, timeout=600)
        assert {body["status"] for body in done.values()} == {"ready"}
        assert {body["version"] for body in done.values()} == {1}
        for article_id in ids:
            assert versions(data, article_id) == ["v1"]
            audio = again.client().get(f"/v1/articles/{article_id}/audio.mp3")
            assert audio.status_code == 200 and audio.content[:3] == b"ID3"
        assert {status for _, status, _ in tasks(data)} == {"done"}
    finally:
        assert again.stop() == 128 + signal.SIGTERM
    assert not list(data.glob("articles/*/.make-*")), "a killed make left its work folder"
