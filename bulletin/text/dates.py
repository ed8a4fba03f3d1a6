"""Dates: numeric dd.mm.yyyy and month names.

``read_numeric_date("31", "12", "2026", "")`` → ``"эки миң жыйырма алтынчы жылдын отуз
биринчи декабры"``; with a written suffix after -жыл: ``05.01.2026-жылдан`` →
``"эки миң жыйырма алтынчы жылдын бешинчи январынан"``.
"""

from __future__ import annotations

from bulletin.text.data import table
from bulletin.text.harmony import attach
from bulletin.text.numbers import ordinal

# suffix written after "жыл" → case to put on the possessive month
_YEAR_SUFFIX_CASE = {"ы": "да", "": ""}


def month_names() -> dict[int, tuple[str, str]]:
    """{1: ("январь", "январ"), ...}."""
    return {int(k): (v[0], v[1]) for k, v in table("months").items()}


def read_numeric_date(day: str, month: str, year: str, suffix: str = "") -> str | None:
    """A dd.mm.yyyy date, or None when day/month are out of range."""
    d, mo = int(day), int(month)
    months = month_names()
    if not (1 <= d <= 31 and mo in months):
        return None
    _, stem = months[mo]
    case = _YEAR_SUFFIX_CASE.get(suffix, suffix)
    month_word = attach(stem, "ы")  # possessive: декабры, январы, майы
    if case:
        month_word = attach(month_word, case, possessive=True)
    return f"{ordinal(int(year))} жылдын {ordinal(d)} {month_word}"
