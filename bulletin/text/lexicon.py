"""Newsroom lexicon: entries that override or extend the shipped data.

File format (UTF-8 TSV, ``#`` comments and blank lines ignored)::

    written<TAB>spoken[<TAB>kind]

kind is one of ``expand`` (default: replace the token; a suffix written onto it is
re-made on the last spoken word), ``poss`` (like expand, the last word carries the
possessive: ``БУУ<TAB>Бириккен Улуттар Уюму<TAB>poss`` makes БУУга → Бириккен Улуттар
Уюмуна), ``fixed`` (output exactly, a written suffix is appended unchanged).
Example: ``Кыргызгидромет<TAB>Кыргыз гидромет`` reads that word as two.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from bulletin.errors import InputError
from bulletin.text.cleaning import clean

KINDS = ("expand", "poss", "fixed", "spell", "word")


@dataclass(frozen=True)
class Entry:
    """One lexicon entry: what to say and how suffixes attach."""

    spoken: str
    kind: str = "expand"


@dataclass
class Lexicon:
    """Newsroom entries, {written: Entry}; consulted before every shipped rule."""

    entries: dict[str, Entry] = field(default_factory=dict)

    def add(self, written: str, spoken: str, kind: str = "expand") -> None:
        """Add or replace one entry."""
        if kind not in KINDS:
            raise ValueError(f"unknown lexicon kind {kind!r}")
        self.entries[written] = Entry(spoken, kind)
        self.__dict__.pop("_scanner", None)

    def __len__(self) -> int:
        return len(self.entries)

    def __contains__(self, written: object) -> bool:
        return written in self.entries

    def get(self, written: str) -> Entry | None:
        """The entry for *written*, or None."""
        return self.entries.get(written)


def load_lexicon(path: str | Path) -> Lexicon:
    """Read a newsroom lexicon file; InputError names the file and line when malformed."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise InputError(f"{path}: cannot read lexicon ({error.strerror or error})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{path}: lexicon is not UTF-8 text") from None
    lexicon = Lexicon()
    for number, line in enumerate(text.split("\n"), 1):
        line = line.rstrip("\r")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) not in (2, 3):
            raise InputError(
                f"{path}:{number}: expected 'written<TAB>spoken[<TAB>kind]', "
                f"got {len(fields)} field(s)"
            )
        written, spoken = fields[0].strip(), fields[1].strip()
        kind = fields[2].strip() if len(fields) == 3 else "expand"
        if not written:
            raise InputError(f"{path}:{number}: empty written form")
        if not spoken:
            raise InputError(f"{path}:{number}: empty spoken form for {written!r}")
        if kind not in KINDS:
            raise InputError(
                f"{path}:{number}: unknown kind {kind!r} (use one of {', '.join(KINDS)})"
            )
        unread = clean(spoken).dropped  # the voice would be handed emoji or another script
        if unread:
            raise InputError(
                f"{path}:{number}: the spoken form of {written!r} has what no voice reads: "
                + " ".join(unread)
            )
        lexicon.add(written, spoken, kind)
    return lexicon
