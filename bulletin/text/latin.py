"""Latin-script words in Kyrgyz Cyrillic: lexicon spelling, letter names or transliteration.

``read_latin("Google")`` → ``"Гугл"``; ``read_latin("SMS")`` → ``"эс-эм-эс"``;
``read_latin("Wi-Fi")`` → ``"вай-фай"``; ``read_latin("Tulpar")`` → ``"тулпар"``.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from bulletin.text.data import mapping

_DIGRAPHS = (
    ("tion", "шн"),
    ("tech", "тек"),  # Technology → Текнолоджи, Fintech → Финтек
    ("sch", "ш"),
    ("sh", "ш"),
    ("ch", "ч"),
    ("zh", "ж"),
    ("kh", "х"),
    ("th", "т"),
    ("ph", "ф"),
    ("ck", "к"),
    ("ee", "и"),
    ("oo", "у"),
    ("\ue008", "ау"),  # ou before nd/nt/d/s/t/th: Foundation, House, South → ау
    ("ou", "у"),
    ("oi", "ой"),
    ("oy", "ой"),
    ("ai", "эй"),
    ("ay", "ей"),
    ("ey", "ей"),
    ("qu", "кв"),
    ("ya", "я"),
    ("yu", "ю"),
    ("yo", "ё"),
    ("ts", "ц"),
)
_SINGLE = {
    "a": "а",
    "b": "б",
    "c": "к",
    "d": "д",
    "e": "е",
    "f": "ф",
    "g": "г",
    "h": "х",
    "i": "и",
    "j": "дж",
    "k": "к",
    "l": "л",
    "m": "м",
    "n": "н",
    "o": "о",
    "p": "п",
    "q": "к",
    "r": "р",
    "s": "с",
    "t": "т",
    "u": "у",
    "v": "в",
    "w": "в",
    "x": "кс",
    "y": "и",
    "z": "з",
}
_SPECIAL = {"ß": "ss", "æ": "ae", "ø": "o", "œ": "oe", "ł": "l", "đ": "d", "þ": "th", "ı": "i"}
_VOWEL_SET = frozenset("aeiouy")
# y between consonants at a word's end or before a back vowel reads ы (Tazalyk, Jashyl)
_Y_AS_YI = re.compile(r"[b-df-hj-np-tv-z](?:$|[aouy])")
_SPLIT = re.compile(r"[-'’&]+")
_CAMEL = re.compile(r"([A-Z]?[a-z]{2,})([A-Z]{2,})")


def _ascii_fold(word: str) -> str:
    """Strip accents and fold full-width forms: Señor → Senor, Ａ → A."""
    out: list[str] = []
    for ch in word:
        low = ch.lower()
        if low in _SPECIAL:
            out.append(_SPECIAL[low])
            continue
        for part in unicodedata.normalize("NFKD", ch):
            if part.isascii() and part.isalpha():
                out.append(part.lower())
    return "".join(out)


# English spelling at the end of a word: a silent final e (drive → драйв, make → мейк,
# Binance → бинанс) and -ight / -igh (light → лайт).
_ENDINGS = (
    (re.compile(r"([^aeiouy])([aiou])([bdfgkl-np-tvz])es?$"), None),
    (re.compile(r"nce$"), "ns"),
    (re.compile(r"([nr])ge$"), "\\1\ue006"),
    (re.compile(r"dge$"), "\ue006"),  # Bridge → бридж, Knowledge → ноуледж
    (re.compile(r"all$"), "\ue009ll"),  # Hall, Mall → холл
    (re.compile(r"([^aeiouy])se$"), r"\1s"),
    (re.compile(r"igh(t?)$"), "\ue002\\1"),
)
_LONG_VOWEL = re.compile(r"(?:^|(?<=[^aeiouy]))(?:[ao](?=tion$)|i(?=[sz]er$))")
# private-use marks read straight to Cyrillic by transliterate()
_MAGIC = {"a": "\ue001", "i": "\ue002", "o": "\ue003", "u": "\ue004", "e": "\ue005"}
_MARKS = {
    "\ue001": "ей",
    "\ue002": "ай",
    "\ue003": "оу",
    "\ue004": "ю",
    "\ue005": "и",
    "\ue006": "дж",
    "\ue007": "с",
    "\ue009": "о",
}
# English spelling inside a word: initial kn (Knowledge → ноуледж), wh (White → вайт),
# ou before nd/nt/d/s/t/th (Foundation → фаундейшн, House → хаус)
_INSIDE = (
    (re.compile(r"^kn"), "n"),
    (re.compile(r"wh"), "w"),
    (re.compile(r"ou(?=nd|nt(?!r)|d$|se$|s$|t$|th)"), "\ue008"),
)


def _english_endings(w: str) -> str:
    """Rewrite English silent-e endings to letters the table reads by sound."""
    if len(w) < 4:
        return w
    magic, *rest = _ENDINGS
    found = _LONG_VOWEL.search(w)  # Notion → ноушн, station → стейшн, Pfizer → пфайзер
    if found:
        return w[: found.start()] + _MAGIC[found.group(0)] + w[found.end() :]
    found = magic[0].search(w)
    if found:
        vowel = _MAGIC[found.group(2)]
        tail = "\ue007" if found.group(0).endswith("s") else ""  # Notes → ноутс, not ноуц
        return w[: found.start()] + found.group(1) + vowel + found.group(3) + tail
    for pattern, repl in rest:
        if pattern.search(w):
            return pattern.sub(repl, w)
    return w


def transliterate(word: str) -> str:
    """Read an unknown Latin word by sound in Cyrillic (never returns Latin letters)."""
    w = _ascii_fold(word)
    for pattern, repl in _INSIDE:
        w = pattern.sub(repl, w)
    w = _english_endings(w)
    out: list[str] = []
    i = 0
    n = len(w)
    while i < n:
        for src, dst in _DIGRAPHS:
            if w.startswith(src, i):
                out.append(dst)
                i += len(src)
                break
        else:
            ch = w[i]
            nxt = w[i + 1] if i + 1 < n else ""
            prev = w[i - 1] if i else ""
            if ch == "c" and nxt in ("e", "i", "y"):
                out.append("с")
            elif ch == "g" and nxt in ("e", "i", "y"):
                out.append("дж")
            elif ch == "s" and prev in _VOWEL_SET and nxt in _VOWEL_SET:
                out.append("з")
            elif ch == "e" and (i == 0 or (i == 1 and prev == "a")):
                out.append("э")  # Aeroflot → аэрофлот
            elif ch == "y" and prev and prev not in _VOWEL_SET and _Y_AS_YI.match(w, i + 1):
                out.append("ы")  # Kyrgyz names in Latin: Tazalyk → тазалык, Altyn → алтын
            elif ch == "y" and nxt in ("a", "e", "i", "o", "u"):
                out.append("й")
            else:
                out.append(_SINGLE.get(ch) or _MARKS.get(ch, ""))
            i += 1
    return "".join(out)


def spell(word: str) -> str:
    """Latin letter names: "CVV" → "си-ви-ви"."""
    names = mapping("latin_letters")
    parts = [names.get(_ascii_fold(ch).upper(), "") for ch in word if ch.isalpha()]
    return "-".join(p for p in parts if p)


@cache
def _lower_table() -> dict[str, str]:
    return {k.lower(): v for k, v in mapping("latin").items()}


def lookup(word: str) -> str | None:
    """The shipped Kyrgyz spelling of a Latin word, or None."""
    table = mapping("latin")
    if word in table:
        return table[word]
    if word[1:].islower() or word.islower():
        spoken = _lower_table().get(word.lower())
        if spoken and word[0].isupper() and spoken[0].islower() and word.lower() in table:
            return spoken[0].upper() + spoken[1:]  # a common word written with a capital
        return spoken
    return None


def read_latin(word: str) -> str:
    """A Latin-script word (hyphens and apostrophes allowed) said in Kyrgyz."""
    known = lookup(word)
    if known is not None:
        return known
    camel = _CAMEL.fullmatch(word)
    if camel:  # ChatGPT → Чат-джи-пи-ти, OpenAI → Опен-эй-ай
        return read_latin(camel.group(1)) + "-" + spell(camel.group(2))
    parts = [p for p in _SPLIT.split(word) if p]
    if len(parts) > 1:
        return "-".join(p for p in (read_latin(p) for p in parts) if p)
    if not parts:
        return ""
    word = parts[0]
    folded = _ascii_fold(word)
    if not folded:
        return ""
    vowels = sum(1 for ch in folded if ch in "aeiouy")
    if (word.isupper() and len(folded) <= 5) or vowels == 0 or len(folded) == 1:
        return spell(word)
    spoken = transliterate(word)
    if word[:1].isupper() and not word.isupper():
        return spoken[:1].upper() + spoken[1:]  # a proper name keeps its capital
    return spoken
