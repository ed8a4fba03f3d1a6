"""bulletin.audio.dsp gives scipy.signal's numbers bit for bit, without importing it."""

from __future__ import annotations

import ast
import subprocess
import sys
from math import gcd

import numpy as np
import pytest
import scipy.signal
import scipy.special

from bulletin.audio import dsp
from bulletin.audio.loudness import k_weighting

RATES = (8000, 11025, 16000, 22050, 24000, 32000, 44100, 48000)


def resample_designs() -> list[tuple[int, float]]:
    """(taps, cutoff) of resample_poly's filter between every two rates above."""
    found = {(97, 0.25)}  # the true-peak meter's interpolator
    for a in RATES:
        for b in RATES:
            g = gcd(a, b)
            ratio = max(a // g, b // g)
            if ratio > 1:
                found.add((20 * ratio + 1, 1.0 / ratio))
    return sorted(found)


def test_the_compiled_kernels_are_found():
    # with the scipy installed here the light path is taken, not the fallback
    assert dsp._sosfilt_kernel() is not None
    assert dsp._upfirdn_kernel() is not None


def test_i0_is_cephes_bit_for_bit():
    x = np.concatenate(
        [np.linspace(0.0, 8.0, 4001), np.random.default_rng(1).uniform(0.0, 40.0, 4000)]
    )
    ours = np.array([dsp.i0(float(v)) for v in x])
    assert np.array_equal(ours, scipy.special.i0(x))
    assert dsp.i0(-3.5) == dsp.i0(3.5)


@pytest.mark.parametrize(("taps", "cutoff"), resample_designs())
def test_firwin_is_scipys_bit_for_bit(taps, cutoff):
    ours = dsp.firwin(taps, cutoff, 5.0)
    assert np.array_equal(ours, scipy.signal.firwin(taps, cutoff, window=("kaiser", 5.0)))


@pytest.mark.parametrize("beta", [0.0, 2.5, 8.6])
def test_firwin_other_windows_and_short_filters(beta):
    for taps in (1, 3, 5, 31):
        expected = scipy.signal.firwin(taps, 0.3, window=("kaiser", beta))
        assert np.array_equal(dsp.firwin(taps, 0.3, beta), expected)


@pytest.mark.parametrize("rate", [22050, 44100, 48000])
def test_sosfilt_is_scipys_bit_for_bit_block_by_block(rate):
    rng = np.random.default_rng(rate)
    sos = k_weighting(rate)
    ours = theirs = np.zeros((sos.shape[0], 2))
    for n in (1, 7, 1000, 44100):
        x = rng.standard_normal(n) * 0.3
        mine, ours_next = dsp.sosfilt(sos, x, ours)
        reference, theirs = scipy.signal.sosfilt(sos, x, zi=theirs)
        assert np.array_equal(mine, reference)
        assert np.array_equal(ours_next, theirs)
        assert ours_next is not ours  # the state given is left as it was
        ours = ours_next


@pytest.mark.parametrize(("up", "down"), [(2, 1), (147, 160), (160, 147), (1, 2), (3, 1)])
def test_upfirdn_is_scipys_bit_for_bit(up, down):
    rng = np.random.default_rng(up * 1000 + down)
    h = dsp.firwin(20 * max(up, down) + 1, 1.0 / max(up, down)) * up
    for n in (1, 5, 999, 22050):
        x = rng.standard_normal(n)
        assert np.array_equal(dsp.upfirdn(h, x, up, down), scipy.signal.upfirdn(h, x, up, down))
    x32 = rng.standard_normal(500).astype(np.float32)  # float32 input: scipy's output type
    ours = dsp.upfirdn(h, x32, up, down)
    assert ours.dtype == scipy.signal.upfirdn(h, x32, up, down).dtype
    assert np.array_equal(ours, scipy.signal.upfirdn(h, x32, up, down))


def test_mastering_and_synthesis_do_not_import_scipy_signal():
    code = (
        "import sys, bulletin.audio.master, bulletin.synth.clips, bulletin.make\n"
        "from bulletin.audio.loudness import LoudnessMeter\n"
        "from bulletin.audio.sound import resample_filter\n"
        "import numpy as np\n"
        "m = LoudnessMeter(44100); m.add(np.ones(44100) * 0.1); resample_filter(2, 1)\n"
        "print(sorted(n for n in sys.modules if n.split('.')[:2] == ['scipy', 'signal']))\n"
    )
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert found.returncode == 0, found.stderr
    # at most the two compiled kernels, not the package and its 900 modules
    loaded = set(ast.literal_eval(found.stdout.strip()))
    assert "scipy.signal" not in loaded
    assert loaded <= {"scipy.signal._sosfilt", "scipy.signal._upfirdn_apply"}


def test_without_the_kernels_scipys_public_functions_give_the_same(monkeypatch):
    rng = np.random.default_rng(7)
    sos, x, zi = k_weighting(44100), rng.standard_normal(3000), np.zeros((2, 2))
    h = dsp.firwin(41, 0.5) * 2
    light = dsp.sosfilt(sos, x, zi), dsp.upfirdn(h, x, 2, 1)
    monkeypatch.setattr(dsp, "_sosfilt_kernel", lambda: None)  # as where they are not found
    monkeypatch.setattr(dsp, "_upfirdn_kernel", lambda: None)
    public = dsp.sosfilt(sos, x, zi), dsp.upfirdn(h, x, 2, 1)
    assert np.array_equal(light[0][0], public[0][0])
    assert np.array_equal(light[0][1], public[0][1])
    assert np.array_equal(light[1], public[1])
