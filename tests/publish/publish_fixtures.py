"""Helpers for the publish tests: a small two-story programme, covers, tiny audio files.

Imported by name (``from publish_fixtures import ...``): pytest puts this folder on
``sys.path`` for the tests in it.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import replace
from pathlib import Path

import numpy as np
import soundfile as sf

from bulletin.publish import Chapter, Cue, Programme

HEADLINE_1 = "Бишкекте жаңы мектеп ачылды"
HEADLINE_2 = "Ош шаарында «Нур» фестивалы"
SENTENCE_LONG = (
    "2022-жылы Бишкекте 1 500 000 сомго жаңы мектеп курулуп, ал эми анын ачылышына "
    "шаардын мэри, министр жана ата-энелер катышты, бирок айрым класстар али даяр эмес."
)
SPOKEN_LONG = (
    "эки миң жыйырма экинчи жылы Бишкекте бир миллион беш жүз миң сомго жаңы мектеп "
    "курулуп, ал эми анын ачылышына шаардын мэри, министр жана ата-энелер катышты, "
    "бирок айрым класстар али даяр эмес."
)
TRANSCRIPT = (
    f"{HEADLINE_1}\n\n{SENTENCE_LONG} Мектеп 600 окуучуга ылайыкталган.\n\n"
    f"{HEADLINE_2}\n\nФестиваль 12-декабрда башталат."
)


def make_cues() -> tuple[Cue, ...]:
    return (
        Cue(0.5, 2.4, HEADLINE_1, HEADLINE_1.lower(), 0, "headline"),
        Cue(2.9, 14.1, SENTENCE_LONG, SPOKEN_LONG, 0, "sentence"),
        Cue(14.5, 17.25, "Мектеп 600 окуучуга ылайыкталган.",
            "мектеп алты жүз окуучуга ылайыкталган.", 0, "sentence"),
        Cue(18.0, 20.0, HEADLINE_2, "ош шаарында нур фестивалы", 1, "headline"),
        Cue(20.5, 23.9, "Фестиваль 12-декабрда башталат.",
            "фестиваль он экинчи декабрда башталат.", 1, "sentence"),
    )  # fmt: skip


def make_programme(**changes) -> Programme:
    programme = Programme(
        title="Күндүн кабарлары — 24-ноябрь",
        artist="Азаттык Радиосу",
        album="Кабарлар",
        date="2026-11-24",
        genre="News",
        language="kir",
        comment="Автоматтык түрдө окулган.",
        cover=None,
        duration_s=24.5,
        cues=make_cues(),
        chapters=(Chapter(0.0, 17.75, HEADLINE_1), Chapter(17.75, 24.5, HEADLINE_2)),
        story_titles=(HEADLINE_1, HEADLINE_2),
        transcript=TRANSCRIPT,
    )
    return replace(programme, **changes)


def png_bytes(width: int = 3, height: int = 2) -> bytes:
    """A real (decodable) RGB PNG built with zlib."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def jpeg_bytes(width: int = 16, height: int = 8) -> bytes:
    """A JPEG marker skeleton (SOI, APP0/JFIF, SOF0, EOI): enough to sniff type and size."""
    app0 = b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof0 = struct.pack(">BHHB", 8, height, width, 3) + b"\x01\x22\x00\x02\x11\x01\x03\x11\x01"
    return (
        b"\xff\xd8"
        + b"\xff\xe0" + struct.pack(">H", len(app0) + 2) + app0
        + b"\xff\xc0" + struct.pack(">H", len(sof0) + 2) + sof0
        + b"\xff\xd9"
    )  # fmt: skip


def tone(seconds: float = 1.0, rate: int = 44100) -> np.ndarray:
    t = np.arange(int(seconds * rate), dtype=np.float32) / rate
    return (0.1 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)


def make_audio(path: Path, fmt: str, seconds: float = 1.0) -> Path:
    """A tiny mono file of ``fmt`` (mp3 via pedalboard/LAME, others via soundfile)."""
    data = tone(seconds)
    if fmt == "mp3":
        from pedalboard.io import AudioFile

        with AudioFile(str(path), "w", 44100, 1, quality="128") as out:
            out.write(data[np.newaxis, :])
    elif fmt == "ogg-pedalboard":  # the encoder bulletin.audio uses for .ogg
        from pedalboard.io import AudioFile

        with (
            open(path, "wb") as raw,
            AudioFile(raw, "w", 44100, 1, quality="128 kbps", format="ogg") as out,
        ):
            out.write(data[np.newaxis, :])
    elif fmt == "ogg":
        sf.write(path, data, 44100, format="OGG", subtype="VORBIS")
    elif fmt == "opus":
        sf.write(path, data, 48000, format="OGG", subtype="OPUS")
    elif fmt == "flac":
        sf.write(path, data, 44100, format="FLAC", subtype="PCM_16")
    elif fmt == "wav":
        sf.write(path, data, 44100, format="WAV", subtype="PCM_16")
    else:
        raise ValueError(fmt)
    return path
