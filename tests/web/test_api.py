"""The article API against a running ``bulletin serve``: upsert, status, files, delete."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

from web_fixtures import ARTICLE, TOKEN, wait_ready


def test_an_article_is_made_and_served(server):
    client = server.client()
    answer = client.post("/v1/articles", json=ARTICLE)
    assert answer.status_code == 202, answer.text
    body = answer.json()
    assert body["status"] in ("queued", "making") and body["version"] == 1
    assert answer.headers["location"] == body["url"] == f"{server.url}/v1/articles/news-1"
    ready = wait_ready(client, ["news-1"])["news-1"]
    assert ready["status"] == "ready", ready
    assert ready["sentences"] == 4 and ready["synthesised"] == 4
    assert set(ready["files"]) == {"audio", "captions", "srt", "transcript", "chapters", "manifest"}
    assert ready["player"] == f"{server.url}/listen/news-1"

    audio = client.get(ready["files"]["audio"])
    assert audio.status_code == 200 and audio.headers["content-type"] == "audio/mpeg"
    assert audio.content[:3] == b"ID3"
    assert audio.headers["accept-ranges"] == "bytes"
    etag, modified = audio.headers["etag"], audio.headers["last-modified"]
    head = client.head("/v1/articles/news-1/audio.mp3")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == str(len(audio.content))
    assert head.headers["etag"] == etag

    part = client.get("/v1/articles/news-1/audio.mp3", headers={"Range": "bytes=100-199"})
    assert part.status_code == 206
    assert part.headers["content-range"] == f"bytes 100-199/{len(audio.content)}"
    assert part.content == audio.content[100:200]
    tail = client.get("/v1/articles/news-1/audio.mp3", headers={"Range": "bytes=-50"})
    assert tail.status_code == 206 and tail.content == audio.content[-50:]
    beyond = client.get(
        "/v1/articles/news-1/audio.mp3", headers={"Range": f"bytes={len(audio.content) + 5}-"}
    )
    assert beyond.status_code == 416

    assert client.get(ready["files"]["audio"], headers={"If-None-Match": etag}).status_code == 304
    since = client.get(ready["files"]["audio"], headers={"If-Modified-Since": modified})
    assert since.status_code == 304

    manifest = client.get(ready["files"]["manifest"]).json()
    assert [s["written"] for s in manifest["sentences"]][0] == ARTICLE["title"]
    vtt = client.get(ready["files"]["captions"])
    assert vtt.text.startswith("WEBVTT") and vtt.headers["content-type"].startswith("text/vtt")
    transcript = client.get(ready["files"]["transcript"]).text
    assert transcript.startswith(ARTICLE["title"] + "\n\nБишкекте 2024-жылы")


def test_the_same_text_again_is_no_work_and_an_edit_remakes_only_what_changed(server):
    client = server.client()
    article = {**ARTICLE, "id": "edit-me"}
    assert client.post("/v1/articles", json=article).status_code == 202
    first = wait_ready(client, ["edit-me"])["edit-me"]
    again = client.post("/v1/articles", json=article)
    assert again.status_code == 200
    assert again.json()["version"] == 1 and again.json()["status"] == "ready"

    edited = {**article, "text": article["text"].replace("45 класс", "48 класс")}
    answer = client.post("/v1/articles", json=edited)
    assert answer.status_code == 202 and answer.json()["version"] == 2
    # until version 2 is made, version 1 stays listenable
    assert answer.json()["ready_version"] == 1
    second = wait_ready(client, ["edit-me"])["edit-me"]
    assert second["version"] == 2 and second["ready_version"] == 2
    assert second["synthesised"] == 1 and second["sentences"] == first["sentences"]
    manifest = client.get(second["files"]["manifest"]).json()
    assert "48 класс" in manifest["sentences"][-1]["written"]
    old = server.data_dir / "articles" / "edit-me" / "v1"
    for _ in range(100):  # removed just after version 2 is published
        if not old.exists():
            break
        time.sleep(0.05)
    assert not old.exists()


def test_a_text_plain_release_with_an_id_in_the_query(server):
    client = server.client()
    release = f"{ARTICLE['title']}\n\n{ARTICLE['text']}\n".encode()
    answer = client.post(
        "/v1/articles?id=plain_1",
        content=release,
        headers={"Content-Type": "text/plain; charset=utf-8"},
    )
    assert answer.status_code == 202, answer.text
    ready = wait_ready(client, ["plain_1"])["plain_1"]
    assert ready["status"] == "ready"
    assert client.get(ready["files"]["transcript"]).text.startswith(ARTICLE["title"])


def test_an_article_that_cannot_be_made_fails_with_its_reason(server):
    client = server.client()
    answer = client.post("/v1/articles", json={"id": "english", "text": "Hello there, world."})
    assert answer.status_code == 202
    failed = wait_ready(client, ["english"])["english"]
    assert failed["status"] == "failed"
    assert failed["error"] and "\n" not in failed["error"] and "Traceback" not in failed["error"]
    assert "files" not in failed


def test_delete_removes_the_article_and_its_files(server):
    client = server.client()
    client.post("/v1/articles", json={**ARTICLE, "id": "to-delete"})
    ready = wait_ready(client, ["to-delete"])["to-delete"]
    assert client.get(ready["files"]["audio"]).status_code == 200
    assert client.delete("/v1/articles/to-delete").status_code == 204
    assert client.get("/v1/articles/to-delete").status_code == 404
    assert client.get("/v1/articles/to-delete/audio.mp3").status_code == 404
    assert client.delete("/v1/articles/to-delete").status_code == 404
    assert not (server.data_dir / "articles" / "to-delete").exists()


def test_voices_health_and_readiness(server):
    client = server.client(token=None)
    voices = client.get("/v1/voices").json()["voices"]
    espeak = next(v for v in voices if v["name"] == "ky-espeak")
    assert espeak["ready"] and espeak["engine"] == "espeak"
    assert sum(v["default"] for v in voices) == 1
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["checks"] == {
        "voice": "ok", "disk": "ok", "queue": "ok", "workers": "ok"
    }  # fmt: skip


def test_reads_are_public_and_writes_need_the_token(server):
    anonymous = server.client(token=None)
    assert anonymous.get("/v1/voices").status_code == 200
    refused = anonymous.post("/v1/articles", json={**ARTICLE, "id": "anon"})
    assert refused.status_code == 401 and refused.headers["www-authenticate"].startswith("Bearer")
    wrong = server.client(token=TOKEN + "x").post("/v1/articles", json={**ARTICLE, "id": "x"})
    assert wrong.status_code == 401 and wrong.json() == {"error": "the bearer token is wrong"}
    assert anonymous.delete("/v1/articles/news-1").status_code == 401


def test_the_callback_is_signed_with_the_servers_secret(server):
    received: list[tuple[bytes, str]] = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((body, self.headers["X-Bulletin-Signature"]))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    hook = HTTPServer(("127.0.0.1", 0), Hook)
    thread = threading.Thread(target=hook.serve_forever, daemon=True)
    thread.start()
    try:
        client = server.client()
        url = f"http://127.0.0.1:{hook.server_port}/done"
        client.post("/v1/articles", json={**ARTICLE, "id": "with-hook", "callback_url": url})
        wait_ready(client, ["with-hook"])
        for _ in range(100):
            if received:
                break
            threading.Event().wait(0.1)
    finally:
        hook.shutdown()
        hook.server_close()
    ((body, signature),) = received
    expected = "sha256=" + hmac.new(TOKEN.encode(), body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(signature, expected)
    sent = json.loads(body)
    assert sent["id"] == "with-hook" and sent["status"] == "ready" and "audio" in sent["files"]
