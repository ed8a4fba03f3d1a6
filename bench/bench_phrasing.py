"""Phrasing: the longest stretch of speech without a breath, before and after phrase breaks.

Every release of the corpus (default ``examples/corpus``) is laid out twice with
``build_script``: without phrase breaks (``phrase_breaks=False``, as before issue 11) and
with them. Each script's speech is synthesised with the embedded espeak voice and laid end
to end with its pauses, as the timeline does; silence is then found on that audio
(10 ms frames quieter than 30 dB under the programme's loud frames), and a stretch of
speech runs from one silence of at least 150 ms to the next. Prints, for both layouts,
the longest stretch, how many stretches are over 8 s, the 95th percentile, and the
sentence the longest stretch is in.

    python bench/bench_phrasing.py [--corpus DIR] [--limit-s 8] [--min-pause-ms 150]
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = REPO / "examples" / "corpus"
FRAME_S = 0.010
QUIET_DB = 30.0


@dataclass
class Stretches:
    seconds: list[float]
    longest_text: str


def stretches(items, voice, min_pause_ms: int) -> Stretches:
    """Speech stretches (seconds) between silences of at least ``min_pause_ms``."""
    from bulletin.script import Pause, Sound, Speech

    rate = voice.sample_rate
    frame = int(rate * FRAME_S)
    energy: list[np.ndarray] = []  # per 10 ms frame, item by item
    owners: list[str] = []
    for item in items:
        if isinstance(item, Speech):
            samples = np.asarray(voice.synthesize(item.spoken).samples, dtype=np.float64)
            label = item.written
        elif isinstance(item, Pause):
            samples, label = np.zeros(int(rate * item.ms / 1000)), ""
        elif isinstance(item, Sound):
            continue
        n = len(samples) // frame
        if n:
            rms = np.sqrt((samples[: n * frame].reshape(n, frame) ** 2).mean(axis=1))
            energy.append(rms)
            owners.extend([label] * n)
    rms = np.concatenate(energy)
    loud = np.percentile(rms[rms > 0], 95)
    quiet = rms < loud * 10 ** (-QUIET_DB / 20)
    need = int(round(min_pause_ms / 1000 / FRAME_S))
    # frames that belong to a silence of at least `need` frames
    silent = np.zeros_like(quiet)
    start = None
    for i, q in enumerate([*quiet, False]):
        if q and start is None:
            start = i
        elif not q and start is not None:
            if i - start >= need:
                silent[start:i] = True
            start = None
    result, longest, longest_at, run_start = [], 0, 0, None
    for i, s in enumerate([*silent, True]):
        if not s and run_start is None:
            run_start = i
        elif s and run_start is not None:
            length = i - run_start
            result.append(length * FRAME_S)
            if length > longest:
                longest, longest_at = length, run_start
            run_start = None
    return Stretches(result, owners[longest_at] if owners else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--limit-s", type=float, default=8.0)
    parser.add_argument("--min-pause-ms", type=int, default=150)
    args = parser.parse_args()

    from bulletin.document import parse_release, read_release
    from bulletin.script import build_script
    from bulletin.synth import load_voice, resolve_voice
    from bulletin.text import normalize

    voice = load_voice(resolve_voice("ky-espeak"))
    paths = sorted(args.corpus.glob("*.txt"))
    if not paths:
        raise SystemExit(f"no *.txt files in {args.corpus}")
    results = {}
    for label, breaks in (("before (no phrase breaks)", False), ("after (phrase breaks)", True)):
        all_s: list[float] = []
        worst = (0.0, "", "")
        for path in paths:
            bulletin = parse_release(read_release(path), path.name)
            script = build_script(bulletin.stories, normalize, phrase_breaks=breaks)
            found = stretches(script.items, voice, args.min_pause_ms)
            all_s.extend(found.seconds)
            if found.seconds and max(found.seconds) > worst[0]:
                worst = (max(found.seconds), path.name, found.longest_text)
        over = sum(s > args.limit_s for s in all_s)
        results[label] = worst[0]
        print(
            f"{label:<27} longest {worst[0]:5.2f} s  over {args.limit_s:g} s: {over:3d}  "
            f"p95 {np.percentile(all_s, 95):5.2f} s  stretches {len(all_s)}  "
            f"({worst[1]}: {worst[2][:70]}…)"
        )
    before, after = results.values()
    print(f"longest stretch after/before: {after / before:.2f}")


if __name__ == "__main__":
    main()
