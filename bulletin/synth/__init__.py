"""Synthesis: voice presets, engines (plug-ins: espeak in-process, RHVoice and Coqui lazily) and the clip cache.

>>> from bulletin.synth import resolve_voice, synthesize_clips, default_cache_dir
>>> clips = synthesize_clips(["Салам."], resolve_voice(None), cache_dir=default_cache_dir())

Importing this package loads numpy only; torch and Coqui are imported when a Coqui voice
is loaded.
"""

from bulletin.synth.cache import (
    ClipCache,
    cache_clear,
    cache_info,
    default_cache_dir,
    remove_temporary_caches,
    temporary_cache_dir,
)
from bulletin.synth.clips import start_workers, synthesize_clips, uncached
from bulletin.synth.presets import (
    DEFAULT_RULE,
    VoicePreset,
    availability,
    default_voice,
    find_presets,
    load_preset,
    resolve_voice,
)
from bulletin.synth.voice import PresetVoice, Voice, load_voice, voice_identity


def download_voice(name_or_path: str) -> str:
    """Fetch a Coqui zoo voice's model with Coqui's own downloader (needs network).

    >>> download_voice("ky-mms")   # -> '~/.local/share/tts/tts_models--kir--fairseq--vits'
    """
    from bulletin.synth.engines.coqui import download

    return str(download(resolve_voice(name_or_path)))


__all__ = [
    "DEFAULT_RULE",
    "ClipCache",
    "PresetVoice",
    "Voice",
    "VoicePreset",
    "availability",
    "cache_clear",
    "cache_info",
    "default_cache_dir",
    "default_voice",
    "download_voice",
    "find_presets",
    "load_preset",
    "load_voice",
    "remove_temporary_caches",
    "resolve_voice",
    "start_workers",
    "synthesize_clips",
    "uncached",
    "temporary_cache_dir",
    "voice_identity",
]
