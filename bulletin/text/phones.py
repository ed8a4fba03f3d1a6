"""Telephone numbers and short service numbers.

``read_phone("+996 312 54 79 03")`` → ``"плюс тогуз жүз токсон алты, үч жүз он эки, элүү
төрт, жетимиш тогуз, нөл үч"``; a hotline ``112`` before "номерине" → ``"бир бир эки"``.
"""

from __future__ import annotations

import re

from bulletin.text.numbers import cardinal_str, digits

_GROUP = re.compile(r"\d+")
# words after a short number that make it a hotline read digit by digit
HOTLINE_NEXT = re.compile(
    r"[ \u00a0]*(?:кыска[ \u00a0]+|ишеним[ \u00a0]+)?(?:номер|телефон)|[ \u00a0]+(?:жана|же)[ \u00a0]+\+"
)


def read_group(group: str) -> str:
    """One written group: leading zeros as нөл, the rest as a number."""
    zeros = len(group) - len(group.lstrip("0"))
    rest = group[zeros:]
    words = ["нөл"] * zeros
    if rest:
        words.append(cardinal_str(rest))
    return " ".join(words)


def read_phone(phone: str) -> str:
    """A telephone number, each written group said as a number, groups separated by commas."""
    groups = [read_group(g) for g in _GROUP.findall(phone)]
    spoken = ", ".join(groups)
    if phone.lstrip().startswith("+"):
        spoken = "плюс " + spoken
    return spoken


def read_hotline(number: str) -> str:
    """A short service number said digit by digit."""
    return digits(number)
