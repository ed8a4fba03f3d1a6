"""Reading (encodings, bad input) and structure (stories, headlines, paragraphs)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bulletin.document import (
    Block,
    decode_release,
    is_heading,
    parse_release,
    read_release,
    spoken_heading,
)
from bulletin.errors import InputError

KYRGYZ = "Бүгүн Бишкекте жаңы мектеп ачылды.\nАнда 500 окуучу окуйт.\n"
SAMPLE = Path(__file__).parent.parent / "examples" / "release.txt"


@pytest.mark.parametrize(
    "data",
    [
        KYRGYZ.encode("utf-8"),
        b"\xef\xbb\xbf" + KYRGYZ.encode("utf-8"),
        KYRGYZ.replace("\n", "\r\n").encode("utf-8"),
        KYRGYZ.replace("ү", "у").replace("ң", "н").encode("cp1251"),
    ],
    ids=["utf-8", "utf-8-bom", "crlf", "windows-1251"],
)
def test_encodings_are_read(tmp_path, data):
    path = tmp_path / "release.txt"
    path.write_bytes(data)
    text = read_release(path)
    assert text.startswith(("Бүгүн", "Бугун")) and "\r" not in text and text.count("\n") == 2


def test_windows_1251_text_is_decoded_to_cyrillic():
    text = decode_release("Мамлекет башчысы белгиледи.".encode("cp1251"), "x.txt")
    assert text == "Мамлекет башчысы белгиледи."


def test_decomposed_unicode_becomes_nfc():
    decomposed = "и\u0306"  # и + combining breve
    assert decode_release(decomposed.encode("utf-8"), "x") == "й"


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"", "empty"),
        (b"  \n\t\n ", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        ("Сегодня хорошая погода".encode("koi8-r"), "neither UTF-8 nor Windows-1251"),
        (b"caf\xe9 cr\xe8me br\xfbl\xe9e", "neither UTF-8 nor Windows-1251"),
        (b"The weather is fine today.", "no Kyrgyz"),
        (b"\x98\x98\x98", "neither UTF-8 nor Windows-1251"),
    ],
    ids=["empty", "whitespace", "binary", "koi8", "latin-1", "english", "undefined-1251"],
)
def test_bad_input_names_file_and_problem(tmp_path, data, problem):
    path = tmp_path / "bad.txt"
    path.write_bytes(data)
    with pytest.raises(InputError) as caught:
        read_release(path)
    message = str(caught.value)
    assert message.startswith(str(path)) and problem in message and "\n" not in message


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read_release(tmp_path / "nope.txt")
    with pytest.raises(InputError, match="folder"):
        read_release(tmp_path)


def test_plain_release_with_headline_and_blank_line_paragraphs():
    text = (
        "Улутстатком: ИДП 10,2 пайызга өстү\n\nБиринчи сүйлөм. Экинчи сүйлөм.\n\nҮчүнчү сүйлөм.\n"
    )
    bulletin = parse_release(text, "economy.txt")
    assert bulletin.title == "Улутстатком: ИДП 10,2 пайызга өстү"
    (story,) = bulletin.stories
    assert story.headline == bulletin.title
    assert story.blocks == (
        Block("paragraph", ("Биринчи сүйлөм.", "Экинчи сүйлөм.")),
        Block("paragraph", ("Үчүнчү сүйлөм.",)),
    )


def test_sample_has_no_headline_and_one_paragraph_per_line():
    bulletin = parse_release(read_release(SAMPLE), SAMPLE.name)
    assert bulletin.title == "release"
    (story,) = bulletin.stories
    assert story.headline is None
    assert len(story.blocks) == 7
    assert all(block.kind == "paragraph" for block in story.blocks)
    first = story.blocks[0].sentences
    assert first[1] == "Бул тууралуу президенттин басма сөз бөлүмү билдирди."


def test_markdown_headings_open_stories_and_short_lines_are_subheadings():
    text = (
        "# Аба ырайы\n\nЭртең жаан жаайт.\n\nТоолуу аймактар\n\nАшууларда кар жаайт.\n\n"
        "# Спорт\n\nБалбандар жеңишке жетишти.\n"
    )
    bulletin = parse_release(text, "evening.txt")
    assert [s.headline for s in bulletin.stories] == ["Аба ырайы", "Спорт"]
    assert [b.kind for b in bulletin.stories[0].blocks] == ["paragraph", "subheading", "paragraph"]


def test_text_before_the_first_story_mark_is_its_own_story():
    bulletin = parse_release("Кириш сөз.\n\n# Спорт\n\nЖеңиш.\n", "x.txt")
    assert [s.headline for s in bulletin.stories] == [None, "Спорт"]


@pytest.mark.parametrize(
    ("line", "heading"),
    [
        ("Туризм", True),
        ("Президент 2026-жылды «Аймактарды өнүктүрүү жылы» деп жарыялады", True),
        ("Туризм өстү.", False),
        ("Мындай маселелер бар:", False),
        ("Урматтуу угармандар!", False),
        ("«Жаңы жыл»", True),
        ("Эмне болду?", False),
        ("ж" * 200, False),
    ],
)
def test_is_heading(line, heading):
    assert is_heading(line) is heading


def test_rubrics_in_capitals_are_read_as_words():
    assert spoken_heading("САЛАМАТТЫК САКТОО") == "Саламаттык сактоо"
    assert spoken_heading("ЕАЭБ") == "ЕАЭБ"
    assert spoken_heading("Туризм") == "Туризм"


def test_list_items_table_rows_and_rubrics_are_not_run_together():
    """Inside a paragraph, a list item, a table row or a rubric in capitals stands alone
    (its own sentence and pause); a wrapped list item's lower-case next line goes on."""
    text = (
        "Голдор:\n1) 12' – Эрбол Касымов – 1:0\n2) 34' – Улан Бекмуратов – 1:1\n"
        "ЭРКИН КҮРӨШ\nТегеранда курама команда утуп алды.\n"
        "- биринчи пункт узун\n  уланды.\nКирешелер | 388,2 | 420,5\n\nЭкинчи абзац.\n"
    )
    blocks = parse_release(text, "x.txt").stories[0].blocks
    assert [(b.kind, b.sentences) for b in blocks] == [
        ("paragraph", ("Голдор:",)),
        ("paragraph", ("1) 12' – Эрбол Касымов – 1:0",)),
        ("paragraph", ("2) 34' – Улан Бекмуратов – 1:1",)),
        ("subheading", ("ЭРКИН КҮРӨШ",)),
        ("paragraph", ("Тегеранда курама команда утуп алды.",)),
        ("paragraph", ("- биринчи пункт узун уланды.",)),
        ("paragraph", ("Кирешелер | 388,2 | 420,5",)),
        ("paragraph", ("Экинчи абзац.",)),
    ]
