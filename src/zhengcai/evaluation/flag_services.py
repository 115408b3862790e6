"""Writes of the red-flag area: threshold settings and a supervisor's review of a flag (the scan itself is in
redflags.py). Check, lock, write, audit — inside one transaction."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from zhengcai.core.audit import audit_record
from zhengcai.core.errors import ServiceError, raise_if_any

from . import redflags
from .errors import FlagError
from .models import RedFlag, RedFlagSetting, RedFlagStatus

# Allowed review transitions: an open flag is explained (a legitimate reason was found) or confirmed (a real
# integrity problem); an explanation may later be found wanting and the flag confirmed. Confirmed is final.
REVIEW_TRANSITIONS: dict[str, frozenset[str]] = {
    RedFlagStatus.OPEN: frozenset({RedFlagStatus.EXPLAINED, RedFlagStatus.CONFIRMED}),
    RedFlagStatus.EXPLAINED: frozenset({RedFlagStatus.CONFIRMED}),
    RedFlagStatus.CONFIRMED: frozenset(),
}


def _parse(spec: redflags.ParamSpec, raw: Any) -> Any:
    """One threshold from a form or JSON value; a ServiceError names the field and the allowed range."""
    if spec.kind == "bool":
        return raw if isinstance(raw, bool) else str(raw).strip().lower() in {"1", "true", "on", "yes"}
    try:
        value = Decimal(str(raw).strip())
        valid = value.is_finite() and spec.minimum <= value <= spec.maximum
    except (InvalidOperation, ValueError):
        valid = False
    if not valid:
        raise ServiceError(
            FlagError.PARAM,
            spec.name,
            _("{label} must be a number from {minimum} to {maximum}."),
            label=spec.label,
            minimum=spec.minimum,
            maximum=spec.maximum,
        )
    whole = value == value.to_integral_value()
    if spec.kind == "int" and not whole:
        raise ServiceError(FlagError.PARAM, spec.name, _("{label} must be a whole number."), label=spec.label)
    if int(value.as_tuple().exponent) < -2:
        raise ServiceError(
            FlagError.PARAM, spec.name, _("{label} allows at most two decimal places."), label=spec.label
        )
    return int(value) if whole else float(value)


def red_flag_setting_update(
    *, code: str, enabled: bool, params: dict[str, Any], actor: Any, at: dt.datetime
) -> RedFlagSetting:
    """Change one flag's thresholds and whether it is raised; every threshold is checked against its range,
    all errors are reported at once, and the change is audited with the values before and after. The new
    thresholds apply from the next scan."""
    definition = redflags.BY_CODE.get(code)
    if definition is None:
        raise ServiceError(FlagError.CODE, "code", _("There is no red flag {flag}."), flag=code)
    errors: list[ServiceError] = []
    parsed: dict[str, Any] = {}
    for spec in definition.params:
        if spec.name not in params and spec.kind != "bool":
            errors.append(ServiceError(FlagError.PARAM, spec.name, _("{label} is required."), label=spec.label))
            continue
        try:
            parsed[spec.name] = _parse(spec, params.get(spec.name, False))
        except ServiceError as error:
            errors.append(error)
    raise_if_any(errors)
    with transaction.atomic():
        redflags.settings_ensure(at=at)
        setting = RedFlagSetting.objects.select_for_update().get(code=code)
        before = {"enabled": setting.enabled, "params": redflags.effective_params(definition, setting)}
        setting.enabled, setting.params = bool(enabled), parsed
        setting.updated_at, setting.updated_by = at, actor
        setting.save(update_fields=["enabled", "params", "updated_at", "updated_by"])
        audit_record(
            actor=actor,
            action="evaluation.red_flag.setting",
            obj=setting,
            before={"code": code, **before},
            after={"code": code, "enabled": setting.enabled, "params": parsed},
            at=at,
        )
    return setting


def red_flag_review(*, flag: RedFlag, status: str, note: str, actor: Any, at: dt.datetime) -> RedFlag:
    """A supervisor marks a flag explained or confirmed, with a required note saying why."""
    errors: list[ServiceError] = []
    if status not in (RedFlagStatus.EXPLAINED, RedFlagStatus.CONFIRMED):
        errors.append(
            ServiceError(FlagError.STATUS, "status", _("Choose whether the flag is explained or confirmed."))
        )
    if not note.strip():
        errors.append(
            ServiceError(FlagError.NOTE, "note", _("Write a note saying why the flag is explained or confirmed."))
        )
    raise_if_any(errors)
    with transaction.atomic():
        flag = RedFlag.objects.select_for_update().get(pk=flag.pk)
        if status not in REVIEW_TRANSITIONS[flag.status]:
            raise ServiceError(
                FlagError.STATUS,
                "status",
                _("A flag that is {current} cannot be marked {target}."),
                current=RedFlagStatus(flag.status).label,
                target=RedFlagStatus(status).label,
            )
        before = {"status": flag.status, "review_note": flag.review_note}
        flag.status, flag.review_note = status, note.strip()
        flag.reviewed_at, flag.reviewed_by = at, actor
        flag.save(update_fields=["status", "review_note", "reviewed_at", "reviewed_by"])
        audit_record(
            actor=actor,
            action="evaluation.red_flag.review",
            obj=flag,
            before=before,
            after={"status": flag.status, "review_note": flag.review_note},
            at=at,
        )
    return flag
