"""Send the webhooks whose (re)try time has come; ``--loop N`` repeats every N seconds."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from zhengcai.core import clock
from zhengcai.integrations.webhooks import webhook_deliver_due


class Command(BaseCommand):
    help = "Deliver due webhooks (first attempts missed by the task worker, and retries)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", type=int, default=0, help="repeat every N seconds")

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            attempted = webhook_deliver_due(now=clock.now())
            self.stdout.write(f"webhooks attempted: {attempted}")
            if not options["loop"]:
                return
            time.sleep(options["loop"])
