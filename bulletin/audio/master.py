"""Render a timeline to a finished file: mix, loudness, true-peak limit, encode.

Two streaming passes over the programme, in blocks of ``BLOCK_S`` seconds:

1. mix the timeline (clips, jingles, bed) to mono, write it to an intermediate float32
   WAV in ``work_dir`` and measure its integrated loudness (BS.1770-4) on the way;
2. read it back, apply the gain that reaches ``target_lufs``, limit true peaks to
   ``true_peak_dbtp`` minus a safety margin, measure the result, and encode it.

Memory stays at a few blocks whatever the programme's length. The intermediate file is
removed whatever happens.

>>> report = render(timeline, script, clips, Path("out/.release.tmp.mp3"), MasterSettings())
>>> report.integrated_lufs, report.true_peak_dbtp
(-16.02, -1.63)
"""

from __future__ import annotations

import contextlib
import math
import os
import queue
import tempfile
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import soundfile as sf

from bulletin.audio.encode import FORMATS, Writer
from bulletin.audio.limiter import Limiter
from bulletin.audio.loudness import LoudnessMeter, TruePeakMeter
from bulletin.audio.mix import mix_blocks
from bulletin.audio.timeline import Timeline
from bulletin.errors import OutputError
from bulletin.script import Clip, Script

BLOCK_S = 2.0
# Headroom under the ceiling: what encoding adds to peaks (measured on espeak speech with a
# bright bed and jingle: MP3 128k +0.5 dB, Vorbis +0.85 dB) and what a 4x polyphase
# estimate misses on bright content against exact interpolation (up to 0.15 dB).
SAFETY_MARGIN_DB = {"mp3": 0.7, "ogg": 1.5, "wav": 0.2, "flac": 0.2}
# Gain search when the limiter works: stop within FIT_LU of target, at most FIT_STEPS trials.
FIT_LU = 0.05
FIT_STEPS = 4

Format = Literal["mp3", "wav", "flac", "ogg"]


@dataclass(frozen=True)
class MasterSettings:
    """How the finished file is made.

    >>> MasterSettings(format="wav", target_lufs=-23.0, sample_rate=48000, channels=2)
    """

    format: Format = "mp3"
    target_lufs: float = -16.0
    true_peak_dbtp: float = -1.0
    sample_rate: int = 44100
    bitrate_kbps: int = 128  # MP3: constant bitrate; OGG: nearest Vorbis quality at or above
    channels: int = 1  # 1 mono, 2 the same signal on both sides
    bit_depth: int = 16  # WAV and FLAC: 16 (with TPDF dither) or 24

    def __post_init__(self) -> None:
        if self.format not in FORMATS:
            raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {self.format!r}")
        if self.channels not in (1, 2):
            raise ValueError(f"channels must be 1 or 2, not {self.channels}")


@dataclass(frozen=True)
class MasterReport:
    """What was made, measured on the final signal (after gain and limiting, before
    encoding). ``integrated_lufs`` is -inf for a silent programme."""

    integrated_lufs: float
    true_peak_dbtp: float
    duration_s: float
    samples: int
    sample_rate: int
    gain_db: float


def _read(sound: sf.SoundFile, start: int, n: int) -> np.ndarray:
    """Samples ``[start, start + n)`` of the intermediate file, zeros outside it."""
    out = np.zeros(n, dtype=np.float64)
    lo, hi = max(0, start), min(sound.frames, start + n)
    if hi > lo:
        sound.seek(lo)
        out[lo - start : hi - start] = sound.read(hi - lo, dtype="float64")
    return out


def _mastered(
    mix: Path, limiter: Limiter, gain_db: float, length: int, rate: int
) -> Iterator[np.ndarray]:
    """The intermediate mix with gain and limiting, block by block."""
    block = int(BLOCK_S * rate)
    c = limiter.context
    gain = 10.0 ** (gain_db / 20.0)
    with sf.SoundFile(str(mix)) as sound:
        for b0 in range(0, length, block):
            n = min(block, length - b0)
            yield limiter.process(_read(sound, b0 - c, n + 2 * c) * gain)


def _loudness_after(mix: Path, limiter: Limiter, gain_db: float, length: int, rate: int) -> float:
    """Integrated loudness (mono) of the mix after gain and limiting; nothing written."""
    meter = LoudnessMeter(rate)
    for y in _mastered(mix, limiter, gain_db, length, rate):
        meter.add(y)
    return meter.integrated()


def _fit_gain(
    mix: Path, limiter: Limiter, gain_db: float, target: float, length: int, rate: int
) -> float:
    """Adjust ``gain_db`` until the limited mix measures ``target`` (mono LUFS).

    Limiting takes loudness off the peaks, more the louder it goes: a few secant steps
    (limiter and meter only, no encoding) find the gain.
    """
    tried: list[tuple[float, float]] = []
    for _ in range(FIT_STEPS):
        lufs = _loudness_after(mix, limiter, gain_db, length, rate)
        if not math.isfinite(lufs):
            return gain_db
        tried.append((gain_db, lufs))
        error = target - lufs
        if abs(error) <= FIT_LU:
            break
        slope = 1.0
        if len(tried) > 1:
            (g0, l0), (g1, l1) = tried[-2], tried[-1]
            if g1 != g0:
                slope = min(1.0, max(0.2, (l1 - l0) / (g1 - g0)))
        gain_db += error / slope
    return min(tried, key=lambda t: abs(target - t[1]))[0]


class _Encoder(threading.Thread):
    """Encodes blocks on a second thread (the codecs release the GIL), a bounded queue
    between: the limiter works on the next block while the last one is encoded."""

    def __init__(self, writer: Writer) -> None:
        super().__init__(daemon=True)
        self.writer = writer
        self.queue: queue.Queue[np.ndarray | None] = queue.Queue(maxsize=2)
        self.error: BaseException | None = None

    def run(self) -> None:
        while (block := self.queue.get()) is not None:
            if self.error is None:
                try:
                    self.writer.write(block)
                except BaseException as error:  # noqa: BLE001 - re-raised in the caller
                    self.error = error

    def put(self, block: np.ndarray | None) -> None:
        if self.error is not None:
            raise self.error
        self.queue.put(block)


def _write(
    mix: Path,
    output: Path,
    settings: MasterSettings,
    limiter: Limiter,
    gain_db: float,
    length: int,
) -> tuple[float, float]:
    """Gain, limit, measure and encode; returns (integrated LUFS, true peak dBTP)."""
    rate = settings.sample_rate
    loudness = LoudnessMeter(rate)  # mono; a duplicated pair measures 10*log10(2) dB more
    peak = TruePeakMeter()
    with Writer(
        output,
        settings.format,
        rate,
        channels=settings.channels,
        bitrate_kbps=settings.bitrate_kbps,
        bit_depth=settings.bit_depth,
    ) as writer:
        encoder = _Encoder(writer)
        encoder.start()
        try:
            for y in _mastered(mix, limiter, gain_db, length, rate):
                encoder.put(y)
                peak.add(y)
                loudness.add(y)
        finally:
            encoder.queue.put(None)
            encoder.join()
        if encoder.error is not None:
            raise encoder.error
    return loudness.integrated() + 10.0 * math.log10(settings.channels), peak.dbtp()


def render(
    timeline: Timeline,
    script: Script,
    clips: Sequence[Clip | None],
    output: Path,
    settings: MasterSettings,
    work_dir: Path | None = None,
) -> MasterReport:
    """Mix ``timeline``, bring it to ``settings.target_lufs`` under the true-peak ceiling,
    and write ``output`` in ``settings.format``.

    >>> render(tl, script, clips, Path("bulletin.mp3"), MasterSettings()).integrated_lufs
    -16.0
    """
    if settings.sample_rate != timeline.sample_rate:
        raise ValueError(
            f"timeline is at {timeline.sample_rate} Hz but the output is "
            f"{settings.sample_rate} Hz: build the timeline at the output rate"
        )
    rate = timeline.sample_rate
    block = int(BLOCK_S * rate)
    try:
        fd, name = tempfile.mkstemp(prefix=".mix.", suffix=".wav", dir=work_dir)
    except OSError as error:
        where = work_dir if work_dir is not None else tempfile.gettempdir()
        raise OutputError(
            f"{where}: cannot write the intermediate mix ({error.strerror})"
        ) from None
    os.close(fd)
    mix = Path(name)
    try:
        meter = LoudnessMeter(rate)
        peaks = TruePeakMeter()
        with sf.SoundFile(
            str(mix), "w", samplerate=rate, channels=1, format="RF64", subtype="FLOAT"
        ) as sink:
            for _, samples in mix_blocks(timeline, script, clips, block):
                sink.write(samples)
                meter.add(samples)
                peaks.add(samples)
        mono_lufs = meter.integrated()
        ceiling = settings.true_peak_dbtp - SAFETY_MARGIN_DB[settings.format]
        limiter = Limiter(rate, ceiling)
        # a duplicated stereo pair measures 10*log10(2) dB louder than its mono source
        stereo = 10.0 * math.log10(settings.channels)
        gain_db = 0.0
        if math.isfinite(mono_lufs):
            gain_db = settings.target_lufs - stereo - mono_lufs
            if peaks.dbtp() + gain_db > ceiling:  # the limiter will work: find the gain
                gain_db = _fit_gain(
                    mix, limiter, gain_db, settings.target_lufs - stereo, timeline.length, rate
                )
        lufs, tp = _write(mix, output, settings, limiter, gain_db, timeline.length)
    finally:
        with contextlib.suppress(FileNotFoundError):
            mix.unlink()
    return MasterReport(
        integrated_lufs=lufs,
        true_peak_dbtp=tp,
        duration_s=timeline.length / rate,
        samples=timeline.length,
        sample_rate=rate,
        gain_db=gain_db,
    )
