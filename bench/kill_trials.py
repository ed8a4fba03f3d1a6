"""Kill trials: `bulletin make` stopped by SIGKILL, SIGTERM or SIGINT at random moments.

    python bench/kill_trials.py [--trials 50] [--seed 1] [--jobs 2] [--keep]

One private place (out/, clip cache, TMPDIR; a marker in the environment of every process
a make starts, its workers and resource tracker included). A first, whole make of a short
release measures how long a run takes (T). Then each trial, with its own seed (printed, so
a failing trial can be run again with ``--seed S --trials 1``):

1. writes the release with a new sentence (so the run synthesises, masters and publishes);
2. starts the make (``--jobs`` processes) and, after a random moment in [0, 1.2 T], sends
   it a random signal of SIGKILL, SIGTERM and SIGINT (to the make's own process, as
   ``kill`` or a service manager would);
3. records how it ended: stopped (exit 128 + signal with one line on stderr, or killed),
   finished before the signal, or "unborn": the signal came while Python itself was
   starting (its site imports, before bulletin's first line ran and could take the
   signals; Python's own default: killed by the signal, or a KeyboardInterrupt), when
   nothing was written yet; and the processes of that run still alive 15 s later;
4. runs the next make (the same release, not interrupted) and checks: it succeeds; the
   output set is whole (the manifest names every file with its SHA-256, and each file
   matches: no torn or mixed set); every clip in the cache passes its checksum, every
   mastered programme its size and CRC-32; no temporary file is left in out/, TMPDIR or
   the cache; no process of any run is alive.

A table sums the trials by signal; the exit status is 1 if any check failed. Nothing here
is timed; the suite runs a smaller version (tests/test_kill_trials.py).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from bulletin.audio import ProgrammeCache
from bulletin.outputs import sha256
from bulletin.synth.cache import verify

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "examples" / "release.txt"
KINDS = (".mp3", ".vtt", ".srt", ".transcript.txt", ".chapters.json", ".json")
SIGNALS = (signal.SIGKILL, signal.SIGTERM, signal.SIGINT)
NAME = "news"


def _live_signals() -> None:  # a background shell's job starts with SIGINT ignored
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, signal.SIG_DFL)


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return True
    return state in ("Z", "X")


class Place:
    """out/, cache/ and tmp/ (TMPDIR) under ``root``, and the marker of its processes."""

    def __init__(self, root: Path, jobs: int) -> None:
        self.root, self.jobs = root, jobs
        self.out, self.cache, self.tmp = root / "out", root / "cache", root / "tmp"
        for folder in (self.out, self.cache, self.tmp):
            folder.mkdir(parents=True, exist_ok=True)
        self.marker = uuid.uuid4().hex

    def env(self) -> dict[str, str]:
        return dict(os.environ, TMPDIR=str(self.tmp), BULLETIN_TRIAL=self.marker)

    def command(self, source: Path) -> list[str]:
        return [
            sys.executable, "-m", "bulletin", "make", str(source), "-o", str(self.out),
            "--cache-dir", str(self.cache), "--voice", "ky-espeak", "-j", str(self.jobs),
        ]  # fmt: skip

    def start(self, source: Path) -> subprocess.Popen:
        return subprocess.Popen(
            self.command(source),
            env=self.env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            preexec_fn=_live_signals,
        )

    def run(self, source: Path) -> subprocess.CompletedProcess:
        return subprocess.run(self.command(source), env=self.env(), capture_output=True, text=True)

    def processes(self) -> list[int]:
        """Live processes carrying this place's marker."""
        wanted = f"BULLETIN_TRIAL={self.marker}".encode()
        found = []
        for environ in Path("/proc").glob("[0-9]*/environ"):
            try:
                if wanted in environ.read_bytes().split(b"\0") and not _gone(
                    int(environ.parent.name)
                ):
                    found.append(int(environ.parent.name))
            except (OSError, ValueError):
                continue
        return found

    def wait_processes(self, timeout: float) -> list[int]:
        deadline = time.monotonic() + timeout
        alive = self.processes()
        while alive and time.monotonic() < deadline:
            time.sleep(0.1)
            alive = self.processes()
        return alive

    def leftovers(self) -> list[str]:
        """Temporary files of any run: hidden names in out/ and the cache, all of TMPDIR."""
        found = [f"out/{p.name}" for p in self.out.iterdir() if p.name.startswith(".")]
        found += [f"tmp/{p.name}" for p in self.tmp.iterdir()]
        found += [f"cache/{p.relative_to(self.cache)}" for p in self.cache.rglob(".*")]
        return found

    def torn(self) -> str:
        """What is wrong with the output set ('' when it is whole: the manifest names every
        file of the set with its SHA-256, each matches, and nothing else is there)."""
        manifest_path = self.out / f"{NAME}.json"
        if not manifest_path.exists():
            return "no manifest"
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        except ValueError:
            return "manifest not JSON"
        expected = sorted(f"{NAME}{k}" for k in KINDS if k != ".json")
        if sorted(manifest.get("sha256", {})) != expected:
            return "manifest names other files"
        for file_name, digest in manifest["sha256"].items():
            path = self.out / file_name
            if not path.exists() or sha256(path) != digest:
                return f"{file_name} is not the manifest's"
        visible = sorted(p.name for p in self.out.iterdir() if not p.name.startswith("."))
        if visible != sorted(f"{NAME}{k}" for k in KINDS):
            return f"other files: {visible}"
        return ""

    def bad_cache_entries(self) -> list[str]:
        """Clips failing their checksum, mastered programmes failing their size or CRC."""
        bad = [p.name for p in self.cache.glob("*.wav") if verify(p) is None]
        programmes = ProgrammeCache(self.cache / "programmes")
        for meta in (self.cache / "programmes").glob("*.json"):
            for audio in meta.parent.glob(f"{meta.stem}.*"):
                if audio.suffix != ".json" and programmes.get(meta.stem, audio.suffix[1:]) is None:
                    bad.append(f"programmes/{audio.name}")
        return bad


def release(place: Place, sentence: str) -> Path:
    """The sample's first paragraphs (a short programme) and one ``sentence``."""
    paragraphs = SAMPLE.read_text(encoding="utf-8").split("\n")[:3]
    path = place.root / f"{NAME}.txt"
    path.write_text("\n".join([*paragraphs, sentence]) + "\n", encoding="utf-8")
    return path


@dataclass
class Trial:
    seed: int
    signum: int
    delay_s: float
    ended: str = ""  # stopped, killed, finished, unborn
    returncode: int = 0
    one_line: bool = True  # a stopped run said what it stopped, in one line
    orphans: int = 0  # processes of the killed run alive 15 s after it
    torn_after_kill: str = ""  # the set as the killed run left it ('' whole, or a journal)
    next_ok: bool = True
    torn: str = ""
    bad_cache: list[str] = field(default_factory=list)
    leftovers: list[str] = field(default_factory=list)
    processes_after: int = 0
    said: str = ""  # the last line the stopped run wrote on stderr

    @property
    def stage(self) -> str:
        """Where a stopped run was: ``synthesis 3/6``, ``mastering 40 %``, ``publishing``."""
        if self.ended != "stopped":
            return ""
        if "while starting" in self.said:  # before the command began its work
            return "starting"
        if "(" not in self.said:
            return ""
        return self.said.split("(", 1)[1].split(")", 1)[0]

    @property
    def failed(self) -> bool:
        return bool(
            not self.one_line or self.orphans or self.torn_after_kill or not self.next_ok
            or self.torn or self.bad_cache or self.leftovers or self.processes_after
        )  # fmt: skip


def _unborn(returncode: int, signum: int, lines: list[str]) -> bool:
    """Python's own answer to a signal before bulletin ran: killed by it (no line), or a
    KeyboardInterrupt traceback whose frames are all Python's start-up, none bulletin's."""
    if returncode == -signum and not lines:
        return True
    return (
        signum == signal.SIGINT
        and returncode in (1, -signal.SIGINT)
        and bool(lines)
        and lines[-1] == "KeyboardInterrupt"
        and not any("bulletin" in line and "_finder" not in line for line in lines)
    )


def run_trial(place: Place, seed: int, whole_s: float) -> Trial:
    rng = random.Random(seed)
    trial = Trial(seed, rng.choice(SIGNALS), round(rng.uniform(0.0, 1.2 * whole_s), 2))
    source = release(place, f"Сынак {seed}-жолу {rng.randint(2, 999)} киши менен өттү.")
    run = place.start(source)
    time.sleep(trial.delay_s)
    run.send_signal(trial.signum)
    _, stderr = run.communicate(timeout=300)
    trial.returncode = run.returncode
    lines = stderr.decode("utf-8", "replace").strip().splitlines()
    trial.said = lines[-1] if lines else ""
    if run.returncode == 0:
        trial.ended = "finished"
    elif run.returncode == -signal.SIGKILL:
        trial.ended = "killed"
    elif _unborn(run.returncode, trial.signum, lines):
        trial.ended = "unborn"
    else:
        trial.ended = "stopped"
        trial.one_line = run.returncode == 128 + trial.signum and (
            len(lines) == 1 and "interrupted by SIG" in lines[0]
        )
    trial.orphans = len(place.wait_processes(15.0))
    torn = place.torn()
    journal = [p for p in place.out.iterdir() if p.name.endswith(".publish")]
    # only a SIGKILL in the middle of publishing may leave the set for the next run to finish
    if torn and not (trial.signum == signal.SIGKILL and journal) and torn != "no manifest":
        trial.torn_after_kill = torn
    following = place.run(source)
    trial.next_ok = following.returncode == 0
    trial.torn = place.torn()
    trial.bad_cache = place.bad_cache_entries()
    trial.leftovers = place.leftovers()
    trial.processes_after = len(place.wait_processes(15.0))
    return trial


def table(trials: list[Trial]) -> str:
    columns = ("signal", "trials", "stopped", "killed", "finished", "unborn", "1-line", "orphans",
               "torn", "next ok", "bad cache", "leftovers", "procs after", "failed")  # fmt: skip
    rows = [columns]
    for label, group in [
        *((signal.Signals(s).name, [t for t in trials if t.signum == s]) for s in SIGNALS),
        ("all", trials),
    ]:
        rows.append(
            (
                label,
                len(group),
                sum(t.ended == "stopped" for t in group),
                sum(t.ended == "killed" for t in group),
                sum(t.ended == "finished" for t in group),
                sum(t.ended == "unborn" for t in group),
                sum(t.one_line for t in group if t.ended == "stopped"),
                sum(t.orphans for t in group),
                sum(bool(t.torn_after_kill or t.torn) for t in group),
                sum(t.next_ok for t in group),
                sum(len(t.bad_cache) for t in group),
                sum(len(t.leftovers) for t in group),
                sum(t.processes_after for t in group),
                sum(t.failed for t in group),
            )
        )
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(columns))]
    return "\n".join(
        "  ".join(str(v).rjust(w) for v, w in zip(row, widths, strict=True)) for row in rows
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1, help="the first trial's seed")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--keep", action="store_true", help="keep the place (it is printed)")
    args = parser.parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix="kill-trials-"))
    place = Place(root, args.jobs)
    started = time.monotonic()
    first = place.run(release(place, "Биринчи сынак."))
    whole_s = time.monotonic() - started
    if first.returncode != 0 or place.torn():
        print(f"the first make failed: {first.stderr.strip()}", file=sys.stderr)
        return 1
    print(
        f"place {root}; a whole make takes {whole_s:.1f} s; moments in [0, {1.2 * whole_s:.1f}] s"
    )
    trials = []
    for seed in range(args.seed, args.seed + args.trials):
        trial = run_trial(place, seed, whole_s)
        trials.append(trial)
        problems = "; ".join(
            f"{name}={value}"
            for name, value in (
                ("1-line", trial.one_line),
                ("orphans", trial.orphans),
                ("torn-after-kill", trial.torn_after_kill),
                ("next-ok", trial.next_ok),
                ("torn", trial.torn),
                ("bad-cache", trial.bad_cache),
                ("leftovers", trial.leftovers),
                ("procs-after", trial.processes_after),
            )  # fmt: skip
            if trial.failed and value not in (True, 0, "", [])
        ) + (f" (it said: {trial.said!r})" if trial.failed else "")
        print(
            f"seed {seed:4d}  {signal.Signals(trial.signum).name:7}  at {trial.delay_s:5.2f} s  "
            f"{trial.ended:8}  rc {trial.returncode:4d}  {trial.stage or '-':18}  "
            f"{'FAILED ' + problems if problems else 'ok'}",
            flush=True,
        )
    print()
    print(table(trials))
    stages: dict[str, int] = {}
    for trial in trials:
        if trial.stage:
            stage = trial.stage.split()[0]
            stages[stage] = stages.get(stage, 0) + 1
    print("stopped in: " + ", ".join(f"{stage} {n}" for stage, n in stages.items()))
    clips = len(list(place.cache.glob("*.wav")))
    print(f"\n{len(trials)} trials, {clips} clips in the cache, {time.monotonic() - started:.0f} s")
    if not args.keep:
        shutil.rmtree(root, ignore_errors=True)
    return 1 if any(t.failed for t in trials) else 0


if __name__ == "__main__":
    sys.exit(main())
