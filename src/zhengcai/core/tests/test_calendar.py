"""Working-day calendar (DOMAIN.md day units: 日 and 工作日 with 调休)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from zhengcai.core import calendar
from zhengcai.core.errors import ServiceError
from zhengcai.core.models import CalendarDay, CalendarYear

known = st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2026, 10, 15))  # + 40 WD stays in 2026


@pytest.fixture(autouse=True)
def _fresh_cache(db: object) -> None:
    calendar.clear_cache()


def test_national_day_is_rest_and_make_up_weekend_is_work() -> None:
    assert not calendar.is_workday(dt.date(2025, 10, 1))  # 国庆节
    assert calendar.is_workday(dt.date(2025, 9, 28))  # Sunday, 调休 working day
    assert not calendar.is_workday(dt.date(2025, 10, 4))  # Saturday inside the holiday


def test_add_working_days_skips_the_spring_festival() -> None:
    # 2026 春节: 2.15–2.23 off, 2.14 (Sat) and 2.28 (Sat) worked.
    assert calendar.add_working_days(dt.date(2026, 2, 13), 1) == dt.date(2026, 2, 14)
    assert calendar.add_working_days(dt.date(2026, 2, 14), 1) == dt.date(2026, 2, 24)


def test_year_outside_the_library_is_refused_with_a_bilingual_error() -> None:
    with pytest.raises(ServiceError) as exc:
        calendar.is_workday(dt.date(2031, 5, 6))
    assert exc.value.code == calendar.CalendarError.YEAR_UNKNOWN
    assert "2031" in exc.value.message_en
    assert "2031" in exc.value.message_zh


def test_a_year_loaded_by_the_bureau_is_used() -> None:
    CalendarYear.objects.create(year=2031, source="国务院办公厅通知（测试）", loaded_at=timezone.now())
    CalendarDay.objects.create(date=dt.date(2031, 5, 1), is_workday=False, name="劳动节", source="test")
    CalendarDay.objects.create(date=dt.date(2031, 5, 4), is_workday=True, name="调休", source="test")  # Sunday
    calendar.clear_cache()
    assert not calendar.is_workday(dt.date(2031, 5, 1))
    assert calendar.is_workday(dt.date(2031, 5, 4))
    assert calendar.is_workday(dt.date(2031, 5, 6))
    assert not calendar.is_workday(dt.date(2031, 5, 10))  # ordinary Saturday


@given(known, st.integers(min_value=0, max_value=40))
def test_add_then_count_round_trips(start: dt.date, n: int) -> None:
    end = calendar.add_working_days(start, n)
    assert calendar.working_days_between(start, end) == n
    assert end == start or calendar.is_workday(end)


@given(known, st.integers(min_value=1, max_value=30))
def test_n_working_days_take_at_least_n_calendar_days(start: dt.date, n: int) -> None:
    end = calendar.add_working_days(start, n)
    assert (end - start).days >= n
    assert calendar.working_days_between(start, end - dt.timedelta(days=1)) == n - 1


def test_load_calendar_command_is_all_or_nothing(tmp_path) -> None:
    from django.core.management import CommandError, call_command

    from zhengcai.core.models import AuditEvent

    bad = tmp_path / "bad.csv"
    bad.write_text("date,is_workday,name\n2031-01-01,0,元旦\n2031-13-01,0,x\n2030-12-31,0,跨年\n", encoding="utf-8")
    with pytest.raises(CommandError, match="line 3"):
        call_command("load_calendar", 2031, str(bad), source="test")
    assert not CalendarYear.objects.exists()
    good = tmp_path / "good.csv"
    good.write_text("date,is_workday,name\n2031-01-01,0,元旦\n2031-01-05,1,调休\n", encoding="utf-8")
    call_command("load_calendar", 2031, str(good), source="国办发明电（测试）")
    calendar.clear_cache()
    assert not calendar.is_workday(dt.date(2031, 1, 1))
    assert calendar.is_workday(dt.date(2031, 1, 5))
    assert AuditEvent.objects.filter(action="calendar.load").count() == 1
