"""The script: what will be heard, in order, as plain data (no audio).

The stories of a bulletin become a flat sequence of items: ``Speech`` (one sentence or headline, with
its written and spoken forms), ``Pause`` (silence, in milliseconds) and ``Sound`` (a
jingle or sting from a file), plus an optional music ``Bed`` under the whole programme.

>>> Speech(written="2022-жылы.", spoken="эки миң жыйырма экинчи жылы.", story=0, role="sentence")
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from bulletin.document import Story, spoken_heading

if TYPE_CHECKING:
    from bulletin.synth.voice import WordEvent

SpeechRole = Literal["headline", "subheading", "sentence"]
SoundRole = Literal["intro", "outro", "sting"]


@dataclass(frozen=True, slots=True)  # one per word or sentence: no __dict__ each
class Speech:
    """One sentence (or headline) to synthesise."""

    written: str  # as in the release: what captions and the transcript show
    spoken: str  # normalised: what the voice reads
    story: int  # index of the story it belongs to
    role: SpeechRole = "sentence"
    # 0: the sentence's first phrase (or all of it); n > 0: the n-th phrase after a breath
    # (same ``written``: captions and the manifest keep one cue per sentence)
    phrase: int = 0


@dataclass(frozen=True, slots=True)  # one per word or sentence: no __dict__ each
class Pause:
    """Silence of ``ms`` milliseconds; ``reason`` says which rule put it there."""

    ms: int
    reason: str = ""


@dataclass(frozen=True)
class Sound:
    """An audio file played as it is (jingle, sting), at its own loudness."""

    path: Path
    role: SoundRole


@dataclass(frozen=True)
class Bed:
    """Music under the whole programme, ducked while a voice speaks."""

    path: Path
    level_db: float = -18.0  # bed level between speech, relative to the file
    duck_db: float = -12.0  # extra attenuation under speech


Item = Speech | Pause | Sound


@dataclass(frozen=True, slots=True)  # one per word or sentence: no __dict__ each
class Clip:
    """A synthesised sentence on disk (the synthesis stage's output for one ``Speech``).

    ``path`` is a mono audio file soundfile can read (WAV); ``samples`` is its length
    at ``sample_rate`` (the voice's own rate), so the timeline can be laid out without
    reading the audio. ``words`` has one event per word of the spoken text
    (``spoken.split()``: index, start and end sample in this clip), or None when unknown;
    ``timing`` says where they come from: ``"engine"`` (the voice reported them) or
    ``"estimate"`` (shared out by letters and moved to the quiet moments of the audio).
    """

    path: Path
    samples: int
    sample_rate: int
    words: tuple[WordEvent, ...] | None = None
    timing: Literal["engine", "estimate"] | None = None


@dataclass(frozen=True)
class Mark:
    """A chapter starts at ``items[item_index]`` (the silence or sting before its speech)."""

    item_index: int
    title: str
    kind: Literal["intro", "story", "outro"] = "story"


@dataclass(frozen=True)
class Script:
    items: tuple[Item, ...]
    bed: Bed | None = None
    marks: tuple[Mark, ...] = ()


@dataclass(frozen=True)
class Pauses:
    """Silences a radio producer would choose, in milliseconds (``[pauses]`` in bulletin.toml).

    A pause replaces, never adds to, the one before it: after the last sentence of a
    paragraph comes ``paragraph_ms``, not ``sentence_ms + paragraph_ms``.
    """

    lead_in_ms: int = 500  # before the first sound
    headline_ms: int = 900  # after a story's headline
    subheading_ms: int = 700  # after a subheading inside a story
    sentence_ms: int = 450  # between sentences of a paragraph
    paragraph_ms: int = 800  # between paragraphs
    story_ms: int = 1500  # between stories (when no sting is set)
    jingle_ms: int = 300  # between a jingle or sting and speech
    lead_out_ms: int = 1000  # after the last sound
    phrase_ms: int = 200  # a breath inside a long sentence, at a clause boundary


@dataclass(frozen=True)
class Jingles:
    intro: Path | None = None
    outro: Path | None = None
    sting: Path | None = None  # between stories


def build_script(
    stories: Sequence[Story],
    normalise: Callable[[str], str],
    pauses: Pauses = Pauses(),
    jingles: Jingles = Jingles(),
    bed: Bed | None = None,
    *,
    phrase_breaks: bool = True,
) -> Script:
    """Lay out what will be heard: speech for every sentence, with pauses, jingles and marks.

    Sentences whose spoken form is empty (a lone dash, say) are left out. A long sentence
    is spoken as phrases with ``pauses.phrase_ms`` between them, cut at clause boundaries
    (:func:`bulletin.text.phrasing.split_phrases`; ``phrase_breaks=False``: never).

    >>> story = Story("Жаңылыктар", (Block("paragraph", ("5ке чейин.",)),))
    >>> build_script([story], normalize).items
    (Pause(500, 'lead-in'), Speech('Жаңылыктар', 'Жаңылыктар', 0, 'headline'),
     Pause(900, 'headline'), Speech('5ке чейин.', 'бешке чейин.', 0), Pause(1000, 'lead-out'))
    """
    items: list[Item] = [Pause(pauses.lead_in_ms, "lead-in")]
    marks: list[Mark] = []

    phrase_ms = pauses.phrase_ms if phrase_breaks else None

    def pause(ms: int, reason: str) -> None:
        if isinstance(items[-1], Pause):
            items.pop()
        items.append(Pause(ms, reason))

    if jingles.intro:
        marks.append(Mark(len(items) - 1, "Intro", "intro"))
        items.append(Sound(jingles.intro, "intro"))
        pause(pauses.jingle_ms, "after intro")
    for number, story in enumerate(stories):
        sting = jingles.sting if number else None
        if number:
            pause(
                pauses.jingle_ms if sting else pauses.story_ms, "before sting" if sting else "story"
            )
        marks.append(Mark(len(items) - 1, _story_title(story), "story"))
        if sting:
            items.append(Sound(sting, "sting"))
            pause(pauses.jingle_ms, "after sting")
        if story.headline:
            _speak(
                items,
                normalise(spoken_heading(story.headline)),
                story.headline,
                number,
                "headline",
                phrase_ms,
            )
            pause(pauses.headline_ms, "headline")
        for block in story.blocks:
            role = "subheading" if block.kind == "subheading" else "sentence"
            for sentence in block.sentences:
                text = spoken_heading(sentence) if role == "subheading" else sentence
                if _speak(items, normalise(text), sentence, number, role, phrase_ms):
                    pause(pauses.sentence_ms, "sentence")
            pause(pauses.subheading_ms if role == "subheading" else pauses.paragraph_ms, block.kind)
    if jingles.outro:
        pause(pauses.jingle_ms, "before outro")
        marks.append(Mark(len(items) - 1, "Outro", "outro"))
        items.append(Sound(jingles.outro, "outro"))
    pause(pauses.lead_out_ms, "lead-out")
    return Script(items=tuple(items), bed=bed, marks=tuple(marks))


def _speak(
    items: list[Item],
    spoken: str,
    written: str,
    story: int,
    role: SpeechRole,
    phrase_ms: int | None,
) -> bool:
    if not any(c.isalpha() for c in spoken):
        return False
    phrases = [spoken.strip()]
    if phrase_ms is not None:
        from bulletin.text.phrasing import split_phrases

        phrases = [p for p in split_phrases(spoken) if any(c.isalpha() for c in p)]
    for index, phrase in enumerate(phrases):
        if index:
            items.append(Pause(phrase_ms or 0, "phrase"))
        if index < len(phrases) - 1 and phrase[-1:].isalpha() and phrases[index + 1][0].isalpha():
            phrase += ","  # the voice's own continuation intonation before the breath
        items.append(Speech(written, phrase, story, role, index))
    return True


def _story_title(story: Story) -> str:
    if story.headline:
        return story.headline
    first = next((b.sentences[0] for b in story.blocks if b.sentences), "")
    return first if len(first) <= 60 else first[:57].rsplit(" ", 1)[0] + "…"
