"""Coqui voices, offline, on random-weight models built at test time.

(a) a tiny VITS through ``TTS(model_path=, config_path=)`` via a user preset;
(b) a folder in the Meta MMS layout in a temporary TTS_HOME through
    ``TTS(model_name="tts_models/kir/fairseq/vits")``: the shipped ky-mms preset.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from bulletin.errors import VoiceError
from bulletin.synth import availability, load_voice, resolve_voice, synthesize_clips
from bulletin.synth.engines.coqui import coqui_data_dir, model_dir

pytestmark = pytest.mark.coqui

MMS = "tts_models/kir/fairseq/vits"


def test_tiny_vits_user_preset(tiny_vits: Path, tmp_path: Path) -> None:
    preset = resolve_voice(str(tiny_vits / "ky-tiny.toml"))
    assert availability(preset) == (True, "")
    voice = load_voice(preset)
    assert voice.sample_rate == 16000
    assert voice.engine.prepare("Салам, дүйнө!") == "салам, дүйнө!"  # its vocab has punctuation
    audio = voice.synthesize("Салам, дүйнө!").samples
    assert audio.dtype == np.float32 and audio.ndim == 1 and audio.size > 1000
    assert np.array_equal(audio, voice.synthesize("Салам, дүйнө!").samples)  # seeded from the text
    stats: dict = {}
    texts = ["Салам.", "Бүгүн жылуу.", "Салам."]
    clips = synthesize_clips(texts, preset, cache_dir=tmp_path, jobs=1, stats=stats)
    assert stats["synthesised"] == 2 and clips[0] == clips[2]
    data, rate = sf.read(clips[1].path)
    assert rate == 16000 and len(data) == clips[1].samples


def test_tiny_vits_jobs_1_and_2_identical(tiny_vits: Path, tmp_path: Path) -> None:
    preset = resolve_voice(str(tiny_vits / "ky-tiny.toml"))
    texts = [f"Бүгүн {w} жылуу болот." for w in ("абдан", "бир аз", "кечинде", "эртең", "дагы")]
    one = synthesize_clips(texts, preset, cache_dir=tmp_path / "1", jobs=1)
    stats: dict = {}
    two = synthesize_clips(texts, preset, cache_dir=tmp_path / "2", jobs=2, stats=stats)
    assert stats["jobs"] == 2
    assert [c.path.read_bytes() for c in one] == [c.path.read_bytes() for c in two]


def test_mms_layout_through_model_name(
    fake_mms_home: Path, isolated_cwd: Path, tmp_path: Path
) -> None:
    assert model_dir(MMS) == fake_mms_home / "tts" / "tts_models--kir--fairseq--vits"
    preset = resolve_voice("ky-mms")
    assert availability(preset) == (True, "")
    # runnable, but non-commercial: never the default
    assert resolve_voice(None).name != "ky-mms"
    voice = load_voice(preset)
    assert voice.sample_rate == 16000
    assert voice.engine.prepare("Салам, дүйнө! «Жаңы» 5") == "салам дүйнө жаңы"  # no punctuation
    clips = synthesize_clips(["Салам, дүйнө!", ""], preset, cache_dir=tmp_path, jobs=1)
    assert clips[0].sample_rate == 16000 and clips[0].samples > 1000
    assert clips[1].samples == 0


def test_missing_mms_files_message_and_no_download(
    empty_tts_home: Path, isolated_cwd: Path
) -> None:
    preset = resolve_voice("ky-mms")
    folder = empty_tts_home / "tts" / "tts_models--kir--fairseq--vits"
    ok, why = availability(preset)
    assert not ok
    for word in (str(folder), "G_100000.pth", "config.json", "vocab.txt", "--download ky-mms"):
        assert word in why
    with pytest.raises(VoiceError) as info:
        load_voice(preset)
    assert str(info.value) == why
    with pytest.raises(VoiceError):
        synthesize_clips(["салам"] * 3, preset, cache_dir=None, jobs=2)
    assert not folder.exists()  # Coqui was never asked, so it left no empty folder
    assert resolve_voice(None).name != "ky-mms"


def test_our_model_folder_matches_coquis(
    coqui_standin: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from TTS.utils.manage import ModelManager

    for env in ({"TTS_HOME": str(tmp_path / "a")}, {"XDG_DATA_HOME": str(tmp_path / "b")}, {}):
        monkeypatch.delenv("TTS_HOME", raising=False)
        monkeypatch.delenv("XDG_DATA_HOME", raising=False)
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        manager = ModelManager(progress_bar=False)
        _, full_name, _ = manager._set_model_item(MMS)
        assert Path(manager.output_prefix) == coqui_data_dir()
        assert Path(manager.output_prefix) / full_name == model_dir(MMS)


def test_broken_torchaudio_is_a_voice_error(tiny_vits: Path) -> None:
    """Without the test stand-in, this machine has no torchaudio: a one-line VoiceError."""
    code = (
        "import sys\n"
        "from bulletin.errors import VoiceError\n"
        "from bulletin.synth import load_voice, resolve_voice\n"
        f"preset = resolve_voice({str(tiny_vits / 'ky-tiny.toml')!r})\n"
        "try:\n"
        "    load_voice(preset)\n"
        "except VoiceError as e:\n"
        "    print('VoiceError:', e)\n"
        "else:\n"
        "    print('loaded')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    line = out.stdout.strip()
    if line == "loaded":
        pytest.skip("a working torchaudio is installed here")
    assert line.startswith("VoiceError:") and "torchaudio" in line, out.stdout + out.stderr
