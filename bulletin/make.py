"""``bulletin make``: one bulletin through every stage, from release files to published files.

read -> structure -> normalise -> script -> synthesise -> timeline -> master -> publish.
Each stage is called through its package's public API; this module only passes plain
data along and decides the output file names. The files of one bulletin are published
together or not at all (:class:`bulletin.outputs.OutputSet`); a stop signal
(:mod:`bulletin.lifecycle`) or an I/O error leaves ``out/`` and the cache as they were,
and removes this run's temporary files and work folder.

>>> make_bulletin(Job("release", (Path("examples/release.txt"),)), Settings(), preset, Path("out"))
Outcome(name='release', audio=Path('out/release.mp3'), duration_s=151.2, ...)
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bulletin import lifecycle
from bulletin.config import Settings
from bulletin.document import Bulletin, parse_release, read_release
from bulletin.errors import InputError, OutputError
from bulletin.fsutil import io_error
from bulletin.outputs import OutputSet, clean_output_folder
from bulletin.script import Clip, Script, Sound, Speech, build_script
from bulletin.spool import RecordSpool
from bulletin.text import Lexicon, normalize
from bulletin.workers import process_pool

if TYPE_CHECKING:
    from bulletin.audio import Timeline
    from bulletin.audio.timeline import Entry
    from bulletin.document import Story
    from bulletin.publish import Cue, Programme, Word
    from bulletin.synth import VoicePreset


@dataclass(frozen=True)
class Job:
    """One output programme made from one or more release files, in order."""

    name: str  # output file stem
    sources: tuple[Path, ...]


@dataclass(frozen=True)
class Outcome:
    name: str
    audio: Path
    files: dict[str, Path]
    duration_s: float
    loudness_lufs: float
    true_peak_dbtp: float
    sentences: int
    synthesised: int  # clips made now (the rest came from the cache)
    remastered: bool  # False when the mastered audio came from the programme cache
    not_read: tuple[str, ...] = ()  # runs left out of the spoken text (emoji, other scripts)


# (stage, done, total): "reading" 0/1 -> 1/1, "synthesis" in sentences, "mastering" and
# "encoding" in samples, "publishing" 0/1 -> 1/1
Progress = Callable[[str, int, int], None]
STAGES = ("reading", "synthesis", "mastering", "encoding", "publishing")
MAX_CHARS = 1_000_000  # characters of text per bulletin, unless told otherwise


def plan_jobs(files: Sequence[Path], *, combine: bool, name: str | None) -> list[Job]:
    """``a.txt b.txt`` -> two jobs; with ``combine`` one job named ``name`` (default: first stem)."""

    def stem(file: Path) -> str:  # standard input (-) is named stdin
        return "stdin" if str(file) == "-" else Path(file).stem

    if combine:
        return [Job(name or stem(files[0]), tuple(Path(f) for f in files))]
    if name and len(files) > 1:
        raise InputError(f"--name {name}: one name for {len(files)} files (add --combine)")
    if name:
        return [Job(name, (Path(files[0]),))]
    jobs = [Job(stem(f), (Path(f),)) for f in files]
    seen: dict[str, Path] = {}
    for job in jobs:  # a second job of one name would replace the first one's outputs
        if job.name in seen:
            raise InputError(
                f"{seen[job.name]}, {job.sources[0]}: both would be written as {job.name}.* "
                "(give them one by one with --name, or --combine them)"
            )
        seen[job.name] = job.sources[0]
    return jobs


def check_output_dir(out_dir: Path) -> None:
    """Fail early, before any synthesis, if ``out_dir`` cannot be created or written."""
    if os.path.lexists(out_dir) and not out_dir.is_dir():
        raise OutputError(f"{out_dir}: not a folder (a file, or a link to nowhere)")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out_dir, prefix=f".{lifecycle.temp_tag()}check."):
            pass
    except OSError as error:
        raise OutputError(f"{out_dir}: cannot write output here ({error.strerror})") from None


def clean_stale(out_dir: Path, cache_dir: Path | None) -> None:
    """Remove what dead runs left: finish their half-published sets and delete their
    temporary files in ``out_dir``, the cache and TMPDIR (only those provably dead, see
    :func:`bulletin.lifecycle.sweep`)."""
    clean_output_folder(out_dir)
    lifecycle.sweep(Path(tempfile.gettempdir()))
    if cache_dir is not None:
        lifecycle.sweep(Path(cache_dir))
        lifecycle.sweep(Path(cache_dir) / "programmes")


def read_bulletins(
    sources: Sequence[Path], max_chars: int | None = MAX_CHARS, stdin: str | None = None
) -> list[Bulletin]:
    """Read and parse each source (``-``: the text ``stdin``); more than ``max_chars``
    characters in all is refused before any work."""
    texts = []
    total = 0
    for path in sources:
        if str(path) == "-" and stdin is not None:
            text, name = stdin, "stdin"
        else:
            # 4 bytes a character at most (and a BOM): a bigger file is not even read
            limit = None if max_chars is None else 4 * max_chars + 4
            text, name = read_release(path, limit), path.name
        total += len(text)
        if max_chars is not None and total > max_chars:
            raise InputError(
                f"{name}: too long ({total:,} characters in this bulletin, the limit is "
                f"{max_chars:,}; raise it with --max-chars)"
            )
        texts.append((text, name))
    return [parse_release(text, name) for text, name in texts]


def _read_script(job: Job, settings: Settings, lexicon, max_chars, stdin):
    bulletins = read_bulletins(job.sources, max_chars, stdin)
    stories = [story for bulletin in bulletins for story in bulletin.stories]
    script = build_script(
        stories,
        lambda text: normalize(text, lexicon),
        pauses=settings.pauses,
        jingles=settings.jingles,
        bed=settings.bed,
    )
    return bulletins, stories, script


def spoken_texts(
    job: Job,
    settings: Settings,
    *,
    lexicon: Lexicon | None = None,
    max_chars: int | None = MAX_CHARS,
    stdin: str | None = None,
) -> list[str]:
    """The spoken text of each sentence :func:`make_bulletin` synthesises for ``job``, in
    order (to fill the clip cache ahead of a make, e.g. on other machines).

    >>> spoken_texts(Job("release", (Path("release.txt"),)), load_settings(None))[:1]
    ['Бишкекте бүгүн жыйырма беш градус жылуу болот.']
    """
    script = _read_script(job, settings, lexicon, max_chars, stdin)[2]
    return [item.spoken for item in script.items if isinstance(item, Speech)]


def make_bulletin(
    job: Job,
    settings: Settings,
    voice: VoicePreset,
    *,
    lexicon: Lexicon | None = None,
    cache_dir: Path | None = None,
    jobs: int | None = None,
    progress: Progress | None = None,
    pool: Executor | None = None,
    max_chars: int | None = MAX_CHARS,
    stdin: str | None = None,
    threads: bool = True,
) -> Outcome:
    """Read, speak, master and publish one job; its files appear in out_dir together.

    ``jobs`` processes share synthesis and encoding: the workers of ``pool``
    (:func:`bulletin.workers.process_pool`), or ones started here. ``progress(stage,
    done, total)`` follows the stages in :data:`STAGES`. A source ``-`` is the text
    ``stdin``. ``threads=False``: no helper threads beside the processes (mastering a
    short programme; see :func:`bulletin.audio.render`), for a caller whose other
    processes keep every core busy. An ``OSError`` or ``LibsndfileError`` on the output,
    cache or temporary folders becomes an :class:`OutputError` naming the path.
    """
    from bulletin import synth

    def report_stage(stage: str, done: int, total: int) -> None:
        lifecycle.check()  # a stop signal: take no more work
        if progress:
            progress(stage, done, total)

    report_stage("reading", 0, 1)
    bulletins, stories, script = _read_script(job, settings, lexicon, max_chars, stdin)
    speech_at = [i for i, item in enumerate(script.items) if isinstance(item, Speech)]
    texts = [script.items[i].spoken for i in speech_at]
    # the pool's workers start up (a Python, the voice) while this process loads the
    # audio modules below (scipy: ~0.7 s), when there is synthesis for them
    synth.start_workers(texts, voice, cache_dir=cache_dir, pool=pool)
    from bulletin import audio, publish

    # a missing or unreadable jingle, bed or cover fails before any synthesis
    jingles = settings.jingles
    for sound in (jingles.intro, jingles.outro, jingles.sting, settings.bed and settings.bed.path):
        if sound:
            audio.sound_info(sound)
    if settings.cover:
        publish.read_cover(settings.cover)

    report_stage("reading", 1, 1)

    stats: dict[str, int] = {}
    temp_root = Path(tempfile.gettempdir())
    out_dir = settings.out_dir
    stack = contextlib.ExitStack()  # one pool of workers for synthesis and mastering
    spools = contextlib.ExitStack()  # the cues and captions, on disk in the work folder
    folder = contextlib.ExitStack()  # the work folder itself, removed last
    outputs = OutputSet(out_dir, job.name)
    try:
        try:
            try:
                work = folder.enter_context(lifecycle.temporary_folder(lifecycle.temp_tag()))
            except OSError as error:
                raise io_error(error, "making the work folder", [temp_root]) from None
            if pool is None:
                pool = stack.enter_context(process_pool(jobs or 1))
            report_stage("synthesis", 0, len(texts))
            try:
                made = synth.synthesize_clips(
                    texts,
                    voice,
                    cache_dir=cache_dir or work / "clips",
                    jobs=jobs,
                    progress=lambda done: report_stage("synthesis", done, len(texts)),
                    stats=stats,
                    pool=pool,
                )
            except (OSError, _sound_error()) as error:
                raise io_error(error, "synthesising", [cache_dir, work]) from None
            clips: list[Clip | None] = [None] * len(script.items)
            for index, clip in zip(speech_at, made, strict=True):
                clips[index] = clip

            timeline = audio.build_timeline(script, clips, settings.output_rate)
            master = audio.MasterSettings(
                format=settings.format,
                target_lufs=settings.loudness,
                true_peak_dbtp=settings.true_peak,
                sample_rate=settings.output_rate,
                bitrate_kbps=settings.bitrate,
                channels=settings.channels,
            )
            audio_path = out_dir / f"{job.name}.{settings.format}"
            try:  # the cues and their words go to disk as they are made
                programme = _programme(
                    job, bulletins, stories, script, timeline, settings, clips=clips,
                    lexicon=lexicon, spool=spools.enter_context(RecordSpool(work)),
                )  # fmt: skip
            except OSError as error:
                raise io_error(error, "timing the cues", [work]) from None
            clips = _without_words(clips)  # the cues have them: mixing needs only the audio
            del made
            programmes = audio.ProgrammeCache(cache_dir / "programmes") if cache_dir else None
            key = programmes.key(timeline, script, clips, master) if programmes else ""
            files = {
                settings.format: audio_path,
                "vtt": out_dir / f"{job.name}.vtt",
                "srt": out_dir / f"{job.name}.srt",
                "transcript": out_dir / f"{job.name}.transcript.txt",
                "chapters": out_dir / f"{job.name}.chapters.json",
                "manifest": out_dir / f"{job.name}.json",
            }
            temps = {
                kind: outputs.add(path.name, manifest=kind == "manifest")
                for kind, path in files.items()
            }
            try:
                tmp = temps[settings.format]
                cached = programmes.get(key, settings.format) if programmes else None
                if cached:
                    shutil.copyfile(cached[0], tmp)
                    report = cached[1]
                else:
                    audio.check_space(timeline, master, work.parent, out_dir)  # TMPDIR, -o
                    report = audio.render(
                        timeline, script, clips, tmp, master, work_dir=work, jobs=jobs or 1,
                        pool=pool, progress=report_stage, threads=threads,
                    )  # fmt: skip
                    if programmes:
                        programmes.put(key, settings.format, tmp, report)
                publish.write_tags(tmp, settings.format, programme)
            except (OSError, _sound_error()) as error:
                raise io_error(error, "mastering", [work, out_dir]) from None
            stack.close()  # the workers are done: stop them before writing the rest
            report_stage("publishing", 0, 1)
            try:
                captions = spools.enter_context(RecordSpool(work))
                captions.extend(publish.iter_caption_cues(programme.cues))
                publish.write_vtt(temps["vtt"], captions)
                publish.write_srt(temps["srt"], captions)
                publish.write_transcript(temps["transcript"], programme)
                publish.write_chapters_json(temps["chapters"], programme.chapters, programme.title)
                manifest = publish.build_manifest(
                    programme,
                    voice=voice.name,
                    settings=_settings_record(settings),
                    loudness_lufs=report.integrated_lufs,
                    true_peak_dbtp=report.true_peak_dbtp,
                    files={kind: path.name for kind, path in files.items()},
                    checksums=outputs.checksums(),
                    stream=True,
                )
                publish.write_manifest(temps["manifest"], manifest)
            except OSError as error:
                raise io_error(error, "writing the outputs", [out_dir, work]) from None
            outputs.publish()
            if progress:
                progress("publishing", 1, 1)
        finally:
            with lifecycle.deferred():  # not cut by a stop signal: it is raised after
                stack.close()
                spools.close()
                outputs.discard()  # what was not published
                folder.close()
    except lifecycle.Interrupted as stop:
        stop.published = outputs.published  # what the one line says was left behind
        raise
    return Outcome(
        name=job.name,
        audio=audio_path,
        files=files,
        duration_s=report.duration_s,
        loudness_lufs=report.integrated_lufs,
        true_peak_dbtp=report.true_peak_dbtp,
        sentences=sum(1 for i in speech_at if not script.items[i].phrase),
        synthesised=stats.get("synthesised", len(texts)),
        remastered=cached is None,
        not_read=_not_read(script),
    )


def _without_words(clips: Sequence[Clip | None]) -> list[Clip | None]:
    """``clips`` without their word events (a clip shared by several items stays shared)."""
    bare: dict[int, Clip] = {}
    for clip in clips:
        if clip is not None and id(clip) not in bare:
            bare[id(clip)] = dataclasses.replace(clip, words=None)
    return [None if clip is None else bare[id(clip)] for clip in clips]


def _sound_error() -> type[Exception]:
    """soundfile's error class (what libsndfile raises on a full disk: "System error")."""
    import soundfile

    return getattr(soundfile, "LibsndfileError", RuntimeError)


_ORDINARY_SPACES = re.compile(r"[^\S\u00a0\u202f\u2007]+")  # whitespace but no-break spaces

#: A chapter mark sits inside the pause before its story: at least this far from the
#: speech or sound before it (a decoder that ignores the MP3 encoder delay must not play
#: the last word's tail) ...
CHAPTER_INSET_S = 0.1
#: ... and, in a long pause, this long before the story's first sound.
CHAPTER_LEAD_S = 0.3


def _programme(
    job: Job,
    bulletins: Sequence[Bulletin],
    stories: Sequence[Story],
    script: Script,
    timeline: Timeline,
    settings: Settings,
    *,
    clips: Sequence[Clip | None] = (),
    lexicon: Lexicon | None = None,
    spool: RecordSpool[Cue] | None = None,
) -> Programme:
    """Timeline sample offsets -> seconds for cues, their words and chapters; the written
    transcript. ``clips[i]`` is the clip of ``script.items[i]`` (word events). The cues
    go to ``spool`` as they are made (a long programme's cues and words are not held),
    and the programme's ``cues`` are the spool; without one, a tuple."""
    from bulletin.publish import Chapter, Cue, Programme, SoundCue

    rate = timeline.sample_rate
    starts = {entry.item_index: entry for entry in timeline.entries}
    sounds = []
    cues: list[Cue] | RecordSpool[Cue] = [] if spool is None else spool
    cue: Cue | None = None  # the sentence being read ...
    phrases: list[int] = []  # ... and its script items: the sentence's phrases

    def finish(cue: Cue, indexes: list[int]) -> None:
        parts = [(clips[i] if i < len(clips) else None, starts[i].start / rate) for i in indexes]
        words = _cue_words(cue, parts, lexicon)
        if words:
            cue = dataclasses.replace(cue, words=words, timing=parts[0][0].timing)
        cues.append(cue)

    for index, item in enumerate(script.items):
        entry = starts[index]
        if isinstance(item, Sound):
            end = (entry.start + entry.length) / rate
            sounds.append(SoundCue(entry.start / rate, end, item.role, item.path.name))
        elif isinstance(item, Speech) and item.phrase and cue is not None:
            cue = dataclasses.replace(  # the same sentence goes on
                cue,
                end_s=(entry.start + entry.length) / rate,
                spoken=f"{cue.spoken} {item.spoken}",
            )
            phrases.append(index)
        elif isinstance(item, Speech):
            if cue is not None:
                finish(cue, phrases)
            cue = Cue(
                start_s=entry.start / rate,
                end_s=(entry.start + entry.length) / rate,
                written=item.written,
                spoken=item.spoken,
                story=item.story,
                role=item.role,
            )
            phrases = [index]
    if cue is not None:
        finish(cue, phrases)
    chapter_starts = [_chapter_start(starts[mark.item_index], rate) for mark in script.marks]
    chapter_ends = [*chapter_starts[1:], timeline.length / rate]
    chapters = tuple(
        Chapter(start_s=start, end_s=end, title=mark.title)
        for mark, start, end in zip(script.marks, chapter_starts, chapter_ends, strict=True)
    )
    single = bulletins[0].title if len(bulletins) == 1 else None
    title = settings.title or single or settings.programme or job.name
    return Programme(
        title=title,
        artist=settings.effective_artist,
        album=settings.effective_album,
        date=datetime.date.today().isoformat(),
        genre=settings.genre,
        language="kir",
        comment=settings.comment,
        cover=settings.cover,
        duration_s=timeline.length / rate,
        cues=tuple(cues) if spool is None else spool,
        chapters=chapters,
        story_titles=tuple(mark.title for mark in script.marks if mark.kind == "story"),
        transcript=written_text(stories),
        sounds=tuple(sounds),
    )


def _chapter_start(entry: Entry, rate: int) -> float:
    """Where a chapter mark goes in the pause (``entry``) before its story: see
    :data:`CHAPTER_INSET_S`; the programme's first pause starts it at 0."""
    if entry.kind != "pause" or entry.start == 0:
        return entry.start / rate
    inset, lead = round(CHAPTER_INSET_S * rate), round(CHAPTER_LEAD_S * rate)
    if entry.length < 2 * inset:
        return (entry.start + entry.length // 2) / rate
    return min(max(entry.end - lead, entry.start + inset), entry.end - inset) / rate


def _cue_words(
    cue: Cue, parts: Sequence[tuple[Clip | None, float]], lexicon: Lexicon | None
) -> tuple[Word, ...]:
    """The written pieces of ``cue`` with programme times from its clips' word events
    (``parts``: each phrase's clip and start in seconds; empty when a clip has none)."""
    from bulletin.document import spoken_heading
    from bulletin.publish import Word
    from bulletin.text.alignment import align, align_words

    timed: list[tuple[float, float]] = []  # (start, end) of every spoken word, in seconds
    for clip, start_s in parts:
        if clip is None or not clip.words:
            return ()
        rate = clip.sample_rate
        timed += [(start_s + e.start / rate, start_s + e.end / rate) for e in clip.words]
    written = cue.written.split()
    spoken = cue.spoken.split()
    if len(timed) != len(spoken):
        return ()
    source = cue.written if cue.role == "sentence" else spoken_heading(cue.written)
    pieces = align(source, lexicon)
    # a phrase break ends its phrase's spoken text with a comma the normaliser did not write
    bare = [w.rstrip(",") for w in spoken]
    if [w.rstrip(",") for _, words in pieces for w in words] != bare or sum(
        len(piece.split()) for piece, _ in pieces
    ) != len(written):  # normalised differently (another lexicon): match the words
        pieces = align_words(written, spoken)
    # each piece as written (a rubric was lowered to be read; no-break spaces kept), and
    # as the voice was given it (with the phrase breaks' commas)
    spans = [m.span() for m in re.finditer(r"\S+", cue.written)]
    at, k, out, last = 0, 0, [], cue.start_s
    for piece, words in pieces:
        count = len(piece.split())
        text = cue.written[spans[at][0] : spans[at + count - 1][1]] if count else ""
        at += count
        events = timed[k : k + len(words)]
        said = spoken[k : k + len(words)]
        k += len(words)
        if events:
            begin, finish = events[0][0], max(end for _, end in events)
        else:
            begin = finish = last
        begin = min(max(begin, last), cue.end_s)
        finish = min(max(finish, begin), cue.end_s)
        out.append(Word(_ORDINARY_SPACES.sub(" ", text), " ".join(said), begin, finish))
        last = begin
    return tuple(out)


def _not_read(script: Script) -> tuple[str, ...]:
    """What the cleaner dropped from the sentences' spoken text, each run once, in order.

    >>> _not_read(script)   # of a release "Бүгүн 😀 Бишкекте 北京 жылуу."
    ('😀', '北京')
    """
    from bulletin.text import clean

    runs: dict[str, None] = {}
    for item in script.items:
        if isinstance(item, Speech) and not item.phrase:
            runs.update(dict.fromkeys(clean(item.written).dropped))
    return tuple(runs)


def written_text(stories: Sequence[Story]) -> str:
    """The written text as a reader sees it: each headline, then its paragraphs."""
    parts = []
    for story in stories:
        lines = [story.headline] if story.headline else []
        lines += [" ".join(block.sentences) for block in story.blocks]
        parts.append("\n\n".join(lines))
    return "\n\n\n".join(parts) + "\n"


def _settings_record(settings: Settings) -> dict[str, object]:
    """Settings as JSON-ready data for the manifest (paths as strings)."""

    def plain(value):
        if isinstance(value, Path):
            return str(value)
        if dataclasses.is_dataclass(value):
            return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return value

    record = {f.name: plain(getattr(settings, f.name)) for f in dataclasses.fields(settings)}
    record["sample_rate"] = settings.output_rate
    return record
