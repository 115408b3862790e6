from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from zhengcai.core import clock
from zhengcai.service.tick import service_tick


class Command(BaseCommand):
    help = (
        "Escalate overdue service requests one level, close resolved ones past their reopening window, and send "
        "each person's daily digest (once, or every --loop seconds)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--loop", type=int, default=0, help="repeat every N seconds (0: run once)")

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            report = service_tick(at=clock.now())
            self.stdout.write(f"{timezone.localtime(clock.now()):%Y-%m-%d %H:%M} {report.summary()}")
            if not options["loop"]:
                return
            time.sleep(options["loop"])
