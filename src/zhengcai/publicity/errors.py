"""Error codes of the publicity app, one enum per area."""

from __future__ import annotations

from enum import StrEnum


class ContentError(StrEnum):
    """Content and editorial workflow (services.py)."""


class ChannelError(StrEnum):
    """Channels, outbox, short links and reach metrics (channels.py, outbox.py)."""


class OutreachError(StrEnum):
    """Leaflets, print runs, distribution and events (outreach.py)."""
