"""Public entry points: ``normalize`` and ``explain``.

``normalize("ЕАЭБдин 30%ы")`` → ``"Евразиялык экономикалык биримдиктин отуз пайызы"``.
"""

from __future__ import annotations

import re

from bulletin.text.cleaning import clean
from bulletin.text.lexicon import Lexicon
from bulletin.text.scanner import TokenTrace, rewrite

_WORD = re.compile(r"\S+")


def normalize(text: str, lexicon: Lexicon | None = None) -> str:
    """Written Kyrgyz → spoken Kyrgyz; same number of lines, never raises.

    The text is cleaned first (:func:`bulletin.text.cleaning.clean`): escape sequences,
    invisible characters, emoji and other scripts never reach the voice.
    """
    text = clean(text).text
    try:
        return rewrite(text, lexicon)
    except re.error:  # a broken pattern is a bug, not odd input
        raise
    except Exception:  # pragma: no cover - the scanner already guards each token
        from bulletin.text.scanner import _fallback

        return "\n".join(_fallback(line) for line in text.split("\n"))


def explain(text: str, lexicon: Lexicon | None = None) -> list[TokenTrace]:
    """Per token: the written text, what it became and which rule fired.

    Words no rule touched are listed with rule ``"pass"``; what cleaning dropped (emoji,
    other scripts) comes first, with rule ``"dropped"``.
    """
    cleaned = clean(text)
    text = cleaned.text
    traces: list[TokenTrace] = []
    from bulletin.text.scanner import _Rewriter, _scanner

    pattern = _scanner(lexicon)
    rewriter = _Rewriter(text, lexicon, traces)
    pos = 0
    out: list[TokenTrace] = [TokenTrace(run, "", "dropped") for run in cleaned.dropped]
    for m in pattern.finditer(text):
        for word in _WORD.findall(text[pos : m.start()]):
            out.append(TokenTrace(word, word, "pass"))
        before = len(traces)
        rewriter(m)
        out.extend(traces[before:])
        pos = m.end()
    for word in _WORD.findall(text[pos:]):
        out.append(TokenTrace(word, word, "pass"))
    return out
