"""Rendering in parts: the pieces a long programme is cut into (mix stretches, chunk true
peaks, split loudness meters) give what the whole gives, and a programme rendered in
parts by any number of processes is one file, the same bytes every time."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import mutagen.mp3
import numpy as np
import pyloudnorm
import pytest
import soundfile as sf
from audio_fixtures import sine, speechlike, true_peak_dbtp, write_clip, write_sound
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.ndimage import minimum_filter1d

import bulletin.audio.master as master
from bulletin.audio import MasterReport, MasterSettings, build_timeline, render
from bulletin.audio.limiter import running_min
from bulletin.audio.loudness import (
    ChunkPeaks,
    LoudnessMeter,
    joined_chunk_energies,
    joined_loudness,
)
from bulletin.audio.mix import mix_blocks
from bulletin.audio.mp3join import crc16, junction_samples, read_lame_info
from bulletin.audio.timeline import Timeline
from bulletin.script import Bed, Clip, Pause, Script, Sound, Speech
from bulletin.workers import process_pool

RATE = 44100
DEFAULT_PART_S = master.PART_S
SMALL_PART_S = 2.0  # PART_S for the tests: a 15 s programme in several parts
FIXED = settings(max_examples=150, deadline=None, derandomize=True, database=None)


def speech(n: int) -> Speech:
    return Speech(written=f"s{n}", spoken=f"s{n}", story=0)


# --- running minimum ----------------------------------------------------------------------


@FIXED
@given(
    st.lists(
        st.one_of(
            st.floats(-1e6, 1e6, allow_nan=False),
            st.sampled_from([0.0, 1.0, 0.25, math.inf]),  # ties and the limiter's 1.0
        ),
        min_size=1,
        max_size=300,
    ),
    st.integers(1, 420),
)
def test_running_min_matches_scipy(values: list[float], size: int) -> None:
    x = np.array(values, dtype=np.float64)
    expected = minimum_filter1d(x, size, mode="nearest")
    got = running_min(x, size)
    assert got.shape == expected.shape
    np.testing.assert_array_equal(got, expected)


def test_running_min_at_limiter_sizes() -> None:
    """Long envelopes with plateaus (runs of 1.0 between peaks), as the limiter sees."""
    rng = np.random.default_rng(7)
    for trial in range(40):
        n = int(rng.integers(1, 20000))
        x = np.ones(n)
        dips = rng.integers(0, n, max(1, n // 50))
        x[dips] = rng.uniform(0.2, 1.0, dips.shape[0])
        size = int(rng.choice([1, 2, 3, 31, 32, 33, 69, 70, 71, 128, 255, n, n + 1, 2 * n + 5]))
        np.testing.assert_array_equal(
            running_min(x, size), minimum_filter1d(x, size, mode="nearest"), err_msg=f"{trial}"
        )


# --- true peaks: add_max ------------------------------------------------------------------


def spiky_signal(seed: int, n: int = 40000) -> np.ndarray:
    """Speech-like stretches, digital silence, and loud isolated one-sample spikes (some at
    the very start and end, where the interpolator reads past the signal)."""
    rng = np.random.default_rng(seed)
    x = np.zeros(n, dtype=np.float32)
    x[3000:15000] = speechlike(12000 / RATE, RATE, seed) * rng.uniform(0.2, 0.9)
    x[25000:31000] = 0.3 * speechlike(6000 / RATE, RATE, seed + 1)
    spikes = rng.integers(0, n, 6)
    x[spikes] = rng.uniform(-1.0, 1.0, spikes.shape[0]).astype(np.float32)
    x[int(rng.integers(0, 3))] = rng.uniform(-1.0, 1.0)
    x[n - 1 - int(rng.integers(0, 3))] = rng.uniform(-1.0, 1.0)
    return x


def random_blocks(x: np.ndarray, rng: np.random.Generator) -> Iterator[np.ndarray]:
    """``x`` in blocks of random sizes, empty and shorter than a chunk among them."""
    i = 0
    while i < x.shape[0]:
        n = int(rng.choice([0, 1, 7, 31, 32, 33, 100, 1000, 4099, int(rng.integers(1, 9000))]))
        yield x[i : i + n]
        i += n


def add_max_peak(chunk: int, blocks: Iterator[np.ndarray]) -> float:
    """The largest true peak as the mastering pass finds it (add_max, then flush)."""
    peaks = ChunkPeaks(chunk)
    top = 0.0
    for block in blocks:
        top = max(top, peaks.add_max(block, top))
    rest = peaks.flush()
    return max(top, float(rest.max(initial=0.0)))


@pytest.mark.parametrize("chunk", [32, 64])
@pytest.mark.parametrize("seed", range(8))
def test_add_max_matches_add(seed: int, chunk: int) -> None:
    x = spiky_signal(seed)
    reference = ChunkPeaks(chunk)
    expected = float(np.concatenate([reference.add(x), reference.flush()]).max())
    assert expected >= np.abs(x).max()  # true peaks include the samples
    got = add_max_peak(chunk, random_blocks(x, np.random.default_rng(seed)))
    assert got == pytest.approx(expected, rel=1e-6)


def test_add_max_finds_inter_sample_peaks_below_the_floor() -> None:
    """A tone at a quarter of the rate sampled 45 degrees off its crests: every sample is
    0.707 of its true peak. After a lone 0.8 spike, the tone's samples stay below that
    floor but its true peak (about 1.0) does not: those chunks must not be skipped."""
    x = np.zeros(6000, dtype=np.float32)
    x[500] = 0.8
    k = np.arange(2000)
    x[3000:5000] = np.sin(np.pi / 2 * k + np.pi / 4) * np.sin(np.pi * (k + 1) / 2001) ** 0.1
    assert np.abs(x[3000:5000]).max() < 0.8
    reference = ChunkPeaks(32)
    expected = float(np.concatenate([reference.add(x), reference.flush()]).max())
    assert expected > 0.95
    for size in (1, 33, 500, 6000):
        blocks = (x[i : i + size] for i in range(0, x.shape[0], size))
        assert add_max_peak(32, blocks) == pytest.approx(expected, rel=1e-6)
    # and a floor above everything skips the work but never reports more than it found
    peaks = ChunkPeaks(32)
    assert peaks.add_max(x, 10.0) == 0.0


# --- loudness measured in pieces ----------------------------------------------------------

# speech at these seconds, digital silence between (cuts go at least 0.3 s into it)
SPOKEN = [(0.1, 1.4), (2.1, 2.8), (3.7, 5.2), (5.9, 7.0), (7.8, 9.5), (10.2, 11.0)]
LENGTH = int(11.8 * RATE)


def spoken_signal() -> np.ndarray:
    x = np.zeros(LENGTH, dtype=np.float32)
    for i, (a, b) in enumerate(SPOKEN):
        start, end = int(a * RATE), int(b * RATE)
        x[start:end] = speechlike((end - start + 0.5) / RATE, RATE, seed=i)[: end - start]
    return x


def grid(k: int) -> int:
    """Boundary ``k`` of the BS.1770 gating grid (100 ms steps) as pyloudnorm places it."""
    return int(0.4 * (k * 0.25) * RATE)


def feed(meter: LoudnessMeter, x: np.ndarray, seed: int) -> LoudnessMeter:
    rng = np.random.default_rng(seed)
    i = 0
    while i < x.shape[0]:
        n = int(rng.integers(1, 30000))
        meter.add(x[i : i + n])
        i += n
    return meter


def split_meters(x: np.ndarray, cuts: list[int], chunk: int) -> list[LoudnessMeter]:
    bounds = [0, *cuts, x.shape[0]]
    return [
        feed(LoudnessMeter(RATE, chunk=chunk, start=a), x[a:b], seed=i)
        for i, (a, b) in enumerate(zip(bounds, bounds[1:], strict=False))
    ]


def assert_in_silence(x: np.ndarray, cuts: list[int]) -> None:
    for cut in cuts:
        assert not x[cut - int(0.3 * RATE) : cut + 10].any(), cut


# in the silences: on gating grid boundaries (grid(32) is also on a chunk), next to them,
# and anywhere; on chunks (multiples of 32) for the chunk energies
CUTS_ANYWHERE = [int(1.75 * RATE), grid(32), grid(56) - 1, grid(74) + 1, int(9.9 * RATE)]
CUTS_ON_CHUNKS = [77184, grid(32), 247008, 326336, 434368]


@pytest.mark.parametrize(
    "cuts", [CUTS_ANYWHERE, CUTS_ANYWHERE[2:3], [grid(32)], [int(11.5 * RATE)]]
)
def test_joined_loudness_equals_one_meter(cuts: list[int]) -> None:
    x = spoken_signal()
    assert_in_silence(x, cuts)
    whole = feed(LoudnessMeter(RATE), x, seed=99).integrated()
    assert whole == pytest.approx(pyloudnorm.Meter(RATE).integrated_loudness(x), abs=1e-3)
    joined = joined_loudness(split_meters(x, cuts, chunk=0))
    assert abs(joined - whole) < 1e-6


@pytest.mark.parametrize("start", [grid(1) - 100, grid(1)])
def test_joined_loudness_from_a_later_start(start: int) -> None:
    """A first meter started late: silence before it, as a whole meter fed the zeros."""
    x = spoken_signal()
    late = [LoudnessMeter(RATE, start=start), LoudnessMeter(RATE, start=grid(32))]
    feed(late[0], x[start : grid(32)], 1)
    feed(late[1], x[grid(32) :], 2)
    assert not x[:start].any()
    whole = feed(LoudnessMeter(RATE), x, seed=3).integrated()
    assert abs(joined_loudness(late) - whole) < 1e-6


def test_joined_chunk_energies_equal_one_meter() -> None:
    x = spoken_signal()
    assert_in_silence(x, CUTS_ON_CHUNKS)
    assert all(cut % 32 == 0 for cut in CUTS_ON_CHUNKS)
    one = feed(LoudnessMeter(RATE, chunk=32), x, seed=5)
    meters = split_meters(x, CUTS_ON_CHUNKS, chunk=32)
    energies, cut_index, cut_energy = joined_chunk_energies(meters)
    expected = one.chunk_energies()
    assert energies.dtype == np.float32 and energies.shape == expected[0].shape
    assert energies.shape[0] == -(-LENGTH // 32)
    np.testing.assert_allclose(energies, expected[0], rtol=2e-6, atol=1e-12)
    np.testing.assert_array_equal(cut_index, expected[1])
    np.testing.assert_allclose(cut_energy, expected[2], rtol=1e-6, atol=1e-9)
    assert abs(joined_loudness(meters) - one.integrated()) < 1e-6
    # energies of speech chunks are not all zero: the comparison above means something
    assert energies.max() > 1.0 and cut_energy.max() > 0.1


def test_meters_in_pieces_are_checked() -> None:
    with pytest.raises(ValueError, match="from a chunk"):
        LoudnessMeter(RATE, chunk=32, start=100)
    a, b = LoudnessMeter(RATE), LoudnessMeter(RATE, start=1000)
    a.add(np.zeros(999, dtype=np.float32))
    with pytest.raises(ValueError, match="starts at 1000, not 999"):
        joined_loudness([a, b])
    with pytest.raises(ValueError, match="without chunk"):
        joined_chunk_energies([a])


# --- the mix in stretches -----------------------------------------------------------------


@dataclass
class Programme:
    script: Script
    clips: list[Clip | None]
    timeline: Timeline


def mixed_programme(folder: Path, bed: Bed | None = None, jingle: str = "flac") -> Programme:
    """Clips at three rates (two resampled), a jingle, pauses; optionally a bed."""
    clips: list[Clip | None] = [
        write_clip(folder / "c0.wav", 1.3, 22050, seed=0),
        None,
        None,
        None,
        write_clip(folder / "c1.wav", 0.9, 44100, seed=1),
        None,
        write_clip(folder / "c2.wav", 1.1, 48000, seed=2),
        None,
    ]
    sting = write_sound(folder / f"sting.{jingle}", sine(0.4, 32000, 880, 0.4), 32000)
    items = (
        speech(0), Pause(600), Sound(sting, "sting"), Pause(450), speech(1), Pause(900),
        speech(2), Pause(300),
    )  # fmt: skip
    script = Script(items, bed=bed)
    return Programme(script, clips, build_timeline(script, clips, RATE))


def mix(programme: Programme, block: int, start: int = 0, end: int | None = None) -> np.ndarray:
    got = list(mix_blocks(programme.timeline, programme.script, programme.clips, block, start, end))
    stop = programme.timeline.length if end is None else end
    assert [b0 for b0, _ in got] == list(range(start, stop, block))
    assert all(b.dtype == np.float32 and b.shape[0] <= block for _, b in got)
    return np.concatenate([b for _, b in got]) if got else np.zeros(0, dtype=np.float32)


def stretches(timeline: Timeline) -> list[tuple[int, int | None]]:
    """Starts and ends in the middle of clips, of pauses, on entry edges, and random."""
    middles = [e.start + e.length // 3 for e in timeline.entries]
    edges = [e.start for e in timeline.entries[1:]]
    rng = np.random.default_rng(11)
    chosen: list[tuple[int, int | None]] = [(0, None), (middles[0], None), (0, middles[5])]
    chosen += [(a, b) for a in middles for b in middles if a < b]
    chosen += [(a, b) for a in edges[:3] for b in edges[3:]]
    chosen += [(a, a + 1) for a in middles] + [(m, m) for m in middles[:2]]
    chosen += [tuple(sorted(rng.integers(0, timeline.length + 1, 2).tolist())) for _ in range(20)]
    return chosen


@pytest.mark.parametrize("bed", [False, True], ids=["no-bed", "bed"])
def test_mix_stretch_equals_the_whole(tmp_path: Path, bed: bool) -> None:
    under = None
    if bed:
        music = write_sound(tmp_path / "bed.ogg", sine(1.3, 22050, 300, 0.5), 22050)
        under = Bed(music, level_db=-18.0, duck_db=-12.0)
    programme = mixed_programme(tmp_path, under)
    whole = mix(programme, 10000)
    assert whole.shape[0] == programme.timeline.length
    assert np.abs(whole).max() > 0.1
    for block in (9973,) if bed else (9973, 44100):  # the bed is slow to resample
        for start, end in stretches(programme.timeline):
            stop = programme.timeline.length if end is None else end
            np.testing.assert_array_equal(
                mix(programme, block, start, end), whole[start:stop], err_msg=f"{start}:{end}"
            )


def test_mix_stretch_with_an_mp3_jingle(tmp_path: Path) -> None:
    """An MP3 source decodes after a seek to within a float32 rounding of the whole (the
    decoder's synthesis state is rebuilt), so stretches agree to that, not to the bit."""
    programme = mixed_programme(tmp_path, jingle="mp3")
    whole = mix(programme, 10000)
    for start, end in stretches(programme.timeline):
        stop = programme.timeline.length if end is None else end
        np.testing.assert_allclose(mix(programme, 7000, start, end), whole[start:stop], atol=1e-6)


# --- planning the parts -------------------------------------------------------------------


@pytest.fixture(scope="module")
def long_programme(tmp_path_factory: pytest.TempPathFactory) -> Programme:
    """About 15 s: seven clips, pauses of 450 to 900 ms between them."""
    folder = tmp_path_factory.mktemp("parts")
    items: list = []
    clips: list[Clip | None] = []
    for i in range(7):
        items += [speech(i), Pause((450, 600, 900, 750)[i % 4])]
        clips += [write_clip(folder / f"c{i}.wav", 1.2 + 0.12 * i, seed=i), None]
    script = Script(tuple(items))
    return Programme(script, clips, build_timeline(script, clips, RATE))


@pytest.fixture
def small_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(master, "PART_S", SMALL_PART_S)


def test_plan_parts_cuts_in_pauses(long_programme: Programme, small_parts: None) -> None:
    timeline = long_programme.timeline
    assert 14.0 < timeline.duration_s < 17.0
    parts = master._plan_parts(timeline, long_programme.script, MasterSettings())
    assert len(parts) >= 5
    assert parts[0].start == 0 and parts[0].skip == 0 and parts[-1].end == timeline.length
    for before, part in zip(parts, parts[1:], strict=False):
        assert part.start == before.end  # contiguous
        assert part.skip > 0
        assert part.start % master.CHUNK == 0  # the split meters start on a chunk
        assert part.start + part.skip < part.end
        previous_input = before.end - before.start - before.skip
        assert part.skip == junction_samples(previous_input, RATE, 1, "128 kbps")
        (entry,) = [e for e in timeline.entries if e.start <= part.start < e.end]
        assert entry.kind == "pause"
        assert part.start - entry.start >= int(master.CUT_LEAD_S * RATE)
        assert part.start + part.skip <= entry.end  # the junction plays silence
    # the cuts depend on the programme only: the same plan again
    assert master._plan_parts(timeline, long_programme.script, MasterSettings()) == parts


def test_one_part_unless_a_long_mp3_without_bed(
    long_programme: Programme, small_parts: None, tmp_path: Path
) -> None:
    timeline, script = long_programme.timeline, long_programme.script
    whole = [master._Part(0, 0, timeline.length)]
    assert len(master._plan_parts(timeline, script, MasterSettings())) > 1
    for fmt in ("wav", "flac", "ogg"):
        assert master._plan_parts(timeline, script, MasterSettings(format=fmt)) == whole
    music = write_sound(tmp_path / "bed.wav", sine(1.0, 22050, 300, 0.5), 22050)
    bedded = Script(script.items, bed=Bed(music, level_db=-18.0, duck_db=-12.0))
    assert master._plan_parts(timeline, bedded, MasterSettings()) == whole
    # shorter than two parts
    short = Script(script.items[:2])
    short_timeline = build_timeline(short, long_programme.clips[:2], RATE)
    assert short_timeline.duration_s < 2 * SMALL_PART_S
    assert master._plan_parts(short_timeline, short, MasterSettings()) == [
        master._Part(0, 0, short_timeline.length)
    ]
    # no silence to cut in: one long clip
    clip = write_clip(tmp_path / "long.wav", 9.0)
    solid = Script((speech(0),))
    solid_timeline = build_timeline(solid, [clip], RATE)
    assert master._plan_parts(solid_timeline, solid, MasterSettings()) == [
        master._Part(0, 0, solid_timeline.length)
    ]


# --- rendering in parts -------------------------------------------------------------------


@dataclass
class Rendered:
    """The same programme rendered whole, and in parts by one and by two processes."""

    single: Path
    single_report: MasterReport
    parts: Path
    parts_report: MasterReport
    parallel: Path
    parallel_report: MasterReport
    work_dirs: list[Path]


@pytest.fixture(scope="module")
def rendered(long_programme: Programme, tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    folder = tmp_path_factory.mktemp("rendered")
    timeline, script, clips = long_programme.timeline, long_programme.script, long_programme.clips
    settings = MasterSettings()
    work_dirs = [folder / f"work{i}" for i in range(3)]
    for work in work_dirs:
        work.mkdir()
    outputs = [folder / "single.mp3", folder / "parts.mp3", folder / "parallel.mp3"]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(master, "PART_S", DEFAULT_PART_S)
        assert len(master._plan_parts(timeline, script, settings)) == 1
        single = render(timeline, script, clips, outputs[0], settings, work_dirs[0])
        patch.setattr(master, "PART_S", SMALL_PART_S)
        parts = render(timeline, script, clips, outputs[1], settings, work_dirs[1], jobs=1)
        parallel = render(timeline, script, clips, outputs[2], settings, work_dirs[2], jobs=2)
    return Rendered(outputs[0], single, outputs[1], parts, outputs[2], parallel, work_dirs)


def test_render_in_parts_is_the_same_file_for_any_jobs(rendered: Rendered) -> None:
    assert rendered.parts.read_bytes() == rendered.parallel.read_bytes()
    assert rendered.parts_report == rendered.parallel_report
    assert all(list(work.iterdir()) == [] for work in rendered.work_dirs)


def test_render_in_parts_meets_targets(rendered: Rendered, long_programme: Programme) -> None:
    length = long_programme.timeline.length
    report = rendered.parts_report
    assert report.samples == length and report.sample_rate == RATE
    assert abs(report.integrated_lufs - -16.0) <= 0.1
    assert report.true_peak_dbtp <= -1.0
    decoded, rate = sf.read(rendered.parts, always_2d=True)
    assert rate == RATE and decoded.shape == (length, 1)
    assert abs(pyloudnorm.Meter(RATE).integrated_loudness(decoded) - -16.0) <= 0.5
    assert true_peak_dbtp(decoded[:, 0]) <= -1.0


def test_render_in_parts_tag(rendered: Rendered, long_programme: Programme) -> None:
    """Players read the exact duration; the joined tag's CRCs hold."""
    data = rendered.parts.read_bytes()
    info = read_lame_info(data)
    length = long_programme.timeline.length
    assert info.frames * info.frame_samples == info.delay + length + info.padding
    assert abs(mutagen.mp3.MP3(rendered.parts).info.length * RATE - length) <= 1
    assert info.music_crc == crc16(data[info.frame_bytes :])
    tag_crc = int.from_bytes(data[info.lame_at + 34 : info.lame_at + 36], "big")
    assert tag_crc == crc16(data[: info.lame_at + 34])


def test_render_in_parts_sounds_as_one(rendered: Rendered, long_programme: Programme) -> None:
    """Against the programme rendered as one part: the same audio, the same measurements."""
    parts, _ = sf.read(rendered.parts, dtype="float64")
    single, _ = sf.read(rendered.single, dtype="float64")
    assert parts.shape == single.shape == (long_programme.timeline.length,)
    assert np.corrcoef(parts, single)[0, 1] > 0.9999
    assert np.abs(parts - single).max() < 0.05
    for entry in long_programme.timeline.entries:  # silence stays silence at the cuts
        if entry.kind == "pause":
            quiet = slice(entry.start + 2000, entry.end - 2000)
            assert np.abs(parts[quiet]).max() < 1e-3
    whole, split = rendered.single_report, rendered.parts_report
    assert split.integrated_lufs == pytest.approx(whole.integrated_lufs, abs=0.05)
    assert split.true_peak_dbtp == pytest.approx(whole.true_peak_dbtp, abs=0.05)
    assert split.gain_db == pytest.approx(whole.gain_db, abs=1e-6)


def test_render_in_parts_stereo(
    long_programme: Programme, small_parts: None, tmp_path: Path
) -> None:
    timeline, script, clips = long_programme.timeline, long_programme.script, long_programme.clips
    settings = MasterSettings(channels=2, target_lufs=-23.0)
    assert len(master._plan_parts(timeline, script, settings)) > 1
    report = render(timeline, script, clips, tmp_path / "out.mp3", settings, tmp_path)
    assert abs(report.integrated_lufs - -23.0) <= 0.1 and report.true_peak_dbtp <= -1.0
    decoded, _ = sf.read(tmp_path / "out.mp3", always_2d=True)
    assert decoded.shape == (timeline.length, 2)
    np.testing.assert_array_equal(decoded[:, 0], decoded[:, 1])
    assert abs(pyloudnorm.Meter(RATE).integrated_loudness(decoded) - -23.0) <= 0.5
    assert [p.name for p in tmp_path.iterdir()] == ["out.mp3"]


def test_render_with_an_outside_pool(
    rendered: Rendered, long_programme: Programme, small_parts: None, tmp_path: Path
) -> None:
    timeline, script, clips = long_programme.timeline, long_programme.script, long_programme.clips
    output = tmp_path / "pooled.mp3"
    with process_pool(2) as pool:
        assert pool is not None
        report = render(timeline, script, clips, output, MasterSettings(), jobs=2, pool=pool)
    assert output.read_bytes() == rendered.parts.read_bytes()
    assert report == rendered.parts_report


def test_process_pool_of_one_job() -> None:
    with process_pool(1) as pool:
        assert pool is None


def test_sparse_spikes_get_at_most_the_limiting_cap(tmp_path: Path) -> None:
    """A quiet signal of rare single-sample spikes cannot reach -16 LUFS under the
    ceiling without tens of dB of limiting: the gain stops MAX_LIMITING_DB above the
    unlimited gain, the file is quieter than the target, and the report says so."""
    rate = 44100
    spikes = np.zeros(rate * 6, dtype=np.float32)
    spikes[::4410] = 0.5  # one sample every 100 ms
    spikes += np.float32(1e-4) * np.sin(np.arange(spikes.shape[0]) * 0.05).astype(np.float32)
    path = tmp_path / "spikes.wav"
    sf.write(path, spikes, rate, subtype="FLOAT")
    script = Script((speech(0),))
    clips: list[Clip | None] = [Clip(path=path, samples=spikes.shape[0], sample_rate=rate)]
    timeline = build_timeline(script, clips, rate)
    report = render(timeline, script, clips, tmp_path / "out.mp3", MasterSettings())

    unlimited = -16.0 - pyloudnorm.Meter(rate).integrated_loudness(spikes.astype(np.float64))
    assert report.gain_db <= unlimited + master.MAX_LIMITING_DB + 0.01
    assert report.integrated_lufs < -16.5  # honestly short of the target
    decoded, _ = sf.read(tmp_path / "out.mp3")
    assert abs(pyloudnorm.Meter(rate).integrated_loudness(decoded) - report.integrated_lufs) < 0.5
    assert true_peak_dbtp(decoded) <= -1.0
