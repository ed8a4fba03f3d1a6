"""The three filter routines mastering uses, without importing ``scipy.signal``.

``import scipy.signal`` loads some 900 modules (scipy.sparse, linalg, special, fft, ...):
76 MB resident in every process that does it, the make and each of its workers, for three
functions. Here:

- :func:`sosfilt` and :func:`upfirdn` call scipy's own compiled kernels
  (``scipy/signal/_sosfilt`` and ``_upfirdn_apply``), loaded from their files alone,
  with the few lines of array preparation of :func:`scipy.signal.sosfilt` and
  :func:`scipy.signal.upfirdn` for the cases used here (1-D, float64);
- :func:`firwin` designs the Kaiser-windowed low-pass of :func:`scipy.signal.firwin` in
  numpy, with the Cephes ``i0`` scipy uses, evaluated the same way.

Each gives the same numbers as scipy, bit for bit (tests/audio/test_dsp.py compares them
with scipy's on many inputs). Where a kernel cannot be loaded so (another scipy lays out
its files differently), the public scipy function is used instead.

>>> weighted, state = sosfilt(k_weighting(44100), block, zi=state)
>>> firwin(41, 0.5) * 2          # resample_poly's filter for 22,050 Hz -> 44,100 Hz
array([ 0.0000...,  0.00085..., ...])
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import math
from functools import lru_cache
from pathlib import Path
from types import ModuleType

import numpy as np

# Chebyshev coefficients of Cephes' i0 (scipy.special.i0, numpy.i0): exp(-x) I0(x) on
# [0, 8] in x/2 - 2, and exp(-x) sqrt(x) I0(x) on (8, inf) in 32/x - 2.
_I0_A = (
    -4.4153416464793395e-18, 3.3307945188222384e-17, -2.431279846547955e-16,
    1.715391285555133e-15, -1.1685332877993451e-14, 7.676185498604936e-14,
    -4.856446783111929e-13, 2.95505266312964e-12, -1.726826291441556e-11,
    9.675809035373237e-11, -5.189795601635263e-10, 2.6598237246823866e-09,
    -1.300025009986248e-08, 6.046995022541919e-08, -2.670793853940612e-07,
    1.1173875391201037e-06, -4.4167383584587505e-06, 1.6448448070728896e-05,
    -5.754195010082104e-05, 0.00018850288509584165, -0.0005763755745385824,
    0.0016394756169413357, -0.004324309995050576, 0.010546460394594998,
    -0.02373741480589947, 0.04930528423967071, -0.09490109704804764,
    0.17162090152220877, -0.3046826723431984, 0.6767952744094761,
)  # fmt: skip
_I0_B = (
    -7.233180487874754e-18, -4.830504485944182e-18, 4.46562142029676e-17,
    3.461222867697461e-17, -2.8276239805165836e-16, -3.425485619677219e-16,
    1.7725601330565263e-15, 3.8116806693526224e-15, -9.554846698828307e-15,
    -4.150569347287222e-14, 1.54008621752141e-14, 3.8527783827421426e-13,
    7.180124451383666e-13, -1.7941785315068062e-12, -1.3215811840447713e-11,
    -3.1499165279632416e-11, 1.1889147107846439e-11, 4.94060238822497e-10,
    3.3962320257083865e-09, 2.266668990498178e-08, 2.0489185894690638e-07,
    2.8913705208347567e-06, 6.889758346916825e-05, 0.0033691164782556943,
    0.8044904110141088,
)  # fmt: skip


def _chebyshev(x: float, coefficients: tuple[float, ...]) -> float:
    b0, b1, b2 = coefficients[0], 0.0, 0.0
    for c in coefficients[1:]:
        b2, b1 = b1, b0
        b0 = x * b1 - b2 + c
    return 0.5 * (b0 - b2)


def i0(x: float) -> float:
    """The modified Bessel function of order 0, as Cephes computes it (scalar).

    >>> i0(5.0)
    27.239871823604442
    """
    x = abs(x)
    if x <= 8.0:
        return math.exp(x) * _chebyshev(x / 2.0 - 2.0, _I0_A)
    return math.exp(x) * _chebyshev(32.0 / x - 2.0, _I0_B) / math.sqrt(x)


def firwin(numtaps: int, cutoff: float, beta: float = 5.0) -> np.ndarray:
    """``scipy.signal.firwin(numtaps, cutoff, window=("kaiser", beta))``: a low-pass
    (``cutoff`` a fraction of Nyquist), scaled to unit gain at 0 Hz.

    >>> firwin(5, 0.5).round(4)
    array([0.    , 0.2556, 0.4888, 0.2556, 0.    ])
    """
    alpha = 0.5 * (numtaps - 1)
    m = np.arange(0, numtaps, dtype=np.float64) - alpha
    h = cutoff * np.sinc(cutoff * m) - 0.0 * np.sinc(0.0 * m)
    n = np.arange(0, numtaps, dtype=np.float64)
    if numtaps > 1:  # the Kaiser window (scipy.signal.windows.kaiser, symmetric)
        argument = beta * np.sqrt(1 - ((n - alpha) / alpha) ** 2.0)
        h *= np.array([i0(float(v)) for v in argument]) / i0(beta)
    h /= np.sum(h * np.cos(np.pi * m * 0.0))
    return h


def _kernel(name: str) -> ModuleType | None:
    """scipy's compiled ``scipy.signal.<name>`` loaded from its file, without its package
    (None when it is not where scipy keeps it)."""
    try:
        spec = importlib.util.find_spec("scipy")
        if spec is None or spec.origin is None:
            return None
        folder = Path(spec.origin).parent / "signal"
        for suffix in importlib.machinery.EXTENSION_SUFFIXES:
            path = folder / f"{name}{suffix}"
            if path.is_file():
                full = f"scipy.signal.{name}"
                loader = importlib.machinery.ExtensionFileLoader(full, str(path))
                found = importlib.util.spec_from_file_location(full, path, loader=loader)
                if found is None:
                    return None
                module = importlib.util.module_from_spec(found)
                loader.exec_module(module)
                return module
    except (ImportError, OSError):
        return None
    return None


@lru_cache(maxsize=1)
def _sosfilt_kernel():
    module = _kernel("_sosfilt")
    return getattr(module, "_sosfilt", None)


@lru_cache(maxsize=1)
def _upfirdn_kernel():
    module = _kernel("_upfirdn_apply")
    if module is None or not all(hasattr(module, n) for n in ("_apply", "_output_len")):
        return None
    return module


def sosfilt(sos: np.ndarray, x: np.ndarray, zi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``scipy.signal.sosfilt(sos, x, zi=zi)`` for a 1-D float64 ``x``: the filtered
    signal and the final state (``zi`` is not changed)."""
    kernel = _sosfilt_kernel()
    if kernel is None:
        from scipy.signal import sosfilt as public

        return public(sos, x, zi=zi)
    dtype = np.result_type(sos, x, zi)
    if dtype != np.float64 or np.ndim(x) != 1:
        from scipy.signal import sosfilt as public

        return public(sos, x, zi=zi)
    sections = sos.shape[0]
    state = np.ascontiguousarray(np.array(zi, dtype=dtype).reshape(1, sections, 2))
    out = np.array(np.reshape(x, (1, -1)), dtype, order="C")  # a copy, filtered in place
    kernel(sos.astype(dtype, copy=False), out, state)
    return out.reshape(-1), state.reshape(sections, 2)


def upfirdn(h: np.ndarray, x: np.ndarray, up: int, down: int) -> np.ndarray:
    """``scipy.signal.upfirdn(h, x, up, down)`` for 1-D ``h`` and ``x``: upsample by
    ``up``, filter with ``h``, downsample by ``down``."""
    kernel = _upfirdn_kernel()
    if kernel is None or np.ndim(x) != 1:
        from scipy.signal import upfirdn as public

        return public(h, x, up, down)
    h = np.asarray(h)
    dtype = np.result_type(h.dtype, x.dtype, np.float32)
    h = np.asarray(h, dtype)
    # scipy's _pad_h: each phase's coefficients, flipped, zero-padded
    padded = np.zeros(len(h) + (-len(h) % up), h.dtype)
    padded[: len(h)] = h
    flipped = np.ascontiguousarray(padded.reshape(-1, up).T[:, ::-1].ravel())
    out = np.zeros(kernel._output_len(len(h), x.shape[0], up, down), dtype=dtype, order="C")
    kernel._apply(np.asarray(x, dtype), flipped, out, up, down, 0, kernel.mode_enum("constant"), 0)
    return out
