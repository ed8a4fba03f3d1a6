"""``bulletin publish``, ``make --publish`` and ``run-schedule --once`` through click."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner
from feed_fixtures import RELEASES, write_artwork, write_config

from bulletin.cli import main
from bulletin.feed import EpisodeStore


def test_publish_command_adds_each_manifest_once(station: Path, manifests) -> None:
    runner = CliRunner()
    args = ["publish", "--config", str(station), *map(str, manifests)]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 3
    assert all(line.startswith("https://radio.example.kg/podcast/episodes/") for line in lines)
    again = runner.invoke(main, args)
    assert again.exit_code == 0 and again.stdout == ""
    assert "3 already in the feed" in again.stderr
    assert len(EpisodeStore(station.parent / "public").load()) == 3


def test_make_publish_makes_and_publishes(station: Path, tmp_path: Path) -> None:
    release = tmp_path / "kabar.txt"
    shutil.copyfile(RELEASES[0], release)
    result = CliRunner().invoke(
        main,
        ["make", str(release), "--config", str(station), "-o", str(tmp_path / "out"), "-q",
         "--no-cache", "--publish"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    [episode] = EpisodeStore(station.parent / "public").load()
    assert episode.title == RELEASES[0].read_text(encoding="utf-8").splitlines()[0]
    assert (tmp_path / "out" / "kabar.mp3").is_file()


def test_bad_artwork_fails_make_publish_before_any_synthesis(station: Path, tmp_path) -> None:
    write_artwork(station.parent, size=(800, 600))
    result = CliRunner().invoke(
        main, ["make", str(RELEASES[0]), "--config", str(station), "-o", str(tmp_path / "o"),
               "--publish"],
    )  # fmt: skip
    assert result.exit_code == 1
    assert result.stderr == f"error: {station.parent / 'cover.jpg'}: artwork must be square " \
        "(is 800x600 px)\n"  # fmt: skip
    assert not (tmp_path / "o").exists() or not list((tmp_path / "o").glob("*.mp3"))


def test_publish_errors_are_one_line(tmp_path: Path, manifests) -> None:
    runner = CliRunner()
    no_feed = tmp_path / "bulletin.toml"
    no_feed.write_text('station = "Биринчи радио"\n', encoding="utf-8")
    result = runner.invoke(main, ["publish", "--config", str(no_feed), str(manifests[0])])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: {no_feed}: [feed] needs feed.dir")
    station = write_config(tmp_path / "station")
    broken = tmp_path / "broken.json"
    broken.write_text("{", encoding="utf-8")
    for manifest, message in [
        (tmp_path / "none.json", "no such manifest"),
        (broken, "not a bulletin manifest"),
    ]:
        result = runner.invoke(main, ["publish", "--config", str(station), str(manifest)])
        assert result.exit_code == 1
        assert result.stderr.startswith(f"error: {manifest}: {message}")
        assert len(result.stderr.splitlines()) == 1


def test_run_schedule_once(tmp_path: Path) -> None:
    station = write_config(
        tmp_path, schedule='at = ["18:00"]\ntimezone = "Asia/Bishkek"\ninbox = "inbox"\n'
    )
    (tmp_path / "inbox").mkdir()
    shutil.copyfile(RELEASES[1], tmp_path / "inbox" / RELEASES[1].name)
    runner = CliRunner()
    args = ["run-schedule", "--once", "--config", str(station),
            "--at", "2026-11-30T18:00:00+06:00"]  # fmt: skip
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "2026-11-30 18:00 published Кечки жаңылыктар, 30-ноябрь, 18:00 (1 release)\n"
    )
    result = runner.invoke(main, args)
    assert (result.exit_code, result.stdout) == (0, "2026-11-30 18:00 nothing to publish\n")
    result = runner.invoke(main, [*args[:-1], "18 o'clock"])
    assert result.exit_code == 1 and "--at: not an ISO 8601 time" in result.stderr


def test_help_does_not_import_the_feed_or_schedule_packages() -> None:
    code = (
        "import sys, runpy; sys.argv = ['bulletin', '--help']\n"
        "try: runpy.run_module('bulletin', run_name='__main__')\n"
        "except SystemExit: pass\n"
        "loaded = [m for m in sys.modules if m.split('.')[0] in ('lxml', 'PIL', 'croniter',"
        " 'filelock') or m.startswith(('bulletin.feed', 'bulletin.schedule'))]\n"
        "print(loaded)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip().splitlines()[-1] == "[]", result.stdout + result.stderr


def test_a_manifest_naming_files_elsewhere_is_refused(station: Path, tmp_path, manifests) -> None:
    import json

    data = json.loads(manifests[0].read_text(encoding="utf-8"))
    data["files"]["mp3"] = "../../secret.mp3"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data), encoding="utf-8")
    result = CliRunner().invoke(
        main, ["publish", "--config", str(station), str(manifests[1]), str(bad)]
    )
    assert result.exit_code == 1
    assert result.stderr == f"error: {bad}: files.mp3 must be a file name beside the manifest\n"
    # all or nothing: the good manifest given with it was not published either
    assert EpisodeStore(station.parent / "public").load() == []


def test_checksums_in_the_manifest_are_checked(station: Path, tmp_path, manifests) -> None:
    import hashlib
    import json

    folder = tmp_path / "set"
    data = json.loads(manifests[0].read_text(encoding="utf-8"))
    folder.mkdir()
    for kind, name in list(data["files"].items()):
        if kind != "manifest":
            shutil.copyfile(manifests[0].parent / name, folder / name)
            digest = hashlib.sha256((folder / name).read_bytes()).hexdigest()
            data["files"][kind] = {"name": name, "sha256": digest}
    manifest = folder / manifests[0].name
    manifest.write_text(json.dumps(data), encoding="utf-8")
    runner = CliRunner()
    vtt = folder / data["files"]["vtt"]["name"]
    vtt.write_text(vtt.read_text(encoding="utf-8") + "\n", encoding="utf-8")  # another run's
    result = runner.invoke(main, ["publish", "--config", str(station), str(manifest)])
    assert result.exit_code == 1
    assert result.stderr == f"error: {vtt}: does not match its checksum in {manifest.name}\n"
    shutil.copyfile(manifests[0].parent / vtt.name, vtt)
    result = runner.invoke(main, ["publish", "--config", str(station), str(manifest)])
    assert result.exit_code == 0, result.output
    assert len(EpisodeStore(station.parent / "public").load()) == 1
