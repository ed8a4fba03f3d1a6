"""Station settings: bulletin.toml, presets, overrides, and errors that name the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from bulletin.config import find_config, load_settings
from bulletin.errors import ConfigError
from bulletin.script import Pauses


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bulletin.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_are_podcast_mp3():
    settings = load_settings(None)
    assert (settings.format, settings.loudness, settings.true_peak) == ("mp3", -16.0, -1.0)
    assert settings.output_rate == 44100 and settings.pauses == Pauses()


def test_file_values_presets_and_relative_paths(tmp_path):
    config = write(
        tmp_path,
        """
station = "Биринчи радио"
programme = "Кечки жаңылыктар"
cover = "art/cover.png"
[output]
loudness = "broadcast"
format = "wav"
[pauses]
sentence_ms = 300
[jingles]
intro = "jingles/intro.wav"
[bed]
file = "bed.mp3"
duck_db = -15
""",
    )
    settings = load_settings(config)
    assert settings.loudness == -23.0
    assert settings.output_rate == 48000  # playout WAV
    assert (
        settings.pauses.sentence_ms == 300 and settings.pauses.paragraph_ms == Pauses().paragraph_ms
    )
    assert settings.cover == tmp_path / "art/cover.png"
    assert settings.jingles.intro == tmp_path / "jingles/intro.wav"
    assert settings.bed.path == tmp_path / "bed.mp3" and settings.bed.duck_db == -15.0
    assert (
        settings.effective_artist == "Биринчи радио"
        and settings.effective_album == "Кечки жаңылыктар"
    )


def test_command_line_overrides_the_file(tmp_path):
    config = write(tmp_path, '[output]\nloudness = -20\nformat = "flac"\n')
    settings = load_settings(config, {"output.loudness": "-14", "output.format": None})
    assert settings.loudness == -14.0 and settings.format == "flac"
    assert load_settings(None, {"output.dir": "elsewhere"}).out_dir == Path("elsewhere")


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('[output]\nloudness = "loud"\n', "output.loudness"),
        ("[output]\nbitrate = 100\n", "output.bitrate"),
        ("[pauses]\nsentence_ms = -5\n", "pauses.sentence_ms"),
        ('[pauses]\nsentence_ms = "long"\n', "pauses.sentence_ms"),
        ("[pauses]\nsentense_ms = 300\n", "pauses.sentense_ms"),
        ("colour = 1\n", "colour"),
        ('[output]\nformat = "aac"\n', "output.format"),
        ("[bed]\nduck_db = -6\n", "bed.file"),
    ],
)
def test_a_wrong_setting_names_the_key(tmp_path, text, key):
    with pytest.raises(ConfigError) as caught:
        load_settings(write(tmp_path, text))
    assert key in str(caught.value) and "\n" not in str(caught.value)


def test_invalid_toml_and_missing_explicit_file(tmp_path):
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(write(tmp_path, "station = \n"))
    with pytest.raises(ConfigError, match="no such settings file"):
        find_config(tmp_path / "missing.toml")


def test_config_is_found_in_the_working_directory(tmp_path):
    assert find_config(None, tmp_path) is None
    config = write(tmp_path, 'station = "Радио"\n')
    assert find_config(None, tmp_path) == config
