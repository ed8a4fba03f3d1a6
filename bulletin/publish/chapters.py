"""Podcasting 2.0 JSON chapters (``podcast:chapters``, type ``application/json+chapters``).

>>> chapters_json([Chapter(0.0, 31.25, "Жаңы мектеп")], "Кабарлар")
{'version': '1.2.0', 'title': 'Кабарлар', 'chapters': [{'startTime': 0.0, 'endTime': 31.25, 'title': 'Жаңы мектеп'}]}

Times are seconds (rounded to ms); chapters keep the caller's order, which the spec
requires to be ascending by ``startTime`` (:class:`Programme` checks it).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from bulletin.fsutil import atomic_path
from bulletin.publish.programme import Chapter

#: The JSON chapters format version written.
CHAPTERS_VERSION = "1.2.0"


def chapters_json(
    chapters: Sequence[Chapter], title: str | None = None, *, file_name: str | None = None
) -> dict:
    """The JSON chapters document as a dict (``title``/``fileName`` only when given)."""
    document: dict = {"version": CHAPTERS_VERSION}
    if title:
        document["title"] = title
    if file_name:
        document["fileName"] = file_name
    document["chapters"] = [
        {
            "startTime": round(chapter.start_s, 3),
            "endTime": round(chapter.end_s, 3),
            "title": chapter.title,
        }
        for chapter in chapters
    ]
    return document


def write_chapters_json(
    path: Path,
    chapters: Sequence[Chapter],
    title: str | None = None,
    *,
    file_name: str | None = None,
) -> None:
    """Write the JSON chapters to ``path`` (UTF-8, not ASCII-escaped, atomically)."""
    text = json.dumps(
        chapters_json(chapters, title, file_name=file_name),
        ensure_ascii=False,
        indent=2,
        allow_nan=False,
    )
    with atomic_path(Path(path)) as tmp:
        tmp.write_text(text + "\n", encoding="utf-8", newline="\n")
