"""Render a timeline to a finished file: mix, loudness, true-peak limit, encode.

Two streaming passes over the programme, in blocks of ``BLOCK_S`` seconds:

1. mix the timeline (clips, jingles, bed) to mono and measure its integrated loudness
   (BS.1770-4), its K-weighted energy per ``CHUNK`` samples and its true peak per
   ``CHUNK`` samples; the two per-chunk arrays go to files in ``work_dir``
   (:class:`~bulletin.audio.chunkfile.ChunkFile`), not the mix itself. The true peak is
   gain-independent, so the limiter's gain curve for any gain, and the loudness after
   limiting, follow from these decimated arrays alone: the gain that lands on
   ``target_lufs`` is found on them (:func:`_fit_gain`), no audio touched;
2. mix the timeline again (the mix of any stretch is the same samples every time, see
   :func:`bulletin.audio.mix.mix_blocks`), apply the gain times the limiter's curve,
   encode, and measure the loudness and true peak of exactly what goes into the
   encoder: the report shows measurements, not the prediction.

A long MP3 programme is cut in silence into parts of about ``PART_S`` seconds
(:func:`_plan_parts`; where the cuts fall depends only on the programme). Both passes
run part by part on ``jobs`` processes at once (LAME holds the GIL, so threads would not
help it), the parts' measurements are joined exactly (the meters start where the one
before stopped), and the encoded parts are joined into one gapless MP3
(:mod:`bulletin.audio.mp3join`): the file is the same whatever ``jobs`` is. Other formats
and short programmes are one part, with the mixing and the true-peak meter on threads.

Memory: a few blocks per process and the loudness meters' 24 bytes per 100 ms (0.9 MB
an hour); nothing else grows with the programme. Temporary disk: the two per-chunk
arrays (8 bytes per ``CHUNK`` samples, 40 MB an hour at 44.1 kHz; the energies are
removed after the gain search) and the encoded parts of a long MP3 until they are
joined: about a quarter of the programme as 16-bit PCM (:func:`space_needed`). No mix
is stored: mixing twice took less CPU than writing a float32 mix and reading it back
(21 GB for 33 hours), and the file is the same, byte for byte. The intermediate files
are removed whatever happens.

>>> report = render(timeline, script, clips, Path("out/.release.tmp.mp3"), MasterSettings())
>>> report.integrated_lufs, report.true_peak_dbtp
(-16.02, -1.63)
"""

from __future__ import annotations

import bisect
import contextlib
import itertools
import math
import queue
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Literal, TypeVar

import numpy as np

from bulletin.audio.chunkfile import ChunkFile
from bulletin.audio.encode import FORMATS, Writer, mp3_quality
from bulletin.audio.limiter import ChunkLimiter
from bulletin.audio.loudness import (
    ChunkPeaks,
    LoudnessMeter,
    joined_cuts,
    joined_loudness,
    predicted_loudness,
)
from bulletin.audio.mix import mix_blocks
from bulletin.audio.mp3join import join_parts, junction_samples
from bulletin.audio.timeline import Entry, Timeline
from bulletin.errors import OutputError
from bulletin.lifecycle import temp_tag, temporary_folder
from bulletin.script import Clip, Script
from bulletin.workers import process_pool, share_work

BLOCK_S = 2.0
# Headroom under the ceiling: what encoding adds to peaks (measured on espeak speech with a
# bright bed and jingle: MP3 128k +0.5 dB, Vorbis +0.85 dB) and what a 4x polyphase
# estimate misses on bright content against exact interpolation (up to 0.15 dB).
SAFETY_MARGIN_DB = {"mp3": 0.7, "ogg": 1.5, "wav": 0.2, "flac": 0.2}
# Gain search when the limiter works (on predictions: milliseconds a step): stop within
# FIT_LU of target, at most FIT_STEPS trials.
FIT_LU = 0.01
FIT_STEPS = 8
# How much of a dB of gain is left after limiting, for the first step (then secants):
# about half where espeak speech is limited by 4-6 dB; nearer 1 where it is barely
# limited, and the second step corrects the small overshoot.
FIRST_SLOPE = 0.55
MAX_LIMITING_DB = 12.0
# Analysis resolution: true peak and K-weighted energy are kept per CHUNK samples
# (a 38-minute programme at 44.1 kHz: 3.1M of each, float32).
CHUNK = 32
SEGMENT_CHUNKS = 1 << 18  # the gain search works through the chunks this many at a time
# MP3 parts: about PART_S seconds each (LAME runs some 170x real time on one core, so a
# part is under 2 s of encoding); a cut lies CUT_LEAD_S into a silence that goes on at
# least CUT_ROOM_S after it (room for the junction, at most two frames and the delay).
PART_S = 120.0
CUT_LEAD_S = 0.1
CUT_ROOM_S = 0.15

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
    peak: float  # the largest true peak of the mix
    peaks: ChunkFile  # true peak per chunk (float32, on disk)
    energies: ChunkFile  # K-weighted energy per chunk (float32, on disk)
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


def _mixed(
    timeline: Timeline, script: Script, clips: Sequence[Clip | None], part: _Part, threads: bool
) -> Iterator[tuple[int, np.ndarray]]:
    """The mix of ``[part.start, part.end)`` in blocks of ``BLOCK_S`` from ``part.start``:
    both passes ask for exactly these blocks, so they get the same samples even from a
    decoder that rounds differently after a seek (MP3). With ``threads``, mixed on a
    second thread."""
    block = int(BLOCK_S * timeline.sample_rate)

    def make() -> Iterator[tuple[int, np.ndarray]]:
        return mix_blocks(timeline, script, clips, block, start=part.start, end=part.end)

    return _background(make) if threads else make()


def _analyse_part(
    timeline: Timeline,
    script: Script,
    clips: Sequence[Clip | None],
    part: _Part,
    peaks: ChunkFile,
    energies: ChunkFile,
    threads: bool = False,
    tick: Callable[[int], None] | None = None,
) -> tuple[LoudnessMeter, float]:
    """Pass 1 for one part: mix ``[part.start, part.end)`` and measure its loudness, its
    K-weighted energy per chunk and its true peak per chunk, the last two written into
    ``energies`` and ``peaks`` from chunk ``part.start // CHUNK``; returns the meter and
    the part's largest true peak. With ``threads``, mixing and the true-peak meter run
    on two more threads (15 % faster alone, but more CPU: not when other processes share
    the cores)."""
    rate = timeline.sample_rate
    meter = LoudnessMeter(rate, chunk=CHUNK, start=part.start)
    meter_peaks = ChunkPeaks(CHUNK)
    first = part.start // CHUNK
    top = [0.0]
    with peaks.writer(first) as peak_sink, energies.writer(first) as energy_sink:

        def measure(found: np.ndarray) -> None:
            peak_sink.write(found)
            if found.shape[0]:
                top[0] = max(top[0], float(found.max()))

        peak_meter = _Worker(lambda samples: measure(meter_peaks.add(samples)), threads)
        peak_meter.start()
        blocks = _mixed(timeline, script, clips, part, threads)
        try:
            with contextlib.closing(blocks):
                for _, samples in blocks:
                    peak_meter.put(samples)
                    meter.add(samples)
                    energy_sink.write(meter.take_chunks())
                    if tick:
                        tick(samples.shape[0])
        finally:
            peak_meter.finish()
        peak_meter.check()
        measure(meter_peaks.flush())
        energy_sink.write(meter.take_chunks(last=True))
    return meter, top[0]


def _joined_analysis(
    results: Sequence[tuple[LoudnessMeter, float]], peaks: ChunkFile, energies: ChunkFile
) -> _Analysis:
    """The whole programme's analysis from its parts' (in order)."""
    meters = [meter for meter, _ in results]
    lufs = joined_loudness(meters)
    cut_index, cut_energy = joined_cuts(meters, release=True)  # only these are kept
    return _Analysis(
        lufs=lufs,
        peak=max(top for _, top in results),
        peaks=peaks,
        energies=energies,
        cut_index=cut_index,
        cut_energy=cut_energy,
        samples=meters[-1].samples,
        rate=meters[-1].rate,
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
    on the predicted loudness (milliseconds each) find the gain. The gain stays within
    ``MAX_LIMITING_DB`` of ``gain_db`` (a signal of sparse spikes would otherwise be
    pushed into tens of dB of limiting): such a programme ends up quieter than the
    target, and the report says so.
    """
    lowest, highest = gain_db, gain_db + MAX_LIMITING_DB
    tried: list[tuple[float, float]] = []
    for _ in range(FIT_STEPS):
        lufs = _predicted(analysis, limiter, gain_db)
        if not math.isfinite(lufs):
            return gain_db
        tried.append((gain_db, lufs))
        error = target - lufs
        if abs(error) <= FIT_LU:
            break
        slope = FIRST_SLOPE
        if len(tried) > 1:
            (g0, l0), (g1, l1) = tried[-2], tried[-1]
            if g1 != g0:
                slope = min(1.0, max(0.05, (l1 - l0) / (g1 - g0)))
        gain_db = min(highest, max(lowest, gain_db + error / slope))
        if any(gain_db == g for g, _ in tried):
            break
    return min(tried, key=lambda t: abs(target - t[1]))[0]


class _Worker(threading.Thread):
    """Runs ``consume`` on each block put, on another thread, a bounded queue between
    (numpy's large operations and BLAS release the GIL): the true-peak meter works on one
    block while the next is mixed. With ``threaded=False``, ``put`` consumes at once."""

    def __init__(self, consume: Callable[[np.ndarray], object], threaded: bool = True) -> None:
        super().__init__(daemon=True)
        self.consume = consume
        self.threaded = threaded
        self.queue: queue.Queue[np.ndarray | None] = queue.Queue(maxsize=2)
        self.error: BaseException | None = None

    def start(self) -> None:
        if self.threaded:
            super().start()

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
        if self.threaded:
            self.queue.put(block)
        else:
            self.consume(block)

    def finish(self) -> None:
        """Wait for the blocks put so far (also after an error in the caller)."""
        if self.threaded:
            self.queue.put(None)
            self.join()

    def check(self) -> None:
        if self.error is not None:
            raise self.error


@dataclass(frozen=True)
class _Part:
    """A stretch ``[start, end)`` of the mix encoded as one stream; its first ``skip``
    samples (silence) are left out, as the junction before it plays that long."""

    start: int
    skip: int
    end: int


def _silences(timeline: Timeline) -> tuple[np.ndarray, np.ndarray]:
    """``(cuts, room)``: a possible cut ``CUT_LEAD_S`` into every stretch where nothing
    plays (on a chunk boundary), and how many silent samples follow it; only stretches
    with ``CUT_ROOM_S`` of room after the cut."""
    rate = timeline.sample_rate
    spans = sorted((e.start, e.end) for e in timeline.entries if e.kind != "pause" and e.length)
    cuts, room = [], []
    covered = 0
    for start, end in [*spans, (timeline.length, timeline.length)]:
        if start > covered:
            cut = -(-(covered + int(CUT_LEAD_S * rate)) // CHUNK) * CHUNK
            if start - cut >= int(CUT_ROOM_S * rate):
                cuts.append(cut)
                room.append(start - cut)
        covered = max(covered, end)
    return np.array(cuts, dtype=np.int64), np.array(room, dtype=np.int64)


def _plan_parts(timeline: Timeline, script: Script, settings: MasterSettings) -> list[_Part]:
    """Cut an MP3 programme in silence near every ``PART_S`` seconds (one part when it is
    shorter than two, has a bed under it, or is not MP3). The cuts depend only on the
    programme, never on how many processes work on the parts.

    >>> _plan_parts(timeline, script, MasterSettings())[:2]   # 16-weekly-roundup: 18 parts
    [_Part(start=0, skip=0, end=5581568), _Part(start=5581568, skip=2176, end=10681216)]
    """
    length, rate = timeline.length, timeline.sample_rate
    count = int(length / rate / PART_S)
    whole = [_Part(0, 0, length)]
    if settings.format != "mp3" or count < 2 or script.bed is not None:
        return whole
    cuts, room = _silences(timeline)  # every cut lies before the end
    if not cuts.shape[0]:
        return whole
    quality = mp3_quality(settings.bitrate_kbps)
    parts: list[_Part] = []
    start = skip = 0
    for k in range(1, count):
        i = int(np.argmin(np.abs(cuts - k * length / count)))
        cut = int(cuts[i])
        if cut <= start + skip:
            continue
        try:
            junction = junction_samples(cut - start - skip, rate, settings.channels, quality)
        except ValueError:  # this LAME writes no Info tag: one stream
            return whole
        if junction > int(room[i]):
            continue
        parts.append(_Part(start, skip, cut))
        start, skip = cut, junction
    parts.append(_Part(start, skip, length))
    return parts


def _reblocked(
    blocks: Iterator[tuple[int, np.ndarray]], first: int, size: int
) -> Iterator[tuple[int, np.ndarray]]:
    """The samples of consecutive ``blocks`` from sample ``first`` on, in blocks of
    ``size`` (the last may be shorter).

    >>> [(b0, len(x)) for b0, x in _reblocked(iter([(0, np.zeros(5)), (5, np.zeros(5))]), 2, 3)]
    [(2, 3), (5, 3), (8, 2)]
    """
    pending: list[np.ndarray] = []
    have, at = 0, first
    for b0, x in blocks:
        if b0 + x.shape[0] <= first:
            continue
        if b0 < first:
            x = x[first - b0 :]
        pending.append(x)
        have += x.shape[0]
        while have >= size:
            joined = np.concatenate(pending) if len(pending) > 1 else pending[0]
            yield at, joined[:size]
            at += size
            pending = [joined[size:]]
            have -= size
    if have:
        yield at, np.concatenate(pending)


def _master_part(
    timeline: Timeline,
    script: Script,
    clips: Sequence[Clip | None],
    part: _Part,
    target: str,
    settings: MasterSettings,
    peaks: ChunkFile,
    gain_db: float,
    threads: bool = False,
    tick: Callable[[int], None] | None = None,
) -> tuple[LoudnessMeter, float]:
    """Pass 2 for one part: mix ``[part.start, part.end)`` again, apply the gain and the
    limiting curve, encode to ``target`` (from ``part.start + part.skip``) and measure
    what goes into the encoder; returns its loudness meter (started at ``part.start``,
    see :func:`joined_loudness`) and its largest true peak (linear)."""
    rate = settings.sample_rate
    block = max(CHUNK, int(BLOCK_S * rate) // CHUNK * CHUNK)
    gain = 10.0 ** (gain_db / 20.0)
    limiter = ChunkLimiter(rate, _ceiling(settings), CHUNK)
    loudness = LoudnessMeter(rate, start=part.start)  # mono; stereo is added by the caller
    loudness.add(np.zeros(part.skip, dtype=np.float32))  # the junction: silence
    meter = ChunkPeaks(CHUNK)
    peak = 0.0
    mixed = _mixed(timeline, script, clips, part, threads)
    with (
        contextlib.closing(mixed),
        Writer(
            Path(target),
            settings.format,
            rate,
            channels=settings.channels,
            bitrate_kbps=settings.bitrate_kbps,
            bit_depth=settings.bit_depth,
        ) as writer,
    ):
        # the encoder on this thread: pedalboard's LAME holds the GIL, an encoder thread
        # only adds switching
        for b0, x in _reblocked(mixed, part.start + part.skip, block):
            n = x.shape[0]
            y = x * limiter.sample_gains(peaks, b0, n, gain)
            writer.write(y)
            loudness.add(y)
            peak = max(peak, meter.add_max(y, peak))
            if tick:
                tick(n)
    rest = meter.flush()
    if rest.shape[0]:
        peak = max(peak, float(rest.max()))
    return loudness, peak


class _PartInputs:
    """What mixing a part needs: the timeline entries that play in it (renumbered), their
    script items and clips. A worker is sent a part's worth, not the whole programme
    (pickling a 33-hour programme's script for each of its 1,000 parts would take longer
    than mixing it). A programme under a bed is one part, sent whole (``whole``): the
    bed ducks under all of its speech."""

    def __init__(
        self, timeline: Timeline, script: Script, clips: Sequence[Clip | None], whole: bool
    ) -> None:
        self.timeline, self.script, self.clips, self.whole = timeline, script, clips, whole
        sounding = sorted(
            (e for e in timeline.entries if e.kind != "pause" and e.length > 0),
            key=lambda e: e.start,
        )
        self._entries = sounding
        self._starts = [e.start for e in sounding]
        self._reach = list(itertools.accumulate((e.end for e in sounding), max))

    def of(self, part: _Part) -> tuple[Timeline, Script, list[Clip | None]]:
        """``(timeline, script, clips)`` that mix to the same samples over ``part``."""
        if self.whole:
            return self.timeline, self.script, list(self.clips)
        lo = bisect.bisect_right(self._reach, part.start)  # entries ending after the start
        hi = bisect.bisect_left(self._starts, part.end)  # ... and starting before the end
        chosen = [e for e in self._entries[lo:hi] if e.end > part.start]
        entries = tuple(Entry(i, e.kind, e.start, e.length) for i, e in enumerate(chosen))
        timeline = Timeline(self.timeline.sample_rate, self.timeline.length, entries)
        items = tuple(self.script.items[e.item_index] for e in chosen)
        clips = [self.clips[e.item_index] for e in chosen]
        return timeline, Script(items, bed=self.script.bed), clips


def _run_parts(
    count: int,
    function: Callable[..., T],
    args: Callable[[int], tuple],
    pool: Executor | None,
    sizes: Sequence[int] = (),
    tick: Callable[[int], None] | None = None,
) -> list[T]:
    """``[function(*args(i)) for i in range(count)]``, shared with the pool's workers;
    ``tick(samples)`` as parts here go on (``function`` takes ``tick``) and as workers'
    parts (of ``sizes`` samples) finish."""
    results: list = [None] * count
    here: set[int] = set()

    def run_here(i: int) -> T:
        here.add(i)
        return function(*args(i), tick=tick)

    def done(i: int, result: T) -> None:
        results[i] = result
        if tick and i not in here:
            tick(sizes[i])

    share_work(range(count), run_here, lambda i: (function, args(i)), pool, done)
    return results


def _stage(progress: Callable[[str, int, int], None] | None, stage: str, total: int):
    """A ``tick(samples)`` that reports ``progress(stage, done, total)``; None without one."""
    if progress is None:
        return None
    done = 0
    progress(stage, 0, total)

    def tick(samples: int) -> None:
        nonlocal done
        done += samples
        progress(stage, min(done, total), total)

    return tick


def _ceiling(settings: MasterSettings) -> float:
    """The limiter's ceiling (dBTP): the target less the format's safety margin."""
    return settings.true_peak_dbtp - SAFETY_MARGIN_DB[settings.format]


def render(
    timeline: Timeline,
    script: Script,
    clips: Sequence[Clip | None],
    output: Path,
    settings: MasterSettings,
    work_dir: Path | None = None,
    jobs: int = 1,
    pool: Executor | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    threads: bool = True,
) -> MasterReport:
    """Mix ``timeline``, bring it to ``settings.target_lufs`` under the true-peak ceiling,
    and write ``output`` in ``settings.format``; a long MP3 is encoded in parts by
    ``jobs`` processes (the file is the same whatever ``jobs`` is), the workers of
    ``pool`` when given. ``progress(stage, done, total)`` follows the work in samples:
    stage ``"mastering"`` (mixing and measuring), then ``"encoding"``. ``threads``: a
    programme of one part is mixed and metered on helper threads beside the encoder
    (faster alone, a few per cent more CPU in all); False where other processes keep
    every core busy (a queue worker). The file is the same either way.

    >>> render(tl, script, clips, Path("bulletin.mp3"), MasterSettings()).integrated_lufs
    -16.0
    """
    if settings.sample_rate != timeline.sample_rate:
        raise ValueError(
            f"timeline is at {timeline.sample_rate} Hz but the output is "
            f"{settings.sample_rate} Hz: build the timeline at the output rate"
        )
    rate = timeline.sample_rate
    parts = _plan_parts(timeline, script, settings)
    one = len(parts) == 1
    inputs = _PartInputs(timeline, script, clips, whole=one)
    own = contextlib.ExitStack()  # the work folder, then a pool of its own: closed in turn
    try:
        try:
            work = own.enter_context(temporary_folder(f".master.{temp_tag()}", work_dir))
        except OSError as error:
            where = work_dir if work_dir is not None else tempfile.gettempdir()
            raise OutputError(
                f"{where}: cannot write the intermediate mix ({error.strerror})"
            ) from None
        if pool is None and not one:
            pool = own.enter_context(process_pool(min(jobs, len(parts))))
        chunks = -(-timeline.length // CHUNK)
        peaks = ChunkFile.create(work / "peaks.f32", chunks)
        energies = ChunkFile.create(work / "energies.f32", chunks)
        sizes = [part.end - part.start for part in parts]
        analysis = _joined_analysis(
            _run_parts(
                len(parts),
                _analyse_part,
                lambda i: (*inputs.of(parts[i]), parts[i], peaks, energies, one and threads),
                pool,
                sizes,
                _stage(progress, "mastering", sum(sizes)),
            ),
            peaks,
            energies,
        )
        ceiling = _ceiling(settings)
        # a duplicated stereo pair measures 10*log10(2) dB louder than its mono source
        stereo = 10.0 * math.log10(settings.channels)
        gain_db = 0.0
        if math.isfinite(analysis.lufs):
            gain_db = settings.target_lufs - stereo - analysis.lufs
            peak = analysis.peak
            if peak > 0 and 20.0 * math.log10(peak) + gain_db > ceiling:  # limiter works
                limiter = ChunkLimiter(rate, ceiling, CHUNK)
                gain_db = _fit_gain(analysis, limiter, gain_db, settings.target_lufs - stereo)
        energies.path.unlink()  # pass 2 needs only the peaks: room for the encoded parts
        del analysis  # and none of the rest
        sizes = [part.end - part.start - part.skip for part in parts]
        encoding = _stage(progress, "encoding", sum(sizes))
        if one:
            results = [
                _master_part(
                    timeline,
                    script,
                    clips,
                    parts[0],
                    str(output),
                    settings,
                    peaks,
                    gain_db,
                    threads,
                    encoding,
                )  # fmt: skip
            ]
        else:
            targets = [work / f"part{i}.mp3" for i in range(len(parts))]
            results = _run_parts(
                len(parts),
                partial(_master_part, settings=settings, peaks=peaks, gain_db=gain_db),
                lambda i: (*inputs.of(parts[i]), parts[i], str(targets[i])),
                pool,
                sizes,
                encoding,
            )
            join_parts(targets, output)
    finally:
        own.close()
    top = max(found for _, found in results)
    tp = 20.0 * math.log10(top) if top > 0 else -math.inf
    lufs = joined_loudness([meter for meter, _ in results]) + stereo
    return MasterReport(
        integrated_lufs=lufs,
        true_peak_dbtp=tp,
        duration_s=timeline.length / rate,
        samples=timeline.length,
        sample_rate=rate,
        gain_db=gain_db,
    )


# Bytes each kept per CHUNK samples: the true-peak and energy files on disk; in memory,
# the loudness meters keep 24 bytes (two passes) per 100 ms gating step.
CHUNK_FILE_BYTES = 2 * 4
METER_BYTES_PER_STEP = 24


def encoded_size(duration_s: float, settings: MasterSettings) -> int:
    """An upper bound of the encoded file's size in bytes (tags and cover not included):
    CBR MP3 and Vorbis from the bitrate (Vorbis with room for its variable rate), WAV and
    FLAC as the PCM they hold (FLAC stores a frame verbatim when it cannot compress it).

    >>> encoded_size(3600.0, MasterSettings())      # an hour of 128 kbps MP3
    57723136
    """
    if settings.format in ("wav", "flac"):
        pcm = duration_s * settings.sample_rate * settings.channels * settings.bit_depth // 8
        return int(pcm * 1.01) + 65536
    bits = settings.bitrate_kbps * 1000 * (1.0 if settings.format == "mp3" else 1.5)
    return int(duration_s * bits / 8 * 1.001) + 65536


def space_needed(timeline: Timeline, settings: MasterSettings) -> tuple[int, int]:
    """``(temporary, output)``: bytes :func:`render` may need at most in its work folder
    and beside the output. Temporary: the two per-chunk files, then (the energies
    removed) the true peaks and, for MP3, the encoded parts until they are joined;
    output: the encoded file (:func:`encoded_size`).

    >>> space_needed(Timeline(44100, 2268 * 44100, ()), MasterSettings())  # 37:48
    (48892175, 36389823)
    """
    chunks = -(-timeline.length // CHUNK)
    output = encoded_size(timeline.duration_s, settings)
    parts = output if settings.format == "mp3" else 0
    temporary = max(CHUNK_FILE_BYTES * chunks, CHUNK_FILE_BYTES // 2 * chunks + parts)
    return temporary, output


def check_space(
    timeline: Timeline, settings: MasterSettings, work_dir: Path, out_dir: Path
) -> None:
    """Fail before mastering, with one line naming the folder, when ``work_dir`` (the
    temporary files) or ``out_dir`` (the finished file) has less free space than
    :func:`space_needed` says (both together when they share a file system).

    >>> check_space(timeline, MasterSettings(), Path("/tmp"), Path("out"))
    Traceback (most recent call last):
    bulletin.errors.OutputError: out: not enough free space to master this programme (36.6 MB needed, 12.0 MB free)
    """
    temporary, output = space_needed(timeline, settings)
    need: dict[int, tuple[int, list[str], int]] = {}
    for folder, size in ((Path(work_dir), temporary), (Path(out_dir), output)):
        try:
            device = folder.stat().st_dev
            free = shutil.disk_usage(folder).free
        except OSError as error:
            raise OutputError(f"{folder}: cannot check free space ({error.strerror})") from None
        total, names, _ = need.get(device, (0, [], free))
        need[device] = (total + size, [*names, str(folder)], free)
    for size, names, free in need.values():
        if size > free:
            raise OutputError(
                f"{' and '.join(names)}: not enough free space to master this programme "
                f"({size / 1e6:.1f} MB needed, {free / 1e6:.1f} MB free)"
            )
