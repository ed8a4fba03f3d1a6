"""Benchmarks for `bulletin make`, as ratios measured side by side in one run.

    python bench/bench_make.py [--corpus DIR] [--repeat 3]

Rows (goal in brackets):
- cold make (espeak, empty cache, all cores) / floor                        [<= 1.0x]
  floor = the same spoken text read by libespeak-ng in a plain loop (one process), written to
  one WAV, read back, resampled to 44.1 kHz (scipy's resample_poly: the fastest good
  resampler here) and encoded to the same 128 kbps CBR mono MP3 (no pauses, no mastering)
- warm re-make of the unchanged bulletin / cold make                         [<= 0.2x]
- one word of one phrase edited (phrase structure unchanged): clips synthesised  [exactly 1]
- `bulletin --help` start-up minus `python -c pass`                          [<= +150 ms]
- peak memory (max RSS), ten longest releases combined / the longest alone   [<= 1.5x]

Every `make` runs as its own process (`python -m bulletin`), timed by wall clock,
best of --repeat runs; memory is each child's ru_maxrss from os.wait4. No number here
is asserted by a test.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = ROOT / "examples" / "corpus"


def run_child(args: list[str], env: dict[str, str] | None = None) -> tuple[float, int, str]:
    """Run a command; return (wall seconds, max RSS in MB, stdout)."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    out = proc.stdout.read().decode()
    err = proc.stderr.read().decode()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"{' '.join(args)} failed ({proc.returncode}): {err.strip()}")
    return wall, usage.ru_maxrss // 1024, out


def bulletin(*args: str) -> list[str]:
    return [sys.executable, "-m", "bulletin", *args]


def spoken_sentences(release: Path) -> list[str]:
    """The release's headlines and sentences, normalised, as make reads them."""
    from bulletin.document import parse_release, read_release
    from bulletin.text import normalize

    bulletin_ = parse_release(read_release(release), release.name)
    sentences = [s for story in bulletin_.stories for b in story.blocks for s in b.sentences]
    headlines = [story.headline for story in bulletin_.stories if story.headline]
    return [normalize(s) for s in [*headlines, *sentences]]


def encode_floor(audio, rate: int, mp3: Path) -> None:
    """Samples -> WAV -> read back -> 44.1 kHz (resample_poly) -> 128 kbps CBR mono MP3."""
    from math import gcd

    import numpy as np
    import soundfile
    from pedalboard.io import AudioFile
    from scipy.signal import resample_poly

    wav = mp3.with_suffix(".wav")
    soundfile.write(wav, audio, rate, subtype="PCM_16")
    samples, rate = soundfile.read(wav, dtype="float32")
    common = gcd(44100, rate)
    resampled = resample_poly(samples, 44100 // common, rate // common).astype(np.float32)
    with AudioFile(str(mp3), "w", 44100, 1, quality="128 kbps") as out:
        out.write(resampled[None, :])


def floor(release: Path, mp3: Path) -> None:
    """The same work done by hand: spoken text -> libespeak-ng loop -> WAV -> 128k MP3."""
    import numpy as np

    from bulletin.synth import load_voice, resolve_voice

    voice = load_voice(resolve_voice("ky-espeak"))
    audio = np.concatenate([voice.synthesize(s).samples for s in spoken_sentences(release)])
    encode_floor(audio, voice.sample_rate, mp3)


# One word swapped for another that says the same (a desk's last-minute wording fix); the
# first that changes exactly one phrase of the spoken script is used.
WORD_EDITS = (
    ("жаңылыктар.", "кабарлар."),
    ("маанилүү", "негизги"),
    ("өткөн", "болгон"),
    ("кол койду", "кол коюп берди"),
)


def _one_word_edit(text: str) -> tuple[str, str, str] | None:
    """``(edited text, old word, new word)``: the first of :data:`WORD_EDITS`, at its first
    place after the headline, whose edit changes one phrase of the spoken script and
    leaves the phrase structure (how many phrases, every other phrase) as it was."""
    from bulletin.config import load_settings
    from bulletin.make import Job, spoken_texts

    def phrases(release: str) -> list[str]:
        return spoken_texts(Job("edit", (Path("-"),)), load_settings(None), stdin=release)

    before = phrases(text)
    body = text.index("\n\n")
    for old, new in WORD_EDITS:
        at = text.find(old, body)
        if at < 0:
            continue
        edited = text[:at] + new + text[at + len(old) :]
        after = phrases(edited)
        changed = sum(a != b for a, b in zip(before, after, strict=False))
        if len(after) == len(before) and changed == 1:
            return edited, old, new
    return None


def edited_remake(release: Path, work: Path, options: list[str]) -> tuple[str, str]:
    """Change one word of one phrase of ``release`` (:func:`_one_word_edit`: the phrase
    structure is checked to stay the same, so exactly one clip is new), make the edited
    copy (in ``work``) with ``options`` (the warm cache's), and return how many clips its
    summary line says were synthesised, and the edit made."""
    text = release.read_text(encoding="utf-8")
    found = _one_word_edit(text)
    if found is None:
        raise SystemExit(f"{release.name}: none of the bench's word edits keeps the phrases")
    edited_text, old, new = found
    edited = work / release.name
    edited.write_text(edited_text, encoding="utf-8")
    summary = run_child(bulletin("make", str(edited), *options))[2]
    return re.search(r"(\d+) synthesised", summary).group(1), f"{old!r} -> {new!r}"


def best(times: list[float]) -> float:
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--floor-only", nargs=2, type=Path, metavar=("RELEASE", "MP3"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.floor_only:
        floor(*args.floor_only)
        return

    releases = sorted(args.corpus.glob("*.txt"), key=lambda p: p.stat().st_size, reverse=True)
    if not releases:
        raise SystemExit(f"{args.corpus}: no releases found (use --corpus DIR)")
    longest = releases[0]
    work = Path(tempfile.mkdtemp(prefix="bulletin-bench-"))
    rows: list[tuple[str, str, str, str]] = []
    try:
        out, cache = work / "out", work / "cache"
        common = ["-o", str(out), "-q", "--voice", "ky-espeak"]

        cold, floor_times = [], []
        for _ in range(args.repeat):  # interleaved, so load changes hit both alike
            shutil.rmtree(cache, ignore_errors=True)
            cold.append(
                run_child(bulletin("make", str(longest), *common, "--cache-dir", str(cache)))[0]
            )
            floor_cmd = [
                sys.executable,
                __file__,
                "--floor-only",
                str(longest),
                str(work / "floor.mp3"),
            ]
            floor_times.append(run_child(floor_cmd)[0])
        ratio = best(cold) / best(floor_times)
        rows.append(
            (
                "cold make / floor (espeak)",
                f"{best(cold):.2f} s / {best(floor_times):.2f} s",
                f"{ratio:.2f}x",
                "<= 1.0x",
            )
        )

        warm = [
            run_child(bulletin("make", str(longest), *common, "--cache-dir", str(cache)))[0]
            for _ in range(args.repeat)
        ]
        ratio = best(warm) / best(cold)
        rows.append(
            (
                "warm re-make / cold make",
                f"{best(warm):.2f} s / {best(cold):.2f} s",
                f"{ratio:.2f}x",
                "<= 0.2x",
            )
        )

        synthesised, edit = edited_remake(longest, work, [*common, "--cache-dir", str(cache)])
        rows.append(("one word of one phrase edited: clips synthesised", edit, synthesised, "1"))

        help_t = [run_child(bulletin("--help"))[0] for _ in range(5)]
        pass_t = [run_child([sys.executable, "-c", "pass"])[0] for _ in range(5)]
        extra = (statistics.median(help_t) - statistics.median(pass_t)) * 1000
        rows.append(
            (
                "`bulletin --help` - `python -c pass`",
                f"{statistics.median(help_t) * 1000:.0f} ms - {statistics.median(pass_t) * 1000:.0f} ms",
                f"+{extra:.0f} ms",
                "<= +150 ms",
            )
        )

        ten = [str(p) for p in releases[:10]]
        one_mem = run_child(bulletin("make", str(longest), *common, "--no-cache"))[1]
        ten_mem = run_child(
            bulletin("make", *ten, "--combine", "--name", "ten", *common, "--no-cache")
        )[1]
        rows.append(
            (
                "peak memory: 10 releases / longest",
                f"{ten_mem} MB / {one_mem} MB",
                f"{ten_mem / one_mem:.2f}x",
                "<= 1.5x",
            )
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(
        f"release: {longest.name} ({len(longest.read_text(encoding='utf-8'))} chars), best of {args.repeat}"
    )
    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  {'times':<24}  {'ratio':>9}  goal")
    for name, times, ratio, goal in rows:
        print(f"{name:<{width}}  {times:<24}  {ratio:>9}  {goal}")


if __name__ == "__main__":
    main()
