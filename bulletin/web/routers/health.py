"""``/healthz`` (the process answers) and ``/readyz`` (it can take work now).

``/readyz`` -> 200 ``{"ready": true, "checks": {...}}``, or 503 naming the failed checks:
the default voice can run, the data folder is writable, the queue is below its limit and
its workers are alive.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from bulletin.errors import BulletinError
from bulletin.web.deps import get_queue, get_settings

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz():
    return {"status": "ok"}


@router.get("/readyz")
def readyz(request: Request):
    from bulletin import synth
    from bulletin.make import check_output_dir

    settings, queue = get_settings(request), get_queue(request)
    checks: dict[str, str] = {}
    try:
        preset = synth.resolve_voice(None)
        ready, why = synth.availability(preset)
        checks["voice"] = "ok" if ready else f"{preset.name}: {why}"
    except Exception as error:  # noqa: BLE001 - any failure here means "not ready"
        checks["voice"] = str(error)
    try:
        check_output_dir(settings.data_dir)  # make's own probe (an owner-tagged temporary)
        checks["disk"] = "ok"
    except BulletinError as error:
        checks["disk"] = str(error)
    pending = queue.pending()
    checks["queue"] = (
        "ok"
        if pending < settings.max_queued
        else f"{pending} waiting (limit {settings.max_queued})"
    )
    alive = getattr(queue, "alive", None)
    checks["workers"] = "ok" if alive is None or alive() else "a worker process is down"
    ok = all(value == "ok" for value in checks.values())
    return JSONResponse({"ready": ok, "checks": checks}, status_code=200 if ok else 503)
