"""Atomic output: a failed write never harms what is already in out/."""

from __future__ import annotations

import pytest

from bulletin.errors import OutputError
from bulletin.fsutil import atomic_path


def test_success_replaces_the_target_with_ordinary_permissions(tmp_path):
    target = tmp_path / "out" / "release.mp3"
    with atomic_path(target) as tmp:
        assert tmp.parent == target.parent and tmp.suffix == ".mp3" and tmp != target
        tmp.write_bytes(b"new")
    assert target.read_bytes() == b"new"
    assert target.stat().st_mode & 0o644 == 0o644
    assert [p.name for p in target.parent.iterdir()] == ["release.mp3"]


def test_failure_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "release.mp3"
    target.write_bytes(b"earlier work")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_bytes(b"half")
        raise RuntimeError("encoder died")
    assert target.read_bytes() == b"earlier work"
    assert [p.name for p in tmp_path.iterdir()] == ["release.mp3"]


def test_unwritable_folder_is_an_output_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(OutputError, match="cannot write here"), atomic_path(blocker / "a.mp3"):
        pass
