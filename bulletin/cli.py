"""The ``bulletin`` command: make, normalize, voices, cache.

Only this module knows about the terminal. Heavy modules (numpy, audio, voices) are
imported inside the commands that need them, so ``bulletin --help`` and
``bulletin normalize`` start fast, and torch/Coqui load only for a Coqui voice.

    $ bulletin make examples/release.txt
    out/release.mp3  2:31  -16.0 LUFS  -1.3 dBTP  (24 sentences, 24 synthesised)
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


class _Group(click.Group):
    """Turns a user-fixable :class:`BulletinError` into one line on stderr and exit 1."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except BulletinError as error:
            _fail(error)
            ctx.exit(1)


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
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
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
@click.option("--name", help="Output file stem for --combine (or a single file).")
@click.option("--config", type=click.Path(path_type=Path), help="Settings file [./bulletin.toml].")
@click.option(
    "--lexicon", type=click.Path(path_type=Path), help="Newsroom lexicon TSV [./lexicon.tsv]."
)
@click.option("--cache-dir", type=click.Path(path_type=Path), help="Clip cache folder.")
@click.option("--no-cache", is_flag=True, help="Neither read nor write the clip cache.")
@click.option(
    "-j", "--jobs", type=click.IntRange(1, 64), help="Processes for synthesis and encoding [cores]."
)
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
def make(files, out_dir, voice, fmt, loudness, bitrate, sample_rate, title, artist, album,
         combine, name, config, lexicon, cache_dir, no_cache, jobs, quiet) -> None:  # fmt: skip
    """Read FILES (Kyrgyz releases) and write podcast-ready audio, captions and a manifest.

    Writes OUT/<name>.mp3 with ID3 tags and chapters, .vtt and .srt captions, a
    transcript, Podcasting 2.0 chapters and a JSON manifest.
    """
    from bulletin import config as config_module
    from bulletin import make as pipeline
    from bulletin import synth
    from bulletin.workers import process_pool

    jobs = jobs or os.cpu_count() or 1
    # one pool for every bulletin of this run, shut down when the command ends
    pool = click.get_current_context().with_resource(process_pool(jobs))

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
    pipeline.check_output_dir(settings.out_dir)
    cache = None if no_cache else (cache_dir or synth.default_cache_dir())
    show_progress = not quiet and sys.stderr.isatty()

    failed = 0
    for job in pipeline.plan_jobs(files, combine=combine, name=name):
        bar = _ProgressBar(job.name) if show_progress else None
        try:
            outcome = pipeline.make_bulletin(
                job, settings, preset, lexicon=lexicon_table, cache_dir=cache,
                jobs=jobs, pool=pool, progress=bar.update if bar else None,
            )  # fmt: skip
        except BulletinError as error:
            failed += 1
            _fail(error)
            continue
        finally:
            if bar:
                bar.close()
        minutes, seconds = divmod(round(outcome.duration_s), 60)
        click.echo(
            f"{outcome.audio}  {minutes}:{seconds:02d}  {outcome.loudness_lufs:.1f} LUFS  "
            f"{outcome.true_peak_dbtp:.1f} dBTP  "
            f"({outcome.sentences} sentences, {outcome.synthesised} synthesised"
            f"{'' if outcome.remastered else ', master from cache'})"
            + ("" if preset.commercial_use else f"  voice {preset.name}: {preset.licence}")
        )
    if failed:
        sys.exit(1)


class _ProgressBar:
    """A click progress bar on stderr, opened when the first sentence is done."""

    def __init__(self, label: str) -> None:
        self.label, self.bar, self.done = label, None, 0

    def update(self, done: int, total: int) -> None:
        if self.bar is None:
            self.bar = click.progressbar(length=total, label=self.label, file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(done - self.done)
        self.done = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


@main.command()
@click.argument("file", type=click.Path(path_type=Path, allow_dash=True))
@click.option(
    "--explain", is_flag=True, help="List each token, the rule that read it and the result."
)
@click.option(
    "--lexicon", type=click.Path(path_type=Path), help="Newsroom lexicon TSV [./lexicon.tsv]."
)
def normalize(file: Path, explain: bool, lexicon: Path | None) -> None:
    """Print the spoken form of FILE (or - for standard input), one line per input line."""
    from bulletin.document import decode_release
    from bulletin.text import explain as explain_text
    from bulletin.text import normalize as normalize_text

    if str(file) == "-":
        with click.open_file("-", "rb") as stdin:
            data, name = stdin.read(), "<stdin>"
    else:
        try:
            data, name = file.read_bytes(), str(file)
        except OSError as error:
            raise BulletinError(f"{file}: cannot read ({error.strerror})") from None
    text = decode_release(data, name)
    table = _load_lexicon(default_lexicon(lexicon, None))
    if explain:
        for trace in explain_text(text, table):
            click.echo(f"{trace.written}\t{trace.spoken}\t{trace.rule}")
        return
    if text.endswith("\n"):
        text = text[:-1]
    click.echo(normalize_text(text, table))


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
    voice = synth.load_voice(preset)
    result = voice.synthesize(normalize(SAMPLE_TEXT))
    path = output or Path(f"{preset.name}-sample.wav")
    try:
        soundfile.write(str(path), result.samples, result.sample_rate, subtype="PCM_16")
    except (OSError, RuntimeError) as error:
        raise BulletinError(f"{path}: cannot write the sample ({error})") from None
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
