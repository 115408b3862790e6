"""Writes of the shared kernel (the official calendar)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from enum import StrEnum
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from . import calendar
from .audit import audit_record
from .errors import ServiceError, raise_if_any
from .models import CalendarDay, CalendarYear


class CalendarLoadError(StrEnum):
    BAD_ROW = "core.calendar.bad_row"
    WRONG_YEAR = "core.calendar.wrong_year"
    EMPTY = "core.calendar.empty"


def parse_calendar_csv(text: str) -> tuple[list[tuple[dt.date, bool, str]], list[ServiceError]]:
    """Rows ``date,is_workday,name`` (header required; is_workday is 1/0, true/false, 是/否)."""
    rows: list[tuple[dt.date, bool, str]] = []
    errors: list[ServiceError] = []
    reader = csv.DictReader(io.StringIO(text))
    for line, record in enumerate(reader, start=2):
        try:
            day = dt.date.fromisoformat((record.get("date") or "").strip())
            flag = (record.get("is_workday") or "").strip().lower()
            if flag not in {"1", "0", "true", "false", "是", "否"}:
                raise ValueError(flag)
        except ValueError:
            errors.append(
                ServiceError(
                    CalendarLoadError.BAD_ROW,
                    f"line {line}",
                    _("Line {line}: needs an ISO date (YYYY-MM-DD) and is_workday 1 or 0."),
                    line=line,
                )
            )
            continue
        rows.append((day, flag in {"1", "true", "是"}, (record.get("name") or "").strip()))
    return rows, errors


@transaction.atomic
def calendar_year_load(
    *, year: int, days: list[tuple[dt.date, bool, str]], source: str, actor: Any, at: dt.datetime
) -> CalendarYear:
    """Load (or replace) a year's official holidays and make-up working days. All or nothing."""
    errors = [
        ServiceError(
            CalendarLoadError.WRONG_YEAR,
            "date",
            _("{date} is not in {year}."),
            date=day.isoformat(),
            year=year,
        )
        for day, _flag, _name in days
        if day.year != year
    ]
    if not days:
        errors.append(ServiceError(CalendarLoadError.EMPTY, "file", _("The file lists no days.")))
    raise_if_any(errors)
    before = list(CalendarDay.objects.filter(date__year=year).values_list("date", "is_workday", "name"))
    CalendarDay.objects.filter(date__year=year).delete()
    CalendarDay.objects.bulk_create(
        [CalendarDay(date=day, is_workday=flag, name=name, source=source) for day, flag, name in days]
    )
    year_row, _created = CalendarYear.objects.update_or_create(year=year, defaults={"source": source, "loaded_at": at})
    audit_record(
        actor=actor,
        action="calendar.load",
        obj=year_row,
        before={"days": before} if before else None,
        after={"source": source, "days": [(d, w, n) for d, w, n in days]},
        at=at,
    )
    transaction.on_commit(calendar.clear_cache)
    return year_row
