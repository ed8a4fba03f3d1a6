"""Errors of the feed: one line naming the file or setting and the problem."""

from __future__ import annotations

from bulletin.errors import BulletinError


class FeedError(BulletinError):
    """A manifest, artwork or programme folder cannot be published as asked."""
