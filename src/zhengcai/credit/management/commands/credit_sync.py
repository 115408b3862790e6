"""manage.py credit_sync: derive platform-behaviour credit records from the procurement data (idempotent)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from zhengcai.core import clock
from zhengcai.credit.services import credit_sync_platform


class Command(BaseCommand):
    help = "Derive credit records (failed acceptance, contract not signed) from procurement data; safe to rerun."

    def handle(self, *args: Any, **options: Any) -> None:
        added = credit_sync_platform(at=clock.now())
        self.stdout.write(self.style.SUCCESS(f"credit records derived from the platform: {added} new"))
