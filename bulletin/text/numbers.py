"""Number words: cardinals, ordinals, decimals, fractions and digit strings.

``cardinal(1991)`` → ``"миң тогуз жүз токсон бир"``; ``ordinal(2022)`` →
``"эки миң жыйырма экинчи"``; ``decimal("12", "75")`` → ``"он эки бүтүн жүздөн жетимиш беш"``.
"""

from __future__ import annotations

from bulletin.text.harmony import attach

ONES = ("нөл", "бир", "эки", "үч", "төрт", "беш", "алты", "жети", "сегиз", "тогуз")
TENS = ("", "он", "жыйырма", "отуз", "кырк", "элүү", "алтымыш", "жетимиш", "сексен", "токсон")
SCALES = ("", "миң", "миллион", "миллиард", "триллион", "квадриллион", "квинтиллион")
_MAX_GROUPS = len(SCALES)


def _under_thousand(value: int, words: list[str]) -> None:
    hundreds, rest = divmod(value, 100)
    if hundreds:
        if hundreds > 1:
            words.append(ONES[hundreds])
        words.append("жүз")
    tens, ones = divmod(rest, 10)
    if tens:
        words.append(TENS[tens])
    if ones:
        words.append(ONES[ones])


def cardinal(value: int) -> str:
    """Kyrgyz cardinal words for a non-negative integer (digit by digit when huge)."""
    if value < 0:
        return "минус " + cardinal(-value)
    if value == 0:
        return "нөл"
    groups: list[int] = []
    while value:
        value, group = divmod(value, 1000)
        groups.append(group)
    if len(groups) > _MAX_GROUPS:
        return digits("".join(f"{g:03d}" for g in reversed(groups)).lstrip("0"))
    words: list[str] = []
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if not group:
            continue
        if index == 1 and group == 1:
            words.append("миң")
            continue
        _under_thousand(group, words)
        if index:
            words.append(SCALES[index])
    return " ".join(words)


def cardinal_str(text: str) -> str:
    """Cardinal words for a digit string that may contain group separators."""
    clean = "".join(ch for ch in text if ch.isdigit())
    if not clean:
        return ""
    if len(clean) > 3 * _MAX_GROUPS:
        return digits(clean)
    return cardinal(int(clean))


def make_ordinal(words: str) -> str:
    """Put the ordinal suffix on the last word of a number phrase: бир → биринчи."""
    return attach(words, "ынчы")


def ordinal(value: int) -> str:
    """Ordinal words: 3 → үчүнчү, 2022 → эки миң жыйырма экинчи."""
    return make_ordinal(cardinal(value))


# a longer run of digits is no number anyone reads out: it is named, not read (a
# 100,000-digit run would otherwise become 500,000 characters of speech)
MAX_DIGITS_READ = 64


def digits(text: str) -> str:
    """Digit by digit: "112" → "бир бир эки"; over ``MAX_DIGITS_READ`` digits, the count.

    ``digits("7" * 100_000)`` → ``"жүз миң орундуу сан"`` (a 100,000-digit number).
    """
    run = [ch for ch in text if ch.isdigit()]
    if len(run) > MAX_DIGITS_READ:
        return cardinal(len(run)) + " орундуу сан"
    return " ".join(ONES[int(ch)] for ch in run)


def _denominator(places: int) -> str:
    """10 → ондон, 100 → жүздөн, 1000 → миңден (ablative of the power of ten)."""
    base = {1: "он", 2: "жүз", 3: "миң", 4: "он миң", 5: "жүз миң", 6: "миллион"}.get(places)
    if base is None:
        base = cardinal(10**places) if places < 18 else "он"
    return attach(base, "дан")


def decimal(whole: str, frac: str) -> str:
    """Decimal reading: ("3", "5") → үч бүтүн ондон беш."""
    head = cardinal_str(whole) or "нөл"
    frac_digits = "".join(ch for ch in frac if ch.isdigit())
    if not frac_digits:
        return head
    places = len(frac_digits)
    if places > 6:
        return head + " бүтүн " + digits(frac_digits)
    return f"{head} бүтүн {_denominator(places)} {cardinal(int(frac_digits))}"


def fraction(numerator: str, denominator: str) -> str:
    """Fraction reading: ("3", "4") → төрттөн үч."""
    den = cardinal_str(denominator)
    return f"{attach(den, 'дан')} {cardinal_str(numerator)}"
