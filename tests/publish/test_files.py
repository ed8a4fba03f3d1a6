"""Transcript, JSON chapters and manifest: read back with json / plain text."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import pytest
from publish_fixtures import HEADLINE_1, HEADLINE_2, SENTENCE_LONG, TRANSCRIPT, make_programme

from bulletin.publish import (
    MANIFEST_VERSION,
    Chapter,
    Cue,
    build_manifest,
    render_manifest,
    render_transcript,
    write_chapters_json,
    write_manifest,
    write_transcript,
)

# --- transcript -----------------------------------------------------------------------------


def test_transcript_is_the_callers_text(tmp_path: Path, programme):
    write_transcript(tmp_path / "r.txt", programme)
    raw = (tmp_path / "r.txt").read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    assert raw.decode("utf-8") == TRANSCRIPT + "\n"
    assert raw.decode("utf-8").splitlines()[0] == HEADLINE_1


def test_transcript_newlines_are_normalised(tmp_path: Path):
    write_transcript(tmp_path / "r.txt", make_programme(transcript="Баш\r\n\r\nСөз.\r\n\n"))
    assert (tmp_path / "r.txt").read_bytes() == "Баш\n\nСөз.\n".encode()


def test_transcript_rendered_from_cues_when_empty(tmp_path: Path):
    write_transcript(tmp_path / "r.txt", make_programme(transcript=""))
    lines = (tmp_path / "r.txt").read_text(encoding="utf-8").split("\n")
    assert lines[0] == HEADLINE_1 and lines[1] == ""
    assert lines[2].startswith(SENTENCE_LONG + " Мектеп 600")
    assert lines[4] == HEADLINE_2
    assert lines[6] == "Фестиваль 12-декабрда башталат."


def test_render_transcript_uses_story_titles_without_headline_cues():
    cues = [Cue(0, 1, "Биринчи сүйлөм.", "x", 0), Cue(1, 2, "Экинчи.", "x", 1)]
    assert render_transcript(cues, ("Аталыш", "Башка")) == (
        "Аталыш\n\nБиринчи сүйлөм.\n\nБашка\n\nЭкинчи.\n"
    )
    assert render_transcript([]) == ""


# --- JSON chapters --------------------------------------------------------------------------


def test_chapters_json_schema(tmp_path: Path, programme):
    path = tmp_path / "r.chapters.json"
    write_chapters_json(path, programme.chapters, programme.title, file_name="r.mp3")
    raw = path.read_text(encoding="utf-8")
    assert HEADLINE_1 in raw  # not \\u-escaped
    document = json.loads(raw)
    assert document["version"] == "1.2.0"
    assert document["title"] == programme.title
    assert document["fileName"] == "r.mp3"
    chapters = document["chapters"]
    assert [c["title"] for c in chapters] == [HEADLINE_1, HEADLINE_2]
    assert [(c["startTime"], c["endTime"]) for c in chapters] == [(0.0, 17.75), (17.75, 24.5)]
    for chapter in chapters:
        assert set(chapter) <= {"startTime", "endTime", "title", "img", "url", "toc", "location"}
        assert isinstance(chapter["startTime"], (int, float)) and chapter["startTime"] >= 0
        assert isinstance(chapter["title"], str)
    starts = [c["startTime"] for c in chapters]
    assert starts == sorted(starts)


def test_chapters_json_minimal(tmp_path: Path):
    path = tmp_path / "c.json"
    write_chapters_json(path, [Chapter(1.23456, 2.0, "Бир")])
    assert json.loads(path.read_text(encoding="utf-8")) == {
        "version": "1.2.0",
        "chapters": [{"startTime": 1.235, "endTime": 2.0, "title": "Бир"}],
    }


def test_programme_rejects_unordered_chapters():
    with pytest.raises(ValueError, match="ascending"):
        make_programme(chapters=(Chapter(5, 6, "б"), Chapter(0, 5, "а")))
    with pytest.raises(ValueError, match="bad time span"):
        Cue(2.0, 1.0, "а", "а", 0)


# --- manifest -------------------------------------------------------------------------------


def _manifest(programme, **changes):
    arguments = {
        "voice": "ky-espeak",
        "settings": {"target_lufs": -16.0, "bitrate": 128, "cover": Path("art/c.png")},
        "loudness_lufs": -16.034,
        "true_peak_dbtp": -1.2,
        "files": {"vtt": "r.vtt", "audio": "r.mp3", "transcript": "r.txt"},
    }
    arguments.update(changes)
    return build_manifest(programme, **arguments)


def test_manifest_round_trip(tmp_path: Path, programme):
    manifest = _manifest(programme)
    path = tmp_path / "r.json"
    write_manifest(path, manifest)
    raw = path.read_text(encoding="utf-8")
    assert HEADLINE_1 in raw and raw.endswith("}\n")
    back = json.loads(raw)
    assert back == manifest
    assert back["manifest_version"] == MANIFEST_VERSION == 1
    assert list(back) == [
        "manifest_version",
        "title",
        "date",
        "language",
        "duration_s",
        "voice",
        "settings",
        "loudness",
        "stories",
        "chapters",
        "sentences",
        "sounds",
        "files",
    ]
    assert back["loudness"] == {"integrated_lufs": -16.03, "true_peak_dbtp": -1.2}
    assert back["settings"] == {"bitrate": 128, "cover": "art/c.png", "target_lufs": -16.0}
    assert list(back["files"]) == ["audio", "transcript", "vtt"]
    assert back["stories"] == [
        {"index": 0, "title": HEADLINE_1, "start_s": 0.5, "end_s": 17.25},
        {"index": 1, "title": HEADLINE_2, "start_s": 18.0, "end_s": 23.9},
    ]
    assert [c["title"] for c in back["chapters"]] == [HEADLINE_1, HEADLINE_2]
    assert len(back["sentences"]) == len(programme.cues)
    first = back["sentences"][1]
    assert first["written"] == SENTENCE_LONG and first["spoken"].startswith("эки миң")
    assert (first["story"], first["role"], first["start_s"], first["end_s"]) == (
        0,
        "sentence",
        2.9,
        14.1,
    )


def test_manifest_is_byte_stable(tmp_path: Path, programme):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    write_manifest(a, _manifest(programme))
    shuffled = {"b": 1, "a": {"z": 1, "y": 2}}
    write_manifest(b, _manifest(programme, settings=shuffled))
    write_manifest(a, _manifest(programme, settings={"a": {"y": 2, "z": 1}, "b": 1}))
    assert a.read_bytes() == b.read_bytes()


def test_manifest_streams_its_sentences(tmp_path: Path, programme):
    """``stream=True``: the sentences are made one at a time as they are written, from
    cues read once; the file is the text of the whole manifest, byte for byte."""
    whole = _manifest(programme)
    once = dataclasses.replace(programme, cues=_Once(programme.cues))
    streamed = _manifest(once, stream=True)
    assert not isinstance(streamed["sentences"], list)
    write_manifest(tmp_path / "s.json", streamed)
    assert (tmp_path / "s.json").read_text(encoding="utf-8") == render_manifest(whole)
    empty = dataclasses.replace(programme, cues=(), story_titles=(), chapters=(), sounds=())
    write_manifest(tmp_path / "e.json", _manifest(empty, stream=True, files={}))
    assert (tmp_path / "e.json").read_text(encoding="utf-8") == render_manifest(
        _manifest(empty, files={})
    )
    write_manifest(tmp_path / "n.json", {})
    assert (tmp_path / "n.json").read_text(encoding="utf-8") == "{}\n"


class _Once:
    """Cues that may be read twice (the stories' spans, then the sentences), no more."""

    def __init__(self, cues) -> None:
        self.cues, self.reads = cues, 0

    def __iter__(self):
        self.reads += 1
        assert self.reads <= 2
        return iter(self.cues)

    def __len__(self) -> int:
        return len(self.cues)


def test_manifest_silence_loudness_is_null(programme):
    manifest = _manifest(programme, loudness_lufs=-math.inf, true_peak_dbtp=float("nan"))
    assert manifest["loudness"] == {"integrated_lufs": None, "true_peak_dbtp": None}
    json.dumps(manifest, allow_nan=False)


def test_manifest_rejects_unserialisable_settings(programme):
    with pytest.raises(TypeError, match="object"):
        _manifest(programme, settings={"x": object()})


def test_failed_write_keeps_the_old_file(tmp_path: Path, programme):
    path = tmp_path / "r.json"
    write_manifest(path, {"a": 1})
    with pytest.raises(TypeError):
        write_manifest(path, {"a": object()})
    assert json.loads(path.read_text(encoding="utf-8")) == {"a": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]
