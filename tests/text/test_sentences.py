"""Sentence splitter: cases from tests/text/sentences.tsv plus a few contract checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from bulletin.text import normalize, split_sentences
from bulletin.text.sentences import MAX_SENTENCE_CHARS, openers

CASES_FILE = Path(__file__).resolve().parent / "sentences.tsv"


def _read() -> list[tuple[int, str, list[str]]]:
    rows: list[tuple[int, str, list[str]]] = []
    for number, raw in enumerate(CASES_FILE.read_text(encoding="utf-8").split("\n"), 1):
        if not raw.strip() or raw.startswith("#"):
            continue
        paragraph, expected = raw.split("\t")
        rows.append((number, paragraph, expected.split(" || ")))
    return rows


CASES = _read()


@pytest.mark.parametrize(
    ("paragraph", "expected"),
    [(c[1], c[2]) for c in CASES],
    ids=[f"sentences:{c[0]}" for c in CASES],
)
def test_split(paragraph: str, expected: list[str]) -> None:
    assert split_sentences(paragraph) == expected


@pytest.mark.parametrize("paragraph", [c[1] for c in CASES], ids=[f"rejoin:{c[0]}" for c in CASES])
def test_rejoin_recreates_words(paragraph: str) -> None:
    assert " ".join(split_sentences(paragraph)).split() == paragraph.split()


@pytest.mark.parametrize("paragraph", [c[1] for c in CASES], ids=[f"count:{c[0]}" for c in CASES])
def test_normalising_keeps_sentence_count(paragraph: str) -> None:
    # boundaries, not the length cap: spoken text is longer than written
    spoken = split_sentences(normalize(paragraph), max_chars=None)
    assert len(spoken) == len(split_sentences(paragraph, max_chars=None))


def test_empty_and_blank() -> None:
    assert split_sentences("") == []
    assert split_sentences("   \n ") == []


def test_corpus_paragraphs_rejoin() -> None:
    corpus = Path(__file__).resolve().parents[2] / "examples" / "corpus"
    assert len(list(corpus.glob("*.txt"))) == 16
    for path in sorted(corpus.glob("*.txt")):
        for para in path.read_text(encoding="utf-8").split("\n\n"):
            parts = split_sentences(para)
            assert " ".join(parts).split() == para.split()
            assert parts == split_sentences(para, max_chars=None)  # no corpus sentence is cut
            spoken = split_sentences(normalize(para), max_chars=None)
            assert len(spoken) == len(parts)


def test_year_abbreviation_does_not_capitalise_what_follows() -> None:
    assert "он бешинчи июнда" in normalize("Иш 2024-ж. 15-июнда башталат.")
    assert normalize("Бюджет 7 млн. 200 миң сом.") == "Бюджет жети миллион эки жүз миң сом."


def test_long_sentence_is_cut_at_clause_boundaries() -> None:
    clause = "Министр жыйынга катышып ар бир райондун өкүлдөрү менен жолугушуп келишим түздү"
    paragraph = " жана ".join([clause] * 6) + "."
    parts = split_sentences(paragraph)
    assert len(parts) > 1
    assert all(len(part) <= MAX_SENTENCE_CHARS for part in parts)
    assert " ".join(parts).split() == paragraph.split()
    # cut before жана or after a converb, never inside a noun group
    assert all(p.split()[-1] in ("түздү", "катышып", "жолугушуп") for p in parts[:-1])


def test_ten_megabytes_without_punctuation_is_bounded() -> None:
    words = ["жаңы", "мектеп", "ачылып", "балдар", "окушат", "жана", "мугалимдер", "иштешет"]
    line = " ".join(words[i % len(words)] for i in range(150_000))  # about 1 MB
    parts = split_sentences(line)
    assert max(len(part) for part in parts) <= MAX_SENTENCE_CHARS
    assert sum(len(part) for part in parts) + len(parts) - 1 == len(line)


def test_a_word_longer_than_the_limit_is_cut() -> None:
    parts = split_sentences("а" * 1000)
    assert [len(p) for p in parts] == [300, 300, 300, 100]


def test_openers_are_lower_case_single_words() -> None:
    assert openers()
    assert all(word == word.lower() and " " not in word for word in openers())


def test_century_abbreviation_after_a_roman_numeral_goes_on() -> None:
    assert split_sentences("Чиркөө XVII к. Ош шаарында салынган.") == [
        "Чиркөө XVII к. Ош шаарында салынган."
    ]
    assert len(split_sentences("Чиркөө XVII к. Азыр ал музей.")) == 2
