"""Errors a user sees as one line on stderr (the CLI prints ``str(error)`` and exits 1).

Every stage raises a subclass of :class:`BulletinError` for problems the user can fix
(bad input, unknown voice, wrong setting); anything else is a bug and keeps its traceback.
The message names the file or setting and the problem, e.g.
``release.txt: not a text file (binary data)``.
"""

from __future__ import annotations


class BulletinError(Exception):
    """A problem the user can fix; ``str(error)`` is the whole one-line message."""


class InputError(BulletinError):
    """An input file cannot be read as a Kyrgyz release."""


class VoiceError(BulletinError):
    """A voice is unknown, or cannot run here (and the message says what to do)."""


class ConfigError(BulletinError):
    """A station setting (bulletin.toml or an option) is wrong; the message names the key."""


class OutputError(BulletinError):
    """An output file or folder cannot be written."""


def one_line(error: BaseException) -> str:
    """How an error is recorded where one line is kept (a failed task, a failed scheduled
    run): a :class:`BulletinError`'s message, anything else with its type; whitespace
    folded, at most 300 characters.

    >>> one_line(ValueError("bad\nthing"))
    'ValueError: bad thing'
    """
    text = " ".join(str(error).split())
    if not isinstance(error, BulletinError):
        text = f"{type(error).__name__}: {text}" if text else type(error).__name__
    return text[:300]
