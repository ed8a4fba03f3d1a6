"""Suffix agreement: vowel harmony and consonant assimilation.

A suffix written onto digits or an abbreviation is re-made from the last sound of the
spoken word, e.g. ``attach("беш", "ке")`` → ``"бешке"``, ``attach("үч миң", "дөн")`` →
``"үч миңден"``, ``attach("Бириккен Улуттар Уюму", "га", possessive=True)`` →
``"Бириккен Улуттар Уюмуна"``.
"""

from __future__ import annotations

VOWELS = frozenset("аеёиоөуүыэюяАЕЁИОӨУҮЫЭЮЯ")
LOW = frozenset("аеоөэяё")
HIGH = frozenset("ыиуүю")
VOICELESS = frozenset("кпстфхцчшщ")
# Vowel class of the stem's last vowel (ю, я, ё, э read as у, а, о, е).
_CLASS = {
    "а": "a",
    "я": "a",
    "ы": "a",
    "е": "e",
    "э": "e",
    "и": "e",
    "о": "o",
    "ё": "o",
    "у": "u",
    "ю": "u",
    "ө": "ö",
    "ү": "ö",
}
_LOW_BY_CLASS = {"a": "а", "e": "е", "o": "о", "u": "а", "ö": "ө"}
_HIGH_BY_CLASS = {"a": "ы", "e": "и", "o": "у", "u": "у", "ö": "ү"}


def vowel_class(word: str) -> str:
    """The harmony class of *word*'s last vowel: a, e, o, u or ö (e when none)."""
    for ch in reversed(word.lower()):
        cls = _CLASS.get(ch)
        if cls:
            return cls
    return "e"


def _last_sound(word: str) -> str:
    """'v' after a vowel, 'f' after a voiceless consonant, 'r' after й/р, 'z' voiced."""
    w = word.lower().rstrip("ьъ")
    if not w:
        return "v"
    ch = w[-1]
    if ch in VOWELS:
        return "v"
    if ch in VOICELESS:
        return "f"
    if ch in "йр":
        return "r"
    return "z"


def _is_vowel_final(word: str) -> bool:
    return _last_sound(word) == "v"


def _count_vowels(word: str) -> int:
    return sum(1 for ch in word.lower() if ch in VOWELS)


def _harmonize_vowels(stem: str, suffix: str) -> str:
    """Re-make every vowel of *suffix* by harmony, left to right."""
    out: list[str] = []
    cls = vowel_class(stem)
    for ch in suffix:
        low = ch.lower()
        if low in LOW and low not in "эяё":
            ch = _LOW_BY_CLASS[cls]
            cls = _CLASS[ch]
        elif low in HIGH and low != "ю":
            ch = _HIGH_BY_CLASS[cls]
            cls = _CLASS[ch]
        elif low in _CLASS:
            cls = _CLASS[low]
        out.append(ch)
    return "".join(out)


def _first_vowel(suffix: str) -> str:
    for ch in suffix:
        if ch in VOWELS:
            return ch
    return ""


def _initial_consonant(stem: str, suffix: str) -> str:
    """Choose the suffix's first consonant for *stem* (suffix starts with a consonant)."""
    first = suffix[0]
    sound = _last_sound(stem)
    fv = _first_vowel(suffix[1:3])
    high = fv in HIGH
    rest = suffix[1:]
    if first in "гк":
        return "к" if sound == "f" else "г"
    if first in "дтнл":
        if high:
            # -лык/-дык/-тык (adjective) vs -ны/-ды/-ты, -нын/-дын/-тын
            lyk = len(rest) >= 2 and rest[1] in "кг"
            if sound == "v":
                return "л" if lyk else "н"
            if sound == "f":
                return "т"
            if lyk and sound == "r":
                return "л"
            return "д"
        # low vowel: plural -лар/-дар/-тар vs locative/ablative -да/-дан
        # the approximate plural -лаган/-даган/-таган follows the plural: жыйырмалаган
        plural = (
            len(rest) >= 2
            and rest[1] == "р"
            or (len(rest) == 4 and rest[1] == "г" and rest[3] == "н")
        )
        if first == "н" and sound == "v":
            return "н"
        if plural:
            if sound in "vr":
                return "л"
            return "т" if sound == "f" else "д"
        return "т" if sound == "f" else "д"
    return first


def attach(stem: str, suffix: str, *, possessive: bool = False) -> str:
    """Write *suffix* onto *stem* re-made by harmony and assimilation.

    *possessive* marks a stem that ends in the third-person possessive (Уюму,
    министрлиги): case suffixes then take the pronominal н (Уюмуна, министрлигинин).
    """
    if not suffix:
        return stem
    suffix = suffix.lower()
    if possessive and _is_vowel_final(stem):
        made = _attach_possessive(stem, suffix)
        if made is not None:
            return made
    first = suffix[0]
    if first in VOWELS:
        if _is_vowel_final(stem):
            body = _vowel_initial_after_vowel(suffix)
        else:
            body = suffix
            stem = _voice_final(stem)
        return stem + _harmonize_vowels(stem, body)
    if first == "с" and len(suffix) > 1 and suffix[1] in HIGH:
        # possessive -сы after a vowel, -ы after a consonant
        if not _is_vowel_final(stem):
            stem = _voice_final(stem)
            return stem + _harmonize_vowels(stem, suffix[1:])
        return stem + _harmonize_vowels(stem, suffix)
    if first == "н" and len(suffix) > 1 and suffix[1] == "ч":
        # ordinal written as -нчы after a consonant-final stem: add the linking vowel
        if not _is_vowel_final(stem):
            return stem + _harmonize_vowels(stem, "ы" + suffix)
        return stem + _harmonize_vowels(stem, suffix)
    if first in "гкдтнл":
        cons = _initial_consonant(stem, suffix)
        if len(stem) > 2 and stem[-1] == stem[-2] == cons:
            stem = stem[:-1]  # мегаватт + тан → мегаваттан
        return stem + _harmonize_vowels(stem, cons + suffix[1:])
    return stem + _harmonize_vowels(stem, suffix)


def _vowel_initial_after_vowel(suffix: str) -> str:
    """A vowel-initial suffix written for a consonant stem, placed after a vowel stem."""
    rest = suffix[1:]
    if rest.startswith("нч"):
        return rest  # ordinal: бир-инчи but жыйырма-нчы
    # possessive -ы/-ын/-ына/-ында/-ынан/-ынын → -сы/-сын/-сына ...
    return "с" + suffix


def _voice_final(stem: str) -> str:
    """к → г and п → б at the end of a many-syllable stem before a vowel (биримдиги)."""
    if len(stem) > 1 and stem[-1] in "кп" and _count_vowels(stem) > 1 and stem[-2] in VOWELS:
        return stem[:-1] + ("г" if stem[-1] == "к" else "б")
    return stem


def _attach_possessive(stem: str, suffix: str) -> str | None:
    """Case suffixes after a possessive stem (Уюму + га → Уюмуна)."""
    first = suffix[0]
    fv = _first_vowel(suffix)
    if len(suffix) >= 3 and first in "лдт" and suffix[1] in LOW and suffix[2] == "р":
        # plural: жайы + дордун → жай + лар + ы + нын (жайларынын)
        base = stem[:-2] if stem[-2:-1] == "с" else stem[:-1]
        if base[-1:] in "гб" and _count_vowels(base) > 1:
            base = base[:-1] + ("к" if base[-1] == "г" else "п")  # кырсыгы → кырсыктары
        plural = attach(base, suffix[:3])
        rest = suffix[3:]
        if rest[:1] in HIGH:
            rest = rest[1:]
        with_poss = attach(plural, "ы")
        return attach(with_poss, rest, possessive=True) if rest else with_poss
    if first in VOWELS or (first == "с" and len(suffix) > 1 and suffix[1] in HIGH):
        # a written possessive (ЖЭБи, ИДПсы): the stem already carries it
        body = suffix[1:] if first == "с" else suffix
        rest = body[1:]
        if not rest:
            return stem
        if rest[0] == "н":
            return stem + _harmonize_vowels(stem, rest)
        return None
    if suffix.startswith("нд") or (first == "н" and len(suffix) > 1 and suffix[1] in LOW):
        return stem + _harmonize_vowels(stem, suffix)  # already pronominal: -нда, -нан
    if first in "гк" and fv in LOW:
        return stem + _harmonize_vowels(stem, "н" + suffix[1:])
    if first in "дтн" and fv in LOW and not (len(suffix) > 2 and suffix[2] == "р"):
        if len(suffix) > 2 and suffix[2] == "н":  # ablative: Уюмунан
            return stem + _harmonize_vowels(stem, "н" + suffix[1:])
        return stem + _harmonize_vowels(stem, "нд" + suffix[1:])  # locative: Уюмунда
    if first in "дтн" and fv in HIGH and not (len(suffix) > 2 and suffix[2] in "кг"):
        if len(suffix) == 2:  # accusative: Уюмун
            return stem + "н"
        return stem + _harmonize_vowels(stem, "н" + suffix[1:])
    return None
