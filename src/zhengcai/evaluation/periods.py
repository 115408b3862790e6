"""Writes of periods and targets: close a period (fixing its as-of moment), reopen it, set a year's target."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from zhengcai.core.audit import audit_record
from zhengcai.core.errors import ServiceError

from . import catalogue
from .compute import SH
from .errors import IndicatorError
from .models import IndicatorTarget, Period, PeriodStatus

MAX_DECIMAL = Decimal(10) ** 18  # max_digits=20, decimal_places=2: at most 18 digits before the point


def decimal_checked(raw: Any, *, code: str, field: str) -> Decimal:
    """A number stored in a DecimalField(max_digits=20, decimal_places=2), checked rather than rounded: not a
    number, more than two decimals or too large → a bilingual error on ``field``."""
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        raise ServiceError(code, field, _("Enter a number.")) from None
    if not value.is_finite():
        raise ServiceError(code, field, _("Enter a number."))
    if value != value.quantize(Decimal("0.01")):
        raise ServiceError(code, field, _("Enter a number with at most two decimal places."))
    if abs(value) >= MAX_DECIMAL:
        raise ServiceError(code, field, _("The number is too large (at most 18 digits before the decimal point)."))
    return value


def period_close(*, period: Period, actor: Any, at: dt.datetime) -> Period:
    """Close a period that has ended: from now on it is computed as of ``at`` (its closing moment)."""
    with transaction.atomic():
        period = Period.objects.select_for_update().get(pk=period.pk)
        if period.status == PeriodStatus.CLOSED:
            raise ServiceError(
                IndicatorError.PERIOD_CLOSED, "period", _("{period} is already closed."), period=period.label
            )
        if at.astimezone(SH).date() < period.end:
            raise ServiceError(
                IndicatorError.PERIOD_FUTURE,
                "period",
                _("{period} has not ended yet (it runs until {last}); a period can be closed from {end} on."),
                period=period.label,
                last=(period.end - dt.timedelta(days=1)).isoformat(),
                end=period.end.isoformat(),
            )
        period.status, period.closed_at = PeriodStatus.CLOSED, at
        period.closed_by = actor if getattr(actor, "is_authenticated", False) else None
        period.save(update_fields=["status", "closed_at", "closed_by"])
        audit_record(
            actor=actor, action="evaluation.period.close", obj=period, after={"closed_at": at.isoformat()}, at=at
        )
    return period


def period_reopen(*, period: Period, reason: str, actor: Any, at: dt.datetime) -> Period:
    """Reopen a closed period (a reason is required): it is computed as of now again."""
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(
            IndicatorError.PERIOD, "reason", _("Give the reason for reopening {period}."), period=period.label
        )
    with transaction.atomic():
        period = Period.objects.select_for_update().get(pk=period.pk)
        if period.status != PeriodStatus.CLOSED:
            raise ServiceError(IndicatorError.PERIOD_OPEN, "period", _("{period} is not closed."), period=period.label)
        before = {"closed_at": period.closed_at.isoformat() if period.closed_at else None}
        period.status, period.closed_at, period.closed_by = PeriodStatus.OPEN, None, None
        period.save(update_fields=["status", "closed_at", "closed_by"])
        audit_record(
            actor=actor,
            action="evaluation.period.reopen",
            obj=period,
            before=before,
            after={"reason": reason},
            at=at,
        )
    return period


def target_set(*, code: str, year: int, target: Any, actor: Any, at: dt.datetime) -> IndicatorTarget:
    """Set an indicator's target for a year (the newest wins over the catalogue default)."""
    if code not in catalogue.BY_CODE:
        raise ServiceError(IndicatorError.INDICATOR, "indicator", _("Unknown indicator {indicator}."), indicator=code)
    if not 2000 <= int(year) <= 2100:
        raise ServiceError(IndicatorError.TARGET, "year", _("The year must be between 2000 and 2100."))
    value = decimal_checked(target, code=IndicatorError.TARGET, field="target").quantize(Decimal("0.01"))
    unit = catalogue.get(code).unit
    if value < 0 or (unit == catalogue.PERCENT and value > 100):
        raise ServiceError(
            IndicatorError.TARGET,
            "target",
            _("The target of {indicator} must be between 0 and {maximum}."),
            indicator=catalogue.get(code).name_en,
            maximum="100" if unit == catalogue.PERCENT else "∞",
        )
    with transaction.atomic():
        row = IndicatorTarget.objects.create(indicator=code, year=int(year), target=value, set_at=at, set_by=actor)
        audit_record(
            actor=actor,
            action="evaluation.target.set",
            obj=row,
            after={"indicator": code, "year": int(year), "target": str(value)},
            at=at,
        )
    return row
