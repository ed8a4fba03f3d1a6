"""Exact-match accuracy of ``bulletin.text.normalize`` and ``kyrgyz_normalizer.normalize``.

Scores both normalisers on the gold set (``tests/text/gold/*.tsv``) and, when present, on
``tests/text/cases/*.tsv`` (same format: ``written<TAB>expected``, ``#`` comments, a
``# category: NAME`` comment sets the category of the rows below it). A case counts as
correct only when the output equals the expected string exactly after collapsing runs of
whitespace to one space and stripping the ends. A normaliser that raises scores the case
as wrong. Prints accuracy per category, per file and overall.

    python bench/accuracy.py [--no-cases] [--failures N] [--extra DIR ...] [--only-extra]

``--extra DIR`` adds every ``DIR/*.tsv`` (e.g. ``bench/heldout``) as more cases, labelled
by the folder name; ``--only-extra`` scores those folders alone.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "text"))
import gold_data  # noqa: E402  (the case-file reader the tests use)

GOLD_DIR = gold_data.GOLD_DIR
CASES_DIR = gold_data.CASES_DIR

Normalizer = Callable[[str], str]


@dataclass(frozen=True)
class Case:
    """One written -> spoken case, labelled ``label/file``."""

    source: str
    line: int
    category: str
    written: str
    expected: str


def read_cases(directory: Path, label: str) -> list[Case]:
    """Every case in ``directory/*.tsv`` (the tests' own reader); ``label`` prefixes the source."""
    return [
        Case(f"{label}/{case.path.stem}", case.line, case.category, case.written, case.expected)
        for path in (sorted(directory.glob("*.tsv")) if directory.is_dir() else [])
        for case in gold_data.read_cases(path)
    ]


def collapse(text: str) -> str:
    """Runs of whitespace -> one space, ends stripped."""
    return re.sub(r"\s+", " ", text).strip()


def score(normalize: Normalizer | None, case: Case) -> bool | None:
    """True/False for a correct/wrong case, None when the normaliser is unavailable."""
    if normalize is None:
        return None
    try:
        return collapse(normalize(case.written)) == collapse(case.expected)
    except Exception:  # noqa: BLE001 - a crash is a wrong answer here
        return False


def load_normalizers() -> dict[str, Normalizer | None]:
    """Both normalisers, None where one cannot be imported (with a note)."""
    found: dict[str, Normalizer | None] = {}
    try:
        from bulletin.text import normalize as ours
    except ImportError as exc:
        print(f"note: bulletin.text.normalize not importable ({exc})")
        ours = None
    try:
        from kyrgyz_normalizer import normalize as peer
    except ImportError:
        print("note: kyrgyz-normalizer missing: pip install kyrgyz-normalizer==0.3.0")
        peer = None
    found["bulletin"] = ours
    found["kyrgyz-normalizer"] = peer
    return found


def percent(results: list[bool | None]) -> str:
    """'87.5% (14/16)' or 'n/a'."""
    if not results or results[0] is None:
        return "n/a"
    good = sum(bool(r) for r in results)
    return f"{100 * good / len(results):5.1f}% ({good}/{len(results)})"


def table(title: str, groups: dict[str, list[int]], results: dict[str, list[bool | None]]) -> None:
    """Print one accuracy table: a row per group plus the total."""
    names = list(results)
    width = max([len(title), 5, *(len(key) for key in groups)])
    print(f"\n{title:<{width}} {'n':>4}  " + "  ".join(f"{name:>20}" for name in names))
    for key in sorted(groups):
        idx = groups[key]
        cells = "  ".join(f"{percent([results[n][i] for i in idx]):>20}" for n in names)
        print(f"{key:<{width}} {len(idx):>4}  {cells}")
    every = [i for idx in groups.values() for i in idx]
    cells = "  ".join(f"{percent([results[n][i] for i in every]):>20}" for n in names)
    print(f"{'total':<{width}} {len(every):>4}  {cells}")


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-cases", action="store_true", help="gold set only")
    parser.add_argument("--failures", type=int, default=0, help="show N of bulletin's misses")
    parser.add_argument(
        "--extra", action="append", default=[], type=Path, help="another folder of *.tsv cases"
    )
    parser.add_argument("--only-extra", action="store_true", help="score the --extra folders only")
    args = parser.parse_args(argv)

    cases = [] if args.only_extra else read_cases(GOLD_DIR, "gold")
    if not args.no_cases and not args.only_extra:
        cases += read_cases(CASES_DIR, "cases")
    for folder in args.extra:
        cases += read_cases(folder, folder.resolve().name)
    if not cases:
        raise SystemExit("no cases found")
    normalizers = load_normalizers()
    results = {name: [score(fn, case) for case in cases] for name, fn in normalizers.items()}

    by_category: dict[str, list[int]] = defaultdict(list)
    by_file: dict[str, list[int]] = defaultdict(list)
    for i, case in enumerate(cases):
        by_category[case.category].append(i)
        by_file[case.source].append(i)
    print("exact match after collapsing whitespace")
    table("category", by_category, results)
    table("file", by_file, results)

    ours = normalizers["bulletin"]
    if args.failures and ours is not None:
        shown = 0
        for i, case in enumerate(cases):
            if results["bulletin"][i] is False and shown < args.failures:
                shown += 1
                try:
                    got = ours(case.written)
                except Exception as exc:  # noqa: BLE001
                    got = f"<{type(exc).__name__}: {exc}>"
                print(
                    f"\n{case.source}:{case.line} [{case.category}]\n  want: {case.expected}\n  got:  {got}"
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
