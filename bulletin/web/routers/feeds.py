"""``/feeds/{programme}.xml``: the programme feeds of the feed issue, when that is built.

The hook: a module ``bulletin.feed`` with ``serve_feed(settings, programme) -> bytes | None``
(RSS 2.0 XML, or None for an unknown programme). Until it exists this answers 404 JSON.
"""

from __future__ import annotations

import importlib
import re

from fastapi import APIRouter, Depends, HTTPException, Request, Response

from bulletin.web.deps import get_settings, require_reader

router = APIRouter(tags=["feeds"])
PROGRAMME = re.compile(r"[A-Za-z0-9_-]{1,128}")


@router.get("/feeds/{programme}.xml", dependencies=[Depends(require_reader)])
def get_feed(request: Request, programme: str):
    if not PROGRAMME.fullmatch(programme):
        raise HTTPException(400, "programme must be 1 to 128 letters, digits, '-' or '_'")
    try:
        feeds = importlib.import_module("bulletin.feed")
    except ImportError:
        feeds = None
    serve_feed = getattr(feeds, "serve_feed", None)
    if serve_feed is None:
        raise HTTPException(404, "feeds are not available in this version of bulletin")
    xml = serve_feed(get_settings(request), programme)
    if xml is None:
        raise HTTPException(404, f"no feed for programme '{programme}'")
    return Response(xml, media_type="application/rss+xml; charset=utf-8")
