"""The demo year of the service desk (zhengcai.demo.service_seed), on the small demo: every budget unit paired,
every category and state, escalations to both levels, ratings, FAQ entries in every review state, links that
belong to their requesters, a verifying audit chain; a second run adds nothing."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from zhengcai.core.audit import verify_chain
from zhengcai.demo.service_seed import seed_service
from zhengcai.organizations.models import Organization, OrganizationKind
from zhengcai.procurement import selectors as procurement_selectors
from zhengcai.service.models import (
    Category,
    DefaultRoute,
    DepartmentPairing,
    FaqEntry,
    FaqStatus,
    Level,
    RequestStatus,
    RouteReason,
    ServiceRequest,
)

pytestmark = pytest.mark.django_db


def test_seed_service_a_year_in_every_state_by_the_rules_and_idempotent() -> None:
    call_command("seed_demo", "--small", "--projects", "60", stdout=StringIO())
    seed_service(small=True)  # seed_demo calls it too: then this adds nothing
    units = Organization.objects.filter(kind=OrganizationKind.BUDGET_UNIT)
    assert set(DepartmentPairing.objects.values_list("budget_unit", flat=True)) == set(
        units.values_list("pk", flat=True)
    )
    assert DefaultRoute.objects.filter(valid_to__isnull=True).count() == 10
    assert DepartmentPairing.objects.filter(valid_to__isnull=False).exists()  # the city's 国库科 rotation
    assert ServiceRequest.objects.count() >= 100
    assert set(ServiceRequest.objects.values_list("category", flat=True)) == set(Category.values)
    assert {RequestStatus.NEW, RequestStatus.IN_PROGRESS, RequestStatus.CLOSED, RequestStatus.WITHDRAWN} <= set(
        ServiceRequest.objects.values_list("status", flat=True)
    )
    assert {Level.HANDLER, Level.SECTION_HEAD, Level.DIRECTOR} <= set(
        ServiceRequest.objects.values_list("level", flat=True)
    )
    assert {RouteReason.OWN_UNIT, RouteReason.LINKED_UNIT, RouteReason.DEFAULT} <= set(
        ServiceRequest.objects.values_list("route", flat=True)
    )
    assert ServiceRequest.objects.filter(rating__isnull=False).count() > 50
    assert ServiceRequest.objects.filter(reopened_count__gt=0).exists()
    assert set(FaqEntry.objects.values_list("status", flat=True)) == set(FaqStatus.values)
    for request in ServiceRequest.objects.exclude(tender=None).select_related("organization")[:20]:
        assert (
            procurement_selectors.tenders_of(organization=request.organization)
            .filter(pk=request.tender_id or 0)
            .exists()
        )
    for request in ServiceRequest.objects.exclude(contract=None).select_related("organization")[:20]:
        assert (
            procurement_selectors.contracts_of(organization=request.organization)
            .filter(pk=request.contract_id or 0)
            .exists()
        )
    for request in ServiceRequest.objects.filter(status=RequestStatus.CLOSED)[:50]:
        assert request.resolved_at is not None
        assert request.resolved_wd is not None
    assert list(verify_chain()) == []
    before = ServiceRequest.objects.count(), DepartmentPairing.objects.count(), FaqEntry.objects.count()
    assert seed_service(small=True) == {}
    assert (ServiceRequest.objects.count(), DepartmentPairing.objects.count(), FaqEntry.objects.count()) == before
