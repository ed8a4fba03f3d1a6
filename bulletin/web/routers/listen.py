"""``GET /listen/{id}``: the player page for an article (see :mod:`bulletin.web.player`).

Embed it with ``<iframe src="https://audio.example.kg/listen/news-17" title="..."></iframe>``.
"""

from __future__ import annotations

import html
import json

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from bulletin.web.deps import article_id, get_settings, get_store, require_reader
from bulletin.web.player import asset_hashes, render_page

router = APIRouter(tags=["player"])


def content_security_policy(frame_ancestors: tuple[str, ...]) -> str:
    """Only this page's own inline script and style run; media comes from this server."""
    hashes = asset_hashes()
    ancestors = " ".join(frame_ancestors) if frame_ancestors else "*"
    return (
        f"default-src 'none'; script-src {hashes['script']}; style-src {hashes['style']}; "
        f"media-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; "
        f"frame-ancestors {ancestors}"
    )


def _message_page(title: str, text: str, status: int) -> HTMLResponse:
    body = (
        '<!doctype html><html lang="ky"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title></head><body><main><h1>{html.escape(title)}</h1>"
        f"<p>{html.escape(text)}</p></main></body></html>"
    )
    return HTMLResponse(body, status_code=status, headers={"Cache-Control": "no-cache"})


@router.get(
    "/listen/{article_id}", response_class=HTMLResponse, dependencies=[Depends(require_reader)]
)
def listen(request: Request, checked_id: str = Depends(article_id)):
    store = get_store(request)
    state = store.read(checked_id)
    if state is None:
        return _message_page("Табылган жок", f"'{checked_id}' деген макала жок.", 404)
    manifest_path = store.output_file(state, "manifest.json")
    if manifest_path is None or not manifest_path.is_file():
        return _message_page("Аудио даяр эмес", "Бул макаланын аудиосу азырынча даяр эмес.", 404)
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    transcript_path = store.output_file(state, "transcript.txt")
    transcript = (
        transcript_path.read_text(encoding="utf-8")
        if transcript_path and transcript_path.is_file()
        else None
    )
    base = f"/v1/articles/{checked_id}"
    page = render_page(
        manifest,
        transcript,
        audio=f"{base}/audio.mp3",
        captions=f"{base}/captions.vtt",
        download_name=f"{checked_id}.mp3",
    )
    csp = content_security_policy(get_settings(request).cors_origins)
    return HTMLResponse(
        page,
        headers={
            "Content-Security-Policy": csp,
            "Cache-Control": "no-cache",
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
        },
    )
