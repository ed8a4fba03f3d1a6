"""The ASGI app: routers, error handlers (JSON, never a traceback), limits, CORS, the queue.

>>> app = create_app(ServeSettings(data_dir=Path("data"), token="s3cret"))
>>> # uvicorn.run(app, host="127.0.0.1", port=8000)
"""

from __future__ import annotations

import contextlib
import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from bulletin.errors import BulletinError
from bulletin.jobs import Queue, QueueSettings, open_queue
from bulletin.web.limits import BodyLimit
from bulletin.web.routers import articles, feeds, health, listen, voices
from bulletin.web.settings import ServeSettings
from bulletin.web.store import ArticleStore

log = logging.getLogger("bulletin.serve")


def open_article_queue(settings: ServeSettings) -> Queue:
    """The job queue for articles: embedded, its state beside the articles; or Redis when
    ``[queue] url`` (or ``BULLETIN_QUEUE_URL``) is set, run by ``bulletin worker``s that
    see the same data folder and clip cache. Nothing else changes for the API."""
    from bulletin.jobs import queue_config

    table = queue_config(settings.config)
    return open_queue(
        QueueSettings(
            state_dir=settings.data_dir / "queue",
            workers=settings.workers,
            url=table.get("url"),
            max_pending=settings.max_queued,
        )
    )


def requeue_unfinished(store: ArticleStore, queue: Queue, settings: ServeSettings) -> int:
    """Submit every article left queued or making whose task the queue does not hold."""
    count = 0
    for name in store.ids():
        state = store.read(name)
        if state and state.status in ("queued", "making"):
            known = queue.state(state.task_key)
            if known is None or known.status == "done":
                queue.submit(articles.article_task(settings, state))
                count += 1
    return count


def create_app(settings: ServeSettings, queue: Queue | None = None) -> FastAPI:
    store = ArticleStore(settings.data_dir)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        own = queue is None
        app.state.queue = queue or open_article_queue(settings)
        try:
            requeue_unfinished(store, app.state.queue, settings)
            yield
        finally:
            # ``bulletin serve`` names it in its stop line
            app.state.unfinished = app.state.queue.pending()
            if own:
                app.state.queue.close()
            log.info("stopped; %d article job(s) unfinished", app.state.unfinished)

    app = FastAPI(
        title="bulletin",
        summary="Kyrgyz articles in, audio and an accessible player out.",
        lifespan=lifespan,
        docs_url=None,  # Swagger UI loads from a CDN; the schema is at /openapi.json
        redoc_url=None,
        redirect_slashes=False,
    )
    app.state.settings = settings
    app.state.store = store

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException):
        return JSONResponse(
            {"error": str(error.detail)}, status_code=error.status_code, headers=error.headers
        )

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, error: RequestValidationError):
        first = error.errors()[0] if error.errors() else {}
        where = ".".join(str(part) for part in first.get("loc", ()))
        return JSONResponse({"error": f"{where}: {first.get('msg', 'invalid')}"}, status_code=422)

    @app.exception_handler(BulletinError)
    async def bulletin_error(request: Request, error: BulletinError):
        return JSONResponse({"error": str(error)}, status_code=400)

    @app.exception_handler(Exception)
    async def internal_error(request: Request, error: Exception):
        log.exception("internal error on %s %s", request.method, request.url.path)
        return JSONResponse({"error": "internal error"}, status_code=500)

    for module in (articles, voices, health, feeds, listen):
        app.include_router(module.router)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "HEAD", "POST", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "Range"],
            expose_headers=["ETag", "Last-Modified", "Content-Range", "Accept-Ranges", "Location"],
        )
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    return app
