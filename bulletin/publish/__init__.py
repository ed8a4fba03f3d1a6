"""Publish: tags + chapters in the audio file, captions, transcript, JSON chapters, manifest.

The only stage that knows file formats. Given a :class:`Programme` (times computed by the
timeline from exact sample offsets) it writes, each file atomically:

>>> write_tags(tmp_mp3, "mp3", programme)            # ID3v2.4 + CHAP/CTOC + USLT + APIC
>>> write_vtt(Path("out/release.vtt"), caption_cues(programme.cues))
>>> write_chapters_json(Path("out/release.chapters.json"), programme.chapters, programme.title)
"""

from bulletin.publish.captions import (
    CaptionCue,
    caption_cues,
    iter_caption_cues,
    render_srt,
    render_vtt,
    wrap_lines,
    write_srt,
    write_vtt,
)
from bulletin.publish.chapters import CHAPTERS_VERSION, chapters_json, write_chapters_json
from bulletin.publish.manifest import (
    MANIFEST_VERSION,
    build_manifest,
    render_manifest,
    write_manifest,
)
from bulletin.publish.programme import Chapter, Cue, Programme, SoundCue, Word
from bulletin.publish.tags import read_cover, vorbis_comments, write_tags
from bulletin.publish.transcript import render_transcript, transcript_text, write_transcript

__all__ = [
    "CHAPTERS_VERSION",
    "MANIFEST_VERSION",
    "CaptionCue",
    "Chapter",
    "Cue",
    "Programme",
    "SoundCue",
    "Word",
    "build_manifest",
    "caption_cues",
    "chapters_json",
    "iter_caption_cues",
    "read_cover",
    "render_manifest",
    "render_srt",
    "render_transcript",
    "render_vtt",
    "transcript_text",
    "vorbis_comments",
    "wrap_lines",
    "write_chapters_json",
    "write_manifest",
    "write_srt",
    "write_tags",
    "write_transcript",
    "write_vtt",
]
