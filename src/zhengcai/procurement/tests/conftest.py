"""Fixtures for procurement tests: an intention, a project and its tender on a fixed calendar."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from zhengcai.accounts.models import User
from zhengcai.core import calendar
from zhengcai.core.permissions import Role
from zhengcai.procurement.models import Intention, Project
from zhengcai.procurement.rules import Category, Method
from zhengcai.procurement.services import ProjectInput, intention_create, intention_publish, project_create


def at(day: dt.date, hour: int = 9) -> dt.datetime:
    return timezone.make_aware(dt.datetime(day.year, day.month, day.day, hour, 0))


D0 = dt.date(2026, 3, 2)  # intention published


@pytest.fixture(autouse=True)
def _fresh_calendar() -> None:
    calendar.clear_cache()


@pytest.fixture
def purchaser(role_users: dict[Role, User]) -> User:
    return role_users[Role.PURCHASER_STAFF]


@pytest.fixture
def intention(heze: dict[str, Any], purchaser: User) -> Intention:
    draft = intention_create(
        purchaser=heze["budget_unit"],
        title="菏泽市第一中学多媒体教室设备采购",
        demand_summary="交互式一体机 60 套",
        budget_fen=180_0000_00,
        expected_month=dt.date(2026, 4, 15),
        actor=purchaser,
        at=at(D0),
    )
    return intention_publish(intention=draft, actor=purchaser, at=at(D0))


def project_input(heze: dict[str, Any], intention: Intention | None, **changes: Any) -> ProjectInput:
    base: dict[str, Any] = {
        "title": "多媒体教室设备采购",
        "purchaser": heze["budget_unit"],
        "agency": heze["agency"],
        "intention": intention,
        "method": Method.OPEN_TENDER,
        "category": Category.GOODS,
        "catalogue_code": "A02010104",
        "budget_fen": 180_0000_00,
        "max_price_fen": 175_0000_00,
        "bid_security_fen": 3_0000_00,
        "sme_deduction_percent": Decimal(10),
    }
    base.update(changes)
    return ProjectInput(**base)


@pytest.fixture
def project(heze: dict[str, Any], intention: Intention, purchaser: User) -> Project:
    return project_create(data=project_input(heze, intention), actor=purchaser, at=at(D0 + dt.timedelta(days=10)))


PUBLISH_ON = D0 + dt.timedelta(days=30)  # 2026-04-01
DEADLINE_ON = PUBLISH_ON + dt.timedelta(days=20)  # 2026-04-21, opening at 09:00


@pytest.fixture
def tender(project: Project, purchaser: User) -> Any:
    from zhengcai.procurement.services import tender_publish

    return tender_publish(
        project=project,
        docs_from=PUBLISH_ON,
        docs_until=PUBLISH_ON + dt.timedelta(days=7),
        deadline=at(DEADLINE_ON, 9),
        notice_text="招标公告",
        actor=purchaser,
        at=at(PUBLISH_ON, 8),
    )


@pytest.fixture
def bidders(heze: dict[str, Any]) -> list[tuple[Any, User]]:
    """Three approved suppliers: large, small and medium."""
    from conftest import make_code, make_user
    from zhengcai.organizations.models import EnterpriseSize, OrganizationKind
    from zhengcai.organizations.services import organization_create

    out = []
    for i, size in enumerate([EnterpriseSize.LARGE, EnterpriseSize.SMALL, EnterpriseSize.MEDIUM]):
        org = organization_create(
            kind=OrganizationKind.SUPPLIER,
            name=f"菏泽投标人{i}有限公司",
            region=heze["city"],
            credit_code=make_code(),
            size=size,
            actor="t",
            at=at(PUBLISH_ON),
        )
        out.append((org, make_user(Role.SUPPLIER_STAFF, org)))
    return out


OPENING = at(DEADLINE_ON, 9)


@pytest.fixture
def awarded(tender: Any, bidders: list[Any], purchaser: User) -> Any:
    """A full round: three bids, opened, evaluated; the small enterprise wins at 170万 (153万 evaluated)."""
    from zhengcai.procurement.bidding import award_decide, bid_submit, evaluate_lowest_price, tender_open

    for (org, user), price in zip(bidders, [160_0000_00, 170_0000_00, 158_0000_00], strict=True):
        bid_submit(
            tender=tender,
            supplier=org,
            price_fen=price,
            technical_response="响应",
            actor=user,
            at=at(PUBLISH_ON + dt.timedelta(days=3)),
        )
    tender_open(tender=tender, actor=purchaser, at=OPENING)
    evaluate_lowest_price(project=tender.project, actor=purchaser, at=OPENING)
    return award_decide(project=tender.project, actor=purchaser, at=OPENING + dt.timedelta(days=1))
