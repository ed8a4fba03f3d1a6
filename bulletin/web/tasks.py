"""The article task: make one version of an article with ``make``, publish it, tell the site.

Runs on any queue worker (:mod:`bulletin.jobs`); everything it reads and writes is in the
data folder (:mod:`bulletin.web.store`), so it needs nothing from the server's memory.

>>> make_article("data", "news-17", 2, cache_dir="data/cache")   # data/articles/news-17/v2/
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import shutil
import time
import urllib.request
from dataclasses import replace
from pathlib import Path

from bulletin import lifecycle
from bulletin.errors import BulletinError, one_line
from bulletin.jobs import Split, Task
from bulletin.web.store import OUTPUTS, ArticleState, ArticleStore

JOB_NAME = "article"  # the output file stem inside each version folder
SIGNATURE_HEADER = "X-Bulletin-Signature"


def make_article(
    data_dir: str,
    id: str,  # noqa: A002 - the API's name for it
    version: int,
    config: str | None = None,
    cache_dir: str | None = None,
    fan_out: bool = True,
) -> Split | None:
    """Make version ``version`` of article ``id`` unless a newer one superseded it.

    On a queue that spreads work (:func:`bulletin.jobs.can_split`), an article with many
    sentences not yet in the clip cache (``[queue] fanout_sentences``) is handed on as clip
    jobs (:func:`make_clips`, the longest sentences first, at most ``fanout_slice`` each)
    and this task again with ``fan_out=False``, run once the clips are made: the same make
    with a warm cache, mastered and encoded on every core of its worker's machine
    (:func:`bulletin.jobs.split_cores`), so the output is the same byte for byte however
    the work was split."""
    from bulletin import make, synth
    from bulletin.config import load_settings
    from bulletin.jobs import can_split, job_threads, split_cores
    from bulletin.text import load_lexicon

    store = ArticleStore(Path(data_dir))
    with store.locked(id):
        state = store.read(id)
        if state is None or state.version != version or state.status == "ready":
            return  # deleted, superseded, or already made by an earlier attempt
        store.write(replace(state, status="making", error=None))
        _remove_dead_work(store.folder(id))
    source = store.source_path(id, version)
    # owner-tagged (host and pid), so that a later make can tell it is a dead run's
    with lifecycle.temporary_folder(f".make-{lifecycle.temp_tag()}", store.folder(id)) as work:
        overrides = {"output.dir": work, "output.format": "mp3", "voice": state.voice}
        if state.title:
            overrides["title"] = state.title
        settings = load_settings(Path(config) if config else None, overrides)
        preset = synth.resolve_voice(settings.voice)
        ready, why = synth.availability(preset)
        if not ready:
            raise BulletinError(f"voice {preset.name}: {why}")
        try:
            lexicon = load_lexicon(settings.lexicon) if settings.lexicon else None
            if fan_out and cache_dir and can_split():
                split = _fan_out(
                    make.Job(JOB_NAME, (source,)), settings, preset, lexicon, state,
                    {"data_dir": data_dir, "id": id, "version": version, "config": config,
                     "cache_dir": cache_dir},
                )  # fmt: skip
                if split is not None:
                    return split
            outcome = make.make_bulletin(
                make.Job(JOB_NAME, (source,)),
                settings,
                preset,
                lexicon=lexicon,
                cache_dir=Path(cache_dir) if cache_dir else None,
                jobs=1 if fan_out else split_cores(),
                threads=job_threads() or not fan_out,
            )
        except BulletinError as error:
            _finish(store, id, version, error=one_line(error))
            return
        files = {
            kind: path.name for kind, path in outcome.files.items() if kind in OUTPUTS.values()
        }
        store.share_outputs(id, version, work)  # into the bucket, if any, before it is ready
        with store.locked(id):
            state = store.read(id)
            if state is None or state.version < version:
                return  # deleted while it was made
            target = store.output_dir(id, version)
            if target.exists():
                shutil.rmtree(target)
            os.replace(work, target)
            now = time.time()
            newest = state.ready_version is None or version >= state.ready_version
            if newest:
                state = replace(
                    state,
                    ready_version=version,
                    files=files,
                    duration_s=round(outcome.duration_s, 3),
                    sentences=outcome.sentences,
                    synthesised=outcome.synthesised,
                    published=now,
                )
            if state.version == version:
                state = replace(state, status="ready", error=None)
            state = store.write(state)
            store.remove_old_versions(id, state.ready_version or version)
    if state.version == version:
        send_callback(data_dir, state, config)


FANOUT_SENTENCES = {"espeak": 400}  # espeak makes ~50 sentences a second: rarely worth it
FANOUT_DEFAULT = 40
FANOUT_SLICE = 60  # most sentences in one clip job (the first, longest ones)


def _fan_out(job, settings, preset, lexicon, state: ArticleState, kwargs: dict) -> Split | None:
    """Clip jobs and a follow-up make, when enough sentences are not yet cached."""
    from bulletin import make, synth
    from bulletin.jobs import portions, queue_config, split_peers

    table = queue_config(Path(kwargs["config"]) if kwargs["config"] else None)
    least = table.get("fanout_sentences", FANOUT_SENTENCES.get(preset.engine, FANOUT_DEFAULT))
    if least <= 0:
        return None
    texts = make.spoken_texts(job, settings, lexicon=lexicon)
    missing = synth.uncached(texts, preset, Path(kwargs["cache_dir"]))
    if len(missing) < least:
        return None
    size = max(1, table.get("fanout_slice", FANOUT_SLICE))
    parts = tuple(
        Task(
            "bulletin.web.tasks:make_clips",
            {**kwargs, "texts": texts},
            key=f"{state.task_key}:clips:{index}",
            pool=state.voice,
        )
        for index, texts in enumerate(portions(missing, size, split_peers()))
    )
    then = Task(
        "bulletin.web.tasks:make_article",
        {**kwargs, "fan_out": False},
        key=state.task_key,
        on_failure="bulletin.web.tasks:article_failed",
        pool=state.voice,
    )
    return Split(parts=parts, then=then)


def make_clips(
    data_dir: str,
    id: str,  # noqa: A002
    version: int,
    texts: list[str],
    config: str | None = None,
    cache_dir: str | None = None,
) -> None:
    """Synthesise ``texts`` (spoken texts of article ``id``) into the shared clip cache, as
    the article's make would, with this worker's voice."""
    from bulletin import synth
    from bulletin.config import load_settings

    state = ArticleStore(Path(data_dir)).read(id)
    if state is None or state.version != version or not cache_dir:
        return  # deleted or superseded: nothing to do
    settings = load_settings(Path(config) if config else None, {"voice": state.voice})
    preset = synth.resolve_voice(settings.voice)
    synth.synthesize_clips(texts, preset, cache_dir=Path(cache_dir), jobs=1)


def _remove_dead_work(folder: Path) -> None:
    """Work folders (and temporaries) of makes whose process is gone (killed outright) are
    removed: :func:`bulletin.lifecycle.sweep`, which knows a process of another machine
    sharing the data folder from a dead one here."""
    lifecycle.sweep(folder)


def article_failed(
    data_dir: str,
    id: str,  # noqa: A002
    version: int,
    error: str,
    config: str | None = None,
    cache_dir: str | None = None,
) -> None:
    """The queue's ``on_failure`` hook: every attempt failed; record the reason and tell."""
    _finish(ArticleStore(Path(data_dir)), id, version, error=error, config=config)


def _finish(
    store: ArticleStore, article_id: str, version: int, *, error: str, config: str | None = None
) -> None:
    with store.locked(article_id):
        state = store.read(article_id)
        if state is None or state.version != version:
            return
        state = store.write(replace(state, status="failed", error=error[:300]))
    send_callback(str(store.data_dir), state, config)


def status_body(state: ArticleState, base_url: str = "") -> dict:
    """What GET /v1/articles/{id} answers and the callback sends."""
    body: dict = {
        "id": state.id,
        "version": state.version,
        "status": state.status,
        "url": f"{base_url}/v1/articles/{state.id}",
    }
    if state.error:
        body["error"] = state.error
    if state.ready_version is not None:
        body["ready_version"] = state.ready_version
        body["duration_s"] = state.duration_s
        body["sentences"] = state.sentences
        body["synthesised"] = state.synthesised
        body["files"] = {
            name.split(".")[0] if name != "captions.srt" else "srt": (
                f"{base_url}/v1/articles/{state.id}/{name}"
            )
            for name, kind in OUTPUTS.items()
            if kind in state.files
        }
        body["player"] = f"{base_url}/listen/{state.id}"
    return body


def sign(body: bytes, secret: str) -> str:
    """``sha256=<hex HMAC-SHA256 of body under secret>``, as GitHub's webhooks do."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def send_callback(data_dir: str, state: ArticleState, config: str | None) -> bool:
    """POST the article's status to its ``callback_url``, signed; True if it was accepted."""
    if not state.callback_url:
        return False
    from bulletin.web.settings import load_serve_settings

    settings = load_serve_settings(Path(config) if config else None, no_auth=True)
    body = json.dumps(
        status_body(state, (settings.public_url or "").rstrip("/")), ensure_ascii=False
    ).encode("utf-8")
    headers = {"Content-Type": "application/json", "User-Agent": "bulletin-serve"}
    if settings.secret:
        headers[SIGNATURE_HEADER] = sign(body, settings.secret)
    for attempt in range(3):
        request = urllib.request.Request(state.callback_url, body, headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - http(s) only, checked on POST
                if 200 <= response.status < 300:
                    return True
        except OSError:
            pass
        time.sleep(0.5 * (attempt + 1))
    return False
