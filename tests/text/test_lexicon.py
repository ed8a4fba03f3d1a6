"""Newsroom lexicon: loading, errors with file and line, overriding shipped entries."""

from __future__ import annotations

from pathlib import Path

import pytest

from bulletin.errors import InputError
from bulletin.text import Lexicon, load_lexicon, normalize


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "lexicon.tsv"
    path.write_text(text, encoding="utf-8")
    return path


def test_load_and_use(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "# newsroom words\n"
        "Кыргызгидромет\tКыргыз гидромет\n"
        "ЖЭК\tжер-эксплуатациялык кызмат\n"
        "ТИМ\tТышкы иштер министрлиги\tposs\n",
    )
    lexicon = load_lexicon(path)
    assert len(lexicon) == 3
    assert normalize("Кыргызгидромет маалымдады", lexicon) == "Кыргыз гидромет маалымдады"
    assert normalize("ТИМге кайрылды", lexicon) == "Тышкы иштер министрлигине кайрылды"


def test_overrides_shipped_entry(tmp_path: Path) -> None:
    lexicon = load_lexicon(
        write(tmp_path, "КМШ\tКөз карандысыз Мамлекеттердин Шериктештиги\tposs\n")
    )
    assert (
        normalize("саясат КМШга", lexicon) == "саясат Көз карандысыз Мамлекеттердин Шериктештигине"
    )
    assert normalize("саясат КМШга") == "саясат каэмшага"


def test_latin_override_may_output_anything(tmp_path: Path) -> None:
    lexicon = load_lexicon(write(tmp_path, "Google\tGoogle\tfixed\n"))
    assert normalize("Google аркылуу", lexicon) == "Google аркылуу"


def test_suffix_on_lexicon_word(tmp_path: Path) -> None:
    lexicon = load_lexicon(write(tmp_path, "Мегаком\tМегаком\n"))
    assert normalize("саясат Мегакомдун", lexicon) == "саясат Мегакомдун"


def test_crlf_and_bom(tmp_path: Path) -> None:
    path = tmp_path / "lexicon.tsv"
    path.write_bytes("\ufeffЖЭК\tжэк\r\n".encode())
    assert load_lexicon(path).get("ЖЭК") is not None


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("ok\tжакшы\nbad line without tab\n", 2),
        ("\tбош\n", 1),
        ("# c\nx\ty\tunknown-kind\n", 2),
        ("a\tb\tposs\textra\n", 1),
    ],
)
def test_malformed_file_names_file_and_line(tmp_path: Path, text: str, line: int) -> None:
    path = write(tmp_path, text)
    with pytest.raises(InputError) as info:
        load_lexicon(path)
    message = str(info.value)
    assert f"{path}:{line}:" in message
    assert "\n" not in message


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read lexicon"):
        load_lexicon(tmp_path / "nope.tsv")


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "lexicon.tsv"
    path.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(InputError, match="not UTF-8"):
        load_lexicon(path)


def test_programmatic_lexicon() -> None:
    lexicon = Lexicon()
    lexicon.add("ЖЭК", "жэк", "expand")
    assert normalize("ЖЭКтин иши", lexicon) == "Жэктин иши"
    with pytest.raises(ValueError):
        lexicon.add("x", "y", "nonsense")
