"""The player page: the audio, its captions, and the transcript, one control per sentence.

One self-contained HTML page (its CSS and few KB of script inline, no framework) made
from a bulletin's manifest and transcript. ``bulletin serve`` answers it at
``/listen/{id}``; ``bulletin make --player`` writes it as ``out/NAME.html`` beside
``NAME.mp3`` and ``NAME.vtt``. Without JavaScript the audio (native controls, captions)
and the transcript are all there, and each sentence links to its time in the MP3
(``NAME.mp3#t=12.5``); with it, a sentence seeks the player and the one being spoken
(and, when the manifest has word times, the word) is highlighted with ``aria-current``.
Imports nothing from the web server, so ``make`` can use it.

>>> html = render_page(manifest, transcript, audio="release.mp3", captions="release.vtt")
>>> '<html lang="ky">' in html
True
"""

from __future__ import annotations

import base64
import hashlib
import html
from collections.abc import Mapping, Sequence
from functools import cache
from importlib import resources
from pathlib import Path
from string import Template

from bulletin.fsutil import atomic_path

RATES = (0.75, 1.0, 1.25, 1.5, 1.75, 2.0)
DOWNLOAD_LABEL = "{kind} жүктөп алуу"  # "MP3 жүктөп алуу": download the MP3
CHAPTERS_LABEL = "Мазмуну"


@cache
def _asset(name: str) -> str:
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


def asset_hashes() -> dict[str, str]:
    """CSP hashes of the inline script and style: ``{"script": "'sha256-...'", ...}``."""

    def digest(text: str) -> str:
        return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"

    return {"script": digest(_asset("player.js")), "style": digest(_asset("player.css"))}


def render_page(
    manifest: Mapping,
    transcript: str | None,
    *,
    audio: str,
    captions: str,
    download_name: str | None = None,
) -> str:
    """The page for one bulletin; ``audio`` and ``captions`` are URLs (relative or absolute)."""
    esc = html.escape
    title = manifest.get("title") or "Bulletin"
    sentences = list(manifest.get("sentences") or [])
    stories = _stories(manifest, sentences, transcript)
    single_headline = len(stories) == 1 and stories[0][0] is not None
    heading = (
        _sentence(stories[0][0], audio) if single_headline else esc(title)
    )  # a single story's headline is the page's heading, and a control like any sentence
    parts = []
    for headline, paragraphs in stories:
        if headline is not None and not single_headline:
            parts.append(f"<h2>{_sentence(headline, audio)}</h2>")
        for paragraph in paragraphs:
            inner = " ".join(_sentence(s, audio) for s in paragraph)
            tag = "h3" if paragraph and paragraph[0].get("role") == "subheading" else "p"
            parts.append(f"<{tag}>{inner}</{tag}>")
    rates = "".join(
        f'<option value="{rate:g}"{" selected" if rate == 1.0 else ""}>{rate:g}×</option>'
        for rate in RATES
    )
    return Template(_asset("page.html")).substitute(
        title=esc(title),
        heading=heading,
        style=_asset("player.css"),
        script=_asset("player.js"),
        audio=esc(audio),
        captions=esc(captions),
        rates=rates,
        download_label=DOWNLOAD_LABEL.format(kind=esc(_kind(audio))),
        download_name=esc(download_name or Path(audio.split("?")[0]).name),
        chapters=_chapters(manifest, audio),
        body="\n".join(parts),
    )


def _kind(audio: str) -> str:
    """``"out/a.mp3?v=2"`` -> ``"MP3"``."""
    suffix = Path(audio.split("?")[0].split("#")[0]).suffix
    return suffix[1:].upper() or "MP3"


def write_page(path: Path, manifest: Mapping, transcript: str | None, **urls: str) -> Path:
    """Write the page to ``path`` atomically (``bulletin make --player``)."""
    page = render_page(manifest, transcript, **urls)
    with atomic_path(Path(path)) as tmp:
        tmp.write_text(page, encoding="utf-8", newline="\n")
    return Path(path)


def _time(seconds: float | None) -> str:
    return f"{float(seconds or 0.0):.3f}".rstrip("0").rstrip(".") or "0"


def _sentence(sentence: Mapping, audio: str) -> str:
    """``<a class="s" id="s3" href="a.mp3#t=12.5" data-start=.. data-end=..>text</a>``."""
    esc = html.escape
    start, end = _time(sentence.get("start_s")), _time(sentence.get("end_s"))
    index = int(sentence.get("index", 0))
    href = f"{audio.split('#')[0]}#t={start}"
    return (
        f'<a class="s" id="s{index}" href="{esc(href)}" data-start="{start}" '
        f'data-end="{end}">{_words(sentence)}</a>'
    )


def _words(sentence: Mapping) -> str:
    """The written sentence, each timed word in a span when the manifest has word times."""
    esc = html.escape
    text = str(sentence.get("written", ""))
    words = sentence.get("words") or []
    out, at = [], 0
    for word in words:
        if not isinstance(word, Mapping):
            return esc(text)
        written = word.get("written") or word.get("text") or word.get("word")
        if not written or word.get("start_s") is None or word.get("end_s") is None:
            return esc(text)
        found = text.find(str(written), at)
        if found < 0:
            return esc(text)  # word times that do not fit the text: sentence-level only
        out.append(esc(text[at:found]))
        start, end = _time(word["start_s"]), _time(word["end_s"])
        out.append(f'<span class="w" data-start="{start}" data-end="{end}">{esc(written)}</span>')
        at = found + len(str(written))
    out.append(esc(text[at:]))
    return "".join(out)


def _chapters(manifest: Mapping, audio: str) -> str:
    chapters = list(manifest.get("chapters") or [])
    if len(chapters) < 2:
        return ""
    items = []
    for chapter in chapters:
        start = _time(chapter.get("start_s"))
        minutes, seconds = divmod(round(float(chapter.get("start_s") or 0)), 60)
        href = html.escape(f"{audio.split('#')[0]}#t={start}")
        items.append(
            f'<li><a class="c" href="{href}" data-start="{start}" '
            f'data-end="{_time(chapter.get("end_s"))}">{html.escape(str(chapter.get("title")))}'
            f"</a> <span>{minutes}:{seconds:02d}</span></li>"
        )
    return (
        '<nav class="chapters" aria-labelledby="chapters-heading">'
        f'<h2 id="chapters-heading">{CHAPTERS_LABEL}</h2><ol>{"".join(items)}</ol></nav>'
    )


def _stories(
    manifest: Mapping, sentences: Sequence[Mapping], transcript: str | None
) -> list[tuple[Mapping | None, list[list[Mapping]]]]:
    """Sentences grouped as the reader sees them: per story, its headline and paragraphs.

    The manifest has no paragraphs; the transcript has them (stories apart by two blank
    lines, paragraphs by one), so sentences are laid into the transcript's paragraphs in
    order. If they do not fit (an older transcript), each story is one paragraph.
    """
    by_story: dict[int, list[Mapping]] = {}
    for sentence in sentences:
        by_story.setdefault(int(sentence.get("story", 0)), []).append(sentence)
    story_texts = transcript.strip("\n").split("\n\n\n") if transcript else []
    result = []
    for number, story in by_story.items():
        headline = story[0] if story[0].get("role") == "headline" else None
        body = story[1:] if headline else story
        blocks = story_texts[number].split("\n\n") if number < len(story_texts) else []
        if headline and blocks and blocks[0].strip() == str(headline.get("written", "")).strip():
            blocks = blocks[1:]
        result.append((headline, _paragraphs(body, blocks)))
    return result


def _paragraphs(sentences: Sequence[Mapping], blocks: Sequence[str]) -> list[list[Mapping]]:
    paragraphs: list[list[Mapping]] = []
    queue = list(sentences)
    for block in blocks:
        rest, paragraph = " ".join(block.split()), []
        while queue and rest:
            written = " ".join(str(queue[0].get("written", "")).split())
            if not written or not rest.startswith(written):
                return [list(sentences)]
            paragraph.append(queue.pop(0))
            rest = rest[len(written) :].lstrip()
        if rest:
            return [list(sentences)]
        if paragraph:
            paragraphs.append(paragraph)
    if queue:
        return [list(sentences)]
    return paragraphs
