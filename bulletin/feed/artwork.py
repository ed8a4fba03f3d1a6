"""The programme's artwork, checked as Apple Podcasts requires before a feed names it.

Square, 1400 to 3000 px a side, JPEG or PNG, RGB colour space:

>>> check_artwork(Path("cover.jpg"))
Artwork(path=PosixPath('cover.jpg'), width=1400, height=1400, mime='image/jpeg')
>>> check_artwork(Path("logo.png"))   # 500x300
FeedError: logo.png: artwork must be square (is 500x300 px)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bulletin.feed.errors import FeedError

MIN_SIDE, MAX_SIDE = 1400, 3000
_MIME = {"JPEG": "image/jpeg", "PNG": "image/png"}


@dataclass(frozen=True)
class Artwork:
    path: Path
    width: int
    height: int
    mime: str

    @property
    def suffix(self) -> str:
        return ".png" if self.mime == "image/png" else ".jpg"


def check_artwork(path: Path) -> Artwork:
    """Open ``path`` with Pillow and check it; a :class:`FeedError` names what is wrong."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            kind, (width, height), mode = image.format, image.size, image.mode
            image.verify()
    except FileNotFoundError:
        raise FeedError(f"{path}: artwork not found (feed.image)") from None
    except UnidentifiedImageError:
        raise FeedError(f"{path}: artwork is not an image (JPEG or PNG needed)") from None
    except OSError as error:
        raise FeedError(f"{path}: cannot read artwork ({error})") from None
    except SyntaxError as error:  # Pillow's verify() reports a damaged file so
        raise FeedError(f"{path}: artwork is damaged ({error})") from None
    if kind not in _MIME:
        raise FeedError(f"{path}: artwork must be JPEG or PNG (is {kind})")
    if width != height:
        raise FeedError(f"{path}: artwork must be square (is {width}x{height} px)")
    if not MIN_SIDE <= width <= MAX_SIDE:
        raise FeedError(
            f"{path}: artwork must be {MIN_SIDE} to {MAX_SIDE} px a side (is {width}x{height} px)"
        )
    if mode not in ("RGB", "P") or (mode == "P" and kind != "PNG"):
        raise FeedError(f"{path}: artwork must be in the RGB colour space (is {mode})")
    return Artwork(Path(path), width, height, _MIME[kind])
