"""Output writers: MP3 (CBR) and OGG Vorbis through pedalboard, WAV and FLAC through
soundfile; fed mono float32 blocks, they write mono or a duplicated stereo pair.

>>> with open_writer(Path("out.mp3"), "mp3", 44100, channels=1, bitrate_kbps=128) as w:
...     w.write(block)                        # float32 mono blocks, in order
"""

from __future__ import annotations

import io
import math
from functools import lru_cache
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

import numpy as np
import soundfile as sf

from bulletin.errors import OutputError

FORMATS = ("mp3", "wav", "flac", "ogg")
# Vorbis encodes by quality; pedalboard takes these nominal bitrates (kbps).
VORBIS_RATES = (64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 500)
# LAME's constant bitrates for MPEG-1 Layer III (32, 44.1 and 48 kHz).
MP3_RATES = (32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)


@lru_cache(maxsize=16)
def encoder_scale(fmt: str, rate: int, channels: int, quality: str) -> float:
    """The level the encoder itself puts on its input (1.0: none), measured.

    LAME's presets scale the input down to leave room for coding noise: 0.95 (-0.45 dB)
    at 160 kbps and below, 0.97 at 192, none from 256. The writer divides this out, so
    the decoded file has the loudness that was measured before encoding.

    >>> encoder_scale("mp3", 44100, 1, "128 kbps")
    0.95
    """
    from pedalboard.io import AudioFile

    t = np.arange(rate // 2) / rate
    tone = (0.25 * np.sin(2 * np.pi * 997.0 * t)).astype(np.float32)
    data = np.repeat(tone[np.newaxis, :], channels, axis=0)
    buffer = io.BytesIO()
    with AudioFile(buffer, "w", rate, channels, quality=quality, format=fmt) as sink:
        sink.write(data)
    buffer.seek(0)
    with AudioFile(buffer) as source:
        decoded = source.read(source.frames)[0]
    steady = slice(rate // 8, 3 * rate // 8)  # clear of the priming and the ends
    ratio = math.sqrt(float(np.mean(decoded[steady] ** 2)) / float(np.mean(tone[steady] ** 2)))
    return round(ratio, 3) if 0.5 < ratio < 2.0 else 1.0


def mp3_quality(kbps: int) -> str:
    """pedalboard's name for LAME's constant bitrate: ``mp3_quality(128) == '128 kbps'``."""
    if kbps not in MP3_RATES:
        raise ValueError(f"MP3 bitrate {kbps} kbps: use one of {MP3_RATES}")
    return f"{kbps} kbps"


def vorbis_quality(kbps: int) -> str:
    """The nearest Vorbis setting at or above ``kbps``: ``vorbis_quality(100) == '112 kbps'``."""
    return f"{next((r for r in VORBIS_RATES if r >= kbps), VORBIS_RATES[-1])} kbps"


class Writer:
    """Streams mono float32 blocks into an encoded file."""

    def __init__(
        self,
        path: Path,
        fmt: str,
        rate: int,
        channels: int = 1,
        bitrate_kbps: int = 128,
        bit_depth: int = 16,
    ) -> None:
        if fmt not in FORMATS:
            raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
        if channels not in (1, 2):
            raise ValueError(f"channels must be 1 or 2, not {channels}")
        self.channels = channels
        self._file: BinaryIO | None = None
        self._pb = None
        self._sf: sf.SoundFile | None = None
        self._dither = np.random.default_rng(1770) if bit_depth == 16 else None
        self._lsb = 2.0 ** -(bit_depth - 1)
        self._scale = 1.0  # undoes the encoder's own input scaling (LAME presets)
        try:
            if fmt in ("mp3", "ogg"):
                from pedalboard.io import AudioFile

                if fmt == "mp3":
                    quality = mp3_quality(bitrate_kbps)  # LAME CBR at this bitrate
                else:
                    quality = vorbis_quality(bitrate_kbps)
                # A file object with an explicit format: the path's suffix may be anything
                # (e.g. the caller's ".tmp.mp3" temporary).
                if fmt == "mp3":
                    self._scale = 1.0 / encoder_scale(fmt, rate, channels, quality)
                self._file = open(path, "wb")  # noqa: SIM115 - closed in close()
                self._pb = AudioFile(self._file, "w", rate, channels, quality=quality, format=fmt)
            else:
                if bit_depth not in (16, 24):
                    raise ValueError(f"bit depth must be 16 or 24, not {bit_depth}")
                self._sf = sf.SoundFile(
                    str(path),
                    "w",
                    samplerate=rate,
                    channels=channels,
                    format=fmt.upper(),
                    subtype=f"PCM_{bit_depth}",
                )
        except OSError as error:
            self.close()
            raise OutputError(f"{Path(path).name}: cannot write ({error.strerror})") from None
        except BaseException:
            self.close()
            raise

    def write(self, block: np.ndarray) -> None:
        """Append mono float32 samples."""
        x = np.asarray(block, dtype=np.float32)
        if self._dither is not None and self._sf is not None:
            # TPDF dither of +-1 LSB before soundfile rounds to 16 bits
            tpdf = self._dither.random(x.shape[0]) - self._dither.random(x.shape[0])
            x = (x + tpdf * self._lsb).astype(np.float32)
        if self._pb is not None:
            if self._scale != 1.0:
                x = x * np.float32(self._scale)
            data = np.repeat(x[np.newaxis, :], self.channels, axis=0)
            self._pb.write(data)
        elif self._sf is not None:
            data = x[:, np.newaxis] if self.channels == 1 else np.stack([x, x], axis=1)
            self._sf.write(np.clip(data, -1.0, 1.0 - self._lsb))

    def close(self) -> None:
        """Finish the file (flushes the encoder)."""
        try:
            if self._pb is not None:
                self._pb.close()
            if self._sf is not None:
                self._sf.close()
        finally:
            self._pb = self._sf = None
            if self._file is not None:
                self._file.close()
                self._file = None

    def __enter__(self) -> Writer:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


open_writer = Writer
