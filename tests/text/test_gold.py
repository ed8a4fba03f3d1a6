"""Gold set: real corpus sentences with hand-written spoken forms (tests/text/gold/*.tsv).

Each row is checked as an exact string match against ``bulletin.text.normalize``. The
expected forms follow docs/normaliser.md and were written by hand, never derived from a
normaliser's output, so the pass rate here is an accuracy measure.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from gold_data import GOLD_DIR, Case, read_dir

GOLD = read_dir(GOLD_DIR)
CORPUS = Path(__file__).resolve().parents[2] / "examples" / "corpus"
FORBIDDEN = re.compile(r"[0-9A-Za-z%№$€§@&]")


def test_gold_set_is_big_and_spread() -> None:
    """At least 160 rows, from every gold file."""
    assert len(GOLD) >= 160
    assert len({case.path.name for case in GOLD}) >= 16


@pytest.mark.parametrize("case", GOLD, ids=[case.case_id for case in GOLD])
def test_expected_is_speakable(case: Case) -> None:
    """The expected form itself obeys the output contract (guards typos in the gold set)."""
    assert not FORBIDDEN.search(case.expected)
    assert case.expected == case.expected.strip()


@pytest.mark.parametrize("case", GOLD, ids=[case.case_id for case in GOLD])
def test_written_is_verbatim_from_corpus(case: Case) -> None:
    """Every written sentence is copied exactly from its corpus file."""
    source = CORPUS / f"{case.path.stem}.txt"
    assert case.written in source.read_text(encoding="utf-8")


@pytest.mark.parametrize("case", GOLD, ids=[case.case_id for case in GOLD])
def test_gold(case: Case) -> None:
    """normalize(written) == expected, exactly."""
    from bulletin.text import normalize

    assert normalize(case.written) == case.expected
