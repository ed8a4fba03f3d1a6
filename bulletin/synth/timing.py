"""Word events for a clip: the engine's (checked and completed) or estimated from the audio.

>>> words = "Бишкекте жаңы мектеп ачылды.".split()
>>> estimate_events(samples, 22050, words)        # no events from the engine
(WordEvent(index=0, start=2646, end=20286), WordEvent(index=1, ...), ...)

Every result has one event per spoken word (``index`` 0..n-1, in order), with
``0 <= start <= end <= len(samples)`` and starts that never go back, so later stages can
rely on it. Estimates share the clip's speech (between its leading and trailing silence)
by the words' letter counts, put the voice's pauses (silences of at least
:data:`PAUSE_S`) between words, and move every other boundary to the quietest moment
nearby, so a boundary falls between words, not inside one.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from bulletin.synth.voice import WordEvent
from bulletin.text.alignment import match_words

#: A silence at least this long inside a clip is taken for a pause between words.
PAUSE_S = 0.1
#: Frames quieter than this far below the clip's loudest frame count as silence.
SILENCE_DB = 40.0
FRAME_S = 0.01
#: A boundary moves to the quietest frame within this share of the shorter word beside it,
#: if that frame is at least SNAP_DB quieter.
SNAP_REACH = 0.25
SNAP_DB = 3.0


def word_weights(words: Sequence[str]) -> list[float]:
    """How long each word is expected to sound, relatively: letters and digits, plus one."""
    return [1.0 + sum(ch.isalnum() for ch in word) for word in words]


def proportional_events(words: Sequence[str], start: int, end: int) -> tuple[WordEvent, ...]:
    """Words laid end to end over ``[start, end)`` by :func:`word_weights`."""
    weights = word_weights(words)
    total = sum(weights) or 1.0
    cuts = [start]
    acc = 0.0
    for weight in weights:
        acc += weight
        cuts.append(start + int(round((end - start) * acc / total)))
    return tuple(WordEvent(k, cuts[k], cuts[k + 1]) for k in range(len(words)))


def estimate_events(
    samples: np.ndarray, sample_rate: int, words: Sequence[str]
) -> tuple[WordEvent, ...]:
    """One estimated :class:`WordEvent` per word of ``words`` (see the module docstring)."""
    n = len(words)
    length = len(samples)
    if n == 0:
        return ()
    hop = max(1, int(round(sample_rate * FRAME_S)))
    frames = length // hop
    if frames < 2 * n:
        return proportional_events(words, 0, length)
    x = np.asarray(samples, dtype=np.float32)[: frames * hop].reshape(frames, hop)
    level = 10.0 * np.log10(np.einsum("ij,ij->i", x, x, dtype=np.float64) / hop + 1e-12)
    quiet = level < max(level.max() - SILENCE_DB, -90.0)
    loud = np.flatnonzero(~quiet)
    if loud.size == 0:
        return proportional_events(words, 0, length)
    first, last = int(loud[0]), int(loud[-1]) + 1
    # pauses: quiet runs of PAUSE_S or more inside the speech
    min_run = max(1, int(round(PAUSE_S / FRAME_S)))
    edges = np.diff(np.concatenate([[0], quiet[first:last].astype(np.int8), [0]]))
    runs = zip(np.flatnonzero(edges == 1) + first, np.flatnonzero(edges == -1) + first, strict=True)
    pauses = [(int(a), int(b)) for a, b in runs if b - a >= min_run]
    weights = word_weights(words)
    cum = np.concatenate([[0.0], np.cumsum(weights)]) / sum(weights)
    speech = (last - first) - sum(b - a for a, b in pauses)
    # a pause goes to the word boundary whose share of letters best matches the share of
    # speech before it (words ending in punctuation preferred); unmatched ones are ignored
    segments: list[tuple[int, int, int, int]] = []  # (frame0, frame1, word0, word1)
    seg_start, word0, paused = first, 0, 0
    for a, b in pauses:
        share = (a - first - paused) / speech if speech > 0 else 0.0
        paused += b - a
        best, best_cost = None, 0.12
        for k in range(word0 + 1, n):
            cost = abs(cum[k] - share) - (0.04 if words[k - 1][-1:] in ",.;:!?—–-»)" else 0.0)
            if cost < best_cost:
                best, best_cost = k, cost
        if best is None:  # a quiet stretch inside a word (a stop), not a pause
            continue
        segments.append((seg_start, a, word0, best))
        seg_start, word0 = b, best
    segments.append((seg_start, last, word0, n))
    events: list[WordEvent] = []
    for f0, f1, k0, k1 in segments:
        events.extend(_segment_events(level, quiet, words, f0, f1, k0, k1))
    return tuple(
        WordEvent(e.index, min(e.start * hop, length), min(e.end * hop, length)) for e in events
    )


def _segment_events(
    level: np.ndarray, quiet: np.ndarray, words: Sequence[str], f0: int, f1: int, k0: int, k1: int
) -> list[WordEvent]:
    """Frames ``[f0, f1)`` shared by words ``k0..k1``, inner boundaries moved to the
    quietest frame nearby (see SNAP_REACH)."""
    share = proportional_events(words[k0:k1], f0, f1)
    cuts = [f0] + [e.start for e in share[1:]] + [f1]
    ends = list(cuts)  # end of the word before each cut (a short silence between words)
    for j in range(1, len(cuts) - 1):
        reach = int(min(cuts[j] - cuts[j - 1], cuts[j + 1] - cuts[j]) * SNAP_REACH)
        lo, hi = max(cuts[j - 1] + 1, cuts[j] - reach), min(cuts[j + 1] - 1, cuts[j] + reach)
        if hi > lo:
            f = lo + int(np.argmin(level[lo : hi + 1]))
            if level[cuts[j]] - level[f] < SNAP_DB:  # nothing clearly quieter: keep the share
                f = cuts[j]
            cuts[j] = ends[j] = f
            if quiet[f]:
                a = f
                while a > lo and quiet[a - 1]:
                    a -= 1
                b = f
                while b < hi and quiet[b]:
                    b += 1
                ends[j] = cuts[j] = a  # a short silence: the closure of the next word's stop
    return [
        WordEvent(k0 + j, cuts[j], max(cuts[j], ends[j + 1] if j + 1 < len(cuts) - 1 else f1))
        for j in range(k1 - k0)
    ]


def complete_events(
    events: Sequence[WordEvent], words: Sequence[str], length: int
) -> tuple[WordEvent, ...]:
    """An engine's events made whole: one per word, in range, in order.

    Events for unknown indexes are dropped (the first kept for a repeated index); a word
    the engine did not report shares the time between its reported neighbours.

    >>> complete_events([WordEvent(0, 0, 100), WordEvent(2, 300, 400)], ["а", "бб", "в"], 500)
    (WordEvent(index=0, start=0, end=100), WordEvent(index=1, start=100, end=300),
     WordEvent(index=2, start=300, end=400))
    """
    n = len(words)
    known: dict[int, tuple[int, int]] = {}
    for event in events:
        if 0 <= event.index < n and event.index not in known:
            start = min(max(int(event.start), 0), length)
            known[event.index] = (start, min(max(int(event.end), start), length))
    out: list[WordEvent] = []
    at = 0
    k = 0
    while k < n:
        if k in known:
            start, end = known[k]
            start = max(start, at)
            out.append(WordEvent(k, start, max(end, start)))
            at = start
            k += 1
            continue
        j = k
        while j < n and j not in known:
            j += 1
        gap_start = out[-1].end if out else 0
        gap_end = known[j][0] if j < n else length
        gap_start = max(min(gap_start, gap_end), at)
        filled = proportional_events(words[k:j], gap_start, max(gap_end, gap_start))
        out.extend(WordEvent(k + e.index, e.start, e.end) for e in filled)
        at = out[-1].start
        k = j
    return tuple(out)


def reindex_events(
    events: Sequence[WordEvent], from_words: Sequence[str], to_words: Sequence[str]
) -> tuple[WordEvent, ...]:
    """Events of ``from_words`` (the respelled text) as events of ``to_words`` (the
    spoken text before respelling); words that split or merge share their span.

    >>> reindex_events([WordEvent(0, 0, 90), WordEvent(1, 100, 200)], ["Гыр", "адус"], ["Градус"])
    (WordEvent(index=0, start=0, end=200),)
    """
    if list(from_words) == list(to_words):
        return tuple(events)
    out: list[WordEvent] = []
    for a0, a1, b0, b1 in match_words(from_words, to_words):
        span = [e for e in events[a0:a1]]
        if not span or b1 == b0:
            continue
        start, end = span[0].start, max(e.end for e in span)
        if a1 - a0 == b1 - b0:
            out.extend(WordEvent(b0 + i, e.start, e.end) for i, e in enumerate(span))
        else:
            filled = proportional_events(to_words[b0:b1], start, end)
            out.extend(WordEvent(b0 + e.index, e.start, e.end) for e in filled)
    return complete_events(out, to_words, max((e.end for e in events), default=0))
