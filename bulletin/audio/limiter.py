"""A look-ahead true-peak limiter that works on any block given its surroundings.

The gain at sample ``n`` depends only on the input within ``CONTEXT`` samples of it, so
a long file is limited block by block (reading each block with its margins) and the
result is the same as limiting the whole signal at once.

How: per sample, the 4x-oversampled peak envelope ``p``; required gain
``r = min(1, ceiling / p)``; a minimum filter over ``[n - hold, n + lookahead]``; then two
cascaded moving averages (an S-shaped ramp of ``ramp`` seconds). Every averaged value
comes from minima that include ``n``, so the gain never exceeds ``r[n]``: peaks are held
under the ceiling, and only samples within ``ramp + hold`` of a peak are touched.

>>> limiter = Limiter(44100, ceiling_dbtp=-1.5)
>>> c = limiter.context
>>> y = limiter.process(x_with_margins)       # x[b0 - c : b1 + c] -> y for [b0, b1)
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import minimum_filter1d

from bulletin.audio.loudness import true_peak_envelope

RAMP_S = 0.008  # attack and release ramp (S-curve)
HOLD_S = 0.040  # gain reduction held this long after a peak (no pumping between pitch periods)
FILTER_REACH = 64  # oversampling filter half-length in input samples (and some)


def _moving_mean(x: np.ndarray, size: int) -> np.ndarray:
    """``out[k] = mean(x[k : k + size])`` ('valid' length ``len(x) - size + 1``)."""
    c = np.concatenate([[0.0], np.cumsum(x, dtype=np.float64)])
    return (c[size:] - c[:-size]) / size


class Limiter:
    """True-peak limiter at ``rate`` with ``ceiling_dbtp`` (dBTP)."""

    def __init__(self, rate: int, ceiling_dbtp: float) -> None:
        self.ceiling = 10.0 ** (ceiling_dbtp / 20.0)
        ramp = max(2, int(round(RAMP_S * rate)))
        self._m1 = (ramp + 1) // 2
        self._m2 = ramp + 1 - self._m1  # cascade of two boxes: total span m1 + m2 - 1 = ramp
        self._lookahead = ramp - 1
        self._hold = int(round(HOLD_S * rate)) + ramp
        self.context = self._hold + 2 * self._lookahead + FILTER_REACH

    def gain(self, x: np.ndarray) -> np.ndarray:
        """Gain for the centre of ``x`` (``len(x) - 2 * context`` samples)."""
        c = self.context
        core = x.shape[0] - 2 * c
        if core <= 0:
            return np.ones(max(0, core))
        env = true_peak_envelope(x, floor=self.ceiling)
        required = np.minimum(1.0, self.ceiling / np.maximum(env, 1e-12))
        if required.min() >= 1.0:
            return np.ones(core)
        a, b = self._hold, self._lookahead
        size = a + b + 1
        centred = minimum_filter1d(required, size=size, mode="nearest")
        # m[i] = min(required[i - a : i + b + 1]) = centred[i - a + size // 2]
        shift = size // 2 - a
        # G[n] = mean over the ramp kernel of m[n - b .. n]; n runs over the core [c, c + core)
        lo = c - b + shift
        m = centred[lo : lo + core + self._m1 + self._m2 - 2]
        g = _moving_mean(_moving_mean(m, self._m1), self._m2)
        return np.minimum(g[:core], 1.0)

    def process(self, x: np.ndarray) -> np.ndarray:
        """Limit the centre of ``x`` (with ``context`` samples of margin either side)."""
        c = self.context
        core = x[c : x.shape[0] - c]
        return (core * self.gain(x)).astype(np.float32)
