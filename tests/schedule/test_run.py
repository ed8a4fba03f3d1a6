"""Scheduled runs on real releases: one bulletin with jingles, bad releases set aside,
nothing to publish, leftovers of killed runs, the inbox lock, mode ``each``."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import feedparser
import pytest
from filelock import FileLock
from schedule_fixtures import RELEASES, drop, stop_once_claimed, write_config
from test_lifecycle import live_signals, wait_gone
from test_unattended import Place

from bulletin.feed import EpisodeStore, load_feed
from bulletin.schedule import run_once

EVENING = "2026-11-30T18:00:00+06:00"
TITLE = "Кечки жаңылыктар, 30-ноябрь, 18:00"


def headline(release: Path) -> str:
    return release.read_text(encoding="utf-8").splitlines()[0]


def test_waiting_releases_become_one_bulletin_and_a_bad_one_is_set_aside(station: Path) -> None:
    inbox = station.parent / "inbox"
    good = drop(inbox, [RELEASES[2], RELEASES[0], RELEASES[1]])  # mektep, bazar, kar
    (inbox / "z-bad.txt").write_bytes(b"\x00\x01binary\x00")
    os.utime(inbox / "z-bad.txt", (1_700_000_001.5, 1_700_000_001.5))  # arrives in between

    report = run_once(str(station), EVENING)
    assert report["published"] == [TITLE]
    assert report["failed"] == ["z-bad.txt"]
    assert report["used"] == [release.name for release in good]
    assert report["error"] is None
    assert report["message"].startswith(f"2026-11-30 18:00 published {TITLE} (3 releases)")

    feed = load_feed(station)
    parsed = feedparser.parse((feed.dir / "feed.xml").read_bytes())
    [entry] = parsed.entries
    assert entry.title == TITLE
    [episode] = EpisodeStore(feed.dir).load()
    chapters = json.loads((feed.dir / episode.chapters).read_text(encoding="utf-8"))["chapters"]
    # one story per release in order of arrival, between the intro and outro jingles
    titles = [c["title"] for c in chapters]
    assert titles[1:-1] == [headline(release) for release in RELEASES[2:] + RELEASES[:2]]
    assert len(titles) == 5
    assert (titles[0], titles[-1]) == ("Intro", "Outro")  # the jingles' chapters

    assert sorted(p.name for p in (inbox / "done" / "2026-11-30").iterdir()) == sorted(
        release.name for release in good
    )
    note = (inbox / "failed" / "z-bad.txt.error.txt").read_text(encoding="utf-8")
    assert note.startswith("z-bad.txt: not a text file")
    assert (inbox / "failed" / "z-bad.txt").read_bytes() == b"\x00\x01binary\x00"
    assert {p.name for p in inbox.iterdir() if not p.name.startswith(".")} == {"done", "failed"}
    assert not list((inbox / ".work").iterdir())


def test_nothing_waiting_is_logged_not_an_error(station: Path) -> None:
    report = run_once(str(station), EVENING)
    assert report["message"] == "2026-11-30 18:00 nothing to publish"
    assert report["error"] is None and report["published"] == []
    assert not (station.parent / "public" / "feed.xml").exists()


def test_when_every_release_fails_no_empty_episode_goes_out(station: Path) -> None:
    inbox = station.parent / "inbox"
    inbox.mkdir()
    (inbox / "empty.txt").write_bytes(b"")
    (inbox / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    report = run_once(str(station), EVENING)
    assert report["published"] == [] and sorted(report["failed"]) == ["binary.txt", "empty.txt"]
    assert EpisodeStore(station.parent / "public").load() == []
    assert "failed: " in report["message"]
    for name in ("empty.txt", "binary.txt"):
        note = (inbox / "failed" / f"{name}.error.txt").read_text(encoding="utf-8")
        assert note.startswith(f"{name}: ")


def test_a_broken_jingle_is_the_stations_problem_and_releases_wait(station: Path) -> None:
    inbox = station.parent / "inbox"
    drop(inbox, RELEASES[:1])
    (station.parent / "jingles" / "intro.wav").write_bytes(b"not audio at all")
    report = run_once(str(station), EVENING)
    assert report["error"] and "intro.wav" in report["error"]
    assert report["failed"] == [] and report["published"] == []
    assert (inbox / RELEASES[0].name).is_file()  # still waiting for the next run
    assert not (inbox / "failed").exists() or not list((inbox / "failed").iterdir())


def test_releases_of_a_killed_run_go_back_or_to_done(station: Path) -> None:
    inbox = station.parent / "inbox"
    # a run killed before it published: its claimed release goes back into the inbox
    claimed = inbox / ".claimed" / "20261130-0800"
    drop(claimed, RELEASES[:1])
    (inbox / ".work" / "20261130-0800.x").mkdir(parents=True)
    report = run_once(str(station), EVENING)
    assert report["used"] == [RELEASES[0].name]
    assert not claimed.exists() and not list((inbox / ".work").iterdir())
    # a run killed after it published, before it filed its releases: they go to done
    again = inbox / ".claimed" / "20261130-1800"
    drop(again, RELEASES[1:2])
    report = run_once(str(station), "2026-12-01T08:00:00+06:00")
    assert report["published"] == [] and report["used"] == []
    assert (inbox / "done" / "2026-12-01" / RELEASES[1].name).is_file()
    assert len(EpisodeStore(station.parent / "public").load()) == 1


def test_a_run_that_finds_the_inbox_held_does_nothing(station: Path) -> None:
    inbox = station.parent / "inbox"
    drop(inbox, RELEASES[:1])
    with FileLock(inbox / ".lock", timeout=0):
        report = run_once(str(station), EVENING)
    assert "another run holds the inbox" in report["error"]
    assert (inbox / RELEASES[0].name).is_file()
    assert not (station.parent / "public" / "episodes.json").exists()


def test_two_watchers_at_once_publish_each_release_once(station: Path) -> None:
    inbox = station.parent / "inbox"
    drop(inbox)
    command = [sys.executable, "-m", "bulletin", "run-schedule", "--once", "--at", EVENING,
               "--config", str(station), "-j", "1"]  # fmt: skip
    runs = [subprocess.Popen(command, stdout=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [run.communicate(timeout=300)[0] for run in runs]
    [episode] = EpisodeStore(station.parent / "public").load()
    assert episode.title == TITLE
    assert sum("published" in output for output in outputs) == 1, outputs
    assert sorted(p.name for p in (inbox / "done" / "2026-11-30").iterdir()) == sorted(
        r.name for r in RELEASES
    )


def test_each_mode_makes_one_episode_per_settled_release(tmp_path: Path) -> None:
    station = write_config(
        tmp_path,
        schedule='mode = "each"\ntimezone = "Asia/Bishkek"\ninbox = "inbox"\nsettle_s = 30\n',
    )
    inbox = tmp_path / "inbox"
    arrived = datetime(2026, 11, 30, 9, 0, tzinfo=ZoneInfo("Asia/Bishkek"))
    drop(inbox, RELEASES[:1], start=arrived.timestamp())
    drop(inbox, RELEASES[1:2], start=arrived.timestamp() + 20)
    # 11 s after the second arrived: the first has settled, the second may still change
    report = run_once(str(station), (arrived + timedelta(seconds=31)).isoformat())
    assert report["published"] == [headline(RELEASES[0])]
    assert (inbox / RELEASES[1].name).is_file()
    report = run_once(str(station), (arrived + timedelta(seconds=60)).isoformat())
    assert report["published"] == [headline(RELEASES[1])]
    episodes = EpisodeStore(tmp_path / "public").load()
    assert [e.title for e in episodes] == [headline(RELEASES[1]), headline(RELEASES[0])]
    # the same article dropped again is not a second episode
    drop(inbox, RELEASES[:1], start=arrived.timestamp())
    report = run_once(str(station), (arrived + timedelta(seconds=90)).isoformat())
    assert report["published"] == [] and report["used"] == []
    assert len(EpisodeStore(tmp_path / "public").load()) == 2
    xml = (tmp_path / "public" / "feed.xml").read_text(encoding="utf-8")
    assert "<podcast:updateFrequency>As releases arrive</podcast:updateFrequency>" in xml


def test_a_second_run_for_the_same_time_is_a_new_episode(station: Path) -> None:
    inbox = station.parent / "inbox"
    drop(inbox, RELEASES[:1])
    first = run_once(str(station), EVENING)
    drop(inbox, RELEASES[1:2])
    second = run_once(str(station), EVENING)
    assert first["published"] == second["published"] == [TITLE]
    assert second["used"] == [RELEASES[1].name]
    episodes = EpisodeStore(station.parent / "public").load()
    assert len({e.guid for e in episodes}) == len({e.audio for e in episodes}) == 2


def test_sigkill_during_a_run_then_the_next_run_publishes_everything_once(station: Path) -> None:

    inbox = station.parent / "inbox"
    drop(inbox)
    command = [sys.executable, "-m", "bulletin", "run-schedule", "--once", "--at", EVENING,
               "--config", str(station), "-j", "1"]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    stop_once_claimed(process, inbox, signal.SIGKILL)
    claimed = inbox / ".claimed"
    assert list((claimed / "20261130-1800").iterdir())  # left mid-run
    report = run_once(str(station), "2026-11-30T18:05:00+06:00")
    assert report["used"] == [r.name for r in RELEASES]
    [episode] = EpisodeStore(station.parent / "public").load()
    assert episode.title == "Кечки жаңылыктар, 30-ноябрь, 18:05"
    assert not any(claimed.iterdir()) and not any((inbox / ".work").iterdir())
    assert sorted(p.name for p in (station.parent / "public" / "episodes").iterdir()) == sorted(
        Path(name).name for name in episode.files
    )


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_a_stop_signal_during_a_run_is_one_line_and_leaves_the_releases(
    station: Path, tmp_path: Path, signum: int
) -> None:
    inbox = station.parent / "inbox"
    drop(inbox)
    place = Place(tmp_path / "run")  # its TMPDIR, and a marker on every process it starts
    command = [sys.executable, "-m", "bulletin", "run-schedule", "--once", "--at", EVENING,
               "--config", str(station), "-j", "2"]  # fmt: skip
    process = subprocess.Popen(
        command, env=place.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=live_signals,
    )  # fmt: skip
    out, err = stop_once_claimed(process, inbox, signum)
    assert process.returncode == 128 + signum, err
    name = signal.Signals(signum).name
    assert out == "" and err.splitlines() == [
        f"bulletin run-schedule: interrupted by {name} during the run; "
        "its releases wait in the inbox"
    ]
    assert wait_gone(place.processes()) == [] and list(place.tmp.iterdir()) == []
    waiting = sorted(p.name for p in inbox.iterdir() if p.is_file() and p.name[0] != ".")
    claimed = inbox / ".claimed"
    assert waiting == sorted(r.name for r in RELEASES) and not any(claimed.iterdir())
    assert EpisodeStore(station.parent / "public").load() == []


def test_a_quiet_run_still_expires_episodes_and_removes_leftovers(tmp_path: Path) -> None:
    station = write_config(
        tmp_path,
        schedule='at = ["18:00"]\ntimezone = "Asia/Bishkek"\ninbox = "inbox"\n',
        feed_extra="retention_days = 2\n",
    )
    inbox = tmp_path / "inbox"
    drop(inbox, RELEASES[:1])
    run_once(str(station), EVENING)
    public = tmp_path / "public"
    [episode] = EpisodeStore(public).load()
    stray = public / "episodes" / "20261130-1759-0123456789ab.mp3"  # a killed run's copy
    stray.write_bytes(b"ID3 half an episode")
    report = run_once(str(station), "2026-12-01T18:00:00+06:00")
    assert report["message"] == "2026-12-01 18:00 nothing to publish"
    assert not stray.exists() and (public / episode.audio).is_file()
    run_once(str(station), "2026-12-02T18:01:00+06:00")  # two days and a minute on
    assert EpisodeStore(public).load() == []
    assert list((public / "episodes").iterdir()) == []
    assert feedparser.parse((public / "feed.xml").read_bytes()).entries == []
