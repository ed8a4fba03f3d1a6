"""Category case files: ``tests/text/cases/<category>.tsv``, one test per line.

Format: ``written<TAB>expected``; ``#`` starts a comment line. The test id shows the
category (file name) and the line number, e.g. ``numbers:12``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bulletin.text import normalize

CASES_DIR = Path(__file__).resolve().parent / "cases"


def _read() -> list[tuple[str, int, str, str]]:
    cases: list[tuple[str, int, str, str]] = []
    for path in sorted(CASES_DIR.glob("*.tsv")):
        for number, raw in enumerate(path.read_text(encoding="utf-8").split("\n"), 1):
            if not raw.strip() or raw.lstrip().startswith("#"):
                continue
            fields = raw.split("\t")
            if len(fields) != 2:
                raise ValueError(f"{path.name}:{number}: expected written<TAB>expected")
            cases.append((path.stem, number, fields[0], fields[1]))
    return cases


CASES = _read()


def test_enough_cases() -> None:
    """The case files hold at least 450 cases."""
    assert len(CASES) >= 450


@pytest.mark.parametrize(
    ("written", "expected"),
    [(c[2], c[3]) for c in CASES],
    ids=[f"{c[0]}:{c[1]}" for c in CASES],
)
def test_case(written: str, expected: str) -> None:
    """normalize(written) == expected exactly, and a second pass changes nothing."""
    got = normalize(written)
    assert got == expected
    assert normalize(got) == got
