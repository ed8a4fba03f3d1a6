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


LONG = (
    "Министр жыйынга катышып, жаңы мыйзамдын долбоору талкууланып жатканын айтты "
    "жана ал долбоор жакында парламентке жөнөтүлөрүн билдирди."
)


def test_a_long_sentence_is_spoken_as_phrases_with_a_breath_between():
    story = Story(None, (Block("paragraph", (LONG, "Ал кетти.")),))
    script = build_script([story], str, pauses=Pauses(phrase_ms=180))
    assert kinds(script)[1:6] == [
        ("Speech", "sentence"),
        ("Pause", "phrase"),
        ("Speech", "sentence"),
        ("Pause", "sentence"),
        ("Speech", "sentence"),
    ]
    first, pause, second = script.items[1:4]
    assert pause.ms == 180
    assert first.written == second.written == LONG  # captions keep the whole sentence
    assert (first.phrase, second.phrase, script.items[5].phrase) == (0, 1, 0)
    assert first.spoken.endswith("айтты,")  # continuation intonation before the breath
    assert second.spoken.startswith("жана")
    assert build_script([story], str, phrase_breaks=False).items[1].spoken == LONG


def test_phrases_make_one_caption_cue_per_sentence():
    from bulletin.audio import build_timeline
    from bulletin.config import Settings
    from bulletin.document import Bulletin
    from bulletin.make import Job, _programme
    from bulletin.script import Clip

    story = Story("Башкы", (Block("paragraph", (LONG, "Ал кетти.")),))
    script = build_script([story], str)
    clips = [
        Clip(Path("unused.wav"), 22050, 22050) if isinstance(item, Speech) else None
        for item in script.items
    ]
    timeline = build_timeline(script, clips, 44100)
    bulletin = Bulletin("Башкы", (story,), "x.txt")
    programme = _programme(Job("x", ()), [bulletin], [story], script, timeline, Settings())
    cues = [cue for cue in programme.cues if cue.role == "sentence"]
    assert [cue.written for cue in cues] == [LONG, "Ал кетти."]
    # the first cue spans both phrases and the breath between them
    assert round(cues[0].end_s - cues[0].start_s, 6) == 1.0 + 0.2 + 1.0
    assert cues[0].spoken.count("айтты, жана") == 1


def test_hostile_releases_give_bounded_synthesis_units():
    from bulletin.document import parse_release
    from bulletin.text import normalize

    words = ["жаңы", "мектеп", "ачылып", "балдар", "окушат", "жана", "мугалимдер", "иштешет"]
    no_punctuation = " ".join(words[i % len(words)] for i in range(40_000))  # 300 KB, one line
    digits = "Бюджет " + "7" * 100_000 + " сом болду."
    for text in (no_punctuation, digits):
        bulletin = parse_release(text, "x.txt")
        script = build_script(bulletin.stories, normalize)
        speech = [item for item in script.items if isinstance(item, Speech)]
        assert max(len(item.spoken) for item in speech) <= 100
        assert max(len(item.written) for item in speech) <= 300
        assert sum(len(item.spoken) for item in speech) < 2 * len(text)
