"""Suffix agreement (harmony.attach), cross-checked against the `kyrgyz` inflection engine."""

from __future__ import annotations

import pytest

from bulletin.text.harmony import attach, vowel_class

# (stem, written suffix, expected): from docs/normaliser.md and the notes
CASES = [
    ("беш", "ке", "бешке"),
    ("он", "го", "онго"),
    ("жыйырма", "дан", "жыйырмадан"),
    ("кырк", "тан", "кырктан"),
    ("элүү", "дөн", "элүүдөн"),
    ("жүз", "дөн", "жүздөн"),
    ("үч", "кө", "үчкө"),
    ("тогуз", "га", "тогузга"),
    ("миң", "ден", "миңден"),
    ("үч миң", "дөн", "үч миңден"),
    ("миң үч жүз кырк", "ы", "миң үч жүз кыркы"),
    ("тогуз", "дун", "тогуздун"),
    ("он", "дун", "ондун"),
    ("отуз", "да", "отузда"),
    ("жыйырма", "ы", "жыйырмасы"),
    ("беш", "инде", "бешинде"),
    ("пайыз", "ына", "пайызына"),
    ("доллар", "дөн", "доллардан"),
    ("мегаватт", "тан", "мегаваттан"),
    ("мегаватт", "ка", "мегаваттка"),
    ("ка-эм-ша", "нын", "ка-эм-шанын"),
    ("жэ-эм-ка", "лар", "жэ-эм-калар"),
    ("биримдик", "дин", "биримдиктин"),
    ("биримдик", "ге", "биримдикке"),
    ("сом", "дук", "сомдук"),
    ("пайыз", "дык", "пайыздык"),
    ("бир", "ынчы", "биринчи"),
    ("жыйырма", "ынчы", "жыйырманчы"),
    ("тогуз", "ынчы", "тогузунчу"),
    ("үч", "ынчы", "үчүнчү"),
]

POSSESSIVE = [
    ("Бириккен Улуттар Уюму", "га", "Бириккен Улуттар Уюмуна"),
    ("Бириккен Улуттар Уюму", "нун", "Бириккен Улуттар Уюмунун"),
    ("Бириккен Улуттар Уюму", "да", "Бириккен Улуттар Уюмунда"),
    ("Бириккен Улуттар Уюму", "дагы", "Бириккен Улуттар Уюмундагы"),
    ("Бириккен Улуттар Уюму", "дан", "Бириккен Улуттар Уюмунан"),
    ("Бириккен Улуттар Уюму", "ну", "Бириккен Улуттар Уюмун"),
    ("министрлиги", "ге", "министрлигине"),
    ("министрлиги", "нин", "министрлигинин"),
    ("жылуулук электр борбору", "и", "жылуулук электр борбору"),
    ("жылуулук электр борбору", "инин", "жылуулук электр борборунун"),
    ("жогорку окуу жайы", "дордун", "жогорку окуу жайларынын"),
    ("жогорку окуу жайы", "дорго", "жогорку окуу жайларына"),
]


@pytest.mark.parametrize(("stem", "suffix", "expected"), CASES)
def test_attach(stem: str, suffix: str, expected: str) -> None:
    assert attach(stem, suffix) == expected


@pytest.mark.parametrize(("stem", "suffix", "expected"), POSSESSIVE)
def test_attach_possessive(stem: str, suffix: str, expected: str) -> None:
    assert attach(stem, suffix, possessive=True) == expected


def test_vowel_class() -> None:
    assert vowel_class("тогуз") == "u"
    assert vowel_class("үч") == "ö"
    assert vowel_class("он") == "o"
    assert vowel_class("беш") == "e"
    assert vowel_class("жыйырма") == "a"


def test_empty_suffix_is_identity() -> None:
    assert attach("беш", "") == "беш"


ORACLE_STEMS = [
    "нөл", "бир", "эки", "үч", "төрт", "беш", "алты", "жети", "сегиз", "тогуз", "он",
    "жыйырма", "отуз", "кырк", "элүү", "алтымыш", "жетимиш", "сексен", "токсон", "жүз",
    "миң", "миллион", "миллиард", "пайыз", "доллар", "евро", "километр", "градус", "тонна",
    "гектар", "сом", "биримдик", "Кеңеш", "метр", "киловатт", "мегаватт",
]  # fmt: skip
# written suffix (any harmony variant) per case
ORACLE_CASES = {
    "GENITIVE": "нын",
    "DATIVE": "га",
    "ACCUSATIVE": "ны",
    "LOCATIVE": "да",
    "ABLATIVE": "дан",
}


@pytest.mark.parametrize("stem", ORACLE_STEMS)
@pytest.mark.parametrize("case", sorted(ORACLE_CASES))
def test_agrees_with_kyrgyz_engine(stem: str, case: str) -> None:
    """attach() gives the same form as the `kyrgyz` package's inflect() for plain stems."""
    import kyrgyz  # the test oracle, from the `test` extra
    from kyrgyz import cases

    expected = kyrgyz.inflect(stem, case=getattr(cases, case))
    got = attach(stem, ORACLE_CASES[case])
    if stem.endswith("тт") and case in ("GENITIVE", "ACCUSATIVE", "LOCATIVE", "ABLATIVE"):
        # docs: МВттан → мегаваттан (a doubled т is not tripled); the engine writes ттт
        expected = expected.replace("ттт", "тт")
    assert got == expected
