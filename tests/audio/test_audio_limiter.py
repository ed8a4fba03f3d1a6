"""The limiter: peaks under the ceiling, the same result in blocks as whole."""

from __future__ import annotations

import numpy as np
from audio_fixtures import speechlike, true_peak_dbtp

from bulletin.audio.limiter import Limiter


def test_limiter_ceiling_and_blocks() -> None:
    rate = 44100
    x = speechlike(6.0, rate, seed=5).astype(np.float64) * 2.0  # peaks near +4 dBFS
    limiter = Limiter(rate, ceiling_dbtp=-1.5)
    c = limiter.context
    padded = np.concatenate([np.zeros(c), x, np.zeros(c)])
    whole = limiter.process(padded)
    block = 10000
    pieces = [limiter.process(padded[b : b + block + 2 * c]) for b in range(0, x.shape[0], block)]
    np.testing.assert_allclose(np.concatenate(pieces), whole, atol=1e-7)
    assert whole.shape == x.shape
    assert true_peak_dbtp(whole) <= -1.5 + 0.05
    # only peaks are touched: quiet passages pass unchanged
    quiet = np.abs(x) < 0.05
    gain = limiter.gain(padded)
    assert (gain[quiet] > 0.999).mean() > 0.5
    assert gain.max() <= 1.0


def test_limiter_leaves_quiet_signal_alone() -> None:
    x = speechlike(2.0, 48000, seed=2).astype(np.float64) * 0.3
    limiter = Limiter(48000, ceiling_dbtp=-1.0)
    c = limiter.context
    y = limiter.process(np.concatenate([np.zeros(c), x, np.zeros(c)]))
    np.testing.assert_allclose(y, x, atol=1e-7)
