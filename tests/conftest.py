"""Shared fixtures: the bundled sample, a private clip cache, a temporary working directory."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "examples" / "release.txt"
CORPUS = ROOT.parent / "shared" / "corpus"


@pytest.fixture
def sample() -> Path:
    return SAMPLE


@pytest.fixture(autouse=True)
def _private_user_folders(tmp_path_factory, monkeypatch):
    """Keep tests out of the real user cache and config folders."""
    home = tmp_path_factory.mktemp("xdg")
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
