"""The clip cache in a bucket ([store] url) against the folder cache, as ratios of one run.

    python bench/bench_store.py [--release examples/corpus/15-international.txt] [--repeat 2]

The bucket is moto's S3-compatible server in this process on localhost (not AWS: no
network latency, but a slow Python server), so the figures bound the store's own cost
from above on a fast network, not an S3 round trip across a WAN. Rows:
- first machine, empty cache: make with the bucket / make without it (its PUTs' cost)
- second machine (empty local folder, warm bucket) / first machine without the bucket
  (a clip made once is never made again: the replay's cost)
- the same second machine / a warm local folder cache, clips only (what the bucket adds
  to a hit)

Every make runs as its own process (``python -m bulletin make``), best of --repeat runs,
each with a fresh local cache folder (and for the first row a fresh bucket).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "store"))

from store_fixtures import S3Server, store_config  # noqa: E402


def make(release: Path, work: Path, cache: Path, config: Path | None, env: dict) -> tuple:
    args = [sys.executable, "-m", "bulletin", "make", str(release), "--out", str(work / "out"),
            "--cache-dir", str(cache), "--jobs", "1", "--quiet"]  # fmt: skip
    if config is not None:
        args += ["--config", str(config)]
    start = time.perf_counter()
    done = subprocess.run(args, env=env, capture_output=True, text=True, cwd=work)
    seconds = time.perf_counter() - start
    if done.returncode:
        raise SystemExit(done.stderr)
    synthesised = int(re.search(r"(\d+) synthesised", done.stdout).group(1))
    return seconds, synthesised


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--release", type=Path, default=ROOT / "examples/corpus/15-international.txt"
    )
    parser.add_argument("--repeat", type=int, default=2)
    options = parser.parse_args()
    server = S3Server()
    env = {**os.environ, **server.environment()}
    env.pop("BULLETIN_STORE_URL", None)
    plain = tempfile.TemporaryDirectory(prefix="bench-store-")
    work = Path(plain.name)
    (work / "voice.toml").write_text('voice = "ky-espeak"\n', encoding="utf-8")
    rows: dict[str, list[tuple[float, int]]] = {k: [] for k in ("plain", "first", "replay", "warm")}
    try:
        for run in range(options.repeat):
            url = server.new_bucket()
            config = store_config(work / f"bucket-{run}.toml", url, server.endpoint)
            rows["plain"].append(
                make(options.release, work, work / f"p{run}", work / "voice.toml", env)
            )
            warm = work / f"w{run}"  # the clips only (no mastered programme): a fair hit
            warm.mkdir()
            for clip in (work / f"p{run}").glob("*.wav"):
                shutil.copy(clip, warm / clip.name)
            rows["warm"].append(make(options.release, work, warm, work / "voice.toml", env))
            rows["first"].append(make(options.release, work, work / f"a{run}", config, env))
            rows["replay"].append(make(options.release, work, work / f"b{run}", config, env))
    finally:
        server.stop()
        plain.cleanup()
    best = {k: min(v) for k, v in rows.items()}
    print(f"release {options.release.name}, espeak, best of {options.repeat}")
    for name, (seconds, synthesised) in best.items():
        print(f"  {name:7s} {seconds:6.2f} s  {synthesised} synthesised")
    print(f"first machine with bucket / without    {best['first'][0] / best['plain'][0]:.2f}x")
    print(f"second machine (bucket) / first, plain {best['replay'][0] / best['plain'][0]:.2f}x")
    print(f"second machine (bucket) / warm folder  {best['replay'][0] / best['warm'][0]:.2f}x")


if __name__ == "__main__":
    main()
