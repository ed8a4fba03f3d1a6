"""Property tests for ``bulletin.text.normalize`` (hypothesis).

Two kinds of input: arbitrary Unicode text (must never raise, keeps its line breaks) and
news-like Kyrgyz text built from a small grammar of words, numbers with suffixes, dates,
times, money, units, abbreviations, Latin words, symbols and punctuation. For news-like
text the output must be speakable (no digits, Latin letters or ``%№$€§@&``), stable under a
second pass, and keep its sentence and line counts.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
UNSPEAKABLE = re.compile(r"[0-9A-Za-z%№$€§@&]")

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
    "күндүзү",
    "түнкүсүн",
    "болот",
    "ылдамдыгы",
    "баасы",
    "сомго",
    "көбөйдү",
    "жетти",
    "иштейт",
]
NAMES = ["Бишкек", "Ош", "Нарын", "Чүй", "Кыргызстан", "Казакстан", "Садыр", "Айгүл"]
SUFFIXES = ["ке", "ге", "го", "га", "дан", "ден", "тан", "дөн", "да", "та", "ы", "и", "у", "ү"]
NOUN_AFTER_HYPHEN = ["жылы", "жылдын", "орунда", "класста", "ноябрда", "декабрында", "турунун"]
LATIN = ["Google", "Wi-Fi", "IT", "COVID-19", "QR-код", "SMS", "Telegram", "Zoom", "AQI"]
ABBREVIATIONS = ["ЕАЭБдин", "ЕАЭБге", "КМШ", "КМШнын", "БУУга", "ЖКнын", "ИИМ", "ССМдин"]
GRAPHIC = ["ж.б.", "т.б.", "б.а.", "мис."]
UNITS = ["км", "кг", "га", "т", "м", "мм", "МВт", "кВт·саат", "км/саат", "м²", "м³"]
MONEY_WORDS = ["сом", "млн сом", "млрд сом", "млрд долларга", "миң сомдон"]

integers = st.integers(min_value=0, max_value=999_999_999)


def grouped(n: int) -> str:
    """Kyrgyz thousands grouping with a plain space: 7312450 -> '7 312 450'."""
    return f"{n:,}".replace(",", " ") if n >= 10_000 else str(n)


@st.composite
def number_token(draw: st.DrawFn) -> str:
    """A bare, grouped, signed or decimal number."""
    kind = draw(st.sampled_from(["int", "grouped", "decimal", "signed"]))
    n = draw(integers)
    if kind == "int":
        return str(draw(st.integers(0, 9999)))
    if kind == "grouped":
        return grouped(n)
    if kind == "decimal":
        return f"{draw(st.integers(0, 999))},{draw(st.integers(0, 99))}"
    return draw(st.sampled_from("+-")) + str(draw(st.integers(1, 40)))


@st.composite
def special_token(draw: st.DrawFn) -> str:
    """One of the things the normaliser must rewrite."""
    small = draw(st.integers(1, 999))
    year = draw(st.integers(1900, 2099))
    choices: list[Callable[[], str]] = [
        lambda: draw(number_token()),
        lambda: f"{small}{draw(st.sampled_from(SUFFIXES))}",
        lambda: f"{draw(st.integers(1, 31))}-{draw(st.sampled_from(NOUN_AFTER_HYPHEN))}",
        lambda: f"{year}-жылы",
        lambda: f"{year}-{year + draw(st.integers(1, 5))}-жылдары",
        lambda: f"{draw(st.integers(1, 60))}-{draw(st.integers(61, 99))}",
        lambda: (
            f"{draw(st.integers(0, 99))},{draw(st.integers(1, 9))}%{draw(st.sampled_from(['', 'га', 'ы']))}"
        ),
        lambda: f"{small} {draw(st.sampled_from(MONEY_WORDS))}",
        lambda: f"${small} млн",
        lambda: f"€{small}",
        lambda: f"{small} {draw(st.sampled_from(UNITS))}",
        lambda: f"-{draw(st.integers(1, 20))}...-{draw(st.integers(1, 20))}°C",
        lambda: (
            f"{draw(st.integers(0, 23))}:{draw(st.sampled_from(['00', '15', '30', '45']))}"
            f"{draw(st.sampled_from(['', 'да', 'дө', 'го']))}"
        ),
        lambda: "9:00-18:00",
        lambda: f"{draw(st.integers(1, 28)):02d}.{draw(st.integers(1, 12)):02d}.{year}",
        lambda: f"№ {small}",
        lambda: f"§ {draw(st.integers(1, 30))}",
        lambda: draw(st.sampled_from(["XXI кылым", "III даражадагы", "XIX кылымда"])),
        lambda: draw(st.sampled_from(ABBREVIATIONS)),
        lambda: draw(st.sampled_from(GRAPHIC)) + " " + draw(st.sampled_from(WORDS)),
        lambda: draw(st.sampled_from(LATIN)),
        lambda: draw(st.from_regex(r"[A-Za-z]{2,8}", fullmatch=True)),
        lambda: "+996 312 54 79 03",
        lambda: draw(st.sampled_from(["www.gov.kg", "info@gov.kg", "www.stat.gov.kg"])),
        lambda: draw(st.sampled_from(["&", "+", "@", "≈"])) + " " + draw(st.sampled_from(WORDS)),
    ]
    return draw(st.sampled_from(choices))()


@st.composite
def sentence(draw: st.DrawFn) -> str:
    """A news-like sentence: capitalised start, a Kyrgyz word before the final mark."""
    middle = draw(
        st.lists(
            st.one_of(st.sampled_from(WORDS), st.sampled_from(NAMES), special_token()),
            min_size=1,
            max_size=8,
        )
    )
    tokens = [draw(st.sampled_from(NAMES)), *middle, draw(st.sampled_from(WORDS))]
    for i in range(1, len(tokens) - 1):
        if draw(st.integers(0, 5)) == 0:
            tokens[i] += ","
    body = " ".join(tokens) + draw(st.sampled_from([".", ".", "!", "?"]))
    if draw(st.integers(0, 4)) == 0:
        body = f"«{body}»"
    return body


paragraph = st.lists(sentence(), min_size=1, max_size=4).map(" ".join)
news_text = st.lists(paragraph, min_size=1, max_size=3).flatmap(
    lambda paras: st.sampled_from(["\n", "\n\n"]).map(lambda sep: sep.join(paras))
)


def _normalize(text: str) -> str:
    from bulletin.text import normalize

    return normalize(text)


def _split(paragraph_text: str) -> list[str]:
    from bulletin.text import split_sentences

    return split_sentences(paragraph_text)


@FAST
@given(st.text(max_size=200))
def test_never_raises_on_arbitrary_text(text: str) -> None:
    """Any Unicode string normalises to a string, keeping its line breaks."""
    out = _normalize(text)
    assert isinstance(out, str)
    assert out.count("\n") == text.count("\n")


@FAST
@given(news_text)
def test_news_text_output_is_speakable(text: str) -> None:
    """No digits, Latin letters or %№$€§@& survive in news-like text."""
    out = _normalize(text)
    assert not UNSPEAKABLE.findall(out), out


@FAST
@given(news_text)
def test_idempotent(text: str) -> None:
    """Normalising twice equals normalising once."""
    once = _normalize(text)
    assert _normalize(once) == once


@FAST
@given(paragraph)
def test_sentence_count_preserved(text: str) -> None:
    """split_sentences finds as many sentences after normalising as before."""
    assert len(_split(_normalize(text))) == len(_split(text))


@FAST
@given(news_text)
def test_line_count_preserved(text: str) -> None:
    """Every newline of the input is kept, no more, no fewer."""
    assert _normalize(text).count("\n") == text.count("\n")
