"""``GET /v1/voices``: the presets an article may name, and whether each can run here.

-> [{"name": "ky-espeak", "engine": "espeak", "ready": true, "default": true, ...}]
"""

from __future__ import annotations

from fastapi import APIRouter, Depends

from bulletin.web.deps import require_reader

router = APIRouter(tags=["voices"])


def list_voices() -> list[dict]:
    from bulletin import synth

    default = synth.resolve_voice(None).name
    voices = []
    for preset in synth.find_presets():
        ready, why = synth.availability(preset)
        voices.append(
            {
                "name": preset.name,
                "engine": preset.engine,
                "sample_rate": preset.sample_rate,
                "licence": preset.licence,
                "ready": ready,
                "why_not": why or None,
                "default": preset.name == default,
            }
        )
    return voices


@router.get("/v1/voices", dependencies=[Depends(require_reader)])
def get_voices():
    return {"voices": list_voices()}
