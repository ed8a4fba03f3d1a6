"""Independent measurements the end-to-end tests make on decoded audio."""

from __future__ import annotations

import numpy as np


def true_peak_dbtp(samples: np.ndarray, rate: int) -> float:
    """BS.1770 true peak by 4x oversampling (independent of the product's limiter)."""
    from scipy.signal import resample_poly

    over = resample_poly(samples, 4, 1, axis=0)
    return float(20 * np.log10(max(np.max(np.abs(over)), 1e-12)))
