from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from zhengcai.procurement.tick import procurement_tick


class Command(BaseCommand):
    help = "Run the procurement chronograph once (or every --loop seconds): statutory-clock reminders."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--loop", type=int, default=0, help="repeat every N seconds (0: run once)")

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            report = procurement_tick(at=timezone.now())
            self.stdout.write(f"{timezone.localtime():%Y-%m-%d %H:%M} reminders sent: {report.sent or 0}")
            if not options["loop"]:
                return
            time.sleep(options["loop"])
