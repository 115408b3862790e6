"""The guarantees tick: mark guarantees whose validity ended as expired (idempotent)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from zhengcai.core import clock
from zhengcai.guarantees.services import guarantees_expire


class Command(BaseCommand):
    help = "Expire guarantees whose validity ended (safe to run any number of times)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--loop", type=int, default=0, help="run every N seconds instead of once")

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            done = guarantees_expire(at=clock.now())
            self.stdout.write(f"expired {done} guarantee(s)")
            if not options["loop"]:
                return
            time.sleep(options["loop"])
