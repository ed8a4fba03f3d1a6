"""End to end: render a synthetic programme, decode it with an independent reader, measure."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pyloudnorm
import pytest
import soundfile as sf
from audio_fixtures import mp3_frame_bitrates, sine, true_peak_dbtp, write_clip, write_sound

from bulletin.audio import MasterSettings, build_timeline, render
from bulletin.audio.mix import DuckEnvelope, duck_regions
from bulletin.script import Bed, Clip, Pause, Script, Sound, Speech

LAME_DELAY = 1105  # encoder delay 576 + decoder delay 529, in samples


def speech(n: int) -> Speech:
    return Speech(written=f"s{n}", spoken=f"s{n}", story=0)


@pytest.fixture(scope="module")
def programme(tmp_path_factory: pytest.TempPathFactory) -> tuple[Script, list[Clip | None]]:
    folder = tmp_path_factory.mktemp("clips")
    items: list = []
    clips: list[Clip | None] = []
    for i in range(6):
        items += [speech(i), Pause(450 if i % 3 else 900)]
        clips += [write_clip(folder / f"c{i}.wav", 2.5 + i * 0.37, seed=i), None]
    return Script(tuple(items)), clips


CASES = [
    ("mp3", 44100, 1, -16.0),
    ("mp3", 44100, 1, -23.0),
    ("wav", 48000, 2, -16.0),
    ("wav", 48000, 1, -23.0),
    ("flac", 44100, 1, -16.0),
    ("flac", 44100, 2, -23.0),
    ("ogg", 44100, 1, -16.0),
    ("ogg", 44100, 1, -23.0),
]


@pytest.mark.parametrize(("fmt", "rate", "channels", "target"), CASES)
def test_render_meets_targets(
    programme: tuple[Script, list[Clip | None]],
    tmp_path: Path,
    fmt: str,
    rate: int,
    channels: int,
    target: float,
) -> None:
    script, clips = programme
    timeline = build_timeline(script, clips, rate)
    output = tmp_path / f"out.tmp.{fmt}"
    work = tmp_path / "work"
    work.mkdir()
    settings = MasterSettings(format=fmt, target_lufs=target, sample_rate=rate, channels=channels)
    report = render(timeline, script, clips, output, settings, work_dir=work)

    assert list(work.iterdir()) == []  # the intermediate mix is gone
    assert report.samples == timeline.length and report.sample_rate == rate
    assert report.duration_s == pytest.approx(timeline.length / rate)
    assert abs(report.integrated_lufs - target) <= 0.1
    assert report.true_peak_dbtp <= -1.0

    decoded, decoded_rate = sf.read(output, always_2d=True)  # MP3: gapless, priming trimmed
    assert decoded_rate == rate
    assert decoded.shape == (timeline.length, channels)
    loudness = pyloudnorm.Meter(rate).integrated_loudness(decoded)
    assert abs(loudness - target) <= 0.5, loudness
    assert true_peak_dbtp(decoded) <= -1.0
    if channels == 2:
        np.testing.assert_array_equal(decoded[:, 0], decoded[:, 1])


def test_mp3_is_cbr_and_decoder_delay(
    programme: tuple[Script, list[Clip | None]], tmp_path: Path
) -> None:
    from pedalboard.io import AudioFile

    script, clips = programme
    timeline = build_timeline(script, clips, 44100)
    output = tmp_path / "out.mp3"
    render(timeline, script, clips, output, MasterSettings(format="mp3", bitrate_kbps=96))
    rates = mp3_frame_bitrates(output)
    assert len(rates) > 100 and set(rates) == {96}

    exact, _ = sf.read(output, dtype="float32")
    with AudioFile(str(output)) as f:  # pedalboard keeps LAME's priming and padding
        raw = f.read(f.frames)[0]
    assert raw.shape[0] == -(-(timeline.length + LAME_DELAY) // 1152) * 1152
    probe = exact[44100:88200]
    lags = range(LAME_DELAY - 50, LAME_DELAY + 51)
    best = max(lags, key=lambda lag: float(np.dot(raw[44100 + lag : 88200 + lag], probe)))
    assert best == LAME_DELAY


def test_jingle_at_its_offset(tmp_path: Path) -> None:
    rate = 48000
    jingle = write_sound(tmp_path / "sting.mp3", sine(0.5, 44100, 1000, 0.6), 44100)
    clip = write_clip(tmp_path / "c.wav", 2.0)
    script = Script((Pause(730), Sound(jingle, "sting"), Pause(500), speech(0)))
    clips = [None, None, None, clip]
    timeline = build_timeline(script, clips, rate)
    output = tmp_path / "out.wav"
    render(timeline, script, clips, output, MasterSettings(format="wav", sample_rate=rate))
    y, _ = sf.read(output)
    entry = timeline.entries[1]
    assert entry.start == 35040 and entry.length == 24000
    loud = np.flatnonzero(np.abs(y[: timeline.entries[3].start]) > 0.01)
    assert abs(int(loud[0]) - entry.start) <= 48  # within 1 ms
    assert abs(int(loud[-1]) - entry.end) <= 48
    spectrum = np.abs(np.fft.rfft(y[entry.start + 2400 : entry.end - 2400]))
    assert np.fft.rfftfreq(entry.length - 4800, 1 / rate)[np.argmax(spectrum)] == pytest.approx(
        1000, abs=5
    )


def test_bed_ducks_under_speech(tmp_path: Path) -> None:
    rate = 44100
    bed_path = write_sound(tmp_path / "bed.ogg", sine(1.3, 22050, 300, 0.5), 22050)
    silent = tmp_path / "silent.wav"  # silent speech: what is heard is the bed alone
    sf.write(silent, np.zeros(22050 * 3, dtype=np.float32), 22050)
    clip = Clip(silent, 22050 * 3, 22050)
    bed = Bed(bed_path, level_db=-18.0, duck_db=-12.0)
    script = Script((speech(0), Pause(4000), speech(1)), bed=bed)
    clips = [clip, None, clip]
    timeline = build_timeline(script, clips, rate)
    output = tmp_path / "out.flac"
    report = render(timeline, script, clips, output, MasterSettings(format="flac"))
    y, _ = sf.read(output)

    def level(start_s: float, end_s: float) -> float:
        piece = y[int(start_s * rate) : int(end_s * rate)]
        return 10 * math.log10(np.mean(piece**2))

    under = level(0.5, 2.5)  # first sentence (bed loops: 1.3 s)
    between = level(4.0, 6.0)  # the 4 s gap, after the 400 ms release
    under_again = level(7.5, 9.5)
    assert between - under == pytest.approx(12.0, abs=0.5)
    assert between - under_again == pytest.approx(12.0, abs=0.5)
    assert report.integrated_lufs == pytest.approx(-16.0, abs=0.1)
    # the ramps: fully ducked when speech starts, back up 400 ms after it ends
    envelope = DuckEnvelope(duck_regions(timeline), rate)
    second = timeline.entries[2]
    depth = envelope.depth(second.start - envelope.attack - 10, envelope.attack + 20)
    assert depth[0] == 0.0 and depth[-1] == 1.0 and np.all(np.diff(depth) >= 0)
    first = timeline.entries[0]
    depth = envelope.depth(first.end - 5, envelope.release + 10)
    assert depth[0] == 1.0 and depth[-1] == 0.0 and np.all(np.diff(depth) <= 0)


def test_short_gaps_keep_the_bed_ducked(tmp_path: Path) -> None:
    clip = Clip(tmp_path / "x.wav", 22050, 22050)
    script = Script((speech(0), Pause(500), speech(1), Pause(2000), speech(2)))
    timeline = build_timeline(script, [clip, None, clip, None, clip], 44100)
    assert duck_regions(timeline) == [(0, 110250), (198450, 242550)]


def test_silent_programme(tmp_path: Path) -> None:
    script = Script((Pause(1500),))
    timeline = build_timeline(script, [None], 44100)
    work = tmp_path / "work"
    work.mkdir()
    report = render(timeline, script, [None], tmp_path / "out.mp3", MasterSettings(), work)
    assert report.integrated_lufs == -math.inf and report.gain_db == 0.0
    assert report.true_peak_dbtp == -math.inf
    decoded, _ = sf.read(tmp_path / "out.mp3")
    assert decoded.shape[0] == timeline.length and np.abs(decoded).max() < 1e-3
    assert list(work.iterdir()) == []


@pytest.mark.parametrize("fmt", ["mp3", "wav"])
def test_tiny_and_empty_programmes(tmp_path: Path, fmt: str) -> None:
    clip = write_clip(tmp_path / "c.wav", 0.1)
    script = Script((speech(0),))
    timeline = build_timeline(script, [clip], 44100)
    report = render(timeline, script, [clip], tmp_path / f"a.{fmt}", MasterSettings(format=fmt))
    assert report.integrated_lufs == -math.inf and report.gain_db == 0.0  # under 400 ms
    assert sf.info(tmp_path / f"a.{fmt}").frames == 4410
    empty = build_timeline(Script(()), [], 44100)
    report = render(empty, Script(()), [], tmp_path / f"b.{fmt}", MasterSettings(format=fmt))
    assert report.samples == 0 and (tmp_path / f"b.{fmt}").exists()


def test_intermediate_removed_on_error(
    programme: tuple[Script, list[Clip | None]], tmp_path: Path
) -> None:
    script, clips = programme
    broken = list(clips)
    broken[2] = Clip(tmp_path / "vanished.wav", 22050, 22050)
    timeline = build_timeline(script, broken, 44100)
    work = tmp_path / "work"
    work.mkdir()
    with pytest.raises(Exception, match="vanished.wav"):
        render(timeline, script, broken, tmp_path / "out.mp3", MasterSettings(), work)
    assert list(work.iterdir()) == []


def test_rate_mismatch_is_refused(programme: tuple[Script, list[Clip | None]]) -> None:
    script, clips = programme
    timeline = build_timeline(script, clips, 44100)
    with pytest.raises(ValueError, match="44100 Hz"):
        render(timeline, script, clips, Path("x.wav"), MasterSettings(sample_rate=48000))


def test_without_helper_threads_the_same_file_on_one_thread(
    programme: tuple[Script, list[Clip | None]], tmp_path: Path
) -> None:
    """``threads=False`` (a queue worker: one core's worth) mixes and meters a one-part
    programme on the calling thread alone, and writes the same bytes as with helpers."""
    import threading

    script, clips = programme
    settings = MasterSettings()
    timeline = build_timeline(script, clips, settings.sample_rate)
    files, most = {}, {}
    for threads in (True, False):
        seen: list[int] = []

        def progress(stage: str, done: int, total: int, seen=seen) -> None:
            seen.append(threading.active_count())

        out = tmp_path / f"threads-{threads}.mp3"
        render(timeline, script, clips, out, settings, progress=progress, threads=threads)
        files[threads], most[threads] = out.read_bytes(), max(seen)
    assert files[True] == files[False]
    assert most[False] == threading.active_count() < most[True]
