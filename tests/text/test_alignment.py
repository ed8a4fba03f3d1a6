"""align(): which written words each spoken word came from."""

from __future__ import annotations

from pathlib import Path

import pytest

from bulletin.text import Lexicon, normalize, split_sentences
from bulletin.text.alignment import align, align_words, match_words

CORPUS = Path(__file__).resolve().parents[2] / "examples" / "corpus"


def corpus_sentences() -> list[str]:
    sentences = []
    for path in sorted(CORPUS.glob("*.txt")):
        for paragraph in path.read_text(encoding="utf-8").split("\n\n"):
            sentences.extend(split_sentences(" ".join(paragraph.split())))
    return sentences


@pytest.mark.parametrize(
    ("written", "pieces"),
    [
        (
            "2022-жылы ЕАЭБдин 30%ы өстү.",
            [
                ("2022-жылы", ("Эки", "миң", "жыйырма", "экинчи", "жылы")),
                ("ЕАЭБдин", ("Евразиялык", "экономикалык", "биримдиктин")),
                ("30%ы", ("отуз", "пайызы")),
                ("өстү.", ("өстү.",)),
            ],
        ),
        (
            "Калкы 7 312 450 адамга жетти.",
            [
                ("Калкы", ("Калкы",)),
                ("7 312 450", ("жети", "миллион", "үч", "жүз", "он", "эки", "миң", "төрт", "жүз", "элүү")),
                ("адамга", ("адамга",)),
                ("жетти.", ("жетти.",)),
            ],
        ),
        (
            "Бааси 3,5 км/саат.",
            [
                ("Бааси", ("Бааси",)),
                ("3,5 км/саат.", ("үч", "бүтүн", "ондон", "беш", "километр", "саатына.")),
            ],
        ),
        ("", []),
    ],
)  # fmt: skip
def test_align_known_sentences(written: str, pieces: list) -> None:
    assert align(written) == pieces


def test_every_corpus_sentence_aligns_back_to_both_texts() -> None:
    sentences = corpus_sentences()
    assert len(sentences) > 300
    multi = 0
    for sentence in sentences:
        pieces = align(sentence)
        assert " ".join(w for w, _ in pieces).split() == sentence.split(), sentence
        assert [s for _, ws in pieces for s in ws] == normalize(sentence).split(), sentence
        assert all(words for _, words in pieces), sentence  # every piece is heard
        assert all(w == " ".join(w.split()) and w for w, _ in pieces)
        multi += sum(len(words) > 1 for _, words in pieces)
    assert multi > 500  # numbers, dates and acronyms read as several words


def test_a_lexicon_entry_is_its_own_piece() -> None:
    lexicon = Lexicon()
    lexicon.add("Кыргызгидромет", "Кыргыз гидромет")
    assert align("Кыргызгидрометтин маалыматы", lexicon) == [
        ("Кыргызгидрометтин", ("Кыргыз", "гидрометтин")),
        ("маалыматы", ("маалыматы",)),
    ]


def test_a_word_read_as_nothing_joins_the_piece_before() -> None:
    pieces = align_words(["Салам", "—", "дүйнө"], ["Салам", "дүйнө"])
    assert pieces == [("Салам —", ("Салам",)), ("дүйнө", ("дүйнө",))]
    assert align_words(["—", "дүйнө"], ["дүйнө"]) == [("— дүйнө", ("дүйнө",))]


def test_match_words_pairs_equal_words_and_groups_the_rest() -> None:
    assert match_words(["а", "б", "в"], ["а", "б", "в"]) == [
        (0, 1, 0, 1),
        (1, 2, 1, 2),
        (2, 3, 2, 3),
    ]
    # a respelling that splits a word: the split word is one group
    assert match_words(["Бүгүн", "гырадус", "жылуу."], ["Бүгүн", "гы", "радус", "жылуу."]) == [
        (0, 1, 0, 1),
        (1, 2, 1, 3),
        (2, 3, 3, 4),
    ]
    assert match_words([], ["а"]) == [(0, 0, 0, 1)]
    assert match_words([], []) == []
