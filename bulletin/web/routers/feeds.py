"""``/feeds/{programme}.xml`` and ``/feeds/{programme}/<file>``: the podcast feed of the
server's bulletin.toml ``[feed]`` and its programme folder (see :mod:`bulletin.feed.serve`).

GET /feeds/public.xml                      -> the folder's feed.xml (ETag, Last-Modified)
GET /feeds/public/episodes/20261130-1800-3f1c9a2b7d4e.mp3   -> an episode's audio (Range)

404 for an unknown programme, one that has published nothing yet, or a server without the
feed extra (``bulletin[feed]``).
"""

from __future__ import annotations

import importlib
import os
import re
from types import ModuleType

from fastapi import APIRouter, Depends, HTTPException, Request

from bulletin.web.deps import get_settings, require_reader
from bulletin.web.files import file_response

router = APIRouter(tags=["feeds"])
PROGRAMME = re.compile(r"[A-Za-z0-9_-]{1,128}")


def _feeds(programme: str) -> ModuleType:
    if not PROGRAMME.fullmatch(programme):
        raise HTTPException(400, "programme must be 1 to 128 letters, digits, '-' or '_'")
    try:
        return importlib.import_module("bulletin.feed")
    except ImportError:
        raise HTTPException(404, "feeds need the extra 'feed' on this server") from None


def _send(request: Request, path, media_type: str, missing: str):
    if path is None:
        raise HTTPException(404, missing)
    try:
        stat = os.stat(path)  # the headers are set from it now
    except FileNotFoundError:  # replaced or expired a moment ago
        raise HTTPException(404, missing) from None
    return file_response(request, path, media_type, stat)


@router.api_route(
    "/feeds/{programme}.xml", methods=["GET", "HEAD"], dependencies=[Depends(require_reader)]
)
def get_feed(request: Request, programme: str):
    feeds = _feeds(programme)
    path = feeds.serve_feed(get_settings(request), programme)
    missing = f"no feed for programme '{programme}'"
    return _send(request, path, "application/rss+xml; charset=utf-8", missing)


@router.api_route(
    "/feeds/{programme}/{name:path}",
    methods=["GET", "HEAD"],
    dependencies=[Depends(require_reader)],
)
def get_programme_file(request: Request, programme: str, name: str):
    feeds = _feeds(programme)
    path = feeds.programme_file(get_settings(request), programme, name)
    missing = f"programme '{programme}' has no file '{name[:100]}'"
    kind = feeds.serve.media_type(path) if path is not None else ""
    return _send(request, path, kind, missing)
