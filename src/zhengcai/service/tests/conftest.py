"""Fixtures of the service desk tests, made through the services like real ones.

Time: ``T0`` = Monday 2026-06-01 09:00 (Asia/Shanghai), after the procurement fixtures' contract.
People (``chain``): the city's handler, section head and director (service desk roles in the city bureau),
the bureau administrator (``manager``), and a 曹县 chain. Procurement (the procurement app's fixtures): a
tender with three bidders; ``contract``: the small bidder's signed contract with an advance payment.
``paired``: 菏泽市教育局 (``heze["budget_unit"]``) paired with the city's 政府采购管理科 from T0.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.utils import timezone

from conftest import make_user
from zhengcai.accounts.models import User
from zhengcai.core.permissions import Role
from zhengcai.procurement.tests import conftest as procurement_fixtures
from zhengcai.service import pairings, services
from zhengcai.service.models import DepartmentPairing, ServiceRequest

# the procurement fixtures, shared
_fresh_calendar = procurement_fixtures._fresh_calendar
intention = procurement_fixtures.intention
project = procurement_fixtures.project
tender = procurement_fixtures.tender
purchaser = procurement_fixtures.purchaser
bidders = procurement_fixtures.bidders
awarded = procurement_fixtures.awarded

T0 = timezone.make_aware(dt.datetime(2026, 6, 1, 9, 0))  # a Monday


def at_day(day: dt.date, hour: int = 9, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime(day.year, day.month, day.day, hour, minute))


PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def upload(data: bytes = PDF, name: str = "凭证.pdf") -> services.Upload:
    return services.Upload(stream=io.BytesIO(data), filename=name)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def chain(heze: dict[str, Any], role_users: dict[Role, User]) -> dict[str, User]:
    return {
        "handler": make_user(Role.BUREAU_REVIEWER, heze["city_dept"], username="svc_handler"),
        "head": make_user(Role.BUREAU_REVIEWER, heze["city_dept"], username="svc_head"),
        "director": make_user(Role.BUREAU_LEADER, heze["city_bureau"], username="svc_director"),
        "manager": role_users[Role.BUREAU_ADMIN],
        "cao_handler": make_user(Role.BUREAU_REVIEWER, heze["cao_dept"], username="svc_cao_handler"),
        "cao_head": make_user(Role.BUREAU_REVIEWER, heze["cao_dept"], username="svc_cao_head"),
        "cao_director": make_user(Role.BUREAU_LEADER, heze["cao_bureau"], username="svc_cao_director"),
        "cao_manager": make_user(Role.BUREAU_ADMIN, heze["cao_bureau"], username="svc_cao_admin"),
    }


@pytest.fixture
def paired(heze: dict[str, Any], chain: dict[str, User]) -> DepartmentPairing:
    return pairings.department_pair(
        unit=heze["budget_unit"],
        department=heze["city_dept"],
        handler=chain["handler"],
        section_head=chain["head"],
        director=chain["director"],
        valid_from=T0.date(),
        actor=chain["manager"],
        at=T0,
    )


@pytest.fixture
def supplier_user(heze: dict[str, Any], role_users: dict[Role, User]) -> User:
    """Staff of heze["supplier"], a supplier with no tender or contract."""
    return role_users[Role.SUPPLIER_STAFF]


@pytest.fixture
def winner(bidders: list[Any]) -> tuple[Any, User]:
    """The small enterprise that wins the procurement fixtures' tender."""
    return bidders[1]


@pytest.fixture
def contract(awarded: Any, purchaser: User) -> Any:
    """Signed on 2026-05-06 with an advance payment of ¥100,000 paid on 2026-05-08."""
    from zhengcai.procurement.lifecycle import contract_sign, payment_record, result_publish

    result_publish(award=awarded, actor=purchaser, at=at_day(dt.date(2026, 4, 23)))
    signed = contract_sign(
        award=awarded,
        signed_on=dt.date(2026, 5, 6),
        advance_payment_fen=10_0000_00,
        actor=purchaser,
        at=at_day(dt.date(2026, 5, 6)),
    )
    payment_record(
        contract=signed,
        amount_fen=10_0000_00,
        paid_on=dt.date(2026, 5, 8),
        is_advance=True,
        actor=purchaser,
        at=at_day(dt.date(2026, 5, 8)),
    )
    return signed


def submit(
    organization: Any,
    user: User,
    *,
    category: str = "policy_question",
    subject: str = "中小企业声明函如何填写",
    description: str = "请问中小企业声明函中从业人员数量按什么口径填写？",
    at: dt.datetime = T0,
    files: list[services.Upload] | None = None,
    **links: Any,
) -> ServiceRequest:
    return services.request_submit(
        organization=organization,
        data=services.RequestInput(category=category, subject=subject, description=description, **links),
        actor=user,
        at=at,
        files=files or [],
    )
