"""Tags, cover, transcript and chapters inside the audio file (mutagen).

>>> write_tags(Path("out/.release.tmp.mp3"), "mp3", programme)
# -> ID3v2.4: TIT2 TPE1 TALB TDRC TLAN=kir TCON COMM TLEN APIC USLT, CHAP chp0.. + CTOC toc

What each format gets:

- ``mp3``: an ID3v2.4 tag (UTF-8 text). Chapters are one ``CHAP`` frame per chapter
  (element ids ``chp0``, ``chp1``, ...; start/end in ms; a ``TIT2`` sub-frame with the
  title) plus one top-level, ordered ``CTOC`` (``toc``) listing them in order: players
  such as Overcast and Apple Podcasts only show chapters reached from a CTOC. Any
  previous ID3v2 tag is replaced and an ID3v1 tag is removed (it cannot hold Cyrillic).
- ``flac``, ``ogg`` (Vorbis), ``opus``: Vorbis comments ``TITLE ARTIST ALBUM DATE LANGUAGE
  GENRE COMMENT LYRICS`` (LYRICS = the transcript) and chapter comments
  ``CHAPTER001=00:00:00.000`` / ``CHAPTER001NAME=...``; the cover is a FLAC picture block
  (FLAC) or a base64 ``METADATA_BLOCK_PICTURE`` comment (Ogg).
- ``wav``: the same ID3v2.4 frames in an ``id3 `` RIFF chunk (see :func:`_write_wav`).

The file is changed in place: the caller passes the temporary path it will rename into
``out/`` (see :func:`bulletin.fsutil.atomic_path`), so a failure leaves no half-tagged
file behind. The cover is read and checked before the audio file is touched.
"""

from __future__ import annotations

import base64
import struct
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from mutagen import MutagenError
from mutagen.flac import FLAC, Picture
from mutagen.id3 import (
    APIC,
    CHAP,
    COMM,
    CTOC,
    ID3,
    TALB,
    TCON,
    TDRC,
    TIT2,
    TLAN,
    TLEN,
    TPE1,
    USLT,
    CTOCFlags,
    Encoding,
    PictureType,
)
from mutagen.oggopus import OggOpus
from mutagen.oggvorbis import OggVorbis
from mutagen.wave import WAVE

from bulletin.errors import ConfigError, InputError
from bulletin.publish.programme import Chapter, Programme

#: Element id of the top-level table of contents; chapters are ``chp0``, ``chp1``, ...
TOC_ID = "toc"


@dataclass(frozen=True)
class Cover:
    """A checked cover image: its bytes, MIME type and pixel size (0 where unknown)."""

    data: bytes
    mime: str
    width: int = 0
    height: int = 0
    depth: int = 0


def write_tags(audio_path: Path, fmt: str, programme: Programme) -> None:
    """Write ``programme``'s tags, cover, transcript and chapters into ``audio_path``.

    ``fmt`` is ``"mp3"``, ``"flac"``, ``"ogg"``, ``"opus"`` or ``"wav"`` (a leading dot
    and case are ignored). A missing or non-JPEG/PNG cover raises
    :class:`~bulletin.errors.InputError` naming the file, before the audio is touched.

    >>> write_tags(Path("out/.r.tmp.mp3"), "mp3", programme)  # ID3(...)["TLAN"] == "kir"
    """
    kind = fmt.lower().lstrip(".")
    writer = _WRITERS.get(kind)
    if writer is None:
        known = ", ".join(sorted(_WRITERS))
        raise ConfigError(f"format: cannot tag {fmt!r} files (known: {known})")
    cover = read_cover(programme.cover) if programme.cover is not None else None
    try:
        writer(Path(audio_path), programme, cover)
    except MutagenError as error:  # mutagen wraps the OSError of a full disk: pass it on
        cause = error.__cause__ or error.__context__
        if isinstance(cause, OSError):
            raise cause from None
        raise


def read_cover(path: Path) -> Cover:
    """Read a JPEG or PNG cover; the MIME type comes from the bytes, not the name.

    >>> read_cover(Path("cover.png")).mime
    'image/png'
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: cover image not found") from None
    except OSError as error:
        raise InputError(f"{path}: cannot read cover image ({error.strerror})") from None
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return _png_cover(data)
    if data.startswith(b"\xff\xd8\xff"):
        return _jpeg_cover(data)
    raise InputError(f"{path}: cover is not a JPEG or PNG image")


# --- ID3 (MP3, WAV) ----------------------------------------------------------------------


def id3_frames(programme: Programme, cover: Cover | None) -> list:
    """The ID3v2.4 frames for ``programme``, in writing order (chapters last)."""
    utf8 = Encoding.UTF8
    lang = _lang3(programme.language)
    frames: list = [
        TIT2(encoding=utf8, text=[programme.title]),
        TDRC(encoding=utf8, text=[programme.date]),
        TLAN(encoding=utf8, text=[programme.language]),
        TCON(encoding=utf8, text=[programme.genre]),
        TLEN(encoding=utf8, text=[str(_ms(programme.duration_s))]),
    ]
    if programme.artist:
        frames.append(TPE1(encoding=utf8, text=[programme.artist]))
    if programme.album:
        frames.append(TALB(encoding=utf8, text=[programme.album]))
    if programme.comment:
        frames.append(COMM(encoding=utf8, lang=lang, desc="", text=[programme.comment]))
    if programme.transcript:
        frames.append(USLT(encoding=utf8, lang=lang, desc="", text=programme.transcript))
    if cover is not None:
        frames.append(
            APIC(
                encoding=utf8,
                mime=cover.mime,
                type=PictureType.COVER_FRONT,
                desc="Cover",
                data=cover.data,
            )
        )
    frames.extend(_chapter_frames(programme.chapters, programme.title))
    return frames


def _chapter_frames(chapters: tuple[Chapter, ...], title: str) -> list:
    if not chapters:
        return []
    ids = [f"chp{index}" for index in range(len(chapters))]
    frames: list = [
        CTOC(
            element_id=TOC_ID,
            flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
            child_element_ids=ids,
            sub_frames=[TIT2(encoding=Encoding.UTF8, text=[title])],
        )
    ]
    for element_id, chapter in zip(ids, chapters, strict=True):
        start = _ms(chapter.start_s)
        frames.append(
            CHAP(
                element_id=element_id,
                start_time=start,
                end_time=max(start, _ms(chapter.end_s)),
                sub_frames=[TIT2(encoding=Encoding.UTF8, text=[chapter.title])],
            )
        )
    return frames


def _write_mp3(path: Path, programme: Programme, cover: Cover | None) -> None:
    tag = ID3()
    for frame in id3_frames(programme, cover):
        tag.add(frame)
    # Saving a fresh tag replaces any ID3v2 tag already at the start of the file;
    # v1=0 drops an ID3v1 tag (Latin-1 only, 30 characters) rather than leave a stale one.
    tag.save(path, v1=0, v2_version=4)


def _write_wav(path: Path, programme: Programme, cover: Cover | None) -> None:
    """The MP3 frames in an ``id3 `` chunk of the RIFF file.

    mutagen, ffmpeg/ffprobe and foobar2000 read this chunk; radio playout systems mostly
    ignore it (they read BWF ``bext``/``cart`` chunks or their own database), so a WAV for
    playout should be catalogued there by hand. No RIFF ``LIST/INFO`` chunk is written.
    """
    audio = WAVE(path)
    if audio.tags is not None:
        audio.tags.clear()
    else:
        audio.add_tags()
    for frame in id3_frames(programme, cover):
        audio.tags.add(frame)
    audio.save(v2_version=4)


# --- Vorbis comments (FLAC, Ogg Vorbis, Ogg Opus) ------------------------------------------


def vorbis_comments(programme: Programme) -> list[tuple[str, str]]:
    """The Vorbis comments for ``programme`` as ordered (key, value) pairs.

    >>> vorbis_comments(programme)[-2:]
    [('CHAPTER001', '00:00:00.000'), ('CHAPTER001NAME', 'Бишкекте жаңы мектеп ачылды')]
    """
    pairs = [
        ("TITLE", programme.title),
        ("ARTIST", programme.artist),
        ("ALBUM", programme.album),
        ("DATE", programme.date),
        ("LANGUAGE", programme.language),
        ("GENRE", programme.genre),
        ("COMMENT", programme.comment),
        ("LYRICS", programme.transcript),
    ]
    comments = [(key, value) for key, value in pairs if value]
    for number, chapter in enumerate(programme.chapters, start=1):
        key = f"CHAPTER{number:03d}"
        comments.append((key, vorbis_time(chapter.start_s)))
        comments.append((key + "NAME", chapter.title))
    return comments


def vorbis_time(seconds: float) -> str:
    """``HH:MM:SS.mmm`` as the Vorbis chapter extension wants it: 75.5 -> '00:01:15.500'."""
    ms = _ms(seconds)
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"


def _flac_picture(cover: Cover) -> Picture:
    picture = Picture()
    picture.type = PictureType.COVER_FRONT
    picture.mime = cover.mime
    picture.desc = "Cover"
    picture.width, picture.height, picture.depth = cover.width, cover.height, cover.depth
    picture.data = cover.data
    return picture


def _write_flac(path: Path, programme: Programme, cover: Cover | None) -> None:
    audio = FLAC(path)
    if audio.tags is None:
        audio.add_tags()
    _replace_comments(audio.tags, vorbis_comments(programme))
    audio.clear_pictures()
    if cover is not None:
        audio.add_picture(_flac_picture(cover))
    audio.save()


def _write_ogg(opener: Callable) -> Callable[[Path, Programme, Cover | None], None]:
    def write(path: Path, programme: Programme, cover: Cover | None) -> None:
        audio = opener(path)
        comments = vorbis_comments(programme)
        if cover is not None:
            block = base64.b64encode(_flac_picture(cover).write()).decode("ascii")
            comments.append(("METADATA_BLOCK_PICTURE", block))
        _replace_comments(audio.tags, comments)
        audio.save()

    return write


def _replace_comments(tags, comments: list[tuple[str, str]]) -> None:
    for key in list(tags.keys()):
        del tags[key]
    for key, value in comments:
        tags.append((key, value))


_WRITERS: dict[str, Callable[[Path, Programme, Cover | None], None]] = {
    "mp3": _write_mp3,
    "wav": _write_wav,
    "wave": _write_wav,
    "flac": _write_flac,
    "ogg": _write_ogg(OggVorbis),
    "oga": _write_ogg(OggVorbis),
    "opus": _write_ogg(OggOpus),
}


# --- helpers ------------------------------------------------------------------------------


def _ms(seconds: float) -> int:
    return int(round(seconds * 1000.0))


def _lang3(language: str) -> str:
    """COMM/USLT carry a 3-letter language code; anything else falls back to ``und``."""
    code = language.strip().lower()
    return code if len(code) == 3 and code.isascii() and code.isalpha() else "und"


def _png_cover(data: bytes) -> Cover:
    width = height = depth = 0
    if len(data) >= 26 and data[12:16] == b"IHDR":
        width, height = struct.unpack(">II", data[16:24])
        bits, colour = data[24], data[25]
        channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}.get(colour, 1)
        depth = bits * channels
    return Cover(data, "image/png", width, height, depth)


_SOF_MARKERS = set(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


def _jpeg_cover(data: bytes) -> Cover:
    """Find the frame header (SOFn) for the pixel size; 0 where the file is odd."""
    pos = 2
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            break
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            pos += 2
            continue
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        if marker in _SOF_MARKERS and pos + 10 <= len(data):
            bits = data[pos + 4]
            height, width = struct.unpack(">HH", data[pos + 5 : pos + 9])
            components = data[pos + 9]
            return Cover(data, "image/jpeg", width, height, bits * components)
        pos += 2 + length
    return Cover(data, "image/jpeg")
