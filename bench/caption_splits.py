"""Where caption splits land against the voice's real word onsets (espeak-ng word events).

    python bench/caption_splits.py [FILES...]      (default: the corpus, voice ky-espeak)

Makes each release (WAV, exact sample times), then for every caption split inside a
sentence compares its time with the onset of the first word it shows, as espeak-ng
reports it (its WORD events, read here through its callback when the clip cache has no
engine events yet). Compared: the captions bulletin writes now (split between written
pieces, at word starts from the clips' word times) and the old proportional estimate (the
same sentences without word times). Also: how far the audio-based estimate
(:func:`bulletin.synth.timing.estimate_events`, used for voices that report no events)
lands from the real onsets, over every word.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bulletin.config import Settings  # noqa: E402
from bulletin.make import Job, make_bulletin  # noqa: E402
from bulletin.publish import Cue, Word, caption_cues  # noqa: E402
from bulletin.synth import resolve_voice  # noqa: E402
from bulletin.synth.timing import estimate_events, reindex_events  # noqa: E402
from bulletin.synth.voice import WordEvent  # noqa: E402
from bulletin.text.alignment import align  # noqa: E402

TOLERANCE_S = 0.03


class _Event(ctypes.Structure):  # espeak_EVENT
    _fields_ = [
        ("type", ctypes.c_int),
        ("unique_identifier", ctypes.c_uint),
        ("text_position", ctypes.c_int),
        ("length", ctypes.c_int),
        ("audio_position", ctypes.c_int),
        ("sample", ctypes.c_int),
        ("user_data", ctypes.c_void_p),
        ("id", ctypes.c_char * 8),
    ]


class EspeakWords:
    """espeak-ng samples and WORD events (sample offsets) for one text."""

    def __init__(self, rate: int) -> None:
        try:
            from bulletin.synth.espeak import engine
        except ImportError:  # engines moved into a package
            from bulletin.synth.engines.espeak import engine
        self.engine = engine()
        self.rate = rate
        self.events: list[tuple[int, int]] = []
        callback_type = ctypes.CFUNCTYPE(
            ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event)
        )
        self._callback = callback_type(self._on_audio)
        self.engine.lib.espeak_SetSynthCallback(self._callback)
        self.engine.synthesize("а", "ky", rate)  # warm up (the engine saves its state)

    def _on_audio(self, wav, n, events) -> int:  # noqa: ANN001 - ctypes callback
        if n > 0:
            self.engine._chunks.append(np.ctypeslib.as_array(wav, shape=(n,)).copy())
        i = 0
        while events[i].type != 0:
            if events[i].type == 1:  # espeakEVENT_WORD
                self.events.append((events[i].text_position, events[i].sample))
            i += 1
        return 0

    def words(self, text: str) -> tuple[np.ndarray, tuple[WordEvent, ...]]:
        self.events = []
        samples = self.engine.synthesize(text, "ky", self.rate)
        starts = []  # character offset (1-based in espeak) of each word
        at = 0
        for word in text.split():
            at = text.index(word, at)
            starts.append(at)
            at += len(word)
        onsets: dict[int, int] = {}
        for position, sample in self.events:
            k = max(i for i, s in enumerate(starts) if s <= max(position - 1, 0))
            onsets.setdefault(k, sample)
        out, ends = [], sorted(onsets.items())
        for (k, start), nxt in zip(ends, [*ends[1:], (None, len(samples))], strict=True):
            out.append(WordEvent(k, start, max(start, nxt[1])))
        return samples, tuple(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path)
    args = parser.parse_args()
    files = args.files or sorted((ROOT / "examples" / "corpus").glob("*.txt"))
    preset = resolve_voice("ky-espeak")
    espeak = EspeakWords(preset.rate or 175)
    errors: dict[str, list[float]] = {"now": [], "before": []}
    inside_piece = 0
    estimate_errors: list[float] = []
    timings: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp) / "cache"
        for path in files:
            out = Path(tmp) / "out"
            settings = Settings(out_dir=out, format="wav")
            make_bulletin(Job(path.stem, (path,)), settings, preset, cache_dir=cache, jobs=2)
            manifest = json.loads((out / f"{path.stem}.json").read_text(encoding="utf-8"))
            sentences = manifest["sentences"]
            onsets = []  # per sentence: programme time of each written word's first sound
            for s in sentences:
                timings[s["timing"]] = timings.get(s["timing"], 0) + 1
                respelled = preset.respell_text(s["spoken"])
                samples, truth = espeak.words(respelled)
                rate = espeak.engine.sample_rate
                truth = reindex_events(truth, respelled.split(), s["spoken"].split())
                guess = estimate_events(samples, rate, s["spoken"].split())
                known = {e.index: e.start for e in truth}
                estimate_errors += [
                    abs(g.start - known[g.index]) / rate for g in guess if g.index in known
                ]
                word_onsets: dict[int, float] = {}
                spoken_at = written_at = 0
                for piece, words in align(s["written"]):
                    if spoken_at in known:
                        word_onsets[written_at] = s["start_s"] + known[spoken_at] / rate
                    written_at += len(piece.split())
                    spoken_at += len(words)
                onsets.append(word_onsets)
            now = caption_cues(_timed(sentences))
            before = caption_cues([_plain(s) for s in sentences])
            for name, captions in (("now", now), ("before", before)):
                at, current = 0, -1
                for caption in captions:
                    if caption.sentence != current:
                        at, current = 0, caption.sentence
                    elif at in onsets[current]:
                        errors[name].append(abs(caption.start_s - onsets[current][at]))
                    else:
                        inside_piece += name == "before"
                        errors[name].append(float("inf"))  # split inside a piece: mid-word
                    at += len(caption.text.split())
    print(f"ky-espeak, {len(files)} releases; sentences by word timing {timings}")
    print(
        f"in-sentence caption splits against espeak-ng's word onsets (within {TOLERANCE_S * 1000:.0f} ms):"
    )
    for name, label in (("now", "word-timed (now)"), ("before", "proportional (before)")):
        e = np.array(errors[name])
        ok = int((e <= TOLERANCE_S).sum())
        finite = e[np.isfinite(e)]
        print(
            f"  {label:24s} {ok:4d} of {len(e):4d} on an onset; median error "
            f"{1000 * np.median(finite):.0f} ms"
        )
    print(f"  (before: {inside_piece} splits inside a piece read together, e.g. a number)")
    e = np.array(estimate_errors)
    print(
        f"audio-based estimate vs espeak-ng word onsets, every word: median {1000 * np.median(e):.0f} ms, "
        f"within {TOLERANCE_S * 1000:.0f} ms {100 * (e <= TOLERANCE_S).mean():.0f} %, n={len(e)}"
    )


def _plain(s: dict) -> Cue:
    return Cue(s["start_s"], s["end_s"], s["written"], s["spoken"], s["story"], s["role"])


def _timed(sentences: list[dict]) -> list[Cue]:
    return [
        Cue(
            s["start_s"],
            s["end_s"],
            s["written"],
            s["spoken"],
            s["story"],
            s["role"],
            words=tuple(
                Word(w["written"], w["spoken"], w["start_s"], w["end_s"]) for w in s["words"]
            ),
            timing=s["timing"],
        )
        for s in sentences
    ]


if __name__ == "__main__":
    main()
