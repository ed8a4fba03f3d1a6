"""An interrupt inside an engine's audio callback (Ctrl-C, a signal handler) stops that
synthesis and reaches the caller; no shorter clip is ever returned or cached.

ctypes prints and swallows an exception raised in a callback; the engines keep it, tell
the C library to stop, and raise it after the C call returns. Here synthesis is
interrupted at many points (a hook raising at the n-th audio callback, and real SIGALRM
timers), and every clip cached along the way is compared, sample for sample, with a clean
run's."""

from __future__ import annotations

import importlib
import signal
from pathlib import Path

import numpy as np
import pytest
import soundfile

from bulletin.synth import resolve_voice, synthesize_clips
from bulletin.synth.engines import engine_for
from bulletin.text import normalize

SENTENCES = [
    normalize(s)
    for s in [
        "Бүгүн Бишкекте аба ырайы жылуу болот, түштөн кийин жаан жаашы мүмкүн.",
        "Өкмөт 2024-жылы мектептерге 350 миллион сом бөлдү.",
        "Ош шаарында, кечээ кечинде, жаңы көпүрө ачылды.",
        "Жолдо 12 автобус иштейт.",
        "Министр жаңы мыйзам долбоорун сунуштады, депутаттар аны талкуулашат.",
        "Салам.",
    ]
]
# Interrupt at these audio callbacks of each run (counted from the run's first), until a
# run gets through: many points, early and late in a clip.
POINTS = [1, 2, 3, 5, 8, 13, 4, 21, 6, 34, 7, 55, 9, 89, 10, 144, 11, 233, 12, 377]


def _engine_state(preset):
    module = importlib.import_module(engine_for(preset).load.__module__)
    return module.engine()


def _samples(path: Path) -> np.ndarray:
    return soundfile.read(str(path), dtype="int16")[0]


def _compare_with_clean(preset, cache: Path, clean: Path) -> int:
    again = synthesize_clips(SENTENCES, preset, cache_dir=cache, jobs=1)
    fresh = synthesize_clips(SENTENCES, preset, cache_dir=clean, jobs=1)
    for a, b in zip(again, fresh, strict=True):
        assert a.path.name == b.path.name
        assert a.samples == b.samples
        assert np.array_equal(_samples(a.path), _samples(b.path))
    return len(list(cache.rglob("*.wav")))


@pytest.mark.parametrize("name", ["ky-espeak", "ky-azamat"])
def test_interrupt_at_many_callbacks(tmp_path: Path, capfd, name: str) -> None:
    preset = resolve_voice(name)
    engine = _engine_state(preset)
    aborts = engine.aborts
    interrupted = 0
    for point in POINTS:
        calls = [0]

        def hook(point: int = point, calls: list = calls) -> None:
            calls[0] += 1
            if calls[0] == point:
                raise KeyboardInterrupt

        engine.on_audio = hook
        try:
            synthesize_clips(SENTENCES, preset, cache_dir=tmp_path / "cache", jobs=1)
        except KeyboardInterrupt:
            interrupted += 1
            assert calls[0] == point  # stopped right there: no callback after the abort
        else:
            break
        finally:
            engine.on_audio = None
    assert interrupted >= 8
    assert engine.aborts - aborts == interrupted  # every one landed inside the callback
    assert "Exception ignored" not in capfd.readouterr().err
    assert _compare_with_clean(preset, tmp_path / "cache", tmp_path / "clean") == len(SENTENCES)


@pytest.mark.parametrize(("name", "longest"), [("ky-espeak", 0.02), ("ky-azamat", 0.3)])
def test_sigalrm_during_synthesis(tmp_path: Path, capfd, name: str, longest: float) -> None:
    """Real signals at random moments of a run: wherever they land (entering or leaving
    the callback, between sentences, in the cache), the cache holds only whole clips."""
    preset = resolve_voice(name)
    texts = SENTENCES
    rng = np.random.default_rng(7)

    def interrupt(signum, frame):  # noqa: ANN001
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGALRM, interrupt)
    interrupted = 0
    try:
        for _ in range(12):
            signal.setitimer(signal.ITIMER_REAL, float(rng.uniform(0.0005, longest)))
            try:
                synthesize_clips(texts, preset, cache_dir=tmp_path / "cache", jobs=1)
                signal.setitimer(signal.ITIMER_REAL, 0)
            except KeyboardInterrupt:
                interrupted += 1
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert interrupted >= 1
    assert "Exception ignored" not in capfd.readouterr().err
    _compare_with_clean(preset, tmp_path / "cache", tmp_path / "clean")
