"""Phrase breaks: the rules of data/phrasing.tsv and how a long sentence is cut."""

from __future__ import annotations

import pytest

from bulletin.text.phrasing import (
    PHRASE_MAX_CHARS,
    boundaries,
    rules,
    split_phrases,
)


def weight_before(text: str, word: str) -> float:
    """The weight of the boundary just before *word* in *text*."""
    at = text.index(" " + word) + 1
    return dict(boundaries(text))[at]


@pytest.mark.parametrize(
    ("text", "word", "low", "high"),
    [
        # after converbs and participle clauses
        ("Министр жыйынга катышып сөз сүйлөдү", "сөз", 3, 5),
        ("Ал иштеп кетти", "кетти", 0, 0.2),  # an auxiliary after a converb: never
        ("Балдар мектеп курулушуна катышты", "курулушуна", 0, 0.6),  # мектеп is a noun
        ("Жыйын башталганда министр сүйлөдү", "министр", 3, 5),
        ("Ал келгендигин айтты", "айтты", 3, 5),
        ("Жыйын бүткөндөн кийин министр сүйлөдү", "министр", 4, 5),
        # before coordinating words
        ("Ал келди бирок эч нерсе айткан жок", "бирок", 4, 5),
        ("Ал келди ал эми мен кеттим", "ал", 4, 5),
        ("Бишкек жана Ош шаарлары", "жана", 2, 2),
        # punctuation
        ("Ал келди, бирок кетти", "бирок", 5, 5),
        ("Ош — түштүк борбору", "—", 4, 4),
        # noun groups: a genitive, an adjective or a number word is not left alone
        ("Өлкөнүн президенти келди", "президенти", 0, 0.2),
        ("экономикалык биримдик", "биримдик", 0, 0.2),
        ("эки миң жыйырма", "миң", 0, 0.2),
        ("декабрына салыштырмалуу өстү", "салыштырмалуу", 0, 0.2),
    ],
)
def test_boundary_weights(text: str, word: str, low: float, high: float) -> None:
    assert low <= weight_before(text, word) <= high


def test_rules_load_every_kind() -> None:
    r = rules()
    assert r.after_mark[","] == 5
    assert r.after_ending and r.after_pair and r.before_word
    assert "мектеп" in r.not_after and "жат" in r.not_before_prefix


def test_short_sentence_stays_whole() -> None:
    assert split_phrases("Ал келди.") == ["Ал келди."]
    assert split_phrases("   ") == []


def test_long_sentence_breaks_at_the_clause() -> None:
    text = (
        "Министр жыйынга катышып, жаңы мыйзамдын долбоору талкууланып жатканын айтты "
        "жана ал долбоор жакында парламентке жөнөтүлөрүн билдирди."
    )
    first, second = split_phrases(text)
    assert first.endswith("айтты") and second.startswith("жана")


def test_every_phrase_fits_and_the_words_are_kept() -> None:
    words = ("өлкөнүн экономикалык абалы жакшырып келе жатканын белгилеп " * 20).split()
    text = " ".join(words)
    phrases = split_phrases(text)
    assert all(len(p) <= PHRASE_MAX_CHARS for p in phrases)
    assert " ".join(phrases).split() == words


def test_one_word_longer_than_the_limit_is_cut() -> None:
    assert [len(p) for p in split_phrases("ы" * 250, 100)] == [100, 100, 50]


def test_breaks_never_fall_inside_a_number_unless_forced() -> None:
    text = (
        "Бюджеттин кирешеси эки миң жыйырма бешинчи жылы жүз жыйырма үч миллиард төрт жүз "
        "элүү алты миң сомду түзүп, пландагыдан көп болду."
    )
    phrases = split_phrases(text)
    assert len(phrases) == 2
    assert phrases[0].endswith("бешинчи жылы")  # between the two numbers, not inside one
