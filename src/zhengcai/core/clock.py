"""The platform's clock for requests. Services take time as ``at``; views ask ``clock.now()``.

Tests (including browser tests, whose live server runs in the same process) may move the clock
with ``travel``; nothing else can: production code never calls it.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.utils import timezone

_lock = threading.Lock()
_offset = dt.timedelta(0)


def now() -> dt.datetime:
    return timezone.now() + _offset


def today() -> dt.date:
    return timezone.localtime(now()).date()


@contextmanager
def travel(delta: dt.timedelta) -> Iterator[None]:
    """Move the clock by ``delta`` inside the block (tests only)."""
    global _offset  # noqa: PLW0603 - one process-wide offset is the point
    with _lock:
        before = _offset
        _offset = before + delta
    try:
        yield
    finally:
        with _lock:
            _offset = before
