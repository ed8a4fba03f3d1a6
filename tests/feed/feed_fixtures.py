"""Helpers for the feed and schedule tests: artwork, station settings, real bulletins.

Bulletins are made for real (espeak voice, short releases from ``data/``), so the feed
is tested on what ``bulletin make`` writes, not on a hand-written manifest.
"""

from __future__ import annotations

import io
import json
import textwrap
from pathlib import Path

import numpy as np
import soundfile

DATA = Path(__file__).parent / "data"
RELEASES = sorted(DATA.glob("*.txt"))  # bazar, kar, mektep


def image_bytes(size=(1400, 1400), mode="RGB", kind="JPEG") -> bytes:
    from PIL import Image

    color = {"RGB": (200, 30, 30), "RGBA": (200, 30, 30, 128), "CMYK": (0, 200, 200, 0)}
    image = Image.new(mode, size, color.get(mode, 128))
    buffer = io.BytesIO()
    image.save(buffer, kind)
    return buffer.getvalue()


def write_artwork(folder: Path, name="cover.jpg", **kwargs) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(image_bytes(**kwargs))
    return path


def write_jingle(path: Path, seconds: float, freq: float) -> Path:
    rate = 44100
    t = np.arange(int(rate * seconds)) / rate
    soundfile.write(path, 0.3 * np.sin(2 * np.pi * freq * t), rate)
    return path


def write_config(
    folder: Path,
    base_url: str = "https://radio.example.kg/podcast/",
    *,
    feed_extra: str = "",
    schedule: str | None = None,
    jingles: bool = False,
) -> Path:
    """A bulletin.toml for a station in ``folder`` (artwork written beside it)."""
    write_artwork(folder)
    text = textwrap.dedent(f"""\
        station = "Биринчи радио"
        programme = "Кечки жаңылыктар"
        voice = "ky-espeak"
        [output]
        bitrate = 64
        [feed]
        dir = "public"
        base_url = "{base_url}"
        title = "Кечки жаңылыктар"
        description = "Биринчи радионун кечки жаңылыктары"
        author = "Биринчи радио"
        owner_name = "Биринчи радио"
        owner_email = "podcast@radio.example.kg"
        image = "cover.jpg"
        """) + textwrap.dedent(feed_extra)
    if jingles:
        (folder / "jingles").mkdir(exist_ok=True)
        write_jingle(folder / "jingles" / "intro.wav", 0.6, 440)
        write_jingle(folder / "jingles" / "sting.wav", 0.3, 660)
        write_jingle(folder / "jingles" / "outro.wav", 0.6, 330)
        text += textwrap.dedent("""\
            [jingles]
            intro = "jingles/intro.wav"
            sting = "jingles/sting.wav"
            outro = "jingles/outro.wav"
            """)
    if schedule is not None:
        text += "[schedule]\n" + textwrap.dedent(schedule)
    path = folder / "bulletin.toml"
    path.write_text(text, encoding="utf-8")
    return path


def make_bulletins(out_dir: Path, releases=RELEASES, *, title: str | None = None) -> list[Path]:
    """Make each release into a bulletin with the espeak voice; returns the manifests."""
    from bulletin import synth
    from bulletin.config import load_settings
    from bulletin.make import make_bulletin, plan_jobs

    settings = load_settings(None, {"output.dir": str(out_dir), "title": title})
    voice = synth.resolve_voice("ky-espeak")
    manifests = []
    for job in plan_jobs(list(releases), combine=False, name=None):
        outcome = make_bulletin(job, settings, voice, cache_dir=out_dir / ".cache", jobs=1)
        manifests.append(outcome.files["manifest"])
    return manifests


def manifest_data(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))
