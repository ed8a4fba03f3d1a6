"""``bulletin serve``: articles in over HTTP, audio and an accessible player out.

An ASGI app (FastAPI, served by uvicorn; the extra ``bulletin[serve]``). Articles are made
by :mod:`bulletin.web.tasks` on the job queue (:mod:`bulletin.jobs`); their state and
outputs live in the data folder (:mod:`bulletin.web.store`), so any worker can make them.

>>> app = create_app(ServeSettings(data_dir=Path("data"), token="s3cret"))
"""

from __future__ import annotations

from bulletin.web.settings import ServeSettings, load_serve_settings

__all__ = ["ServeSettings", "create_app", "load_serve_settings"]


def create_app(settings: ServeSettings, **kwargs):
    """The FastAPI app (imported here, so ``import bulletin.web`` stays light)."""
    from bulletin.web.app import create_app as build

    return build(settings, **kwargs)
