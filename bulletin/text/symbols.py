"""Symbols read as words: ``&`` → ``жана``, ``≈`` → ``болжол менен``, ``§`` → ``параграф``."""

from __future__ import annotations

from bulletin.text.data import mapping


def read_symbol(symbol: str) -> str:
    """The spoken word for a symbol ('' for a symbol that is not read)."""
    return mapping("symbols").get(symbol, "")
