"""The manifest: one JSON file that says what was made, from what, and where everything is.

>>> build_manifest(programme, voice="ky-espeak", settings={"lufs": -16}, loudness_lufs=-16.02,
...                true_peak_dbtp=-1.3, files={"audio": "release.mp3"})["loudness"]
{'integrated_lufs': -16.02, 'true_peak_dbtp': -1.3}

Schema (``manifest_version`` 1); keys appear in this order, times are seconds rounded to
ms, and a value that JSON cannot hold (an infinite loudness of silence) is ``null``::

    manifest_version  1
    title, date, language           from the Programme
    duration_s        float
    voice             voice name
    settings          the settings used, keys sorted (paths as strings)
    loudness          {integrated_lufs, true_peak_dbtp}  (measured on the published audio)
    stories           [{index, title, start_s, end_s}]   span of the story's cues (null if none)
    chapters          [{index, title, start_s, end_s}]
    sentences         [{index, story, role, written, spoken, start_s, end_s, timing, words}]
                      every cue; ``words`` lists the sentence's written words in order,
                      each {written, spoken, start_s, end_s}: ``written`` is one written
                      word, or the few read together (``"1 500 000"``), exactly as in
                      ``written`` and joined by single spaces (joining all of them with
                      spaces gives the sentence's written words); ``spoken`` is what the
                      voice read for it (``"бир миллион беш жүз миң"``); times are
                      programme seconds when it sounds, inside the sentence's span,
                      starts never decreasing. ``timing`` says where the times come from:
                      "engine" (word events reported by the voice), "estimate" (no events:
                      shared out by letters and moved to the quiet moments of the audio),
                      or null with ``words`` empty (no word times)
    sounds            [{role, file, start_s, end_s}]  jingles and stings as placed
    files             {kind: file name relative to the manifest}, kinds sorted,
                      e.g. {"audio": "release.mp3", "vtt": "release.vtt"}
    sha256            {file name: SHA-256 hex} of every other file of the set, names
                      sorted (when given; the files are published with the manifest last)

A reader should ignore keys it does not know; ``manifest_version`` changes only when a
key is removed or changes meaning.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Mapping
from pathlib import Path, PurePath

from bulletin.fsutil import atomic_path
from bulletin.publish.programme import Cue, Programme

MANIFEST_VERSION = 1


def build_manifest(
    programme: Programme,
    *,
    voice: str,
    settings: dict,
    loudness_lufs: float,
    true_peak_dbtp: float,
    files: dict[str, str],
    checksums: Mapping[str, str] | None = None,
    stream: bool = False,
) -> dict:
    """The manifest for ``programme`` as a plain, JSON-ready dict (see the module docstring).

    With ``stream``, ``sentences`` is an iterator over ``programme.cues`` that makes each
    sentence's record as it is read, once (by :func:`write_manifest`), not a list: a
    33-hour programme's sentence records (200,000 timed words) are then never all held.
    """
    spans: dict[int, tuple[float, float]] = {}
    for cue in programme.cues:
        start, end = spans.get(cue.story, (cue.start_s, cue.end_s))
        spans[cue.story] = (min(start, cue.start_s), max(end, cue.end_s))
    story_indexes = sorted(set(range(len(programme.story_titles))) | set(spans))
    stories = []
    for index in story_indexes:
        title = programme.story_titles[index] if index < len(programme.story_titles) else None
        start, end = spans.get(index, (None, None))
        stories.append(
            {"index": index, "title": title, "start_s": _time(start), "end_s": _time(end)}
        )
    sentences = (_sentence(index, cue) for index, cue in enumerate(programme.cues))
    return {
        "manifest_version": MANIFEST_VERSION,
        "title": programme.title,
        "date": programme.date,
        "language": programme.language,
        "duration_s": _time(programme.duration_s),
        "voice": voice,
        "settings": _jsonable(settings),
        "loudness": {
            "integrated_lufs": _number(loudness_lufs, 2),
            "true_peak_dbtp": _number(true_peak_dbtp, 2),
        },
        "stories": stories,
        "chapters": [
            {
                "index": index,
                "title": chapter.title,
                "start_s": _time(chapter.start_s),
                "end_s": _time(chapter.end_s),
            }
            for index, chapter in enumerate(programme.chapters)
        ],
        "sentences": sentences if stream else list(sentences),
        "sounds": [
            {
                "role": sound.role,
                "file": sound.file,
                "start_s": _time(sound.start_s),
                "end_s": _time(sound.end_s),
            }
            for sound in programme.sounds
        ],
        "files": {kind: _file_name(files[kind]) for kind in sorted(files)},
        **({"sha256": {name: checksums[name] for name in sorted(checksums)}} if checksums else {}),
    }


def _sentence(index: int, cue: Cue) -> dict:
    return {
        "index": index,
        "story": cue.story,
        "role": cue.role,
        "written": cue.written,
        "spoken": cue.spoken,
        "start_s": _time(cue.start_s),
        "end_s": _time(cue.end_s),
        "timing": cue.timing if cue.words else None,
        "words": [
            {
                "written": word.written,
                "spoken": word.spoken,
                "start_s": _time(word.start_s),
                "end_s": _time(word.end_s),
            }
            for word in cue.words
        ],
    }


def _encoder() -> json.JSONEncoder:
    return json.JSONEncoder(ensure_ascii=False, indent=2, allow_nan=False)


def render_manifest(manifest: Mapping) -> str:
    """The manifest as JSON text: UTF-8 characters kept, indent 2, keys in the dict's order."""
    return _encoder().encode(_jsonable(manifest, sort=False)) + "\n"


def write_manifest(path: Path, manifest: Mapping) -> None:
    """Write ``manifest`` (e.g. from :func:`build_manifest`) to ``path`` atomically: the
    text of :func:`render_manifest`, written as it is encoded, a top-level value that is
    an iterator (``build_manifest(..., stream=True)``) item by item (a 33-hour
    programme's manifest is 30 MB of JSON, never held whole)."""
    with atomic_path(Path(path)) as tmp, open(tmp, "w", encoding="utf-8", newline="\n") as file:
        file.writelines(_streamed(manifest))
        file.write("\n")


def _streamed(manifest: Mapping) -> Iterator[str]:
    """The chunks of ``_encoder().encode(_jsonable(manifest, sort=False))``, the items of
    a top-level iterator made and encoded one at a time (JSON strings hold no raw line
    breaks, so a value encoded alone is indented by indenting its lines)."""
    if not manifest:
        yield "{}"
        return
    encode = _encoder().encode

    def indented(value, level: int) -> str:
        return encode(_jsonable(value, sort=False)).replace("\n", "\n" + "  " * level)

    yield "{"
    for number, (key, value) in enumerate(manifest.items()):
        yield f"{',' if number else ''}\n  {encode(str(key))}: "
        if not isinstance(value, Iterator):
            yield indented(value, 1)
            continue
        empty = True
        for item in value:
            yield f"{'[' if empty else ','}\n    {indented(item, 2)}"
            empty = False
        yield "[]" if empty else "\n  ]"
    yield "\n}"


def _time(seconds: float | None) -> float | None:
    return _number(seconds, 3)


def _number(value: float | None, digits: int) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return round(float(value), digits)


def _file_name(name: str | PurePath) -> str:
    if isinstance(name, PurePath):
        return name.as_posix()
    return str(name)


def _jsonable(value, sort: bool = True):
    """A copy of ``value`` that ``json.dumps`` takes: mappings (keys sorted when ``sort``),
    lists, paths as strings, non-finite floats as ``None``; anything else is a TypeError."""
    if isinstance(value, Mapping):
        items = sorted(value.items(), key=lambda item: str(item[0])) if sort else value.items()
        return {str(key): _jsonable(item, sort) for key, item in items}
    if isinstance(value, (list, tuple, Iterator)):
        return [_jsonable(item, sort) for item in value]
    if isinstance(value, PurePath):
        return value.as_posix()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if value is None or isinstance(value, (str, int, bool)):
        return value
    raise TypeError(f"manifest: cannot write {type(value).__name__} value {value!r} as JSON")
