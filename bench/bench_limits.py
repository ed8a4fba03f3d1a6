"""Peak memory and temporary disk of `bulletin make`, short programme against long.

    python bench/bench_limits.py [--hours 3 [33 ...]] [--jobs 2] [--corpus DIR] [--log DIR]

A short programme (the corpus's longest release, about 38 minutes) and a long one (the
corpus's releases repeated, one after another, into one release of about ``--hours``
hours; several with ``--hours 3 33``) are each made once by `python -m bulletin make` (espeak, a fresh clip cache
outside TMPDIR, ``--jobs`` processes). While a make runs, this script samples every
50 ms:

- the memory of the whole process tree (the make and its workers): the headline is the
  proportional set size (``Pss`` of ``/proc/PID/smaps_rollup``) summed over the tree,
  which counts a page shared by several processes (libraries, the interpreter) once in
  all; the resident sizes (VmRSS) summed, which count such a page in every process, are
  printed beside it. The largest single process's peak (VmHWM, and ru_maxrss of every
  process reaped, the workers included) is printed too;
- the bytes allocated under a TMPDIR of its own: the make's work folder, where mastering
  writes its temporary files (the clip cache is elsewhere; the finished file, written
  under a hidden name in the output folder, is output, not counted).

A release over bulletin's default limit of characters (``MAX_CHARS``, 1 MB; the 33-hour
programme is 2.3 MB) is made with ``--max-chars`` raised to its length, as printed.

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

from bulletin.make import MAX_CHARS

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = ROOT / "examples" / "corpus"
CHARS_PER_HOUR = 39_650  # espeak reads 16-weekly-roundup's 24,981 characters in 37:48
SAMPLE_S = 0.05
GOAL_MB = 300


@dataclass
class Usage:
    seconds: float
    tree_mb: float  # peak of the summed Pss of the process tree (sampled)
    tree_rss_mb: float  # peak of the summed VmRSS of the process tree (sampled)
    process_mb: float  # largest single process's peak (VmHWM / ru_maxrss)
    temp_bytes: int  # peak bytes under TMPDIR (the make's work folder)
    duration_s: float
    sample_rate: int
    channels: int
    chars: int  # characters of the release (over bulletin's MAX_CHARS: --max-chars raised)

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


def _pss_kb(pid: int) -> int:
    """The process's proportional set size: each page shared with n processes counts 1/n."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as file:
            for line in file:
                if line.startswith("Pss:"):
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


def measure(
    args: list[str], env: dict[str, str], temp: Path, cwd: Path, log: Path | None = None
) -> tuple[float, ...]:
    """Run ``args``; return (seconds, peak tree Pss MB, peak tree RSS MB, peak process MB,
    peak temporary bytes). With ``log``, each sample's time and every process's RSS and
    Pss (kB) go there, one line a sample."""
    start = time.perf_counter()
    # run from a folder of its own: `python -m` puts the working folder first on the path
    proc = subprocess.Popen(args, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    peaks = {"pss": 0, "rss": 0, "process": 0, "temp": 0}
    stop = threading.Event()
    record = open(log, "w", encoding="utf-8") if log is not None else None  # noqa: SIM115

    def sample() -> None:
        while not stop.is_set():
            pids, seen = [proc.pid], []
            while pids:
                pid = pids.pop()
                seen.append(pid)
                pids += _children(pid)
            rss = [_status_kb(p, "VmRSS") for p in seen]
            pss = [_pss_kb(p) for p in seen]
            peaks["rss"] = max(peaks["rss"], sum(rss))
            peaks["pss"] = max(peaks["pss"], sum(pss))
            peaks["process"] = max([peaks["process"], *(_status_kb(p, "VmHWM") for p in seen)])
            peaks["temp"] = max(peaks["temp"], _allocated(temp))
            if record is not None:  # as it goes: a run stopped early still tells
                found = " ".join(f"{p}:{r}:{s}" for p, r, s in zip(seen, rss, pss, strict=True))
                record.write(f"{time.perf_counter() - start:.2f} {found}\n")
                record.flush()
            stop.wait(SAMPLE_S)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, status, usage = os.wait4(proc.pid, 0)
    stop.set()
    sampler.join()
    seconds = time.perf_counter() - start
    stderr = proc.stderr.read().decode()
    proc.stdout.read()
    if record is not None:
        record.close()
    if os.waitstatus_to_exitcode(status):
        raise SystemExit(f"{' '.join(args)} failed: {stderr.strip()}")
    reaped = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # workers included
    process_kb = max(peaks["process"], usage.ru_maxrss, reaped)
    return seconds, peaks["pss"] / 1024, peaks["rss"] / 1024, process_kb / 1024, peaks["temp"]


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


def make(release: Path, work: Path, jobs: int, log: Path | None = None) -> Usage:
    temp, out, cache = work / "tmp", work / "out", work / "cache"
    for folder in (temp, out):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
    env = dict(os.environ, TMPDIR=str(temp))
    args = [sys.executable, "-m", "bulletin", "make", str(release), "-o", str(out), "-q"]
    args += ["--cache-dir", str(cache), "--jobs", str(jobs)]
    chars = len(release.read_text(encoding="utf-8"))
    if chars > MAX_CHARS:  # a programme over the default limit: raised for it, and said so
        args += ["--max-chars", str(chars)]
    seconds, tree, tree_rss, process, temp_bytes = measure(args, env, temp, work, log)
    manifest = json.loads((out / f"{release.stem}.json").read_text(encoding="utf-8"))
    settings = manifest["settings"]
    return Usage(
        seconds,
        tree,
        tree_rss,
        process,
        temp_bytes,
        float(manifest["duration_s"]),
        int(settings["sample_rate"]),
        int(settings["channels"]),
        chars,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument(
        "--hours",
        type=float,
        nargs="+",
        default=[3.0],
        help="the long programme(s), hours each [3]; e.g. --hours 3 33",
    )
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument(
        "--log", type=Path, help="folder for each make's samples (time, pid:RSS:Pss kB ...)"
    )
    args = parser.parse_args()
    releases = sorted(args.corpus.glob("*.txt"), key=lambda p: p.stat().st_size, reverse=True)
    if not releases:
        raise SystemExit(f"{args.corpus}: no releases found (use --corpus DIR)")
    if args.log:
        args.log.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="bulletin-bench-limits-"))
    made = []
    try:
        short = make(releases[0], work, args.jobs, args.log and args.log / "short.log")
        made.append(("short", short))
        for hours in args.hours:
            long = long_release(args.corpus, hours, work / f"long{hours:g}h.txt")
            made.append(
                (
                    f"{hours:g} h",
                    make(long, work, args.jobs, args.log and args.log / f"long{hours:g}h.log"),
                )
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    for name, usage in made:
        limit = f", --max-chars {usage.chars}" if usage.chars > MAX_CHARS else ""
        print(
            f"{name}: {usage.duration_s / 60:.1f} min programme ({usage.chars:,} characters"
            f"{limit}), made in {usage.seconds:.1f} s; peak memory {usage.tree_mb:.0f} MB "
            f"(process tree, Pss; {usage.tree_rss_mb:.0f} MB summing VmRSS), "
            f"{usage.process_mb:.0f} MB (largest process); temporary "
            f"{usage.temp_bytes / 1e6:.1f} MB (16-bit PCM {usage.pcm16_bytes / 1e6:.1f} MB)"
        )
    rows = []
    for name, longer in made[1:]:
        rows += [
            (
                f"peak memory (process tree, Pss): {name} / short",
                f"{longer.tree_mb:.0f} MB / {short.tree_mb:.0f} MB",
                f"{longer.tree_mb / short.tree_mb:.2f}x",
                f"flat, < {GOAL_MB} MB",
            ),
            (
                f"the same, summing VmRSS: {name} / short",
                f"{longer.tree_rss_mb:.0f} MB / {short.tree_rss_mb:.0f} MB",
                f"{longer.tree_rss_mb / short.tree_rss_mb:.2f}x",
                "",
            ),
            (
                f"largest process: {name} / short",
                f"{longer.process_mb:.0f} MB / {short.process_mb:.0f} MB",
                f"{longer.process_mb / short.process_mb:.2f}x",
                f"flat, < {GOAL_MB} MB",
            ),
        ]
    for name, usage in made:
        rows.append(
            (
                f"temporary disk / 16-bit PCM: {name}",
                f"{usage.temp_bytes / 1e6:.1f} MB / {usage.pcm16_bytes / 1e6:.1f} MB",
                f"{usage.temp_bytes / usage.pcm16_bytes:.3f}x",
                "<= 1.0x",
            )
        )
    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  {'values':<26}  {'ratio':>8}  goal")
    for name, values, ratio, goal in rows:
        print(f"{name:<{width}}  {values:<26}  {ratio:>8}  {goal}")


if __name__ == "__main__":
    main()
