"""Working days (工作日) under the official Chinese holiday calendar.

Weekends and official holidays are rest days; make-up working Saturdays/Sundays (调休) are
working days. The maintained library chinese-calendar knows the years it was released for;
for a later year the bureau loads the State Council's notice (``manage.py load_calendar``).
A date in a year known to neither is refused with a clear error, never guessed.

Counting follows the civil-law rule that the day an act happens is not counted: the n-th
working day *after* ``start``.
"""

from __future__ import annotations

import datetime as dt
import time
from enum import StrEnum
from functools import lru_cache

import chinese_calendar
from django.utils.translation import gettext_lazy as _

from .errors import ServiceError


class CalendarError(StrEnum):
    YEAR_UNKNOWN = "core.calendar.year_unknown"


def _year_unknown(year: int) -> ServiceError:
    return ServiceError(
        CalendarError.YEAR_UNKNOWN,
        "date",
        _(
            "The official holiday calendar for {year} is not loaded, so working days in {year} cannot be "
            "counted. The bureau loads the State Council's holiday notice for {year} first."
        ),
        year=year,
    )


# Years loaded by the bureau, cached per process for a short time so that every web worker and
# task worker sees a newly loaded year within a minute (clear_cache() makes it immediate here).
_CACHE_SECONDS = 60.0
_loaded_cache: dict[int, tuple[float, dict[dt.date, bool] | None]] = {}


def _loaded_year(year: int) -> dict[dt.date, bool] | None:
    """Overrides loaded by the bureau for ``year`` (None when the year was not loaded)."""
    cached = _loaded_cache.get(year)
    now = time.monotonic()
    if cached is not None and now - cached[0] < _CACHE_SECONDS:
        return cached[1]
    from .models import CalendarDay, CalendarYear

    value: dict[dt.date, bool] | None = None
    if CalendarYear.objects.filter(year=year).exists():
        value = dict(CalendarDay.objects.filter(date__year=year).values_list("date", "is_workday"))
    _loaded_cache[year] = (now, value)
    return value


def clear_cache() -> None:
    _loaded_cache.clear()


@lru_cache(maxsize=1)
def library_years() -> range:
    years = [d.year for d in chinese_calendar.holidays]
    return range(min(years), max(years) + 1)


def is_workday(day: dt.date) -> bool:
    loaded = _loaded_year(day.year)
    if loaded is not None:
        return loaded.get(day, day.weekday() < 5)
    if day.year in library_years():
        return bool(chinese_calendar.is_workday(day))
    raise _year_unknown(day.year)


def add_working_days(start: dt.date, n: int) -> dt.date:
    """The n-th working day after ``start`` (n ≥ 1); n = 0 gives ``start``."""
    if n < 0:
        raise ValueError("n must be ≥ 0")
    day = start
    remaining = n
    while remaining:
        day += dt.timedelta(days=1)
        if is_workday(day):
            remaining -= 1
    return day


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after ``start`` up to and including ``end`` (0 when end ≤ start)."""
    count = 0
    day = start
    while day < end:
        day += dt.timedelta(days=1)
        if is_workday(day):
            count += 1
    return count


def add_days(start: dt.date, n: int) -> dt.date:
    """The n-th calendar day (日) after ``start``."""
    return start + dt.timedelta(days=n)
