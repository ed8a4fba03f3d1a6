"""Audio: the timeline (exact sample offsets), mixing, loudness, limiting and encoding.

>>> timeline = build_timeline(script, clips, sample_rate=44100)
>>> report = render(timeline, script, clips, Path("out/.release.tmp.mp3"), MasterSettings())
"""

from bulletin.audio.cache import ProgrammeCache
from bulletin.audio.master import MasterReport, MasterSettings, check_space, render
from bulletin.audio.sound import sound_info
from bulletin.audio.timeline import Entry, Timeline, build_timeline

__all__ = [
    "Entry",
    "MasterReport",
    "MasterSettings",
    "ProgrammeCache",
    "Timeline",
    "build_timeline",
    "check_space",
    "render",
    "sound_info",
]
