"""Shared fixtures: the bundled sample, a private clip cache, a temporary working directory."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "examples" / "release.txt"
CORPUS = ROOT / "examples" / "corpus"


@pytest.fixture
def sample() -> Path:
    return SAMPLE


@pytest.fixture(autouse=True)
def _private_user_folders(tmp_path_factory, monkeypatch):
    """Keep tests out of the real user cache and config folders."""
    home = tmp_path_factory.mktemp("xdg")
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))


# Tests carry their own data: nothing beside the repository (a sibling folder such as
# ../shared, which a user's clone does not have) may be read. An audit hook records every
# file or folder opened there; the session fails if any was.
_OUTSIDE_READS: list[str] = []


def _outside_repository(path: object) -> str | None:
    if not isinstance(path, (str, bytes, os.PathLike)):
        return None
    name = os.path.normpath(os.path.join(os.getcwd(), os.fsdecode(path)))
    beside = name.startswith(_PARENT) and not (name + os.sep).startswith(_ROOT)
    return name if beside else None


_PARENT, _ROOT = str(ROOT.parent) + os.sep, str(ROOT) + os.sep


def _audit(event: str, args: tuple) -> None:
    if event in {"open", "os.listdir", "os.scandir"} and args:
        outside = _outside_repository(args[0])
        if outside:
            _OUTSIDE_READS.append(f"{event} {outside}")


sys.addaudithook(_audit)


def pytest_sessionfinish(session, exitstatus):
    if _OUTSIDE_READS:
        print("\ntests read outside the repository:", *sorted(set(_OUTSIDE_READS)), sep="\n  ")
        session.exitstatus = 1
