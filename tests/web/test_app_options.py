"""The app in process (a real embedded queue behind it): private reads, CORS, a full queue."""

from __future__ import annotations

from fastapi.testclient import TestClient
from web_fixtures import ARTICLE, TOKEN

from bulletin.jobs import QueueSettings, Task
from bulletin.jobs.embedded import EmbeddedQueue
from bulletin.web import ServeSettings, create_app

AUTH = {"Authorization": f"Bearer {TOKEN}"}


def test_private_reads_need_the_token(tmp_path):
    settings = ServeSettings(data_dir=tmp_path / "data", token=TOKEN, private_reads=True)
    with TestClient(create_app(settings)) as client:
        assert client.get("/v1/voices").status_code == 401
        assert client.get("/v1/articles/news-1").status_code == 401
        assert client.get("/listen/news-1").status_code == 401
        assert client.get("/v1/voices", headers=AUTH).status_code == 200
        assert client.get("/healthz").status_code == 200  # health stays open


def test_cors_allows_only_the_configured_origins(tmp_path):
    site = "https://news.example.kg"
    settings = ServeSettings(data_dir=tmp_path / "data", token=TOKEN, cors_origins=(site,))
    with TestClient(create_app(settings)) as client:
        allowed = client.options(
            "/v1/articles",
            headers={"Origin": site, "Access-Control-Request-Method": "POST",
                     "Access-Control-Request-Headers": "authorization,content-type"},
        )  # fmt: skip
        assert allowed.status_code == 200
        assert allowed.headers["access-control-allow-origin"] == site
        other = client.get("/v1/voices", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers
        page = client.get("/listen/missing")
        assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")


def test_a_full_queue_answers_503_with_retry_after(tmp_path):
    settings = ServeSettings(data_dir=tmp_path / "data", token=TOKEN, max_queued=1)
    queue = EmbeddedQueue(QueueSettings(state_dir=tmp_path / "queue", workers=1, max_pending=1))
    try:
        queue.submit(Task("subprocess:run", {"args": ["sleep", "30"]}, key="busy"))
        with TestClient(create_app(settings, queue=queue)) as client:
            answer = client.post("/v1/articles", json=ARTICLE, headers=AUTH)
            assert answer.status_code == 503 and answer.headers["retry-after"] == "30"
            assert "try again later" in answer.json()["error"]
            assert client.get("/v1/articles/news-1").status_code == 404  # nothing half-made
            ready = client.get("/readyz")
            assert ready.status_code == 503 and ready.json()["checks"]["queue"].startswith("1 ")
    finally:
        queue.close()
