"""A battery of hostile inputs for `make`, `normalize` and `voices --sample`, from the case
file tests/bad_inputs.toml (its header says what each case is and what is checked).

Each case runs in a folder holding an earlier whole output set and a clip cache (made once
by a real make), with a private TMPDIR. A refused input: the exit status, exactly one line
on stderr naming the file or setting, no traceback, and every file of the folder, out/,
the cache and TMPDIR as it was, nothing added. A fine input: a whole new set (or, for
normalize, the spoken text), at most the one warning line, and no temporary left.
"""

from __future__ import annotations

import codecs
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_unattended import KINDS, whole_set

from bulletin.cli import main
from bulletin.synth.cache import verify

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "examples" / "release.txt"
CASES = {
    case["id"]: case
    for case in tomllib.loads((Path(__file__).parent / "bad_inputs.toml").read_text("utf-8"))[
        "case"
    ]
}
EARLIER = "Бишкекте жаңы мектеп ачылды. Мектепте 500 окуучу окуйт.\n"


def test_the_battery_is_large_and_covers_each_command():
    commands = [case["run"][0] for case in CASES.values()]
    assert len(CASES) >= 65
    assert commands.count("make") >= 40 and commands.count("normalize") >= 15
    assert "voices" in commands
    assert {case.get("exit", 1) for case in CASES.values()} == {0, 1, 2}


@pytest.fixture(scope="module")
def earlier(tmp_path_factory) -> Path:
    """out/release.* and a clip cache, made by a real make of a short release."""
    folder = tmp_path_factory.mktemp("earlier")
    (folder / "release.txt").write_text(EARLIER, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "bulletin", "make", "release.txt", "-o", "out",
         "--cache-dir", "cache", "-j", "1", "--voice", "ky-espeak"],
        cwd=folder, capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    (folder / "release.txt").unlink()
    whole_set(folder / "out", "release")
    return folder


def _bytes(text: str) -> bytes:
    """A case's text with Python escapes (``\\xNN``) as bytes (other characters as UTF-8)."""
    return codecs.escape_decode(text.encode("utf-8"))[0]


def _input_bytes(case: dict) -> bytes:
    if "bytes" in case:
        data = _bytes(case["bytes"])
    else:
        text = case.get("input", "")
        if "fill" in case:
            piece, times = case["fill"]
            text = text.replace("@@", piece * times)
        data = text.encode(case.get("encoding", "utf-8"))
    return data * case.get("repeat", 1)


def _stdin(case: dict) -> bytes | None:
    if "stdin_bytes" in case:
        return _bytes(case["stdin_bytes"]) * case.get("repeat", 1)
    if "stdin" in case:
        return case["stdin"].encode("utf-8") * case.get("repeat", 1)
    return None


def _snapshot(folder: Path) -> dict[str, bytes | str]:
    """Every file and link under ``folder`` (the input itself left out)."""
    found: dict[str, bytes | str] = {}
    for path in sorted(folder.rglob("*")):
        name = str(path.relative_to(folder))
        if name == "release.txt":
            continue
        if path.is_symlink():
            found[name] = f"-> {os.readlink(path)}"
        elif path.is_file():
            found[name] = path.read_bytes()
    return found


def _command(case: dict) -> list[str]:
    args = ["release.txt" if arg == "FILE" else arg for arg in case["run"]]
    if args[0] == "make":
        if "-o" not in args and "dir =" not in case.get("config", ""):
            args += ["-o", "out"]
        if "--cache-dir" not in args and "--no-cache" not in args:
            args += ["--cache-dir", "cache"]
        if "-j" not in args and "--jobs" not in args:
            args += ["-j", "1"]
        if "--voice" not in args and "voice" not in case.get("config", ""):
            args += ["--voice", "ky-espeak"]
    return args


class _Fifo:
    """release.txt as a named pipe, fed by a thread (as ``make <(cat news.txt)`` would)."""

    def __init__(self, path: Path, data: bytes) -> None:
        os.mkfifo(path)
        self.path = path
        self.thread = threading.Thread(target=self._write, args=(data,), daemon=True)
        self.thread.start()

    def _write(self, data: bytes) -> None:
        with open(self.path, "wb") as pipe:  # waits for the reader
            pipe.write(data)

    def close(self) -> None:
        if self.thread.is_alive():  # nobody read it: open it once so the writer ends
            fd = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK)
            self.thread.join(5)
            os.close(fd)


def _prepare(case: dict, place: Path) -> _Fifo | None:
    release = place / "release.txt"
    kind = case.get("kind", "file")
    for name, text in case.get("files", {}).items():
        path = place / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if text.startswith("@link:"):
            path.symlink_to(text.removeprefix("@link:"))
        else:
            path.write_bytes(_bytes(text))
    if "config" in case:
        (place / "bulletin.toml").write_text(case["config"], encoding="utf-8")
    if kind == "file" or kind == "unreadable":
        release.write_bytes(_input_bytes(case))
        if kind == "unreadable":
            release.chmod(0)
    elif kind == "sparse":
        with open(release, "wb") as handle:
            handle.truncate(1 << 30)
    elif kind == "folder":
        release.mkdir()
    elif kind == "loop":
        release.symlink_to("loop.txt")
        (place / "loop.txt").symlink_to("release.txt")
    elif kind == "fifo":
        return _Fifo(release, _input_bytes(case))
    return None


def _in_process(case: dict, args: list[str], place: Path, monkeypatch):
    monkeypatch.chdir(place)
    monkeypatch.setattr(tempfile, "tempdir", str(place / "tmp"))
    result = CliRunner().invoke(main, args, input=_stdin(case), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def _in_a_process(case: dict, args: list[str], place: Path):
    command = [sys.executable, "-m", "bulletin", *args]
    if case.get("kind") == "unreadable" and os.geteuid() == 0:
        # root reads a mode-000 file: run without the capabilities that let it
        command = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", *command]
    if case.get("mount") == "ro":
        out = place / "out"
        namespaces = ["--mount"] if os.geteuid() == 0 else ["--user", "--map-root-user", "--mount"]
        script = f"mount --bind '{out}' '{out}' && mount -o remount,bind,ro '{out}' && exec \"$@\""
        command = ["unshare", *namespaces, "sh", "-c", script, "sh", *command]
    with open(os.devnull if not case.get("stdout_full") else "/dev/full", "wb") as full:
        result = subprocess.run(
            command,
            cwd=place,
            input=_stdin(case),
            stdout=full if case.get("stdout_full") else subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=dict(os.environ, TMPDIR=str(place / "tmp")),
            preexec_fn=(lambda: os.close(0)) if case.get("stdin_closed") else None,
        )
    return result.returncode, (result.stdout or b"").decode(), result.stderr.decode()


def _has(line: str, words: list[str]) -> None:
    for word in words:
        assert word.casefold() in line.casefold(), f"{word!r} not in {line!r}"


@pytest.mark.parametrize("case_id", CASES)
def test_bad_input(case_id, earlier, tmp_path, monkeypatch):
    case = CASES[case_id]
    place = tmp_path / "place"
    shutil.copytree(earlier, place, symlinks=True)
    (place / "tmp").mkdir()
    fifo = _prepare(case, place)
    before = _snapshot(place)
    args = _command(case)
    try:
        if any(case.get(k) for k in ("process", "mount", "stdin_closed", "stdout_full")) or (
            case.get("kind") == "unreadable"
        ):
            code, stdout, stderr = _in_a_process(case, args, place)
        else:
            code, stdout, stderr = _in_process(case, args, place, monkeypatch)
    finally:
        if fifo is not None:
            fifo.close()
    expected = case.get("exit", 1)
    output = stdout + stderr
    assert code == expected, output
    assert "Traceback" not in output and "Exception" not in output, output
    lines = stderr.strip().splitlines()
    assert list((place / "tmp").iterdir()) == []  # no temporary left in TMPDIR
    if expected:
        assert stdout == "", output
        if expected == 2:  # click's usage error: usage, a hint, and one "Error:" line
            errors = [line for line in lines if line.startswith("Error: ")]
        else:
            errors = lines
            assert errors and errors[0].startswith("error: "), output
        assert len(errors) == 1, output
        _has(errors[0], case["error"])
        assert _snapshot(place) == before  # nothing lost, changed or left anywhere
        return
    if "warning" in case:
        assert len(lines) == 1 and lines[0].startswith("warning: "), output
        _has(lines[0], case["warning"])
    else:
        assert stderr == "", output
    if args[0] == "normalize":
        for words in case.get("said", []):
            assert words in stdout, stdout[:300]
        for words in case.get("unsaid", []):
            assert words not in stdout, stdout[:300]
        assert _snapshot(place) == before
        return
    out = place / "out"
    whole_set(out, "release")  # the earlier set replaced, whole
    assert sorted(p.name for p in out.iterdir()) == sorted(f"release{k}" for k in KINDS)
    cache = place / "cache"
    assert [p for p in cache.rglob(".*")] == []
    assert all(verify(p) is not None for p in cache.glob("*.wav"))


def test_make_reads_standard_input_and_utf16(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    text = SAMPLE.read_text(encoding="utf-8").split("\n")[0] + "\n"
    invoke = CliRunner().invoke
    args = ["-o", "out", "--no-cache", "-j", "1", "--voice", "ky-espeak"]
    from_stdin = invoke(main, ["make", "-", *args], input=text.encode(), catch_exceptions=False)
    assert from_stdin.exit_code == 0, from_stdin.stderr
    whole_set(tmp_path / "out", "stdin")
    (tmp_path / "news.txt").write_bytes(text.encode("utf-16"))  # with its BOM
    utf16 = invoke(main, ["make", "news.txt", *args], catch_exceptions=False)
    assert utf16.exit_code == 0, utf16.stderr
    transcript = (tmp_path / "out" / "news.transcript.txt").read_text(encoding="utf-8")
    assert transcript.strip() == text.strip()
    assert invoke(main, ["normalize", "news.txt"]).stdout.strip()
