"""Clock times, time ranges and sports scores.

``read_time("14", "30", "да")`` → ``"он төрт отузда"``; ``read_time("10", "00", "до")`` →
``"ондо"`` (HH:00 reads the hour alone); ``read_time_range("9","00","18","00")`` →
``"тогуздан он сегизге чейин"``; a score ``5:2`` → ``"беш-эки"``.
"""

from __future__ import annotations

import re

from bulletin.text.harmony import attach
from bulletin.text.numbers import cardinal, cardinal_str, decimal

_DATIVE = re.compile(r"[гк][аеоө]")


def clock_words(hour: str, minute: str) -> str:
    """Spoken clock time without a suffix: 09:05 → тогуз нөл беш, 10:00 → он."""
    h = cardinal(int(hour))
    m = int(minute)
    if m == 0:
        return h
    if m < 10:
        return f"{h} нөл {cardinal(m)}"
    return f"{h} {cardinal(m)}"


def read_time(hour: str, minute: str, suffix: str = "") -> str:
    """A clock time with its written suffix re-made on the last spoken word."""
    return attach(clock_words(hour, minute), suffix)


def read_time_range(
    h1: str,
    m1: str,
    h2: str,
    m2: str,
    suffix: str = "",
    *,
    until: bool = True,
    joined: bool = False,
) -> str:
    """9:00-18:00 → тогуздан он сегизге чейин.

    A dative written on the second time is its own (9:00-18:00гө чейин); *until* False when
    the text already says чейин. Another suffix, or *joined* (before аралыгында), keeps the
    hyphen: 9:00-11:00дө → тогуз-он бирде.
    """
    first, second = clock_words(h1, m1), clock_words(h2, m2)
    if joined or (suffix and not _DATIVE.fullmatch(suffix)):
        return attach(f"{first}-{second}", suffix)
    spoken = f"{attach(first, 'дан')} {attach(second, 'га')}"
    return spoken + " чейин" if until else spoken


def read_duration(hours: str, minutes: str, seconds: str, fraction: str = "") -> str:
    """A result time H:MM:SS: 2:05:30 → эки саат беш мүнөт отуз секунд (a zero part is not said)."""
    parts = []
    if int(hours):
        parts.append(f"{cardinal_str(hours)} саат")
    if int(minutes):
        parts.append(f"{cardinal(int(minutes))} мүнөт")
    if fraction:
        parts.append(f"{decimal(str(int(seconds)), fraction)} секунд")
    elif int(seconds) or not parts:
        parts.append(f"{cardinal(int(seconds))} секунд")
    return " ".join(parts)


def read_score(a: str, b: str, suffix: str = "") -> str:
    """A score or ratio: 5:2 → беш-эки."""
    return attach(f"{cardinal_str(a)}-{cardinal_str(b)}", suffix)


def is_time(hour: str, minute: str) -> bool:
    """True when the pair is a plausible clock time written HH:MM."""
    return len(minute) == 2 and int(hour) <= 24 and int(minute) < 60
