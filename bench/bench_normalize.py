"""Speed of ``bulletin.text.normalize`` against the peer ``kyrgyz_normalizer.normalize``.

Both normalise every ``*.txt`` release of the shared corpus (default ``examples/corpus``
relative to the repository root) in the same process; repetitions are interleaved (the
order alternates each round) so drift hits both alike. Prints best and median wall time,
characters per second, and the speed ratio ours/peer (> 1 means bulletin is faster).

    python bench/bench_normalize.py [--corpus DIR] [--repeat N]

Exit status 2 when kyrgyz-normalizer is missing (``pip install kyrgyz-normalizer==0.3.0``,
the project's ``bench`` extra).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = REPO / "examples" / "corpus"

Normalizer = Callable[[str], str]


def load_texts(corpus: Path) -> list[str]:
    """Every release in the corpus folder, in file-name order."""
    paths = sorted(corpus.glob("*.txt"))
    if not paths:
        raise SystemExit(f"no *.txt files in {corpus}")
    return [path.read_text(encoding="utf-8") for path in paths]


def time_once(normalize: Normalizer, texts: list[str]) -> float:
    """Seconds to normalise every text once."""
    start = time.perf_counter()
    for text in texts:
        normalize(text)
    return time.perf_counter() - start


def run(
    implementations: dict[str, Normalizer], texts: list[str], repeat: int
) -> dict[str, list[float]]:
    """Interleaved timings: each round runs every implementation, order alternating."""
    names = list(implementations)
    for name in names:  # warm-up: lexicon loading, regex compilation, caches
        time_once(implementations[name], texts)
    timings: dict[str, list[float]] = {name: [] for name in names}
    for round_no in range(repeat):
        order = names if round_no % 2 == 0 else list(reversed(names))
        for name in order:
            timings[name].append(time_once(implementations[name], texts))
    return timings


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="folder of *.txt")
    parser.add_argument("--repeat", type=int, default=7, help="timed rounds (default 7)")
    args = parser.parse_args(argv)

    try:
        from kyrgyz_normalizer import normalize as peer_normalize
    except ImportError:
        print(
            "kyrgyz-normalizer is not installed: pip install kyrgyz-normalizer==0.3.0 "
            "(or pip install -e '.[bench]')",
            file=sys.stderr,
        )
        return 2
    try:
        from bulletin.text import normalize as our_normalize
    except ImportError as exc:
        print(f"bulletin.text.normalize is not importable: {exc}", file=sys.stderr)
        return 1

    texts = load_texts(args.corpus)
    chars = sum(len(text) for text in texts)
    timings = run(
        {"bulletin": our_normalize, "kyrgyz-normalizer": peer_normalize}, texts, args.repeat
    )

    print(f"corpus: {args.corpus} ({len(texts)} files, {chars:,} chars), {args.repeat} rounds")
    print(
        f"{'normaliser':<18} {'best s':>9} {'median s':>9} {'best chars/s':>14} {'median chars/s':>15}"
    )
    for name, runs in timings.items():
        best, median = min(runs), statistics.median(runs)
        print(
            f"{name:<18} {best:>9.4f} {median:>9.4f} {chars / best:>14,.0f} {chars / median:>15,.0f}"
        )
    ours, peer = timings["bulletin"], timings["kyrgyz-normalizer"]
    ratio_best = min(peer) / min(ours)
    ratio_median = statistics.median(peer) / statistics.median(ours)
    print(
        f"speed ratio ours/peer: {ratio_median:.2f}x (median), {ratio_best:.2f}x (best); >1 = bulletin faster"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
