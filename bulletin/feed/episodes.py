"""The programme folder's episode list: ``episodes.json``, the one record the feed is made from.

>>> store = EpisodeStore(Path("public"))
>>> [episode.title for episode in store.load()]
['Кечки жаңылыктар, 30-ноябрь, 18:00']

Every file an episode names lies in ``public/episodes/``; ``episodes.json`` is written
atomically after those files are complete, and ``feed.xml`` after it, so a reader of
either never sees an episode whose files are missing or half-written.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bulletin.feed.errors import FeedError
from bulletin.fsutil import atomic_path

STORE_NAME = "episodes.json"
EPISODES_DIR = "episodes"
STORE_VERSION = 1


@dataclass(frozen=True)
class Episode:
    """One published episode; file names are relative to the programme folder."""

    key: str  # what makes two publications the same episode (audio checksum or run id)
    guid: str  # never changes once published
    title: str
    description: str
    published: str  # ISO 8601 with the station's UTC offset
    audio: str
    audio_bytes: int
    audio_type: str
    duration_s: float
    sha256: str  # of the audio
    vtt: str | None = None
    transcript: str | None = None
    chapters: str | None = None
    voice: str | None = None
    language: str | None = None

    @property
    def files(self) -> tuple[str, ...]:
        return tuple(
            name for name in (self.audio, self.vtt, self.transcript, self.chapters) if name
        )


class EpisodeStore:
    """``episodes.json`` in a programme folder (newest first)."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.path = self.folder / STORE_NAME

    def load(self) -> list[Episode]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return []
        except (OSError, ValueError) as error:
            raise FeedError(f"{self.path}: cannot read the episode list ({error})") from None
        try:
            names = {field.name for field in dataclasses.fields(Episode)}
            return [
                Episode(**{k: v for k, v in item.items() if k in names})
                for item in data["episodes"]
            ]
        except (KeyError, TypeError) as error:
            raise FeedError(f"{self.path}: not an episode list ({error})") from None

    def save(self, episodes: Sequence[Episode]) -> None:
        document = {
            "version": STORE_VERSION,
            "episodes": [dataclasses.asdict(episode) for episode in episodes],
        }
        text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
        with atomic_path(self.path) as tmp:
            tmp.write_text(text, encoding="utf-8", newline="\n")
