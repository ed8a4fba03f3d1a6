"""Reading a release and finding its structure: bytes -> text -> Bulletin.

A release is plain text: an optional headline (a short first line without a final full
stop), then paragraphs separated by blank lines (or one paragraph per line when the file
has no blank lines at all). Short lines without final punctuation inside a story are
subheadings. A line starting with ``# `` opens a new story and is its headline, so one
file can hold a bulletin of several stories.

>>> parse_release("# Аба ырайы\\n\\nЭртең жаан жаайт. Шамал согот.", "weather")
Bulletin(title='Аба ырайы', stories=(Story(headline='Аба ырайы', blocks=(Block(kind='paragraph',
    sentences=('Эртең жаан жаайт.', 'Шамал согот.')),)),), source='weather')
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Literal

from bulletin.errors import InputError
from bulletin.text import split_sentences

BlockKind = Literal["paragraph", "subheading"]

MAX_HEADING_CHARS = 160  # a longer line without a full stop is a paragraph, not a heading
_SENTENCE_END = (".", "!", "?", "…", ":", ";", ",")
_CLOSING_QUOTES = "»\"”’'"
_CYRILLIC_WORD = re.compile(r"[\u0400-\u04FF]{2,}")
_LETTER = re.compile(r"[^\W\d_]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_STORY_MARK = re.compile(r"^#\s+(.*\S)\s*$")
# a line that stands alone inside a paragraph: a list item (- …, • …, 1) …, 2. …, а) …), a
# table row (… | …), or a rubric in capitals
_LIST_ITEM = re.compile(r"^(?:[-–—•*▪►]\s|\d{1,2}[.)]\s|[а-яa-z]\)\s)")
_TABLE_ROW = re.compile(r"\S\s*\|\s*\S")


@dataclass(frozen=True)
class Block:
    """A paragraph (one or more sentences) or a subheading (one line, read as a title)."""

    kind: BlockKind
    sentences: tuple[str, ...]


@dataclass(frozen=True)
class Story:
    headline: str | None
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Bulletin:
    title: str  # the first headline, else the source name
    stories: tuple[Story, ...]
    source: str  # file name the text came from (for messages and titles)


def read_release(path: Path, max_bytes: int | None = None) -> str:
    """Read a release file as NFC text with LF line ends.

    UTF-8 (with or without BOM) is tried first, UTF-16 when the file starts with its BOM;
    bytes that are not UTF-8 are read as Windows-1251 only if the result looks like
    Cyrillic prose (mostly Cyrillic letters, mostly lower case, no control characters), so
    a KOI8 or Latin-1 file is refused rather than read as mojibake. More than ``max_bytes``
    bytes is refused without reading them all. Raises :class:`InputError` naming the file.
    """
    name = str(path)
    try:
        with open(path, "rb") as handle:
            data = read_limited(handle, max_bytes, name)
    except FileNotFoundError:
        raise InputError(f"{name}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{name}: is a folder, not a text file") from None
    except OSError as error:
        raise InputError(f"{name}: cannot read ({error.strerror})") from None
    return release_text(data, name)


def read_limited(
    handle: BinaryIO, max_bytes: int | None, name: str, hint: str = "raise it with --max-chars"
) -> bytes:
    """All of ``handle``; more than ``max_bytes`` bytes (a huge file, ``/dev/zero``, an
    endless pipe) is an :class:`InputError` after reading only ``max_bytes + 1``.

    >>> read_limited(io.BytesIO(b"x" * 10), 4, "big.txt")
    Traceback (most recent call last):
    bulletin.errors.InputError: big.txt: too long (more than 4 bytes; raise it with --max-chars)
    """
    data = handle.read() if max_bytes is None else handle.read(max_bytes + 1)
    if max_bytes is not None and len(data) > max_bytes:
        raise InputError(f"{name}: too long (more than {max_bytes:,} bytes; {hint})")
    return data


def release_text(data: bytes, name: str) -> str:
    """The checks of :func:`read_release` on bytes read elsewhere (standard input)."""
    text = decode_release(data, name)
    if not text.strip():
        raise InputError(f"{name}: the file is empty")
    if not _CYRILLIC_WORD.search(text):
        raise InputError(f"{name}: no Kyrgyz (Cyrillic) text found")
    return text


def decode_release(data: bytes, name: str) -> str:
    """Bytes -> NFC text with LF line ends; see :func:`read_release` for the rules."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            data = data.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError:
            raise InputError(
                f"{name}: not valid UTF-16 text (it starts with a UTF-16 BOM)"
            ) from None
    if b"\x00" in data:
        raise InputError(f"{name}: not a text file (binary data)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = _decode_windows_1251(data, name)
    if len(_CONTROL.findall(text)) > max(2, len(text) // 1000):
        raise InputError(f"{name}: not a text file (binary data)")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", text)


def _decode_windows_1251(data: bytes, name: str) -> str:
    mixed = _first_line_not_utf8(data)
    if mixed:  # read as Windows-1251, the UTF-8 lines would be spoken as mojibake
        raise InputError(
            f"{name}:{mixed}: not UTF-8 text, though other lines are (mixed encodings; "
            "save the file as UTF-8)"
        )
    refused = InputError(f"{name}: the text is neither UTF-8 nor Windows-1251")
    try:
        text = data.decode("cp1251")
    except UnicodeDecodeError:  # 0x98 is unassigned in Windows-1251
        raise refused from None
    letters = _LETTER.findall(text)
    cyrillic = [c for c in letters if "\u0400" <= c <= "\u04ff"]
    if not letters or len(cyrillic) < 0.5 * len(letters):
        raise refused
    # KOI8-R read as Windows-1251 swaps the cases: real prose is mostly lower case.
    if sum(c.isupper() for c in cyrillic) > 0.5 * len(cyrillic):
        raise refused
    return text


def _first_line_not_utf8(data: bytes) -> int | None:
    """The number of the first line that is not UTF-8, in a file where some other line is
    UTF-8 with letters beyond ASCII (a Windows-1251 line of words is never valid UTF-8).

    >>> _first_line_not_utf8("Салам.\n".encode() + "Привет.\n".encode("cp1251"))
    2
    """
    first_bad, utf8_letters = None, False
    for number, line in enumerate(data.split(b"\n"), 1):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            first_bad = first_bad or number
            continue
        utf8_letters = utf8_letters or not line.isascii()
    return first_bad if utf8_letters else None


def parse_release(text: str, source: str) -> Bulletin:
    """Split release text into stories, blocks and sentences (see the module docstring)."""
    chunks: list[tuple[str | None, list[str]]] = [(None, [])]
    for line in text.split("\n"):
        mark = _STORY_MARK.match(line)
        if mark:
            chunks.append((mark.group(1).strip(), []))
        else:
            chunks[-1][1].append(line)
    stories = [_parse_story(headline, lines) for headline, lines in chunks]
    stories = [s for s in stories if s.headline or s.blocks]
    title = next((s.headline for s in stories if s.headline), None) or Path(source).stem
    return Bulletin(title=title, stories=tuple(stories), source=source)


def _parse_story(headline: str | None, lines: list[str]) -> Story:
    paragraphs = _paragraphs(lines)
    if headline is None and len(paragraphs) > 1 and is_heading(paragraphs[0]):
        headline, paragraphs = paragraphs[0], paragraphs[1:]
    blocks = []
    for paragraph in paragraphs:
        if is_heading(paragraph) and not (
            _LIST_ITEM.match(paragraph) or _TABLE_ROW.search(paragraph)
        ):
            blocks.append(Block("subheading", (paragraph,)))
        else:
            blocks.append(Block("paragraph", tuple(split_sentences(paragraph))))
    return Story(headline=headline, blocks=tuple(b for b in blocks if b.sentences))


def _paragraphs(lines: list[str]) -> list[str]:
    """Blank-line separated blocks; a file without blank lines has one paragraph per line."""
    stripped = [line.strip() for line in lines]
    while stripped and not stripped[0]:
        stripped.pop(0)
    while stripped and not stripped[-1]:
        stripped.pop()
    if "" not in stripped:
        return [line for line in stripped if line]
    paragraphs, current = [], []
    for line in [*stripped, ""]:
        if line and current and (_stands_alone(line) or _ends_alone(current[-1], line)):
            paragraphs.append(" ".join(current))  # a list item, a table row, a rubric
            current = []
        if line:
            current.append(line)
        elif current:
            paragraphs.append(" ".join(current))
            current = []
    return paragraphs


def _ends_alone(line: str, following: str) -> bool:
    """*line* stands alone and *following* does not carry it on (a wrapped list item's next
    line starts in lower case)."""
    return _stands_alone(line) and not (_LIST_ITEM.match(line) and following[:1].islower())


def _stands_alone(line: str) -> bool:
    """A list item, a table row or a rubric in capitals: its own paragraph, never run on.

    >>> _stands_alone("1) 12' – Эрбол Касымов"), _stands_alone("ЭРКИН КҮРӨШ")
    (True, True)
    """
    if _LIST_ITEM.match(line) or _TABLE_ROW.search(line):
        return True
    letters = _LETTER.findall(line)
    return len(letters) > 4 and all(c.isupper() for c in letters)


def is_heading(line: str) -> bool:
    """A short line without final punctuation: ``Туризм`` yes, ``Туризм өстү.`` no."""
    core = line.rstrip(_CLOSING_QUOTES).rstrip()
    return bool(core) and len(line) <= MAX_HEADING_CHARS and not core.endswith(_SENTENCE_END)


def spoken_heading(line: str) -> str:
    """Rubric lines in capitals are read as words: ``САЛАМАТТЫК САКТОО`` -> ``Саламаттык сактоо``.

    Short all-capital lines (one word of up to four letters, like ``ЕАЭБ``) are left for the
    normaliser, which knows abbreviations.
    """
    letters = _LETTER.findall(line)
    if len(letters) > 4 and all(c.isupper() for c in letters):
        return line[:1] + line[1:].lower()
    return line
