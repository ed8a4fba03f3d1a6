"""Captions: one caption per sentence (its written text), split when it will not fit.

>>> caption_cues([Cue(0.0, 2.0, "Бишкекте жаңы мектеп ачылды.", "...", 0, "sentence")])
[CaptionCue(start_s=0.0, end_s=2.0, lines=('Бишкекте жаңы мектеп ачылды.',), story=0, sentence=0,
            role='sentence')]

A sentence that does not fit in ``max_lines`` lines of ``max_chars`` becomes several
consecutive captions. Split points are chosen together (dynamic programming) so that:
clause ends (``, ; : — –`` and sentence ends) are preferred, then the places before
conjunctions (``жана``, ``бирок``, ``ал эми``, ...), then any word boundary; a number is
not split from its digit groups or its word; captions are about equally long and, where
the sentence is long enough, at least :data:`MIN_CAPTION_S` on screen. Lines are broken
at spaces and balanced. A single word longer than ``max_chars`` stands alone.

Timing, when the cue has word times (``Cue.words``, from the voice's word events or
estimated from the audio): captions split only between those written pieces, each
caption after the first starts exactly where its first word starts to sound, and a place
where the voice pauses (a gap of :data:`PAUSE_BREAK_S` between words) counts as a clause
end, so a long sentence without commas splits where the voice breathes.

Without word times: the sentence's span is shared out by how much of the SPOKEN text each
written chunk stands for. Words that read the same in both forms are aligned (``difflib``) as
anchors; between anchors (numbers, dates, abbreviations spelled out) the spoken characters
are shared by written character share. Sub-captions are contiguous: the first starts at
the sentence's start and the last ends at its end, exactly (the writers round to ms).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

from bulletin.fsutil import atomic_path
from bulletin.publish.programme import Cue

#: A sub-caption is kept on screen at least this long where the sentence allows it.
MIN_CAPTION_S = 1.0
#: A silence between two words at least this long is a pause: as good a break as a comma.
PAUSE_BREAK_S = 0.12

# Words before which a clause may start (lower case, punctuation stripped).
CONJUNCTIONS = frozenset({"жана", "бирок", "же", "анткени", "себеби", "ошондуктан", "ошентип"})
# "ал эми" is two words: a break goes before "ал" when "эми" follows.
TWO_WORD_CONJUNCTIONS = frozenset({("ал", "эми"), ("ошол", "эле"), ("ошону", "менен")})
# Postpositions belong to the word before them: avoid starting a line or caption with one.
POSTPOSITIONS = frozenset(
    {"менен", "үчүн", "боюнча", "тууралуу", "жөнүндө", "каршы", "чейин", "кийин", "бери"}
)
_DASHES = ("—", "–", "-")
_WORD_SPLIT = re.compile(r"[^\S\u00a0\u202f\u2007]+")  # whitespace except no-break spaces


@dataclass(frozen=True, slots=True)  # one per word or sentence: no __dict__ each
class CaptionCue:
    """One caption: its span, its lines, and the sentence (index into the input cues)."""

    start_s: float
    end_s: float
    lines: tuple[str, ...]
    story: int
    sentence: int
    role: str = "sentence"

    @property
    def text(self) -> str:
        """The caption's lines joined by spaces."""
        return " ".join(self.lines)


def caption_cues(cues: Iterable[Cue], max_chars: int = 42, max_lines: int = 2) -> list[CaptionCue]:
    """Captions for ``cues``, in order; cues with no written text get none.

    >>> cue = Cue(0.0, 6.0, "Мектеп 2022-жылы ачылды, ал эми курулушу үч жылга созулду.",
    ...           "мектеп эки миң жыйырма экинчи жылы ачылды, ал эми курулушу үч жылга созулду.",
    ...           story=0, role="sentence")
    >>> [(round(c.start_s, 2), round(c.end_s, 2), c.lines)
    ...  for c in caption_cues([cue], max_chars=20)]
    [(0.0, 3.39, ('Мектеп 2022-жылы', 'ачылды,')), (3.39, 6.0, ('ал эми курулушу', 'үч жылга созулду.'))]
    """
    return list(iter_caption_cues(cues, max_chars, max_lines))


def iter_caption_cues(
    cues: Iterable[Cue], max_chars: int = 42, max_lines: int = 2
) -> Iterator[CaptionCue]:
    """:func:`caption_cues` one caption at a time, as ``cues`` are read (a long programme's
    captions need not be held: ``write_vtt(path, iter_caption_cues(spool))``)."""
    if max_chars < 1 or max_lines < 1:
        raise ValueError("max_chars and max_lines must be >= 1")
    for index, cue in enumerate(cues):
        timed = [word for word in cue.words if word.written]
        if timed:
            words = [word.written for word in timed]
            starts = [word.start_s for word in timed]
            gaps = [0.0] + [b.start_s - a.end_s for a, b in pairwise(timed)] + [0.0]
            chunks = _chunk(words, _time_fractions(starts, cue), cue, max_chars, max_lines, gaps)
            times = [
                (cue.start_s if i == 0 else starts[i], cue.end_s if j == len(words) else starts[j])
                for i, j, _ in chunks
            ]
        else:
            words = split_words(cue.written)
            if not words:
                continue
            chunks = _chunk(words, _spoken_fractions(words, cue.spoken), cue, max_chars, max_lines)
            times = _chunk_times(chunks, cue.start_s, cue.end_s)
        for (i, j, _share), (start, end) in zip(chunks, times, strict=True):
            yield CaptionCue(
                start_s=start,
                end_s=end,
                lines=wrap_lines(split_words(" ".join(words[i:j])), max_chars, max_lines),
                story=cue.story,
                sentence=index,
                role=cue.role,
            )


def split_words(text: str) -> list[str]:
    """Words of ``text``; no-break spaces stay inside a word. ``"а  б\\n"`` -> ``['а', 'б']``."""
    return [word for word in _WORD_SPLIT.split(text) if word]


# --- where to break -------------------------------------------------------------------------


def _key(word: str) -> str:
    return "".join(ch for ch in word.lower() if ch.isalnum())


def _is_number(word: str) -> bool:
    return bool(re.fullmatch(r"[+\-−]?\d+(?:[.,]\d+)*", word))


def _break_penalty(words: Sequence[str], b: int, gap_s: float = 0.0) -> float:
    """How bad it is to break between ``words[b-1]`` and ``words[b]`` (0 = clause end),
    with ``gap_s`` seconds of silence between them as spoken."""
    prev, nxt = words[b - 1], words[b]
    nxt_key = _key(nxt)
    if prev.endswith((".", "!", "?", "…", ".»", "!»", "?»", '."', ".)")):
        penalty = 0.0
    elif prev.endswith((",", ";", ":", ",»", ',"')) or prev in _DASHES or prev.endswith(_DASHES):
        penalty = 0.3
    elif nxt_key in CONJUNCTIONS or (
        b + 1 < len(words) and (nxt_key, _key(words[b + 1])) in TWO_WORD_CONJUNCTIONS
    ):
        penalty = 1.0
    else:
        penalty = 4.0
    if gap_s >= PAUSE_BREAK_S:  # the voice pauses here
        penalty = min(penalty, 0.3)
    if nxt in _DASHES:  # a dash stays with the word before it
        penalty += 12.0
    if nxt_key in POSTPOSITIONS:
        penalty += 3.0
    if _is_number(prev):
        # "1 500 000 сом": never split digit groups; keep a number with its word.
        penalty += 30.0 if re.fullmatch(r"\d{3}[.,]?", nxt) else 4.0
    return penalty


# --- lines ----------------------------------------------------------------------------------


def wrap_lines(words: Sequence[str], max_chars: int = 42, max_lines: int = 2) -> tuple[str, ...]:
    """Break ``words`` into the fewest balanced lines of at most ``max_chars``.

    >>> wrap_lines("Бишкекте жаңы мектеп ачылды".split(), max_chars=20)
    ('Бишкекте жаңы', 'мектеп ачылды')

    If they cannot fit in ``max_lines`` lines, more lines are returned (callers check
    with :func:`_fits` first); a single word longer than ``max_chars`` is one line.
    """
    return _wrap(list(words), max_chars)[0]


def _wrap(
    words: list[str], max_chars: int, breaks: Sequence[float] | None = None
) -> tuple[tuple[str, ...], float]:
    """Balanced lines (fewest that fit) and the summed break penalty of their line breaks.

    ``breaks[j]`` is the penalty of breaking before ``words[j]`` (computed if not given).
    """
    text = " ".join(words)
    if len(text) <= max_chars or len(words) == 1:
        return (text,), 0.0
    count = _line_count(words, max_chars)
    n = len(words)
    lengths = [len(word) for word in words]
    if breaks is None:
        penalties = [0.0] + [_break_penalty(words, j) for j in range(1, n)] + [0.0]
    else:
        penalties = [0.0, *breaks[1:n], 0.0]
    # best[k][j]: (cost, previous break) for words[:j] in k lines; cost = sum of squared
    # line widths (balance) + break penalties scaled to be worth a few characters.
    prefix = [0]
    for length in lengths:
        prefix.append(prefix[-1] + length)
    inf = float("inf")
    best = [[(inf, -1)] * (n + 1) for _ in range(count + 1)]
    best[0][0] = (0.0, -1)
    for k in range(1, count + 1):
        for i in range(n):
            prev_cost = best[k - 1][i][0]
            if prev_cost == inf:
                continue
            stops = (n,) if k == count else range(i + 1, n)
            for j in stops:
                width = prefix[j] - prefix[i] + j - i - 1
                if width > max_chars and j - i > 1:
                    break
                cost = prev_cost + width * width + penalties[j] * max_chars
                if cost < best[k][j][0]:
                    best[k][j] = (cost, i)
    lines: list[str] = []
    penalty = 0.0
    j, k = n, count
    while k > 0:
        i = best[k][j][1]
        lines.append(" ".join(words[i:j]))
        penalty += penalties[i]
        j, k = i, k - 1
    return tuple(reversed(lines)), penalty


def _line_count(words: Sequence[str], max_chars: int) -> int:
    """Fewest lines of at most ``max_chars`` (greedy fill is optimal for this)."""
    lines, width = 0, 0
    for word in words:
        if lines and width + 1 + len(word) <= max_chars:
            width += 1 + len(word)
        else:
            lines += 1
            width = len(word)
    return lines


def _fits(words: Sequence[str], max_chars: int, max_lines: int) -> bool:
    if len(words) == 1:
        return True
    if any(len(word) > max_chars for word in words):
        return False
    return _line_count(words, max_chars) <= max_lines


# --- chunks and timing ----------------------------------------------------------------------


def _spoken_fractions(words: Sequence[str], spoken: str) -> list[float]:
    """For each boundary before written word k (k = 0..n), the share of spoken text before it.

    >>> _spoken_fractions(["2022-жылы", "ачылды."], "эки миң жыйырма экинчи жылы ачылды.")
    [0.0, 0.8, 1.0]
    """
    n = len(words)
    written_chars = [0]
    for word in words:
        written_chars.append(written_chars[-1] + len(word) + 1)
    spoken_tokens = [(m.start(), m.group()) for m in re.finditer(r"\S+", spoken)]
    total = len(spoken.rstrip())
    if not spoken_tokens or total == 0:
        return [written_chars[k] / written_chars[n] for k in range(n + 1)]
    # Anchors: (written boundary, spoken char offset) pairs known to correspond.
    anchors = {0: 0.0, n: float(total)}
    starts = [start for start, _ in spoken_tokens] + [total]
    matcher = difflib.SequenceMatcher(
        None, [_key(w) for w in words], [_key(t) for _, t in spoken_tokens], autojunk=False
    )
    for a, b, size in matcher.get_matching_blocks():
        for offset in range(size):
            if not _key(words[a + offset]):
                continue
            anchors.setdefault(a + offset, float(starts[b + offset]))
            anchors.setdefault(a + offset + 1, float(starts[b + offset + 1]))
    points = sorted(anchors.items())
    fractions = [0.0] * (n + 1)
    for (w0, s0), (w1, s1) in pairwise(points):
        span = written_chars[w1] - written_chars[w0]
        for k in range(w0, w1 + 1):
            share = (written_chars[k] - written_chars[w0]) / span if span else 0.0
            fractions[k] = (s0 + (s1 - s0) * share) / total
    # Keep monotone (anchors are increasing, but be safe against rounding).
    for k in range(1, n + 1):
        fractions[k] = min(max(fractions[k], fractions[k - 1]), 1.0)
    fractions[n] = 1.0
    return fractions


def _time_fractions(starts: Sequence[float], cue: Cue) -> list[float]:
    """For each boundary before word k (k = 0..n), the share of the cue's span before it."""
    duration = cue.end_s - cue.start_s
    if duration <= 0:
        return [0.0] * len(starts) + [1.0]
    inner = [min(max((t - cue.start_s) / duration, 0.0), 1.0) for t in starts[1:]]
    return [0.0, *inner, 1.0]


def _chunk(
    words: Sequence[str],
    fractions: Sequence[float],
    cue: Cue,
    max_chars: int,
    max_lines: int,
    gaps: Sequence[float] | None = None,
) -> list[tuple[int, int, float]]:
    """Split ``words`` into caption chunks: ``[(i, j, spoken share), ...]``, covering all.

    ``gaps[k]`` is the silence (seconds) before ``words[k]`` when known."""
    n = len(words)
    pieces = any(" " in word for word in words)  # words read together: lines may break them

    def fits(i: int, j: int) -> bool:
        return _fits(
            split_words(" ".join(words[i:j])) if pieces else words[i:j], max_chars, max_lines
        )

    if fits(0, n):
        return [(0, n, 1.0)]
    duration = cue.end_s - cue.start_s
    capacity = max_chars * max_lines
    inf = float("inf")
    best: list[tuple[float, int]] = [(0.0, -1)] + [(inf, -1)] * n
    breaks = [0.0] + [_break_penalty(words, j, gaps[j] if gaps else 0.0) for j in range(1, n)]
    breaks.append(0.0)
    for j in range(1, n + 1):
        width = -1
        for i in range(j - 1, -1, -1):
            width += len(words[i]) + 1
            if j - i > 1 and not fits(i, j):
                break
            if best[i][0] == inf:
                continue
            share = fractions[j] - fractions[i]
            cost = best[i][0] + 10.0 + 4.0 * (width / capacity) ** 2
            if width < 12 and n > 1:
                cost += (12 - width) * 0.5
            if share * duration < MIN_CAPTION_S <= duration:
                cost += 5.0
            if j < n:
                cost += breaks[j]
            if j - i > 1:
                if pieces:
                    cost += 0.5 * _wrap(split_words(" ".join(words[i:j])), max_chars)[1]
                else:
                    cost += 0.5 * _wrap(list(words[i:j]), max_chars, breaks[i : j + 1])[1]
            if cost < best[j][0]:
                best[j] = (cost, i)
    chunks: list[tuple[int, int, float]] = []
    j = n
    while j > 0:
        i = best[j][1]
        chunks.append((i, j, fractions[j] - fractions[i]))
        j = i
    return list(reversed(chunks))


def _chunk_times(
    chunks: Sequence[tuple[int, int, float]], start: float, end: float
) -> list[tuple[float, float]]:
    """Contiguous spans for ``chunks`` from ``start`` to ``end``, by spoken share.

    Chunks shorter than :data:`MIN_CAPTION_S` are lengthened at the others' expense
    (in proportion) when the sentence is long enough for all of them.
    """
    duration = end - start
    weights = [max(share, 0.0) for _, _, share in chunks]
    total = sum(weights)
    if total <= 0:
        weights, total = [1.0] * len(chunks), float(len(chunks))
    lengths = [duration * w / total for w in weights]
    if len(chunks) > 1 and duration >= MIN_CAPTION_S * len(chunks):
        fixed: set[int] = set()
        while True:
            short = [
                k for k, length in enumerate(lengths) if k not in fixed and length < MIN_CAPTION_S
            ]
            if not short:
                break
            fixed.update(short)
            free = duration - MIN_CAPTION_S * len(fixed)
            free_weight = sum(weights[k] for k in range(len(chunks)) if k not in fixed)
            for k in range(len(chunks)):
                if k in fixed:
                    lengths[k] = MIN_CAPTION_S
                elif free_weight > 0:
                    lengths[k] = free * weights[k] / free_weight
    spans: list[tuple[float, float]] = []
    at = start
    for k, length in enumerate(lengths):
        stop = end if k == len(lengths) - 1 else min(max(at + length, at), end)
        spans.append((at, stop))
        at = stop
    return spans


# --- writers --------------------------------------------------------------------------------


def format_timestamp(seconds: float, separator: str = ".") -> str:
    """``HH:MM:SS.mmm`` (WebVTT) or with ``","`` (SRT): 3725.5 -> '01:02:05.500'."""
    ms = max(int(round(seconds * 1000.0)), 0)
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"


def _vtt_escape(line: str) -> str:
    return line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _vtt_blocks(captions: Iterable[CaptionCue]) -> Iterator[str]:
    yield "WEBVTT\n"
    for caption in captions:
        timing = f"{format_timestamp(caption.start_s)} --> {format_timestamp(caption.end_s)}"
        body = "\n".join(_vtt_escape(line) for line in caption.lines)
        yield f"\n{timing}\n{body}\n"


def _srt_blocks(captions: Iterable[CaptionCue]) -> Iterator[str]:
    for number, caption in enumerate(captions, start=1):
        start = format_timestamp(caption.start_s, ",")
        end = format_timestamp(caption.end_s, ",")
        body = "\n".join(line.replace("-->", "->") for line in caption.lines)
        gap = "" if number == 1 else "\n"  # blocks a blank line apart
        yield f"{gap}{number}\n{start} --> {end}\n{body}\n"


def render_vtt(captions: Iterable[CaptionCue]) -> str:
    """WebVTT text: ``WEBVTT``, a blank line, then ``00:00:00.000 --> 00:00:02.000`` cues."""
    return "".join(_vtt_blocks(captions))


def render_srt(captions: Iterable[CaptionCue]) -> str:
    """SubRip text: ``1``, ``00:00:00,000 --> 00:00:02,000``, the lines, a blank line."""
    return "".join(_srt_blocks(captions))


def write_vtt(path: Path, captions: Iterable[CaptionCue]) -> None:
    """Write WebVTT captions to ``path`` (UTF-8, atomically), caption by caption."""
    _write_blocks(path, _vtt_blocks(captions))


def write_srt(path: Path, captions: Iterable[CaptionCue]) -> None:
    """Write SubRip captions to ``path`` (UTF-8, atomically), caption by caption."""
    _write_blocks(path, _srt_blocks(captions))


def _write_blocks(path: Path, blocks: Iterable[str]) -> None:
    with atomic_path(Path(path)) as tmp, open(tmp, "w", encoding="utf-8", newline="\n") as file:
        file.writelines(blocks)
