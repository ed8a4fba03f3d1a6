"""Test signals and independent measurements for the audio tests (no product code here)."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import soundfile as sf
from scipy.signal import butter, lfilter, resample

from bulletin.script import Clip


def speechlike(seconds: float, rate: int, seed: int = 0) -> np.ndarray:
    """Syllable-shaped bursts: a voiced buzz (glottal-like pulses, falling harmonics) plus
    breath noise under a raised-sine envelope, 4-6 syllables a second, peaky like TTS.

    Nothing near the Nyquist frequency: real voices (16-22 kHz TTS) have none, and there
    true-peak estimates disagree by design (BS.1770's 48-tap filter under-reads there).
    """
    rng = np.random.default_rng(seed)
    breath = butter(4, min(6000, 0.4 * rate), fs=rate)  # band-limited like a TTS voice
    n = int(seconds * rate)
    out = np.zeros(n)
    pos = 0
    while pos < n:
        length = int(rate * rng.uniform(0.12, 0.25))
        m = min(length, n - pos)
        t = np.arange(m) / rate
        f0 = rng.uniform(100, 190) * (1 + 0.1 * t)
        phase = 2 * np.pi * np.cumsum(f0) / rate
        voiced = sum(np.sin(k * phase) / k**1.2 for k in range(1, 25))
        envelope = np.sin(np.pi * np.arange(m) / length) ** 2
        noise = lfilter(*breath, rng.standard_normal(m)) * 0.05
        out[pos : pos + m] += envelope * (voiced * 0.25 + noise) * rng.uniform(0.3, 1.0)
        pos += length + int(rate * rng.uniform(0.0, 0.08))
    return (out / np.abs(out).max() * 0.8).astype(np.float32)


def write_clip(path: Path, seconds: float, rate: int = 22050, seed: int = 0) -> Clip:
    samples = speechlike(seconds, rate, seed)
    sf.write(path, samples, rate, subtype="PCM_16")
    return Clip(path=path, samples=samples.shape[0], sample_rate=rate)


def sine(seconds: float, rate: int, freq: float, amplitude: float = 0.5) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def write_sound(path: Path, samples: np.ndarray, rate: int) -> Path:
    """Write a jingle or bed as WAV/FLAC/OGG (soundfile) or MP3 (pedalboard)."""
    if path.suffix == ".mp3":
        from pedalboard.io import AudioFile

        data = samples[np.newaxis, :] if samples.ndim == 1 else samples.T
        with AudioFile(str(path), "w", rate, data.shape[0], quality="192 kbps") as f:
            f.write(data.astype(np.float32))
    else:
        sf.write(path, samples, rate)
    return path


def true_peak_dbtp(samples: np.ndarray) -> float:
    """True peak by 4x FFT interpolation (independent of the product's polyphase filter),
    in overlapping pieces with silence beyond the ends (the FFT would wrap them round)."""
    x = np.asarray(samples if samples.ndim == 1 else samples.T, dtype=np.float64)
    x = np.atleast_2d(x)
    step, margin = 32768, 2048
    padded = np.pad(x, [(0, 0), (margin, margin + step)])
    peak = 0.0
    for start in range(0, x.shape[1], step):
        piece = padded[:, start : start + step + 2 * margin]
        over = resample(piece, piece.shape[1] * 4, axis=1)[:, 4 * margin : 4 * (margin + step)]
        peak = max(peak, float(np.abs(over).max()))
    return float(20 * np.log10(max(peak, 1e-12)))


MPEG1_L3_KBPS = (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)
MPEG1_RATES = (44100, 48000, 32000)


def mp3_frame_bitrates(path: Path) -> list[int]:
    """The bitrate (kbps) of every MPEG-1 Layer III frame, walking the frame headers."""
    data = path.read_bytes()
    pos = 0
    if data[:3] == b"ID3":  # skip an ID3v2 tag (syncsafe size)
        size = data[6:10]
        pos = 10 + ((size[0] << 21) | (size[1] << 14) | (size[2] << 7) | size[3])
    rates = []
    while pos + 4 <= len(data):
        (header,) = struct.unpack(">I", data[pos : pos + 4])
        if header >> 21 != 0x7FF:
            break
        version, layer = (header >> 19) & 3, (header >> 17) & 3
        assert version == 3 and layer == 1, f"not MPEG-1 Layer III at byte {pos}"
        kbps = MPEG1_L3_KBPS[(header >> 12) & 15]
        rate = MPEG1_RATES[(header >> 10) & 3]
        padding = (header >> 9) & 1
        rates.append(kbps)
        pos += 144 * kbps * 1000 // rate + padding
    return rates
