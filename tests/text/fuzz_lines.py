"""Random and hostile lines for the normaliser (a seeded generator, no files)."""

from __future__ import annotations

import random

WORDS = [
    "жана",
    "менен",
    "боюнча",
    "маалымат",
    "өлкөнүн",
    "бюджеттин",
    "көлөмү",
    "түздү",
    "өстү",
    "аймактарда",
    "мектеп",
    "жылы",
    "ашык",
    "адам",
    "катышты",
    "чейин",
    "тартып",
    "саат",
    "эл",
    "аралык",
    "соода",
    "долбоор",
    "министрлиги",
    "кабыл",
    "алынды",
    "болот",
    "ылдамдыгы",
    "Бишкек",
    "Ош",
    "Кыргызстан",
    "Президент",
    "Эми",
    "Ал",
    "Бул",
    "бирок",
    "келип",
]
SUFFIXES = ("", "-жылы", "ке", "-июнда", "%", "%га", " сом", " млн", " млн.", " км", " м²",
            "-ж.", " ж.", "дан", "-чи", " $", "€", " °C", "-класстар", "тен")  # fmt: skip
SYMBOLS = list("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~«»—–…№§°±×÷≈≠≤≥‰′″•·¤¦©®™€₽₸£¥₺¢")
HOSTILE = [
    "\x1b[31m",
    "\x1b[0m",
    "\x1b]0;x\x07",
    "\x00",
    "\x07",
    "\x7f",
    "\u200b",
    "\u200d",
    "\u202e",
    "\u2066",
    "\ufeff",
    "\u00ad",
    "😀",
    "👨\u200d👩\u200d👧",
    "🇰🇬",
    "北京",
    "Αθήνα",
    "دبي",
    "Երևան",
    "\ufffd",
    "\ue000",
    "ﬁ",
    "Ⅻ",
    "ⅳ",
    "２０２５",
    "Ａｂｃ",
    "5²",
    "10⁶",
    "сөз¹",
    "H₂O",
    "½",
    "¾",
    "\u0301",
    "\u0489",
    "\t",
    "\r",
    "\u2028",
    "١٢٣",
    "XIV",
    "www.gov.kg",
    "info@gov.kg",
    "12.05.2025",
    "14:30",
    "+996 312 62 53 00",
    "ЕАЭБ",
    "КР",
    "т.б.",
    "ж.б.у.с.",
    "3D",
    "ID-картасын",
    "COVID-19",
]


def number(rng: random.Random) -> str:
    size = rng.choice((1, 1, 2, 3, 4, 4, 5, 7, 10, 13, 22, 40, 70, 300))
    digits = "".join(rng.choice("0123456789") for _ in range(size))
    shape = rng.random()
    if shape < 0.15:
        return f"{digits},{rng.randint(0, 999)}"
    if shape < 0.25:
        return f"{digits}-{rng.randint(0, 9999)}"
    if shape < 0.3:
        return f"-{digits}"
    if shape < 0.35:
        return " ".join(digits[i : i + 3] for i in range(0, len(digits), 3))
    return digits


def token(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.35:
        return rng.choice(WORDS)
    if kind < 0.6:
        return number(rng) + rng.choice(SUFFIXES)
    if kind < 0.72:
        return rng.choice(SYMBOLS)
    if kind < 0.9:
        return rng.choice(HOSTILE)
    if kind < 0.95:
        return "".join(chr(rng.randint(0x20, 0x2FFF)) for _ in range(rng.randint(1, 8)))
    if kind < 0.98:
        return rng.choice(WORDS + SYMBOLS) * rng.randint(2, 400)
    return "".join(rng.choice("Aa1-.,:/") for _ in range(rng.randint(50, 600)))


def lines(count: int, seed: int = 20261130) -> list[str]:
    """*count* lines of random and hostile tokens, joined by spaces or nothing."""
    rng = random.Random(seed)
    result = []
    for _ in range(count):
        tokens = [token(rng) for _ in range(rng.randint(1, 25))]
        result.append("".join(t + rng.choice((" ", " ", " ", "")) for t in tokens))
    return result
