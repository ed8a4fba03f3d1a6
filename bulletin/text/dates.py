"""Dates: numeric dd.mm.yyyy and month names.

``read_numeric_date("31", "12", "2026", "")`` → ``"эки миң жыйырма алтынчы жылдын отуз
биринчи декабры"``; with a written suffix after -жыл: ``05.01.2026-жылдан`` →
``"эки миң жыйырма алтынчы жылдын бешинчи январынан"``.
"""

from __future__ import annotations

import re

from bulletin.text.data import table
from bulletin.text.harmony import attach
from bulletin.text.numbers import ordinal

# suffix written after "жыл" → case to put on the possessive month
_YEAR_SUFFIX_CASE = {"ы": "да", "": ""}


def month_names() -> dict[int, tuple[str, str]]:
    """{1: ("январь", "январ"), ...}."""
    return {int(k): (v[0], v[1]) for k, v in table("months").items()}


def read_numeric_date(
    day: str, month: str, year: str, suffix: str = "", case: str | None = None
) -> str | None:
    """A dd.mm.yyyy date, or None when day/month are out of range; *case* overrides *suffix*."""
    d, mo = int(day), int(month)
    months = month_names()
    if not (1 <= d <= 31 and mo in months):
        return None
    _, stem = months[mo]
    if case is None:
        case = _YEAR_SUFFIX_CASE.get(suffix, suffix)
    month_word = attach(stem, "ы")  # possessive: декабры, январы, майы
    if case:
        month_word = attach(month_word, case, possessive=True)
    return f"{ordinal(int(year))} жылдын {ordinal(d)} {month_word}"


# the spoken word after a year (ж. / жж.) or a Roman numeral (к. / кк.), by case
_CONTEXT_FORMS = {
    word: {
        "": default,
        "dat": word + dat,
        "abl": word + abl,
        "gen": word + gen,
        "nom": word,
        "attr": word + attr,
    }
    for word, default, dat, abl, gen, attr in (
        ("жыл", "жылы", "га", "дан", "дын", "кы"),
        ("жылдар", "жылдары", "га", "дан", "дын", "дагы"),
        ("кылым", "кылымда", "га", "дан", "дын", "дагы"),
        ("кылымдар", "кылымдарда", "га", "дан", "дын", "дагы"),
    )
}
# case to put on a dd.mm.yyyy date's possessive month when ж. follows it
# before a possessed noun the date is attributive: 12.05.2025 ж. токтомунун → майындагы
_DATE_CASE = {"": "да", "dat": "га", "abl": "дан", "gen": "дагы", "nom": "", "attr": "дагы"}
# a possessive noun in an oblique case: аягында, январынан, айында, ичиндеги
# and the genitive: бюджетинин, жыйынтыгынын
_POSS_OBLIQUE = re.compile(r"(?:[ыиуү])н(?:д[аеоө](?:г[ыиуү])?|[аеоө]н?|[ыиуү]н)$")
# a possessive noun in the accusative: аймагын, тургундарын (not жакын, бүгүн)
_POSS_ACCUSATIVE = re.compile(r"[^аеиоөуүыэюя][ыиуү]н$")
_NOT_ACCUSATIVE = frozenset({"жакын", "бүгүн", "алдын", "мурун", "кийин", "түгүн", "алтын"})
# an attribute that lets the next word decide: мамлекеттик, жазгы (2024-ж. жазгы сессиясында)
_ATTRIBUTE = re.compile(r"(?:[дтл][ыиуү]к|[гк][ыиуү])$")
_NEXT = re.compile(
    r"[ \u00a0]*(?:(?P<num>(?:\d+(?:[ \u00a0]\d{3})*|[IVX]+)(?:-(?P<hw>[а-яөүңё]+))?"
    r"(?:[ \u00a0]+жарым)?"
    r"|[а-яөүңё]+(?:ынчы|инчи|унчу|үнчү|нчы|нчи|нчу|нчү)(?![а-яөүңё]))[ \u00a0]*)?"
    r"(?P<word>[а-яөүңё]+)?"
)


# a possessive noun in the nominative (тарыхы, аягы, ортосу), not an adjective in -кы / -дагы
# (кызматы: a т after a vowel is a noun's, a past verb has тт or a consonant before: жатты)
_POSS_NOMINATIVE = re.compile(r"(?:[^дткаеиоөуүыэюя]|[аеиоөуүыэ][ст])[ыиуү]$")
# a -лык/-дык noun with the possessive (жарлыгы, буйругу), not an adjective in -гы (жазгы)
_POSS_VOICED = re.compile(r"[ыиуү]г[ыиуү]$")
_NOT_POSSESSIVE = re.compile(r"(?:[кд][аеоө]?г?[ыиуү]|[кг][ыиуү])$|^(?:жаңы|ири|бири|ар|ушул|бул)$")


# postpositions that look like possessed nouns but govern the nominative (шаары тарабынан)
_POSTPOSITIONS = frozenset({"тарабынан", "жөнүндө", "тууралуу", "атынан"})

_CAPITALISED = re.compile(r"[ \u00a0]*([А-ЯӨҮҢЁ])(?=[а-яөүңё])")
# a case, plural or verb ending on a word: not the bare first noun of a compound
_CASE_ENDING = re.compile(
    r"(?:[дтлнгк][аеоө]|[дтн][аеоө]н|[дтнлгк][ыиуү]|[дтн][ыиуү]н|[лд][аеоө]р|[ыиуү]п|[аеоө]т|ш[ыиуү])$"
)
_MONTH_WORDS = frozenset({"январь", "февраль", "март", "апрель", "май", "июнь", "июль"})
_MONTH_WORDS |= {"август", "сентябрь", "октябрь", "ноябрь", "декабрь"}


def _is_possessive_head(word: str) -> bool:
    listed = table("year_context").get(word, [""])[0]
    if listed:
        return listed == "gen"
    if _POSS_OBLIQUE.search(word) or _POSS_VOICED.search(word):
        return True
    return bool(_POSS_NOMINATIVE.search(word)) and not _NOT_POSSESSIVE.search(word)


def context_case(after: str) -> str:
    """The case the words after ж./к. need: "dat", "abl", "gen", "nom", "attr" or "" (default).

    ``context_case(" чейин бүтөт")`` → ``"dat"``; ``context_case(" 20-декабрында")`` →
    ``"gen"``; ``context_case(" 15-июнда")`` → ``""``.
    """
    if after.lstrip(" \u00a0").startswith("№"):
        return "attr"  # 25.12.2019-ж. №123 токтому → … декабрындагы … токтому
    m = _NEXT.match(after)
    if m is None:
        return ""
    word = m["word"] or ""
    if m["num"] is not None or m.group(0).strip() != word:  # a day, count or ordinal first
        if m["hw"] and m["hw"] != "жарым" and not m.group(0).rstrip().endswith("жарым"):
            return "gen" if _is_possessive_head(m["hw"]) else ""
        return "gen" if word and _is_possessive_head(word) else ""
    return _word_case(after, m, word)


def _word_case(after: str, m: re.Match[str], word: str) -> str:
    """The case a plain word after ж./к. or a place abbreviation needs (see context_case)."""
    if not word:
        return ""
    case = table("year_context").get(word, [""])[0]
    if case and case != "mod":
        return "" if case == "def" else case
    if word in _MONTH_WORDS:  # 2024-ж. март айында: the word after the month decides
        rest = _NEXT.match(after, m.end())
        word = (rest["word"] or "") if rest else ""
    return "gen" if word and _is_possessive_head(_head(after, m, word)) else ""


def possessed_follows(after: str) -> bool:
    """True when *after* starts with a possessed noun, so a place abbreviation before it takes
    the genitive (izafet): ``possessed_follows(" мэриясы")`` → True (Бишкек ш. мэриясы →
    шаарынын мэриясы); a number, a name, a comma or a postposition first → False.
    """
    m = _NEXT.match(after)
    if m is None or m["num"] is not None or not m["word"] or m.group(0).strip() != m["word"]:
        return False
    if table("year_context").get(m["word"], [""])[0] not in ("", "gen", "mod"):
        return False  # чейин, бери, үчүн, күчүнө: a postposition or an idiom
    word = m["word"]
    if word in _POSTPOSITIONS:
        return False
    if _POSS_ACCUSATIVE.search(word) and word not in _NOT_ACCUSATIVE:
        return True  # аймагын, тургундарын
    if _word_case(after, m, word) == "gen":
        return True
    # a compound's bare first noun: Ош ш. өрт кызматы → шаарынын өрт кызматы
    rest = _NEXT.match(after, m.end())
    return (
        not _CASE_ENDING.search(word)
        and rest is not None
        and rest["num"] is None
        and bool(rest["word"])
        and rest.group(0).strip() == rest["word"]
        and _is_possessive_head(rest["word"])
        and rest["word"] not in _POSTPOSITIONS
    )


def _is_attribute(word: str) -> bool:
    listed = table("year_context").get(word, [""])[0]
    if listed:
        return listed == "mod"
    return bool(_ATTRIBUTE.search(word))


def _head(after: str, m: re.Match[str], word: str) -> str:
    """The noun an attribute or a compound's first part leads to: кол жазмалары → жазмалары."""
    for _ in range(2):
        if _is_possessive_head(word) or not _is_attribute(word):
            break
        rest = _NEXT.match(after, m.end())
        if rest is None or rest["num"] is not None or not rest["word"]:
            break
        m, word = rest, rest["word"]
    return word


def context_word(word: str, after: str) -> str:
    """жыл / жылдар / кылым / кылымдар in the case *after* needs: ``("жыл", " чейин")`` → жылга."""
    return _CONTEXT_FORMS[word][context_case(after)]


def date_case(after: str) -> str:
    """The case suffix for a dd.mm.yyyy date written with ж. (12.05.2025 ж. → …майында); a
    document's capitalised name counts too (03.02.2025 ж. Жарлыгы → … февралындагы Жарлыгы)."""
    word = _CAPITALISED.match(after)
    if word:
        after = after[: word.start(1)] + word[1].lower() + after[word.end(1) :]
    return _DATE_CASE[context_case(after)]
