"""The embedded Kyrgyz voice: libespeak-ng in-process through ctypes.

Library and data come from the ``espeakng-loader`` wheel, so ``pip install`` alone gives a
working voice: no apt, no subprocess. libespeak-ng keeps global state, so there is one
engine per process, initialised once and used under a lock (parallelism comes from
processes, see :func:`bulletin.synth.synthesize_clips`).

>>> voice = EspeakVoice(rate=160)
>>> result = voice.synthesize("Салам, дүйнө!")   # float32 mono in [-1, 1], 22050 Hz
>>> result.sample_rate, [(w.index, w.start) for w in result.words]
(22050, [(0, 0), (1, 16413)])

Word events come from espeak's ``espeakEVENT_WORD`` (character position and sample
count of each word start); a word ends where the next starts, less trailing silence.
An exception raised inside the audio callback (Ctrl-C, a signal handler) stops the
synthesis there and is raised again once espeak has returned, so no partial clip is
ever returned.
"""

from __future__ import annotations

import ctypes
import importlib.metadata
import struct
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from bulletin.errors import VoiceError
from bulletin.synth.engines import Engine, callback_guard, process_wide, word_events, word_index
from bulletin.synth.voice import Synthesis

if TYPE_CHECKING:
    from bulletin.synth.presets import VoicePreset

AUDIO_OUTPUT_SYNCHRONOUS = 2
ESPEAK_CHARS_UTF8 = 1
ESPEAK_INITIALIZE_DONT_EXIT = 0x8000
ESPEAK_RATE = 1
POS_CHARACTER = 1
PHONEMES_IPA = 0x02
DEFAULT_RATE = 175

ESPEAK_EVENT_LIST_TERMINATED = 0
ESPEAK_EVENT_WORD = 1


class _Event(ctypes.Structure):
    """espeak_EVENT (speak_lib.h); ``sample`` counts samples from the utterance's start."""

    _fields_ = [
        ("type", ctypes.c_int),
        ("unique_identifier", ctypes.c_uint),
        ("text_position", ctypes.c_int),  # 1-based, in characters (espeakCHARS_UTF8)
        ("length", ctypes.c_int),
        ("audio_position", ctypes.c_int),  # ms
        ("sample", ctypes.c_int),
        ("user_data", ctypes.c_void_p),
        ("id", ctypes.c_void_p),  # a union of int, const char* and char[8]
    ]


_SYNTH_CB = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event)
)


# libespeak-ng carries synthesis state from one utterance to the next (pitch flutter
# phase, glottal wave phase, echo buffer, formant peaks, frame and command ring
# positions, the phoneme table and dictionary a spelled letter switched to, number
# reading flags), so the same sentence comes out slightly different depending on what was
# said before it (a lone "Ж." after a sentence with "48" did). For clips that depend only on their text (identical whatever the
# number of worker processes), these file-local variables are saved once after the voice
# is set up and put back before every utterance. Only plain numbers and arrays of them
# (and wvoice, which always points at the static voice) are restored; pointers to heap
# memory are not. Their addresses come from the library's ELF symbol table; where it is
# stripped, output is still correct, just history-dependent.
# Bumped when _RESET_STATE changes: clips made before may have depended on history.
ESPEAK_STATE_REVISION = 3  # 3: the saved state is per (voice, rate), made from start-up
_RESET_STATE = frozenset(
    [
        "Flutter_ix",
        "amp_inc",
        "amp_ix",
        "amplitude2",
        "cbytes",
        "clause_start_char",
        "clause_start_word",
        "count_characters",
        "count_samples",
        "count_words",
        "cycle_count",
        "cycle_samples",
        "dictionary_name",
        "digit_lookup",
        "echo_buf",
        "echo_head",
        "echo_tail",
        "end_wave",
        "frame_pool",
        "frames_buf",
        "glottal_flag",
        "glottal_reduce",
        "h_switch_sign",
        "harm_inc",
        "harmspect",
        "hf_factor",
        "hspect",
        "hswitch",
        "ix",
        "last_amp_cmd",
        "last_pitch_cmd",
        "last_primary",
        "maxh",
        "maxh2",
        "minus_pi_t",
        "modulation_type",
        "n_ph_list2",
        "n_samples",
        "nsamples",
        "number_pre",
        "peak_harmonic",
        "peak_height",
        "peaks",
        "ph_list2",
        "phaseinc",
        "phoneme_list",
        "phoneme_tab",
        "phoneme_tab_number",
        "rbreath",
        "samplecount",
        "samplecount_start",
        "seq_len_adjust",
        "source",
        "sourceix",
        "speak_missing_thousands",
        "syllable_end",
        "syllable_start",
        "tone_posn",
        "tone_posn2",
        "two_pi_t",
        "wavephase",
        "wcmdq",
        "wcmdq_head",
        "wcmdq_tail",
        "wdata",
        "word_count",
        "word_phonemes",
        "worddata",
        "wvoice",
    ]
)


def _state_symbols(library: Path, anchor: str) -> tuple[int, list[tuple[int, int]]] | None:
    """(offset of ``anchor``, [(offset, size)] of the state variables) from the ELF symtab."""
    try:
        data = library.read_bytes()
        if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:  # 64-bit little-endian
            return None
        (shoff,) = struct.unpack_from("<Q", data, 0x28)
        shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
        sections = [
            struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)
        ]
        symbol = np.dtype(
            [("name", "<u4"), ("info", "u1"), ("other", "u1"), ("shndx", "<u2"),
             ("value", "<u8"), ("size", "<u8")]
        )  # fmt: skip
        wanted = {name.encode() for name in _RESET_STATE} | {anchor.encode()}
        anchor_at = None
        found: list[tuple[int, int]] = []
        for _, kind, _, _, offset, size, link, _, _, entsize in sections:
            if kind != 2 or entsize != symbol.itemsize:  # SHT_SYMTAB
                continue
            table = np.frombuffer(data, symbol, count=size // entsize, offset=offset)
            strings = sections[link][4]
            kinds = table["info"] & 0xF  # 1 = STT_OBJECT, 2 = STT_FUNC
            keep = (table["size"] > 0) & ((kinds == 1) | (kinds == 2))
            for name_at, kind, value, length in zip(
                table["name"][keep].tolist(),
                kinds[keep].tolist(),
                table["value"][keep].tolist(),
                table["size"][keep].tolist(),
                strict=True,
            ):
                start = strings + name_at
                name = data[start : data.index(b"\0", start)]
                if kind == 2:
                    if name == anchor.encode():
                        anchor_at = value
                elif name.split(b".")[0] in wanted:
                    found.append((value, length))
        if anchor_at is None or not found:
            return None
        return anchor_at, found
    except (OSError, ValueError, struct.error, IndexError):
        return None


def espeak_problem() -> str | None:
    """Why the embedded voice cannot run here, or ``None`` when it can."""
    try:
        import espeakng_loader
    except ImportError:
        return "espeak-ng is missing: pip install espeakng-loader"
    lib = Path(espeakng_loader.get_library_path())
    data = Path(espeakng_loader.get_data_path())
    if not lib.is_file():
        return f"libespeak-ng missing at {lib}: reinstall espeakng-loader"
    if not (data / "ky_dict").is_file():
        return f"Kyrgyz espeak-ng data missing in {data}: reinstall espeakng-loader"
    return None


class _Engine:
    """The process's one libespeak-ng instance (use :func:`engine`)."""

    def __init__(self) -> None:
        problem = espeak_problem()
        if problem:
            raise VoiceError(problem)
        import espeakng_loader

        lib = ctypes.CDLL(espeakng_loader.get_library_path())
        lib.espeak_Initialize.restype = ctypes.c_int
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_Synth.argtypes = [
            ctypes.c_void_p,
            ctypes.c_size_t,
            ctypes.c_uint,
            ctypes.c_int,
            ctypes.c_uint,
            ctypes.c_uint,
            ctypes.c_void_p,
            ctypes.c_void_p,
        ]
        lib.espeak_TextToPhonemes.restype = ctypes.c_char_p
        lib.espeak_TextToPhonemes.argtypes = [
            ctypes.POINTER(ctypes.c_char_p),
            ctypes.c_int,
            ctypes.c_int,
        ]
        lib.espeak_Info.restype = ctypes.c_char_p
        lib.espeak_Info.argtypes = [ctypes.c_void_p]
        data = espeakng_loader.get_data_path().encode()
        rate = lib.espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, data, ESPEAK_INITIALIZE_DONT_EXIT)
        if rate <= 0:
            raise VoiceError("espeak-ng failed to start: reinstall espeakng-loader")
        self.lib = lib
        self.sample_rate = rate
        self.version = lib.espeak_Info(None).decode()
        self.lock = threading.Lock()
        self._voice: str | None = None
        self._chunks: list[np.ndarray] = []
        self._starts: list[tuple[int, int]] = []  # (character position, sample) per word
        self._abort: BaseException | None = None
        self.aborts = 0  # syntheses stopped by an exception inside the callback
        self.on_audio = None  # test hook: called with no arguments in every callback
        self._callback = _SYNTH_CB(self._on_audio)  # keep a reference: C holds the pointer
        lib.espeak_SetSynthCallback(self._callback)
        self._state_vars: list[tuple[int, int]] = []
        symbols = _state_symbols(Path(espeakng_loader.get_library_path()), "espeak_Synth")
        if symbols is not None:
            anchor, variables = symbols
            base = ctypes.cast(lib.espeak_Synth, ctypes.c_void_p).value - anchor
            self._state_vars = [(base + offset, size) for offset, size in variables]
        # the state each (voice, rate) starts from, and the state right after start-up
        self._saved: dict[tuple[str, int], list[tuple[int, bytes]]] = {}
        self._pristine = None
        if self._state_vars:  # one fixed utterance after start-up: the same in every process
            self._set_voice("ky")
            self.lib.espeak_SetParameter(ESPEAK_RATE, DEFAULT_RATE, 0)
            self._speak("а")
            self._chunks, self._starts = [], []
            self._pristine = self._snapshot()
        self.deterministic = bool(self._state_vars)

    def _on_audio(self, wav, n, events) -> int:  # noqa: ANN001 - ctypes callback
        # ctypes would print and swallow an exception raised here (a KeyboardInterrupt
        # from Ctrl-C, say) and espeak would carry on: keep it, stop espeak (return 1),
        # and raise it once espeak_Synth has returned.
        try:
            if self._abort is not None:
                return 1
            if self.on_audio is not None:
                self.on_audio()
            if n > 0:
                self._chunks.append(np.ctypeslib.as_array(wav, shape=(n,)).copy())
            i = 0
            while events and events[i].type != ESPEAK_EVENT_LIST_TERMINATED:
                if events[i].type == ESPEAK_EVENT_WORD:
                    self._starts.append((events[i].text_position - 1, events[i].sample))
                i += 1
            return 0
        except BaseException as error:  # noqa: BLE001 - re-raised after the C call
            self._abort = error
            return 1

    def _record(self, error: BaseException) -> None:
        if self._abort is None:
            self._abort = error

    def _snapshot(self) -> list[tuple[int, bytes]]:
        return [(a, ctypes.string_at(a, n)) for a, n in self._state_vars]

    @staticmethod
    def _restore(state: list[tuple[int, bytes]]) -> None:
        for address, blob in state:
            ctypes.memmove(address, blob, len(blob))

    def _set_voice(self, voice: str) -> None:
        if self.lib.espeak_SetVoiceByName(voice.encode()) != 0:
            raise VoiceError(f"espeak-ng has no voice {voice!r}")
        self._voice = voice

    def _select(self, voice: str, rate: int) -> None:
        """Voice and rate, and the state every utterance with them starts from: made once
        per (voice, rate) from the state after start-up, as a fresh process makes it (so a
        clip never depends on which voices or rates this process used before)."""
        key = (voice, int(rate))
        saved = self._saved.get(key)
        if self._pristine is not None and saved is None:
            self._restore(self._pristine)
            self._set_voice(voice)
            self.lib.espeak_SetParameter(ESPEAK_RATE, int(rate), 0)
            self._speak("а")  # warm up, then save the state every utterance starts from
            self._chunks, self._starts = [], []
            saved = self._saved[key] = self._snapshot()
        if voice != self._voice:
            self._set_voice(voice)
        self.lib.espeak_SetParameter(ESPEAK_RATE, int(rate), 0)
        if saved is not None:
            self._restore(saved)

    def _speak(self, text: str) -> None:
        buf = ctypes.create_string_buffer(text.encode("utf-8"))
        self._abort = None
        try:
            with callback_guard((self._on_audio,), self._record):
                err = self.lib.espeak_Synth(
                    buf, len(buf), 0, POS_CHARACTER, 0, ESPEAK_CHARS_UTF8, None, None
                )
                if err == 0:
                    self.lib.espeak_Synchronize()
        finally:
            error, self._abort = self._abort, None
        if error is not None:
            self.aborts += 1
            self._chunks, self._starts = [], []
            raise error
        if err != 0:
            raise VoiceError(f"espeak-ng could not read the text (error {err})")

    def synthesize(self, text: str, voice: str, rate: int) -> Synthesis:
        with self.lock:
            self._select(voice, rate)
            self._chunks, self._starts = [], []
            try:
                if text.strip():
                    self._speak(text)
                chunks, starts = self._chunks, self._starts
            finally:
                self._chunks, self._starts = [], []
        if not chunks:
            return Synthesis(np.zeros(0, dtype=np.float32), self.sample_rate, ())
        samples = np.concatenate(chunks).astype(np.float32) / np.float32(32768.0)
        index = word_index(text)
        events = [(index(position), sample, None) for position, sample in starts]
        return Synthesis(samples, self.sample_rate, word_events(events, samples))

    def phonemes(self, text: str, voice: str = "ky") -> str:
        """IPA phonemes as espeak-ng hears ``text`` (one string, clauses joined by spaces)."""
        with self.lock:
            self._select(voice, DEFAULT_RATE)
            out = []
            pointer = ctypes.c_char_p(text.encode("utf-8"))
            ref = ctypes.pointer(pointer)
            while pointer.value:
                result = self.lib.espeak_TextToPhonemes(ref, ESPEAK_CHARS_UTF8, PHONEMES_IPA)
                if result:
                    out.append(result.decode("utf-8"))
            return " ".join(out)


# engine(): the process-wide libespeak-ng engine, started on first use
engine = process_wide(_Engine)


def espeak_version() -> str:
    """libespeak-ng's version string, e.g. ``'1.52.0'``."""
    return engine().version


class EspeakVoice:
    """A :class:`~bulletin.synth.voice.Voice` backed by libespeak-ng."""

    def __init__(self, language: str = "ky", rate: int | None = None, name: str = "ky-espeak"):
        self.name = name
        self.language = language
        self.rate = rate or DEFAULT_RATE
        self._engine = engine()
        self.sample_rate: int = self._engine.sample_rate
        self.version: str = self._engine.version

    def synthesize(self, text: str) -> Synthesis:
        """Float32 mono samples in [-1, 1] for ``text`` and its word events (empty text:
        no samples, no words)."""
        return self._engine.synthesize(text, self.language, self.rate)

    def phonemes(self, text: str) -> str:
        """IPA, e.g. ``phonemes("гырадус") == "ʁˌɯrɑd[ˈus"``."""
        return self._engine.phonemes(text, self.language)


def _load(preset: VoicePreset, allow_download: bool = False) -> EspeakVoice:
    return EspeakVoice(preset.language, preset.rate, preset.name)


def _identity(preset: VoicePreset) -> dict[str, Any]:
    try:
        loader = importlib.metadata.version("espeakng-loader")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover
        loader = None
    return {
        "espeak": espeak_version(),
        "espeak-state": ESPEAK_STATE_REVISION,  # what is reset between utterances
        "espeakng-loader": loader,
    }


def _check(preset: VoicePreset) -> str | None:
    rate = preset.rate
    if rate is not None and (not isinstance(rate, int) or not 20 <= rate <= 1000):
        return "rate must be a whole number of words per minute (20-1000)"
    for key in ("pitch", "volume"):
        if getattr(preset, key) is not None:
            return f"{key} is not an espeak setting (use rate)"
    return None


ENGINE = Engine(
    name="espeak",
    tier="formant",
    licence="GPL-3.0-or-later (espeak-ng)",
    install="pip install espeakng-loader",
    load=_load,
    identity=_identity,
    problem=lambda preset: espeak_problem(),
    check=_check,
    default_sample_rate=22050,
    in_process_misses=40,  # a worker costs ~0.2 s to start
    word_events=True,
)
