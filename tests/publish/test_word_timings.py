"""Captions and the manifest from word times (the voice's word events or estimates)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from publish_fixtures import make_programme

from bulletin.publish import Cue, Word, build_manifest, caption_cues, write_manifest

# A long sentence without a comma; the voice pauses after "жылы" (0.4 s of silence).
PIECES = [
    ("2022-жылы", "эки миң жыйырма экинчи жылы"),
    ("Бишкекте", "Бишкекте"),
    ("1 500 000", "бир миллион беш жүз миң"),
    ("сомго", "сомго"),
    ("жаңы", "жаңы"),
    ("мектеп", "мектеп"),
    ("курулуп", "курулуп"),
    ("анын", "анын"),
    ("ачылышына", "ачылышына"),
    ("шаардын", "шаардын"),
    ("мэри", "мэри"),
    ("министр", "министр"),
    ("ата-энелер", "ата-энелер"),
    ("катышты.", "катышты."),
]


def timed_cue(pause_after: int | None = None, start: float = 10.0) -> Cue:
    words, at = [], start + 0.1
    for index, (written, spoken) in enumerate(PIECES):
        length = 0.06 * len(spoken)
        words.append(Word(written, spoken, at, at + length))
        at += length + (0.4 if index == pause_after else 0.03)
    return Cue(
        start,
        at + 0.1,
        " ".join(w for w, _ in PIECES),
        " ".join(s for _, s in PIECES),
        0,
        "sentence",
        words=tuple(words),
        timing="engine",
    )


def test_a_split_starts_exactly_where_its_first_word_sounds() -> None:
    cue = timed_cue()
    captions = caption_cues([cue], max_chars=30, max_lines=1)
    assert len(captions) > 2
    starts = {word.start_s: word.written for word in cue.words}
    assert captions[0].start_s == cue.start_s and captions[-1].end_s == cue.end_s
    for before, after in zip(captions, captions[1:], strict=False):
        assert after.start_s == before.end_s
        assert starts[after.start_s] == after.text.split()[0] or starts[after.start_s].startswith(
            after.text.split()[0]
        )
    # "1 500 000" is one piece: never split across captions
    assert any("1 500 000" in caption.text for caption in captions)


@pytest.mark.parametrize("pause_after", [4, 6, 8])
def test_a_long_sentence_without_commas_splits_where_the_voice_pauses(pause_after: int) -> None:
    cue = timed_cue(pause_after)
    captions = caption_cues([cue], max_chars=42, max_lines=2)
    assert len(captions) == 2
    assert captions[1].start_s == cue.words[pause_after + 1].start_s
    assert captions[0].text.split()[-1] == PIECES[pause_after][0]


def test_without_a_pause_the_split_is_still_at_a_word_start() -> None:
    cue = timed_cue()
    captions = caption_cues([cue], max_chars=42, max_lines=2)
    assert len(captions) == 2
    assert captions[1].start_s in {word.start_s for word in cue.words[1:]}


def test_pieces_may_break_across_lines_but_not_captions() -> None:
    words = (
        Word("Калкы", "калкы", 0.1, 0.5),
        Word("7 312 450", "жети миллион үч жүз он эки миң төрт жүз элүү", 0.6, 3.0),
        Word("адамга", "адамга", 3.1, 3.6),
    )
    cue = Cue(0.0, 3.7, "Калкы 7 312 450 адамга", "...", 0, words=words, timing="estimate")
    captions = caption_cues([cue], max_chars=8, max_lines=2)
    texts = [caption.text for caption in captions]
    assert " ".join(texts) == "Калкы 7 312 450 адамга"
    assert any("7 312 450" in text for text in texts)
    assert all(c.start_s in (0.0, 0.6, 3.1) for c in captions)


def test_cue_words_must_be_in_order_and_inside_the_cue() -> None:
    with pytest.raises(ValueError):
        Cue(0.0, 1.0, "а б", "а б", 0, words=(Word("а", "а", 0.5, 0.6), Word("б", "б", 0.2, 0.3)), timing="engine")  # fmt: skip
    with pytest.raises(ValueError):
        Cue(0.0, 1.0, "а", "а", 0, words=(Word("а", "а", 0.5, 1.5),), timing="engine")
    with pytest.raises(ValueError):
        Cue(0.0, 1.0, "а", "а", 0, words=(Word("а", "а", 0.5, 0.6),), timing=None)


def test_manifest_words(tmp_path: Path) -> None:
    cue = timed_cue(4, start=25.0)
    programme = make_programme(cues=(*make_programme().cues, cue), duration_s=40.0)
    manifest = build_manifest(
        programme,
        voice="test",
        settings={},
        loudness_lufs=-16.0,
        true_peak_dbtp=-1.0,
        files={"audio": "a.mp3"},
    )
    write_manifest(tmp_path / "a.json", manifest)
    sentences = json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))["sentences"]
    assert sentences[0]["timing"] is None and sentences[0]["words"] == []
    last = sentences[-1]
    assert last["timing"] == "engine"
    assert [w["written"] for w in last["words"]] == [w for w, _ in PIECES]
    assert [w["spoken"] for w in last["words"]] == [s for _, s in PIECES]
    assert " ".join(w["written"] for w in last["words"]).split() == last["written"].split()
    for word, original in zip(last["words"], cue.words, strict=True):
        assert list(word) == ["written", "spoken", "start_s", "end_s"]
        assert word["start_s"] == round(original.start_s, 3)
        assert word["end_s"] == round(original.end_s, 3)
        assert last["start_s"] <= word["start_s"] <= word["end_s"] <= last["end_s"]


_LETTERS = "абвгдеёжзийклмнңоөпрстуүфхцчшщъыьэюя0123456789"
_piece = st.lists(
    st.text(_LETTERS, min_size=1, max_size=12) | st.sampled_from(["жана", "—", "1", "500,"]),
    min_size=1,
    max_size=3,
).map(" ".join)


@st.composite
def _timed_cues(draw):
    pieces = draw(st.lists(_piece, min_size=1, max_size=25))
    at = start = draw(st.floats(0, 100, allow_nan=False))
    words = []
    for piece in pieces:
        at += draw(st.sampled_from([0.0, 0.02, 0.3]))
        length = draw(st.floats(0.0, 1.0, allow_nan=False))
        words.append(Word(piece, piece, at, at + length))
        at += length
    timing = draw(st.sampled_from(["engine", "estimate"]))
    return Cue(start, at, " ".join(pieces), " ".join(pieces), 0, words=tuple(words), timing=timing)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_timed_cues(), st.integers(8, 60), st.integers(1, 3))
def test_word_timed_captions_split_only_between_pieces(cue, max_chars, max_lines):
    captions = caption_cues([cue], max_chars=max_chars, max_lines=max_lines)
    assert " ".join(c.text for c in captions).split() == cue.written.split()
    assert captions[0].start_s == cue.start_s and captions[-1].end_s == cue.end_s
    boundaries = {}  # written-word offset where each piece starts -> its start time
    at = 0
    for word in cue.words:
        boundaries[at] = word.start_s
        at += len(word.written.split())
    at = 0
    for before, after in zip(captions, captions[1:], strict=False):
        at += len(before.text.split())
        assert at in boundaries, "split inside a piece"
        assert after.start_s == before.end_s == boundaries[at]
