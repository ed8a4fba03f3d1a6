"""A test double for a voice whose engine reports word events, with known, exact timings.

Each word of the spoken text is a tone burst of ``LETTER`` samples per character after
``GAP`` samples of silence; after a word ending in a comma, or one named in ``pause_after``
(the voice breathing where no comma is written), ``PAUSE`` more samples of silence. The
events it reports are exactly where the bursts are, so tests can check what the cache,
the manifest and the captions make of them. It stands in for an engine in unit tests only
(the real engines are tested against their own audio in tests/synth).
"""

from __future__ import annotations

import numpy as np

from bulletin.synth.voice import Synthesis, WordEvent

RATE = 16000
GAP = 320  # 20 ms between words
LETTER = 800  # 50 ms per character
PAUSE = 4800  # 300 ms
LEAD = 1600  # 100 ms of silence before the first word and after the last


class WordVoice:
    """``synthesize_spoken(text)`` -> tone bursts and their exact word events."""

    name = "test-words"
    sample_rate = RATE

    def __init__(self, pause_after: frozenset[str] = frozenset(), report: bool = True) -> None:
        self.pause_after = pause_after
        self.report = report
        self.calls: list[str] = []

    def synthesize_spoken(self, spoken: str) -> Synthesis:
        self.calls.append(spoken)
        pieces = [np.zeros(LEAD - GAP, np.float32)]
        events = []
        at = LEAD - GAP
        for index, word in enumerate(spoken.split()):
            pieces.append(np.zeros(GAP, np.float32))
            at += GAP
            n = LETTER * len(word)
            t = np.arange(n) / RATE
            pieces.append((0.3 * np.sin(2 * np.pi * (200 + 10 * index) * t)).astype(np.float32))
            events.append(WordEvent(index, at, at + n))
            at += n
            if word.endswith(",") or word.strip(".,") in self.pause_after:
                pieces.append(np.zeros(PAUSE, np.float32))
                at += PAUSE
        pieces.append(np.zeros(LEAD, np.float32))
        samples = np.concatenate(pieces)
        return Synthesis(samples, RATE, tuple(events) if self.report else None)


def use_voice(monkeypatch, preset, voice: WordVoice) -> None:
    """Make ``synthesize_clips`` use ``voice`` for ``preset`` in this process (jobs=1)."""
    from bulletin.synth import clips
    from bulletin.synth.cache import identity_digest
    from bulletin.synth.voice import voice_identity

    monkeypatch.setattr(clips, "_LOADED", {identity_digest(voice_identity(preset)): voice})
