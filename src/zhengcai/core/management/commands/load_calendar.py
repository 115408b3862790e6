from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from zhengcai.core.errors import ServiceError, ServiceErrorGroup
from zhengcai.core.services import calendar_year_load, parse_calendar_csv


class Command(BaseCommand):
    help = (
        "Load a year's official holidays and make-up working days (State Council notice) from a CSV "
        "file with the header date,is_workday,name. List only days that differ from Monday–Friday work."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("year", type=int)
        parser.add_argument("file", type=Path)
        parser.add_argument("--source", required=True, help="the notice, e.g. 国办发明电〔2026〕X号")

    def handle(self, *args: Any, **options: Any) -> None:
        days, errors = parse_calendar_csv(options["file"].read_text(encoding="utf-8-sig"))
        try:
            if errors:
                raise ServiceErrorGroup(errors)
            calendar_year_load(
                year=options["year"], days=days, source=options["source"], actor="load_calendar", at=timezone.now()
            )
        except ServiceError as exc:
            errs = exc.errors if isinstance(exc, ServiceErrorGroup) else [exc]
            raise CommandError("\n".join(f"{e.field}: {e.message_zh} / {e.message_en}" for e in errs)) from exc
        self.stdout.write(self.style.SUCCESS(f"{options['year']}: {len(days)} official days loaded"))
