"""The publicity chronograph: publish the approved items whose time has come, then deliver the channel
posts that are due (``outbox.posts_deliver_due``, the channels area). One idempotent pass.

Run by ``manage.py publicity_tick`` (cron or ``--loop``) or the ``publicity_tick_task`` task — never
from a request.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django_tasks import task

from zhengcai.core import clock

from . import outbox
from .services import content_publish_due


@dataclass
class TickReport:
    published: list[int] = field(default_factory=list)  # item ids published in this pass
    failed: dict[int, str] = field(default_factory=dict)  # item id → why it stays scheduled
    delivered: Any = None  # what posts_deliver_due reported (None when the channels area has none)

    def summary(self) -> str:
        parts = [f"published: {len(self.published)}"]
        if self.failed:
            parts.append(f"failed: {len(self.failed)} ({', '.join(map(str, self.failed))})")
        if self.delivered is not None:
            parts.append(f"posts delivered: {self.delivered}")
        return ", ".join(parts)


def publicity_tick(*, at: dt.datetime) -> TickReport:
    due = content_publish_due(at=at)
    report = TickReport(published=due.published, failed=due.failed)
    deliver = getattr(outbox, "posts_deliver_due", None)
    if deliver is not None:
        report.delivered = deliver(at=at)
    return report


@task()
def publicity_tick_task() -> int:
    return len(publicity_tick(at=clock.now()).published)
