"""Units of measure after a number, and temperature ranges.

``unit_word("кВт·саат")`` → ``"киловатт-саат"``; ``-6...-8°C`` →
``"минус алтыдан минус сегиз градуска чейин"``.
"""

from __future__ import annotations

from bulletin.text.data import mapping, table

# spoken units that end in a "per" word (саатына, килограммына): a case suffix cannot go on
FIXED = frozenset(
    {"километр саатына", "мегабит секундасына", "гигабит секундасына"}
    | {row[0] for key, row in table("units").items() if "/" in key}
)


def unit_word(abbr: str) -> str:
    """The spoken unit; unknown abbreviations come back unchanged."""
    return mapping("units").get(abbr, abbr)


def unit_parts(abbr: str) -> tuple[str, str]:
    """(spoken unit, word said before the number when a suffix is written) for a unit."""
    row = table("units").get(abbr)
    if row is None:
        return abbr, ""
    return row[0], (row[1] if len(row) > 1 else "")


def unit_keys() -> list[str]:
    """Unit abbreviations, longest first (for the scanner's alternation)."""
    return sorted(mapping("units"), key=len, reverse=True)


def compound_keys() -> list[str]:
    """Units joined from two (кВт·саат → киловатт-саат), read also with no number before them."""
    return [k for k in unit_keys() if "-" in mapping("units")[k]]
