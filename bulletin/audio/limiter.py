"""A look-ahead true-peak limiter driven by a decimated true-peak envelope.

The envelope (true peak per chunk of samples) is measured once in the first mastering
pass; for any gain, the limiter's gain curve is a few numpy passes over it, so the gain
search and the final pass never re-measure audio. Only samples within ``ramp + hold`` of
a peak are touched.

>>> limiter = ChunkLimiter(44100, -1.7, chunk=32)
>>> limiter.sample_gains(env, 0, 88200, gain)   # per-sample gains for the first 2 s
"""

from __future__ import annotations

import numpy as np

RAMP_S = 0.008  # attack and release ramp (S-curve)
HOLD_S = 0.040  # gain reduction held this long after a peak (no pumping between pitch periods)


def _moving_mean(x: np.ndarray, size: int) -> np.ndarray:
    """``out[k] = mean(x[k : k + size])`` ('valid' length ``len(x) - size + 1``)."""
    c = np.concatenate([[0.0], np.cumsum(x, dtype=np.float64)])
    return (c[size:] - c[:-size]) / size


def running_min(x: np.ndarray, size: int) -> np.ndarray:
    """``scipy.ndimage.minimum_filter1d(x, size, mode="nearest")``, in numpy alone (van
    Herk / Gil-Werman: a prefix and a suffix minimum per block of ``size``), so the
    limiter does not import scipy.ndimage (0.3 s at start-up in every process).

    >>> running_min(np.array([3.0, 1.0, 4.0, 1.0, 5.0, 9.0]), 3)
    array([1., 1., 1., 1., 1., 5.])
    """
    left = size // 2
    padded = np.concatenate([np.full(left, x[0]), x, np.full(size - 1 - left, x[-1])])
    blocks = -(-padded.shape[0] // size)
    tail = np.full(blocks * size - padded.shape[0], np.inf)
    grid = np.concatenate([padded, tail]).reshape(blocks, size)
    prefix = np.minimum.accumulate(grid, axis=1).reshape(-1)
    suffix = np.minimum.accumulate(grid[:, ::-1], axis=1)[:, ::-1].reshape(-1)
    n = x.shape[0]
    return np.minimum(suffix[:n], prefix[size - 1 : size - 1 + n])


SPREAD = 2  # chunks either side of a peak also held at its gain (interpolator reach, margin)


class ChunkLimiter:
    """A look-ahead limiter over a decimated true-peak envelope.

    ``env[i]`` is the true peak of chunk ``i`` (``chunk`` samples; see
    :class:`bulletin.audio.loudness.ChunkPeaks`), measured once without gain: the peaks
    of ``gain * x`` are ``gain * env``. For any gain, the curve is a few numpy passes
    over ``len(env)`` numbers, no audio: required ``r = min(1, ceiling / (gain * env))``;
    a running minimum over ``[i - behind, i + ahead]``; two cascaded moving averages
    over ``ramp`` chunks (the S-shaped attack and release); the minimum of each chunk
    and its neighbours; per sample, linear interpolation between chunk centres.

    Why the ceiling holds: every averaged value at chunk ``j`` comes from minima whose
    windows include every chunk within ``SPREAD`` of ``j`` (``ahead >= ramp - 1 +
    SPREAD``, ``behind >= SPREAD``), so the curve is at most ``r[i]`` on all chunks
    within ``SPREAD`` of a peak in chunk ``i``; the neighbour minimum keeps every
    interpolated sample of chunk ``i`` at most the chunk's own value. So each sample the
    interpolator reads around a peak (12 either side, under one chunk) has gain
    ``<= r[i]``, and ``gain * curve * env <= ceiling`` there.

    >>> limiter = ChunkLimiter(44100, -1.7, chunk=32)
    >>> per_chunk = limiter.chunk_gains(env, 0, len(env), gain)      # for loudness
    >>> per_sample = limiter.sample_gains(env, 0, 88200, gain)       # for the audio
    """

    def __init__(self, rate: int, ceiling_dbtp: float, chunk: int) -> None:
        self.rate = rate
        self.chunk = chunk
        self.ceiling = 10.0 ** (ceiling_dbtp / 20.0)
        ramp_samples = max(2, int(round(RAMP_S * rate)))
        ramp = max(2, -(-ramp_samples // chunk))
        self._m1 = (ramp + 1) // 2
        self._m2 = ramp + 1 - self._m1  # two boxes: total span m1 + m2 - 1 = ramp
        self._ramp = ramp
        hold = -(-(int(round(HOLD_S * rate)) + ramp_samples) // chunk)
        self._ahead = ramp - 1 + SPREAD
        self._behind = hold + SPREAD

    def chunk_gains(self, env: np.ndarray, lo: int, hi: int, gain: float) -> np.ndarray:
        """The limiter's gain (without ``gain``) at the centres of chunks ``[lo, hi)``;
        ``env`` is the whole programme's, silence assumed outside it."""
        count = hi - lo
        if count <= 0:
            return np.ones(0)
        ramp, ahead, behind = self._ramp, self._ahead, self._behind
        first = lo - 1 - (ramp - 1) - behind  # required gains needed: [first, last)
        last = hi + 1 + ahead
        seg = np.zeros(last - first)
        a, b = max(first, 0), min(last, env.shape[0])
        if b > a:
            seg[a - first : b - first] = env[a:b]
        peak = seg * gain
        if not (peak > self.ceiling).any():
            return np.ones(count)
        required = np.minimum(1.0, self.ceiling / np.maximum(peak, 1e-12))
        size = behind + ahead + 1
        centred = running_min(required, size)
        # m[k] = min(required[k - behind : k + ahead + 1]) for k in [lo - ramp, hi + 1)
        m = centred[size // 2 : size // 2 + count + 1 + ramp]
        smooth = _moving_mean(_moving_mean(m, self._m1), self._m2)  # chunks [lo - 1, hi + 1)
        out = np.minimum(np.minimum(smooth[:-2], smooth[1:-1]), smooth[2:])
        return np.minimum(out, 1.0)

    def sample_gains(self, env: np.ndarray, start: int, n: int, gain: float) -> np.ndarray:
        """``gain`` times the limiter's gain for samples ``[start, start + n)`` (float32)."""
        if n <= 0:
            return np.zeros(0, dtype=np.float32)
        c = self.chunk
        lo, hi = start // c - 1, -(-(start + n) // c) + 1
        centres = np.arange(lo, hi) * c + (c - 1) / 2.0
        per_chunk = self.chunk_gains(env, lo, hi, gain)
        if per_chunk.min() >= 1.0:
            return np.full(n, gain, dtype=np.float32)
        positions = np.arange(start, start + n, dtype=np.float64)
        return (np.interp(positions, centres, per_chunk) * gain).astype(np.float32)
