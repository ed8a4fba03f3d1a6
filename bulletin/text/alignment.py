"""Which written words each spoken word came from (for word timings and captions).

>>> align("2022-жылы ЕАЭБдин 30%ы өстү.")
[('2022-жылы', ('Эки', 'миң', 'жыйырма', 'экинчи', 'жылы')),
 ('ЕАЭБдин', ('Евразиялык', 'экономикалык', 'биримдиктин')),
 ('30%ы', ('отуз', 'пайызы')), ('өстү.', ('өстү.',))]

The normaliser's scanner rewrites matched tokens and passes the text between them through
unchanged; :func:`align` runs the same pass and follows every spoken character back to the
written characters it came from. Written words (``str.split``) and spoken words are then
grouped into the smallest pieces that map onto each other: ``1 500 000`` is one written
piece for ``бир миллион беш жүз миң``; a written word read as nothing (a lone ``—``) joins
the piece before it. Joining the pieces gives back exactly ``written.split()`` and
``normalize(written).split()``.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence

from bulletin.text.lexicon import Lexicon

_WORD = re.compile(r"\S+")

Piece = tuple[str, tuple[str, ...]]


def align(written: str, lexicon: Lexicon | None = None) -> list[Piece]:
    """``[(written piece, spoken words), ...]`` for one sentence, in order (see above).

    Every written word is in exactly one piece; a piece's written text is its words
    joined by single spaces. The pass is the normaliser's own (``rewrite``: the same
    pattern and callback), so the spoken words are exactly ``normalize(written).split()``.
    """
    spoken, sources = _rewrite_with_sources(written, lexicon)
    written_spans = [(m.start(), m.end()) for m in _WORD.finditer(written)]
    spoken_words = [(m.group(), m.start(), m.end()) for m in _WORD.finditer(spoken)]
    if not written_spans:
        return [("", tuple(word for word, _, _ in spoken_words))] if spoken_words else []
    starts = [start for start, _ in written_spans]
    # For each spoken word: the first and last written word its characters came from.
    links: list[tuple[int, int]] = []
    for _, start, end in spoken_words:
        lo, hi = sources[start][0], sources[end - 1][1]  # sources only ever move forward
        first = _word_at(starts, written_spans, lo, forward=True)
        last = max(first, _word_at(starts, written_spans, hi - 1, forward=False))
        links.append((first, last))
    return _pieces([w for w, _, _ in spoken_words], links, written.split())


def align_words(written: Sequence[str], spoken: Sequence[str]) -> list[Piece]:
    """Pieces for two word lists without knowing how one was made from the other.

    >>> align_words(["Мектеп", "2022-жылы", "ачылды."],
    ...             ["Мектеп", "эки", "миң", "жыйырма", "экинчи", "жылы", "ачылды."])
    [('Мектеп', ('Мектеп',)), ('2022-жылы', ('эки', 'миң', 'жыйырма', 'экинчи', 'жылы')),
     ('ачылды.', ('ачылды.',))]
    """
    groups = match_words(written, spoken)
    return [(" ".join(written[a:b]), tuple(spoken[c:d])) for a, b, c, d in groups]


def match_words(a: Sequence[str], b: Sequence[str]) -> list[tuple[int, int, int, int]]:
    """Monotone groups ``(a0, a1, b0, b1)``: ``a[a0:a1]`` corresponds to ``b[b0:b1]``.

    Equal words (case and punctuation ignored) pair one to one; what lies between them
    forms one group; a group with nothing on one side joins its neighbour, so every group
    has words on both sides (unless a list is empty). Lists of the same length pair one
    to one.

    >>> match_words(["Гырадус", "5"], ["Градус", "беш"])
    [(0, 1, 0, 1), (1, 2, 1, 2)]
    """
    if len(a) == len(b):
        return [(i, i + 1, i, i + 1) for i in range(len(a))]
    if not a or not b:
        return [(0, len(a), 0, len(b))] if (a or b) else []
    matcher = difflib.SequenceMatcher(None, [_key(w) for w in a], [_key(w) for w in b], False)
    groups: list[list[int]] = []
    for tag, a0, a1, b0, b1 in matcher.get_opcodes():
        if tag == "equal":
            groups.extend([a0 + k, a0 + k + 1, b0 + k, b0 + k + 1] for k in range(a1 - a0))
        else:
            groups.append([a0, a1, b0, b1])
    return _close_gaps(groups)


def _close_gaps(groups: list[list[int]]) -> list[tuple[int, int, int, int]]:
    """Join groups empty on one side into the group before (or after, when first)."""
    out: list[list[int]] = []
    pending: list[int] | None = None
    for group in groups:
        if pending is not None:
            group = [pending[0], group[1], pending[2], group[3]]
            pending = None
        if group[0] == group[1] or group[2] == group[3]:
            if out:
                out[-1][1], out[-1][3] = group[1], group[3]
            else:
                pending = group
            continue
        out.append(group)
    if pending is not None:  # everything was one-sided: one group
        out.append(pending)
    return [(a0, a1, b0, b1) for a0, a1, b0, b1 in out]


def _key(word: str) -> str:
    return "".join(ch for ch in word.lower() if ch.isalnum())


def _rewrite_with_sources(text: str, lexicon: Lexicon | None) -> tuple[str, list[tuple[int, int]]]:
    """The normaliser's single scanner pass, with each output character's written span."""
    from bulletin.text.scanner import _Rewriter, _scanner

    pattern = _scanner(lexicon)
    rewriter = _Rewriter(text, lexicon, None)
    parts: list[str] = []
    sources: list[tuple[int, int]] = []
    pos = 0
    for m in pattern.finditer(text):
        parts.append(text[pos : m.start()])
        sources.extend((i, i + 1) for i in range(pos, m.start()))
        spoken = rewriter(m)
        parts.append(spoken)
        sources.extend([(m.start(), max(m.end(), m.start() + 1))] * len(spoken))
        pos = m.end()
    parts.append(text[pos:])
    sources.extend((i, i + 1) for i in range(pos, len(text)))
    return "".join(parts), sources


def _word_at(starts: list[int], spans: list[tuple[int, int]], offset: int, *, forward: bool) -> int:
    """The written word holding character ``offset``; between words, the next one
    (``forward``) or the one before."""
    import bisect

    k = bisect.bisect_right(starts, offset) - 1
    if k >= 0 and offset < spans[k][1]:
        return k
    if forward:
        return min(k + 1, len(spans) - 1)
    return max(k, 0)


def _pieces(spoken: list[str], links: list[tuple[int, int]], written: list[str]) -> list[Piece]:
    """Group written words and spoken words so every link stays inside one group."""
    n = len(written)
    # Written words that must stay together: each spoken word's range, and monotone order.
    joined = [False] * n  # joined[k]: written word k belongs with word k-1
    reach = -1
    for first, last in links:
        for k in range(max(first, 0) + 1, last + 1):
            joined[k] = True
        if first <= reach:  # an earlier spoken word reached past this one's start
            for k in range(first + 1, reach + 1):
                joined[k] = True
        reach = max(reach, last)
    bounds = [k for k in range(n) if not joined[k]] + [n]
    group_of = [0] * n
    for g, (a, b) in enumerate(zip(bounds, bounds[1:], strict=False)):
        for k in range(a, b):
            group_of[k] = g
    groups = [[a, b, 0, 0] for a, b in zip(bounds, bounds[1:], strict=False)]
    taken: list[list[str]] = [[] for _ in groups]
    last_group = 0
    for word, (first, _) in zip(spoken, links, strict=True):
        last_group = max(last_group, group_of[first])
        taken[last_group].append(word)
    out: list[Piece] = []
    for (a, b, _, _), words in zip(groups, taken, strict=True):
        text = " ".join(written[a:b])
        if not words and out:  # read as nothing: joins the piece before
            out[-1] = (f"{out[-1][0]} {text}", out[-1][1])
        elif out and not out[-1][1]:  # the first pieces were read as nothing
            out[-1] = (f"{out[-1][0]} {text}", tuple(words))
        else:
            out.append((text, tuple(words)))
    return out
