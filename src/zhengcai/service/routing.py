"""SVC-ROUTE: where a request goes (reads only; ``services.request_submit`` stores the answer).

1. The budget units the request concerns, in order:
   - a budget unit asking for itself: that unit;
   - a request linked to a tender, contract or payment: the purchaser of that procurement (the unit the
     problem is with), then
   - for an agency or supplier: the budget units it is paired with (``PartnerPairing`` in force that day,
     the most recent pairing first).
2. The first of those units with a department pairing in force that day: that department, its handler,
   section head and director.
3. None: the default handler of the requester's region (``DefaultRoute``), else of the city; else the
   region's finance bureau itself, unassigned, where the bureau's administrators assign it. A request is
   never lost.

The linked procurement's purchaser comes before the supplier's paired units: the problem is with that
purchaser, and its counterpart department can act on it (docs/service-desk.md explains the choice).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from zhengcai.core.errors import ServiceError
from zhengcai.organizations.models import Organization, OrganizationKind, Region
from zhengcai.organizations.selectors import bureau_for_region

from .errors import DeskError
from .models import DefaultRoute, DepartmentPairing, PartnerPairing, RouteReason


@dataclass(frozen=True)
class Route:
    region: Region
    department: Organization
    reason: str
    budget_unit: Organization | None = None
    pairing: DepartmentPairing | None = None
    default_route: DefaultRoute | None = None
    handler: Any = None
    section_head: Any = None
    director: Any = None


def in_force(qs: QuerySet[Any], on: dt.date) -> QuerySet[Any]:
    """Rows of a dated table that hold on ``on``."""
    return qs.filter(valid_from__lte=on).filter(Q(valid_to__isnull=True) | Q(valid_to__gt=on))


def department_pairing_on(unit: Organization, on: dt.date) -> DepartmentPairing | None:
    return (
        in_force(DepartmentPairing.objects.filter(budget_unit=unit), on)
        .select_related("department__region", "handler", "section_head", "director")
        .order_by("-valid_from", "-id")
        .first()
    )


def paired_units(partner: Organization, on: dt.date) -> list[Organization]:
    rows = in_force(PartnerPairing.objects.filter(partner=partner), on).select_related("budget_unit")
    return [row.budget_unit for row in rows.order_by("-valid_from", "-id")]


def default_route_on(region: Region, on: dt.date) -> DefaultRoute | None:
    return (
        in_force(DefaultRoute.objects.filter(region=region), on)
        .select_related("department__region", "handler", "section_head", "director")
        .order_by("-valid_from", "-id")
        .first()
    )


def _chain(row: Any) -> dict[str, Any]:
    """The chain's people, skipping anyone no longer active (the next one up takes it)."""
    people = [p for p in (row.handler, row.section_head, row.director) if p is not None and p.is_active]
    handler = people[0] if people else None
    return {
        "handler": handler,
        "section_head": row.section_head if row.section_head.is_active else None,
        "director": row.director if row.director.is_active else None,
    }


def route_for(*, organization: Organization, linked_unit: Organization | None, on: dt.date) -> Route:
    units: list[Organization] = []
    if organization.kind == OrganizationKind.BUDGET_UNIT:
        units.append(organization)
    if linked_unit is not None and linked_unit not in units:
        units.append(linked_unit)
    if organization.kind != OrganizationKind.BUDGET_UNIT:
        units.extend(u for u in paired_units(organization, on) if u not in units)
    for unit in units:
        pairing = department_pairing_on(unit, on)
        if pairing is None:
            continue
        if unit == organization:
            reason = RouteReason.OWN_UNIT
        elif unit == linked_unit:
            reason = RouteReason.LINKED_UNIT
        else:
            reason = RouteReason.PAIRED_UNIT
        return Route(
            region=pairing.department.region,
            department=pairing.department,
            reason=reason,
            budget_unit=unit,
            pairing=pairing,
            **_chain(pairing),
        )
    region = organization.region
    for candidate in (region, region.parent):
        if candidate is None:
            continue
        default = default_route_on(candidate, on)
        if default is not None:
            return Route(
                region=default.department.region,
                department=default.department,
                reason=RouteReason.DEFAULT,
                budget_unit=units[0] if units else None,
                default_route=default,
                **_chain(default),
            )
    bureau = bureau_for_region(region=region) or (
        bureau_for_region(region=region.parent) if region.parent is not None else None
    )
    if bureau is None:
        raise ServiceError(
            DeskError.NO_BUREAU,
            None,
            _("No finance bureau serves the region {region}: the platform administrator must add one."),
            region=region.name,
        )
    return Route(
        region=bureau.region, department=bureau, reason=RouteReason.BUREAU, budget_unit=units[0] if units else None
    )
