"""Reader for the normaliser's TSV case files (gold set and `cases/`).

Format: one case per line, ``written<TAB>expected spoken``. Lines starting with ``#`` are
comments; a comment ``# category: NAME`` sets the category of the cases below it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

TEXT_TESTS = Path(__file__).resolve().parent
GOLD_DIR = TEXT_TESTS / "gold"
CASES_DIR = TEXT_TESTS / "cases"
CATEGORY_PREFIX = "# category:"


@dataclass(frozen=True)
class Case:
    """One written -> spoken case with where it came from."""

    path: Path
    line: int
    category: str
    written: str
    expected: str

    @property
    def case_id(self) -> str:
        """Test id ``file:line``."""
        return f"{self.path.name}:{self.line}"


def read_cases(path: Path) -> list[Case]:
    """Read every case in one TSV file; raise ValueError on a malformed line."""
    cases: list[Case] = []
    category = "uncategorised"
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not raw.strip():
            continue
        if raw.startswith("#"):
            if raw.startswith(CATEGORY_PREFIX):
                category = raw[len(CATEGORY_PREFIX) :].strip() or "uncategorised"
            continue
        fields = raw.split("\t")
        if len(fields) != 2:
            raise ValueError(f"{path.name}:{number}: expected 2 tab-separated fields")
        cases.append(Case(path, number, category, fields[0], fields[1]))
    return cases


def read_dir(directory: Path) -> list[Case]:
    """Read every ``*.tsv`` in a directory, in file-name order."""
    if not directory.is_dir():
        return []
    return [case for path in sorted(directory.glob("*.tsv")) for case in read_cases(path)]
