"""Bad requests (bodies, ids, tokens, sizes, path tricks) get the right 4xx as JSON, never a
500, and nothing is written anywhere: not outside the data folder, not inside it."""

from __future__ import annotations

import http.client
import json
import os
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

from web_fixtures import ARTICLE, TOKEN

AUTH = {"Authorization": f"Bearer {TOKEN}"}
JSON = {**AUTH, "Content-Type": "application/json"}
BAD_IDS = [
    "..", ".", "../x", "..%2Fx", "%2e%2e", "%2E%2E%2Fstate", "a/b", "a\\b", "/etc/passwd",
    "C:\\Windows", "a b", "a.b", "news-1.json", "ä", "жаңылык", "x" * 129, "", "id\x00",
    "~root", "$HOME", "a;b", "<script>", "a%00b", "-" * 200,
]  # fmt: skip
PATH_TRICKS = [
    "/v1/articles/%2e%2e", "/v1/articles/%2e%2e/audio.mp3", "/v1/articles/..%2f..%2fetc%2fpasswd",
    "/v1/articles/..%2F..%2F..%2Fetc%2Fpasswd/audio.mp3", "/v1/articles/news-1/..%2fstate.json",
    "/v1/articles/news-1/%2e%2e%2fstate.json", "/v1/articles/news-1/state.json",
    "/v1/articles/news-1/.lock", "/v1/articles/news-1/source-v1.txt",
    "/v1/articles/news-1/v1", "/v1/articles/news-1/%2fetc%2fpasswd",
    "/v1/articles//etc/passwd", "/v1/articles/%2Fetc%2Fpasswd", "/v1/articles/%00",
    "/v1/articles/news-1/audio.mp3%00.txt", "/listen/%2e%2e", "/listen/..%2f..%2fetc%2fpasswd",
    "/listen/%2Fetc%2Fpasswd", "/feeds/..%2f..%2fetc%2fpasswd.xml", "/feeds/%2e%2e.xml",
    "/feeds/a%2fb.xml", "/v1/../../etc/passwd", "/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd",
    "/v1/articles/news-1/../../../etc/passwd", "/static/../../etc/passwd",
    "/v1/articles/" + "%2e" * 300, "/v1/articles/C:%5CWindows%5Cwin.ini",
]  # fmt: skip


def _body(fields) -> bytes:
    return json.dumps(fields, ensure_ascii=False).encode()


def cases():
    """(method, path, headers, body, allowed statuses)"""
    ok_body = _body(ARTICLE)
    for bad in BAD_IDS:
        quoted = bad.replace("%", "%25").replace(" ", "%20").replace("\x00", "%00")
        quoted = quoted.replace("\\", "%5C").replace(";", "%3B").replace("<", "%3C")
        quoted = quoted.replace(">", "%3E").replace("$", "%24").replace("~", "%7E")
        quoted = "".join(c if ord(c) < 128 else "%" + "%".join(f"{b:02X}" for b in c.encode())
                         for c in quoted)  # fmt: skip
        for method, path in (
            ("GET", f"/v1/articles/{quoted}"),
            ("GET", f"/v1/articles/{quoted}/audio.mp3"),
            ("HEAD", f"/v1/articles/{quoted}/manifest.json"),
            ("DELETE", f"/v1/articles/{quoted}"),
            ("GET", f"/listen/{quoted}"),
        ):
            yield method, path, AUTH, b"", {400, 404, 405}
        yield "POST", "/v1/articles", JSON, _body({**ARTICLE, "id": bad}), {400, 422}
        plain = {**AUTH, "Content-Type": "text/plain"}
        yield "POST", f"/v1/articles?id={quoted}", plain, b"\xd0\x90\xd0\xb1.", {400, 422}
    for headers in (
        {}, {"Authorization": "Bearer"}, {"Authorization": "Bearer "},
        {"Authorization": f"Bearer {TOKEN}x"}, {"Authorization": f"Bearer {TOKEN[:-1]}"},
        {"Authorization": f"Basic {TOKEN}"}, {"Authorization": TOKEN},
        {"Authorization": f"Bearer {TOKEN.upper()}"}, {"Authorization": "Bearer " + "A" * 5000},
    ):  # fmt: skip
        headers = {**headers, "Content-Type": "application/json"}
        yield "POST", "/v1/articles", headers, ok_body, {401}
        yield "DELETE", "/v1/articles/news-1", headers, b"", {401}
    for body, statuses in (
        (b"", {400}), (b"{", {400}), (b"[]", {422}), (b"null", {422}), (b'"text"', {422}),
        (b"\xff\xfe{}", {400}), (_body({"text": "Салам."}), {422}),
        (_body({"id": "a"}), {422}), (_body({"id": "a", "text": ""}), {422}),
        (_body({"id": "a", "text": "   \n"}), {422}), (_body({"id": "a", "text": 5}), {422}),
        (_body({"id": 5, "text": "Салам."}), {422}), (_body({"id": ["a"], "text": "Салам."}), {422}),
        (_body({"id": "a", "text": "Салам.", "extra": 1}), {422}),
        (_body({"id": "a", "text": "Салам.\x00"}), {422}),
        (_body({"id": "a", "text": "Салам.", "voice": "no-such-voice"}), {422}),
        (_body({"id": "a", "text": "Салам.", "voice": "../../etc/passwd.toml"}), {422}),
        (_body({"id": "a", "text": "Салам.", "voice": "/tmp/evil.toml"}), {422}),
        (_body({"id": "a", "text": "Салам.", "callback_url": "file:///etc/passwd"}), {422}),
        (_body({"id": "a", "text": "Салам.", "callback_url": "gopher://x"}), {422}),
        (_body({"id": "a", "text": "Салам.", "callback_url": "http://"}), {422}),
        (_body({"id": "a", "text": "Салам.", "title": "x" * 501}), {422}),
        (_body({"id": "a", "text": "Салам.", "title": 7}), {422}),
    ):  # fmt: skip
        yield "POST", "/v1/articles", JSON, body, statuses
    for content_type in ("application/xml", "multipart/form-data; boundary=x", "", "text/html"):
        headers = {**AUTH, "Content-Type": content_type} if content_type else AUTH
        yield "POST", "/v1/articles", headers, ok_body, {415}
    plain = {**AUTH, "Content-Type": "text/plain"}
    yield "POST", "/v1/articles", plain, "Салам.".encode(), {422}  # no ?id=
    yield "POST", "/v1/articles?id=a&evil=1", plain, "Салам.".encode(), {422}
    yield "POST", "/v1/articles?id=a", plain, b"\xff\xfe\x00", {400}
    big = b"x" * 1_000_001
    yield "POST", "/v1/articles", JSON, big, {413}
    yield "POST", "/v1/articles?id=a", plain, big, {413}
    yield "POST", "/v1/articles", {**JSON, "Content-Length": "99999999999"}, b"{}", {413}
    for path in PATH_TRICKS:
        for method in ("GET", "HEAD", "DELETE"):
            yield method, path, AUTH, b"", {400, 404, 405}
    yield "PUT", "/v1/articles/news-1", AUTH, ok_body, {405}
    yield "PATCH", "/v1/articles", JSON, ok_body, {405}
    yield "GET", "/v1/articles/news-1/audio.mp3", {"Range": "bytes=999999999-"}, b"", {404}


def send(base: str, method: str, path: str, headers: dict, body: bytes):
    parts = urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        if "Content-Length" in headers:
            connection.putrequest(method, path, skip_accept_encoding=True)
            for name, value in headers.items():
                connection.putheader(name, value)
            connection.endheaders()
            connection.send(body)
        else:
            connection.request(method, path, body=body or None, headers=headers)
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type"), response.read()
    finally:
        connection.close()


def send_chunked(base: str, path: str, headers: dict, size: int):
    """An oversized body with no Content-Length: the limit must stop it while it streams."""
    parts = urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.putrequest("POST", path)
        for name, value in {**headers, "Transfer-Encoding": "chunked"}.items():
            connection.putheader(name, value)
        connection.endheaders()
        chunk = b"x" * 65536
        try:
            for _ in range(size // len(chunk) + 1):
                connection.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            connection.send(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed before the whole body was sent
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def snapshot(folder) -> set[str]:
    found = set()
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            found.add(os.path.relpath(os.path.join(root, name), folder))
    return found


def test_a_thousand_bad_requests_get_4xx_and_write_nothing(server):
    battery = list(cases())
    assert len(battery) > 250
    outside = server.data_dir.parent
    before = {p for p in snapshot(outside) if not p.startswith("data")}
    requests = battery * (1000 // len(battery) + 1)
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda case: send(server.url, *case[:4]), requests))
    wrong = []
    for (method, path, _, _, allowed), (status, content_type, body) in zip(
        requests, answers, strict=True
    ):
        if status not in allowed or status >= 500:
            wrong.append(f"{method} {path[:80]} -> {status} {body[:100]!r}")
        elif method != "HEAD" and not (content_type or "").startswith("application/json"):
            wrong.append(f"{method} {path[:80]} -> {status} {content_type} (not JSON)")
        elif method != "HEAD" and "error" not in json.loads(body):
            wrong.append(f"{method} {path[:80]} -> {status} {body[:100]!r}")
    assert not wrong, "\n".join(sorted(set(wrong))[:40])
    assert len(requests) >= 1000
    after = {p for p in snapshot(outside) if not p.startswith("data")}
    assert after - before <= {p for p in after if p.startswith("serve-")}  # only the log
    articles = server.data_dir / "articles"
    assert not articles.exists() or not any(articles.iterdir())
    assert "Traceback" not in server.log.read_text()


def test_an_oversized_body_without_a_length_is_stopped_while_it_streams(server):
    for path, content_type in (
        ("/v1/articles", "application/json"),
        ("/v1/articles?id=a", "text/plain"),
    ):
        status, body = send_chunked(
            server.url, path, {**AUTH, "Content-Type": content_type}, 3_000_000
        )
        assert status == 413 and "limit" in json.loads(body)["error"]
