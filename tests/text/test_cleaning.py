"""clean(): what is removed, folded, kept and dropped before normalising (issue 9, item 7)."""

from __future__ import annotations

import pytest

from bulletin.text import Cleaned, clean, explain, normalize

CASES = [
    # escape sequences go whole, controls and invisible marks go
    ("\x1b[31mкызыл\x1b[0m түс", "кызыл түс", ()),
    ("\x1b]0;title\x07жаңылык", "жаңылык", ()),
    ("\x1b[1;2;3Hабал\x9b2Jжакшы", "абалжакшы", ()),
    ("сөз\x00\x07\x08\x7fсөз", "сөзсөз", ()),
    ("сөз\u200b\u200c\u200d\u2060\ufeffсөз", "сөзсөз", ()),
    ("\u202eБишкек\u202c \u200fОш\u200e \u2066Нарын\u2069", "Бишкек Ош Нарын", ()),
    ("ка\u00adлаа", "калаа", ()),
    ("тыныгуу\tжок\r\n", "тыныгуу жок \n", ()),
    ("бир\nэки\n\nүч", "бир\nэки\n\nүч", ()),
    # stress accents are marks: the letter stays
    ("ка\u0301ла", "кала", ()),
    # folding: ligatures, Roman numerals, full-width forms, unit squares
    ("ﬁнал", "fiнал", ()),
    ("Ⅻ кылым, ⅳ бөлүм", "XII кылым, iv бөлүм", ()),
    ("２０２５-жылы ＡＢ", "2025-жылы AB", ()),
    ("30 ㎡ жана 5 ㎞", "30 м² жана 5 км", ()),
    # superscripts: units keep them, numbers get a power word, footnotes go
    ("120 м² жана 3 км³", "120 м² жана 3 км³", ()),
    ("5² = 25, 2³ = 8, 10⁶", "5 квадрат = 25, 2 куб = 8, 10 6-даражада", ()),
    ("сөз¹ жана сөз²⁰", "сөз жана сөз", ()),
    # kept as written: the reading rules know them
    ("½ бөлүгү, №5ке, …", "½ бөлүгү, №5ке, …", ()),
    ("1\u00a0000 жана 2\u202f500", "1\u00a0000 жана 2\u202f500", ()),
    ("$5 €3 ₽7 ₸9 %", "$5 €3 ₽7 ₸9 %", ()),
    # an arrow between figures is a dash (a pause); list markers are the hyphen lists use
    ("Жүк: 3 120 т → 3 560 т", "Жүк: 3 120 т – 3 560 т", ()),
    ("► Ош\n• Нарын\n✔ Талас", "- Ош\n- Нарын\n- Талас", ()),
    # a slash with spaces between two words is a list's comma; 4G/LTE and 1 / 2 stay
    ("Алматы / Бишкек, 4G/LTE, 1 / 2", "Алматы, Бишкек, 4G/LTE, 1 / 2", ()),
    # a word mixing look-alike letters of two scripts is read in its main script
    (
        "Бишкeк, Toктогул, Gооgle, iPhoneка, AIстартап",
        "Бишкек, Токтогул, Google, iPhoneка, AIстартап",
        (),
    ),
    # letters of neighbouring Cyrillic alphabets are read as the nearest Kyrgyz ones
    ("Түркістан, Қарағанды, Ўзбекистон", "Түркистан, Караганды, Узбекистон", ()),
    # other scripts and emoji are dropped and listed, each run once
    ("Салам 😀 дүйнө 😀", "Салам  дүйнө ", ("😀",)),
    ("👨\u200d👩\u200d👧 үй-бүлө", " үй-бүлө", ("👨👩👧",)),
    ("Пекин (北京) жана Токио (東京)", "Пекин () жана Токио ()", ("北京", "東京")),
    ("Ереван (Երևան), Афина (Αθήνα)", "Ереван (), Афина ()", ("Երևան", "Αθήνα")),
    ("Дубай دبي", "Дубай ", ("دبي",)),
    ("белги ✅ ★", "белги  ", ("✅", "★")),
    ("\ud800x\ue000", "x", ("U+D800", "U+E000")),
    # other digits are digits
    ("١٢٣ жана ५", "123 жана 5", ()),
]


@pytest.mark.parametrize(("written", "text", "dropped"), CASES, ids=[c[0][:20] for c in CASES])
def test_clean(written: str, text: str, dropped: tuple[str, ...]) -> None:
    assert clean(written) == Cleaned(text, dropped)


def test_kyrgyz_letters_are_never_folded() -> None:
    letters = "абвгдеёжзийклмнңоөпрстуүфхцчшщъыьэюя"
    both = letters + letters.upper()
    assert clean(both).text == both


def test_line_count_is_kept() -> None:
    text = "a\x1b[2K\nб\u2028в\rг\x85д\n😀\n"
    assert clean(text).text.count("\n") == text.count("\n")


def test_the_dropped_list_is_bounded() -> None:
    text = " ".join(chr(0x4E00 + i) + "ы" for i in range(500))
    assert len(clean(text).dropped) == 20


def test_a_word_of_a_million_characters_is_broken_into_pieces() -> None:
    cleaned = clean("а-" * 500_000)
    assert max(len(word) for word in cleaned.text.split()) <= 256
    assert cleaned.text.replace(" ", "") == "а-" * 500_000


def test_normalize_and_explain_clean_first() -> None:
    assert normalize("\x1b[31m5\x1b[0mке чейин 😀") == "Бешке чейин "
    assert normalize("5² метр") == "Беш квадрат метр"
    assert normalize("Ⅻ кылым") == "Он экинчи кылым"
    traces = explain("Салам 😀 5ке")
    assert traces[0].written == "😀" and traces[0].rule == "dropped"
    assert [t.spoken for t in traces[1:]] == ["Салам", "бешке"]


def test_a_unit_square_keeps_its_suffix_and_ends_before_another_word() -> None:
    assert clean("1 млн м²ден ашык").text == "1 млн м²ден ашык"
    assert clean("9856 м²Бул").text == "9856 м² Бул"
    assert clean("9856 м²өстү").text == "9856 м² өстү"
