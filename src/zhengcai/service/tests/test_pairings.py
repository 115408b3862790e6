"""Pairings, default handlers and service levels as dated facts: PAIR-REGION, PAIR-PEOPLE, PAIR-DATE, scope,
history (closed, never edited) and the audit log."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from conftest import make_code
from zhengcai.accounts.models import User
from zhengcai.core.errors import ServiceError, ServiceErrorGroup
from zhengcai.core.models import AuditEvent
from zhengcai.organizations.models import OrganizationKind
from zhengcai.organizations.services import organization_create
from zhengcai.service import pairings, routing
from zhengcai.service.errors import PairingError
from zhengcai.service.models import Category, DepartmentPairing, PartnerPairing

from .conftest import T0

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


def _pair(heze: dict[str, Any], chain: dict[str, User], **changes: Any) -> DepartmentPairing:
    args: dict[str, Any] = {
        "unit": heze["budget_unit"],
        "department": heze["city_dept"],
        "handler": chain["handler"],
        "section_head": chain["head"],
        "director": chain["director"],
        "valid_from": T0.date(),
        "actor": chain["manager"],
        "at": T0,
    }
    args.update(changes)
    return pairings.department_pair(**args)


def test_PAIR_REGION_and_PAIR_PEOPLE(heze: dict[str, Any], chain: dict[str, User], supplier_user: User) -> None:
    with pytest.raises(ServiceError) as exc:
        _pair(heze, chain, department=heze["cao_dept"])
    assert (exc.value.code, exc.value.field) == (PairingError.DEPARTMENT, "department")
    with pytest.raises(ServiceErrorGroup) as group:
        _pair(heze, chain, handler=supplier_user, section_head=chain["cao_head"])
    assert {e.field for e in group.value.errors} == {"handler", "section_head"}  # no role; another county
    with pytest.raises(ServiceError) as exc:
        _pair(heze, chain, section_head=chain["handler"])
    assert exc.value.code == PairingError.SAME_PEOPLE
    with pytest.raises(ServiceError) as exc:
        _pair(heze, chain, unit=heze["supplier"])
    assert exc.value.code == PairingError.UNIT
    assert DepartmentPairing.objects.count() == 0
    # the bureau itself may serve a unit; the city's people reach every county
    cao_unit = organization_create(
        kind=OrganizationKind.BUDGET_UNIT, name="曹县卫生健康局", region=heze["cao"], actor="t", at=T0
    )
    row = _pair(heze, chain, unit=cao_unit, department=heze["cao_bureau"], director=chain["cao_director"])
    assert row.department == heze["cao_bureau"]


def test_PAIR_DATE_a_change_closes_the_row_in_force_and_opens_a_new_one_both_audited(
    heze: dict[str, Any], chain: dict[str, User]
) -> None:
    with pytest.raises(ServiceError) as exc:
        _pair(heze, chain, valid_from=T0.date() - DAY)
    assert (exc.value.code, exc.value.field) == (PairingError.DATE, "valid_from")
    first = _pair(heze, chain)
    with pytest.raises(ServiceError) as exc:
        _pair(heze, chain)
    assert exc.value.code == PairingError.UNCHANGED
    with pytest.raises(ServiceError) as exc:  # not after the current start
        _pair(heze, chain, handler=chain["head"], section_head=chain["handler"], valid_from=T0.date())
    assert exc.value.code == PairingError.DATE
    change_on = T0.date() + 10 * DAY
    second = _pair(heze, chain, handler=chain["head"], section_head=chain["handler"], valid_from=change_on)
    first.refresh_from_db()
    assert (first.valid_from, first.valid_to, first.closed_by) == (T0.date(), change_on, chain["manager"])
    assert (second.valid_from, second.valid_to) == (change_on, None)
    assert routing.department_pairing_on(heze["budget_unit"], change_on - DAY) == first
    assert routing.department_pairing_on(heze["budget_unit"], change_on) == second
    actions = list(
        AuditEvent.objects.filter(object_type="service.departmentpairing")
        .order_by("seq")
        .values_list("action", "object_id")
    )
    assert actions == [
        ("service.pairing.open", str(first.pk)),
        ("service.pairing.close", str(first.pk)),
        ("service.pairing.open", str(second.pk)),
    ]
    ended = pairings.department_unpair(pairing=second, valid_to=change_on + 5 * DAY, actor=chain["manager"], at=T0)
    assert ended.valid_to == change_on + 5 * DAY
    assert routing.department_pairing_on(heze["budget_unit"], change_on + 5 * DAY) is None
    with pytest.raises(ServiceError) as exc:
        pairings.department_unpair(pairing=second, valid_to=change_on + 6 * DAY, actor=chain["manager"], at=T0)
    assert exc.value.code == PairingError.NOT_OPEN


def test_a_county_administrator_pairs_only_units_of_its_county(heze: dict[str, Any], chain: dict[str, User]) -> None:
    with pytest.raises(PermissionDenied):
        _pair(heze, chain, actor=chain["cao_manager"])
    with pytest.raises(PermissionDenied):
        pairings.default_route_set(
            region=heze["city"],
            department=heze["city_dept"],
            handler=chain["handler"],
            section_head=chain["head"],
            director=chain["director"],
            valid_from=T0.date(),
            actor=chain["cao_manager"],
            at=T0,
        )
    with pytest.raises(PermissionDenied):  # a handler without SERVICE_MANAGE
        _pair(heze, chain, actor=chain["handler"])


def test_partner_pairing_names_both_sides_and_changes_by_date(heze: dict[str, Any], chain: dict[str, User]) -> None:
    unit, supplier = heze["budget_unit"], heze["supplier"]

    def pair(**changes: Any) -> PartnerPairing:
        args: dict[str, Any] = {
            "unit": unit,
            "partner": supplier,
            "unit_contact": "刘老师",
            "unit_phone": "0530-5310001",
            "partner_contact": "赵经理",
            "partner_phone": "13805301234",
            "valid_from": T0.date(),
            "actor": chain["manager"],
            "at": T0,
        }
        args.update(changes)
        return pairings.partner_pair(**args)

    with pytest.raises(ServiceErrorGroup) as group:
        pair(partner=None, unit_contact=" ", partner_phone="电话")
    assert {e.field for e in group.value.errors} == {"partner", "unit_contact", "partner_phone"}
    with pytest.raises(ServiceError) as exc:
        pair(partner=heze["bank"])
    assert exc.value.field == "partner"
    with pytest.raises(ServiceError) as exc:
        pair(partner_contact="赵" * 51)
    assert "51" in exc.value.message_en
    first = pair()
    assert routing.paired_units(supplier, T0.date()) == [unit]
    with pytest.raises(ServiceError) as exc:
        pair(valid_from=T0.date() + DAY)
    assert exc.value.code == PairingError.UNCHANGED
    second = pair(partner_contact="钱经理", valid_from=T0.date() + DAY)
    first.refresh_from_db()
    assert first.valid_to == second.valid_from
    agency = organization_create(
        kind=OrganizationKind.AGENCY,
        name="菏泽公信招标有限公司",
        region=heze["city"],
        credit_code=make_code(),
        actor="t",
        at=T0,
    )
    assert pair(partner=agency).partner == agency
    pairings.partner_unpair(pairing=second, valid_to=T0.date() + 3 * DAY, actor=chain["manager"], at=T0)
    assert routing.paired_units(supplier, T0.date() + 3 * DAY) == []


def test_SVC_SLA_levels_are_set_city_wide_within_bounds_and_dated(
    heze: dict[str, Any], chain: dict[str, User]
) -> None:
    def level(**changes: Any) -> Any:
        args: dict[str, Any] = {
            "category": Category.PAYMENT_DELAY,
            "first_response_wd": 1,
            "resolution_wd": 8,
            "reopen_days": 7,
            "escalation_step_wd": 1,
            "effective_from": T0.date(),
            "actor": chain["manager"],
            "at": T0,
        }
        args.update(changes)
        return pairings.service_level_set(**args)

    with pytest.raises(PermissionDenied):
        level(actor=chain["cao_manager"])
    with pytest.raises(ServiceErrorGroup) as group:
        level(first_response_wd=0, resolution_wd=61, reopen_days=0, escalation_step_wd="2")
    assert {e.field for e in group.value.errors} == {
        "first_response_wd",
        "resolution_wd",
        "reopen_days",
        "escalation_step_wd",
    }
    with pytest.raises(ServiceError) as exc:
        level(effective_from=T0.date() - DAY)
    assert exc.value.field == "effective_from"
    row = level()
    assert row.resolution_wd == 8
    with pytest.raises(ServiceError) as exc:
        level(resolution_wd=9)
    assert exc.value.code == PairingError.LEVEL_DATE
    assert AuditEvent.objects.filter(action="service.level.set", object_id=str(row.pk)).exists()
