"""Voice presets: one TOML file per voice, shipped in ``voices/`` or written by the user.

>>> preset = resolve_voice("ky-espeak")
>>> preset.engine, preset.rate, preset.respell_text("Температура 5 градус")
('espeak', 160, 'Температура 5 гырадус')

A preset file::

    name = "ky-espeak"
    engine = "espeak"            # or "rhvoice", "coqui" (see bulletin.synth.engines)
    language = "ky"
    licence = "GPL-3.0-or-later (espeak-ng)"
    commercial_use = true        # the licence allows commercial broadcast
    rate = 160                   # espeak: words per minute; rhvoice: a factor (1.0 normal)
    [respell]                    # applied to the spoken text before synthesis
    "гр*" = "гыр"                # word prefix: градус -> гырадус (case of the first letter kept)
    "ЦИК" = "цик"                # whole word, any case (a key with capitals: value as written)
    "re:(\\d)-(\\d)" = "\\1 \\2" # a Python regular expression and its replacement

A Coqui preset names a zoo model (``model_name = "tts_models/kir/fairseq/vits"``) or local
files (``model_path``/``config_path``, relative to the preset's folder), and optionally
``speaker`` and ``language``. An RHVoice preset names its voice (``speaker = "Azamat"``)
and may set ``rate``, ``pitch`` and ``volume`` as factors of the voice's own (1.0).

Without ``--voice`` the default is the best voice that can run here and whose licence
allows commercial broadcast (``commercial_use = true``): the best quality tier (neural,
parametric, formant), then the first name. A non-commercial voice runs only when named.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from bulletin.errors import VoiceError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from bulletin.synth.engines import ENGINES, engine, engine_for, tier_rank

DEFAULT_FALLBACK = "ky-espeak"
_KNOWN_KEYS = {
    "commercial_use",
    "pitch",
    "volume",
    "name",
    "engine",
    "language",
    "description",
    "licence",
    "license",
    "rate",
    "respell",
    "model_name",
    "model_path",
    "config_path",
    "speaker",
    "sample_rate",
}


@dataclass(frozen=True)
class VoicePreset:
    """One voice, as read from its TOML file (``source``)."""

    name: str
    engine: str
    language: str = "ky"
    description: str = ""
    licence: str = ""
    rate: int | float | None = None
    pitch: float | None = None
    volume: float | None = None
    commercial_use: bool = False
    respell: tuple[tuple[str, str], ...] = ()
    model_name: str | None = None
    model_path: Path | None = None
    config_path: Path | None = None
    speaker: str | None = None
    sample_rate: int | None = None  # nominal, for listings; the engine reports the real one
    source: Path | None = field(default=None, compare=False)

    def respell_text(self, text: str) -> str:
        """Apply this voice's ``[respell]`` rules, in file order.

        >>> VoicePreset("v", "espeak", respell=(("гр*", "гыр"),)).respell_text("Грамм")
        'Гырамм'
        """
        for pattern, replacement in _compiled(self.respell):
            text = pattern.sub(replacement, text)
        return text

    def identity(self) -> dict[str, Any]:
        """Everything in the preset that changes the sound (for cache keys)."""
        return {
            "engine": self.engine,
            "language": self.language,
            "rate": self.rate,
            "respell": [list(rule) for rule in self.respell],
            "model_name": self.model_name,
            "model_path": str(self.model_path) if self.model_path else None,
            "config_path": str(self.config_path) if self.config_path else None,
            "speaker": self.speaker,
            **{key: getattr(self, key) for key in ("pitch", "volume") if getattr(self, key)},
        }


def _keep_case(replacement: str):
    def sub(match: re.Match[str]) -> str:
        word = match.group(0)
        if word[:1].isupper() and replacement:
            if word.isupper() and len(word) > 1:
                return replacement.upper()
            return replacement[0].upper() + replacement[1:]
        return replacement

    return sub


_COMPILED: dict[tuple[tuple[str, str], ...], list] = {}


def _compiled(rules: tuple[tuple[str, str], ...]) -> list:
    cached = _COMPILED.get(rules)
    if cached is None:
        cached = [_compile_rule(key, value) for key, value in rules]
        _COMPILED[rules] = cached
    return cached


def _compile_rule(key: str, value: str):
    if key.startswith("re:"):
        return re.compile(key[3:]), value
    # A lower-case key matches any case and keeps the word's case; a key with capitals
    # (an abbreviation, say) is replaced by the value exactly as written.
    replacement = _keep_case(value) if key == key.lower() else value.replace("\\", "\\\\")
    if key.endswith("*"):
        return re.compile(r"(?<!\w)" + re.escape(key[:-1]), re.IGNORECASE), replacement
    return re.compile(r"(?<!\w)" + re.escape(key) + r"(?!\w)", re.IGNORECASE), replacement


def load_preset(path: str | os.PathLike[str]) -> VoicePreset:
    """Read one preset file; relative model paths are resolved against its folder.

    >>> load_preset("voices/ky-espeak.toml").name
    'ky-espeak'
    """
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise VoiceError(f"{path}: cannot read voice preset ({error.strerror})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise VoiceError(f"{path}: not a valid TOML voice preset ({error})") from None
    return _from_mapping(data, path)


def _from_mapping(data: Mapping[str, Any], path: Path) -> VoicePreset:
    unknown = sorted(set(data) - _KNOWN_KEYS)
    if unknown:
        raise VoiceError(f"{path}: unknown key {unknown[0]!r} in voice preset")
    name = data.get("name") or path.stem
    engine_name = data.get("engine")
    if engine_name not in ENGINES:
        raise VoiceError(
            f"{path}: engine must be one of {', '.join(ENGINES)} (got {engine_name!r})"
        )
    for key in ("rate", "pitch", "volume"):
        value = data.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
            raise VoiceError(f"{path}: {key} must be a number")
    commercial = data.get("commercial_use", False)
    if not isinstance(commercial, bool):
        raise VoiceError(f"{path}: commercial_use must be true or false")
    respell = data.get("respell", {})
    if not isinstance(respell, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in respell.items()
    ):
        raise VoiceError(f'{path}: [respell] must map text to text, e.g. "гр*" = "гыр"')
    rules = tuple((str(k), str(v)) for k, v in respell.items())
    for key, _ in rules:
        try:
            _compile_rule(key, "")
        except re.error as error:
            raise VoiceError(f"{path}: bad respell pattern {key!r} ({error})") from None
    sample_rate = data.get("sample_rate", engine(engine_name).default_sample_rate)
    if sample_rate is not None and (not isinstance(sample_rate, int) or sample_rate <= 0):
        raise VoiceError(f"{path}: sample_rate must be a whole number of Hz")
    folder = path.parent

    def local(key: str) -> Path | None:
        value = data.get(key)
        if value is None:
            return None
        p = Path(os.path.expanduser(str(value)))
        return p if p.is_absolute() else (folder / p).resolve()

    preset = VoicePreset(
        name=str(name),
        engine=engine_name,
        language=str(data.get("language", "ky")),
        description=str(data.get("description", "")),
        licence=str(data.get("licence", data.get("license", ""))),
        rate=data.get("rate"),
        pitch=data.get("pitch"),
        volume=data.get("volume"),
        commercial_use=commercial,
        respell=rules,
        model_name=data.get("model_name"),
        model_path=local("model_path"),
        config_path=local("config_path"),
        speaker=data.get("speaker"),
        sample_rate=sample_rate,
        source=path,
    )
    problem = engine_for(preset).check(preset)
    if problem:
        raise VoiceError(f"{path}: {problem}")
    return preset


def _shipped_files() -> list[Path]:
    root = resources.files("bulletin.voices")
    return sorted(
        (Path(str(entry)) for entry in root.iterdir() if entry.name.endswith(".toml")),
        key=lambda p: p.name,
    )


def find_presets(extra_dirs: Sequence[Path] = ()) -> list[VoicePreset]:
    """Shipped presets, then ``./voices/``, then ``extra_dirs``; a later one wins by name.

    >>> [p.name for p in find_presets()]
    ['ky-azamat', 'ky-espeak', 'ky-mms', 'ky-nazgul']
    """
    found: dict[str, VoicePreset] = {}
    files = list(_shipped_files())
    folders = [Path.cwd() / "voices", *map(Path, extra_dirs)]
    shipped_dir = files[0].parent.resolve() if files else None
    for folder in folders:
        if folder.is_dir() and folder.resolve() != shipped_dir:
            files.extend(sorted(folder.glob("*.toml")))
    for file in files:
        preset = load_preset(file)
        found[preset.name] = preset
    return sorted(found.values(), key=lambda p: p.name)


def resolve_voice(name_or_path: str | None, extra_dirs: Sequence[Path] = ()) -> VoicePreset:
    """A preset by name or by .toml path; ``None`` picks the default voice
    (:func:`default_voice`).

    >>> resolve_voice("ky-espeak").engine
    'espeak'
    """
    if name_or_path is not None and (
        name_or_path.endswith(".toml") or os.sep in name_or_path or "/" in name_or_path
    ):
        return load_preset(name_or_path)
    presets = {p.name: p for p in find_presets(extra_dirs)}
    if name_or_path is None:
        return default_voice(presets.values())
    preset = presets.get(name_or_path)
    if preset is None:
        raise VoiceError(
            f"unknown voice {name_or_path!r} (available: {', '.join(sorted(presets))})"
        )
    return preset


DEFAULT_RULE = (
    "the best voice that can run here and whose licence allows commercial broadcast "
    "(quality tier neural > parametric > formant, then name); a non-commercial voice "
    "only when named"
)


def default_voice(presets: Sequence[VoicePreset] | None = None) -> VoicePreset:
    """The voice ``make`` uses without ``--voice``: among presets that can run here and
    may be broadcast commercially, the best tier, then the first name (``ky-espeak``
    when none can run, so that the error names the embedded voice).

    >>> default_voice().name    # with bulletin[rhvoice] installed; else 'ky-espeak'
    'ky-azamat'
    """
    presets = list(presets if presets is not None else find_presets())
    candidates = [p for p in presets if p.commercial_use]
    candidates.sort(key=lambda p: (tier_rank(engine_for(p).tier), p.name))
    for preset in candidates:
        if availability(preset)[0]:
            return preset
    by_name = {p.name: p for p in presets}
    if DEFAULT_FALLBACK in by_name:
        return by_name[DEFAULT_FALLBACK]
    raise VoiceError("no voice can run here: pip install espeakng-loader")


def availability(preset: VoicePreset) -> tuple[bool, str]:
    """Can this voice run now? ``(True, "")`` or ``(False, what to do)``.

    >>> availability(resolve_voice("ky-espeak"))
    (True, '')
    """
    problem = engine_for(preset).problem(preset)
    return (problem is None, problem or "")
