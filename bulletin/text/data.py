"""Shipped TSV data (``bulletin/text/data/*.tsv``), read once and cached.

``table("units")`` → ``{"км": ["километр"], ...}``: one row per line,
``written<TAB>spoken[<TAB>more]``, ``#`` starts a comment line.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

DATA_DIR = Path(__file__).with_name("data")


def read_rows(path: Path) -> list[tuple[int, list[str]]]:
    """(line number, fields) for every non-blank, non-comment line of a TSV file."""
    rows: list[tuple[int, list[str]]] = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            line = line.rstrip("\r\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            rows.append((number, line.split("\t")))
    return rows


@cache
def table(name: str) -> dict[str, list[str]]:
    """The shipped table *name* as {written: [spoken, extra...]} (first row wins)."""
    result: dict[str, list[str]] = {}
    for _, fields in read_rows(DATA_DIR / f"{name}.tsv"):
        key = fields[0]
        if key and key not in result:
            result[key] = fields[1:] or [""]
    return result


@cache
def mapping(name: str) -> dict[str, str]:
    """The shipped table *name* as {written: spoken}."""
    return {key: values[0] for key, values in table(name).items()}
