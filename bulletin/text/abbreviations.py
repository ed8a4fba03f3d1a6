"""Acronyms (ЕАЭБдин, ЖКнын, КМШга) and graphic abbreviations (ж.б., т.б., проф.).

``read_acronym("ЕАЭБ", "дин")`` → ``"Евразиялык экономикалык биримдиктин"``;
``read_acronym("БУУ", "га")`` → ``"Бириккен Улуттар Уюмуна"``;
``read_acronym("КМШ", "нын")`` → ``"каэмшанын"``.
"""

from __future__ import annotations

from bulletin.text.data import mapping, table
from bulletin.text.harmony import attach

_VOWELS = frozenset("АЕЁИОӨУҮЫЭЮЯ")


def spell_cyrillic(word: str) -> str:
    """Kyrgyz letter names as one word (a hyphen would be read as a pause): ЖМК → жээмка."""
    names = mapping("letters")
    return "".join(names.get(ch.upper(), ch.lower()) for ch in word if ch.isalpha())


def _word_like(word: str) -> bool:
    """An unknown acronym said as a word: four letters or more, two vowels or more, no three
    vowels or three consonants in a row, not ending in two consonants (ЕАӨБ → еаөбэ and
    ТЭАТМ → тээатээм are spelled; АУЦА, ОБСЕ are words)."""
    if len(word) < 4 or sum(1 for ch in word if ch in _VOWELS) < 2:
        return False
    if word[-1] not in _VOWELS and word[-2] not in _VOWELS:
        return False
    vowels = consonants = 0
    for ch in word:
        if ch in _VOWELS:
            vowels, consonants = vowels + 1, 0
        else:
            vowels, consonants = 0, consonants + 1
        if vowels >= 3 or consonants >= 3:
            return False
    return True


def entry(word: str) -> tuple[str, str, str] | None:
    """(spoken, kind, bare form before a word) for a shipped acronym."""
    row = table("abbreviations").get(word)
    if row is None:
        return None
    spoken = row[0]
    kind = row[1] if len(row) > 1 and row[1] else "expand"
    bare = row[2] if len(row) > 2 and row[2] else spoken
    return spoken, kind, bare


def read_with_kind(spoken: str, kind: str, suffix: str) -> str:
    """Put a written suffix onto an expansion according to its kind."""
    if kind == "fixed":
        return spoken + suffix
    if not suffix:
        return spoken
    return attach(spoken, suffix, possessive=kind == "poss")


def read_acronym(
    word: str,
    suffix: str = "",
    *,
    rubric: bool = False,
    in_brackets: bool = False,
    before_word: bool = False,
    after_genitive: bool = False,
) -> tuple[str, str]:
    """(spoken, rule) for an all-capitals Cyrillic token with an optional suffix.

    *in_brackets*: the acronym stands alone in brackets after its full name, so it is
    spelled by letter names; *before_word*: no suffix and a word follows (КР Финансы
    министрлиги), so the entry's attributive form is used; *after_genitive*: a genitive
    stands before it (КР ЖКнын → Кыргыз Республикасынын Жогорку Кеңешинин), so the head
    takes the possessive.
    """
    known = entry(word)
    if known is not None:
        spoken, kind, bare = known
        if after_genitive and kind in ("expand", "spell") and not in_brackets:
            return attach(attach(spoken, "ы"), suffix, possessive=True), f"acronym:{kind}"
        if in_brackets and kind != "word" and not suffix:
            return spell_cyrillic(word), "acronym:brackets"
        if before_word and not suffix:
            return bare, f"acronym:{kind}"
        return read_with_kind(spoken, kind, suffix), f"acronym:{kind}"
    if rubric or _word_like(word):
        return word + suffix, "pass"
    return attach(spell_cyrillic(word), suffix), "acronym:spell"


def genitive_before(word: str) -> bool:
    """True when the acronym *word*, bare before a noun, is read as a genitive (КР, РФ)."""
    known = entry(word)
    return known is not None and known[2] != known[0]


def graphic_entry(written: str) -> tuple[str, str] | None:
    """(spoken, kind) for a graphic abbreviation such as ж.б. or проф."""
    row = table("graphic").get(written)
    if row is None and written[:1].isupper():
        row = table("graphic").get(written[0].lower() + written[1:])
    if row is None:
        return None
    return row[0], (row[1] if len(row) > 1 else "end")


def graphic_stem(written: str) -> str | None:
    """The stem a consonant suffix goes on: ``graphic_stem("м-н")`` → ``"микрорайон"``."""
    row = table("graphic").get(written)
    return row[2] if row is not None and len(row) > 2 and row[2] else None


def graphic_plural(written: str) -> str | None:
    """The plural after coordinated names: ``graphic_plural("обл.")`` → ``"облустары"``."""
    row = table("graphic").get(written)
    return row[3] if row is not None and len(row) > 3 and row[3] else None


def graphic_keys(*, capitalised: bool = False) -> list[str]:
    """Graphic abbreviations, longest first; *capitalised* adds Мис., Ж.б. (sentence start)."""
    keys = set(table("graphic"))
    if capitalised:
        keys |= {
            k[0].upper() + k[1:]
            for k in table("graphic")
            if k[0].islower() and k.endswith(".") and k not in _NO_CAPITAL
        }
    return sorted(keys, key=len, reverse=True)


# single letters that would read as a capital initial (А. Т. Осмонов) when capitalised
_NO_CAPITAL = frozenset({"к.", "ш.", "ж.", "а.", "с.", "т.б.", "кк."})


def mixed_case_keys() -> list[str]:
    """Shipped acronyms written in mixed case (ОшМУ, ЭлТР), longest first."""
    keys = [k for k in table("abbreviations") if not k.isupper() and any(c.isupper() for c in k)]
    return sorted(keys, key=len, reverse=True)
