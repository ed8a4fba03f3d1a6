"""Every benchmark in one command: bench_make, bench_normalize, bench_phrasing, bench_limits,
bench_rhvoice, bench_coqui, bench_serve, bench_queue.

    python bench/all.py [--quick]

Each prints its own table of ratios measured side by side in the same run; ``--quick``
runs one repeat of each, bench_limits on a one-hour programme (three hours in full) and
the Coqui benchmark on the first 6 sentences only (a smoke run, not numbers to report).
About 20 minutes in full on 2 cores.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one repeat, 6 Coqui sentences")
    quick = parser.parse_args().quick
    runs = [
        ["bench_make.py", *(["--repeat", "1"] if quick else [])],
        ["bench_normalize.py"],
        ["bench_phrasing.py"],
        ["bench_limits.py", *(["--hours", "1"] if quick else [])],
        ["bench_rhvoice.py", *(["--repeat", "1"] if quick else [])],
        ["bench_coqui.py", *(["--limit", "6", "--repeat", "1"] if quick else [])],
        ["bench_serve.py", *(["--repeat", "1", "--seconds", "1"] if quick else [])],
        ["bench_queue.py", *(["--repeat", "1", "--articles", "4"] if quick else [])],
    ]
    failed = 0
    for script, *args in runs:
        print(f"\n== {script} {' '.join(args)}".rstrip(), flush=True)
        failed += subprocess.run([sys.executable, str(HERE / script), *args]).returncode != 0
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
