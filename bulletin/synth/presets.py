"""Voice presets: one TOML file per voice, shipped in ``voices/`` or written by the user.

>>> preset = resolve_voice("ky-espeak")
>>> preset.engine, preset.rate, preset.respell_text("Температура 5 градус")
('espeak', 160, 'Температура 5 гырадус')

A preset file::

    name = "ky-espeak"
    engine = "espeak"            # or "coqui"
    language = "ky"
    rate = 160                   # espeak words per minute
    [respell]                    # applied to the spoken text before synthesis
    "гр*" = "гыр"                # word prefix: градус -> гырадус (case of the first letter kept)
    "ЦИК" = "цик"                # whole word, any case (a key with capitals: value as written)
    "re:(\\d)-(\\d)" = "\\1 \\2" # a Python regular expression and its replacement

A Coqui preset names a zoo model (``model_name = "tts_models/kir/fairseq/vits"``) or local
files (``model_path``/``config_path``, relative to the preset's folder), and optionally
``speaker`` and ``language``.
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

ENGINES = ("espeak", "coqui")
DEFAULT_NEURAL = "ky-mms"
DEFAULT_FALLBACK = "ky-espeak"
MMS_FILES = ("G_100000.pth", "config.json", "vocab.txt")
_KNOWN_KEYS = {
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
    rate: int | None = None
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
    engine = data.get("engine")
    if engine not in ENGINES:
        raise VoiceError(f"{path}: engine must be one of {', '.join(ENGINES)} (got {engine!r})")
    rate = data.get("rate")
    if rate is not None and (not isinstance(rate, int) or not 20 <= rate <= 1000):
        raise VoiceError(f"{path}: rate must be a whole number of words per minute (20-1000)")
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
    sample_rate = data.get("sample_rate", 22050 if engine == "espeak" else None)
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
        engine=engine,
        language=str(data.get("language", "ky")),
        description=str(data.get("description", "")),
        licence=str(data.get("licence", data.get("license", ""))),
        rate=rate,
        respell=rules,
        model_name=data.get("model_name"),
        model_path=local("model_path"),
        config_path=local("config_path"),
        speaker=data.get("speaker"),
        sample_rate=sample_rate,
        source=path,
    )
    if (
        engine == "coqui"
        and not preset.model_name
        and not (preset.model_path and preset.config_path)
    ):
        raise VoiceError(f"{path}: a coqui voice needs model_name, or model_path and config_path")
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
    ['ky-espeak', 'ky-mms']
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
    """A preset by name or by .toml path; ``None`` picks the default voice.

    The default is ``ky-mms`` when it can run here (Coqui installed and its model files
    present), else ``ky-espeak``.

    >>> resolve_voice("ky-espeak").engine
    'espeak'
    """
    if name_or_path is not None and (
        name_or_path.endswith(".toml") or os.sep in name_or_path or "/" in name_or_path
    ):
        return load_preset(name_or_path)
    presets = {p.name: p for p in find_presets(extra_dirs)}
    if name_or_path is None:
        mms = presets.get(DEFAULT_NEURAL)
        if mms is not None and availability(mms)[0]:
            return mms
        name_or_path = DEFAULT_FALLBACK
    preset = presets.get(name_or_path)
    if preset is None:
        raise VoiceError(
            f"unknown voice {name_or_path!r} (available: {', '.join(sorted(presets))})"
        )
    return preset


def availability(preset: VoicePreset) -> tuple[bool, str]:
    """Can this voice run now? ``(True, "")`` or ``(False, what to do)``.

    >>> availability(resolve_voice("ky-espeak"))
    (True, '')
    """
    if preset.engine == "espeak":
        from bulletin.synth.espeak import espeak_problem

        problem = espeak_problem()
        return (problem is None, problem or "")
    from bulletin.synth.coqui import coqui_problem

    problem = coqui_problem(preset)
    return (problem is None, problem or "")
