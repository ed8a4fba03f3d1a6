"""Synthesise a bulletin's sentences into cached clip files, in parallel.

>>> preset = resolve_voice("ky-espeak")
>>> clips = synthesize_clips(["Салам.", "Бүгүн 5 градус."], preset, cache_dir=default_cache_dir())
>>> clips[0]
Clip(path=PosixPath('~/.cache/bulletin/clips/<key>-21504-<crc>.wav'), samples=21504, sample_rate=22050,
     words=(WordEvent(index=0, start=1764, end=19845),), timing='estimate')

Each text is looked up in the clip cache first; the misses are synthesised once each
(duplicates share a clip) by ``jobs`` processes (this one and ``jobs - 1`` spawned workers,
each loading the voice once), or in this process alone when that is cheaper (one job, or
only a few misses). A sentence's
audio depends only on the voice and its text, so the clips are byte-identical whatever
``jobs`` is.

Each clip keeps its word events (one per word of the given text): the engine's when it
reports them, else estimated from the audio (:mod:`bulletin.synth.timing`); events of
the respelled text are mapped back onto the text's own words.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from pathlib import Path

from bulletin.errors import VoiceError
from bulletin.script import Clip
from bulletin.synth.cache import (
    ClipCache,
    clip_key,
    identity_digest,
    temporary_cache_dir,
)
from bulletin.synth.engines import engine_for
from bulletin.synth.presets import VoicePreset
from bulletin.synth.timing import complete_events, estimate_events, reindex_events
from bulletin.synth.voice import PresetVoice, load_voice, voice_identity
from bulletin.workers import pool_workers, process_pool, share_work

# Environment a worker must see as the parent does now (Coqui's model folder).
_ENV_PASSED = ("TTS_HOME", "XDG_DATA_HOME")

_LOADED: dict[str, PresetVoice] = {}


def _voice_in_process(preset: VoicePreset, digest: str) -> PresetVoice:
    """This process's voice for ``preset``, loaded once (one kept: models are big)."""
    voice = _LOADED.get(digest)
    if voice is None:
        voice = load_voice(preset)
        _LOADED.clear()
        _LOADED[digest] = voice
    return voice


def synthesize_clips(
    texts: Sequence[str],
    preset: VoicePreset,
    *,
    cache_dir: Path | None,
    jobs: int | None = os.cpu_count(),
    progress: Callable[[int], None] | None = None,
    stats: dict | None = None,
    pool: Executor | None = None,
) -> list[Clip]:
    """One :class:`~bulletin.script.Clip` per text, in order, each a WAV file on disk.

    ``cache_dir=None`` (``--no-cache``) uses a temporary folder removed at exit.
    ``progress(n)`` is called with the number of texts done so far (cache hits first).
    ``stats`` gets ``hits``, ``misses`` (texts not in the cache), ``synthesised`` (distinct
    texts synthesised), ``jobs`` (processes that synthesised: this one, plus ``jobs - 1``
    spawned workers; 0 when everything was cached) and ``seconds``.

    Workers are started with "spawn": a script calling this with ``jobs > 1`` needs the
    usual ``if __name__ == "__main__":`` guard (the ``bulletin`` command has it). A
    ``pool`` (see :func:`bulletin.workers.process_pool`) is used instead of starting one,
    and its workers keep the voice loaded for the next call.
    """
    started = time.perf_counter()
    jobs = max(1, jobs or 1)
    cache = ClipCache(cache_dir if cache_dir is not None else temporary_cache_dir())
    digest = identity_digest(voice_identity(preset))
    spoken_texts = [preset.respell_text(text) for text in texts]
    keys = [clip_key(digest, spoken) for spoken in spoken_texts]

    found: dict[str, Clip] = {}
    todo: dict[str, str] = {}  # key -> spoken text, first occurrence order
    hits = misses = 0
    for key, spoken in zip(keys, spoken_texts, strict=True):
        if key in found:
            hits += 1
            continue
        if key in todo:
            misses += 1
            continue
        clip = cache.get(key)
        if clip is not None:
            found[key] = clip
            hits += 1
        else:
            todo[key] = spoken
            misses += 1

    done = hits
    if progress and done:
        progress(done)
    counts: dict[str, int] = {}
    for key in keys:
        counts[key] = counts.get(key, 0) + 1

    def finished(key: str, clip: Clip) -> None:
        nonlocal done
        found[key] = clip
        done += counts[key]
        if progress:
            progress(done)

    workers = 0
    if todo:
        workers = min(jobs, len(todo))
        if workers <= 1 or len(todo) <= engine_for(preset).in_process_misses:
            workers = 1
            voice = _voice_in_process(preset, digest)
            for key, spoken in todo.items():
                finished(key, _make_clip(voice, cache, key, spoken))
        else:
            problem = engine_for(preset).problem(preset)  # before starting workers
            if problem:
                raise VoiceError(problem)
            _run_pool(preset, digest, cache, todo, workers, finished, pool)

    if stats is not None:
        stats.update(
            hits=hits,
            misses=misses,
            synthesised=len(todo),
            jobs=workers,
            seconds=time.perf_counter() - started,
        )
    return [
        _for_text(found[key], spoken, text)
        for key, spoken, text in zip(keys, spoken_texts, texts, strict=True)
    ]


def uncached(texts: Sequence[str], preset: VoicePreset, cache_dir: Path) -> list[str]:
    """The distinct ``texts`` whose clips for ``preset`` are not in the cache at
    ``cache_dir``, in order (what :func:`synthesize_clips` would have to synthesise).

    >>> uncached(["Салам.", "Салам.", "Кош."], resolve_voice("ky-espeak"), cache_dir)
    ['Салам.', 'Кош.']
    """
    cache = ClipCache(cache_dir)
    digest = identity_digest(voice_identity(preset))
    missing: dict[str, str] = {}
    for text in texts:
        key = clip_key(digest, preset.respell_text(text))
        if key not in missing and cache.get(key) is None:
            missing[key] = text
    return list(missing.values())


def start_workers(
    texts: Sequence[str], preset: VoicePreset, *, cache_dir: Path | None, pool: Executor | None
) -> bool:
    """Have ``pool``'s workers start up now (a Python, the voice, the mastering modules)
    when :func:`synthesize_clips` will give them work (more clips missing than the engine
    makes in this process; a missing clip is one whose name is not in the cache, nothing
    is read), so that they are ready when this process, meanwhile loading its own modules,
    hands out the first clips. Returns whether it did; errors are left to the synthesis.

    >>> start_workers(texts, resolve_voice("ky-azamat"), cache_dir=None, pool=pool)
    True
    """
    if pool is None:
        return False
    engine = engine_for(preset)
    digest = identity_digest(voice_identity(preset))
    keys = {clip_key(digest, preset.respell_text(text)) for text in texts}
    if cache_dir is not None and Path(cache_dir).is_dir():
        keys -= set(ClipCache(cache_dir)._scan())
    if len(keys) <= engine.in_process_misses or engine.problem(preset):
        return False
    env = {name: os.environ.get(name) for name in _ENV_PASSED}
    for _ in range(pool_workers(pool)):
        pool.submit(_worker_start, preset, digest, env)
    return True


def _make_clip(voice: PresetVoice, cache: ClipCache, key: str, spoken: str) -> Clip:
    """Synthesise ``spoken`` (respelled) and store it with its word events."""
    result = voice.synthesize_spoken(spoken)
    words = spoken.split()
    samples = result.samples
    length = len(samples)
    if result.words is not None:
        events, timing = complete_events(result.words, words, length), "engine"
    else:
        events, timing = estimate_events(samples, result.sample_rate, words), "estimate"
    return cache.put(key, samples, result.sample_rate, events, timing)


def _for_text(clip: Clip, spoken: str, text: str) -> Clip:
    """``clip`` (made from the respelled ``spoken``) with word events for ``text``'s words."""
    if clip.words is None or spoken == text:
        return clip
    return dataclasses.replace(clip, words=reindex_events(clip.words, spoken.split(), text.split()))


def _chunks(todo: dict[str, str], workers: int, most: int | None) -> list[list[tuple[str, str]]]:
    """Longest texts first (balances the workers), in chunks small enough to share well
    (at most ``most`` texts each, when the engine says)."""
    items = sorted(todo.items(), key=lambda kv: len(kv[1]), reverse=True)
    size = max(1, min(most or 16, len(items) // (workers * 8)))
    return [items[i : i + size] for i in range(0, len(items), size)]


def _run_pool(
    preset: VoicePreset,
    digest: str,
    cache: ClipCache,
    todo: dict[str, str],
    workers: int,
    finished: Callable[[str, Clip], None],
    pool: Executor | None,
) -> None:
    """This process plus ``workers - 1`` worker processes share the chunks: workers take the
    longest texts from the front (two chunks each in hand), this process the shortest from
    the back, loading its voice after the workers have started."""
    chunks = _chunks(todo, workers, engine_for(preset).chunk)
    env = {name: os.environ.get(name) for name in _ENV_PASSED}
    directory = str(cache.directory)

    def here(chunk: list[tuple[str, str]]) -> list[tuple[str, Clip]]:
        voice = _voice_in_process(preset, digest)
        for key, spoken in chunk:  # reported clip by clip, as they are made
            finished(key, _make_clip(voice, cache, key, spoken))
        return []

    def done(_: int, made: list[tuple[str, Clip]]) -> None:
        for key, clip in made:
            finished(key, clip)

    with contextlib.ExitStack() as own:
        if pool is None:
            pool = own.enter_context(process_pool(workers))
        share_work(
            chunks,
            here,
            lambda chunk: (_worker_run, (preset, digest, directory, env, chunk)),
            pool,
            done,
            queued=2,
        )


def _synthesize_chunk(
    voice: PresetVoice, cache: ClipCache, chunk: list[tuple[str, str]]
) -> list[tuple[str, Clip]]:
    return [(key, _make_clip(voice, cache, key, spoken)) for key, spoken in chunk]


# --- worker side -----------------------------------------------------------------------


def _set_env(env: dict[str, str | None]) -> None:
    for name, value in env.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def _worker_start(preset: VoicePreset, digest: str, env: dict[str, str | None]) -> None:
    """In a worker, ahead of its first clips: load the voice and the mastering modules
    (scipy's signal package alone takes ~0.7 s). A failure here is not reported: the
    synthesis that follows meets it again and says so."""
    _set_env(env)
    try:
        _voice_in_process(preset, digest)
        import bulletin.audio.master  # noqa: F401
    except Exception:  # noqa: BLE001, S110 - see above
        pass


def _worker_run(
    preset: VoicePreset,
    digest: str,
    directory: str,
    env: dict[str, str | None],
    chunk: list[tuple[str, str]],
) -> list[tuple[str, Clip]]:
    """Synthesise ``chunk`` into the cache at ``directory`` (in a worker: the voice is
    loaded on the first chunk and kept)."""
    _set_env(env)
    return _synthesize_chunk(_voice_in_process(preset, digest), ClipCache(Path(directory)), chunk)
