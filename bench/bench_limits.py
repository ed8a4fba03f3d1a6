"""Peak memory and temporary disk of `bulletin make`, short programme against long.

    python bench/bench_limits.py [--hours 3] [--jobs 2] [--corpus DIR]

A short programme (the corpus's longest release, about 38 minutes) and a long one (the
corpus's releases repeated, one after another, into one release of about ``--hours``
hours) are each made once by `python -m bulletin make` (espeak, a fresh clip cache
outside TMPDIR, ``--jobs`` processes). While a make runs, this script samples every
50 ms:

- the resident memory (VmRSS) of the whole process tree (the make and its workers),
  summed; the largest single process's peak (VmHWM, and ru_maxrss of every process
  reaped, the workers included) is printed beside it;
- the bytes allocated under a TMPDIR of its own: the make's work folder, where mastering
  writes its temporary files (the clip cache is elsewhere; the finished file, written
  under a hidden name in the output folder, is output, not counted).

Rows: peak tree memory long / short (goal: flat, and under 300 MB), and temporary bytes
/ the programme as 16-bit PCM at the output rate (goal <= 1.0x). No number here is
asserted by a test; tests/audio/test_audio_bounds.py checks the structure that keeps
them flat.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = ROOT / "examples" / "corpus"
CHARS_PER_HOUR = 39_650  # espeak reads 16-weekly-roundup's 24,981 characters in 37:48
SAMPLE_S = 0.05
GOAL_MB = 300


@dataclass
class Usage:
    seconds: float
    tree_mb: float  # peak of the summed VmRSS of the process tree (sampled)
    process_mb: float  # largest single process's peak (VmHWM / ru_maxrss)
    temp_bytes: int  # peak bytes under TMPDIR (the make's work folder)
    duration_s: float
    sample_rate: int
    channels: int

    @property
    def pcm16_bytes(self) -> int:
        return int(round(self.duration_s * self.sample_rate)) * self.channels * 2


def _children(pid: int) -> list[int]:
    found = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as file:
                found += [int(c) for c in file.read().split()]
    except OSError:
        pass
    return found


def _status_kb(pid: int, field: str) -> int:
    try:
        with open(f"/proc/{pid}/status") as file:
            for line in file:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _allocated(folder: Path) -> int:
    total = 0
    for top, _, files in os.walk(folder):
        for name in files:
            with contextlib.suppress(OSError):  # removed meanwhile
                total += os.lstat(os.path.join(top, name)).st_blocks * 512
    return total


def measure(args: list[str], env: dict[str, str], temp: Path, cwd: Path) -> tuple[float, ...]:
    """Run ``args``; return (seconds, peak tree MB, peak process MB, peak temporary bytes)."""
    start = time.perf_counter()
    # run from a folder of its own: `python -m` puts the working folder first on the path
    proc = subprocess.Popen(args, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    peaks = {"tree": 0, "process": 0, "temp": 0}
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            pids, seen = [proc.pid], []
            while pids:
                pid = pids.pop()
                seen.append(pid)
                pids += _children(pid)
            peaks["tree"] = max(peaks["tree"], sum(_status_kb(p, "VmRSS") for p in seen))
            peaks["process"] = max([peaks["process"], *(_status_kb(p, "VmHWM") for p in seen)])
            peaks["temp"] = max(peaks["temp"], _allocated(temp))
            stop.wait(SAMPLE_S)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, status, usage = os.wait4(proc.pid, 0)
    stop.set()
    sampler.join()
    seconds = time.perf_counter() - start
    stderr = proc.stderr.read().decode()
    proc.stdout.read()
    if os.waitstatus_to_exitcode(status):
        raise SystemExit(f"{' '.join(args)} failed: {stderr.strip()}")
    reaped = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # workers included
    process_kb = max(peaks["process"], usage.ru_maxrss, reaped)
    return seconds, peaks["tree"] / 1024, process_kb / 1024, peaks["temp"]


def long_release(corpus: Path, hours: float, path: Path) -> Path:
    """The corpus's releases one after another, repeated until about ``hours`` of speech."""
    texts = [p.read_text(encoding="utf-8").strip() for p in sorted(corpus.glob("*.txt"))]
    if not texts:
        raise SystemExit(f"{corpus}: no releases found (use --corpus DIR)")
    # the first headline stays the release's title; the others open their stories
    body, chars = [], 0
    while chars < hours * CHARS_PER_HOUR:
        text = texts[len(body) % len(texts)]
        body.append(text)
        chars += len(text)
    path.write_text("\n\n\n".join(body) + "\n", encoding="utf-8")
    return path


def make(release: Path, work: Path, jobs: int) -> Usage:
    temp, out, cache = work / "tmp", work / "out", work / "cache"
    for folder in (temp, out):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
    env = dict(os.environ, TMPDIR=str(temp))
    args = [sys.executable, "-m", "bulletin", "make", str(release), "-o", str(out), "-q"]
    args += ["--cache-dir", str(cache), "--jobs", str(jobs)]
    seconds, tree, process, temp_bytes = measure(args, env, temp, work)
    manifest = json.loads((out / f"{release.stem}.json").read_text(encoding="utf-8"))
    settings = manifest["settings"]
    return Usage(
        seconds,
        tree,
        process,
        temp_bytes,
        float(manifest["duration_s"]),
        int(settings["sample_rate"]),
        int(settings["channels"]),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--hours", type=float, default=3.0, help="the long programme [3]")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    releases = sorted(args.corpus.glob("*.txt"), key=lambda p: p.stat().st_size, reverse=True)
    if not releases:
        raise SystemExit(f"{args.corpus}: no releases found (use --corpus DIR)")
    work = Path(tempfile.mkdtemp(prefix="bulletin-bench-limits-"))
    try:
        long = long_release(args.corpus, args.hours, work / "long.txt")
        short = make(releases[0], work, args.jobs)
        longer = make(long, work, args.jobs)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    for name, usage in (("short", short), ("long", longer)):
        print(
            f"{name}: {usage.duration_s / 60:.1f} min programme, made in {usage.seconds:.1f} s; "
            f"peak memory {usage.tree_mb:.0f} MB (process tree), {usage.process_mb:.0f} MB "
            f"(largest process); temporary {usage.temp_bytes / 1e6:.1f} MB "
            f"(16-bit PCM {usage.pcm16_bytes / 1e6:.1f} MB)"
        )
    rows = [
        (
            "peak memory (process tree): long / short",
            f"{longer.tree_mb:.0f} MB / {short.tree_mb:.0f} MB",
            f"{longer.tree_mb / short.tree_mb:.2f}x",
            f"flat, long < {GOAL_MB} MB",
        ),
        (
            "temporary disk / 16-bit PCM: short",
            f"{short.temp_bytes / 1e6:.1f} MB / {short.pcm16_bytes / 1e6:.1f} MB",
            f"{short.temp_bytes / short.pcm16_bytes:.3f}x",
            "<= 1.0x",
        ),
        (
            "temporary disk / 16-bit PCM: long",
            f"{longer.temp_bytes / 1e6:.1f} MB / {longer.pcm16_bytes / 1e6:.1f} MB",
            f"{longer.temp_bytes / longer.pcm16_bytes:.3f}x",
            "<= 1.0x",
        ),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  {'values':<26}  {'ratio':>8}  goal")
    for name, values, ratio, goal in rows:
        print(f"{name:<{width}}  {values:<26}  {ratio:>8}  {goal}")


if __name__ == "__main__":
    main()
