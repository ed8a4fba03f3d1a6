"""``bulletin normalize`` on hostile text: escape sequences and other scripts never reach
the output, and what was dropped is named on one warning line."""

from __future__ import annotations

from click.testing import CliRunner

from bulletin.cli import main


def test_normalize_names_what_it_drops() -> None:
    text = "\x1b[1mЖаңылык\x1b[0m 😀 Пекин (北京) 5²\n"
    result = CliRunner().invoke(main, ["normalize", "-"], input=text.encode("utf-8"))
    assert result.exit_code == 0, result.output
    assert result.stdout == "Жаңылык  Пекин () беш квадрат\n"
    assert result.stderr == "warning: <stdin>: not read aloud (not Kyrgyz or Latin): 😀 北京\n"


def test_normalize_without_anything_dropped_warns_nothing() -> None:
    result = CliRunner().invoke(main, ["normalize", "-"], input="5ке чейин\n".encode())
    assert result.exit_code == 0
    assert result.stderr == ""


def test_explain_lists_dropped_runs_first() -> None:
    result = CliRunner().invoke(main, ["normalize", "--explain", "-"], input="😀 5ке\n".encode())
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == "😀\t\tdropped"
