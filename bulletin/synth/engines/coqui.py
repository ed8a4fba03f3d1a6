"""Coqui TTS voices: the Kyrgyz MMS model (``ky-mms``) and any local Coqui model.

torch and TTS are imported only inside :meth:`CoquiVoice.__init__` (they cost ~5 s), never
when ``bulletin.synth`` is imported or an espeak voice runs.

>>> voice = CoquiVoice(resolve_voice("ky-mms"))     # needs the model files, see model_dir()
>>> voice.synthesize("салам дүйнө").words          # float32 mono, 16 kHz; no word events

Offline, a missing model is reported before Coqui is asked for it (Coqui would try a
download, fail, and leave an empty folder behind); the download happens only with
``allow_download=True`` (``bulletin voices --download ky-mms``).
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import importlib.util
import os
import re
import sys
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from bulletin.errors import VoiceError
from bulletin.synth.engines import Engine
from bulletin.synth.voice import Synthesis

if TYPE_CHECKING:
    from bulletin.synth.presets import VoicePreset

MMS_FILES = ("G_100000.pth", "config.json", "vocab.txt")
INSTALL_HINT = "pip install 'bulletin[coqui]'"


def coqui_data_dir() -> Path:
    """Coqui's model folder: ``$TTS_HOME/tts``, else ``$XDG_DATA_HOME/tts``, else the OS default.

    The same rule as ``trainer.io.get_user_data_dir("tts")``, which Coqui's ModelManager
    uses; written out here so that checking a voice does not import torch (~2 s). A test
    checks the two agree.
    """
    home = os.environ.get("TTS_HOME")
    xdg = os.environ.get("XDG_DATA_HOME")
    if home is not None:
        base = Path(home).expanduser().resolve(strict=False)
    elif xdg is not None:
        base = Path(xdg).expanduser().resolve(strict=False)
    elif sys.platform == "darwin":
        base = Path("~/Library/Application Support/").expanduser()
    elif sys.platform == "win32":  # pragma: no cover - Coqui reads the registry here
        base = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
    else:
        base = Path.home() / ".local" / "share"
    return base / "tts"


def model_dir(model_name: str) -> Path:
    """Where Coqui keeps a zoo model, e.g. ``~/.local/share/tts/tts_models--kir--fairseq--vits``."""
    return coqui_data_dir() / "--".join(model_name.split("/"))


def required_files(preset: VoicePreset) -> list[Path]:
    """The files a preset needs on disk before Coqui may be called offline."""
    if preset.model_name:
        folder = model_dir(preset.model_name)
        if "fairseq" in preset.model_name:
            return [folder / name for name in MMS_FILES]
        return [folder / "config.json"]
    return [p for p in (preset.model_path, preset.config_path) if p is not None]


def missing_files_message(preset: VoicePreset) -> str | None:
    """A one-line explanation when model files are missing, else ``None``."""
    files = required_files(preset)
    missing = [f for f in files if not f.is_file()]
    if not missing:
        return None
    if preset.model_name:
        folder = files[0].parent
        return (
            f"voice {preset.name!r}: model files missing: put {', '.join(f.name for f in files)} "
            f"in {folder} (with network, `bulletin voices --download {preset.name}` or the "
            f"first use downloads them)"
        )
    return f"voice {preset.name!r}: model file missing: {missing[0]}"


def coqui_problem(preset: VoicePreset) -> str | None:
    """Why this Coqui voice cannot run now (cheap: imports nothing heavy), or ``None``."""
    for module in ("torch", "TTS"):
        if importlib.util.find_spec(module) is None:
            return f"coqui-tts not installed: {INSTALL_HINT}"
    if importlib.util.find_spec("torchaudio") is None:
        return (
            "coqui-tts needs torchaudio, which is not installed: install the torchaudio build "
            "that matches your torch"
        )
    return missing_files_message(preset)


def model_identity(preset: VoicePreset) -> dict[str, Any]:
    """What identifies the model's sound without loading it: versions and file stats."""
    files: list[Path] = []
    if preset.model_name:
        folder = model_dir(preset.model_name)
        if folder.is_dir():
            files = sorted(p for p in folder.iterdir() if p.is_file())
    else:
        files = [p for p in (preset.model_path, preset.config_path) if p is not None]
    stats = []
    for f in files:
        try:
            st = f.stat()
        except OSError:
            continue
        stats.append([str(f), st.st_size, st.st_mtime_ns])
    versions = {}
    for dist in ("coqui-tts", "torch"):
        try:
            versions[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            versions[dist] = None
    return {"files": stats, "versions": versions}


def _import_coqui():
    """Import torch and Coqui's API, turning install problems into a VoiceError."""
    try:
        import torch
    except ImportError:
        raise VoiceError(f"coqui-tts not installed: {INSTALL_HINT}") from None
    try:
        from TTS.api import TTS
    except ModuleNotFoundError as error:
        if error.name in ("torchaudio", "torchcodec"):
            raise VoiceError(
                f"coqui-tts cannot start: {error.name} is missing (install the {error.name} "
                "build that matches your torch)"
            ) from None
        raise VoiceError(f"coqui-tts not installed: {INSTALL_HINT}") from None
    except (ImportError, OSError) as error:
        text = str(error)
        if "torchaudio" in text.lower() or "torchcodec" in text.lower() or "libc10" in text:
            first = text.strip().splitlines()[0] if text.strip() else type(error).__name__
            raise VoiceError(
                f"coqui-tts cannot start: torchaudio/torchcodec is missing or broken ({first}); "
                "install the torchaudio and torchcodec builds that match your torch"
            ) from None
        raise VoiceError(f"coqui-tts cannot start ({text.strip().splitlines()[0]})") from None
    return torch, TTS


def _drop_empty_folder(folder: Path) -> None:
    """Coqui takes an existing folder for a finished download; an empty one (left by a
    failed download) would stop it from ever trying again."""
    with contextlib.suppress(OSError):
        folder.rmdir()  # only succeeds when empty


_PUNCT_SPACE = re.compile(r"\s+")


class CoquiVoice:
    """A Coqui model as a :class:`~bulletin.synth.voice.Voice`; loads the model once."""

    def __init__(self, preset: VoicePreset, *, allow_download: bool = False) -> None:
        self.name = preset.name
        self.preset = preset
        if not allow_download:
            problem = missing_files_message(preset)
            if problem:
                raise VoiceError(problem)
        elif preset.model_name:
            _drop_empty_folder(model_dir(preset.model_name))
        torch, TTS = _import_coqui()
        self._torch = torch
        try:
            if preset.model_name:
                tts = TTS(model_name=preset.model_name, progress_bar=False)
            else:
                tts = TTS(
                    model_path=str(preset.model_path),
                    config_path=str(preset.config_path),
                    progress_bar=False,
                )
        except VoiceError:
            raise
        except Exception as error:  # Coqui raises many kinds; the user needs one line
            where = model_dir(preset.model_name) if preset.model_name else preset.model_path
            first = (str(error).strip().splitlines() or [type(error).__name__])[0]
            raise VoiceError(
                f"voice {preset.name!r}: Coqui could not load {where} ({first})"
            ) from None
        self._tts = tts
        self.sample_rate: int = int(tts.synthesizer.output_sample_rate)
        self._vocab = self._read_vocab()

    def _read_vocab(self) -> frozenset[str] | None:
        model = getattr(self._tts.synthesizer, "tts_model", None)
        tokenizer = getattr(model, "tokenizer", None)
        characters = getattr(tokenizer, "characters", None)
        vocab = getattr(characters, "vocab", None)
        if not vocab:
            return None
        return frozenset(s for s in vocab if len(s) == 1)

    def prepare(self, text: str) -> str:
        """Lower-case the text and replace characters the model lacks (MMS: all punctuation).

        >>> voice.prepare("Салам, дүйнө!")
        'салам дүйнө'
        """
        text = unicodedata.normalize("NFC", text).lower()
        if self._vocab is not None:
            text = "".join(ch if ch in self._vocab else " " for ch in text)
        return _PUNCT_SPACE.sub(" ", text).strip()

    def synthesize(self, text: str) -> Synthesis:
        """Float32 mono samples for ``text``; the same text always gives the same samples.
        Coqui reports no word events (``words`` is ``None``)."""
        return Synthesis(self._samples(text), self.sample_rate)

    def _samples(self, text: str) -> np.ndarray:
        prepared = self.prepare(text)
        if not prepared:
            return np.zeros(0, dtype=np.float32)
        # VITS samples noise: seed from the text so a sentence sounds the same in any
        # process and any order (jobs=1 and jobs=2 give identical clips).
        seed = int.from_bytes(hashlib.sha256(prepared.encode()).digest()[:4], "little")
        self._torch.manual_seed(seed)
        kwargs: dict[str, Any] = {"split_sentences": False}
        if self.preset.speaker:
            kwargs["speaker"] = self.preset.speaker
        if self.preset.language and getattr(self._tts, "is_multi_lingual", False):
            kwargs["language"] = self.preset.language
        # One intra-op thread: float sums depend on how torch splits them across threads,
        # and a clip must not depend on how many processes shared the work (parallelism
        # comes from worker processes instead, see synthesize_clips).
        torch = self._torch
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            with torch.inference_mode():
                wav = self._tts.tts(prepared, **kwargs)
        finally:
            torch.set_num_threads(threads)
        return np.asarray(wav, dtype=np.float32).reshape(-1)


def download(preset: VoicePreset) -> Path:
    """Fetch a zoo model with Coqui's own loader (needs network); returns its folder."""
    if preset.engine != "coqui":
        raise VoiceError(
            f"voice {preset.name!r} is built in ({preset.engine}); nothing to download"
        )
    if not preset.model_name:
        raise VoiceError(f"voice {preset.name!r} uses local model files; nothing to download")
    CoquiVoice(preset, allow_download=True)
    problem = missing_files_message(preset)
    if problem:
        raise VoiceError(problem)
    return model_dir(preset.model_name)


def _check(preset: VoicePreset) -> str | None:
    if not preset.model_name and not (preset.model_path and preset.config_path):
        return "a coqui voice needs model_name, or model_path and config_path"
    for key in ("rate", "pitch", "volume"):
        if getattr(preset, key) is not None:
            return f"{key} is not a coqui setting"
    return None


ENGINE = Engine(
    name="coqui",
    tier="neural",
    licence="MPL-2.0 (coqui-tts); each model has its own licence",
    install=INSTALL_HINT,
    load=lambda preset, allow_download=False: CoquiVoice(preset, allow_download=allow_download),
    identity=lambda preset: {"coqui": model_identity(preset)},
    problem=coqui_problem,
    check=_check,
    in_process_misses=2,  # a worker imports torch and loads the model: ~5 s
    chunk=1,
)
