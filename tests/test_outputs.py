"""One output set, all or nothing: temporaries, the name lock, the journal, real processes."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bulletin import lifecycle, outputs
from bulletin.errors import OutputError
from bulletin.outputs import OutputSet, check_plain_name, clean_output_folder, sha256

FILES = ("news.mp3", "news.vtt", "news.srt")


def write_set(folder: Path, content: str, kill_after: int | None = None) -> None:
    """Publish news.{mp3,vtt,srt} + news.json (a manifest with checksums) holding ``content``."""
    with OutputSet(folder, "news") as out:
        for name in FILES:
            out.add(name).write_text(f"{name} {content}\n" * 50)
        manifest = {"content": content, "sha256": out.checksums()}
        out.add("news.json", manifest=True).write_text(json.dumps(manifest))
        out.publish()


def check_whole(folder: Path) -> str:
    """The content of the one whole set in ``folder`` (its manifest's sums all match)."""
    manifest = json.loads((folder / "news.json").read_text())
    assert sorted(manifest["sha256"]) == sorted(FILES)
    for name, digest in manifest["sha256"].items():
        assert sha256(folder / name) == digest, f"{name} is of another run"
    return manifest["content"]


def test_a_set_appears_whole_with_the_manifest_naming_each_files_checksum(tmp_path):
    write_set(tmp_path, "one")
    assert check_whole(tmp_path) == "one"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*FILES, "news.json"])
    assert (tmp_path / "news.mp3").stat().st_mode & 0o644 == 0o644


def test_a_failure_before_publishing_leaves_the_old_set_and_no_temporary(tmp_path):
    write_set(tmp_path, "old")
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    with pytest.raises(RuntimeError), OutputSet(tmp_path, "news") as out:
        out.add("news.mp3").write_text("new audio")
        raise RuntimeError("the disk filled up while writing the captions")
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_the_lock_is_exclusive_and_leaves_no_file(tmp_path):
    with outputs.name_lock(tmp_path, "news"):
        with outputs.name_lock(tmp_path, "news", blocking=False) as got:
            assert got is False
        with outputs.name_lock(tmp_path, "other", blocking=False) as got:
            assert got is True  # one lock per output name
    assert list(tmp_path.iterdir()) == []


# A publisher killed (SIGKILL) after renaming its first file: the set on disk is a mix
# until the next run finishes the journal.
KILLED_PUBLISHER = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from bulletin import outputs
    sys.path.insert(0, {tests!r})
    from test_outputs import write_set

    real = outputs._apply
    def apply_then_die(folder, renames):
        real(folder, renames[:1])
        os.kill(os.getpid(), signal.SIGKILL)
    outputs._apply = apply_then_die
    write_set(Path(sys.argv[1]), "new")
    """
)


def test_the_next_run_finishes_a_set_whose_publisher_was_killed_mid_rename(tmp_path):
    write_set(tmp_path, "old")
    script = tmp_path.parent / f"{tmp_path.name}-killed.py"
    script.write_text(KILLED_PUBLISHER.format(tests=str(Path(__file__).parent)))
    result = subprocess.run([sys.executable, str(script), str(tmp_path)], capture_output=True)
    assert result.returncode == -9
    assert not (tmp_path / "news.json").exists()  # no manifest names a mixed set
    assert [p for p in tmp_path.iterdir() if p.name.endswith(".publish")]
    clean_output_folder(tmp_path)
    assert check_whole(tmp_path) == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*FILES, "news.json"])


def test_a_journal_of_a_live_run_is_left_alone(tmp_path):
    journal = tmp_path / f".news.{lifecycle.temp_tag()}x.publish"
    journal.write_text(json.dumps({"name": "news", "renames": [["a", "b"]]}))
    assert outputs.recover(tmp_path) == []
    assert journal.exists()


CONCURRENT = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    sys.path.insert(0, {tests!r})
    from test_outputs import write_set
    for i in range(40):
        write_set(Path(sys.argv[1]), f"{{sys.argv[2]}}-{{i}}")
    """
)


def test_two_writers_of_one_name_never_leave_a_mix(tmp_path):
    out = tmp_path / "out"
    write_set(out, "start")
    script = tmp_path / "writer.py"
    script.write_text(CONCURRENT.format(tests=str(Path(__file__).parent)))
    writers = [subprocess.Popen([sys.executable, str(script), str(out), who]) for who in ("a", "b")]
    seen = set()
    while any(w.poll() is None for w in writers):
        with outputs.name_lock(out, "news", shared=True):  # a reader's lock
            seen.add(check_whole(out))
    assert [w.wait() for w in writers] == [0, 0]
    assert check_whole(out) in {"a-39", "b-39"}
    assert len(seen) > 1  # the reader really looked while they wrote
    assert sorted(p.name for p in out.iterdir()) == sorted([*FILES, "news.json"])


@pytest.mark.parametrize("name", ["../x", "a/b", "..", ".", "", ".hidden", "a\\b"])
def test_an_output_name_must_be_a_plain_file_name(name):
    with pytest.raises(OutputError, match="plain file name"):
        check_plain_name(name)
