"""Writes of the bureau's administrators (SERVICE_MANAGE): department pairings, partner pairings, default
handlers and service levels. All are dated facts, never edited: a change closes the row in force from a
date and opens the new one from the same date; both are audited.

Rules:
PAIR-REGION   a budget unit is served by a department of its own region's finance bureau (or the bureau).
PAIR-PEOPLE   the handler, the section head and the director are three different active people, each with a
              service-desk role (SERVICE_HANDLE) in a bureau that reaches the unit's region.
PAIR-DATE     a change takes effect today or later (never back-dated), and after the start of the row it
              replaces.
Requests already routed keep their handler: a pairing change routes new requests (reassign the others).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from zhengcai.accounts.selectors import user_scope
from zhengcai.core.audit import audit_record, snapshot
from zhengcai.core.errors import ConflictError, ServiceError, raise_if_any
from zhengcai.core.permissions import P
from zhengcai.organizations.models import Organization, OrganizationKind, OrganizationStatus, Region

from . import rules
from .errors import PairingError
from .models import Category, DefaultRoute, DepartmentPairing, PartnerPairing, ServiceLevel
from .services import handler_reaches

AUDIT_ACTIONS: dict[str, Any] = {
    "service.pairing.open": _("Counterpart department pairing made"),
    "service.pairing.close": _("Counterpart department pairing ended"),
    "service.partner.open": _("Budget unit paired with an agency or supplier"),
    "service.partner.close": _("Budget unit's pairing with an agency or supplier ended"),
    "service.default.open": _("Default service desk handler set"),
    "service.default.close": _("Default service desk handler replaced"),
    "service.level.set": _("Service level set"),
}

PARTNER_KINDS = (OrganizationKind.SUPPLIER, OrganizationKind.AGENCY, OrganizationKind.TRADING_CENTRE)
_PHONE = re.compile(r"[0-9+\-() ]{5,40}")


def _reaches_region(actor: Any, region: Region) -> bool:
    scope = user_scope(user=actor, perm=P.SERVICE_MANAGE)
    return scope.everything or region.pk in scope.region_ids


def _require_manager(actor: Any, region: Region) -> None:
    if not _reaches_region(actor, region):
        raise PermissionDenied


def _bureau_of(department: Organization) -> Organization | None:
    if department.kind == OrganizationKind.FINANCE_BUREAU:
        return department
    if department.kind == OrganizationKind.BUREAU_DEPARTMENT and department.parent is not None:
        return department.parent
    return None


def _chain_errors(
    *, region: Region, department: Any, handler: Any, section_head: Any, director: Any
) -> list[ServiceError]:
    """PAIR-REGION and PAIR-PEOPLE."""
    errors: list[ServiceError] = []
    bureau = _bureau_of(department) if department is not None else None
    if bureau is None or bureau.region_id != region.pk:
        errors.append(
            ServiceError(
                PairingError.DEPARTMENT,
                "department",
                _("Choose the finance bureau of {region} or one of its departments (PAIR-REGION)."),
                region=region.name,
            )
        )
    people = (("handler", handler), ("section_head", section_head), ("director", director))
    for field, person in people:
        if person is None or not person.is_active or not handler_reaches(person, region.pk):
            errors.append(
                ServiceError(
                    PairingError.PERSON,
                    field,
                    _(
                        "Choose an active person with a service desk role in a finance bureau that serves {region} "
                        "(PAIR-PEOPLE)."
                    ),
                    region=region.name,
                )
            )
    chosen = [p.pk for _f, p in people if p is not None]
    if len(chosen) == 3 and len(set(chosen)) < 3:
        errors.append(
            ServiceError(
                PairingError.SAME_PEOPLE,
                "section_head",
                _("The handler, the section head and the director are three different people: escalation goes up."),
            )
        )
    return errors


def _date_errors(
    valid_from: dt.date | None, *, current: Any, at: dt.datetime, field: str = "valid_from"
) -> list[ServiceError]:
    """PAIR-DATE."""
    today = rules.local_day(at)
    if valid_from is None:
        return [ServiceError(PairingError.DATE, field, _("Give the date from which it applies."))]
    if valid_from < today:
        return [
            ServiceError(
                PairingError.DATE,
                field,
                _("A change takes effect today ({today}) or later; it is never back-dated (PAIR-DATE)."),
                today=today.isoformat(),
            )
        ]
    if current is not None and valid_from <= current.valid_from:
        return [
            ServiceError(
                PairingError.DATE,
                field,
                _("The current one applies from {start}: a change takes effect after that date (PAIR-DATE)."),
                start=current.valid_from.isoformat(),
            )
        ]
    return []


def _close(row: Any, *, valid_to: dt.date, action: str, actor: Any, at: dt.datetime) -> None:
    before = snapshot(row)
    row.valid_to = valid_to
    row.closed_by = actor
    row.closed_at = at
    row.save(update_fields=["valid_to", "closed_by", "closed_at"])
    audit_record(actor=actor, action=action, obj=row, before=before, after=snapshot(row), at=at)


def _note(note: str) -> str:
    text = (note or "").strip()
    if len(text) > 200:
        raise ServiceError(
            PairingError.CONTACT,
            "note",
            _("{label}: {length} characters; at most {limit} are allowed. Shorten it (nothing is cut off for you)."),
            label=_("Note"),
            length=len(text),
            limit=200,
        )
    return text


def _same_chain(row: Any, department: Any, handler: Any, section_head: Any, director: Any) -> bool:
    return (
        row.department_id == department.pk
        and row.handler_id == handler.pk
        and row.section_head_id == section_head.pk
        and row.director_id == director.pk
    )


def department_pair(
    *,
    unit: Organization,
    department: Organization,
    handler: Any,
    section_head: Any,
    director: Any,
    valid_from: dt.date,
    actor: Any,
    at: dt.datetime,
    note: str = "",
) -> DepartmentPairing:
    """Pair a budget unit with a bureau department (or change its pairing) from ``valid_from``."""
    _require_manager(actor, unit.region)
    if unit.kind != OrganizationKind.BUDGET_UNIT:
        raise ServiceError(PairingError.UNIT, "unit", _("Only budget units are paired with a bureau department."))
    text = _note(note)
    with transaction.atomic():
        current = DepartmentPairing.objects.select_for_update().filter(budget_unit=unit, valid_to__isnull=True).first()
        if current is not None and _same_chain(current, department, handler, section_head, director):
            raise ServiceError(
                PairingError.UNCHANGED, "department", _("This is already the unit's pairing: nothing changes.")
            )
        errors = _chain_errors(
            region=unit.region, department=department, handler=handler, section_head=section_head, director=director
        )
        errors += _date_errors(valid_from, current=current, at=at)
        raise_if_any(errors)
        if current is not None:
            _close(current, valid_to=valid_from, action="service.pairing.close", actor=actor, at=at)
        try:
            with transaction.atomic():
                row = DepartmentPairing.objects.create(
                    budget_unit=unit,
                    department=department,
                    handler=handler,
                    section_head=section_head,
                    director=director,
                    valid_from=valid_from,
                    note=text,
                    created_by=actor,
                    created_at=at,
                )
        except IntegrityError as exc:  # another administrator paired the unit at the same moment
            raise ConflictError(
                PairingError.UNCHANGED, "department", _("The pairing changed meanwhile; reload and try again.")
            ) from exc
        audit_record(actor=actor, action="service.pairing.open", obj=row, after=snapshot(row), at=at)
    return row


def department_unpair(
    *, pairing: DepartmentPairing, valid_to: dt.date, actor: Any, at: dt.datetime
) -> DepartmentPairing:
    """End a unit's pairing from ``valid_to`` (its requests then go to the region's default handler)."""
    _require_manager(actor, pairing.budget_unit.region)
    with transaction.atomic():
        row = DepartmentPairing.objects.select_for_update().get(pk=pairing.pk)
        if row.valid_to is not None:
            raise ServiceError(PairingError.NOT_OPEN, "valid_to", _("This pairing has already ended."))
        raise_if_any(_date_errors(valid_to, current=row, at=at, field="valid_to"))
        _close(row, valid_to=valid_to, action="service.pairing.close", actor=actor, at=at)
    return row


def default_route_set(
    *,
    region: Region,
    department: Organization,
    handler: Any,
    section_head: Any,
    director: Any,
    valid_from: dt.date,
    actor: Any,
    at: dt.datetime,
    note: str = "",
) -> DefaultRoute:
    """The region's default handler (and chain) for requests no pairing routes, from ``valid_from``."""
    _require_manager(actor, region)
    text = _note(note)
    with transaction.atomic():
        current = DefaultRoute.objects.select_for_update().filter(region=region, valid_to__isnull=True).first()
        if current is not None and _same_chain(current, department, handler, section_head, director):
            raise ServiceError(
                PairingError.UNCHANGED, "department", _("This is already the region's default: nothing changes.")
            )
        errors = _chain_errors(
            region=region, department=department, handler=handler, section_head=section_head, director=director
        )
        errors += _date_errors(valid_from, current=current, at=at)
        raise_if_any(errors)
        if current is not None:
            _close(current, valid_to=valid_from, action="service.default.close", actor=actor, at=at)
        row = DefaultRoute.objects.create(
            region=region,
            department=department,
            handler=handler,
            section_head=section_head,
            director=director,
            valid_from=valid_from,
            note=text,
            created_by=actor,
            created_at=at,
        )
        audit_record(actor=actor, action="service.default.open", obj=row, after=snapshot(row), at=at)
    return row


def _contact_errors(values: dict[str, str]) -> list[ServiceError]:
    errors = []
    for field in ("unit_contact", "partner_contact"):
        value = values[field]
        if not value:
            errors.append(ServiceError(PairingError.CONTACT, field, _("Name the responsible person on each side.")))
        elif len(value) > 50:
            errors.append(
                ServiceError(
                    PairingError.CONTACT,
                    field,
                    _(
                        "{label}: {length} characters; at most {limit} are allowed. Shorten it (nothing is cut off for you)."
                    ),
                    label=_("Responsible person"),
                    length=len(value),
                    limit=50,
                )
            )
    for field in ("unit_phone", "partner_phone"):
        value = values[field]
        if value and not _PHONE.fullmatch(value):
            errors.append(
                ServiceError(
                    PairingError.CONTACT,
                    field,
                    _("A phone number has 5 to 40 digits, spaces, +, - or brackets."),
                )
            )
    return errors


def partner_pair(
    *,
    unit: Organization,
    partner: Organization | None,
    unit_contact: str,
    partner_contact: str,
    valid_from: dt.date,
    actor: Any,
    at: dt.datetime,
    unit_phone: str = "",
    partner_phone: str = "",
    note: str = "",
) -> PartnerPairing:
    """Pair a budget unit with an agency or supplier it works with (or change the responsible people)."""
    _require_manager(actor, unit.region)
    values = {
        "unit_contact": (unit_contact or "").strip(),
        "partner_contact": (partner_contact or "").strip(),
        "unit_phone": (unit_phone or "").strip(),
        "partner_phone": (partner_phone or "").strip(),
    }
    text = _note(note)
    errors: list[ServiceError] = []
    if unit.kind != OrganizationKind.BUDGET_UNIT:
        errors.append(ServiceError(PairingError.UNIT, "unit", _("Only budget units are paired with partners.")))
    if partner is None or partner.kind not in PARTNER_KINDS or partner.status != OrganizationStatus.ACTIVE:
        errors.append(
            ServiceError(
                PairingError.PARTNER,
                "partner",
                _("Give the unified social credit code of an active supplier or procurement agency."),
            )
        )
    errors += _contact_errors(values)
    raise_if_any(errors)
    if partner is None:  # reported above; for the type checker
        raise ServiceError(
            PairingError.PARTNER,
            "partner",
            _("Give the unified social credit code of an active supplier or procurement agency."),
        )
    with transaction.atomic():
        current = (
            PartnerPairing.objects.select_for_update()
            .filter(budget_unit=unit, partner=partner, valid_to__isnull=True)
            .first()
        )
        if current is not None and all(getattr(current, k) == v for k, v in values.items()):
            raise ServiceError(
                PairingError.UNCHANGED, "partner", _("This pairing already names these people: nothing changes.")
            )
        raise_if_any(_date_errors(valid_from, current=current, at=at))
        if current is not None:
            _close(current, valid_to=valid_from, action="service.partner.close", actor=actor, at=at)
        row = PartnerPairing.objects.create(
            budget_unit=unit,
            partner=partner,
            valid_from=valid_from,
            note=text,
            created_by=actor,
            created_at=at,
            **values,
        )
        audit_record(actor=actor, action="service.partner.open", obj=row, after=snapshot(row), at=at)
    return row


def partner_unpair(*, pairing: PartnerPairing, valid_to: dt.date, actor: Any, at: dt.datetime) -> PartnerPairing:
    _require_manager(actor, pairing.budget_unit.region)
    with transaction.atomic():
        row = PartnerPairing.objects.select_for_update().get(pk=pairing.pk)
        if row.valid_to is not None:
            raise ServiceError(PairingError.NOT_OPEN, "valid_to", _("This pairing has already ended."))
        raise_if_any(_date_errors(valid_to, current=row, at=at, field="valid_to"))
        _close(row, valid_to=valid_to, action="service.partner.close", actor=actor, at=at)
    return row


def service_level_set(
    *,
    category: str,
    first_response_wd: Any,
    resolution_wd: Any,
    reopen_days: Any,
    escalation_step_wd: Any,
    effective_from: dt.date,
    actor: Any,
    at: dt.datetime,
    note: str = "",
) -> ServiceLevel:
    """SVC-SLA: a new version of a category's service level, for requests submitted from ``effective_from``
    (requests already filed keep their terms). City-wide: set by the city bureau's administrators."""
    if not user_scope(user=actor, perm=P.SERVICE_MANAGE).everything:
        raise PermissionDenied
    text = _note(note)
    errors: list[ServiceError] = []
    if category not in Category.values:
        errors.append(ServiceError(PairingError.LEVEL, "category", _("Choose a category.")))

    def whole(value: Any) -> int | None:
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    first, resolution = whole(first_response_wd), whole(resolution_wd)
    reopen, step = whole(reopen_days), whole(escalation_step_wd)
    if resolution is None or not 1 <= resolution <= 60:
        errors.append(ServiceError(PairingError.LEVEL, "resolution_wd", _("Resolution within 1 to 60 working days.")))
    if first is None or not 1 <= first <= (resolution or 60):
        errors.append(
            ServiceError(
                PairingError.LEVEL,
                "first_response_wd",
                _("First response within 1 working day or more, and no later than the resolution."),
            )
        )
    if reopen is None or not 1 <= reopen <= 60:
        errors.append(ServiceError(PairingError.LEVEL, "reopen_days", _("The reopening window is 1 to 60 days.")))
    if step is None or not 1 <= step <= 10:
        errors.append(
            ServiceError(PairingError.LEVEL, "escalation_step_wd", _("The escalation step is 1 to 10 working days."))
        )
    errors += _date_errors(effective_from, current=None, at=at, field="effective_from")
    raise_if_any(errors)
    with transaction.atomic():
        if ServiceLevel.objects.filter(category=category, effective_from=effective_from).exists():
            raise ServiceError(
                PairingError.LEVEL_DATE,
                "effective_from",
                _("A level for this category already starts on {day}: choose another date."),
                day=effective_from.isoformat() if effective_from else "",
            )
        row = ServiceLevel.objects.create(
            category=category,
            first_response_wd=first_response_wd,
            resolution_wd=resolution_wd,
            reopen_days=reopen_days,
            escalation_step_wd=escalation_step_wd,
            effective_from=effective_from,
            note=text,
            created_by=actor,
            created_at=at,
        )
        audit_record(actor=actor, action="service.level.set", obj=row, after=snapshot(row), at=at)
    return row
