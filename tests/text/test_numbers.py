"""Number words: cardinals, ordinals, decimals, fractions, digit strings."""

from __future__ import annotations

import pytest

from bulletin.text.numbers import cardinal, cardinal_str, decimal, digits, fraction, ordinal

CARDINALS = [
    (0, "нөл"),
    (7, "жети"),
    (15, "он беш"),
    (100, "жүз"),
    (1000, "миң"),
    (1100, "миң жүз"),
    (1991, "миң тогуз жүз токсон бир"),
    (2022, "эки миң жыйырма эки"),
    (11000, "он бир миң"),
    (101000, "жүз бир миң"),
    (1_000_000, "бир миллион"),
    (1_234_567, "бир миллион эки жүз отуз төрт миң беш жүз алтымыш жети"),
    (2_000_000_000, "эки миллиард"),
    (10**12, "бир триллион"),
]
ORDINALS = [
    (1, "биринчи"),
    (2, "экинчи"),
    (3, "үчүнчү"),
    (4, "төртүнчү"),
    (5, "бешинчи"),
    (6, "алтынчы"),
    (7, "жетинчи"),
    (8, "сегизинчи"),
    (9, "тогузунчу"),
    (10, "онунчу"),
    (20, "жыйырманчы"),
    (30, "отузунчу"),
    (40, "кыркынчы"),
    (50, "элүүнчү"),
    (60, "алтымышынчы"),
    (70, "жетимишинчи"),
    (80, "сексенинчи"),
    (90, "токсонунчу"),
    (100, "жүзүнчү"),
    (1000, "миңинчи"),
    (128, "жүз жыйырма сегизинчи"),
    (2022, "эки миң жыйырма экинчи"),
]


@pytest.mark.parametrize(("value", "words"), CARDINALS)
def test_cardinal(value: int, words: str) -> None:
    assert cardinal(value) == words


@pytest.mark.parametrize(("value", "words"), ORDINALS)
def test_ordinal(value: int, words: str) -> None:
    assert ordinal(value) == words


def test_negative() -> None:
    assert cardinal(-5) == "минус беш"


def test_grouped_string() -> None:
    assert cardinal_str("7 312 450") == "жети миллион үч жүз он эки миң төрт жүз элүү"
    assert cardinal_str("12\u00a0000") == "он эки миң"


def test_huge_numbers_fall_back_to_digits() -> None:
    assert cardinal_str("1" * 30) == " ".join(["бир"] * 30)


@pytest.mark.parametrize(
    ("whole", "frac", "words"),
    [
        ("3", "5", "үч бүтүн ондон беш"),
        ("12", "75", "он эки бүтүн жүздөн жетимиш беш"),
        ("1", "37", "бир бүтүн жүздөн отуз жети"),
        ("0", "167", "нөл бүтүн миңден жүз алтымыш жети"),
        ("0", "05", "нөл бүтүн жүздөн беш"),
    ],
)
def test_decimal(whole: str, frac: str, words: str) -> None:
    assert decimal(whole, frac) == words


def test_fraction() -> None:
    assert fraction("1", "2") == "экиден бир"
    assert fraction("3", "4") == "төрттөн үч"


def test_digits() -> None:
    assert digits("112") == "бир бир эки"
    assert digits("0800") == "нөл сегиз нөл нөл"


# a run of digits too long to be a number is named, not read (issue 9, item 4)
def test_a_long_run_of_digits_is_named_not_read() -> None:
    from bulletin.text.numbers import MAX_DIGITS_READ

    assert digits("7" * MAX_DIGITS_READ) == " ".join(["жети"] * MAX_DIGITS_READ)
    assert digits("7" * (MAX_DIGITS_READ + 1)) == "алтымыш беш орундуу сан"
    assert cardinal_str("7" * 100_000) == "жүз миң орундуу сан"


@pytest.mark.parametrize(
    "text",
    [
        "Бюджет " + "7" * 100_000 + " сом болду.",
        "Бюджет " + "7" * 100_000 + ",5 сом болду.",
        "Бюджет 0," + "7" * 100_000 + " сом.",
        "Бюджет " + "7" * 100_000 + "-жылы башталды.",
        "Бюджет " + "7" * 100_000 + "%га өстү.",
        "9" * 1_000_000,
        "1" + " 000" * 250_000,
    ],
    ids=[
        "100k digits",
        "decimal",
        "long fraction",
        "ordinal",
        "percent",
        "1 MB digits",
        "1 MB groups",
    ],
)
def test_huge_numbers_give_small_output(text: str) -> None:
    from bulletin.text import normalize

    spoken = normalize(text)
    assert len(spoken) < 200
    assert "орундуу сан" in spoken
