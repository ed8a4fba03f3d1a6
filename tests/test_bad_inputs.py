"""A battery of bad inputs for `make` and `normalize`: each gets one line on stderr and exit
1; no traceback, nothing in out/ lost or changed, no temporary file left anywhere."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from bulletin.cli import main

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "examples" / "release.txt"
KYRGYZ = "Бишкекте жаңы мектеп ачылды. Мектепте 500 окуучу окуйт.\n"
OLD_SET = {  # what an earlier run published: must survive every bad run untouched
    "release.mp3": b"ID3 earlier audio",
    "release.json": b'{"earlier": true}',
    "release.vtt": b"WEBVTT\n",
}

# name -> (file contents, extra arguments); FILE is replaced by the file's path
MAKE_CASES: dict[str, tuple[bytes | None, list[str]]] = {
    "missing file": (None, []),
    "empty": (b"", []),
    "blank lines": (b"\n \n\t\n", []),
    "lone BOM": (b"\xef\xbb\xbf", []),
    "binary": (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, []),
    "NUL bytes": (KYRGYZ.encode() + b"\x00\x00", []),
    "Latin-1 French": ("Le président a déclaré à la presse.".encode("latin-1"), []),
    "KOI8-R Russian": ("Президент провёл встречу.".encode("koi8-r"), []),
    "English only": (b"The president met the press today.", []),
    "digits only": (b"12345 67890", []),
    "broken UTF-16": (b"\xff\xfe" + "Салам".encode("utf-16-le") + b"\x00", []),
    "UTF-16 without Kyrgyz": ("Hello".encode("utf-16"), []),
    "too long": (KYRGYZ.encode() * 40, ["--max-chars", "1000"]),
    "name with ..": (KYRGYZ.encode(), ["--name", "../escape"]),
    "name with /": (KYRGYZ.encode(), ["--name", "sub/escape"]),
    "name ..": (KYRGYZ.encode(), ["--name", ".."]),
    "hidden name": (KYRGYZ.encode(), ["--name", ".hidden"]),
    "unknown voice": (KYRGYZ.encode(), ["--voice", "no-such-voice"]),
    "bad loudness": (KYRGYZ.encode(), ["--loudness", "loud"]),
}

# name -> (file name, contents, bulletin.toml text); the config is passed with --config
CONFIG_CASES: dict[str, tuple[str, bytes, str]] = {
    "config not UTF-8": ("", b"", "station = \"\xd0\xc0\xc4\xc8\xce\"\n"),
    "config not TOML": ("", b"", "station = \n"),
    "config unknown key": ("", b"", "colour = 'red'\n"),
    "jingle is text": ("intro.mp3", b"hello, not audio\n", '[jingles]\nintro = "intro.mp3"\n'),
    "jingle truncated": ("intro.wav", b"RIFF\x24\x00\x00\x00WAVEfmt ", '[jingles]\nintro = "intro.wav"\n'),
    "bed is empty": ("bed.mp3", b"", '[bed]\nfile = "bed.mp3"\n'),
    "cover not an image": ("cover.jpg", b"not a jpeg", 'cover = "cover.jpg"\n'),
    "lexicon empty spoken": ("lex.tsv", "ЖК\t\n".encode(), 'lexicon = "lex.tsv"\n'),
    "lexicon one field": ("lex.tsv", "ЖК\n".encode(), 'lexicon = "lex.tsv"\n'),
    "lexicon not UTF-8": ("lex.tsv", "ЖК\tжогорку\n".encode("cp1251"), 'lexicon = "lex.tsv"\n'),
}  # fmt: skip

NORMALIZE_CASES: dict[str, bytes | None] = {
    "missing file": None,
    "empty": b"",
    "blank lines": b"\n\n  \n",
    "binary": bytes(range(256)) * 4,
    "Latin-1 French": "Le président a déclaré.".encode("latin-1"),
    "broken UTF-16": b"\xfe\xff\xd8\x00",
}


@pytest.fixture
def place(tmp_path, monkeypatch):
    """An out/ holding an earlier set, and a private TMPDIR for this process."""
    out = tmp_path / "out"
    out.mkdir()
    for name, data in OLD_SET.items():
        (out / name).write_bytes(data)
    private = tmp_path / "tmp"
    private.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def check_refused(result, place: Path, *words: str) -> None:
    output = result.stdout + result.stderr
    assert result.exit_code == 1, output
    assert "Traceback" not in output and result.stdout == "", output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), output
    for word in words:
        assert word in lines[0], lines[0]
    out = place / "out"
    assert {p.name: p.read_bytes() for p in out.iterdir()} == OLD_SET  # nothing lost or new
    assert list((place / "tmp").iterdir()) == []  # nothing left


def invoke(*args: str, input: bytes | None = None):
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


@pytest.mark.parametrize("case", MAKE_CASES)
def test_make_refuses_a_bad_input_in_one_line(place, case):
    data, extra = MAKE_CASES[case]
    release = place / "release.txt"
    if data is not None:
        release.write_bytes(data)
    result = invoke("make", str(release), "-o", "out", "--no-cache", "-j", "1", *extra)
    check_refused(result, place, *(["release.txt"] if data is not None and not extra else []))


@pytest.mark.parametrize("case", CONFIG_CASES)
def test_make_refuses_a_bad_setting_or_sound_in_one_line(place, case):
    file_name, data, config = CONFIG_CASES[case]
    if file_name:
        (place / file_name).write_bytes(data)
    (place / "bulletin.toml").write_bytes(config.encode("utf-8", "surrogateescape"))
    if case == "config not UTF-8":
        (place / "bulletin.toml").write_bytes(b'# settings\nstation = "\xd0\xc0\xc4"\n')
    (place / "release.txt").write_text(KYRGYZ, encoding="utf-8")
    result = invoke("make", "release.txt", "-o", "out", "--config", "bulletin.toml", "--no-cache")
    words = [file_name] if file_name else ["bulletin.toml"]
    if case.startswith("lexicon") and "UTF-8" not in case:
        words.append(":1:")  # the line number
    if case == "config not UTF-8":
        words.append(":2:")
    check_refused(result, place, *words)


@pytest.mark.parametrize("case", NORMALIZE_CASES)
def test_normalize_refuses_a_bad_input_in_one_line(place, case):
    data = NORMALIZE_CASES[case]
    release = place / "release.txt"
    if data is not None:
        release.write_bytes(data)
    check_refused(invoke("normalize", str(release)), place, "release.txt")


@pytest.mark.parametrize("command", ["make", "normalize"])
def test_empty_standard_input_is_refused_like_an_empty_file(place, command):
    extra = ["-o", "out", "--no-cache"] if command == "make" else []
    check_refused(invoke(command, "-", *extra, input=b""), place, "empty")


def test_make_reads_standard_input_and_utf16(place):
    text = SAMPLE.read_text(encoding="utf-8").split("\n")[0] + "\n"
    from_stdin = invoke("make", "-", "-o", "out", "--no-cache", "-j", "1", input=text.encode())
    assert from_stdin.exit_code == 0, from_stdin.stderr
    assert (place / "out" / "stdin.mp3").is_file()
    (place / "news.txt").write_bytes(text.encode("utf-16"))  # with its BOM
    utf16 = invoke("make", "news.txt", "-o", "out", "--no-cache", "-j", "1")
    assert utf16.exit_code == 0, utf16.stderr
    transcript = (place / "out" / "news.transcript.txt").read_text(encoding="utf-8")
    assert transcript.strip() == text.strip()
    assert invoke("normalize", "news.txt").stdout.strip()


def test_decoder_noise_stays_off_stderr(tmp_path):
    """A damaged MP3 jingle: libmpg123 writes to file descriptor 2 itself, so this runs in
    a real process and reads its whole stderr."""
    (tmp_path / "intro.mp3").write_bytes(b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\xff\xfb" * 300)
    (tmp_path / "bulletin.toml").write_text('[jingles]\nintro = "intro.mp3"\n', "utf-8")
    (tmp_path / "release.txt").write_text(KYRGYZ, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "bulletin", "make", "release.txt", "--no-cache", "-o", "out"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "intro.mp3: cannot read audio" in result.stderr
