"""The Kyrgyz normaliser: written Kyrgyz → spoken Kyrgyz, and the sentence splitter.

>>> normalize("2022-жылы 5ке")
'Эки миң жыйырма экинчи жылы бешке'

Importing this package is nearly free: the modules (stdlib only) load on first use and
the data files are read when the first text is normalised.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bulletin.text.cleaning import Cleaned, clean
    from bulletin.text.lexicon import Entry, Lexicon, load_lexicon
    from bulletin.text.normalizer import explain, normalize
    from bulletin.text.scanner import TokenTrace
    from bulletin.text.sentences import split_sentences

__all__ = [
    "Cleaned",
    "clean",
    "Entry",
    "Lexicon",
    "TokenTrace",
    "explain",
    "load_lexicon",
    "normalize",
    "split_sentences",
]

_HOME = {
    "Cleaned": "bulletin.text.cleaning",
    "clean": "bulletin.text.cleaning",
    "Entry": "bulletin.text.lexicon",
    "Lexicon": "bulletin.text.lexicon",
    "load_lexicon": "bulletin.text.lexicon",
    "explain": "bulletin.text.normalizer",
    "normalize": "bulletin.text.normalizer",
    "TokenTrace": "bulletin.text.scanner",
    "split_sentences": "bulletin.text.sentences",
}


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module 'bulletin.text' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
