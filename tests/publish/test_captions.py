"""Captions: strict WebVTT/SRT parsing of what was written, and properties of the split."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from publish_fixtures import SENTENCE_LONG, make_cues

from bulletin.publish import (
    CaptionCue,
    Cue,
    caption_cues,
    iter_caption_cues,
    wrap_lines,
    write_srt,
    write_vtt,
)
from bulletin.publish.captions import MIN_CAPTION_S, format_timestamp, render_srt, render_vtt

# --- strict, independent parsers ------------------------------------------------------------

_VTT_TIME = r"(\d{2,}):([0-5]\d):([0-5]\d)\.(\d{3})"
_SRT_TIME = r"(\d{2,}):([0-5]\d):([0-5]\d),(\d{3})"


def _ms(groups: tuple[str, ...]) -> int:
    hours, minutes, seconds, millis = (int(g) for g in groups)
    return ((hours * 60 + minutes) * 60 + seconds) * 1000 + millis


def _unescape_vtt(line: str) -> str:
    assert "<" not in line and "-->" not in line, line
    assert not re.search(r"&(?!amp;|lt;|gt;)", line), line
    return line.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def parse_vtt(text: str) -> list[tuple[int, int, list[str]]]:
    """(start ms, end ms, lines) per cue; fails on anything outside the subset we write."""
    assert text.startswith("WEBVTT\n\n"), text[:20]
    assert "\r" not in text
    assert text.endswith("\n") and not text.endswith("\n\n\n")
    cues = []
    for block in text[len("WEBVTT\n\n") :].rstrip("\n").split("\n\n"):
        if not block:
            continue
        timing, *lines = block.split("\n")
        match = re.fullmatch(f"{_VTT_TIME} --> {_VTT_TIME}", timing)
        assert match, f"bad timing line {timing!r}"
        assert lines and all(line.strip() for line in lines), block
        cues.append(
            (_ms(match.groups()[:4]), _ms(match.groups()[4:]), [_unescape_vtt(x) for x in lines])
        )
    return cues


def parse_srt(text: str) -> list[tuple[int, int, list[str]]]:
    assert "\r" not in text and text.endswith("\n")
    cues = []
    for number, block in enumerate(text.rstrip("\n").split("\n\n"), start=1):
        index, timing, *lines = block.split("\n")
        assert index == str(number), f"cue {number} numbered {index!r}"
        match = re.fullmatch(f"{_SRT_TIME} --> {_SRT_TIME}", timing)
        assert match, f"bad timing line {timing!r}"
        assert lines and all(line.strip() for line in lines), block
        cues.append((_ms(match.groups()[:4]), _ms(match.groups()[4:]), lines))
    return cues


def check_cues(parsed, source: list[Cue], captions: list[CaptionCue], max_chars=42, max_lines=2):
    """The parsed file against the source sentences: timing, limits, and the words."""
    assert len(parsed) == len(captions)
    previous_end = 0
    for (start, end, lines), caption in zip(parsed, captions, strict=True):
        assert start <= end
        assert start >= previous_end, "captions overlap or go backwards"
        previous_end = end
        assert 1 <= len(lines) <= max_lines
        for line in lines:
            assert len(line) <= max_chars or (len(lines) == 1 and " " not in line), line
        sentence = source[caption.sentence]
        assert start >= round(sentence.start_s * 1000) - 1
        assert end <= round(sentence.end_s * 1000) + 1
    by_sentence: dict[int, list] = {}
    for (start, end, lines), caption in zip(parsed, captions, strict=True):
        by_sentence.setdefault(caption.sentence, []).append((start, end, lines))
    for index, parts in by_sentence.items():
        words = " ".join(" ".join(lines) for _, _, lines in parts).split()
        assert words == source[index].written.split()
        assert abs(parts[0][0] - source[index].start_s * 1000) <= 1
        assert abs(parts[-1][1] - source[index].end_s * 1000) <= 1
        for (_, end, _), (start, _, _) in zip(parts, parts[1:], strict=False):
            assert end == start, "sub-captions of a sentence must be contiguous"


# --- files ----------------------------------------------------------------------------------


def test_vtt_file_parses_strictly(tmp_path: Path):
    cues = list(make_cues())
    captions = caption_cues(cues)
    write_vtt(tmp_path / "r.vtt", captions)
    text = (tmp_path / "r.vtt").read_text(encoding="utf-8")
    check_cues(parse_vtt(text), cues, captions)
    assert [p.name for p in tmp_path.iterdir()] == ["r.vtt"]  # no temp file left


def test_srt_file_parses_strictly(tmp_path: Path):
    cues = list(make_cues())
    captions = caption_cues(cues)
    write_srt(tmp_path / "r.srt", captions)
    text = (tmp_path / "r.srt").read_text(encoding="utf-8")
    check_cues(parse_srt(text), cues, captions)
    assert "00:00:00,500 --> 00:00:02,400\nБишкекте жаңы мектеп ачылды\n" in text


def test_exact_vtt_output():
    captions = [
        CaptionCue(0.5, 2.4, ("Бишкекте жаңы мектеп ачылды",), 0, 0, "headline"),
        CaptionCue(3725.5, 3727.0, ("A < B & C > D", "экинчи сап"), 0, 1),
    ]
    assert render_vtt(captions) == (
        "WEBVTT\n\n"
        "00:00:00.500 --> 00:00:02.400\nБишкекте жаңы мектеп ачылды\n\n"
        "01:02:05.500 --> 01:02:07.000\nA &lt; B &amp; C &gt; D\nэкинчи сап\n"
    )
    assert render_srt(captions) == (
        "1\n00:00:00,500 --> 00:00:02,400\nБишкекте жаңы мектеп ачылды\n\n"
        "2\n01:02:05,500 --> 01:02:07,000\nA < B & C > D\nэкинчи сап\n"
    )
    assert render_vtt([]) == "WEBVTT\n" and render_srt([]) == ""


def test_captions_stream_from_cues_to_files(tmp_path: Path):
    """A long programme's captions are made and written one at a time, from cues read
    once (a generator): the files are the same as from lists."""
    cues = list(make_cues())
    captions = caption_cues(cues)
    streamed = iter_caption_cues(iter(cues))
    assert not isinstance(streamed, list) and list(streamed) == captions
    write_vtt(tmp_path / "r.vtt", iter_caption_cues(iter(cues)))
    write_srt(tmp_path / "r.srt", iter_caption_cues(iter(cues)))
    assert (tmp_path / "r.vtt").read_text(encoding="utf-8") == render_vtt(captions)
    assert (tmp_path / "r.srt").read_text(encoding="utf-8") == render_srt(captions)


def test_format_timestamp_rounds_to_ms():
    assert format_timestamp(0.0004) == "00:00:00.000"
    assert format_timestamp(0.0005, ",") in ("00:00:00,000", "00:00:00,001")
    assert format_timestamp(59.9996) == "00:01:00.000"
    assert format_timestamp(100 * 3600.0) == "100:00:00.000"


# --- splitting ------------------------------------------------------------------------------


def test_short_sentence_is_one_caption():
    (caption,) = caption_cues([Cue(1.0, 3.0, "Бишкекте  жаңы\nмектеп ачылды.", "x", 2, "sentence")])
    assert caption.lines == ("Бишкекте жаңы мектеп ачылды.",)
    assert (caption.start_s, caption.end_s, caption.story, caption.sentence) == (1.0, 3.0, 2, 0)


def test_long_sentence_splits_at_clause_boundaries():
    cues = list(make_cues())
    parts = [c for c in caption_cues(cues) if c.sentence == 1]
    assert len(parts) >= 3
    for part in parts[:-1]:
        following = SENTENCE_LONG[len(" ".join(p.text for p in parts[: parts.index(part) + 1])) :]
        assert part.text.endswith((",", ";", ":", "—")) or following.split()[0] in (
            "жана",
            "бирок",
            "ал",
        ), (part.text, following[:20])
    for part in parts:
        assert all(len(line) <= 42 for line in part.lines) and len(part.lines) <= 2


def test_digit_groups_stay_together():
    text = (
        "Быйыл бюджетке 1 500 000 000 сом бөлүндү деп маалымдады министрликтин басма сөз кызматы."
    )
    for max_chars in (14, 16, 20, 24):  # the number itself is 13 characters
        for caption in caption_cues([Cue(0, 10, text, text, 0, "sentence")], max_chars=max_chars):
            for line in caption.lines:
                assert not re.search(r"^\d{3}\b", line), (max_chars, caption.lines)


def test_timing_follows_spoken_length():
    written = "2022-жылы 15 000 000 сом бөлүндү, ал эми калган каражат мектептерге жумшалды."
    spoken = (
        "эки миң жыйырма экинчи жылы он беш миллион сом бөлүндү, "
        "ал эми калган каражат мектептерге жумшалды."
    )
    first, second = caption_cues([Cue(10.0, 20.0, written, spoken, 0, "sentence")], max_chars=30)
    assert first.text == "2022-жылы 15 000 000 сом бөлүндү,"
    written_share = (len(first.text) + 1) / (len(written) + 1)
    spoken_share = spoken.index("ал эми") / len(spoken)
    assert spoken_share > written_share + 0.1
    assert first.end_s - 10.0 == pytest.approx(10.0 * spoken_share, abs=0.05)
    assert (first.start_s, second.end_s, first.end_s) == (10.0, 20.0, second.start_s)


def test_short_chunk_gets_at_least_a_second():
    written = "Жыйынтыгында, " + " ".join(["шаардын жаңы мектептери"] * 6) + "."
    captions = caption_cues([Cue(0.0, 5.0, written, written, 0, "sentence")], max_chars=30)
    assert len(captions) >= 2
    assert all(c.end_s - c.start_s >= MIN_CAPTION_S - 1e-9 for c in captions)


def test_word_longer_than_a_line_stands_alone():
    long_word = "https://example.kg/" + "а" * 60
    captions = caption_cues([Cue(0, 6, f"Толугураак: {long_word} сайтында.", "x", 0, "sentence")])
    assert [c.lines for c in captions] == [("Толугураак:",), (long_word,), ("сайтында.",)]


def test_empty_sentences_get_no_caption():
    captions = caption_cues([Cue(0, 1, "  ", "", 0, "sentence"), Cue(1, 2, "Ооба.", "ооба", 0)])
    assert [(c.text, c.sentence) for c in captions] == [("Ооба.", 1)]


def test_wrap_lines_balances():
    assert wrap_lines(["Бишкекте", "жаңы", "мектеп", "ачылды"], max_chars=20) == (
        "Бишкекте жаңы",
        "мектеп ачылды",
    )
    assert wrap_lines(["жалгыз"], 3) == ("жалгыз",)


# --- properties -----------------------------------------------------------------------------

_LETTERS = "абвгдеёжзийклмнңоөпрстуүфхцчшщъыьэюя" + "АБКМӨҮ" + "0123456789"
_word = st.tuples(
    st.text(_LETTERS, min_size=1, max_size=14) | st.text(_LETTERS, min_size=40, max_size=60),
    st.sampled_from(["", "", "", ",", ".", ";", ":", "!"]),
).map("".join)
_token = _word | st.sampled_from(["—", "–", "жана", "бирок", "ал эми", "менен", "1 500 000"])


@st.composite
def _sentences(draw):
    count = draw(st.integers(1, 4))
    at = draw(st.floats(0, 100, allow_nan=False))
    cues = []
    for story in range(count):
        written = " ".join(draw(st.lists(_token, min_size=1, max_size=30)))
        spoken_words = [
            draw(st.sampled_from([w, w, w, "", w + " " + w, "сөз " * 3])) for w in written.split()
        ]
        spoken = " ".join(w for w in spoken_words if w)
        duration = draw(st.floats(0.001, 40, allow_nan=False))
        cues.append(Cue(at, at + duration, written, spoken, story, "sentence"))
        at += duration + draw(st.sampled_from([0.0, 0.0, 0.3, 1e-7]))
    return cues


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_sentences(), st.integers(8, 60), st.integers(1, 3))
def test_caption_properties(cues, max_chars, max_lines):
    captions = caption_cues(cues, max_chars=max_chars, max_lines=max_lines)
    for caption in captions:
        assert 1 <= len(caption.lines) <= max_lines
        long_words = [w for line in caption.lines for w in line.split() if len(w) > max_chars]
        if long_words:
            assert caption.lines == (long_words[0],), "an over-long word must stand alone"
        else:
            assert all(len(line) <= max_chars for line in caption.lines), caption.lines
        assert caption.start_s <= caption.end_s
    for earlier, later in zip(captions, captions[1:], strict=False):
        assert later.start_s >= earlier.end_s, "overlap"
    for index, cue in enumerate(cues):
        parts = [c for c in captions if c.sentence == index]
        assert " ".join(p.text for p in parts).split() == cue.written.split()
        assert parts[0].start_s == cue.start_s and parts[-1].end_s == cue.end_s
        for a, b in zip(parts, parts[1:], strict=False):
            assert a.end_s == b.start_s
        if cue.end_s - cue.start_s >= MIN_CAPTION_S * len(parts):
            assert all(p.end_s - p.start_s >= MIN_CAPTION_S - 1e-9 for p in parts)
    # and the written files keep all of it to the millisecond
    check_cues(
        parse_vtt(render_vtt(captions)), cues, captions, max_chars=10**6, max_lines=max_lines
    )
    check_cues(
        parse_srt(render_srt(captions)), cues, captions, max_chars=10**6, max_lines=max_lines
    )
