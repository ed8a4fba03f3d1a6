"""Dependencies shared by the routers: the settings, the store, the queue, the token checks.

>>> bearer("Bearer s3cret")
's3cret'
"""

from __future__ import annotations

import hmac

from fastapi import HTTPException, Request

from bulletin.web.settings import ServeSettings
from bulletin.web.store import ArticleStore, BadArticle


def bearer(header: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, or None."""
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def get_settings(request: Request) -> ServeSettings:
    return request.app.state.settings


def get_store(request: Request) -> ArticleStore:
    return request.app.state.store


def get_queue(request: Request):
    return request.app.state.queue


def require_writer(request: Request) -> None:
    """Writes need the server's token (compared in constant time) unless started --no-auth."""
    expected = get_settings(request).token
    if expected is None:
        return
    given = bearer(request.headers.get("authorization"))
    if given is None:
        raise HTTPException(401, "a bearer token is needed", {"WWW-Authenticate": "Bearer"})
    if not hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8")):
        raise HTTPException(
            401, "the bearer token is wrong", {"WWW-Authenticate": 'Bearer error="invalid_token"'}
        )


def require_reader(request: Request) -> None:
    """Reads are public unless ``[serve] private_reads = true``."""
    if get_settings(request).private_reads:
        require_writer(request)


def article_id(article_id: str) -> str:
    """The path's id, checked: letters, digits, ``-``, ``_``, at most 128 (else 400)."""
    try:
        return ArticleStore.check_id(article_id)
    except BadArticle as error:
        raise HTTPException(400, str(error)) from None
