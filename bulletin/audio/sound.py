"""Sound files (jingles, beds, clips) read in pieces, as mono, at the output rate.

soundfile reads WAV, FLAC, OGG and MP3 (MP3 gapless: the encoder's priming and padding
are trimmed, so a jingle starts on its first real sample); pedalboard is the fallback for
anything else it can decode. :class:`SoundReader` gives random access to the resampled
signal, so a renderer holds only the block it is working on, never a whole file.

>>> frames, rate, channels = sound_info(Path("jingle.mp3"))
>>> with SoundReader(Path("jingle.mp3"), 48000) as jingle:
...     first_second = jingle.read(0, 48000)      # float32, mono, 48 kHz
"""

from __future__ import annotations

import contextlib
import os
import sys
from functools import lru_cache
from math import gcd
from pathlib import Path
from types import TracebackType

import numpy as np
import soundfile as sf

from bulletin.audio.dsp import firwin, upfirdn
from bulletin.audio.lengths import resampled_length
from bulletin.errors import InputError


def _reason(error: Exception) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return text.replace("\n", " ")


@contextlib.contextmanager
def _decoder_noise_hidden():
    """Keep what C decoders print on file descriptor 2 (mpg123's warnings about a broken
    file) off stderr while a file is opened: the error says it in one line instead."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):
        yield
        return
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


class _Source:
    """A seekable decoded file: ``frames``, ``rate``, ``channels``, ``read(start, n)``."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            why = "a folder, not a sound file" if self.path.is_dir() else "no such file"
            raise InputError(f"{self.path.name}: cannot read audio ({why})")
        self._sf: sf.SoundFile | None = None
        self._pb = None
        try:
            with _decoder_noise_hidden():
                self._sf = sf.SoundFile(str(self.path))
            self.frames = int(self._sf.frames)
            self.rate = int(self._sf.samplerate)
            self.channels = int(self._sf.channels)
        except Exception as sf_error:  # noqa: BLE001 - any decoder failure: try pedalboard
            try:
                from pedalboard.io import AudioFile

                with _decoder_noise_hidden():
                    self._pb = AudioFile(str(self.path))
                self.frames = int(self._pb.frames)
                self.rate = int(round(self._pb.samplerate))
                self.channels = int(self._pb.num_channels)
            except Exception:  # noqa: BLE001
                reason = _reason(sf_error)
                if "does not exist" in reason or "not recognised" in reason:
                    reason = "not a sound file this program can decode, or damaged"
                raise InputError(f"{self.path.name}: cannot read audio ({reason})") from None
        if self.rate <= 0 or self.channels <= 0:
            self.close()
            raise InputError(f"{self.path.name}: cannot read audio (no sample rate)")

    def read(self, start: int, n: int) -> np.ndarray:
        """Mono float32 samples ``[start, start + n)``; zeros outside the file."""
        out = np.zeros(max(0, n), dtype=np.float32)
        lo, hi = max(0, start), min(self.frames, start + n)
        if hi <= lo:
            return out
        try:
            if self._sf is not None:
                self._sf.seek(lo)
                data = self._sf.read(hi - lo, dtype="float32", always_2d=True).T
            else:
                self._pb.seek(lo)
                data = np.asarray(self._pb.read(hi - lo), dtype=np.float32)
        except Exception as error:  # noqa: BLE001
            raise InputError(f"{self.path.name}: cannot read audio ({_reason(error)})") from None
        mono = data[0] if data.shape[0] == 1 else data.mean(axis=0)
        out[lo - start : lo - start + mono.shape[0]] = mono
        return out

    def close(self) -> None:
        for handle in (self._sf, self._pb):
            if handle is not None:
                handle.close()
        self._sf = self._pb = None


def sound_info(path: Path) -> tuple[int, int, int]:
    """``(frames, sample_rate, channels)`` of an audio file, from its header.

    Raises :class:`InputError` ("jingle.mp3: cannot read audio (…)") when the file is
    missing or not audio.

    >>> sound_info(Path("sting.wav"))
    (66150, 44100, 2)
    """
    source = _Source(Path(path))
    try:
        return source.frames, source.rate, source.channels
    finally:
        source.close()


@lru_cache(maxsize=16)
def resample_filter(up: int, down: int) -> np.ndarray:
    """The anti-aliasing low-pass :func:`scipy.signal.resample_poly` designs (Kaiser 5.0)."""
    ratio = max(up, down)
    half = 10 * ratio
    return firwin(2 * half + 1, 1.0 / ratio, 5.0) * up


class SoundReader:
    """Random access to a sound file as mono float32 at ``rate``.

    ``length`` is ``round(frames * rate / file_rate)`` (see
    :func:`bulletin.audio.lengths.resampled_length`); ``read(start, n)`` returns exactly
    ``n`` samples, zeros beyond the end. The result equals
    ``scipy.signal.resample_poly(whole_file, up, down)`` sample for sample, computed only
    over the requested span (plus the filter's reach).
    """

    def __init__(self, path: Path, rate: int) -> None:
        self._source = _Source(Path(path))
        self.path = Path(path)
        self.rate = rate
        self.length = resampled_length(self._source.frames, self._source.rate, rate)
        g = gcd(rate, self._source.rate)
        self._up, self._down = rate // g, self._source.rate // g

    def read(self, start: int, n: int) -> np.ndarray:
        """Samples ``[start, start + n)`` of the resampled signal (float32, mono)."""
        if n <= 0:
            return np.zeros(0, dtype=np.float32)
        up, down = self._up, self._down
        if up == down:
            out = self._source.read(start, n)
            if start + n > self.length:
                out[max(0, self.length - start) :] = 0.0
            return out
        h = resample_filter(up, down)
        delay = (len(h) - 1) // 2
        # y[j] = sum_i x[i] * h[j*down + delay - i*up]; needed inputs for j in [start, start+n)
        i_lo = -(-(start * down + delay - len(h) + 1) // up)
        i_hi = ((start + n - 1) * down + delay) // up
        # Shift i_lo down so that (delay - i_lo*up) is a multiple of down: upfirdn then
        # lands exactly on the wanted output phase.
        if down > 1:
            want = (delay * pow(up, -1, down)) % down
            i_lo -= (i_lo - want) % down
        x = self._source.read(i_lo, i_hi - i_lo + 1).astype(np.float64)
        y = upfirdn(h, x, up, down)
        offset = start + (delay - i_lo * up) // down
        out = np.zeros(n, dtype=np.float32)
        piece = y[offset : offset + n]
        out[: piece.shape[0]] = piece
        if start < 0:
            out[: min(n, -start)] = 0.0
        if start + n > self.length:
            out[max(0, self.length - start) :] = 0.0
        return out

    def close(self) -> None:
        self._source.close()

    def __enter__(self) -> SoundReader:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
