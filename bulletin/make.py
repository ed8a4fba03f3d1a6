"""``bulletin make``: one bulletin through every stage, from release files to published files.

read -> structure -> normalise -> script -> synthesise -> timeline -> master -> publish.
Each stage is called through its package's public API; this module only passes plain
data along and decides the output file names.

>>> make_bulletin(Job("release", (Path("examples/release.txt"),)), Settings(), preset, Path("out"))
Outcome(name='release', audio=Path('out/release.mp3'), duration_s=151.2, ...)
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import shutil
import tempfile
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bulletin.config import Settings
from bulletin.document import Bulletin, parse_release, read_release
from bulletin.errors import OutputError
from bulletin.fsutil import atomic_path
from bulletin.script import Clip, Script, Sound, Speech, build_script
from bulletin.text import Lexicon, normalize
from bulletin.workers import process_pool

if TYPE_CHECKING:
    from bulletin.audio import Timeline
    from bulletin.document import Story
    from bulletin.publish import Programme
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


Progress = Callable[[int, int], None]  # (done, total) sentences synthesised


def plan_jobs(files: Sequence[Path], *, combine: bool, name: str | None) -> list[Job]:
    """``a.txt b.txt`` -> two jobs; with ``combine`` one job named ``name`` (default: first stem)."""
    if combine:
        return [Job(name or Path(files[0]).stem, tuple(Path(f) for f in files))]
    if name and len(files) == 1:
        return [Job(name, (Path(files[0]),))]
    return [Job(Path(f).stem, (Path(f),)) for f in files]


def check_output_dir(out_dir: Path) -> None:
    """Fail early, before any synthesis, if ``out_dir`` cannot be created or written."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out_dir, prefix=".bulletin-check."):
            pass
    except OSError as error:
        raise OutputError(f"{out_dir}: cannot write output here ({error.strerror})") from None


def read_bulletins(sources: Sequence[Path]) -> list[Bulletin]:
    return [parse_release(read_release(path), path.name) for path in sources]


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
) -> Outcome:
    """Read, speak, master and publish one job; every file written atomically into out_dir.

    ``jobs`` processes share synthesis and encoding: the workers of ``pool``
    (:func:`bulletin.workers.process_pool`), or ones started here.
    """
    from bulletin import audio, publish, synth

    bulletins = read_bulletins(job.sources)
    stories = [story for bulletin in bulletins for story in bulletin.stories]
    script = build_script(
        stories,
        lambda text: normalize(text, lexicon),
        pauses=settings.pauses,
        jingles=settings.jingles,
        bed=settings.bed,
    )
    # a missing or unreadable jingle, bed or cover fails before any synthesis
    jingles = settings.jingles
    for sound in (jingles.intro, jingles.outro, jingles.sting, settings.bed and settings.bed.path):
        if sound:
            audio.sound_info(sound)
    if settings.cover:
        publish.read_cover(settings.cover)

    speech_at = [i for i, item in enumerate(script.items) if isinstance(item, Speech)]
    texts = [script.items[i].spoken for i in speech_at]
    stats: dict[str, int] = {}
    work = Path(tempfile.mkdtemp(prefix="bulletin-"))
    stack = contextlib.ExitStack()  # one pool of workers for synthesis and mastering
    try:
        if pool is None:
            pool = stack.enter_context(process_pool(jobs or 1))
        made = synth.synthesize_clips(
            texts,
            voice,
            cache_dir=cache_dir or work / "clips",
            jobs=jobs,
            progress=(lambda done: progress(done, len(texts))) if progress else None,
            stats=stats,
            pool=pool,
        )
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
        out_dir = settings.out_dir
        audio_path = out_dir / f"{job.name}.{settings.format}"
        programme = _programme(job, bulletins, stories, script, timeline, settings)
        programmes = audio.ProgrammeCache(cache_dir / "programmes") if cache_dir else None
        key = programmes.key(timeline, script, clips, master) if programmes else ""
        with atomic_path(audio_path) as tmp:
            cached = programmes.get(key, settings.format) if programmes else None
            if cached:
                shutil.copyfile(cached[0], tmp)
                report = cached[1]
            else:
                audio.check_space(timeline, master, work.parent, out_dir)  # TMPDIR, -o
                report = audio.render(
                    timeline, script, clips, tmp, master, work_dir=work, jobs=jobs or 1, pool=pool
                )
                if programmes:
                    programmes.put(key, settings.format, tmp, report)
            publish.write_tags(tmp, settings.format, programme)
    finally:
        stack.close()
        shutil.rmtree(work, ignore_errors=True)

    files = {
        settings.format: audio_path,
        "vtt": out_dir / f"{job.name}.vtt",
        "srt": out_dir / f"{job.name}.srt",
        "transcript": out_dir / f"{job.name}.transcript.txt",
        "chapters": out_dir / f"{job.name}.chapters.json",
        "manifest": out_dir / f"{job.name}.json",
    }
    captions = publish.caption_cues(programme.cues)
    publish.write_vtt(files["vtt"], captions)
    publish.write_srt(files["srt"], captions)
    publish.write_transcript(files["transcript"], programme)
    publish.write_chapters_json(files["chapters"], programme.chapters, programme.title)
    manifest = publish.build_manifest(
        programme,
        voice=voice.name,
        settings=_settings_record(settings),
        loudness_lufs=report.integrated_lufs,
        true_peak_dbtp=report.true_peak_dbtp,
        files={kind: path.name for kind, path in files.items()},
    )
    publish.write_manifest(files["manifest"], manifest)
    return Outcome(
        name=job.name,
        audio=audio_path,
        files=files,
        duration_s=report.duration_s,
        loudness_lufs=report.integrated_lufs,
        true_peak_dbtp=report.true_peak_dbtp,
        sentences=len(texts),
        synthesised=stats.get("synthesised", len(texts)),
        remastered=cached is None,
    )


def _programme(
    job: Job,
    bulletins: Sequence[Bulletin],
    stories: Sequence[Story],
    script: Script,
    timeline: Timeline,
    settings: Settings,
) -> Programme:
    """Timeline sample offsets -> seconds for cues and chapters; the written transcript."""
    from bulletin.publish import Chapter, Cue, Programme, SoundCue

    rate = timeline.sample_rate
    starts = {entry.item_index: entry for entry in timeline.entries}
    cues, sounds = [], []
    for index, item in enumerate(script.items):
        entry = starts[index]
        if isinstance(item, Sound):
            end = (entry.start + entry.length) / rate
            sounds.append(SoundCue(entry.start / rate, end, item.role, item.path.name))
        elif isinstance(item, Speech):
            cues.append(
                Cue(
                    start_s=entry.start / rate,
                    end_s=(entry.start + entry.length) / rate,
                    written=item.written,
                    spoken=item.spoken,
                    story=item.story,
                    role=item.role,
                )
            )
    chapter_starts = [starts[mark.item_index].start / rate for mark in script.marks]
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
        cues=tuple(cues),
        chapters=chapters,
        story_titles=tuple(mark.title for mark in script.marks if mark.kind == "story"),
        transcript=written_text(stories),
        sounds=tuple(sounds),
    )


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
