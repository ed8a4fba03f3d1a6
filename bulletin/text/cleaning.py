"""Cleaning text before it is normalised: what the voice must never see.

Escape sequences (``\\x1b[31m`` whole), control characters, bidi marks and zero-width
characters are removed; compatibility forms are folded where that is safe (``ﬁ`` → ``fi``,
``Ⅻ`` → ``XII``, full-width ``５`` → ``5``), but ``м²``/``м³`` stay units, ``5²`` becomes
``5 квадрат``, and ``½``, ``№``, ``…`` and the no-break spaces the number reader knows are
kept; letters of other scripts and emoji are dropped and listed; a "word" of thousands of
characters is broken into pieces (``MAX_TOKEN``).

>>> clean("Салам 😀 \\x1b[1mдүйнө\\x1b[0m ﬁнал Ⅻ")
Cleaned(text='Салам  дүйнө fiнал XII', dropped=('😀',))
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

# ESC [ ... final byte (CSI), ESC ] ... BEL or ESC \ (OSC), other two-byte escapes, 8-bit CSI
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]?"
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"
    r"|\x1b[P^_X][^\x1b]*(?:\x1b\\)?"
    r"|\x1b[ -/]*[0-~]?"
    r"|\x9b[0-?]*[ -/]*[@-~]?"
)
# separators that are line breaks for some readers but not for normalize(): a plain space
_SPACE_LIKE = frozenset("\t\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\u2028\u2029")
# kept as written: the scanner reads them (fractions, №, ellipsis, number-group spaces)
_KEEP_AS_IS = frozenset("½⅓⅔¼¾⅕⅖⅗⅘⅙⅛⅜⅝⅞№…\u00a0\u202f\u2009²³")
# an arrow between figures (14 870 → 17 340) is read as a dash, a pause; a list marker (•, ►,
# ▪, ✔) as the hyphen that lists already use
_ARROWS = frozenset("→⇒⟶➔➜➝➞⮕")
_BULLETS = frozenset("•►▶▸▪■●◆◇○◦✓✔☑")
_SUPERSCRIPT_DIGITS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")
_SUPERSCRIPT_RUN = re.compile("[⁰¹²³⁴⁵⁶⁷⁸⁹]+")
# runs of characters that need a closer look (everything but plain text)
_UNUSUAL = re.compile(r"[^\n -~\u0400-\u0481\u048a-\u04ff«»“”„‘’—–…№]+")
# unit squares (NFKC would give Latin m2): the unit tables read the Cyrillic forms
_SQUARED_UNITS = {
    "㎡": "м²",
    "㎥": "м³",
    "㎢": "км²",
    "㎞": "км",
    "㎏": "кг",
    "㎝": "см",
    "㎜": "мм",
}
# a run of non-space characters longer than this is no word (the longest real ones are
# web addresses, under 200): it is broken at its punctuation, or every MAX_TOKEN characters,
# so that no reading rule works on it for time growing with the square of its length
MAX_TOKEN = 256
# a slash with spaces around it between two words (Алматы / Бишкек) is a list's comma
_SPACED_SLASH = re.compile(r"(?<=[^\W\d_»)])[ \u00a0]+/[ \u00a0]+(?=[^\W\d_«(])")
_LONG_TOKEN = re.compile(rf"[^\s]{{{MAX_TOKEN + 1},}}")
_HUGE_DIGITS = re.compile(rf"(\d{{{MAX_TOKEN + 1},}})")
_BREAK_AFTER = re.compile(r".*[-./,;:_|]", re.DOTALL)
# a fraction glued to a word or a full stop (т.б.½) stands apart, as the reader needs
_GLUED_FRACTION = re.compile(r"(?<=[^\d\s\u00a0\u202f\u2009(\[«\"“„'-])(?=[½⅓⅔¼¾⅕⅖⅗⅘⅙⅛⅜⅝⅞])")
_LOWER_CYRILLIC = frozenset("абвгдеёжзийклмнңоөпрстуүфхцчшщъыьэюя")
_MAX_LISTED = 20  # dropped runs listed (the warning is one line)
_MAX_RUN = 16  # characters shown of one dropped run


@dataclass(frozen=True)
class Cleaned:
    """The text to normalise, and the runs of characters dropped from it (first seen first)."""

    text: str
    dropped: tuple[str, ...] = ()


@cache
def _read_symbols() -> frozenset[str]:
    """Symbols the normaliser reads (its symbol, currency and unit tables) or passes on."""
    from bulletin.text.data import table

    known = set("$€₽₸£¥₺%°+–—=<>±×÷~^`|\\_*&@#§")
    for name in ("symbols", "currencies", "units"):
        for key in table(name):
            known.update(ch for ch in key if unicodedata.category(ch)[0] == "S")
    return frozenset(known)


# letters of neighbouring Cyrillic alphabets (data/cyrillic_fold.tsv)
_NEIGHBOUR_LETTER = "іІїЇєЄәӘғҒқҚұҰһҺўЎґҐјЈ"
_NEIGHBOUR_ANY = re.compile(f"[{_NEIGHBOUR_LETTER}]")
# a Latin letter touching a Cyrillic one (Бишкeк with a Latin e)
_SCRIPTS_MEET = re.compile(r"[A-Za-z](?:(?<=[\u0400-\u04ff].)|(?=[\u0400-\u04ff]))")
_LETTER = re.compile(r"[^\W\d_]")
_LETTERS = re.compile(r"[^\W\d_]*")


def _fold_mixed_words(text: str) -> str:
    """Each word where a Latin letter touches a Cyrillic one, folded (:func:`_fold_mixed_word`)."""
    out: list[str] = []
    done = 0
    for meet in _SCRIPTS_MEET.finditer(text):
        if meet.start() < done:
            continue
        start = meet.start()
        while start > done and _LETTER.match(text, start - 1):  # back to the word's start
            start -= 1
        end = _LETTERS.match(text, start).end()
        out += [text[done:start], _fold_mixed_word(text[start:end])]
        done = end
    return "".join(out) + text[done:]


def _fold_mixed_word(word: str) -> str:
    """Бишкeк (a Latin e) → Бишкек: a word's look-alike letters go to its main script."""
    to_cyrillic, to_latin = _homoglyphs()
    latin = sum(c.isascii() for c in word)
    if latin * 2 < len(word) and all(c in to_cyrillic for c in word if c.isascii()):
        return word.translate(str.maketrans(to_cyrillic))
    if (
        latin * 2 > len(word)
        and word[-1].isascii()  # iPhoneка: a Kyrgyz suffix on a Latin name stays
        and all(c in to_latin for c in word if not c.isascii())
    ):
        return word.translate(str.maketrans(to_latin))
    return word


@cache
def _homoglyphs() -> tuple[dict[str, str], dict[str, str]]:
    from bulletin.text.data import mapping

    to_cyrillic = mapping("homoglyphs")
    return to_cyrillic, {v: k for k, v in to_cyrillic.items()}


# a word with a letter of a neighbouring Cyrillic alphabet; a Roman numeral written with the
# Cyrillic І and Х (ХІХ кылым) stays for the Roman numeral reader
_NEIGHBOUR_WORD = re.compile(rf"(?<![^\W\d_])[^\W\d_]*[{_NEIGHBOUR_LETTER}][^\W\d_]*")
_ROMAN_LETTERS = re.compile(r"[IVXLCDMІХ]+")


def _fold_neighbour_word(m: re.Match[str]) -> str:
    word = m.group()
    return word if _ROMAN_LETTERS.fullmatch(word) else word.translate(_neighbour_letters())


@cache
def _neighbour_letters() -> dict[int, str]:
    """Kazakh, Uzbek, Ukrainian letters read as Kyrgyz ones (``data/cyrillic_fold.tsv``)."""
    from bulletin.text.data import mapping

    return str.maketrans(mapping("cyrillic_fold"))


def _is_latin(ch: str) -> bool:
    return ch < "\u0250" or "\u1e00" <= ch <= "\u1eff"


def _is_cyrillic(ch: str) -> bool:
    """The Cyrillic block's letters (Kyrgyz, Russian and their neighbours), not its supplements."""
    return "\u0400" <= ch <= "\u04ff"


def _keep(ch: str) -> bool | None:
    """True: keep; False: drop and list; None: remove silently (marks, format characters)."""
    if ch == "\n" or ch == " " or ch in _KEEP_AS_IS:
        return True
    category = unicodedata.category(ch)
    kind = category[0]
    if kind == "L":
        return _is_cyrillic(ch) or _is_latin(ch)
    if kind == "N":
        return "0" <= ch <= "9"
    if kind == "P":
        return True
    if kind == "Z":
        return True
    if kind == "S":
        return ch in _read_symbols()
    if kind == "M" or category == "Cf":
        return None  # stress accents, variation selectors, zero-width and bidi marks
    if category == "Cc":
        return None
    return False  # private use, unassigned, lone surrogates


def _fold(ch: str) -> str:
    """One character's safe compatibility folding (NFKC of that character alone)."""
    if ch in _SPACE_LIKE:
        return " "
    if ch == "−":  # minus sign: the readers know the hyphen-minus
        return "-"
    if ch in _ARROWS:
        return "–"
    if ch in _BULLETS:
        return "-"
    if ch in "µμ":  # micro: мкг, мкм as Kyrgyz writes them
        return "мк"
    if ch in _KEEP_AS_IS or ch < "\u00a0" or ch in _read_symbols():
        return ch
    if ch in _SQUARED_UNITS:
        return _SQUARED_UNITS[ch]
    if unicodedata.category(ch) == "Nd" and not "0" <= ch <= "9":
        return str(unicodedata.digit(ch))
    folded = unicodedata.normalize("NFKC", ch)
    if folded != ch and all(_keep(c) for c in folded):
        return folded
    return ch


def _is_suffix(text: str, start: int) -> bool:
    """The lower-case letters at *start* are a case or possessive suffix (м²ден), not a word."""
    from bulletin.text.scanner import SUF_RE

    end = start
    while end < len(text) and text[end] in _LOWER_CYRILLIC:
        end += 1
    found = SUF_RE.match(text, start, end)
    return bool(found) and found.end() == end


def _superscript(m: re.Match[str]) -> str:
    """5² → 5 квадрат, 10⁶ → 10 6-даражада; м², км³ stay units; other marks are footnotes."""
    before = m.string[m.start() - 1] if m.start() else ""
    run = m.group()
    if before.isdigit():
        exponent = run.translate(_SUPERSCRIPT_DIGITS)
        word = {"2": "квадрат", "3": "куб"}.get(exponent)
        return " " + (word or f"{exponent}-даражада")
    if before.isalpha() and run in ("²", "³"):
        after = m.string[m.end() : m.end() + 1]
        # м²ден takes a suffix; before anything else (м²Бул, м²iv) the unit ends the word
        suffix = after in _LOWER_CYRILLIC and _is_suffix(m.string, m.end())
        glued = after and not suffix and unicodedata.category(after)[0] not in "PZC"
        return run + " " if glued else run
    return ""


class _Collector:
    """Rewrites one run of unusual characters; remembers the runs it drops."""

    def __init__(self) -> None:
        self.dropped: dict[str, None] = {}

    def _note(self, run: list[str]) -> None:
        if run and len(self.dropped) < _MAX_LISTED:
            self.dropped.setdefault(_shown("".join(run)))

    def __call__(self, m: re.Match[str]) -> str:
        out: list[str] = []
        run: list[str] = []
        for ch in m.group():
            for piece in _fold(ch):
                keep = _keep(piece)
                if keep is False:
                    run.append(piece)
                elif keep:
                    self._note(run)
                    run = []
                    out.append(piece)
                # None: removed silently (a mark inside a dropped emoji sequence goes with it)
        self._note(run)
        return "".join(out)


def _shown(run: str) -> str:
    shown = "".join(f"U+{ord(c):04X}" if not c.isprintable() else c for c in run)
    return shown if len(run) <= _MAX_RUN else shown[:_MAX_RUN] + "…"


def _chop(part: str) -> list[str]:
    pieces: list[str] = []
    while len(part) > MAX_TOKEN:
        head = _BREAK_AFTER.match(part, 0, MAX_TOKEN)
        cut = head.end() if head and head.end() > MAX_TOKEN // 2 else MAX_TOKEN
        pieces.append(part[:cut])
        part = part[cut:]
    pieces.append(part)
    return pieces


def _break_token(m: re.Match[str]) -> str:
    """Cut an over-long token into pieces of at most MAX_TOKEN characters.

    A run of digits stays whole, with what is written against it (``0,777…7-жылы``): the
    number reader names a run that long once (:func:`bulletin.text.numbers.digits`).
    """
    parts = _HUGE_DIGITS.split(m.group())
    return "".join(p if i % 2 else " ".join(_chop(p)) for i, p in enumerate(parts))


def clean(text: str) -> Cleaned:
    """Remove what must not be read, fold compatibility forms, drop other scripts.

    Line breaks (``\\n``) are kept, so the result has as many lines as *text*.

    >>> clean("Аянты 120 м², 5² = 25 ✅ 北京")
    Cleaned(text='Аянты 120 м², 5 квадрат = 25  ', dropped=('✅', '北京'))
    """
    if not isinstance(text, str):
        text = str(text)
    text = _ESCAPES.sub("", unicodedata.normalize("NFC", text))
    text = _SUPERSCRIPT_RUN.sub(_superscript, text)
    collector = _Collector()
    text = _UNUSUAL.sub(collector, text)
    if _SCRIPTS_MEET.search(text):  # rare: the scan is cheaper than the fold's loop
        text = _fold_mixed_words(text)
    if _NEIGHBOUR_ANY.search(text):
        text = _NEIGHBOUR_WORD.sub(_fold_neighbour_word, text)
    text = _LONG_TOKEN.sub(_break_token, text)
    if " /" in text or "\u00a0/" in text:  # the test first: the pattern is slow to scan
        text = _SPACED_SLASH.sub(", ", text)
    text = _GLUED_FRACTION.sub(" ", text)
    return Cleaned(unicodedata.normalize("NFC", text), tuple(collector.dropped))
