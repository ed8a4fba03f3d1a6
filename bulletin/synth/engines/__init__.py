"""Voice engines as plug-ins: one module per engine, found through :data:`ENGINES`.

Each engine module defines ``ENGINE``, an :class:`Engine`: how to load a preset into a
voice, the identity that keys the clip cache, whether it can run here (and what to install
when not), its licence and quality tier. A new engine is one module plus one line in
:data:`ENGINES`; nothing else branches on engine names.

>>> engine("espeak").tier, engine("rhvoice").tier, engine("coqui").tier
('formant', 'parametric', 'neural')

Engine modules import nothing heavy at import time: Coqui loads torch when a voice is
loaded, RHVoice's library is opened when a voice is loaded or its version is asked for.
"""

from __future__ import annotations

import contextlib
import importlib
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from bulletin.errors import VoiceError

if TYPE_CHECKING:
    from bulletin.synth.presets import VoicePreset
    from bulletin.synth.voice import Synthesis

# The one place that lists engines: name -> module defining ENGINE.
ENGINES: dict[str, str] = {
    "espeak": "bulletin.synth.engines.espeak",
    "rhvoice": "bulletin.synth.engines.rhvoice",
    "coqui": "bulletin.synth.engines.coqui",
}
TIERS = ("neural", "parametric", "formant")  # best first


class EngineVoice:
    """What an engine's ``load`` returns: ``synthesize(spoken) -> Synthesis``.

    ``text`` is spoken text after the preset's respelling; word event indexes count its
    ``text.split()`` words.
    """

    name: str
    sample_rate: int

    def synthesize(self, text: str) -> Synthesis:  # pragma: no cover - protocol
        raise NotImplementedError


def _no_check(preset: VoicePreset) -> str | None:
    return None


@dataclass(frozen=True)
class Engine:
    """One voice engine (``ENGINE`` in its module).

    ``load(preset, allow_download)`` starts a voice; ``identity(preset)`` returns what
    changes its sound besides the preset (versions, data digests); ``problem(preset)`` says
    why it cannot run here (``None``: it can) without importing anything heavy;
    ``check(preset)`` says what is wrong with a preset's engine settings (``None``: fine).
    ``in_process_misses``: below this many clips to make, no worker pool is started;
    ``chunk``: at most this many sentences per worker task (``None``: balanced).
    """

    name: str
    tier: str
    licence: str
    install: str
    load: Callable[[VoicePreset, bool], EngineVoice]
    identity: Callable[[VoicePreset], dict[str, Any]]
    problem: Callable[[VoicePreset], str | None]
    check: Callable[[VoicePreset], str | None] = _no_check
    default_sample_rate: int | None = None
    in_process_misses: int = 2
    chunk: int | None = None
    word_events: bool = False


_LOADED: dict[str, Engine] = {}


def engine(name: str) -> Engine:
    """The engine called ``name`` (its module is imported on first use)."""
    found = _LOADED.get(name)
    if found is None:
        module = ENGINES.get(name)
        if module is None:
            raise VoiceError(f"unknown engine {name!r} (known: {', '.join(ENGINES)})")
        found = importlib.import_module(module).ENGINE
        _LOADED[name] = found
    return found


def engine_for(preset: VoicePreset) -> Engine:
    """The engine a preset names."""
    return engine(preset.engine)


def tier_rank(tier: str) -> int:
    """0 for the best tier (neural), larger for worse ones."""
    return TIERS.index(tier) if tier in TIERS else len(TIERS)


T = TypeVar("T")


def process_wide(start: Callable[[], T]) -> Callable[[], T]:
    """A getter that calls ``start()`` once per process, on first use, under a lock (an
    engine library keeps global state: one instance a process, shared by its threads).

    >>> engine = process_wide(_Engine)
    >>> engine() is engine()
    True
    """
    made: list[T] = []
    lock = threading.Lock()

    def get() -> T:
        with lock:
            if not made:
                made.append(start())
            return made[0]

    return get


def file_digest(paths: list[Path]) -> str:
    """sha256 over the names and contents of ``paths`` (a voice's data files), cached per
    process by path, size and mtime."""
    import hashlib

    key = tuple((str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in paths)
    digest = _DIGESTS.get(key)
    if digest is None:
        h = hashlib.sha256()
        for p in paths:
            h.update(str(p.name).encode() + b"\0")
            with open(p, "rb") as f:
                for block in iter(lambda f=f: f.read(1 << 20), b""):
                    h.update(block)
        digest = h.hexdigest()
        _DIGESTS[key] = digest
    return digest


_DIGESTS: dict[tuple, str] = {}


@contextlib.contextmanager
def callback_guard(
    callbacks: tuple[Callable[..., Any], ...], record: Callable[[BaseException], None]
) -> Iterator[None]:
    """While a C engine runs: an exception that ctypes swallows from one of ``callbacks``
    (it prints "Exception ignored on calling ctypes callback function" and carries on) is
    handed to ``record`` instead.

    A callback catches what is raised inside its body itself; this catches what its body
    cannot: a signal handler (Ctrl-C's KeyboardInterrupt) that runs as the callback is
    entered or returns. The engine then stops at its next callback and raises ``record``'s
    exception after the C call.
    """
    previous = sys.unraisablehook

    def hook(unraisable: Any) -> None:
        if unraisable.exc_value is not None and any(
            unraisable.object == callback for callback in callbacks
        ):
            record(unraisable.exc_value)
        else:
            previous(unraisable)

    sys.unraisablehook = hook
    try:
        yield
    finally:
        sys.unraisablehook = previous


SILENCE = 1e-3  # |sample| at or below this is silence when trimming a word's end (-60 dBFS)


def word_index(text: str) -> Callable[[int], int]:
    """A function from a character offset in ``text`` to the index of the ``text.split()``
    word there (an offset in the blank after a word counts for the next word).

    >>> index = word_index("Бүгүн  5 градус")
    >>> [index(0), index(5), index(7), index(9), index(99)]
    [0, 1, 1, 2, 2]
    """
    import bisect
    import re

    spans = [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]
    starts = [s for s, _ in spans]

    def index(offset: int) -> int:
        if not spans:
            return 0
        i = max(0, bisect.bisect_right(starts, offset) - 1)
        if offset >= spans[i][1] and i + 1 < len(spans):
            i += 1
        return i

    return index


def word_events(events: list[tuple[int, int, int | None]], samples: Any) -> tuple[Any, ...]:
    """Word events from an engine's ``(word index, start sample, end sample or None)``
    reports, in the order they came: several reports for one word (an engine that splits
    ``4-5`` in two) become one event from the first start to the last end; a missing end is
    the next word's start (the end of the audio for the last word) less trailing silence.

    >>> import numpy as np
    >>> audio = np.r_[np.ones(100), np.zeros(50), np.ones(100)].astype(np.float32)
    >>> word_events([(0, 0, None), (1, 150, None)], audio)
    (WordEvent(index=0, start=0, end=100), WordEvent(index=1, start=150, end=250))
    """
    import numpy as np

    from bulletin.synth.voice import WordEvent

    merged: dict[int, list] = {}
    for index, start, end in events:
        start = min(max(0, int(start)), len(samples))
        span = merged.get(index)
        if span is None:
            merged[index] = [start, end]
        else:
            span[0] = min(span[0], start)
            if end is not None:
                span[1] = end if span[1] is None else max(span[1], end)
    order = sorted(merged.items())
    out = []
    for n, (index, (start, end)) in enumerate(order):
        if end is None:
            limit = order[n + 1][1][0] if n + 1 < len(order) else len(samples)
            loud = np.flatnonzero(np.abs(samples[start:limit]) > SILENCE)
            end = start + int(loud[-1]) + 1 if loud.size else limit
        end = min(max(int(end), start), len(samples))
        out.append(WordEvent(index, start, end))
    return tuple(out)


__all__ = ["ENGINES", "TIERS", "Engine", "EngineVoice", "engine", "engine_for", "file_digest"]
