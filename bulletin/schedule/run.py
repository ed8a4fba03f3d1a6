"""One scheduled run: the inbox's releases -> bulletins -> episodes in the feed.

A plain function with JSON-ready arguments, so that a job queue can run it as a
:class:`bulletin.jobs.Task` (``Task("bulletin.schedule.run:run_once", {"config_path":
"bulletin.toml", "now_iso": "2026-11-30T18:00:00+06:00"}, key="schedule:20261130-1800")``):

>>> run_once("bulletin.toml", "2026-11-30T18:00:00+06:00")["message"]
'2026-11-30 18:00 published Кечки жаңылыктар, 30-ноябрь, 18:00 (3 releases) failed: bad.txt (see inbox/failed)'

Mode ``bulletin``: every waiting release, in order of arrival, becomes one story of one
bulletin (with the station's jingles), titled from the programme and the time. Mode
``each``: every release that has stopped changing becomes its own episode. A release that
cannot be read or made goes to ``inbox/failed/`` with a note; the rest go out without it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bulletin import lifecycle
from bulletin.errors import BulletinError, ConfigError
from bulletin.schedule import inbox as box
from bulletin.schedule.config import ScheduleSettings, load_schedule

if TYPE_CHECKING:
    from bulletin.feed import FeedSettings


@dataclass
class RunReport:
    """What one run did, as JSON-ready data; ``message`` is its one log line."""

    time: str
    mode: str
    published: list[str] = field(default_factory=list)  # episode titles
    failed: list[str] = field(default_factory=list)  # release names
    used: list[str] = field(default_factory=list)  # release names in published episodes
    error: str | None = None  # a station-level problem (voice, jingle, feed), if any
    message: str = ""


def bulletin_title(programme: str, when: datetime) -> str:
    """``Кечки жаңылыктар, 30-ноябрь, 18:00`` (Kyrgyz month names from the shipped table)."""
    from bulletin.text.dates import month_names

    month = month_names()[when.month][0]
    return f"{programme}, {when.day}-{month}, {when:%H:%M}"


def run_once(config_path: str, now_iso: str | None = None, *, jobs: int | None = None) -> dict:
    """Do the scheduled run for ``now_iso`` (default: now); returns a :class:`RunReport` dict."""
    config = Path(config_path)
    schedule = load_schedule(config)
    if schedule is None or schedule.inbox is None:
        raise ConfigError(f"{config}: [schedule] with an inbox is needed to run a schedule")
    now = datetime.fromisoformat(now_iso) if now_iso else datetime.now(timezone.utc)
    if now.tzinfo is None:
        now = now.replace(tzinfo=schedule.zone)
    local = now.astimezone(schedule.zone)
    report = RunReport(time=local.isoformat(timespec="seconds"), mode=schedule.mode)
    try:
        with box.inbox_lock(schedule.inbox):
            _run(config, schedule, local, report, jobs)
    except box.InboxBusy as busy:
        report.error = str(busy)
    except BulletinError as error:
        report.error = str(error)
    report.message = _message(local, report)
    return asdict(report)


def _message(local: datetime, report: RunReport) -> str:
    parts = [f"{local:%Y-%m-%d %H:%M}"]
    if report.published:
        parts.append("published " + "; ".join(report.published))
        used = len(report.used)
        parts.append(f"({used} release{'' if used == 1 else 's'})")
    elif report.error is None:
        parts.append("nothing to publish")
    if report.failed:
        parts.append(f"failed: {', '.join(report.failed)} (see inbox/failed)")
    if report.error:
        parts.append(f"error: {report.error}")
    return " ".join(parts)


class _Station:
    """What every make in one run shares: settings, voice, lexicon, cache, the feed."""

    def __init__(self, config: Path, jobs: int | None) -> None:
        from bulletin import synth
        from bulletin.config import load_settings
        from bulletin.feed import load_feed

        self.config = config
        self.feed = load_feed(config)
        self.settings = load_settings(config)
        self.voice = synth.resolve_voice(self.settings.voice)
        ready, why = synth.availability(self.voice)
        if not ready:
            raise BulletinError(f"voice {self.voice.name}: {why}")
        self.lexicon = None
        if self.settings.lexicon:
            from bulletin.text import load_lexicon

            self.lexicon = load_lexicon(self.settings.lexicon)
        self.cache = synth.default_cache_dir()
        self.jobs = jobs or os.cpu_count() or 1

    def names_own_file(self, message: str) -> bool:
        """Whether an error message is about one of the station's own files."""
        settings = self.settings
        jingles, bed = settings.jingles, settings.bed
        own = (jingles.intro, jingles.outro, jingles.sting, bed and bed.path, settings.cover)
        own += (settings.lexicon, self.feed.image, self.feed.dir)
        work = f"{os.sep}{box.WORK}{os.sep}"
        # named by its path, or (audio errors: "intro.wav: cannot read audio") by its name
        named = any(
            path and (str(path) in message or message.startswith(f"{Path(path).name}: "))
            for path in own
        )
        return named or work in message or message.startswith("voice ")

    def make(self, sources: Sequence[Path], name: str, work: Path, title: str | None) -> Path:
        """Make one bulletin of ``sources`` in ``work``; returns its manifest."""
        from bulletin.config import load_settings
        from bulletin.make import make_bulletin, plan_jobs

        overrides: dict[str, Any] = {"output.dir": str(work), "title": title}
        settings = load_settings(self.config, overrides)
        [job] = plan_jobs(list(sources), combine=True, name=name)
        outcome = make_bulletin(
            job, settings, self.voice, lexicon=self.lexicon, cache_dir=self.cache, jobs=self.jobs
        )
        return outcome.files["manifest"]


def _run(
    config: Path, schedule: ScheduleSettings, local: datetime, report: RunReport, jobs: int | None
) -> None:
    from bulletin.feed import load_feed, published_keys, tidy

    inbox = schedule.inbox
    assert inbox is not None
    box.clear_work(inbox)
    station = None
    day = f"{local:%Y-%m-%d}"
    # releases of runs that were killed: done if their episode went out, else back in the inbox
    feed = load_feed(config)
    for folder in box.claims(inbox):
        _settle(inbox, folder.name, feed, day)
    # expired episodes and files left by a killed run leave the folder even on a quiet run
    tidy(feed, now=local)

    if schedule.mode == "bulletin":
        releases = box.waiting(inbox, older_than=None)
        if not releases:
            return
        station = _Station(config, jobs)
        programme = station.settings.programme or station.feed.title
        title = bulletin_title(programme, local)
        # a second run for the same time (run-schedule --once again) is a new episode
        keys = published_keys(station.feed)
        run, number = f"{local:%Y%m%d-%H%M}", 2
        while f"run:{run}" in keys:
            run, number = f"{local:%Y%m%d-%H%M}-{number}", number + 1
        _publish_run(station, inbox, run, releases, title, local, report)
    else:
        settled = local - timedelta(seconds=schedule.settle_s)
        for release in box.waiting(inbox, older_than=settled):
            station = station or _Station(config, jobs)
            digest = hashlib.sha256(release.read_bytes()).hexdigest()[:12]
            run = f"{digest}-{_slug(release.stem)}"
            _publish_run(station, inbox, run, [release], None, local, report)


def _slug(stem: str) -> str:
    return re.sub(r"[^\w.-]+", "-", stem, flags=re.UNICODE).strip("-")[:60] or "release"


def _publish_run(
    station: _Station,
    inbox: Path,
    run: str,
    releases: Sequence[Path],
    title: str | None,
    local: datetime,
    report: RunReport,
) -> None:
    """Claim ``releases``, make one bulletin of those that work, publish it, file them away."""
    from bulletin.feed import publish

    key = f"run:{run}"
    day = f"{local:%Y-%m-%d}"
    folder = contextlib.ExitStack()  # the run's work folder, removed whole at the end
    try:
        claimed = box.claim(inbox, run, releases)
        if _settle(inbox, run, station.feed, day, only_if_published=True):
            return  # "each": this very release went out already
        work_root = inbox / box.WORK
        work_root.mkdir(parents=True, exist_ok=True)
        work = folder.enter_context(lifecycle.temporary_folder(f"{run}.", work_root))
        good = list(claimed)
        manifest = None
        while good and manifest is None:
            try:
                manifest = station.make(good, run, work, title)
            except BulletinError as error:
                bad = _culprits(station, good, error, work)
                if not bad:  # not about any one release: the station's problem
                    raise
                for release, why in bad.items():
                    box.fail(inbox, release, why.replace(str(release), release.name), local)
                    report.failed.append(release.name)
                    good.remove(release)
        if manifest is not None:
            [episode] = publish(station.feed, [manifest], now=local, keys=[key]) or [None]
            if episode is not None:
                report.published.append(episode.title)
            report.used.extend(release.name for release in good)
        _settle(inbox, run, station.feed, day)
    except BaseException:
        # failed for the station, or stopped by a signal at any step: the releases go to
        # done/ if their episode went out, else back to the inbox for the next run
        with contextlib.suppress(OSError, BulletinError), lifecycle.deferred():
            _settle(inbox, run, station.feed, day)
        raise
    finally:
        folder.close()


def _settle(
    inbox: Path, run: str, feed: FeedSettings, day: str, *, only_if_published: bool = False
) -> bool:
    """File a run's claimed releases: to ``done/DAY/`` if its episode is in the feed, else
    back to the inbox (unless ``only_if_published``). True when they went to done."""
    from bulletin.feed import published_keys

    folder = inbox / box.CLAIMED / run
    if not folder.is_dir():
        return False
    if f"run:{run}" in published_keys(feed):
        box.done(inbox, box.arrival_order(list(folder.iterdir())), day)
        folder.rmdir()
        return True
    if not only_if_published:
        box.give_back(inbox, folder)
    return False


def _culprits(
    station: _Station, releases: list[Path], error: BulletinError, work: Path
) -> dict[Path, str]:
    """The releases that ``error`` is about: named in it, else those that fail when made alone.

    Returns {} when the error is about the station's own files (a jingle, the bed, the cover,
    the lexicon, the work folder): then the releases wait for the next run.
    """
    message = str(error)
    if station.names_own_file(message):
        return {}
    named = {r: message for r in releases if re.search(rf"(^|[/\s]){re.escape(r.name)}\b", message)}
    if named:
        return named
    if len(releases) == 1:
        return {releases[0]: message}
    failing: dict[Path, str] = {}
    for release in releases:
        try:
            station.make([release], f"check-{_slug(release.stem)}", work, None)
        except BulletinError as alone:
            if station.names_own_file(str(alone)):
                return {}
            failing[release] = str(alone)
    return failing
