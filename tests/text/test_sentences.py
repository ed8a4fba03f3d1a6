"""Sentence splitter: cases from tests/text/sentences.tsv plus a few contract checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from bulletin.text import normalize, split_sentences

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
    assert len(split_sentences(normalize(paragraph))) == len(split_sentences(paragraph))


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
            assert len(split_sentences(normalize(para))) == len(parts)
