"""Streaming loudness (ITU-R BS.1770-4 integrated, gated) and true-peak meters.

Both take a signal block by block and keep only a few numbers per 100 ms, so a
programme of any length is measured in constant memory. The loudness meter matches
``pyloudnorm.Meter(rate).integrated_loudness`` (same K-weighting design, same block
boundaries, same gates) on a whole signal.

>>> meter = LoudnessMeter(44100)
>>> for block in blocks:                 # float arrays, mono (n,) or (channels, n)
...     meter.add(block)
>>> meter.integrated()                   # LUFS; -inf when silent or shorter than 400 ms
-16.02
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Callable, Sequence
from functools import lru_cache

import numpy as np

from bulletin.audio.dsp import firwin, sosfilt

BLOCK_S = 0.4  # gating block (T_g)
OVERLAP = 0.75
ABSOLUTE_GATE = -70.0
RELATIVE_GATE = -10.0
CHANNEL_WEIGHTS = (1.0, 1.0, 1.0, 1.41, 1.41)  # L, R, C, Ls, Rs
OVERSAMPLE = 4  # true peak: BS.1770-4 Annex 2
SUBNORMAL_GUARD = 1e-12  # added before K-weighting (see LoudnessMeter.add)
GATE_SEGMENT = 1 << 16  # gating blocks measured at a time (1.8 hours of signal)


def k_weighting(rate: float) -> np.ndarray:
    """The K-weighting filter as second-order sections at ``rate``.

    Stage 1: high shelf +4 dB at 1500 Hz, Q 1/sqrt(2); stage 2: high-pass 38 Hz, Q 0.5
    (RBJ cookbook designs, as pyloudnorm computes them for any rate).

    >>> k_weighting(48000).shape
    (2, 6)
    """
    # high shelf
    a_ = 10 ** (4.0 / 40.0)
    w0 = 2.0 * math.pi * 1500.0 / rate
    alpha = math.sin(w0) / (2.0 * (1 / math.sqrt(2)))
    cos, sq = math.cos(w0), math.sqrt(a_)
    shelf_b = [
        a_ * ((a_ + 1) + (a_ - 1) * cos + 2 * sq * alpha),
        -2 * a_ * ((a_ - 1) + (a_ + 1) * cos),
        a_ * ((a_ + 1) + (a_ - 1) * cos - 2 * sq * alpha),
    ]
    shelf_a = [
        (a_ + 1) - (a_ - 1) * cos + 2 * sq * alpha,
        2 * ((a_ - 1) - (a_ + 1) * cos),
        (a_ + 1) - (a_ - 1) * cos - 2 * sq * alpha,
    ]
    # high pass
    w0 = 2.0 * math.pi * 38.0 / rate
    alpha = math.sin(w0) / (2.0 * 0.5)
    cos = math.cos(w0)
    pass_b = [(1 + cos) / 2, -(1 + cos), (1 + cos) / 2]
    pass_a = [1 + alpha, -2 * cos, 1 - alpha]
    sections = []
    for b, a in ((shelf_b, shelf_a), (pass_b, pass_a)):
        sections.append([v / a[0] for v in b] + [v / a[0] for v in a])
    return np.array(sections)


def _as_channels(block: np.ndarray) -> np.ndarray:
    block = np.asarray(block, dtype=np.float64)
    return block[np.newaxis, :] if block.ndim == 1 else block


def _bounds(first: int, last: int, rate: int) -> np.ndarray:
    """Gating grid boundaries ``B_k`` for ``k`` in ``[first, last)``: block ``j`` is
    ``[B_j, B_{j+4})`` (400 ms blocks, 100 ms hop), computed in the same floating-point
    steps as pyloudnorm (``int(T_g * (j * step + 1) * rate)`` is ``B_{j+4}``)."""
    k = np.arange(first, last, dtype=np.float64)
    return np.floor((BLOCK_S * (k * (1.0 - OVERLAP))) * rate).astype(np.int64)


def _bound(k: int, rate: int) -> int:
    """``B_k`` of :func:`_bounds`, one at a time (Python floats: the same steps)."""
    return int(BLOCK_S * (k * (1.0 - OVERLAP)) * rate)


def gated_loudness(totals: np.ndarray, samples: int, rate: int) -> float:
    """Integrated loudness (LUFS) from cumulative K-weighted energies at the grid.

    ``totals[k]`` (shape ``(K, channels)`` or ``(K,)``) is the weighted sum of squares of
    samples ``[0, min(B_k, samples))``; at least every ``B_k <= samples`` plus one entry
    for the whole signal. Blocks running past the end stop at the last sample, as
    pyloudnorm's slices do; -inf when silent or shorter than 400 ms.
    """
    if samples < BLOCK_S * rate:
        return -math.inf
    totals = np.asarray(totals, dtype=np.float64)
    if totals.ndim == 1:
        totals = totals[:, np.newaxis]
    step = 1.0 - OVERLAP
    count = int(np.round((samples / rate - BLOCK_S) / (BLOCK_S * step))) + 1
    hop = int(round(1.0 / step))  # a block spans this many grid steps
    last = totals.shape[0] - 1  # boundaries past the end: the whole signal
    weights = np.array(CHANNEL_WEIGHTS[: totals.shape[1]])

    def gated_sum(relative: float | None) -> tuple[float, int]:
        """Sum and number of the block powers within the absolute gate (and above
        ``relative`` when given), ``GATE_SEGMENT`` blocks at a time: nothing the size
        of ``totals`` is made (for fewer blocks, the same sums as the whole at once)."""
        total, number = 0.0, 0
        for lo in range(0, count, GATE_SEGMENT):
            hi = min(count, lo + GATE_SEGMENT)
            starts = np.minimum(np.arange(lo, hi), last)
            ends = np.minimum(np.arange(lo + hop, hi + hop), last)
            z = (totals[ends] - totals[starts]) / (BLOCK_S * rate)
            power = z @ weights
            with np.errstate(divide="ignore", invalid="ignore"):
                block_lufs = -0.691 + 10.0 * np.log10(power)
            if relative is None:
                gated = block_lufs >= ABSOLUTE_GATE
            else:
                gated = (block_lufs > relative) & (block_lufs > ABSOLUTE_GATE)
            total += float(power[gated].sum())
            number += int(np.count_nonzero(gated))
        return total, number

    total, number = gated_sum(None)
    if not number:
        return -math.inf
    relative = -0.691 + 10.0 * np.log10(total / number) + RELATIVE_GATE
    total, number = gated_sum(relative)
    if not number:
        return -math.inf
    return float(-0.691 + 10.0 * np.log10(total / number))


class LoudnessMeter:
    """BS.1770-4 integrated loudness, fed block by block.

    Memory: one cumulative energy per channel per 100 ms step (8 bytes each: 0.3 MB an
    hour a channel), nothing per sample. With ``chunk`` (mono only) it also gives, for
    the limiter's loudness prediction, the K-weighted energy of every ``chunk`` samples
    (float32, 1/``chunk`` of the signal) and where the gating grid cuts into them
    (16 bytes per 100 ms step): see :meth:`chunk_energies`. The chunk energies are the
    one part that grows with the signal at the sample rate (5 MB an hour at 44.1 kHz
    with 32-sample chunks): a long programme's are taken away as they come
    (:meth:`take_chunks`) and kept on disk.
    """

    def __init__(self, rate: int, channels: int = 1, chunk: int = 0, start: int = 0) -> None:
        if not 1 <= channels <= len(CHANNEL_WEIGHTS):
            raise ValueError(f"loudness meter: {channels} channels (1 to 5 supported)")
        if chunk and (channels != 1 or start % chunk):
            raise ValueError("loudness meter: chunk energies are kept for mono, from a chunk")
        self.rate = rate
        self.channels = channels
        self.start = start  # the signal's first sample is sample ``start`` of the programme
        self.samples = start
        self._sos = k_weighting(rate)
        self._zi = np.zeros((channels, self._sos.shape[0], 2))
        self._total = np.zeros(channels)  # sum of squares of samples [start, self.samples)
        # ... and at each grid boundary B_k in (start, samples] crossed (B_0 when from 0),
        # channels after each other (compact: 8 bytes a number, not a Python object)
        self._totals = array("d", [] if start else [0.0] * channels)
        # index of the next grid boundary to cross: B_k is within a sample of k * 0.1 * rate
        # (never above it), so every k below ``start // step - 1`` has B_k <= start
        self._next = max(1, int(start // (BLOCK_S * (1.0 - OVERLAP) * rate)) - 1)
        while _bound(self._next, rate) <= start:
            self._next += 1
        self._next_bound = _bound(self._next, rate)
        self.chunk = chunk
        self._chunks: list[np.ndarray] = []  # energies of whole chunks, in order
        self._taken = 0  # whole chunks already handed out by take_chunks
        self._chunk_acc = 0.0  # energy of the current, unfinished chunk so far
        self._chunk_pos = 0  # samples in the current chunk so far
        # per crossed boundary B_k: chunk B_k // chunk, and energy of [chunk start, B_k)
        self._cut_index = array("q", [] if start else [0])
        self._cut_energy = array("d", [] if start else [0.0])

    def add(self, block: np.ndarray) -> None:
        """Feed the next ``block`` (shape ``(n,)`` mono or ``(channels, n)``)."""
        x = _as_channels(block)
        if x.shape[0] != self.channels:
            raise ValueError(f"loudness meter: expected {self.channels} channels")
        n = x.shape[1]
        if n == 0:
            return
        sq = np.empty_like(x)
        for ch in range(self.channels):
            # A constant far below hearing keeps the filter state out of subnormal numbers
            # after digital silence (they make sosfilt some 20 times slower); the high-pass
            # stage removes it, so the energies change by about 1e-24.
            weighted, self._zi[ch] = sosfilt(self._sos, x[ch] + SUBNORMAL_GUARD, zi=self._zi[ch])
            np.multiply(weighted, weighted, out=sq[ch])
        cum = np.cumsum(sq, axis=1)
        start, end = self.samples, self.samples + n
        chunk_acc = self._chunk_acc  # energy of [chunk start, start) for the chunk at start
        while self._next_bound <= end:
            at = self._next_bound
            self._totals.extend(self._total + cum[:, at - start - 1])
            if self.chunk:
                first = at - at % self.chunk
                part = cum[0, at - start - 1]
                if first > start:
                    part -= cum[0, first - start - 1]
                elif first < start:
                    part += chunk_acc
                self._cut_index.append(at // self.chunk)
                self._cut_energy.append(float(part))
            self._next += 1
            self._next_bound = _bound(self._next, self.rate)
        self._total = self._total + cum[:, -1]
        self.samples = end
        if self.chunk:
            self._add_chunks(sq[0])

    def _add_chunks(self, sq: np.ndarray) -> None:
        c, n, i = self.chunk, sq.shape[0], 0
        if self._chunk_pos:
            i = min(c - self._chunk_pos, n)
            self._chunk_acc += float(sq[:i].sum())
            self._chunk_pos += i
            if self._chunk_pos == c:
                self._chunks.append(np.array([self._chunk_acc], dtype=np.float32))
                self._chunk_acc, self._chunk_pos = 0.0, 0
        whole = (n - i) // c
        if whole:
            sums = sq[i : i + whole * c].reshape(whole, c).sum(axis=1)
            self._chunks.append(sums.astype(np.float32))
            i += whole * c
        if i < n:
            self._chunk_acc = float(sq[i:].sum())
            self._chunk_pos = n - i

    def chunk_energies(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(energies, cut_index, cut_energy)`` of everything fed so far (``chunk`` set).

        ``energies[i]``: K-weighted sum of squares of samples ``[i * chunk, (i + 1) *
        chunk)`` (the last chunk may be short); per grid boundary ``B_k <= samples``,
        the chunk it falls in and the energy of that chunk before it. So the cumulative
        energy at ``B_k`` is ``energies[:cut_index[k]].sum() + cut_energy[k]``, and with a
        gain per chunk the loudness of the gained signal follows
        (:func:`predicted_loudness`).
        """
        return joined_chunk_energies([self])

    def take_chunks(self, last: bool = False) -> np.ndarray:
        """The energies of the whole chunks completed since the last call (float32), no
        longer kept here; with ``last``, also the unfinished chunk at the end (the
        signal's last chunk may be short). :meth:`chunk_energies` then covers only what
        was not taken, so call one or the other.

        >>> meter = LoudnessMeter(44100, chunk=32)
        >>> meter.add(np.ones(100)); meter.take_chunks().shape, meter.take_chunks(True).shape
        ((3,), (1,))
        """
        if not self.chunk:
            raise ValueError("loudness meter: made without chunk")
        parts = self._chunks
        if last and self._chunk_pos:
            parts = [*parts, np.array([self._chunk_acc], dtype=np.float32)]
        self._chunks = []
        taken = np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)
        self._taken += taken.shape[0]
        return taken

    def _chunk_parts(self) -> tuple[list[np.ndarray], array, array]:
        if self._taken:
            raise ValueError("loudness meter: chunk energies were taken")
        parts = list(self._chunks)
        if self._chunk_pos:
            parts.append(np.array([self._chunk_acc], dtype=np.float32))
        return parts, self._cut_index, self._cut_energy

    def integrated(self) -> float:
        """Integrated loudness in LUFS of everything fed so far (-inf: silent or < 400 ms)."""
        return joined_loudness([self])


def joined_loudness(meters: Sequence[LoudnessMeter]) -> float:
    """Integrated loudness (LUFS) of one signal measured in consecutive pieces: each
    meter started (``start=``) where the one before it stopped (silence before the first).

    Exact when each piece begins in silence (the K-weighting filter's memory is a few
    milliseconds): the parts of a programme cut in silence, measured by separate
    processes, give the loudness of the whole.

    >>> a, b = LoudnessMeter(44100), LoudnessMeter(44100, start=len(first))
    >>> a.add(first); b.add(second)
    >>> joined_loudness([a, b])         # as one meter fed ``first``, then ``second``
    -16.02
    """
    first = meters[0]
    position, base = first.start, np.zeros(first.channels)
    crossed = 0  # grid boundaries B_k <= the first start: silence before it, energy 0
    while position and _bound(crossed, first.rate) <= position:
        crossed += 1
    steps = crossed + sum(len(meter._totals) // meter.channels for meter in meters)
    totals = np.zeros((steps + 1, first.channels))
    at = crossed
    for meter in meters:
        if meter.start != position:
            raise ValueError(f"loudness meters: a piece starts at {meter.start}, not {position}")
        own = np.frombuffer(meter._totals, dtype=np.float64).reshape(-1, meter.channels)
        np.add(own, base, out=totals[at : at + own.shape[0]])
        at += own.shape[0]
        base = base + meter._total
        position = meter.samples
    totals[at] = base
    return gated_loudness(totals, position, first.rate)


def joined_chunk_energies(
    meters: Sequence[LoudnessMeter],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:meth:`LoudnessMeter.chunk_energies` of one signal measured in consecutive pieces
    (as :func:`joined_loudness`; each piece starts on a chunk boundary)."""
    energies: list[np.ndarray] = []
    for meter in meters:
        if not meter.chunk:
            raise ValueError("loudness meter: made without chunk")
        energies += meter._chunk_parts()[0]
    return (
        np.concatenate(energies) if energies else np.zeros(0, dtype=np.float32),
        *joined_cuts(meters),
    )


def joined_cuts(
    meters: Sequence[LoudnessMeter], release: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """``(cut_index, cut_energy)`` of :func:`joined_chunk_energies`, without the chunk
    energies themselves (which may have been taken, see :meth:`LoudnessMeter.take_chunks`).
    With ``release``, each meter lets go of its own as they are copied (a 33-hour
    programme's are 19 MB: never held twice); the meters then have none."""
    if not all(meter.chunk for meter in meters):
        raise ValueError("loudness meter: made without chunk")
    total = sum(len(meter._cut_index) for meter in meters)
    index, energy = np.empty(total, dtype=np.int64), np.empty(total, dtype=np.float64)
    at = 0
    for meter in meters:
        n = len(meter._cut_index)
        index[at : at + n] = np.frombuffer(meter._cut_index, dtype=np.int64)
        energy[at : at + n] = np.frombuffer(meter._cut_energy, dtype=np.float64)
        at += n
        if release:
            meter._cut_index, meter._cut_energy = array("q"), array("d")
    return index, energy


def predicted_loudness(
    energies: np.ndarray,
    cut_index: np.ndarray,
    cut_energy: np.ndarray,
    gains: Callable[[int, int], np.ndarray],
    samples: int,
    rate: int,
    segment: int = 1 << 18,
) -> float:
    """Integrated loudness (mono LUFS) of a signal whose chunks are scaled by gains, from
    its chunk energies (:meth:`LoudnessMeter.chunk_energies`): each chunk's energy times
    its gain squared, gated on the BS.1770 grid. ``gains(lo, hi)`` gives the gains of
    chunks ``[lo, hi)``; they are asked for ``segment`` chunks at a time, so nothing of
    the programme's length is made beyond what the caller keeps.

    Exact for gains constant over each chunk; for a smooth gain curve sampled at chunk
    centres, within a few hundredths of an LU of measuring the gained signal.
    """
    count = energies.shape[0]
    totals = np.empty(cut_index.shape[0] + 1)
    base = 0.0  # energy of the chunks before the segment
    for lo in range(0, count, segment):
        hi = min(count, lo + segment)
        g2 = np.square(gains(lo, hi), dtype=np.float64)
        cumulative = np.cumsum(energies[lo:hi] * g2, dtype=np.float64)
        cumulative = np.concatenate([[0.0], cumulative]) + base
        first, last = np.searchsorted(cut_index, [lo, hi])
        at = cut_index[first:last] - lo
        totals[first:last] = cumulative[at] + cut_energy[first:last] * g2[at]
        base = float(cumulative[-1])
    ends = cut_index >= count  # a boundary at the very end: nothing of its chunk before it
    totals[:-1][ends] = base
    totals[-1] = base
    return gated_loudness(totals, samples, rate)


@lru_cache(maxsize=1)
def _oversampler() -> tuple[np.ndarray, float, int]:
    """The 4x interpolation filter, its bound (largest L1 norm of a phase: no interpolated
    value exceeds ``bound * max|x|`` nearby), and its reach in input samples.

    A 97-tap Kaiser low-pass (24 taps a phase). BS.1770-4 Annex 2 gives a 48-tap filter
    as the minimum; that one under-reads bright content (jingles, beds with energy near
    Nyquist) by up to 0.3 dB against exact interpolation, this one by under 0.05 dB.
    """
    h = firwin(24 * OVERSAMPLE + 1, 1.0 / OVERSAMPLE, 5.0) * OVERSAMPLE
    bound = max(float(np.abs(h[p::OVERSAMPLE]).sum()) for p in range(OVERSAMPLE))
    reach = len(h) // OVERSAMPLE + 2
    return h, bound, reach


@lru_cache(maxsize=8)
def _frame_filter(chunk: int) -> np.ndarray:
    """The 4x interpolator as one matrix for a frame of ``chunk`` samples.

    Row ``e`` of a frame holds input sample ``start - REACH + e`` (``chunk + 2 * REACH``
    of them); column ``4 * r + q`` gives the interpolated value at ``start + r + q / 4``,
    exactly what ``upfirdn(h, x, 4)`` computes there. A whole block of frames is then one
    matrix product (BLAS), instead of a 97-tap polyphase loop per sample.
    """
    h, _, _ = _oversampler()
    delay = (len(h) - 1) // 2
    half = delay // OVERSAMPLE
    t = np.zeros((chunk + 2 * half, OVERSAMPLE * chunk))
    for r in range(chunk):
        for q in range(OVERSAMPLE):
            for d in range(-half, half + 1):  # value at r + q/4 = sum_d h[4d + q + delay] x[r - d]
                tap = OVERSAMPLE * d + q + delay
                if 0 <= tap < len(h):
                    t[r - d + half, OVERSAMPLE * r + q] = h[tap]
    return np.ascontiguousarray(t.T.astype(np.float32))


PEAK_REACH = 12  # input samples either side that the interpolator reads (97 taps / 4 / 2)
BATCH = 32  # chunks per matrix product


class ChunkPeaks:
    """Streaming true peak per chunk: for every ``chunk`` samples the largest magnitude of
    the 4x-oversampled signal over them (sample values included), as BS.1770-4 Annex 2
    measures it with the 97-tap filter of :func:`_oversampler`.

    It is gain-independent (the peaks of ``g * x`` are ``g`` times these), so one pass
    gives the limiter all it needs for any gain. Blocks may have any size; the result
    does not depend on them.

    >>> peaks = ChunkPeaks(32)
    >>> env = np.concatenate([peaks.add(b) for b in blocks] + [peaks.flush()])
    """

    def __init__(self, chunk: int) -> None:
        self.chunk = chunk
        self.samples = 0
        self._matrix = _frame_filter(chunk)  # (4 * chunk, chunk + 2 * REACH), float32
        self._buf = np.zeros(PEAK_REACH, dtype=np.float32)  # from (done chunks) - REACH
        self._done = 0  # chunks measured

    def _peaks(self, buf: np.ndarray, count: int, last: int = 0) -> np.ndarray:
        """Peaks of ``count`` chunks from ``buf`` (which starts ``REACH`` samples before
        the first); with ``last``, only that many samples of the last chunk count."""
        c, width = self.chunk, self.chunk + 2 * PEAK_REACH
        batches = -(-count // BATCH)
        need = batches * BATCH * c + 2 * PEAK_REACH
        source = np.zeros(need, dtype=np.float32)
        take = min(need, buf.shape[0])
        source[:take] = buf[:take]
        size = source.itemsize
        # frames[b, e, j]: sample e of the frame of chunk b * BATCH + j
        frames = np.ascontiguousarray(
            np.lib.stride_tricks.as_strided(
                source, (batches, width, BATCH), (BATCH * c * size, size, c * size)
            )
        )
        # (4c, width) @ (width, BATCH) per batch: small products that OpenBLAS keeps on
        # one thread (one large product spreads over every core, where it fights the
        # encoder thread and spins)
        values = np.matmul(self._matrix, frames)  # (batches, 4c, BATCH)
        if last:  # the last chunk is short: silence after the end is not measured
            values[(count - 1) // BATCH, OVERSAMPLE * last :, (count - 1) % BATCH] = 0.0
        np.abs(values, out=values)
        while values.shape[1] > 1:  # max over the phases, halving (faster than .max)
            half = values.shape[1] // 2
            top = np.maximum(values[:, :half], values[:, half : 2 * half])
            if values.shape[1] % 2:
                top[:, 0] = np.maximum(top[:, 0], values[:, -1])
            values = top
        return values.reshape(-1)[:count]

    def add(self, block: np.ndarray) -> np.ndarray:
        """Feed mono samples; returns the peaks of the chunks now complete (with context)."""
        x = np.asarray(block, dtype=np.float32).reshape(-1)
        self.samples += x.shape[0]
        buf = np.concatenate([self._buf, x])
        count = max(0, (buf.shape[0] - 2 * PEAK_REACH) // self.chunk)
        if count == 0:
            self._buf = buf
            return np.zeros(0, dtype=np.float32)
        peaks = self._peaks(buf, count)
        self._buf = buf[count * self.chunk :]
        self._done += count
        return peaks

    def add_max(self, block: np.ndarray, floor: float) -> float:
        """Feed mono samples; the largest true peak of the chunks now complete, or 0.0
        when none can exceed ``floor`` (the caller's largest so far).

        Only chunks that might exceed ``floor`` are interpolated: no interpolated value
        exceeds the filter's bound (:func:`_oversampler`) times the largest sample the
        interpolator reads, so the rest are skipped on their sample maxima alone.

        >>> top = 0.0
        >>> for b in blocks:
        ...     top = max(top, peaks.add_max(b, top))
        >>> top = max(top, float(peaks.flush().max(initial=0.0)))
        """
        x = np.asarray(block, dtype=np.float32).reshape(-1)
        self.samples += x.shape[0]
        buf = np.concatenate([self._buf, x])
        c = self.chunk
        count = max(0, (buf.shape[0] - 2 * PEAK_REACH) // c)
        if count == 0:
            self._buf = buf
            return 0.0
        # largest |sample| the interpolator reads for each chunk (reach < chunk: the
        # chunk itself and its neighbours, the edges from the context either side)
        own = np.abs(buf[PEAK_REACH : PEAK_REACH + count * c]).reshape(count, c).max(axis=1)
        before = float(np.abs(buf[:PEAK_REACH]).max(initial=0.0))
        after = float(np.abs(buf[PEAK_REACH + count * c : 2 * PEAK_REACH + count * c]).max())
        reach = own.copy()
        np.maximum(reach[1:], own[:-1], out=reach[1:])
        np.maximum(reach[:-1], own[1:], out=reach[:-1])
        reach[0] = max(reach[0], before)
        reach[-1] = max(reach[-1], after)
        _, bound, _ = _oversampler()
        chosen = np.flatnonzero(reach * bound > floor)
        top = 0.0
        if chosen.shape[0]:
            size, width = buf.itemsize, c + 2 * PEAK_REACH
            frames = np.zeros((-(-chosen.shape[0] // BATCH) * BATCH, width), dtype=np.float32)
            frames[: chosen.shape[0]] = np.lib.stride_tricks.as_strided(
                buf, (count, width), (c * size, size), writeable=False
            )[chosen]
            # (4c, width) @ (width, BATCH) per batch: kept on one thread, as in _peaks
            batches = frames.reshape(-1, BATCH, width).transpose(0, 2, 1)
            top = float(np.abs(np.matmul(self._matrix, batches)).max())
        self._buf = buf[count * c :]
        self._done += count
        return top

    def flush(self) -> np.ndarray:
        """The peaks of the remaining chunks, silence after the end (the last chunk may be
        short: only its own samples count). Leaves the state as it was."""
        c = self.chunk
        left = self.samples - self._done * c  # samples not yet measured
        if left <= 0:
            return np.zeros(0, dtype=np.float32)
        count = -(-left // c)
        buf = np.zeros(count * c + 2 * PEAK_REACH, dtype=np.float32)
        buf[: self._buf.shape[0]] = self._buf
        return self._peaks(buf, count, last=left - (count - 1) * c)


class TruePeakMeter:
    """Maximum true peak (4x oversampled as BS.1770-4 Annex 2 asks), fed block by block.

    >>> meter = TruePeakMeter()
    >>> meter.add(np.array([0.0, 1.0, 1.0, 0.0])); meter.dbtp() > 0.0
    True
    """

    CHUNK = 64

    def __init__(self) -> None:
        self._channels: list[ChunkPeaks] = []
        self.peak = 0.0

    def add(self, block: np.ndarray) -> None:
        """Feed the next block (mono ``(n,)`` or ``(channels, n)``: the loudest channel counts)."""
        x = _as_channels(block)
        if x.shape[1] == 0:
            return
        while len(self._channels) < x.shape[0]:
            self._channels.append(ChunkPeaks(self.CHUNK))
        for meter, row in zip(self._channels, x, strict=False):
            peaks = meter.add(row)
            if peaks.shape[0]:
                self.peak = max(self.peak, float(peaks.max()))

    def dbtp(self) -> float:
        """The largest true peak so far in dBTP."""
        peak = self.peak
        for meter in self._channels:
            rest = meter.flush()
            if rest.shape[0]:
                peak = max(peak, float(rest.max()))
        return 20.0 * math.log10(peak) if peak > 0 else -math.inf
