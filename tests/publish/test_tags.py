"""Tags read back by mutagen and by an independent byte-level ID3v2.4 walker."""

from __future__ import annotations

import base64
import re
import struct
from pathlib import Path

import pytest
import soundfile as sf
from mutagen.flac import FLAC, Picture
from mutagen.id3 import ID3, CTOCFlags, PictureType
from mutagen.oggopus import OggOpus
from mutagen.oggvorbis import OggVorbis
from mutagen.wave import WAVE
from publish_fixtures import (
    HEADLINE_1,
    HEADLINE_2,
    TRANSCRIPT,
    jpeg_bytes,
    make_audio,
    make_programme,
    png_bytes,
)

from bulletin.errors import ConfigError, InputError
from bulletin.publish import Chapter, read_cover, write_tags
from bulletin.publish.tags import vorbis_time

# --- an independent ID3v2.4 reader (only what these tests need) ---------------------------


def _synchsafe(data: bytes) -> int:
    value = 0
    for byte in data:
        assert byte < 0x80, "synchsafe integer with the high bit set"
        value = (value << 7) | byte
    return value


def _walk_frames(data: bytes) -> list[tuple[str, bytes]]:
    """(frame id, body) pairs of a run of v2.4 frames, stopping at padding."""
    frames, pos = [], 0
    while pos + 10 <= len(data) and data[pos : pos + 4] != b"\x00\x00\x00\x00":
        frame_id = data[pos : pos + 4].decode("ascii")
        assert re.fullmatch(r"[A-Z0-9]{4}", frame_id), frame_id
        size = _synchsafe(data[pos + 4 : pos + 8])
        assert data[pos + 8 : pos + 10] == b"\x00\x00", f"{frame_id}: unexpected frame flags"
        frames.append((frame_id, data[pos + 10 : pos + 10 + size]))
        pos += 10 + size
    assert pos <= len(data)
    return frames


def read_id3v24(blob: bytes) -> list[tuple[str, bytes]]:
    """Frames of the ID3v2.4 tag at the start of ``blob`` (an MP3 or an ``id3 `` chunk)."""
    assert blob[:3] == b"ID3", "no ID3v2 header"
    assert blob[3:5] == b"\x04\x00", f"not ID3v2.4.0: {blob[3:5]!r}"
    assert blob[5] & 0x80 == 0, "unsynchronisation is not expected"
    size = _synchsafe(blob[6:10])
    return _walk_frames(blob[10 : 10 + size])


def _text(body: bytes) -> str:
    encoding, raw = body[0], body[1:]
    codec = {0: "latin-1", 1: "utf-16", 2: "utf-16-be", 3: "utf-8"}[encoding]
    return raw.decode(codec).rstrip("\x00")


def _cstring(body: bytes, pos: int) -> tuple[str, int]:
    end = body.index(b"\x00", pos)
    return body[pos:end].decode("latin-1"), end + 1


def parse_chap(body: bytes) -> tuple[str, int, int, dict[str, str]]:
    element_id, pos = _cstring(body, 0)
    start, end, start_offset, end_offset = struct.unpack(">IIII", body[pos : pos + 16])
    assert (start_offset, end_offset) == (0xFFFFFFFF, 0xFFFFFFFF)
    subs = {fid: _text(sub) for fid, sub in _walk_frames(body[pos + 16 :]) if fid[0] == "T"}
    return element_id, start, end, subs


def parse_ctoc(body: bytes) -> tuple[str, int, list[str], dict[str, str]]:
    element_id, pos = _cstring(body, 0)
    flags, count = body[pos], body[pos + 1]
    pos += 2
    children = []
    for _ in range(count):
        child, pos = _cstring(body, pos)
        children.append(child)
    subs = {fid: _text(sub) for fid, sub in _walk_frames(body[pos:]) if fid[0] == "T"}
    return element_id, flags, children, subs


# --- MP3 ----------------------------------------------------------------------------------


@pytest.fixture
def mp3(tmp_path: Path) -> Path:
    return make_audio(tmp_path / ".release.tmp.mp3", "mp3", seconds=1.0)


def test_mp3_text_frames_read_back_with_mutagen(mp3, programme):
    write_tags(mp3, "mp3", programme)
    tag = ID3(mp3)
    assert tag.version == (2, 4, 0)
    assert tag["TIT2"].text == [programme.title]
    assert tag["TPE1"].text == ["Азаттык Радиосу"]
    assert tag["TALB"].text == ["Кабарлар"]
    assert str(tag["TDRC"].text[0]) == "2026-11-24"
    assert tag["TLAN"].text == ["kir"]
    assert tag["TCON"].text == ["News"]
    assert tag["TLEN"].text == ["24500"]
    (comm,) = tag.getall("COMM")
    assert (comm.lang, comm.text) == ("kir", ["Автоматтык түрдө окулган."])
    (uslt,) = tag.getall("USLT")
    assert uslt.lang == "kir"
    assert uslt.text == TRANSCRIPT
    assert not tag.getall("APIC")


def test_mp3_chapters_read_back_with_mutagen(mp3, programme):
    write_tags(mp3, "mp3", programme)
    tag = ID3(mp3)
    (toc,) = tag.getall("CTOC")
    assert toc.element_id == "toc"
    assert toc.flags & CTOCFlags.TOP_LEVEL and toc.flags & CTOCFlags.ORDERED
    assert toc.child_element_ids == ["chp0", "chp1"]
    chaps = {chap.element_id: chap for chap in tag.getall("CHAP")}
    assert (chaps["chp0"].start_time, chaps["chp0"].end_time) == (0, 17750)
    assert (chaps["chp1"].start_time, chaps["chp1"].end_time) == (17750, 24500)
    assert chaps["chp0"].sub_frames["TIT2"].text == [HEADLINE_1]
    assert chaps["chp1"].sub_frames["TIT2"].text == [HEADLINE_2]


def test_mp3_tag_walked_at_byte_level(mp3, programme):
    write_tags(mp3, "mp3", programme)
    frames = read_id3v24(mp3.read_bytes())
    ids = [fid for fid, _ in frames]
    for wanted in ("TIT2", "TPE1", "TALB", "TDRC", "TLAN", "TCON", "TLEN", "COMM", "USLT"):
        assert ids.count(wanted) == 1, wanted
    text = {fid: _text(body) for fid, body in frames if fid[0] == "T"}
    assert text["TIT2"] == programme.title
    assert text["TLAN"] == "kir"
    chaps = [parse_chap(body) for fid, body in frames if fid == "CHAP"]
    assert [(c[0], c[1], c[2], c[3]["TIT2"]) for c in chaps] == [
        ("chp0", 0, 17750, HEADLINE_1),
        ("chp1", 17750, 24500, HEADLINE_2),
    ]
    (ctoc,) = [parse_ctoc(body) for fid, body in frames if fid == "CTOC"]
    element_id, flags, children, subs = ctoc
    assert element_id == "toc"
    assert flags & 0b11 == 0b11  # top-level + ordered
    assert children == ["chp0", "chp1"]
    assert subs["TIT2"] == programme.title
    (uslt,) = [body for fid, body in frames if fid == "USLT"]
    assert uslt[0] == 3 and uslt[1:4] == b"kir"
    assert uslt[4:].split(b"\x00", 1)[1].decode("utf-8").rstrip("\x00") == TRANSCRIPT


def test_mp3_still_decodes_and_keeps_its_length(mp3, programme):
    before = sf.info(mp3).frames
    write_tags(mp3, "mp3", programme)
    assert sf.info(mp3).frames == before


def test_mp3_retagging_replaces_the_old_tag(mp3, programme):
    write_tags(mp3, "mp3", programme)
    write_tags(mp3, "mp3", make_programme(title="Жаңы"))
    tag = ID3(mp3)
    assert tag["TIT2"].text == ["Жаңы"]
    assert len(tag.getall("CHAP")) == 2
    assert mp3.read_bytes().count(b"ID3\x04") == 1


@pytest.mark.parametrize(
    "cover_name,mime", [("png_cover", "image/png"), ("jpeg_cover", "image/jpeg")]
)
def test_mp3_cover_mime_from_bytes(mp3, programme, request, cover_name, mime):
    cover = request.getfixturevalue(cover_name)
    write_tags(mp3, "mp3", make_programme(cover=cover))
    (apic,) = ID3(mp3).getall("APIC")
    assert apic.mime == mime
    assert apic.type == PictureType.COVER_FRONT
    assert apic.data == cover.read_bytes()


def test_many_chapters_keep_their_order(mp3, programme):
    chapters = tuple(Chapter(i * 2.0, i * 2.0 + 2.0, f"Бөлүм {i}") for i in range(12))
    write_tags(mp3, "mp3", make_programme(chapters=chapters))
    frames = read_id3v24(mp3.read_bytes())
    (ctoc,) = [parse_ctoc(body) for fid, body in frames if fid == "CTOC"]
    assert ctoc[2] == [f"chp{i}" for i in range(12)]
    starts = {c[0]: c[1] for c in (parse_chap(b) for fid, b in frames if fid == "CHAP")}
    assert [starts[f"chp{i}"] for i in range(12)] == [i * 2000 for i in range(12)]


def test_missing_cover_names_the_file_and_leaves_audio_alone(mp3, programme, tmp_path):
    missing = tmp_path / "nope.jpg"
    before = mp3.read_bytes()
    with pytest.raises(InputError, match="nope.jpg"):
        write_tags(mp3, "mp3", make_programme(cover=missing))
    assert mp3.read_bytes() == before


def test_unsupported_cover_is_an_input_error(mp3, programme, tmp_path):
    gif = tmp_path / "cover.gif"
    gif.write_bytes(b"GIF89a" + b"\x00" * 20)
    with pytest.raises(InputError, match=r"cover\.gif: cover is not a JPEG or PNG"):
        write_tags(mp3, "mp3", make_programme(cover=gif))


def test_unknown_format_is_a_config_error(mp3, programme):
    with pytest.raises(ConfigError, match="aac"):
        write_tags(mp3, "aac", programme)


def test_read_cover_sizes(tmp_path):
    png = tmp_path / "a.png"
    png.write_bytes(png_bytes(3, 2))
    jpg = tmp_path / "a.jpg"
    jpg.write_bytes(jpeg_bytes(16, 8))
    assert (read_cover(png).width, read_cover(png).height, read_cover(png).depth) == (3, 2, 24)
    assert (read_cover(jpg).mime, read_cover(jpg).width, read_cover(jpg).height) == (
        "image/jpeg",
        16,
        8,
    )


# --- WAV ------------------------------------------------------------------------------------


def _riff_chunk(blob: bytes, wanted: bytes) -> bytes:
    assert blob[:4] == b"RIFF" and blob[8:12] == b"WAVE"
    pos = 12
    while pos + 8 <= len(blob):
        kind, size = blob[pos : pos + 4], struct.unpack("<I", blob[pos + 4 : pos + 8])[0]
        if kind.lower() == wanted:
            return blob[pos + 8 : pos + 8 + size]
        pos += 8 + size + (size & 1)
    raise AssertionError(f"no {wanted!r} chunk")


def test_wav_gets_an_id3_chunk(tmp_path, programme, png_cover):
    wav = make_audio(tmp_path / "a.wav", "wav")
    before = sf.read(wav)[0]
    write_tags(wav, "wav", make_programme(cover=png_cover))
    tag = WAVE(wav).tags
    assert tag["TIT2"].text == [programme.title]
    assert tag.getall("CTOC")[0].child_element_ids == ["chp0", "chp1"]
    assert tag.getall("APIC")[0].mime == "image/png"
    frames = read_id3v24(_riff_chunk(wav.read_bytes(), b"id3 "))
    assert [parse_chap(b)[1:3] for fid, b in frames if fid == "CHAP"] == [
        (0, 17750),
        (17750, 24500),
    ]
    assert (sf.read(wav)[0] == before).all()


# --- Vorbis comments --------------------------------------------------------------------------


def _check_vorbis(tags, programme):
    assert tags["TITLE"] == [programme.title]
    assert tags["ARTIST"] == ["Азаттык Радиосу"]
    assert tags["ALBUM"] == ["Кабарлар"]
    assert tags["DATE"] == ["2026-11-24"]
    assert tags["LANGUAGE"] == ["kir"]
    assert tags["GENRE"] == ["News"]
    assert tags["COMMENT"] == ["Автоматтык түрдө окулган."]
    assert tags["LYRICS"] == [TRANSCRIPT]
    assert tags["CHAPTER001"] == ["00:00:00.000"]
    assert tags["CHAPTER001NAME"] == [HEADLINE_1]
    assert tags["CHAPTER002"] == ["00:00:17.750"]
    assert tags["CHAPTER002NAME"] == [HEADLINE_2]


def test_flac_vorbis_comments_and_picture(tmp_path, programme, jpeg_cover):
    flac = make_audio(tmp_path / "a.flac", "flac")
    write_tags(flac, "flac", make_programme(cover=jpeg_cover))
    audio = FLAC(flac)
    _check_vorbis(audio.tags, programme)
    (picture,) = audio.pictures
    assert (picture.mime, picture.type, picture.width, picture.height) == (
        "image/jpeg",
        PictureType.COVER_FRONT,
        16,
        8,
    )
    assert picture.data == jpeg_cover.read_bytes()
    assert sf.info(flac).frames == 44100


def test_flac_retag_replaces_old_comments(tmp_path, programme):
    flac = make_audio(tmp_path / "a.flac", "flac")
    audio = FLAC(flac)
    audio["TITLE"] = "old"
    audio["OLDKEY"] = "x"
    audio.save()
    write_tags(flac, "flac", programme)
    tags = FLAC(flac).tags
    assert tags["TITLE"] == [programme.title]
    assert "OLDKEY" not in tags


@pytest.mark.parametrize(
    "maker,fmt,opener",
    [("ogg", "ogg", OggVorbis), ("ogg-pedalboard", "ogg", OggVorbis), ("opus", "opus", OggOpus)],
)
def test_ogg_vorbis_comments_and_picture(tmp_path, programme, png_cover, maker, fmt, opener):
    path = make_audio(tmp_path / f".a.tmp.{fmt}", maker)
    frames = sf.info(path).frames
    write_tags(path, fmt, make_programme(cover=png_cover))
    tags = opener(path).tags
    _check_vorbis(tags, programme)
    (block,) = tags["METADATA_BLOCK_PICTURE"]
    picture = Picture(base64.b64decode(block))
    assert (picture.mime, picture.width, picture.height) == ("image/png", 3, 2)
    assert picture.data == png_cover.read_bytes()
    assert sf.info(path).frames == frames


def test_vorbis_time():
    assert vorbis_time(0) == "00:00:00.000"
    assert vorbis_time(75.5) == "00:01:15.500"
    assert vorbis_time(3725.0004) == "01:02:05.000"
