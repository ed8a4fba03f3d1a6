"""Render a timeline to a finished file: mix, loudness, true-peak limit, encode.

Two streaming passes over the programme, in blocks of ``BLOCK_S`` seconds:

1. mix the timeline (clips, jingles, bed) to mono on a second thread, write it to an
   intermediate float32 WAV in ``work_dir``, and measure on the way its integrated
   loudness (BS.1770-4), its K-weighted energy per ``CHUNK`` samples and its true peak
   per ``CHUNK`` samples (a third thread). The true peak is gain-independent, so the
   limiter's gain curve for any gain, and the loudness after limiting, follow from these
   decimated arrays alone: the gain that lands on ``target_lufs`` is found on them in
   milliseconds (:func:`_fit_gain`), no audio touched;
2. read the mix back, apply the gain times the limiter's curve, encode (on a second
   thread), and measure the loudness and true peak of exactly what goes into the
   encoder: the report shows measurements, not the prediction.

Memory: a few blocks, plus two float32 numbers per ``CHUNK`` samples (25 MB for a
38-minute programme at 44.1 kHz). The intermediate file is removed whatever happens.

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
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TypeVar

import numpy as np
import soundfile as sf

from bulletin.audio.encode import FORMATS, Writer
from bulletin.audio.limiter import ChunkLimiter
from bulletin.audio.loudness import ChunkPeaks, LoudnessMeter, predicted_loudness
from bulletin.audio.mix import mix_blocks
from bulletin.audio.timeline import Timeline
from bulletin.errors import OutputError
from bulletin.script import Clip, Script

BLOCK_S = 2.0
# Headroom under the ceiling: what encoding adds to peaks (measured on espeak speech with a
# bright bed and jingle: MP3 128k +0.5 dB, Vorbis +0.85 dB) and what a 4x polyphase
# estimate misses on bright content against exact interpolation (up to 0.15 dB).
SAFETY_MARGIN_DB = {"mp3": 0.7, "ogg": 1.5, "wav": 0.2, "flac": 0.2}
# Gain search when the limiter works (on predictions: milliseconds a step): stop within
# FIT_LU of target, at most FIT_STEPS trials.
FIT_LU = 0.01
FIT_STEPS = 8
# Analysis resolution: true peak and K-weighted energy are kept per CHUNK samples
# (a 38-minute programme at 44.1 kHz: 3.1M of each, float32).
CHUNK = 32
SEGMENT_CHUNKS = 1 << 18  # the gain search works through the chunks this many at a time

T = TypeVar("T")

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


@dataclass(frozen=True)
class _Analysis:
    """What pass 1 learns, all at 1/CHUNK of the sample rate or coarser."""

    lufs: float  # integrated loudness of the mix (mono), measured
    peaks: np.ndarray  # true peak per chunk (float32)
    energies: np.ndarray  # K-weighted energy per chunk (float32)
    cut_index: np.ndarray  # per 100 ms gating boundary: its chunk ...
    cut_energy: np.ndarray  # ... and that chunk's energy before it
    samples: int
    rate: int


def _background(make: Callable[[], Iterator[T]], depth: int = 3) -> Iterator[T]:
    """The items of ``make()``, produced on a second thread (numpy, scipy and soundfile
    release the GIL, so mixing overlaps the analysis). Errors are raised here."""
    items: queue.Queue[tuple[bool, object]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(entry: tuple[bool, object]) -> bool:
        while not stop.is_set():
            try:
                items.put(entry, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def run() -> None:
        iterator = make()
        try:
            for item in iterator:
                if not put((True, item)):
                    return
        except BaseException as error:  # noqa: BLE001 - re-raised in the consumer
            put((False, error))
            return
        finally:
            close = getattr(iterator, "close", None)
            if close is not None:
                close()
        put((False, None))

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    try:
        while True:
            ok, item = items.get()
            if ok:
                yield item  # type: ignore[misc]
            elif item is None:
                return
            else:
                raise item  # type: ignore[misc]
    finally:
        stop.set()
        worker.join()


def _analyse(
    timeline: Timeline, script: Script, clips: Sequence[Clip | None], sink: sf.SoundFile
) -> _Analysis:
    """Pass 1: mix (on a second thread), write the intermediate, and measure loudness,
    K-weighted energy per chunk and true peak per chunk."""
    rate = timeline.sample_rate
    block = int(BLOCK_S * rate)
    meter = LoudnessMeter(rate, chunk=CHUNK)
    peaks = ChunkPeaks(CHUNK)
    envelope = np.zeros(-(-timeline.length // CHUNK), dtype=np.float32)
    done = 0

    def measure(samples: np.ndarray) -> None:
        nonlocal done
        found = peaks.add(samples)
        envelope[done : done + found.shape[0]] = found
        done += found.shape[0]

    peak_meter = _Worker(measure)  # a third thread
    peak_meter.start()
    blocks = _background(lambda: mix_blocks(timeline, script, clips, block))
    try:
        with contextlib.closing(blocks):
            for _, samples in blocks:
                peak_meter.put(samples)
                sink.write(samples)
                meter.add(samples)
    finally:
        peak_meter.finish()
    peak_meter.check()
    rest = peaks.flush()
    envelope[done : done + rest.shape[0]] = rest
    energies, cut_index, cut_energy = meter.chunk_energies()
    return _Analysis(
        lufs=meter.integrated(),
        peaks=envelope,
        energies=energies,
        cut_index=cut_index,
        cut_energy=cut_energy,
        samples=timeline.length,
        rate=rate,
    )


def _predicted(analysis: _Analysis, limiter: ChunkLimiter, gain_db: float) -> float:
    """Integrated loudness (mono LUFS) after ``gain_db`` and limiting, predicted from the
    chunk energies and the limiter's chunk gains: no audio is touched."""
    gain = 10.0 ** (gain_db / 20.0)

    def gains(lo: int, hi: int) -> np.ndarray:
        return limiter.chunk_gains(analysis.peaks, lo, hi, gain) * gain

    return predicted_loudness(
        analysis.energies,
        analysis.cut_index,
        analysis.cut_energy,
        gains,
        analysis.samples,
        analysis.rate,
        SEGMENT_CHUNKS,
    )


def _fit_gain(analysis: _Analysis, limiter: ChunkLimiter, gain_db: float, target: float) -> float:
    """Adjust ``gain_db`` until the limited mix is predicted to measure ``target``.

    Limiting takes loudness off the peaks, more the louder it goes: a few secant steps
    on the predicted loudness (milliseconds each) find the gain.
    """
    tried: list[tuple[float, float]] = []
    for _ in range(FIT_STEPS):
        lufs = _predicted(analysis, limiter, gain_db)
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
                slope = min(1.0, max(0.05, (l1 - l0) / (g1 - g0)))
        gain_db += error / slope
    return min(tried, key=lambda t: abs(target - t[1]))[0]


class _Worker(threading.Thread):
    """Runs ``consume`` on each block put, on another thread, a bounded queue between
    (the codecs, numpy's large operations and BLAS release the GIL): the encoder works on
    one block while the next is limited, the true-peak meter while the next is mixed."""

    def __init__(self, consume: Callable[[np.ndarray], object]) -> None:
        super().__init__(daemon=True)
        self.consume = consume
        self.queue: queue.Queue[np.ndarray | None] = queue.Queue(maxsize=2)
        self.error: BaseException | None = None

    def run(self) -> None:
        while (block := self.queue.get()) is not None:
            if self.error is None:
                try:
                    self.consume(block)
                except BaseException as error:  # noqa: BLE001 - re-raised in the caller
                    self.error = error

    def put(self, block: np.ndarray) -> None:
        if self.error is not None:
            raise self.error
        self.queue.put(block)

    def finish(self) -> None:
        """Wait for the blocks put so far (also after an error in the caller)."""
        self.queue.put(None)
        self.join()

    def check(self) -> None:
        if self.error is not None:
            raise self.error


def _write(
    mix: Path,
    output: Path,
    settings: MasterSettings,
    analysis: _Analysis,
    limiter: ChunkLimiter,
    gain_db: float,
) -> tuple[float, float]:
    """Pass 2: gain and limiting curve, encode, and measure what goes into the encoder;
    returns (integrated LUFS, true peak dBTP), both measured, not predicted."""
    rate, length = settings.sample_rate, analysis.samples
    block = max(CHUNK, int(BLOCK_S * rate) // CHUNK * CHUNK)
    gain = 10.0 ** (gain_db / 20.0)
    loudness = LoudnessMeter(rate)  # mono; a duplicated pair measures 10*log10(2) dB more
    peaks = ChunkPeaks(CHUNK)
    peak = 0.0
    with (
        sf.SoundFile(str(mix)) as sound,
        Writer(
            output,
            settings.format,
            rate,
            channels=settings.channels,
            bitrate_kbps=settings.bitrate_kbps,
            bit_depth=settings.bit_depth,
        ) as writer,
    ):
        encoder = _Worker(writer.write)
        encoder.start()
        try:
            for b0 in range(0, length, block):
                n = min(block, length - b0)
                x = sound.read(n, dtype="float32")
                y = x * limiter.sample_gains(analysis.peaks, b0, n, gain)
                encoder.put(y)
                loudness.add(y)
                found = peaks.add(y)
                if found.shape[0]:
                    peak = max(peak, float(found.max()))
        finally:
            encoder.finish()
        encoder.check()
    rest = peaks.flush()
    if rest.shape[0]:
        peak = max(peak, float(rest.max()))
    tp = 20.0 * math.log10(peak) if peak > 0 else -math.inf
    return loudness.integrated() + 10.0 * math.log10(settings.channels), tp


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
        with sf.SoundFile(
            str(mix), "w", samplerate=rate, channels=1, format="RF64", subtype="FLOAT"
        ) as sink:
            analysis = _analyse(timeline, script, clips, sink)
        ceiling = settings.true_peak_dbtp - SAFETY_MARGIN_DB[settings.format]
        limiter = ChunkLimiter(rate, ceiling, CHUNK)
        # a duplicated stereo pair measures 10*log10(2) dB louder than its mono source
        stereo = 10.0 * math.log10(settings.channels)
        gain_db = 0.0
        if math.isfinite(analysis.lufs):
            gain_db = settings.target_lufs - stereo - analysis.lufs
            peak = float(analysis.peaks.max()) if analysis.peaks.shape[0] else 0.0
            if peak > 0 and 20.0 * math.log10(peak) + gain_db > ceiling:  # limiter works
                gain_db = _fit_gain(analysis, limiter, gain_db, settings.target_lufs - stereo)
        lufs, tp = _write(mix, output, settings, analysis, limiter, gain_db)
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
