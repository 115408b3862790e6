"""Keep the indicators and red flags fresh: queue this year's snapshot job when the newest snapshot is older
than --loop minutes (60 when run once) and a red-flag scan, then repeat every --loop minutes."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from zhengcai.core import clock
from zhengcai.evaluation.compute import evaluation_tick


class Command(BaseCommand):
    help = (
        "Queue the current year's indicator snapshot job when the last snapshot is older than N minutes, and a "
        "red-flag scan (each skipped while already queued or running); once, or every --loop N minutes."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--loop", type=int, default=0, help="repeat every N minutes (0: run once)")
        parser.add_argument("--max-age", type=int, default=None, help="snapshot age in minutes (default: N or 60)")

    def handle(self, *args: Any, **options: Any) -> None:
        minutes = options["max_age"] or options["loop"] or 60
        while True:
            now = clock.now()
            queued = evaluation_tick(at=now, max_age=dt.timedelta(minutes=minutes))
            names = ", ".join(f"{job.kind} #{job.pk}" for job in queued) or "nothing to queue"
            self.stdout.write(f"{timezone.localtime(now):%Y-%m-%d %H:%M} {names}")
            if not options["loop"]:
                return
            time.sleep(options["loop"] * 60)
