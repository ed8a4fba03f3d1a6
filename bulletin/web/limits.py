"""Request body limit: 413 from the Content-Length header, or as soon as the count passes.

A pure ASGI middleware, so no body is read whole before the limit is checked.

>>> app = BodyLimit(app, limit=1_000_000)
"""

from __future__ import annotations

import json


class _TooLarge(Exception):
    pass


class BodyLimit:
    def __init__(self, app, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None:
            if not length.strip().isdigit():
                await _error(send, 400, "Content-Length is not a number")
                return
            if int(length) > self.limit:
                await _error(send, 413, f"the body is over the limit of {self.limit} bytes")
                return
        received = 0
        started = False

        async def counted_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise _TooLarge()
            return message

        async def tracked_send(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, tracked_send)
        except _TooLarge:
            if not started:
                await _error(send, 413, f"the body is over the limit of {self.limit} bytes")


async def _error(send, status: int, message: str) -> None:
    body = json.dumps({"error": message}).encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
