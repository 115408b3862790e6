"""Channel posts: the persistent outbox, short links and reach metrics (writes).

Interface used by the content workflow (services.py) — implemented by the channels area:
- ``channel_problems(...)``: what stops an item from going out on its chosen channels (limits).
- ``posts_enqueue(...)``: one post per chosen channel for a revision that was just published.
- ``short_link_for(...)``: the item's short link for a channel (created once).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from zhengcai.core.errors import ServiceError

from .models import ChannelPost, Content, ContentRevision, ShortLink


def channel_problems(
    *, kind: str, title: str, summary: str, body: str, cover: Any, channels: list[str]
) -> list[ServiceError]:
    """Every channel limit the item breaks (empty when it can go out everywhere it is meant to)."""
    raise NotImplementedError  # channels area


def posts_enqueue(*, content: Content, revision: ContentRevision, at: dt.datetime) -> list[ChannelPost]:
    """Create (once) a post per channel of ``revision`` and hand each to its driver."""
    raise NotImplementedError  # channels area


def short_link_for(*, content: Content, channel: str, at: dt.datetime) -> ShortLink:
    raise NotImplementedError  # channels area
