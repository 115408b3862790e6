"""Fixtures for credit tests: the procurement fixtures (a tender, bidders, an awarded round) and suppliers."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from conftest import make_code
from zhengcai.organizations.models import EnterpriseSize, Organization, OrganizationKind
from zhengcai.organizations.services import organization_create
from zhengcai.procurement.tests.conftest import (  # noqa: F401 - fixtures used by the credit tests
    _fresh_calendar,
    awarded,
    bidders,
    intention,
    project,
    purchaser,
    tender,
)


def moment(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime(day.year, day.month, day.day, hour, 0))


def supplier_in(region: Any, name: str, size: str = EnterpriseSize.MEDIUM) -> Organization:
    return organization_create(
        kind=OrganizationKind.SUPPLIER,
        name=name,
        region=region,
        credit_code=make_code(region.code),
        size=size,
        actor="test",
        at=moment(dt.date(2024, 1, 2)),
    )


@pytest.fixture
def cao_supplier(heze: dict[str, Any]) -> Organization:
    return supplier_in(heze["cao"], "曹县宏达商贸有限公司")
