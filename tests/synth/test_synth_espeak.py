"""The embedded espeak-ng voice."""

from __future__ import annotations

import subprocess
import sys

import numpy as np

from bulletin.synth import load_voice, resolve_voice
from bulletin.synth.engines.espeak import EspeakVoice, engine

SENTENCE = "Бүгүн Бишкекте аба ырайы жылуу болот, күндүз жыйырма беш гырадус."


def test_audio_of_plausible_length() -> None:
    voice = EspeakVoice(rate=160)
    audio = voice.synthesize(SENTENCE).samples
    assert voice.sample_rate == 22050
    assert audio.dtype == np.float32 and audio.ndim == 1
    seconds = len(audio) / voice.sample_rate
    assert 2.5 < seconds < 9, seconds  # ~65 characters at 160 words a minute
    assert 0.05 < float(np.abs(audio).max()) <= 1.0
    assert voice.synthesize("").samples.size == 0
    assert voice.synthesize("   ").samples.size == 0


def test_rate_changes_length() -> None:
    slow = len(EspeakVoice(rate=100).synthesize(SENTENCE).samples)
    fast = len(EspeakVoice(rate=250).synthesize(SENTENCE).samples)
    assert fast < 0.7 * slow


def test_same_text_same_samples_whatever_came_before() -> None:
    voice = EspeakVoice(rate=160)
    first = voice.synthesize(SENTENCE)
    voice.synthesize("Өкмөт жаңы мыйзам долбоорун талкуулады.")
    again = voice.synthesize(SENTENCE)
    assert np.array_equal(first.samples, again.samples) and first.words == again.words
    assert engine().deterministic


def test_gr_respelling_keeps_the_g() -> None:
    voice = EspeakVoice()
    assert voice.phonemes("градус").startswith("r")  # espeak drops the г
    respelled = resolve_voice("ky-espeak").respell_text("градус")
    assert voice.phonemes(respelled).startswith("ʁ")


def test_load_voice_applies_respell() -> None:
    voice = load_voice(resolve_voice("ky-espeak"))
    assert voice.name == "ky-espeak" and voice.sample_rate == 22050
    direct = voice.engine.synthesize("5 гырадус").samples
    assert np.array_equal(voice.synthesize("5 градус").samples, direct)


def test_import_and_espeak_leave_torch_out() -> None:
    code = (
        "import sys\n"
        "import bulletin.synth as s\n"
        "s.load_voice(s.resolve_voice('ky-espeak')).synthesize('салам')\n"
        "s.resolve_voice(None)\n"
        "print(sorted(m for m in ('torch', 'TTS', 'rhvoice_wrapper_bin') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_clip_does_not_depend_on_rates_used_before_in_the_process() -> None:
    """A worker that spoke at another rate first (another preset) makes the same clip."""
    code = (
        "import sys, hashlib\n"
        "from bulletin.synth.engines.espeak import EspeakVoice\n"
        "if sys.argv[1] != '-': EspeakVoice(rate=int(sys.argv[1])).synthesize('Салам, дүйнө.')\n"
        f"audio = EspeakVoice(rate=160).synthesize({SENTENCE!r}).samples\n"
        "print(hashlib.sha256(audio.tobytes()).hexdigest())\n"
    )
    digests = {
        first: subprocess.run(
            [sys.executable, "-c", code, first], capture_output=True, text=True, check=True
        ).stdout
        for first in ("-", "100", "250")
    }
    assert len(set(digests.values())) == 1, digests
