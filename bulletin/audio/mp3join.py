"""Join MP3 parts that LAME encoded separately into one gapless MP3 file.

LAME starts every stream with an Info frame: frame and byte counts, a seek table, the
encoder delay (576 samples of priming) and the padding after the last sample, and two
CRCs. Played back to back, two streams put the first one's padding and the second one's
priming between them. So a long programme is cut in silence, each part's input leaves out
:func:`junction_samples` of that silence, the parts are encoded at the same time, and
:func:`join_parts` writes the first part's Info frame, rewritten for the whole file,
followed by every part's audio frames: a decoder then plays each sample where one
continuous stream would have put it, and players read the right duration and gapless
trim from the tag.

>>> skip = junction_samples(part_samples, 44100, 1, "128 kbps")   # silence to leave out
>>> join_parts([Path("a.mp3"), Path("b.mp3")], Path("programme.mp3"))
"""

from __future__ import annotations

import io
import shutil
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

# Layer III bitrates (kbps) by index: MPEG-1, then MPEG-2 and 2.5
_BITRATES = {
    1: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    2: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}
_TOC_ENTRIES = 100
_LAME_CRC_AT = 34  # the tag's own CRC sits this far into the LAME extension


@dataclass(frozen=True)
class LameInfo:
    """What :func:`join_parts` needs from one part's Info frame."""

    frame_bytes: int  # length of the Info frame itself
    frame_samples: int  # samples per frame (1152 for MPEG-1, 576 for MPEG-2 and 2.5)
    toc_at: int  # offset of the seek table in the Info frame
    lame_at: int  # offset of the LAME extension in the Info frame
    frames: int  # audio frames after the Info frame
    delay: int  # encoder delay (samples)
    padding: int  # samples after the last input sample
    music_crc: int  # CRC-16 of the audio frames


def _frame_header(data: bytes) -> tuple[int, int, int]:
    """``(frame bytes, samples per frame, side information bytes)`` of a Layer III header."""
    if len(data) < 4:
        raise ValueError("not an MP3 frame: too short")
    (word,) = struct.unpack(">I", data[:4])
    version, layer = (word >> 19) & 3, (word >> 17) & 3
    if word >> 21 != 0x7FF or layer != 1 or version == 1:
        raise ValueError("not an MPEG Layer III frame")
    bitrate = _BITRATES[1 if version == 3 else 2][(word >> 12) & 15] * 1000
    rate_index = (word >> 10) & 3
    if not bitrate or rate_index == 3:
        raise ValueError("MP3 frame with a free or reserved bitrate or rate")
    rate = _RATES[version][rate_index]
    padding = (word >> 9) & 1
    mono = (word >> 6) & 3 == 3
    if version == 3:
        return 144 * bitrate // rate + padding, 1152, 17 if mono else 32
    return 72 * bitrate // rate + padding, 576, 9 if mono else 17


def read_lame_info(head: bytes) -> LameInfo:
    """Parse the Info frame at the start of ``head`` (a LAME stream's first bytes).

    >>> read_lame_info(Path("part.mp3").read_bytes()[:1024]).padding
    1404
    """
    size, samples, side = _frame_header(head)
    at = 4 + side
    if len(head) < min(size, at + 16 + _TOC_ENTRIES + 4 + 36):
        raise ValueError("MP3 Info frame cut short")
    if head[at : at + 4] not in (b"Info", b"Xing"):
        raise ValueError("MP3 stream without a LAME Info frame")
    (flags,) = struct.unpack(">I", head[at + 4 : at + 8])
    if flags & 0xF != 0xF:
        raise ValueError("LAME Info frame without frame count, byte count, seek table and quality")
    frames = struct.unpack(">I", head[at + 8 : at + 12])[0]
    toc_at = at + 16
    lame_at = toc_at + _TOC_ENTRIES + 4
    if head[lame_at : lame_at + 4] != b"LAME" or len(head) < lame_at + 36 or lame_at + 36 > size:
        raise ValueError("MP3 Info frame without a LAME extension")
    packed = int.from_bytes(head[lame_at + 21 : lame_at + 24], "big")
    (music_crc,) = struct.unpack(">H", head[lame_at + 32 : lame_at + 34])
    return LameInfo(size, samples, toc_at, lame_at, frames, packed >> 12, packed & 0xFFF, music_crc)


# --- CRC-16 as LAME computes it (polynomial 0x8005, reflected, initial value 0) -------------


def _crc16_table() -> list[int]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
        table.append(crc)
    return table


_CRC_TABLE = _crc16_table()


def crc16(data: bytes, crc: int = 0) -> int:
    """LAME's CRC-16 of ``data`` (used for the small tag; the audio's is combined)."""
    for byte in data:
        crc = (crc >> 8) ^ _CRC_TABLE[(crc ^ byte) & 0xFF]
    return crc


def _apply(matrix: Sequence[int], vector: int) -> int:
    """A 16x16 matrix over GF(2) (one column per input bit) times a 16-bit vector."""
    out = 0
    for bit, column in enumerate(matrix):
        if vector >> bit & 1:
            out ^= column
    return out


@lru_cache(maxsize=1)
def _zero_byte_matrix() -> tuple[int, ...]:
    """The CRC register's change over one zero byte, as a GF(2) matrix."""
    return tuple(crc16(b"\0", 1 << bit) for bit in range(16))


def crc16_combine(first: int, second: int, second_length: int) -> int:
    """The CRC of ``A + B`` from the CRCs of ``A`` and ``B`` and the length of ``B``.

    The CRC is linear with initial value 0, so ``crc(A + B)`` is ``crc(A)`` carried
    through ``len(B)`` zero bytes, plus ``crc(B)``; the carry is a matrix power
    (as zlib's ``crc32_combine``), so no audio byte is read again.

    >>> crc16_combine(crc16(b"ab"), crc16(b"cd"), 2) == crc16(b"abcd")
    True
    """
    matrix, n, crc = _zero_byte_matrix(), second_length, first
    while n:
        if n & 1:
            crc = _apply(matrix, crc)
        matrix = tuple(_apply(matrix, column) for column in matrix)
        n >>= 1
    return crc ^ second


# --- padding, joining -----------------------------------------------------------------


@lru_cache(maxsize=64)
def _lame_info_for(samples: int, rate: int, channels: int, quality: str) -> LameInfo:
    from pedalboard.io import AudioFile

    buffer = io.BytesIO()
    with AudioFile(buffer, "w", rate, channels, quality=quality, format="mp3") as sink:
        sink.write(np.zeros((channels, samples), dtype=np.float32))
    return read_lame_info(buffer.getvalue()[:4096])


def junction_samples(samples: int, rate: int, channels: int, quality: str) -> int:
    """How many samples a decoder plays between a part of ``samples`` samples and the
    next part: this part's padding and the next part's encoder delay.

    Measured, not assumed: LAME's padding depends only on the length modulo the frame,
    so a few frames of silence of the same remainder are encoded and their tag read.
    ``ValueError`` when this encoder writes no LAME tag (then parts cannot be joined).

    >>> junction_samples(44100, 44100, 1, "128 kbps")
    1980
    """
    probe = _lame_info_for(1, rate, channels, quality)
    frame = probe.frame_samples
    info = _lame_info_for(samples % frame + 2 * frame, rate, channels, quality)
    return info.padding + info.delay


def join_parts(parts: Sequence[Path], output: Path) -> None:
    """Write ``parts`` (LAME MP3 streams of the same format) as one MP3 file.

    The first part's Info frame is kept with its frame and byte counts, seek table,
    padding, audio CRC and tag CRC rewritten for the whole; every other part's Info frame
    is dropped. The audio frames are copied, not decoded.
    """
    if not parts:
        raise ValueError("no MP3 parts to join")
    infos, lengths = [], []
    for part in parts:
        with open(part, "rb") as stream:
            info = read_lame_info(stream.read(4096))
        infos.append(info)
        lengths.append(Path(part).stat().st_size - info.frame_bytes)  # audio bytes
    first = infos[0]
    with open(parts[0], "rb") as stream:
        tag = bytearray(stream.read(first.frame_bytes))
    total_frames = sum(info.frames for info in infos)
    total_bytes = first.frame_bytes + sum(lengths)
    music_crc = first.music_crc
    for info, length in zip(infos[1:], lengths[1:], strict=True):
        music_crc = crc16_combine(music_crc, info.music_crc, length)
    at = first.toc_at - 8
    struct.pack_into(">II", tag, at, total_frames, total_bytes)
    tag[first.toc_at : first.toc_at + _TOC_ENTRIES] = _seek_table(
        [info.frames for info in infos], lengths, first.frame_bytes, total_bytes
    )
    lame = first.lame_at
    last = infos[-1]
    tag[lame + 21 : lame + 24] = ((first.delay << 12) | last.padding).to_bytes(3, "big")
    struct.pack_into(">IH", tag, lame + 28, total_bytes, music_crc)
    struct.pack_into(">H", tag, lame + _LAME_CRC_AT, crc16(bytes(tag[: lame + _LAME_CRC_AT])))
    with open(output, "wb") as sink:
        sink.write(tag)
        for part, info in zip(parts, infos, strict=True):
            with open(part, "rb") as stream:
                stream.seek(info.frame_bytes)
                shutil.copyfileobj(stream, sink, 1 << 20)


def _seek_table(frames: Sequence[int], lengths: Sequence[int], head: int, total: int) -> bytes:
    """Xing seek table: entry ``i`` is the byte offset at ``i`` % of the duration, in
    256ths of the file (within a constant-bitrate part, offsets grow evenly)."""
    ends = np.cumsum(frames)
    starts = ends - np.asarray(frames)
    offsets = head + np.concatenate([[0], np.cumsum(lengths)[:-1]])
    table = bytearray(_TOC_ENTRIES)
    whole = int(ends[-1]) if len(ends) else 0
    for i in range(_TOC_ENTRIES):
        frame = i * whole / _TOC_ENTRIES
        k = min(int(np.searchsorted(ends, frame, side="right")), len(frames) - 1)
        into = (frame - starts[k]) / frames[k] if frames[k] else 0.0
        position = offsets[k] + into * lengths[k]
        table[i] = min(255, int(256 * position / total))
    return bytes(table)
