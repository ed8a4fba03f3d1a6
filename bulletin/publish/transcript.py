"""The plain-text transcript that goes with every file (WCAG 1.2.1).

``write_transcript`` writes ``programme.transcript``, the written text with headlines as
the caller laid it out (headline on its own line, then its paragraphs), because only the
caller knows the paragraphs. If that is empty it falls back to :func:`render_transcript`,
which rebuilds it from the cues: per story its headline, a blank line, then its sentences
as one paragraph.

>>> render_transcript([Cue(0, 1, "Жаңы мектеп", "...", 0, "headline"),
...                    Cue(1, 3, "Бүгүн ачылды.", "...", 0, "sentence")], ("Жаңы мектеп",))
'Жаңы мектеп\\n\\nБүгүн ачылды.\\n'
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from bulletin.fsutil import atomic_path
from bulletin.publish.programme import Cue, Programme


def render_transcript(cues: Sequence[Cue], story_titles: Sequence[str] = ()) -> str:
    """Headline, blank line, sentences (one paragraph) per story, stories a blank line apart.

    A story's headline is its ``headline`` cue, or ``story_titles[story]`` if it has none.
    """
    stories: dict[int, tuple[list[str], list[str]]] = {}
    for cue in cues:
        text = " ".join(cue.written.split())
        if not text:
            continue
        headlines, sentences = stories.setdefault(cue.story, ([], []))
        (headlines if cue.role == "headline" else sentences).append(text)
    for index, title in enumerate(story_titles):
        if title.strip() and index in stories and not stories[index][0]:
            stories[index][0].append(" ".join(title.split()))
        elif title.strip() and index not in stories:
            stories[index] = ([" ".join(title.split())], [])
    blocks = []
    for index in sorted(stories):
        headlines, sentences = stories[index]
        block = "\n".join(headlines)
        if sentences:
            block = f"{block}\n\n{' '.join(sentences)}" if block else " ".join(sentences)
        blocks.append(block)
    return "\n\n".join(blocks) + "\n" if blocks else ""


def transcript_text(programme: Programme) -> str:
    """The transcript to publish: ``programme.transcript`` (newlines made ``\\n``, one final
    newline), or :func:`render_transcript` of the cues when it is empty."""
    text = programme.transcript.replace("\r\n", "\n").replace("\r", "\n").strip("\n")
    if not text.strip():
        return render_transcript(programme.cues, programme.story_titles)
    return text + "\n"


def write_transcript(path: Path, programme: Programme) -> None:
    """Write the transcript to ``path`` as UTF-8 (no BOM), atomically."""
    with atomic_path(Path(path)) as tmp:
        tmp.write_text(transcript_text(programme), encoding="utf-8", newline="\n")
