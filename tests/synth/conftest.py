"""Fixtures for the synthesis tests.

Coqui tests run offline on models generated here at test time (never committed): a tiny
random VITS (``tiny_vits``) and a random-weight folder in the Meta MMS layout in a
temporary ``TTS_HOME`` (``fake_mms_home``). They need torch and coqui-tts, and Coqui's
import guard wants torchaudio/torchcodec, which have no CPU build on the registry: the
``coqui_standin`` fixture puts TEST-ONLY stand-in modules in their place (VITS inference
does not use them). Product code never does this.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path

import pytest
from synth_models import write_standin

HERE = Path(__file__).parent


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "coqui: needs torch + coqui-tts; builds random-weight models (slow, run by default)",
    )


def _have_coqui() -> bool:
    return all(importlib.util.find_spec(m) is not None for m in ("torch", "TTS"))


@pytest.fixture(scope="session")
def coqui_standin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Make ``from TTS.api import TTS`` importable here and in worker processes."""
    if not _have_coqui():
        pytest.skip("coqui-tts and torch are not installed (pip install 'bulletin[coqui]')")
    folder = tmp_path_factory.mktemp("torchaudio_standin")
    write_standin(folder, only_missing=True)
    sys.path.insert(0, str(folder))
    importlib.invalidate_caches()
    try:
        from TTS.api import TTS  # noqa: F401
    except ImportError as error:
        pytest.skip(f"coqui-tts does not import here: {error}")
    yield folder
    if str(folder) in sys.path:
        sys.path.remove(str(folder))


@pytest.fixture(scope="session")
def tiny_vits(coqui_standin: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with a tiny random VITS (model.pth, config.json) and a user preset for it."""
    from synth_models import write_tiny_vits

    folder = tmp_path_factory.mktemp("tiny_vits")
    write_tiny_vits(folder / "model")
    (folder / "ky-tiny.toml").write_text(
        'name = "ky-tiny"\nengine = "coqui"\nlanguage = "ky"\n'
        'model_path = "model/model.pth"\nconfig_path = "model/config.json"\n',
        encoding="utf-8",
    )
    return folder


@pytest.fixture(scope="session")
def fake_mms_root(coqui_standin: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A TTS_HOME holding a random-weight Kyrgyz MMS model (built once per session)."""
    from synth_models import write_fake_mms

    home = tmp_path_factory.mktemp("tts_home")
    write_fake_mms(home / "tts" / "tts_models--kir--fairseq--vits")
    return home


@pytest.fixture
def fake_mms_home(fake_mms_root: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TTS_HOME", str(fake_mms_root))
    return fake_mms_root


@pytest.fixture
def empty_tts_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "tts_home"
    monkeypatch.setenv("TTS_HOME", str(home))
    return home


@pytest.fixture
def isolated_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in an empty folder (no ./voices) so user presets do not leak in."""
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    return work
