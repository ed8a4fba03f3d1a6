"""Bounded work in mastering: what render keeps in memory and on disk does not grow with
the programme beyond a few bytes a minute, no PCM is written to the work folder, and a
programme that cannot fit the free space fails before mastering, in one line.

No timings: the structure is checked (which files, how large, how much Python memory a
longer programme adds), so a regression to a per-sample array or an intermediate mix
fails here; bench/bench_limits.py measures the whole process on long programmes."""

from __future__ import annotations

import os
import pickle
import shutil
import sys
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from audio_fixtures import write_clip

import bulletin.audio.master as master
from bulletin.audio import MasterSettings, build_timeline, check_space, render
from bulletin.audio.chunkfile import ChunkFile
from bulletin.audio.loudness import LoudnessMeter, joined_chunk_energies, joined_cuts
from bulletin.audio.mix import mix_blocks
from bulletin.audio.timeline import Timeline
from bulletin.errors import OutputError
from bulletin.script import Clip, Pause, Script, Speech

RATE = 44100

# --- watching the work folder -------------------------------------------------------------

# An audit hook (it cannot be removed: it only acts while a folder is watched) records
# every file opened in the watched folder and the folder's total size at that moment.
_WATCH: dict[str, object] = {}


def _audit(event: str, args: tuple) -> None:
    folder = _WATCH.get("folder")
    if event != "open" or folder is None or not args:
        return
    if not isinstance(args[0], (str, bytes, os.PathLike)):
        return
    path = os.path.abspath(os.fsdecode(args[0]))
    if not path.startswith(str(folder) + os.sep) or os.path.isdir(path):
        return
    _WATCH.pop("folder")  # no recursion while measuring
    try:
        total = 0
        for top, _, files in os.walk(str(folder)):
            for name in files:
                total += os.stat(os.path.join(top, name)).st_size
        opened = _WATCH["opened"]
        assert isinstance(opened, list)
        mode = args[1] if len(args) > 1 and isinstance(args[1], str) else ""
        opened.append((os.path.relpath(path, str(folder)), mode, total))
    finally:
        _WATCH["folder"] = folder


sys.addaudithook(_audit)


def speech(n: int) -> Speech:
    return Speech(written=f"s{n}", spoken=f"s{n}", story=0)


def programme(folder: Path, seconds: float) -> tuple[Script, list[Clip | None], Timeline]:
    """Four clips played over and over with pauses between, ``seconds`` long in all."""
    voices = [write_clip(folder / f"c{i}.wav", 1.6 + 0.3 * i, seed=i) for i in range(4)]
    items: list = []
    clips: list[Clip | None] = []
    played = 0.0
    while played < seconds:
        clip = voices[len(items) // 2 % 4]
        items += [speech(len(items)), Pause((450, 700, 900)[len(items) % 3])]
        clips += [clip, None]
        played += clip.samples / clip.sample_rate + 0.6
    script = Script(tuple(items))
    return script, clips, build_timeline(script, clips, RATE)


@pytest.fixture(scope="module")
def minute(tmp_path_factory: pytest.TempPathFactory) -> tuple[Script, list[Clip | None], Timeline]:
    return programme(tmp_path_factory.mktemp("minute"), 60.0)


def watched_render(
    folder: Path, made: tuple[Script, list[Clip | None], Timeline], settings: MasterSettings
) -> tuple[list[tuple[str, str, int]], Path]:
    script, clips, timeline = made
    work = folder / "work"
    work.mkdir()
    output = folder / f"out.{settings.format}"
    _WATCH.update(folder=work.resolve(), opened=[])
    try:
        render(timeline, script, clips, output, settings, work_dir=work, jobs=1)
    finally:
        _WATCH.pop("folder", None)
    opened = _WATCH.pop("opened")
    assert isinstance(opened, list)
    assert list(work.iterdir()) == []  # everything removed
    return opened, output


@pytest.mark.parametrize(
    ("fmt", "part_s"), [("mp3", 12.0), ("mp3", master.PART_S), ("wav", 12.0), ("flac", 12.0)]
)
def test_no_pcm_in_the_work_folder(
    minute: tuple[Script, list[Clip | None], Timeline],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fmt: str,
    part_s: float,
) -> None:
    """The work folder holds the two per-chunk files (4 bytes per 32 samples each) and an
    MP3's encoded parts, never a mix: at its fullest it is far under the programme as
    16-bit PCM (the issue's bound), and within the sizes those files must have."""
    monkeypatch.setattr(master, "PART_S", part_s)
    _, _, timeline = minute
    settings = MasterSettings(format=fmt)
    parts = master._plan_parts(timeline, minute[0], settings)
    assert (len(parts) > 1) == (fmt == "mp3" and part_s < 30)
    opened, output = watched_render(tmp_path, minute, settings)

    names = {name for name, _, _ in opened}
    written = {name for name, mode, _ in opened if any(m in mode for m in "wax+")}
    chunk_files = {"peaks.f32", "energies.f32"}
    part_files = {f"part{i}.mp3" for i in range(len(parts))} if len(parts) > 1 else set()
    assert {Path(name).name for name in written} == chunk_files | part_files
    assert {Path(name).name for name in names} <= chunk_files | part_files

    chunks = -(-timeline.length // master.CHUNK)
    fullest = max(total for _, _, total in opened)
    encoded = output.stat().st_size if part_files else 0
    assert fullest >= 4 * chunks  # the watch saw the files written
    assert fullest <= max(8 * chunks, 4 * chunks + encoded) + 64 * 1024
    assert fullest <= master.space_needed(timeline, settings)[0]  # what make checks for
    assert fullest <= 2 * timeline.length * settings.channels / 3  # a third of 16-bit PCM


def test_chunk_files_are_the_programme_at_the_chunk_rate(
    minute: tuple[Script, list[Clip | None], Timeline], tmp_path: Path
) -> None:
    """What pass 1 writes is exactly one float32 per chunk, part by part at its offset:
    the same numbers as one meter fed the whole mix."""
    script, clips, timeline = minute
    settings = MasterSettings()
    parts = master._plan_parts(timeline, script, settings)
    chunks = -(-timeline.length // master.CHUNK)
    peaks = ChunkFile.create(tmp_path / "peaks.f32", chunks)
    energies = ChunkFile.create(tmp_path / "energies.f32", chunks)
    inputs = master._PartInputs(timeline, script, clips, whole=False)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(master, "PART_S", 12.0)
        parts = master._plan_parts(timeline, script, settings)
    assert len(parts) > 3
    results = [master._analyse_part(*inputs.of(part), part, peaks, energies) for part in parts]
    for path in (peaks.path, energies.path):
        assert path.stat().st_size == 4 * chunks
    whole = LoudnessMeter(RATE, chunk=master.CHUNK)
    for _, block in mix_blocks(timeline, script, clips, 30000):
        whole.add(block)
    expected, cut_index, cut_energy = whole.chunk_energies()
    np.testing.assert_allclose(energies[0:chunks], expected, rtol=2e-6, atol=1e-12)
    got_index, got_energy = joined_cuts([meter for meter, _ in results])
    np.testing.assert_array_equal(got_index, cut_index)
    np.testing.assert_allclose(got_energy, cut_energy, rtol=1e-6, atol=1e-9)
    assert max(top for _, top in results) == pytest.approx(peaks.max(), rel=1e-7)
    assert peaks.max() > 0.1
    # the meters sent back hold no chunk energies: 24 bytes per 100 ms at most, and
    # the constant part
    for (meter, _), part in zip(results, parts, strict=True):
        assert meter._chunks == []
        steps = (part.end - part.start) / RATE * 10
        assert len(pickle.dumps(meter)) < 4096 + 24 * steps
    # joined once more, letting the meters' own go: the same arrays, and not held twice
    meters = [meter for meter, _ in results]
    again_index, again_energy = joined_cuts(meters, release=True)
    np.testing.assert_array_equal(again_index, got_index)
    np.testing.assert_array_equal(again_energy, got_energy)
    assert all(len(m._cut_index) == len(m._cut_energy) == 0 for m in meters)


def test_render_memory_is_flat(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Python memory at its peak while rendering (tracemalloc sees numpy's arrays) grows by
    under 100 kB a minute of programme (measured: 15-50 kB, the loudness meters' 24 bytes
    per 100 ms and noise); keeping the true peaks and chunk energies in memory, as before,
    grew by 800 kB a minute. In parts, on this thread only (no queues that fill at
    random), with the gain search's segments shorter than both programmes."""
    monkeypatch.setattr(master, "PART_S", 20.0)
    monkeypatch.setattr(master, "SEGMENT_CHUNKS", 1 << 14)
    short = programme(tmp_path_factory.mktemp("short"), 45.0)
    long = programme(tmp_path_factory.mktemp("long"), 200.0)
    folder = tmp_path_factory.mktemp("renders")
    settings = MasterSettings()

    def peak(made: tuple[Script, list[Clip | None], Timeline], name: str) -> int:
        script, clips, timeline = made
        assert len(master._plan_parts(timeline, script, settings)) > 1
        tracemalloc.start()
        try:
            render(timeline, script, clips, folder / f"{name}.mp3", settings, folder, jobs=1)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    peak(short, "warm")  # caches filled once (filters, the encoder's own scale)
    small, large = peak(short, "short"), peak(long, "long")
    minutes = (long[2].length - short[2].length) / RATE / 60
    assert minutes > 2.5
    assert (large - small) / minutes < 100 * 1024, (small, large)


# --- the parts' inputs --------------------------------------------------------------------


def test_a_part_is_sent_only_its_entries(
    minute: tuple[Script, list[Clip | None], Timeline], monkeypatch: pytest.MonkeyPatch
) -> None:
    script, clips, timeline = minute
    monkeypatch.setattr(master, "PART_S", 12.0)
    parts = master._plan_parts(timeline, script, MasterSettings())
    assert len(parts) > 3
    inputs = master._PartInputs(timeline, script, clips, whole=False)
    whole = np.concatenate([b for _, b in mix_blocks(timeline, script, clips, 44100)])
    for part in parts:
        sub_timeline, sub_script, sub_clips = inputs.of(part)
        assert len(sub_timeline.entries) < len(timeline.entries) / 3
        assert all(e.kind == "speech" for e in sub_timeline.entries)
        assert all(e.end > part.start and e.start < part.end for e in sub_timeline.entries)
        got = np.concatenate(
            [
                b
                for _, b in mix_blocks(
                    sub_timeline, sub_script, sub_clips, 44100, part.start, part.end
                )
            ]
        )
        np.testing.assert_array_equal(got, whole[part.start : part.end])


def test_reblocked() -> None:
    x = np.arange(100, dtype=np.float32)
    blocks = iter([(0, x[:30]), (30, x[30:31]), (31, x[31:100])])
    got = list(master._reblocked(blocks, 7, 25))
    assert [b0 for b0, _ in got] == [7, 32, 57, 82]
    assert [b.shape[0] for _, b in got] == [25, 25, 25, 18]
    np.testing.assert_array_equal(np.concatenate([b for _, b in got]), x[7:])


# --- chunk files and taken chunk energies -------------------------------------------------


def test_chunk_file(tmp_path: Path) -> None:
    values = ChunkFile.create(tmp_path / "a.f32", 10)
    assert values.shape == (10,) and len(values) == 10 and values.max() == 0.0
    with values.writer(4) as sink:
        sink.write(np.array([1.5, 2.5], dtype=np.float32))
        sink.write(np.array([0.25], dtype=np.float64))
        with pytest.raises(ValueError, match="past its 10"):
            sink.write(np.zeros(4))
    np.testing.assert_array_equal(values[3:8], [0.0, 1.5, 2.5, 0.25, 0.0])
    assert values[8:20].shape == (2,) and values[5:5].shape == (0,)
    assert values.max() == 2.5
    again = pickle.loads(pickle.dumps(values))
    np.testing.assert_array_equal(again[0:10], values[0:10])
    with pytest.raises(TypeError):
        values[3]  # noqa: B018 - reading one number at a time is refused


def test_taken_chunk_energies_are_the_kept_ones() -> None:
    rng = np.random.default_rng(3)
    x = rng.standard_normal(50_001).astype(np.float32) * 0.1
    kept = LoudnessMeter(RATE, chunk=32)
    taken = LoudnessMeter(RATE, chunk=32)
    pieces = []
    for i in range(0, x.shape[0], 7777):
        kept.add(x[i : i + 7777])
        taken.add(x[i : i + 7777])
        pieces.append(taken.take_chunks())
    pieces.append(taken.take_chunks(last=True))
    energies, cut_index, cut_energy = kept.chunk_energies()
    np.testing.assert_array_equal(np.concatenate(pieces), energies)
    got_index, got_energy = joined_cuts([taken])
    np.testing.assert_array_equal(got_index, cut_index)
    np.testing.assert_array_equal(got_energy, cut_energy)
    assert taken.integrated() == kept.integrated()
    with pytest.raises(ValueError, match="were taken"):
        joined_chunk_energies([taken])


@pytest.mark.parametrize("segment", [1, 7, 64, 1 << 16])
def test_gating_in_segments(monkeypatch: pytest.MonkeyPatch, segment: int) -> None:
    """The gates work through the 100 ms blocks a segment at a time: any segment size
    gives the loudness pyloudnorm measures on the whole signal."""
    import pyloudnorm

    import bulletin.audio.loudness as loudness

    rng = np.random.default_rng(5)
    x = np.zeros(RATE * 9, dtype=np.float32)
    for start, level in ((0.2, 0.3), (2.5, 0.05), (4.0, 0.5), (7.1, 0.002)):
        a = int(start * RATE)
        x[a : a + RATE] = rng.standard_normal(RATE).astype(np.float32) * level
    monkeypatch.setattr(loudness, "GATE_SEGMENT", segment)
    meter = LoudnessMeter(RATE)
    meter.add(x)
    expected = pyloudnorm.Meter(RATE).integrated_loudness(x.astype(np.float64))
    assert meter.integrated() == pytest.approx(expected, abs=1e-3)


# --- free space ---------------------------------------------------------------------------


def test_space_needed_is_under_16_bit_pcm_for_the_temporary_files() -> None:
    hour = Timeline(RATE, 3600 * RATE, ())
    for kbps in (64, 128, 320):
        temporary, output = master.space_needed(hour, MasterSettings(bitrate_kbps=kbps))
        assert 3600 * kbps * 1000 / 8 <= output < 3600 * kbps * 1000 / 8 * 1.01
        assert temporary < 2 * hour.length
    _, wav = master.space_needed(hour, MasterSettings(format="wav", channels=2))
    assert wav >= 2 * 2 * hour.length


def test_check_space_fails_early_in_one_line(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    small = Timeline(RATE, 60 * RATE, ())
    check_space(small, MasterSettings(), tmp_path, out)  # a minute fits
    free = shutil.disk_usage(tmp_path).free
    huge = Timeline(RATE, free, ())  # as 16-bit WAV: twice the free space
    with pytest.raises(OutputError) as raised:
        check_space(huge, MasterSettings(format="wav"), tmp_path, out)
    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith(f"{tmp_path} and {out}: not enough free space")  # one disk
    assert "MB needed" in message and "MB free" in message
    with pytest.raises(OutputError, match="cannot check free space"):
        check_space(small, MasterSettings(), tmp_path / "missing", out)
