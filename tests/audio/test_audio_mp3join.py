"""Joining separately encoded LAME MP3 parts: the Info tag, CRCs, junctions, gapless playback.

Everything the joiner writes is checked with readers of its own: soundfile (mpg123, which
trims by the LAME tag), mutagen (duration from the tag), and a frame-header walk here.
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass
from pathlib import Path

import mutagen.mp3
import numpy as np
import pytest
import soundfile as sf

from bulletin.audio.mp3join import (
    crc16,
    crc16_combine,
    join_parts,
    junction_samples,
    read_lame_info,
)

# Layer III bitrates (kbps) by header index, and sample rates by version (independent of
# the module under test): MPEG-1, then MPEG-2 and MPEG-2.5
KBPS = {
    1: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    2: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}
LAME_DELAY = 576  # LAME's encoder delay (priming)


def encode(samples: np.ndarray, rate: int, quality: str) -> bytes:
    """``samples`` (``(n,)`` mono or ``(channels, n)``) as a LAME MP3 stream, by pedalboard."""
    from pedalboard.io import AudioFile

    data = np.atleast_2d(np.asarray(samples, dtype=np.float32))
    buffer = io.BytesIO()
    with AudioFile(buffer, "w", rate, data.shape[0], quality=quality, format="mp3") as sink:
        sink.write(data)
    return buffer.getvalue()


def frame_size(header: bytes) -> tuple[int, int]:
    """``(bytes, samples)`` of the Layer III frame whose header starts ``header``."""
    (word,) = struct.unpack(">I", header[:4])
    assert word >> 21 == 0x7FF, "lost frame sync"
    version, layer = (word >> 19) & 3, (word >> 17) & 3
    assert layer == 1 and version != 1, "not Layer III"
    kbps = KBPS[1 if version == 3 else 2][(word >> 12) & 15]
    rate = RATES[version][(word >> 10) & 3]
    padding = (word >> 9) & 1
    if version == 3:
        return 144 * kbps * 1000 // rate + padding, 1152
    return 72 * kbps * 1000 // rate + padding, 576


def walk_frames(data: bytes) -> list[int]:
    """Offsets of every frame of ``data`` (the first is the Info frame); the frames must
    fill the file exactly (no tag or junk after the last one)."""
    offsets, pos = [], 0
    while pos < len(data):
        offsets.append(pos)
        pos += frame_size(data[pos : pos + 4])[0]
    assert pos == len(data), "the last frame runs past the end of the file"
    return offsets


def expected_seek_table(offsets: list[int], total: int) -> list[int]:
    """The Xing seek table from the frame offsets: entry ``i`` is the offset of the audio
    frame at ``i`` % of the audio frames, in 256ths of the file."""
    audio = offsets[1:]
    return [int(256 * audio[i * len(audio) // 100] / total) if i else 0 for i in range(100)]


def lame_fields(data: bytes) -> dict[str, int]:
    """The Info frame's fields, read at the offsets of the Xing/LAME tag specification."""
    info = read_lame_info(data)
    lame = info.lame_at
    return {
        "frames": struct.unpack(">I", data[info.toc_at - 8 : info.toc_at - 4])[0],
        "bytes": struct.unpack(">I", data[info.toc_at - 4 : info.toc_at])[0],
        "delay": int.from_bytes(data[lame + 21 : lame + 24], "big") >> 12,
        "padding": int.from_bytes(data[lame + 21 : lame + 24], "big") & 0xFFF,
        "music_length": struct.unpack(">I", data[lame + 28 : lame + 32])[0],
        "music_crc": struct.unpack(">H", data[lame + 32 : lame + 34])[0],
        "tag_crc": struct.unpack(">H", data[lame + 34 : lame + 36])[0],
    }


# --- CRC-16 -------------------------------------------------------------------------------


def test_crc16_check_value() -> None:
    """LAME's CRC is CRC-16/ARC: its published check value."""
    assert crc16(b"123456789") == 0xBB3D
    assert crc16(b"") == 0


@pytest.mark.parametrize(
    ("len_a", "len_b"),
    [(0, 0), (7, 0), (0, 7), (1, 1), (2, 2), (3, 255), (256, 1), (1000, 1001), (5, 4096),
     (4097, 1), (20000, 12345), (1, 65537)],
)  # fmt: skip
def test_crc16_combine(len_a: int, len_b: int) -> None:
    rng = np.random.default_rng(len_a * 7919 + len_b)
    a = rng.integers(0, 256, len_a, dtype=np.uint8).tobytes()
    b = rng.integers(0, 256, len_b, dtype=np.uint8).tobytes()
    assert crc16_combine(crc16(a), crc16(b), len(b)) == crc16(a + b)


def test_crc16_combine_many_pieces() -> None:
    """Folding piece after piece, as the joiner does for the audio CRC."""
    rng = np.random.default_rng(5)
    pieces = [rng.integers(0, 256, n, dtype=np.uint8).tobytes() for n in (417, 0, 3000, 1, 999)]
    crc = crc16(pieces[0])
    for piece in pieces[1:]:
        crc = crc16_combine(crc, crc16(piece), len(piece))
    assert crc == crc16(b"".join(pieces))


# --- the Info frame -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rate", "channels", "quality", "samples"),
    [
        (44100, 1, "128 kbps", 44100),
        (44100, 1, "128 kbps", 1),
        (44100, 2, "128 kbps", 50000),
        (48000, 1, "96 kbps", 12345),
        (22050, 1, "64 kbps", 30000),
        (24000, 2, "64 kbps", 577),
    ],
)
def test_read_lame_info(rate: int, channels: int, quality: str, samples: int) -> None:
    rng = np.random.default_rng(samples)
    data = encode(0.1 * rng.standard_normal((channels, samples)), rate, quality)
    info = read_lame_info(data[:4096])
    offsets = walk_frames(data)
    first_bytes, first_samples = frame_size(data)
    fields = lame_fields(data)

    assert info.frame_bytes == first_bytes == offsets[1]
    assert info.frame_samples == first_samples == (1152 if rate >= 32000 else 576)
    assert info.delay == LAME_DELAY
    assert info.frames == len(offsets) - 1 == fields["frames"]
    assert info.frames * info.frame_samples == info.delay + samples + info.padding
    assert 0 <= info.padding < 2 * info.frame_samples + LAME_DELAY
    assert fields["bytes"] == fields["music_length"] == len(data)
    # the module's reading agrees with the specification's offsets ...
    assert (info.padding, info.music_crc) == (fields["padding"], fields["music_crc"])
    # ... and its CRC with the encoder's own, over the tag and over the audio frames
    assert fields["tag_crc"] == crc16(data[: info.lame_at + 34])
    assert info.music_crc == crc16(data[info.frame_bytes :])
    # what a player reads from the tag
    assert mutagen.mp3.MP3(io.BytesIO(data)).info.length * rate == pytest.approx(samples)


def not_lame_info(case: str) -> bytes:
    """Bytes that are not the start of a LAME stream with an Info frame."""
    mp3 = encode(np.zeros(20000), 44100, "128 kbps")
    info = read_lame_info(mp3)
    if case == "wav":
        wav = io.BytesIO()
        sf.write(wav, np.zeros(4410, dtype=np.float32), 44100, format="WAV")
        return wav.getvalue()
    if case == "noise":
        return b"\x00" + np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8).tobytes()
    if case == "audio frame":  # a real Layer III frame, but audio, not Info
        return mp3[info.frame_bytes :]
    if case == "no LAME extension":
        return mp3[: info.lame_at] + b"\x00" * 300
    if case == "cut in the LAME extension":
        return mp3[: info.lame_at + 20]
    if case == "cut after the tag name":
        return mp3[:30]
    if case == "flags without the frame count":
        return mp3[:21] + b"Info" + b"\x00\x00\x00\x0e" + mp3[29:]
    return {"empty": b"", "header only": mp3[:3]}[case]


@pytest.mark.parametrize(
    "case",
    [
        "wav",
        "noise",
        "empty",
        "header only",
        "audio frame",
        "no LAME extension",
        "cut in the LAME extension",
        "cut after the tag name",
        "flags without the frame count",
    ],
)
def test_read_lame_info_rejects_other_data(case: str) -> None:
    with pytest.raises(ValueError):
        read_lame_info(not_lame_info(case))


# --- junctions ----------------------------------------------------------------------------

LENGTHS_44K = [
    1, 2, 100, 575, 576, 577, 1151, 1152, 1153, 1727, 1728, 1729, 2303, 2304, 2305, 2880,
    3456, 4096, 11520, 11521, 12672, 20000, 44100, 44101, 65536, 100000, 123456, 130000,
    131328, 44100 * 3 + 17,
]  # fmt: skip


@pytest.mark.parametrize(
    ("rate", "channels", "quality", "lengths"),
    [
        (44100, 1, "128 kbps", LENGTHS_44K),
        (44100, 2, "128 kbps", [1, 576, 1152, 1500, 44100, 70001]),
        (22050, 1, "64 kbps", [1, 287, 288, 575, 576, 577, 1152, 1153, 22050, 40000]),
    ],
)
def test_junction_matches_a_full_encode(
    rate: int, channels: int, quality: str, lengths: list[int]
) -> None:
    """What plays between two parts: the first part's padding (from a real encode of its
    whole length, not silence) and the next part's priming."""
    rng = np.random.default_rng(rate + channels)
    for n in lengths:
        info = read_lame_info(encode(0.05 * rng.standard_normal((channels, n)), rate, quality))
        assert info.frames * info.frame_samples == info.delay + n + info.padding
        assert junction_samples(n, rate, channels, quality) == info.padding + info.delay, n


# --- joining ------------------------------------------------------------------------------


@dataclass
class Joined:
    """A programme encoded whole, and in three parts joined."""

    rate: int
    signal: np.ndarray  # (channels, n), the input
    bursts: list[tuple[int, int]]
    cuts: list[int]
    parts: list[Path]
    whole: Path
    joined: Path


def bursts_and_silence(rate: int, channels: int, seconds: float, seed: int) -> tuple:
    """Tone bursts (150-400 ms, Hann-shaped) separated by 0.5-1 s of exact zeros."""
    rng = np.random.default_rng(seed)
    n = int(seconds * rate) + 123
    x = np.zeros((channels, n), dtype=np.float32)
    bursts = []
    pos = int(0.3 * rate)
    while True:
        length = int(rng.uniform(0.15, 0.4) * rate)
        if pos + length > n - int(0.3 * rate):
            break
        t = np.arange(length) / rate
        shape = np.sin(np.pi * (np.arange(length) + 1) / (length + 1)) ** 2
        x[:, pos : pos + length] = 0.5 * np.sin(2 * np.pi * rng.uniform(200, 3000) * t) * shape
        x[1:, pos : pos + length] *= 0.5  # stereo: the sides differ
        bursts.append((pos, pos + length))
        pos += length + int(rng.uniform(0.5, 1.0) * rate)
    return x, bursts


@pytest.fixture(
    scope="module",
    params=[(44100, 1, "128 kbps"), (22050, 1, "64 kbps"), (44100, 2, "128 kbps")],
    ids=["44k-mono", "22k-mono", "44k-stereo"],
)
def joined(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Joined:
    rate, channels, quality = request.param
    folder = tmp_path_factory.mktemp("join")
    x, bursts = bursts_and_silence(rate, channels, 20.0, seed=rate + channels)
    n = x.shape[1]
    gaps = [(a[1], b[0]) for a, b in zip(bursts, bursts[1:], strict=False)]
    # cut 0.1 s into the silence nearest a third and two thirds of the way
    cuts = [min(gaps, key=lambda g, k=k: abs(g[0] - k * n / 3))[0] + rate // 10 for k in (1, 2)]
    whole = folder / "whole.mp3"
    whole.write_bytes(encode(x, rate, quality))
    parts, skip = [], 0
    for k, (start, end) in enumerate(zip([0, *cuts], [*cuts, n], strict=True)):
        piece = x[:, start + skip : end]  # the junction before it plays ``skip`` samples
        parts.append(folder / f"part{k}.mp3")
        parts[-1].write_bytes(encode(piece, rate, quality))
        assert piece.shape[1] > 0
        skip = junction_samples(piece.shape[1], rate, channels, quality)
        assert end == n or not x[:, end : end + skip].any()  # what is left out is silence
    output = folder / "joined.mp3"
    join_parts(parts, output)
    return Joined(rate, x, bursts, cuts, parts, whole, output)


def test_joined_decodes_as_the_whole(joined: Joined) -> None:
    x = joined.signal
    decoded, rate = sf.read(joined.joined, dtype="float32", always_2d=True)
    whole, _ = sf.read(joined.whole, dtype="float32", always_2d=True)
    assert rate == joined.rate
    assert decoded.shape == whole.shape == x.T.shape  # priming and padding trimmed
    assert np.abs(whole - x.T).max() < 0.05  # the reference itself is right
    assert np.abs(decoded - whole).max() < 1e-3  # the joined file plays as the whole one
    assert np.abs(decoded[: joined.bursts[0][0]]).max() < 1e-3  # silence stays silent


def test_joined_bursts_in_place(joined: Joined) -> None:
    """Every burst, before and after each junction, at its own sample position: against
    the input (cross-correlation peak at lag 0) and against the whole encode (onset)."""
    x = joined.signal[0]
    decoded = sf.read(joined.joined, dtype="float32", always_2d=True)[0][:, 0]
    whole = sf.read(joined.whole, dtype="float32", always_2d=True)[0][:, 0]
    lags = range(-40, 41)

    def onset(y: np.ndarray, start: int, end: int) -> int:
        return int(np.flatnonzero(np.abs(y[start - 500 : end]) > 0.1)[0]) - 500

    for start, end in joined.bursts:
        reference = x[start:end]
        scores = [float(np.dot(decoded[start + lag : end + lag], reference)) for lag in lags]
        assert lags[int(np.argmax(scores))] == 0, (start, end)
        assert onset(decoded, start, end) == onset(whole, start, end)


def test_joined_duration_for_players(joined: Joined) -> None:
    info = mutagen.mp3.MP3(joined.joined).info
    assert info.sample_rate == joined.rate
    assert info.channels == joined.signal.shape[0]
    assert abs(info.length * joined.rate - joined.signal.shape[1]) <= 1


def test_joined_info_tag(joined: Joined) -> None:
    data = joined.joined.read_bytes()
    info = read_lame_info(data)
    fields = lame_fields(data)
    offsets = walk_frames(data)
    first = read_lame_info(joined.parts[0].read_bytes())
    last = read_lame_info(joined.parts[-1].read_bytes())

    assert fields["frames"] == info.frames == len(offsets) - 1
    assert fields["bytes"] == fields["music_length"] == len(data)
    assert fields["tag_crc"] == crc16(data[: info.lame_at + 34])
    assert fields["music_crc"] == info.music_crc == crc16(data[info.frame_bytes :])
    assert (fields["delay"], fields["padding"]) == (first.delay, last.padding)
    samples = joined.signal.shape[1]
    assert info.frames * info.frame_samples == info.delay + samples + info.padding
    toc = list(data[info.toc_at : info.toc_at + 100])
    assert toc[0] == 0 and all(a <= b for a, b in zip(toc, toc[1:], strict=False))
    expected = expected_seek_table(offsets, len(data))
    assert max(abs(a - b) for a, b in zip(toc, expected, strict=True)) <= 1
    # the LAME tag is the first part's but for the rewritten fields
    head = joined.parts[0].read_bytes()[: first.frame_bytes]
    rewritten = {*range(info.toc_at - 8, info.toc_at + 100)}
    rewritten |= {*range(info.lame_at + 21, info.lame_at + 24)}
    rewritten |= {*range(info.lame_at + 28, info.lame_at + 36)}
    kept = [i for i in range(first.frame_bytes) if i not in rewritten]
    assert bytes(data[i] for i in kept) == bytes(head[i] for i in kept)


def test_joined_is_the_parts_audio_frames(joined: Joined) -> None:
    data = joined.joined.read_bytes()
    audio = b""
    for part in joined.parts:
        stream = part.read_bytes()
        audio += stream[read_lame_info(stream).frame_bytes :]
    assert data[read_lame_info(data).frame_bytes :] == audio


def test_join_one_part_keeps_its_tag(joined: Joined, tmp_path: Path) -> None:
    original = joined.whole.read_bytes()
    copy = tmp_path / "copy.mp3"
    join_parts([joined.whole], copy)
    data = copy.read_bytes()
    before, after = lame_fields(original), lame_fields(data)
    del before["tag_crc"]  # the seek table is rewritten (within 1/256 of LAME's), so is its CRC
    assert after.pop("tag_crc") == crc16(data[: read_lame_info(data).lame_at + 34])
    assert after == before
    assert read_lame_info(data) == read_lame_info(original)
    assert len(data) == len(original)
    info = read_lame_info(data)
    toc, lame_toc = data[info.toc_at : info.toc_at + 100], original[info.toc_at : info.toc_at + 100]
    assert max(abs(a - b) for a, b in zip(toc, lame_toc, strict=True)) <= 1
    assert (
        data[read_lame_info(data).frame_bytes :] == original[read_lame_info(original).frame_bytes :]
    )


def test_join_nothing_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no MP3 parts"):
        join_parts([], tmp_path / "out.mp3")
    assert not (tmp_path / "out.mp3").exists()
