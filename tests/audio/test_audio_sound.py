"""Reading jingles, beds and clips: errors, resampling, gapless MP3."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from audio_fixtures import sine, write_sound
from scipy.signal import resample_poly

from bulletin.audio import sound_info
from bulletin.audio.sound import SoundReader
from bulletin.errors import InputError


def test_sound_info(tmp_path: Path) -> None:
    stereo = np.stack([sine(0.5, 44100, 440), sine(0.5, 44100, 660)], axis=1)
    path = write_sound(tmp_path / "sting.flac", stereo, 44100)
    assert sound_info(path) == (22050, 44100, 2)


def test_sound_info_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError) as missing:
        sound_info(tmp_path / "jingle.mp3")
    assert str(missing.value) == "jingle.mp3: cannot read audio (no such file)"
    text = tmp_path / "jingle.wav"
    text.write_text("not audio at all\n")
    with pytest.raises(InputError) as bad:
        sound_info(text)
    message = str(bad.value)
    assert message.startswith("jingle.wav: cannot read audio (") and "\n" not in message


@pytest.mark.parametrize(("rate_in", "rate_out"), [(22050, 44100), (16000, 48000), (48000, 44100)])
def test_reader_matches_resample_poly(tmp_path: Path, rate_in: int, rate_out: int) -> None:
    rng = np.random.default_rng(rate_in)
    x = (rng.standard_normal(rate_in + 333) * 0.1).astype(np.float32)
    path = tmp_path / "x.wav"
    sf.write(path, x, rate_in, subtype="FLOAT")
    from math import gcd

    g = gcd(rate_in, rate_out)
    reference = resample_poly(x.astype(np.float64), rate_out // g, rate_in // g)
    with SoundReader(path, rate_out) as reader:
        pieces = [reader.read(s, 4097) for s in range(0, reader.length, 4097)]
        got = np.concatenate(pieces)[: reader.length]
        assert reader.read(-10, 10).tolist() == [0.0] * 10
        assert not reader.read(reader.length, 50).any()
    n = min(reference.shape[0], got.shape[0])
    assert abs(got.shape[0] - reference.shape[0]) <= 1
    np.testing.assert_allclose(got[:n], reference[:n], atol=1e-6)


def test_stereo_is_mixed_to_mono(tmp_path: Path) -> None:
    left, right = sine(0.2, 44100, 440), -sine(0.2, 44100, 440)
    path = write_sound(tmp_path / "s.wav", np.stack([left, right], axis=1), 44100)
    with SoundReader(path, 44100) as reader:
        assert np.abs(reader.read(0, reader.length)).max() < 1e-4


def test_mp3_jingle_is_read_gapless(tmp_path: Path) -> None:
    """soundfile trims LAME's priming: the first click is at its own sample, not +1105."""
    x = np.zeros(44100, dtype=np.float32)
    x[5000:5100] = sine(0.1, 44100, 2000, 0.8)[:100] * np.hanning(100)
    path = write_sound(tmp_path / "click.mp3", x, 44100)
    with SoundReader(path, 44100) as reader:
        assert reader.length == 44100
        y = reader.read(0, reader.length)
    assert 4990 <= int(np.argmax(np.abs(y))) <= 5110
