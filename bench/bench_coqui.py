"""Coqui voice throughput: `bulletin make` against two plain ways to use Coqui.

    python bench/bench_coqui.py [RELEASE.txt] [--jobs 2] [--limit N] [--repeat 2]

Model: a random-weight model in the Meta MMS architecture (36M parameters, the real
ky-mms layout and code path, so the compute is real; the sound is noise), written to a
temporary TTS_HOME for the run. Text: the release's spoken sentences as bulletin reads
them (headlines and sentences, numbers and abbreviations expanded, lower-cased as the
voice gives them to the model), so every contender makes the same audio.

Each contender runs in a fresh Python process, timed from start to exit (imports and model
loading included), cold clip cache; ours and (a) run --repeat times, interleaved, and the
best of each counts:

  ours  bulletin make RELEASE --voice ky-mms --jobs N (synthesis, mastering, MP3, captions)
  (a)   a plain loop: TTS(model_name=...) once, then TTS.tts(sentence, split_sentences=False)
        per sentence
  (b)   Coqui's own command-line program on the whole text:
        tts --text TEXT --model_name tts_models/kir/fairseq/vits --out_path out.wav
        run as ``python -c`` with TTS.bin.synthesize.main (what the ``tts`` script calls)

This machine has no working torchaudio, which coqui-tts's import guard wants: every
contender (and our worker processes) runs with the TEST-ONLY stand-in modules from
tests/synth/synth_models.py first on sys.path. Prints ratios ours/baseline (goal <= 0.6
with 2 cores), and the model's own speed with one and two torch threads, which bounds
what two processes can gain over one process using both cores.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODEL = "tts_models/kir/fairseq/vits"


def spoken_texts(path: Path, limit: int) -> tuple[Path, list[str]]:
    """The release (cut to its first ``limit`` sentences when asked) and what bulletin
    speaks for it, in order."""
    from bulletin.config import Settings
    from bulletin.document import parse_release, read_release
    from bulletin.script import Speech, build_script
    from bulletin.text import normalize, split_sentences

    if limit:
        kept = " ".join(str(s) for s in split_sentences(path.read_text(encoding="utf-8"))[:limit])
        path = Path(tempfile.mkdtemp(prefix="bench-coqui-text-")) / path.name
        path.write_text(kept + "\n", encoding="utf-8")
    settings = Settings()
    bulletin = parse_release(read_release(path), path.name)
    script = build_script(
        bulletin.stories,
        normalize,
        pauses=settings.pauses,
        jingles=settings.jingles,
        bed=settings.bed,
    )
    # the model's input as bulletin's voice gives it (lower case: MMS has no capitals,
    # and Coqui would drop them), so every contender makes the same audio
    return path, [item.spoken.lower() for item in script.items if isinstance(item, Speech)]


PRELUDE = """
import json, sys, time
t0 = time.perf_counter()
sys.path.insert(0, {standin!r})
"""

OURS = (
    PRELUDE
    + """
from bulletin.cli import main
if __name__ == "__main__":
    try:
        main(["make", {release!r}, "--voice", "ky-mms", "--jobs", "{jobs}", "-q",
              "--cache-dir", {cache!r}, "-o", {out!r}])
    except SystemExit as done:
        if done.code:
            raise
    print(json.dumps({{"wall": time.perf_counter() - t0}}))
"""
)

THREADS = (
    PRELUDE
    + """
import torch
from TTS.api import TTS
texts = json.load(open({texts!r}, encoding="utf-8"))[:{count}]
tts = TTS(model_name={model!r}, progress_bar=False)
tts.tts(texts[0], split_sentences=False)
speed = {{}}
for threads in (1, 2):
    torch.set_num_threads(threads)
    started = time.perf_counter()
    for t in texts:
        tts.tts(t, split_sentences=False)
    speed[threads] = time.perf_counter() - started
print(json.dumps(speed))
"""
)

LOOP = (
    PRELUDE
    + """
from TTS.api import TTS
texts = json.load(open({texts!r}, encoding="utf-8"))
tts = TTS(model_name={model!r}, progress_bar=False)
t1 = time.perf_counter()
n = sum(len(tts.tts(t, split_sentences=False)) for t in texts)
sr = tts.synthesizer.output_sample_rate
print(json.dumps({{"audio_s": n / sr, "load": t1 - t0, "wall": time.perf_counter() - t0}}))
"""
)

CLI = (
    PRELUDE
    + """
from TTS.bin.synthesize import main
text = " ".join(json.load(open({texts!r}, encoding="utf-8")))
sys.argv = ["tts", "--text", text, "--model_name", {model!r}, "--out_path", {out!r}]
try:
    main()
except SystemExit:
    pass
print(json.dumps({{"wall": time.perf_counter() - t0}}))
"""
)


def run(code: str, env: dict[str, str]) -> tuple[float, dict]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=ROOT
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"contender failed:\n{done.stderr[-3000:]}")
    info = {}
    for line in reversed(done.stdout.strip().splitlines()):
        if line.startswith("{"):
            info = json.loads(line)
            break
    return wall, info


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "release",
        nargs="?",
        default=str(
            Path(__file__).resolve().parents[1] / "examples" / "corpus" / "03-government.txt"
        ),
    )
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--limit", type=int, default=0, help="first N sentences only")
    ap.add_argument("--repeat", type=int, default=2, help="runs of ours and (a); best counts")
    a = ap.parse_args()

    sys.path.insert(0, str(ROOT / "tests" / "synth"))
    from synth_models import write_fake_mms, write_standin

    release, texts = spoken_texts(Path(a.release), a.limit)
    with tempfile.TemporaryDirectory(prefix="bench-coqui-") as tmp:
        work = Path(tmp)
        standin = write_standin(work / "standin", only_missing=False)
        sys.path.insert(0, str(standin))
        os.environ["TTS_HOME"] = str(work / "tts_home")
        t = time.perf_counter()
        write_fake_mms(work / "tts_home" / "tts" / "tts_models--kir--fairseq--vits")
        print(f"built random MMS-architecture model in {time.perf_counter() - t:.1f}s")
        (work / "texts.json").write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
        env = {**os.environ, "TTS_HOME": str(work / "tts_home"), "PYTHONWARNINGS": "ignore"}
        fmt = {"standin": str(standin), "texts": str(work / "texts.json"), "model": MODEL}
        print(
            f"{Path(a.release).name}: {len(texts)} sentences, {sum(map(len, texts))} chars, "
            f"{os.cpu_count()} cores"
        )

        ours_times, loop_times, linfo = [], [], {}
        for i in range(a.repeat):  # interleaved, so load changes hit both alike
            # a fresh clip cache each run: cold
            our_code = OURS.format(
                **fmt, release=str(release), cache=str(work / f"cache{i}"),
                out=str(work / "out"), jobs=a.jobs,
            )  # fmt: skip
            ours_times.append(round(run(our_code, env)[0], 1))
            wall, linfo = run(LOOP.format(**fmt), env)
            loop_times.append(round(wall, 1))
        ours, loop = min(ours_times), min(loop_times)
        print(f"ours  bulletin make --jobs {a.jobs}:   {ours:6.1f}s  (runs: {ours_times})")
        print(f"(a)   plain TTS.tts() loop:      {loop:6.1f}s  (runs: {loop_times}) {linfo}")
        cli, _ = run(CLI.format(**fmt, out=str(work / "cli.wav")), env)
        print(f"(b)   tts command line:          {cli:6.1f}s")
        print(f"ratio ours/(a) = {ours / loop:.2f}   ours/(b) = {ours / cli:.2f}   (goal <= 0.6)")
        count = min(6, len(texts))
        _, speed = run(THREADS.format(**fmt, count=count), env)
        one, two = speed["1"], speed["2"]
        print(
            f"model alone, first {count} sentences: 1 torch thread {one:.1f}s, 2 threads "
            f"{two:.1f}s ({one / two:.2f}x); two 1-thread processes can at best take "
            f"{one / 2 / two:.2f}x of a 2-thread loop's time"
        )


if __name__ == "__main__":
    main()
