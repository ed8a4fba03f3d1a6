"""Coqui voice throughput: bulletin's synthesize_clips against two plain ways to use Coqui.

    python bench/bench_coqui.py [RELEASE.txt] [--jobs 2] [--limit N]

Model: a random-weight model in the Meta MMS architecture (36M parameters, the real
ky-mms layout and code path, so the compute is real; the sound is noise), written to a
temporary TTS_HOME for the run. Text: the release's sentences (``bulletin.text``'s
splitter when importable, else a simple one).

Each contender runs in a fresh Python process, timed from start to exit (imports and model
loading included), cold clip cache:

  ours  synthesize_clips(sentences, ky-mms, jobs=N)
  (a)   a plain loop: TTS(model_name=...) once, then TTS.tts(sentence, split_sentences=False)
        per sentence
  (b)   Coqui's own command-line program on the whole text:
        tts --text TEXT --model_name tts_models/kir/fairseq/vits --out_path out.wav
        run as ``python -c`` with TTS.bin.synthesize.main (what the ``tts`` script calls)

This machine has no working torchaudio, which coqui-tts's import guard wants: every
contender (and our worker processes) runs with the TEST-ONLY stand-in modules from
tests/synth/synth_models.py first on sys.path. Prints ratios ours/baseline (goal <= 0.6
with 2 cores).
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


def sentences_of(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    try:
        from bulletin.text import split_sentences

        found = [str(s).strip() for s in split_sentences(text)]
    except Exception:  # the splitter is optional here
        found = []
        for line in text.splitlines():
            for part in (
                line.replace("! ", "!\n").replace("? ", "?\n").replace(". ", ".\n").split("\n")
            ):
                found.append(part.strip())
    return [s for s in found if s]


PRELUDE = """
import json, sys, time
t0 = time.perf_counter()
sys.path.insert(0, {standin!r})
"""

OURS = (
    PRELUDE
    + """
from pathlib import Path
from bulletin.synth import resolve_voice, synthesize_clips
texts = json.load(open({texts!r}, encoding="utf-8"))
stats = {{}}
clips = synthesize_clips(texts, resolve_voice("ky-mms"), cache_dir=Path({cache!r}), jobs={jobs}, stats=stats)
audio = sum(c.samples for c in clips) / clips[0].sample_rate
print(json.dumps({{"audio_s": audio, "stats": stats, "wall": time.perf_counter() - t0}}))
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
            Path(__file__).resolve().parents[2] / "shared" / "corpus" / "03-government.txt"
        ),
    )
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--limit", type=int, default=0, help="first N sentences only")
    a = ap.parse_args()

    sys.path.insert(0, str(ROOT / "tests" / "synth"))
    from synth_models import write_fake_mms, write_standin

    texts = sentences_of(Path(a.release))
    if a.limit:
        texts = texts[: a.limit]
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

        ours, info = run(OURS.format(**fmt, cache=str(work / "cache"), jobs=a.jobs), env)
        print(f"ours  synthesize_clips jobs={a.jobs}: {ours:6.1f}s  {info}")
        loop, linfo = run(LOOP.format(**fmt), env)
        print(f"(a)   plain TTS.tts() loop:      {loop:6.1f}s  {linfo}")
        cli, _ = run(CLI.format(**fmt, out=str(work / "cli.wav")), env)
        print(f"(b)   tts command line:          {cli:6.1f}s")
        print(f"ratio ours/(a) = {ours / loop:.2f}   ours/(b) = {ours / cli:.2f}   (goal <= 0.6)")


if __name__ == "__main__":
    main()
