"""The script stage: pauses, jingles and chapter marks laid out from the structure."""

from __future__ import annotations

from pathlib import Path

from bulletin.document import Block, Story
from bulletin.script import Jingles, Pause, Pauses, Sound, Speech, build_script


def upper(text: str) -> str:  # a stand-in normaliser that shows where it was applied
    return text.upper()


STORIES = [
    Story(
        "Аба ырайы",
        (Block("paragraph", ("Жаан жаайт.", "Шамал согот.")), Block("subheading", ("Тоолор",))),
    ),
    Story(None, (Block("paragraph", ("Балбандар жеңди.",)),)),
]


def kinds(script):
    return [
        (type(i).__name__, getattr(i, "reason", getattr(i, "role", None))) for i in script.items
    ]


def test_pauses_replace_each_other_and_speech_is_normalised():
    script = build_script(STORIES, upper)
    assert kinds(script) == [
        ("Pause", "lead-in"),
        ("Speech", "headline"),
        ("Pause", "headline"),
        ("Speech", "sentence"),
        ("Pause", "sentence"),
        ("Speech", "sentence"),
        ("Pause", "paragraph"),
        ("Speech", "subheading"),
        ("Pause", "story"),
        ("Speech", "sentence"),
        ("Pause", "lead-out"),
    ]
    speech = [i for i in script.items if isinstance(i, Speech)]
    assert speech[1] == Speech("Жаан жаайт.", "ЖААН ЖААЙТ.", 0, "sentence")
    assert speech[-1].story == 1
    assert [p.ms for p in script.items if isinstance(p, Pause)][:3] == [500, 900, 450]


def test_story_marks_point_at_the_silence_before_each_story():
    script = build_script(STORIES, upper)
    assert [(m.title, m.kind) for m in script.marks] == [
        ("Аба ырайы", "story"),
        ("Балбандар жеңди.", "story"),
    ]
    for mark in script.marks:
        assert isinstance(script.items[mark.item_index], Pause)
        following = script.items[mark.item_index + 1]
        assert isinstance(following, Speech) and following.story == script.marks.index(mark)


def test_jingles_and_stings_have_their_own_marks():
    jingles = Jingles(intro=Path("intro.wav"), outro=Path("outro.wav"), sting=Path("sting.wav"))
    script = build_script(STORIES, upper, Pauses(jingle_ms=250), jingles)
    sounds = [(i.role, n) for n, i in enumerate(script.items) if isinstance(i, Sound)]
    assert [role for role, _ in sounds] == ["intro", "sting", "outro"]
    assert [m.kind for m in script.marks] == ["intro", "story", "story", "outro"]
    sting_at = sounds[1][1]
    assert script.items[sting_at - 1] == Pause(250, "before sting")
    assert script.items[sting_at + 1] == Pause(250, "after sting")


def test_sentences_without_words_are_not_spoken():
    story = Story(None, (Block("paragraph", ("—", "Ооба.")),))
    script = build_script([story], upper)
    assert [i.written for i in script.items if isinstance(i, Speech)] == ["Ооба."]
