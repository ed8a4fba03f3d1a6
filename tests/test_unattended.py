"""`bulletin make` run unattended, in real processes: two at once on one name, and on
small full file systems (tmpfs mounted in a private mount namespace with ``unshare``, so
no root is needed where user namespaces are allowed). The kill trials: test_kill_trials.py."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from test_lifecycle import gone, live_signals

from bulletin.outputs import sha256
from bulletin.synth.cache import verify

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "examples" / "release.txt"
KINDS = (".mp3", ".vtt", ".srt", ".transcript.txt", ".chapters.json", ".json")


def short_release(folder: Path, extra: str = "", name: str = "news") -> Path:
    """The sample's first paragraphs (a short programme: fast runs), plus ``extra``."""
    paragraphs = SAMPLE.read_text(encoding="utf-8").split("\n")[:3]
    path = folder / f"{name}.txt"
    path.write_text("\n".join(paragraphs) + (f"\n{extra}\n" if extra else "\n"), "utf-8")
    return path


class Place:
    """A private out/, cache and TMPDIR, and a marker in the environment of every process
    a run starts (workers and resource tracker included), to find them afterwards."""

    def __init__(self, root: Path) -> None:
        self.root, self.out, self.cache, self.tmp = root, root / "out", root / "cache", root / "tmp"
        for folder in (self.out, self.cache, self.tmp):
            folder.mkdir(parents=True, exist_ok=True)
        self.marker = f"BULLETIN_TEST_RUN={uuid.uuid4().hex}"

    def env(self) -> dict[str, str]:
        env = dict(os.environ, TMPDIR=str(self.tmp), PYTHONUNBUFFERED="1")
        name, value = self.marker.split("=")
        env[name] = value
        return env

    def command(self, *args: str, out: Path | None = None) -> list[str]:
        return [
            sys.executable, "-m", "bulletin", "make", *args, "-o", str(out or self.out),
            "--cache-dir", str(self.cache), "--voice", "ky-espeak",
        ]  # fmt: skip

    def start(self, *args: str) -> subprocess.Popen:
        return subprocess.Popen(
            self.command(*args, "-j", "2"),
            env=self.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            preexec_fn=live_signals,  # not ignored, even when pytest runs in the background
        )

    def run(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(self.command(*args), env=self.env(), capture_output=True, text=True)

    def processes(self) -> list[int]:
        """Live processes carrying this place's marker."""
        found = []
        for environ in Path("/proc").glob("[0-9]*/environ"):
            try:
                if self.marker.encode() in environ.read_bytes().split(b"\0"):
                    pid = int(environ.parent.name)
                    if not gone(pid):
                        found.append(pid)
            except OSError:
                continue
        return found


def whole_set(out: Path, name: str = "news") -> dict:
    """The manifest of the one whole set ``name`` in ``out``: every file it names is there
    with its SHA-256, and nothing else is."""
    manifest = json.loads((out / f"{name}.json").read_text(encoding="utf-8"))
    assert sorted(manifest["sha256"]) == sorted(f"{name}{k}" for k in KINDS if k != ".json")
    for file_name, digest in manifest["sha256"].items():
        assert sha256(out / file_name) == digest, f"{file_name} belongs to another run"
    return manifest


def leftovers(place: Place) -> list[str]:
    """Temporary files anywhere in out/, TMPDIR or the cache."""
    found = [p.name for p in place.out.iterdir() if p.name.startswith(".")]
    found += [p.name for p in place.tmp.iterdir()]
    found += [p.name for p in place.cache.rglob(".*")]
    return found


def cache_is_sound(place: Place) -> None:
    clips = [p for p in place.cache.iterdir() if p.suffix == ".wav"]
    assert clips and all(verify(p) is not None for p in clips)


def test_two_makes_of_one_name_at_once_leave_one_whole_set(tmp_path):
    place = Place(tmp_path)
    sources = [short_release(tmp_path, f"Вариант {n}.", name=f"v{n}") for n in (1, 2)]
    runs = [place.start(str(source), "--name", "news") for source in sources]
    assert [run.wait(timeout=180) for run in runs] == [0, 0]
    manifest = whole_set(place.out)
    spoken = " ".join(s["written"] for s in manifest["sentences"])
    assert ("Вариант 1." in spoken) != ("Вариант 2." in spoken)
    assert leftovers(place) == []


def in_small_tmpfs(
    place: Place, folder: Path, size_kb: int, script: str
) -> subprocess.CompletedProcess:
    """Run ``script`` (sh) with a ``size_kb`` tmpfs mounted on ``folder``, in a private
    mount namespace (``unshare``), and return its output."""
    folder.mkdir(parents=True, exist_ok=True)
    command = (
        f"mount -t tmpfs -o size={size_kb}k tmpfs '{folder}' && {script}; code=$?; "
        f"cp -a '{folder}/.' '{folder}.seen/'; exit $code"
    )
    Path(f"{folder}.seen").mkdir(exist_ok=True)
    # root needs only a mount namespace; anyone else maps themselves to root in a user one
    namespaces = ["--mount"] if os.geteuid() == 0 else ["--user", "--map-root-user", "--mount"]
    result = subprocess.run(
        ["unshare", *namespaces, "sh", "-c", command],
        env=place.env(),
        capture_output=True,
        text=True,
    )
    return result


def make_line(place: Place, source: Path, out: Path | None = None) -> str:
    return " ".join(f"'{part}'" for part in place.command(str(source), "-j", "1", out=out))


def assert_one_line_error(result, path: str) -> None:
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    # a disk found full while writing, or (before mastering) too small for the programme
    full = ("no space left", "not enough free space")
    assert path in lines[0] and any(why in lines[0] for why in full), lines[0]


def test_an_output_folder_with_room_for_the_audio_only_keeps_the_old_set(tmp_path):
    place = Place(tmp_path)
    source = short_release(tmp_path)
    assert place.run(str(source)).returncode == 0
    old = {p.name: p.read_bytes() for p in place.out.iterdir()}
    audio = len(old["news.mp3"])
    # the old set, the new MP3's temporary and 8 KB: the captions do not fit
    size_kb = (sum(len(b) for b in old.values()) + audio) // 1024 + 12
    small = tmp_path / "small"
    copy_old = f"cp -a '{place.out}/.' '{small}/' && "
    result = in_small_tmpfs(place, small, size_kb, copy_old + make_line(place, source, out=small))
    assert_one_line_error(result, str(small))
    seen = Path(f"{small}.seen")
    assert {p.name: p.read_bytes() for p in seen.iterdir()} == old  # nothing new, nothing lost


def test_a_full_temporary_folder_is_one_line_and_no_output(tmp_path):
    place = Place(tmp_path)
    source = short_release(tmp_path)
    result = in_small_tmpfs(place, place.tmp, 64, make_line(place, source))
    assert_one_line_error(result, str(place.tmp))
    assert list(place.out.iterdir()) == [] and list(Path(f"{place.tmp}.seen").iterdir()) == []


def test_a_full_cache_disk_means_running_without_the_cache(tmp_path):
    place = Place(tmp_path)
    source = short_release(tmp_path)
    result = in_small_tmpfs(place, place.cache, 24, make_line(place, source))
    assert result.returncode == 0, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"warning: clip cache {place.cache}"), lines
    assert "going on without the cache" in lines[0]
    whole_set(place.out)
    assert leftovers(place) == []
    seen = Path(f"{place.cache}.seen")  # what the cache held: only whole clips
    assert all(verify(p) is not None for p in seen.iterdir() if p.suffix == ".wav")
    assert not [p for p in seen.rglob(".*")]


@pytest.fixture(autouse=True, scope="module")
def _needs_unshare():
    assert shutil.which("unshare"), "util-linux's unshare runs the full-disk tests"
