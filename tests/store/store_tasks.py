"""A task the store's worker test runs in real ``bulletin worker`` processes: synthesise
sentences into this machine's clip cache (``MACHINE_CACHE``), which the worker's
``[store] url`` backs with the bucket, and record what had to be synthesised."""

from __future__ import annotations

import json
import os
from pathlib import Path


def clips(texts: list[str], record: str) -> None:
    from bulletin import synth

    stats: dict = {}
    preset = synth.resolve_voice("ky-espeak")
    cache = Path(os.environ["MACHINE_CACHE"])
    synth.synthesize_clips(texts, preset, cache_dir=cache, jobs=1, stats=stats)
    Path(record).write_text(json.dumps(stats), encoding="utf-8")
