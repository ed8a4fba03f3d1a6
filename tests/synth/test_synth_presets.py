"""Voice presets: loading, overriding, unknown names, the default rule, respelling."""

from __future__ import annotations

from pathlib import Path

import pytest

from bulletin.errors import VoiceError
from bulletin.synth import availability, find_presets, load_preset, resolve_voice
from bulletin.synth.presets import VoicePreset


def test_shipped_presets(isolated_cwd: Path) -> None:
    presets = {p.name: p for p in find_presets()}
    assert {"ky-espeak", "ky-mms"} <= set(presets)
    espeak, mms = presets["ky-espeak"], presets["ky-mms"]
    assert (espeak.engine, espeak.language, espeak.rate) == ("espeak", "ky", 160)
    assert ("гр*", "гыр") in espeak.respell
    assert mms.engine == "coqui"
    assert mms.model_name == "tts_models/kir/fairseq/vits"
    assert "CC BY-NC 4.0" in mms.licence
    assert (espeak.sample_rate, mms.sample_rate) == (22050, 16000)


def test_cwd_voices_then_extra_dirs_override_by_name(isolated_cwd: Path, tmp_path: Path) -> None:
    (isolated_cwd / "voices").mkdir()
    (isolated_cwd / "voices" / "ky-espeak.toml").write_text(
        'name = "ky-espeak"\nengine = "espeak"\nrate = 120\n', encoding="utf-8"
    )
    assert resolve_voice("ky-espeak").rate == 120
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "fast.toml").write_text(
        'name = "ky-espeak"\nengine = "espeak"\nrate = 200\n', encoding="utf-8"
    )
    (extra / "slow.toml").write_text('name = "ky-slow"\nengine = "espeak"\nrate = 90\n')
    assert resolve_voice("ky-espeak", [extra]).rate == 200
    assert resolve_voice("ky-slow", [extra]).rate == 90


def test_unknown_voice_lists_the_available_ones(isolated_cwd: Path) -> None:
    with pytest.raises(
        VoiceError, match=r"unknown voice 'x' \(available: ky-azamat, ky-espeak, ky-mms, ky-nazgul"
    ):
        resolve_voice("x")


def test_voice_by_path_and_relative_model_paths(tmp_path: Path) -> None:
    preset_file = tmp_path / "mine.toml"
    preset_file.write_text(
        'name = "mine"\nengine = "coqui"\nmodel_path = "m/model.pth"\n'
        'config_path = "m/config.json"\nspeaker = "a"\n',
        encoding="utf-8",
    )
    preset = resolve_voice(str(preset_file))
    assert preset.model_path == (tmp_path / "m" / "model.pth").resolve()
    assert preset.config_path == (tmp_path / "m" / "config.json").resolve()
    assert preset.speaker == "a"
    ok, why = availability(preset)
    assert not ok and why


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ('engine = "festival"\n', "engine must be one of"),
        ('engine = "espeak"\nrate = "fast"\n', "rate must be"),
        ('engine = "coqui"\n', "needs model_name"),
        ('engine = "espeak"\nloudness = 3\n', "unknown key 'loudness'"),
        ('engine = "espeak"\nvolume = 3\n', "volume is not an espeak setting"),
        ('engine = "espeak"\n[respell]\n"re:(" = "x"\n', "bad respell pattern"),
        ("engine = = 1", "not a valid TOML"),
    ],
)
def test_bad_presets_say_what_is_wrong(tmp_path: Path, text: str, error: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(VoiceError, match=error) as info:
        load_preset(path)
    assert str(path) in str(info.value)
    assert "\n" not in str(info.value)


def test_default_is_never_mms(isolated_cwd: Path, empty_tts_home: Path) -> None:
    # ky-azamat with the rhvoice extra, else ky-espeak (tests/synth/test_synth_rhvoice.py)
    assert resolve_voice(None).name in ("ky-azamat", "ky-espeak")
    ok, why = availability(resolve_voice("ky-mms"))
    assert not ok
    assert why  # coqui not importable here, or the model files are missing
    assert availability(resolve_voice("ky-espeak")) == (True, "")


def test_respell_rules() -> None:
    preset = VoicePreset(
        "v",
        "espeak",
        respell=(("гр*", "гыр"), ("ЦИК", "цик"), (r"re:(\d)-(\d)", r"\1 \2")),
    )
    assert preset.respell_text("Градус, грамм; агроном") == "Гырадус, гырамм; агроном"
    assert preset.respell_text("ГРАММ") == "ГЫРАММ"
    assert preset.respell_text("ЦИК циктер цик") == "цик циктер цик"
    assert preset.respell_text("1-2") == "1 2"


def test_shipped_espeak_respell() -> None:
    preset = resolve_voice("ky-espeak")
    assert preset.respell_text("Бүгүн жыйырма градус, кредит.") == "Бүгүн жыйырма гырадус, кыредит."
