"""The streaming meters against pyloudnorm and an FFT true-peak estimate."""

from __future__ import annotations

import math

import numpy as np
import pyloudnorm
import pytest
from audio_fixtures import speechlike, true_peak_dbtp

from bulletin.audio.loudness import LoudnessMeter, TruePeakMeter


def signals(rate: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(rate)
    t = np.arange(int(rate * 7.37)) / rate
    return {
        "noise": rng.standard_normal(t.shape[0]) * 0.1,
        "gated-sine": np.sin(2 * np.pi * 440 * t) * 0.5 * (np.sin(2 * np.pi * 0.4 * t) > 0),
        "speech": speechlike(9.1, rate, seed=3).astype(np.float64),
        "loud-and-quiet": rng.standard_normal(t.shape[0]) * np.where(t % 2 < 1, 0.3, 0.002),
        "stereo": np.stack([rng.standard_normal(t.shape[0]) * 0.2, np.sin(2 * np.pi * 90 * t)]),
    }


def feed(meter: LoudnessMeter, x: np.ndarray, seed: int) -> None:
    rng = np.random.default_rng(seed)
    i = 0
    while i < x.shape[-1]:
        k = int(rng.integers(1, meter.rate))
        meter.add(x[..., i : i + k])
        i += k


@pytest.mark.parametrize("rate", [16000, 22050, 44100, 48000])
def test_meter_matches_pyloudnorm(rate: int) -> None:
    for name, x in signals(rate).items():
        channels = 1 if x.ndim == 1 else x.shape[0]
        expected = pyloudnorm.Meter(rate).integrated_loudness(x if x.ndim == 1 else x.T)
        meter = LoudnessMeter(rate, channels)
        feed(meter, x, seed=len(name))
        assert abs(meter.integrated() - expected) < 0.05, name
        assert abs(meter.integrated() - expected) < 1e-6, name  # in fact: the same sums


def test_meter_silence_and_short() -> None:
    meter = LoudnessMeter(44100)
    meter.add(np.zeros(44100 * 3))
    assert meter.integrated() == -math.inf
    short = LoudnessMeter(44100)
    short.add(np.ones(1000) * 0.5)
    assert short.integrated() == -math.inf
    empty = LoudnessMeter(48000)
    assert empty.integrated() == -math.inf


def test_true_peak_meter() -> None:
    rate = 48000
    t = np.arange(rate) / rate
    # a quarter-rate sine sampled 45 degrees off its crests: sample peak -3 dB, true peak 0
    x = np.sin(2 * np.pi * rate / 4 * t + np.pi / 4)
    meter = TruePeakMeter()
    for i in range(0, x.shape[0], 1000):
        meter.add(x[i : i + 1000])
    assert 20 * np.log10(np.abs(x).max()) == pytest.approx(-3.01, abs=0.01)
    assert meter.dbtp() == pytest.approx(0.0, abs=0.15)  # reads a little high up there
    speech = speechlike(5.0, 44100, seed=1).astype(np.float64) * 1.3
    meter = TruePeakMeter()
    for i in range(0, speech.shape[0], 7919):
        meter.add(speech[i : i + 7919])
    assert meter.dbtp() == pytest.approx(true_peak_dbtp(speech), abs=0.1)
