"""Exact sample counts shared by the timeline and the renderer.

>>> resampled_length(22050, 22050, 44100), pause_length(250, 44100)
(44100, 11025)
"""

from __future__ import annotations


def resampled_length(samples: int, from_rate: int, to_rate: int) -> int:
    """Length in samples of ``samples`` at ``from_rate`` once resampled to ``to_rate``.

    This is the one definition the timeline and the renderer share:
    ``round(samples * to_rate / from_rate)`` computed in exact integer arithmetic
    (halves round up).

    >>> resampled_length(22050, 22050, 44100), resampled_length(1, 22050, 48000)
    (44100, 2)
    """
    if samples < 0 or from_rate <= 0 or to_rate <= 0:
        raise ValueError(f"bad length or rate: {samples} samples at {from_rate} -> {to_rate}")
    return (2 * samples * to_rate + from_rate) // (2 * from_rate)


def pause_length(ms: int, sample_rate: int) -> int:
    """Samples of a ``ms`` millisecond pause: ``round(ms * rate / 1000)``.

    >>> pause_length(250, 44100), pause_length(1, 22050)
    (11025, 22)
    """
    return resampled_length(max(0, ms), 1000, sample_rate)
