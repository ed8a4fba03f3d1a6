"""The ``bulletin`` command: make, normalize, voices, cache.

Only this module knows about the terminal. Heavy modules (numpy, audio, voices) are
imported inside the commands that need them, so ``bulletin --help`` and
``bulletin normalize`` start fast, and torch/Coqui load only for a Coqui voice.

    $ bulletin make examples/release.txt
    out/release.mp3  2:31  -16.0 LUFS  -1.3 dBTP  (24 sentences, 24 synthesised)

Exit status: 0 done; 1 a problem the user can fix (one line on stderr, no traceback: bad
input, wrong setting, a full disk or another I/O error naming the path); 128 + the signal
after SIGTERM (143), SIGINT (130) or SIGHUP (129), with one line saying what was stopped.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from bulletin.errors import BulletinError

LEXICON_NAME = "lexicon.tsv"


def _fail(error: BulletinError) -> None:
    click.echo(f"error: {error}", err=True)


def _io_line(error: BaseException, ctx: click.Context) -> str:
    """An I/O error that reached the top: the path and the problem, on one line."""
    from bulletin.fsutil import io_error

    return str(io_error(error, f"running bulletin {ctx.invoked_subcommand or ''}".strip()))


class _Group(click.Group):
    """Turns a user-fixable :class:`BulletinError` (and an I/O error nobody named) into one
    line on stderr and exit 1, and a stop signal into one line and exit 128 + signal."""

    def invoke(self, ctx: click.Context):
        from bulletin import lifecycle

        sound_error = getattr(sys.modules.get("soundfile"), "LibsndfileError", OSError)
        try:
            return super().invoke(ctx)
        except BulletinError as error:
            _fail(error)
            ctx.exit(1)
        except (OSError, sound_error) as error:
            click.echo(f"error: {_io_line(error, ctx)}", err=True)
            ctx.exit(1)
        except lifecycle.Interrupted as stop:
            click.echo(f"bulletin: {stop}; stopped", err=True)
            ctx.exit(stop.exit_code)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="bulletin")
def main() -> None:
    """Kyrgyz news releases in, podcast-ready audio out."""


def default_lexicon(explicit: Path | None, configured: Path | None) -> Path | None:
    """``--lexicon``, else bulletin.toml's ``lexicon``, else ./lexicon.tsv, else the user one."""
    if explicit or configured:
        return explicit or configured
    from platformdirs import user_config_dir

    for candidate in (Path(LEXICON_NAME), Path(user_config_dir("bulletin")) / LEXICON_NAME):
        if candidate.is_file():
            return candidate
    return None


def _load_lexicon(path: Path | None):
    from bulletin.text import load_lexicon

    return load_lexicon(path) if path else None


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path, readable=False))
@click.option(
    "-o", "--out", "out_dir", type=click.Path(path_type=Path), help="Output folder [out]."
)
@click.option("--voice", help="Voice preset name or .toml path (see `bulletin voices`).")
@click.option(
    "--format", "fmt", type=click.Choice(["mp3", "wav", "flac", "ogg"]), help="Audio format [mp3]."
)
@click.option(
    "--loudness", help="podcast (-16 LUFS), broadcast (-23, EBU R128) or a number [podcast]."
)
@click.option("--bitrate", type=int, help="MP3 constant bitrate in kbps [128].")
@click.option("--sample-rate", type=int, help="Output sample rate [44100; 48000 for wav].")
@click.option("--title", help="Title tag [the first headline, else the file name].")
@click.option("--artist", help="Artist tag [station from bulletin.toml].")
@click.option("--album", help="Album tag [programme from bulletin.toml].")
@click.option("--combine", is_flag=True, help="Make one bulletin of all FILES, in order.")
@click.option("--name", help="Output file stem for --combine (or a single file or -).")
@click.option("--config", type=click.Path(path_type=Path), help="Settings file [./bulletin.toml].")
@click.option(
    "--lexicon", type=click.Path(path_type=Path), help="Newsroom lexicon TSV [./lexicon.tsv]."
)
@click.option("--cache-dir", type=click.Path(path_type=Path), help="Clip cache folder.")
@click.option("--no-cache", is_flag=True, help="Neither read nor write the clip cache.")
@click.option(
    "-j", "--jobs", type=click.IntRange(1, 64), help="Processes for synthesis and encoding [cores]."
)
@click.option(
    "--max-chars", type=click.IntRange(1),
    help="Refuse a bulletin of more characters of text than this [1,000,000].",
)  # fmt: skip
@click.option("-q", "--quiet", is_flag=True, help="No progress bar, only the summary line.")
@click.option("--player", is_flag=True, help="Also write OUT/<name>.html, a listening page.")
@click.option("--publish", is_flag=True, help="Add the made bulletins to the feed ([feed]).")
def make(files, out_dir, voice, fmt, loudness, bitrate, sample_rate, title, artist, album,
         combine, name, config, lexicon, cache_dir, no_cache, jobs, max_chars, quiet,
         player, publish) -> None:  # fmt: skip
    """Read FILES (Kyrgyz releases; - for standard input) and write podcast-ready audio,
    captions and a manifest.

    Writes OUT/<name>.mp3 with ID3 tags and chapters, .vtt and .srt captions, a
    transcript, Podcasting 2.0 chapters and a JSON manifest: all of them, or (after an
    error or a stop signal) none, the old set left whole.
    """
    from bulletin import lifecycle

    with lifecycle.stop_on_signals():
        _make(**click.get_current_context().params)


def _make(files, out_dir, voice, fmt, loudness, bitrate, sample_rate, title, artist, album,
          combine, name, config, lexicon, cache_dir, no_cache, jobs, max_chars, quiet,
          player, publish):  # fmt: skip
    from bulletin import config as config_module
    from bulletin import lifecycle, synth
    from bulletin import make as pipeline
    from bulletin.outputs import check_plain_name
    from bulletin.workers import process_pool

    if name is not None:
        check_plain_name(name)
    if no_cache and cache_dir is not None:
        raise BulletinError(f"--no-cache and --cache-dir {cache_dir}: give one or the other")
    stdin_text = None
    if any(str(f) == "-" for f in files):
        stdin_text = _read_stdin(4 * (max_chars or pipeline.MAX_CHARS) + 4)
    jobs = jobs or os.cpu_count() or 1

    overrides = {
        "voice": voice, "output.format": fmt, "output.loudness": loudness,
        "output.bitrate": bitrate, "output.sample_rate": sample_rate, "output.dir": out_dir,
        "title": title, "artist": artist, "album": album, "lexicon": lexicon,
    }  # fmt: skip
    settings = config_module.load_settings(config_module.find_config(config), overrides)
    preset = synth.resolve_voice(settings.voice)
    ready, why = synth.availability(preset)
    if not ready:
        raise BulletinError(f"voice {preset.name}: {why}")
    lexicon_table = _load_lexicon(default_lexicon(None, settings.lexicon))
    bucket = _shared_store(config_module.find_config(config), clips=not no_cache)
    pipeline.check_output_dir(settings.out_dir)
    cache = None if no_cache else (cache_dir or synth.default_cache_dir())
    pipeline.clean_stale(settings.out_dir, cache)
    show_progress = not quiet and sys.stderr.isatty()

    failed, made = 0, []
    if publish:  # a wrong [feed] fails before any synthesis
        from bulletin.feed import check_artwork, load_feed

        check_artwork(load_feed(_feed_config(config)).image)
    # one pool for every bulletin of this run, stopped when the command ends
    with process_pool(jobs) as pool:
        for job in pipeline.plan_jobs(files, combine=combine, name=name):
            bar = _ProgressBar(job.name, show=show_progress)
            try:
                outcome = pipeline.make_bulletin(
                    job, settings, preset, lexicon=lexicon_table, cache_dir=cache, jobs=jobs,
                    pool=pool, progress=bar.update, stdin=stdin_text,
                    max_chars=max_chars or pipeline.MAX_CHARS,
                )  # fmt: skip
            except BulletinError as error:
                failed += 1
                bar.close()
                _fail(error)
                continue
            except lifecycle.Interrupted as stop:
                bar.close()
                left = (
                    "they were published just before"
                    if getattr(stop, "published", False)
                    else "they are unchanged"
                )
                click.echo(
                    f"bulletin make: {stop} while making {job.name} ({bar.where()}); "
                    f"its outputs in {settings.out_dir}: {left}",
                    err=True,
                )
                sys.exit(stop.exit_code)
            bar.close()
            if bucket is not None:  # the published set, also in the shared store
                from bulletin.store.sets import publish_set

                publish_set(bucket, f"out/{job.name}", {p.name: p for p in outcome.files.values()})
            _warn_not_read(job.name, outcome.not_read)
            if player:
                _write_player(outcome)
            _summary(outcome, preset)
            made.append(outcome.files["manifest"])
    if publish and made:
        publish_manifests(config, made)
    if failed:
        sys.exit(1)


def _shared_store(config: Path | None, clips: bool = True):
    """The bucket of ``[store] url`` / ``BULLETIN_STORE_URL`` (checked now), or None."""
    from bulletin import store

    return store.activate(config, clips=clips)


def _read_stdin(max_bytes: int) -> str:
    from bulletin.document import release_text

    return release_text(_stdin_bytes(max_bytes), "<stdin>")


def _stdin_bytes(max_bytes: int, hint: str = "raise it with --max-chars") -> bytes:
    """Standard input's bytes, at most ``max_bytes`` (see document.read_limited)."""
    from bulletin.document import read_limited

    try:
        stdin = click.open_file("-", "rb")
    except RuntimeError:  # started with standard input closed (<&-)
        raise BulletinError("<stdin>: standard input is closed") from None
    with stdin:
        return read_limited(stdin, max_bytes, "<stdin>", hint)


#: ``normalize`` reads at most this much (a bound against /dev/zero or an endless pipe)
NORMALIZE_MAX_BYTES = 64 << 20


def _summary(outcome, preset) -> None:
    """The one line a make prints per bulletin (a non-commercial voice adds its licence)."""
    minutes, seconds = divmod(round(outcome.duration_s), 60)
    click.echo(
        f"{outcome.audio}  {minutes}:{seconds:02d}  {outcome.loudness_lufs:.1f} LUFS  "
        f"{outcome.true_peak_dbtp:.1f} dBTP  "
        f"({outcome.sentences} sentences, {outcome.synthesised} synthesised"
        f"{'' if outcome.remastered else ', master from cache'})"
        + ("" if preset.commercial_use else f"  voice {preset.name}: {preset.licence}")
    )


def _write_player(outcome) -> None:
    """out/NAME.html: the player page (bulletin.web.player) for the files beside it."""
    import json

    from bulletin.web.player import write_page

    files = outcome.files
    manifest = json.loads(files["manifest"].read_text(encoding="utf-8"))
    transcript = files["transcript"].read_text(encoding="utf-8")
    write_page(
        outcome.audio.with_suffix(".html"),
        manifest,
        transcript,
        audio=outcome.audio.name,
        captions=files["vtt"].name,
    )


class _ProgressBar:
    """Where a make is (stage, done, total), shown on stderr as one click progress bar per
    stage when ``show`` (a terminal, not ``--quiet``): reading, synthesis n/N, mastering,
    encoding, publishing; each bar runs to its end as the work does."""

    def __init__(self, label: str, show: bool = True) -> None:
        self.label, self.show = label, show
        self.bar, self.stage, self.done, self.total = None, "", 0, 0

    def update(self, stage: str, done: int, total: int) -> None:
        if stage != self.stage:
            self.close()
            self.stage, self.done, self.total = stage, 0, total
            if self.show:
                self.bar = click.progressbar(
                    length=max(1, total), label=f"{self.label}: {stage}", file=sys.stderr,
                    show_pos=stage == "synthesis", show_percent=True, show_eta=False,
                )  # fmt: skip
                self.bar.__enter__()
        if self.bar is not None:
            self.bar.update(done - self.done)
        self.done, self.total = done, total

    def where(self) -> str:
        """``synthesis 12/40``, ``mastering 35 %``: the stage and how far it got."""
        if not self.stage:
            return "starting"
        if self.stage == "synthesis":
            return f"synthesis {self.done}/{self.total}"
        if self.stage in ("mastering", "encoding") and self.total:
            return f"{self.stage} {100 * self.done // self.total} %"
        return self.stage

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


@main.command()
@click.argument("file", type=click.Path(path_type=Path, allow_dash=True, readable=False))
@click.option(
    "--explain", is_flag=True, help="List each token, the rule that read it and the result."
)
@click.option(
    "--lexicon", type=click.Path(path_type=Path), help="Newsroom lexicon TSV [./lexicon.tsv]."
)
def normalize(file: Path, explain: bool, lexicon: Path | None) -> None:
    """Print the spoken form of FILE (or - for standard input), one line per input line."""
    from bulletin.document import decode_release, read_limited
    from bulletin.text import clean
    from bulletin.text import explain as explain_text
    from bulletin.text import normalize as normalize_text

    limit, hint = NORMALIZE_MAX_BYTES, "split it into smaller files"
    if str(file) == "-":
        data, name = _stdin_bytes(limit, hint), "<stdin>"
    else:
        try:
            with open(file, "rb") as handle:
                data, name = read_limited(handle, limit, str(file), hint), str(file)
        except OSError as error:
            raise BulletinError(f"{file}: cannot read ({error.strerror})") from None
    text = decode_release(data, name)
    if not text.strip():
        raise BulletinError(f"{name}: the file is empty")
    if not clean(text).text.strip():  # only emoji, other scripts, invisible characters
        raise BulletinError(f"{name}: nothing to read aloud (no Kyrgyz or Latin text)")
    table = _load_lexicon(default_lexicon(lexicon, None))
    _warn_dropped(name, text)
    if explain:
        lines = [f"{t.written}\t{t.spoken}\t{t.rule}" for t in explain_text(text, table)]
    else:
        lines = [normalize_text(text[:-1] if text.endswith("\n") else text, table)]
    try:
        for line in lines:
            click.echo(line)
        sys.stdout.flush()
    except OSError as error:  # a full disk behind a redirection (> /dev/full)
        raise BulletinError(f"standard output: cannot write ({error.strerror})") from None


def _warn_dropped(name: str, text: str) -> None:
    """One warning line listing what the voice will not read (emoji, other scripts)."""
    from bulletin.text import clean

    _warn_not_read(name, clean(text).dropped)


def _warn_not_read(name: str, dropped: tuple[str, ...]) -> None:
    if dropped:
        listed = " ".join(dropped[:20])
        click.echo(f"warning: {name}: not read aloud (not Kyrgyz or Latin): {listed}", err=True)


SAMPLE_TEXT = (
    "Саламатсыздарбы! Бүгүн 5-декабрь. Бишкекте аба ырайы жылуу, күн ачык болот. "
    "Бул үн үлгүсү редакцияга үн тандоого жардам берет."
)


@main.command()
@click.option("--download", metavar="NAME", help="Fetch a Coqui voice's model (needs network).")
@click.option("--sample", metavar="NAME", help="Write a short fixed Kyrgyz sample in voice NAME.")
@click.option(
    "-o", "--output", type=click.Path(path_type=Path), help="Sample file [NAME-sample.wav]."
)
def voices(download: str | None, sample: str | None, output: Path | None) -> None:
    """List voice presets: quality tier, licence, sample rate, and whether each can run here
    (and what to install when not)."""
    from bulletin import synth
    from bulletin.synth.engines import engine_for

    if download:
        folder = synth.download_voice(download)
        click.echo(f"{download}: model files are in {folder}")
        return
    if sample:
        _write_sample(sample, output)
        return
    presets = synth.find_presets()
    default = synth.default_voice(presets).name
    for preset in presets:
        ready, why = synth.availability(preset)
        mark = "*" if preset.name == default else " "
        rate = f"{preset.sample_rate} Hz" if preset.sample_rate else "?"
        tier = engine_for(preset).tier
        use = "commercial use" if preset.commercial_use else "NON-COMMERCIAL"
        state = "ready" if ready else f"cannot run here: {why}"
        click.echo(
            f"{mark} {preset.name:<10} {tier:<10} {rate:<9} {use:<14} {preset.licence}  [{state}]"
        )
    click.echo(f"\n* default: {synth.DEFAULT_RULE}.")


def _write_sample(name: str, output: Path | None) -> None:
    """``bulletin voices --sample NAME``: SAMPLE_TEXT, normalised, in voice NAME, as WAV."""
    import soundfile

    from bulletin import synth
    from bulletin.text import normalize

    preset = synth.resolve_voice(name)
    ready, why = synth.availability(preset)
    if not ready:
        raise BulletinError(f"voice {preset.name}: {why}")
    path = output or Path(f"{preset.name}-sample.wav")
    if path.suffix.lower() != ".wav" or path.is_dir():
        raise BulletinError(f"{path}: the sample is a WAV file; give a file name ending in .wav")
    if not path.parent.is_dir():
        raise BulletinError(f"{path}: cannot write the sample (no folder {path.parent})")
    voice = synth.load_voice(preset)
    result = voice.synthesize(normalize(SAMPLE_TEXT))
    from bulletin.fsutil import atomic_path, io_error

    try:  # a failed write leaves an older file of that name whole
        with atomic_path(path) as tmp:
            soundfile.write(str(tmp), result.samples, result.sample_rate, subtype="PCM_16")
    except (OSError, RuntimeError) as error:
        raise io_error(error, "writing the sample", [path.parent]) from None
    click.echo(f"{path}  {result.duration_s:.1f} s  {preset.name} ({preset.licence})")


@main.command()
@click.option("--cache-dir", type=click.Path(path_type=Path), help="Clip cache folder.")
@click.option("--clear", is_flag=True, help="Delete every cached clip.")
def cache(cache_dir: Path | None, clear: bool) -> None:
    """Show the clip cache's location and size, or clear it."""
    from bulletin import synth
    from bulletin.audio import ProgrammeCache

    folder = cache_dir or synth.default_cache_dir()
    programmes = ProgrammeCache(folder / "programmes")
    if clear:
        removed = synth.cache_clear(folder)
        masters = programmes.clear()
        click.echo(f"{folder}: removed {removed} clips and {masters} mastered programmes")
        return
    entries, size = synth.cache_info(folder)
    masters, master_bytes = programmes.info()
    click.echo(
        f"{folder}: {entries} clips, {size / 1e6:.1f} MB; "
        f"{masters} mastered programmes, {master_bytes / 1e6:.1f} MB"
    )


# --- bulletin serve: the web service (extra bulletin[serve]; see bulletin/web) ---------


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option("--config", type=click.Path(path_type=Path), help="Settings file [./bulletin.toml].")
@click.option("--data-dir", type=click.Path(path_type=Path), help="Articles and queue [data].")
@click.option("--workers", type=click.IntRange(1, 64), help="Worker processes making audio [1].")
@click.option("--no-auth", is_flag=True, help="Accept writes without a token (local use only).")
def serve(host, port, config, data_dir, workers, no_auth) -> None:
    """Make articles' audio over HTTP and serve it with an accessible player.

    Writes need a bearer token: BULLETIN_TOKEN, or [serve] token_file in bulletin.toml.
    """
    from bulletin import config as config_module
    from bulletin.web.settings import load_serve_settings

    path = config_module.find_config(config)
    settings = load_serve_settings(path, no_auth=no_auth, data_dir=data_dir, workers=workers)
    _shared_store(path)
    try:
        import uvicorn

        from bulletin.web.app import create_app
    except ImportError as error:
        raise BulletinError(
            f"serve needs the extra 'serve' ({error.name} is missing): "
            "pip install 'bulletin[serve]'"
        ) from None
    from dataclasses import replace

    settings = replace(settings, data_dir=settings.data_dir.resolve())
    if settings.cache_dir:
        settings = replace(settings, cache_dir=settings.cache_dir.resolve())
    from bulletin.jobs import queue_config, shown_url

    queue = queue_config(path).get("url")
    jobs = f"jobs on {shown_url(queue)}" if queue else f"{settings.workers} worker(s)"
    click.echo(
        f"bulletin serve: http://{host}:{port}/  data in {settings.data_dir}, "
        f"{jobs}{'' if settings.token else ', NO AUTH'}",
        err=True,
    )
    import signal

    from bulletin import lifecycle

    app = create_app(settings)
    # uvicorn takes SIGTERM and SIGINT itself: it shuts down (the queue's workers stop,
    # unfinished articles resume on the next start), then raises the signal again into
    # lifecycle's handler, which only notes it (the server is down): one line and exit
    # 128 + signal, as make and watch
    hung_up = []  # SIGHUP came first: the line and the exit status name it, not SIGTERM

    def hang_up(*_) -> None:
        if not lifecycle.stop_requested():
            hung_up.append(signal.SIGHUP)
        os.kill(os.getpid(), signal.SIGTERM)

    with lifecycle.stop_on_signals(interrupt=lambda: False):
        # SIGHUP (a closed terminal; not under nohup) stops the server as SIGTERM does
        if signal.getsignal(signal.SIGHUP) != signal.SIG_IGN:
            signal.signal(signal.SIGHUP, hang_up)
        uvicorn.run(app, host=host, port=port, log_level="warning")
        signum = hung_up[0] if hung_up else lifecycle.stop_requested()
    if signum:
        click.echo(
            f"bulletin serve: {lifecycle.Interrupted(signum)}; stopped; "
            f"{getattr(app.state, 'unfinished', 0)} article job(s) unfinished "
            "will resume on the next start",
            err=True,
        )
        sys.exit(128 + signum)


# --- Feeds and schedules (bulletin.feed, bulletin.schedule) ---------------------------------
# Each command imports its package inside the function, so `bulletin --help` stays fast.


def _feed_config(config: Path | None) -> Path:
    """bulletin.toml for the feed commands (checking that the ``feed`` extra is installed)."""
    import importlib.util

    from bulletin import config as config_module

    missing = [
        name
        for name in ("lxml", "PIL", "croniter", "filelock")
        if importlib.util.find_spec(name) is None
    ]
    if missing:
        raise BulletinError(
            f"feeds and schedules need {', '.join(missing)}: pip install 'bulletin[feed]'"
        )

    found = config_module.find_config(config)
    if found is None:
        raise BulletinError("bulletin.toml with a [feed] table is needed (or give --config)")
    return found


def publish_manifests(config: Path | None, manifests: list[Path]) -> None:
    """Add made bulletins (their manifests) to the programme folder; one line per episode."""
    from bulletin.feed import load_feed, publish

    settings = load_feed(_feed_config(config))
    added = publish(settings, manifests)
    for episode in added:
        click.echo(f"{settings.url(episode.audio)}  {episode.title}")
    if len(added) < len(manifests):
        click.echo(f"{len(manifests) - len(added)} already in the feed", err=True)
    click.echo(f"{settings.dir / 'feed.xml'}", err=True)


@main.command(name="publish")
@click.argument("manifests", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--config", type=click.Path(path_type=Path), help="Settings file [./bulletin.toml].")
def publish_command(manifests: tuple[Path, ...], config: Path | None) -> None:
    """Add made bulletins (MANIFEST.json from `bulletin make`) as episodes to the feed.

    Copies each bulletin's audio, captions, transcript and chapters into the programme
    folder ([feed] dir in bulletin.toml) and rewrites its feed.xml.
    """
    publish_manifests(config, list(manifests))


@main.command(name="run-schedule")
@click.option("--once", is_flag=True, required=True, help="Do one scheduled run now.")
@click.option("--at", "at_time", help="The run's time (ISO 8601) [now].")
@click.option("--config", type=click.Path(path_type=Path), help="Settings file [./bulletin.toml].")
@click.option(
    "-j", "--jobs", type=click.IntRange(1, 64), help="Processes for synthesis and encoding [cores]."
)
def run_schedule(once: bool, at_time: str | None, config: Path | None, jobs: int | None) -> None:
    """Do one scheduled run: the inbox's releases -> a bulletin -> the feed (for cron)."""
    from bulletin.schedule import run_once

    if at_time:
        from datetime import datetime

        try:
            datetime.fromisoformat(at_time)
        except ValueError:
            raise BulletinError(f"--at: not an ISO 8601 time ({at_time!r})") from None
    from bulletin import lifecycle

    path = str(_feed_config(config))
    _shared_store(Path(path))
    with lifecycle.stop_on_signals():
        try:
            report = run_once(path, at_time, jobs=jobs)
        except lifecycle.Interrupted as stop:
            click.echo(
                f"bulletin run-schedule: {stop} during the run; its releases wait in the inbox",
                err=True,
            )
            sys.exit(stop.exit_code)
    click.echo(report["message"])
    if report["error"]:
        sys.exit(1)


@main.command(name="watch")
@click.option("--config", type=click.Path(path_type=Path), help="Settings file [./bulletin.toml].")
@click.option(
    "-j", "--jobs", type=click.IntRange(1, 64), help="Processes for synthesis and encoding [cores]."
)
def watch_command(config: Path | None, jobs: int | None) -> None:
    """Run the [schedule] in the foreground (for systemd or a container) until SIGTERM.

    Logs one line per run. SIGTERM, SIGINT or SIGHUP stops it with exit status 128 + the
    signal's number; a run in progress stops too, and its releases wait in the inbox.
    With BULLETIN_QUEUE_URL set, each run is queued there for `bulletin worker`s instead.
    """
    import threading
    from datetime import datetime

    from bulletin import lifecycle
    from bulletin.schedule import SystemClock, watch

    path = str(_feed_config(config))

    def log(line: str) -> None:
        click.echo(line)
        sys.stdout.flush()

    _shared_store(Path(path))
    queue = _schedule_queue(Path(path))
    stop, running = threading.Event(), threading.Event()
    stamp = datetime.now().astimezone().strftime("%Y-%m-%d %H:%M")
    # a signal while waiting sets stop; during a run it raises Interrupted, so the run
    # cleans up now (bulletin.lifecycle: the one stop mechanism of every command)
    with lifecycle.stop_on_signals(stop=stop, interrupt=running.is_set):
        log(f"{stamp} watching {path}")
        try:
            watch(
                path, clock=SystemClock(), stop=stop, log=log, jobs=jobs, running=running,
                queue=queue,
            )  # fmt: skip
            what = "while waiting"
        except lifecycle.Interrupted:
            what = "during a run; its releases wait in the inbox"
        finally:
            if queue is not None:
                queue.close()
        signum = lifecycle.stop_requested()
    if signum:
        log(f"stopped by {lifecycle.Interrupted(signum).signal_name} {what}")
        sys.exit(128 + signum)


def _schedule_queue(config: Path):
    """The job queue that ``watch`` submits its runs to: the one at ``BULLETIN_QUEUE_URL``
    or ``[queue] url`` (workers on any machine, ``bulletin worker``), else None: runs are
    done in-process."""
    from bulletin.jobs import QueueSettings, open_queue, queue_config

    url = queue_config(config).get("url")
    if not url:
        return None
    try:
        return open_queue(QueueSettings(state_dir=config.parent / "queue", url=url))
    except ImportError as error:
        raise BulletinError(
            f"BULLETIN_QUEUE_URL: the queue needs the extra 'queue' ({error.name} is missing)"
        ) from None


# --- bulletin worker: a worker of the distributed queue (extra bulletin[queue]; bulletin/jobs) --


@main.command()
@click.option("--concurrency", default=1, show_default=True, type=click.IntRange(1, 256),
              help="Jobs this machine runs at once (one process each).")  # fmt: skip
@click.option("--voices", help="Comma-separated voices to take jobs for [every voice here].")
@click.option("--config", type=click.Path(path_type=Path), help="Settings file [./bulletin.toml].")
@click.option("--grace", default=60.0, show_default=True, type=click.FloatRange(0),
              help="Seconds a stopping worker may finish its job before it is stopped.")  # fmt: skip
@click.option("--max-jobs", type=click.IntRange(0),
              help="Jobs a worker process runs before it starts anew, 0: never "
                   "[[queue] max_jobs, else 500].")  # fmt: skip
def worker(concurrency, voices, config, grace, max_jobs) -> None:
    """Take jobs (articles, clips, scheduled runs) from Redis: [queue] url in bulletin.toml
    or BULLETIN_QUEUE_URL. The data folder and clip cache must be the server's (shared)."""
    from bulletin import config as config_module
    from bulletin.errors import ConfigError
    from bulletin.jobs import queue_config

    path = config_module.find_config(config)
    table = queue_config(path)
    if not table.get("url"):
        raise ConfigError(
            "worker: no queue; set [queue] url in bulletin.toml or BULLETIN_QUEUE_URL"
        )
    try:
        from bulletin.jobs.worker import run_workers, worker_queues
    except ImportError as error:
        raise BulletinError(
            f"worker needs the extra 'queue' ({error.name} is missing): "
            "pip install 'bulletin[queue]'"
        ) from None
    if max_jobs is not None:
        table["max_jobs"] = max_jobs
    names = [v.strip() for v in voices.split(",") if v.strip()] if voices else None
    queues = worker_queues(names, path)
    _shared_store(path)
    status = run_workers(
        table["url"], queues, concurrency=concurrency, options=table, config=path, grace_s=grace
    )
    sys.exit(status)
