"""Published files over HTTP: ETag, Last-Modified, Range, and 304 for a current copy.

>>> file_response(request, Path("data/articles/news-1/v1/audio.mp3"), "audio/mpeg", stat)
<starlette.responses.FileResponse object at 0x...>
"""

from __future__ import annotations

import os
from email.utils import parsedate_to_datetime
from pathlib import Path

from fastapi import Request, Response
from fastapi.responses import FileResponse

CACHE_CONTROL = "public, max-age=60"


def file_response(request: Request, path: Path, media_type: str, stat: os.stat_result) -> Response:
    """``path`` with headers from ``stat`` (taken by the caller, so that a file replaced a
    moment later is not half-described); 304 when the client's copy is current."""
    response = FileResponse(
        path, media_type=media_type, headers={"Cache-Control": CACHE_CONTROL}, stat_result=stat
    )
    if not_modified(request, response.headers):
        keep = ("etag", "last-modified", "cache-control")
        return Response(status_code=304, headers={k: response.headers[k] for k in keep})
    return response


def not_modified(request: Request, headers) -> bool:
    """A conditional GET whose copy is current: If-None-Match, else If-Modified-Since."""
    tags = request.headers.get("if-none-match")
    if tags is not None:
        wanted = {tag.strip().removeprefix("W/") for tag in tags.split(",")}
        return "*" in wanted or headers.get("etag", "").removeprefix("W/") in wanted
    since = request.headers.get("if-modified-since")
    if since and "last-modified" in headers:
        try:
            return parsedate_to_datetime(headers["last-modified"]) <= parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
    return False
