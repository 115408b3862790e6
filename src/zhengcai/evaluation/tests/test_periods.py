"""Periods (close fixes the as-of moment, reopen needs a reason) and targets (validated, audited, fallback)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from conftest import make_user
from zhengcai.core.audit import AuditEvent
from zhengcai.core.errors import ServiceError
from zhengcai.core.permissions import Role
from zhengcai.evaluation import compute, periods, selectors
from zhengcai.evaluation.errors import IndicatorError
from zhengcai.evaluation.models import PeriodKind, PeriodStatus


def at(day: dt.date, hour: int = 9) -> dt.datetime:
    return timezone.make_aware(dt.datetime(day.year, day.month, day.day, hour), compute.SH)


@pytest.fixture
def admin(heze: dict[str, Any]) -> Any:
    return make_user(Role.BUREAU_ADMIN, heze["city_bureau"])


def test_labels_parse_to_months_quarters_and_years() -> None:
    assert compute.parse_label("2026") == (PeriodKind.YEAR, dt.date(2026, 1, 1), dt.date(2027, 1, 1))
    assert compute.parse_label("2026-Q4") == (PeriodKind.QUARTER, dt.date(2026, 10, 1), dt.date(2027, 1, 1))
    assert compute.parse_label("2026-12") == (PeriodKind.MONTH, dt.date(2026, 12, 1), dt.date(2027, 1, 1))
    for bad in ("2026-Q5", "2026-13", "26", "2026-x"):
        with pytest.raises(ValueError, match=bad):
            compute.parse_label(bad)
    assert len(compute.year_labels(2026)) == 17


def test_close_refuses_a_period_that_has_not_ended_bilingual(admin: Any) -> None:
    q3 = compute.period_ensure("2026-Q3")
    with pytest.raises(ServiceError) as err:
        periods.period_close(period=q3, actor=admin, at=at(dt.date(2026, 9, 30), 23))
    assert err.value.code == IndicatorError.PERIOD_FUTURE
    assert err.value.field == "period"
    assert "2026-Q3" in err.value.message_en
    assert "2026-10-01" in err.value.message_en
    assert "2026-Q3" in err.value.message_zh


def test_close_fixes_as_of_and_reopen_needs_a_reason_both_audited(admin: Any) -> None:
    q3 = compute.period_ensure("2026-Q3")
    closed = periods.period_close(period=q3, actor=admin, at=at(dt.date(2026, 10, 1), 10))
    assert closed.status == PeriodStatus.CLOSED
    assert compute.period_as_of(closed, at(dt.date(2026, 12, 1))) == at(dt.date(2026, 10, 1), 10)
    with pytest.raises(ServiceError) as err:
        periods.period_close(period=closed, actor=admin, at=at(dt.date(2026, 10, 2)))
    assert err.value.code == IndicatorError.PERIOD_CLOSED
    with pytest.raises(ServiceError) as err:
        periods.period_reopen(period=closed, reason="  ", actor=admin, at=at(dt.date(2026, 10, 3)))
    assert err.value.field == "reason"
    opened = periods.period_reopen(period=closed, reason="补录9月付款", actor=admin, at=at(dt.date(2026, 10, 3)))
    assert opened.status == PeriodStatus.OPEN
    assert opened.closed_at is None
    actions = list(AuditEvent.objects.filter(object_id=str(q3.pk)).values_list("action", flat=True))
    assert "evaluation.period.close" in actions
    assert "evaluation.period.reopen" in actions


def test_target_set_validated_audited_and_falls_back_to_catalogue(admin: Any) -> None:
    assert selectors.target_for("days_to_pay_sme", 2026) == Decimal("30")
    assert selectors.target_for("financing_raised", 2026) is None
    periods.target_set(code="days_to_pay_sme", year=2026, target="20", actor=admin, at=at(dt.date(2026, 1, 5)))
    assert selectors.target_for("days_to_pay_sme", 2026) == Decimal("20.00")
    assert selectors.target_for("days_to_pay_sme", 2027) == Decimal("30")
    assert AuditEvent.objects.filter(action="evaluation.target.set").count() == 1
    for code, target, field in (
        ("nope", "1", "indicator"),
        ("sme_award_share", "120", "target"),
        ("sme_award_share", "abc", "target"),
    ):
        with pytest.raises(ServiceError) as err:
            periods.target_set(code=code, year=2026, target=target, actor=admin, at=at(dt.date(2026, 1, 5)))
        assert err.value.field == field
