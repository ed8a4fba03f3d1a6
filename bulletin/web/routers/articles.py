"""``/v1/articles``: post (upsert by the site's id), status, outputs, delete.

POST /v1/articles  {"id": "news-17", "title": "...", "text": "..."}
-> 202 {"id": "news-17", "version": 1, "status": "queued", "url": ".../v1/articles/news-17"}
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import replace
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from bulletin.jobs import QueueFull, Task
from bulletin.web.deps import (
    article_id,
    get_queue,
    get_settings,
    get_store,
    require_reader,
    require_writer,
)
from bulletin.web.files import file_response
from bulletin.web.store import MEDIA_TYPES, OUTPUTS, ArticleState, article_digest
from bulletin.web.tasks import status_body

router = APIRouter(prefix="/v1/articles", tags=["articles"])
FIELDS = {"id", "title", "text", "voice", "programme", "callback_url"}
RETRY_AFTER_S = 30


class ArticleRequest:
    """A checked POST body: JSON ``{id, title, text, voice?, programme?, callback_url?}``,
    or a text/plain release with ``?id=`` (and optional ``?voice=&programme=``)."""

    def __init__(self, fields: dict) -> None:
        unknown = set(fields) - FIELDS
        if unknown:
            raise HTTPException(422, f"unknown field '{sorted(unknown)[0]}'")
        for name, value in fields.items():
            if value is not None and not isinstance(value, str):
                raise HTTPException(422, f"{name} must be a string")
        if not fields.get("id"):
            raise HTTPException(422, "id is missing")
        self.id = article_id(fields["id"])
        self.title = _line(fields.get("title"), "title", 500)
        text = fields.get("text")
        if not text or not text.strip():
            raise HTTPException(422, "text is missing or empty")
        if "\x00" in text:
            raise HTTPException(422, "text holds a NUL character")
        self.text = text.replace("\r\n", "\n").replace("\r", "\n")
        self.voice = _line(fields.get("voice"), "voice", 100)
        self.programme = _line(fields.get("programme"), "programme", 200)
        self.callback_url = _callback(fields.get("callback_url"))

    @property
    def release(self) -> str:
        """The release text make reads: the title as the headline line, then the text."""
        return f"{self.title}\n\n{self.text.strip()}\n" if self.title else self.text.strip() + "\n"


def _line(value: str | None, name: str, limit: int) -> str | None:
    if value is None:
        return None
    value = " ".join(value.split())
    if not value:
        return None
    if len(value) > limit:
        raise HTTPException(422, f"{name} is longer than {limit} characters")
    return value


def _callback(value: str | None) -> str | None:
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or len(value) > 2000:
        raise HTTPException(422, "callback_url must be an http(s) URL")
    return value


async def _read_body(request: Request) -> bytes:
    chunks = []
    async for chunk in request.stream():  # BodyLimit stops this past the limit
        chunks.append(chunk)
    return b"".join(chunks)


def _parse(request: Request, body: bytes) -> ArticleRequest:
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise HTTPException(400, "the body is not UTF-8 text") from None
    if media == "application/json":
        try:
            fields = json.loads(text)
        except json.JSONDecodeError as error:
            raise HTTPException(400, f"the body is not JSON ({error.msg})") from None
        if not isinstance(fields, dict):
            raise HTTPException(422, "the body must be a JSON object")
        return ArticleRequest(fields)
    if media == "text/plain":
        query = dict(request.query_params)
        unknown = set(query) - {"id", "voice", "programme", "callback_url"}
        if unknown:
            raise HTTPException(422, f"unknown parameter '{sorted(unknown)[0]}'")
        return ArticleRequest({**query, "text": text.lstrip("\ufeff")})
    raise HTTPException(415, "send application/json or text/plain")


def _check_voice(name: str | None) -> None:
    """Only a shipped or installed preset's name: never a path the server would open."""
    if name is None:
        return
    from bulletin import synth

    names = {preset.name for preset in synth.find_presets()}
    if name not in names:
        raise HTTPException(422, f"unknown voice '{name}' (see GET /v1/voices)")


def upsert(request: Request, article: ArticleRequest) -> tuple[int, ArticleState]:
    """Same text again: nothing to do (200). New or changed: a new version queued (202)."""
    settings, store, queue = get_settings(request), get_store(request), get_queue(request)
    digest = article_digest(article.release, article.title, article.voice)
    with store.locked(article.id):
        old = store.read(article.id)
        if old and old.digest == digest and old.status != "failed":
            if old.callback_url != article.callback_url or old.programme != article.programme:
                old = store.write(
                    replace(old, callback_url=article.callback_url, programme=article.programme)
                )
            return 200, old
        if queue.pending() >= settings.max_queued:
            raise _queue_full()
        version = (old.version + 1) if old else 1
        now = time.time()
        state = ArticleState(
            id=article.id,
            version=version,
            status="queued",
            digest=digest,
            title=article.title,
            voice=article.voice,
            programme=article.programme,
            callback_url=article.callback_url,
            ready_version=old.ready_version if old else None,
            files=old.files if old else {},
            duration_s=old.duration_s if old else None,
            created=old.created if old else now,
            published=old.published if old else None,
        )
        store.write_source(article.id, version, article.release)
        try:
            queue.submit(article_task(settings, state))
        except QueueFull:
            if old is None:
                store.source_path(article.id, version).unlink(missing_ok=True)
            raise _queue_full() from None
        return 202, store.write(state)


def article_task(settings, state: ArticleState) -> Task:
    kwargs = {
        "data_dir": str(settings.data_dir),
        "id": state.id,
        "version": state.version,
        "config": str(settings.config) if settings.config else None,
        "cache_dir": str(settings.clip_cache),
    }
    return Task(
        "bulletin.web.tasks:make_article",
        kwargs,
        key=state.task_key,
        on_failure="bulletin.web.tasks:article_failed",
        pool=state.voice,  # on Redis: only workers serving this voice take it
    )


def _queue_full() -> HTTPException:
    return HTTPException(
        503, "too many articles are waiting; try again later", {"Retry-After": str(RETRY_AFTER_S)}
    )


def _base(request: Request) -> str:
    public = get_settings(request).public_url
    return public.rstrip("/") if public else str(request.base_url).rstrip("/")


@router.post("", dependencies=[Depends(require_writer)], status_code=202)
async def post_article(request: Request):
    """Make (or re-make) an article's audio; answers 202 with its status URL, or 200."""
    body = await _read_body(request)
    article = _parse(request, body)
    await run_in_threadpool(_check_voice, article.voice)
    status, state = await run_in_threadpool(upsert, request, article)
    answer = status_body(state, _base(request))
    headers = {"Location": answer["url"]}
    return JSONResponse(answer, status_code=status, headers=headers)


def _state(request: Request, checked_id: str) -> ArticleState:
    state = get_store(request).read(checked_id)
    if state is None:
        raise HTTPException(404, f"no article '{checked_id}'")
    return state


@router.get("/{article_id}", dependencies=[Depends(require_reader)])
def get_article(request: Request, checked_id: str = Depends(article_id)):
    """Status (queued, making, ready, failed with its reason) and, once made, the file URLs."""
    state = _state(request, checked_id)
    if state.status in ("queued", "making"):
        # the queue gave up on it but its failure was never recorded (the hook itself failed)
        known = get_queue(request).state(state.task_key)
        if known is not None and known.status == "failed":
            store = get_store(request)
            with store.locked(checked_id):
                current = store.read(checked_id)
                if current is not None and current.version == state.version:
                    error = known.error or "failed"
                    state = store.write(replace(current, status="failed", error=error))
    return JSONResponse(status_body(state, _base(request)), headers={"Cache-Control": "no-cache"})


@router.delete("/{article_id}", dependencies=[Depends(require_writer)], status_code=204)
def delete_article(request: Request, checked_id: str = Depends(article_id)):
    if not get_store(request).delete(checked_id):
        raise HTTPException(404, f"no article '{checked_id}'")
    return Response(status_code=204)


@router.api_route(
    "/{article_id}/{name}", methods=["GET", "HEAD"], dependencies=[Depends(require_reader)]
)
def get_output(request: Request, name: str, checked_id: str = Depends(article_id)):
    """One published file, with ETag, Last-Modified and Range (players seek with Range)."""
    if name not in OUTPUTS:
        raise HTTPException(404, f"no such file '{name[:100]}' (one of {', '.join(OUTPUTS)})")
    state = _state(request, checked_id)
    path = get_store(request).output_file(state, name)
    if path is None or not path.is_file():
        raise HTTPException(404, f"article '{checked_id}' has no {name} yet ({state.status})")
    try:
        stat = os.stat(path)  # the headers (ETag, Last-Modified) are set from it now
    except FileNotFoundError:  # replaced by a newer version a moment ago
        raise HTTPException(404, f"article '{checked_id}' changed; ask again") from None
    return file_response(request, path, MEDIA_TYPES[name], stat)
