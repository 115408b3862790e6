"""Shared fixtures: a small Heze (city, two counties, bureaus) and one user per role."""

from __future__ import annotations

import datetime as dt
import itertools
import random
from typing import Any

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, settings

from zhengcai.accounts.models import User
from zhengcai.accounts.services import membership_create, user_create
from zhengcai.core.permissions import Role
from zhengcai.demo.data import credit_code
from zhengcai.organizations.models import EnterpriseSize, Organization, OrganizationKind, Region
from zhengcai.organizations.services import organization_create, region_ensure

PASSWORD = "Test-pass-2026!"
AT = timezone.make_aware(dt.datetime(2026, 3, 2, 10, 0))
_codes = random.Random(7)
_counter = itertools.count(1)

# Tests assert behaviour, not speed: on a loaded CI machine Hypothesis must not fail a test for generating its
# inputs slowly or for one slow example.
settings.register_profile("zhengcai", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("zhengcai")


def make_code(division: str = "371700") -> str:
    return credit_code(_codes, division)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    """Argon2 is the production hasher (tested in accounts); tests hash thousands of times."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _audit_triggers_allow_flush(request: pytest.FixtureRequest) -> Any:
    """Transactional tests empty every table afterwards; the audit log's triggers refuse that.

    The triggers are lifted at teardown (before the flush) and put back for the next test.
    """
    marker = request.node.get_closest_marker("django_db")
    transactional = "live_server" in request.fixturenames or "transactional_db" in request.fixturenames
    transactional = transactional or bool(marker and marker.kwargs.get("transaction"))
    if not transactional:
        yield
        return
    from django.db import connection

    from zhengcai.core import db_guards

    request.getfixturevalue("transactional_db")
    db_guards.install(connection)
    yield
    db_guards.remove(connection)


@pytest.fixture
def at() -> dt.datetime:
    return AT


@pytest.fixture
def heze(db: Any) -> dict[str, Any]:
    city = region_ensure(
        code="371700", name="菏泽市", name_en="Heze City", level="city", parent=None, sort=0, actor="test", at=AT
    )
    cao = region_ensure(
        code="371721", name="曹县", name_en="Cao County", level="county", parent=city, sort=3, actor="test", at=AT
    )
    shan = region_ensure(
        code="371722", name="单县", name_en="Shan County", level="county", parent=city, sort=4, actor="test", at=AT
    )
    orgs: dict[str, Any] = {"city": city, "cao": cao, "shan": shan}
    for key, region in (("city", city), ("cao", cao), ("shan", shan)):
        bureau = organization_create(
            kind=OrganizationKind.FINANCE_BUREAU, name=f"{region.name}财政局", region=region, actor="test", at=AT
        )
        orgs[f"{key}_bureau"] = bureau
        orgs[f"{key}_dept"] = organization_create(
            kind=OrganizationKind.BUREAU_DEPARTMENT,
            name=f"{region.name}财政局政府采购管理科",
            region=region,
            parent=bureau,
            actor="test",
            at=AT,
        )
    orgs["budget_unit"] = organization_create(
        kind=OrganizationKind.BUDGET_UNIT, name="菏泽市教育局", region=city, actor="test", at=AT
    )
    orgs["agency"] = organization_create(
        kind=OrganizationKind.AGENCY,
        name="山东正信招标代理有限公司",
        region=city,
        credit_code=make_code(),
        actor="test",
        at=AT,
    )
    orgs["supplier"] = organization_create(
        kind=OrganizationKind.SUPPLIER,
        name="菏泽鑫源办公设备有限公司",
        region=city,
        credit_code=make_code(),
        size=EnterpriseSize.SMALL,
        actor="test",
        at=AT,
    )
    orgs["bank"] = organization_create(
        kind=OrganizationKind.BANK,
        name="中国工商银行股份有限公司菏泽分行",
        region=city,
        credit_code=make_code(),
        actor="test",
        at=AT,
    )
    orgs["guarantor"] = organization_create(
        kind=OrganizationKind.GUARANTOR,
        name="菏泽市融资担保有限公司",
        region=city,
        credit_code=make_code(),
        actor="test",
        at=AT,
    )
    orgs["city_government"] = organization_create(
        kind=OrganizationKind.GOVERNMENT, name="菏泽市人民政府", region=city, actor="test", at=AT
    )
    return orgs


ROLE_HOME_ORG = {
    Role.BUREAU_ADMIN: "city_bureau",
    Role.BUREAU_REVIEWER: "city_dept",
    Role.PUBLICITY_EDITOR: "city_bureau",
    Role.PUBLICITY_REVIEWER: "city_bureau",
    Role.BUREAU_LEADER: "city_bureau",
    Role.PURCHASER_STAFF: "budget_unit",
    Role.AGENCY_STAFF: "agency",
    Role.SUPPLIER_STAFF: "supplier",
    Role.BANK_OFFICER: "bank",
    Role.GUARANTOR_OFFICER: "guarantor",
    Role.EVALUATION_EXPERT: "city_bureau",
    Role.AUDITOR: "city_bureau",
    Role.GOVERNMENT_LEADER: "city_government",
}


def make_user(role: Role, organization: Organization, username: str | None = None) -> User:
    name = username or f"{role.value}_{next(_counter)}"
    user = user_create(username=name, password=PASSWORD, email=f"{name}@example.invalid", actor="test", at=AT)
    membership_create(user=user, organization=organization, role=role, actor="test", at=AT)
    return user


def register_pending(
    region: Region, name: str, username: str, *, division: str | None = None, **details: Any
) -> Organization:
    """A supplier that registered itself and waits for the bureau's review (with its staff account)."""
    from zhengcai.organizations.services import SupplierRegistration, supplier_register

    fields: dict[str, Any] = {
        "name": name,
        "credit_code": make_code(division or region.code),
        "region": region,
        "size": "micro",
        "business_scope": "办公用品销售",
        "address": "",
        "contact_name": "联系人",
        "contact_phone": "13800000000",
        "contact_email": f"{username}@example.invalid",
        "username": username,
        "password": PASSWORD,
    }
    fields.update(details)
    org, _user = supplier_register(data=SupplierRegistration(**fields), at=AT)
    return org


@pytest.fixture
def role_users(heze: dict[str, Any]) -> dict[Role, User]:
    """One user per role, each in the organization where that role is held city-wide."""
    return {role: make_user(role, heze[key], username=role.value) for role, key in ROLE_HOME_ORG.items()}


@pytest.fixture
def county_reviewer(heze: dict[str, Any]) -> User:
    return make_user(Role.BUREAU_REVIEWER, heze["cao_dept"], username="cao_reviewer")


__all__ = ["AT", "PASSWORD", "make_code", "make_user", "register_pending"]


@pytest.fixture
def calendar_2027(db: Any) -> None:
    """A stand-in 2027 calendar (weekends only) for journeys that run on today's clock and cross into
    2027, which the holiday library does not know yet. TEST DATA ONLY — not the State Council's notice."""
    from zhengcai.core import calendar
    from zhengcai.core.models import CalendarYear

    CalendarYear.objects.get_or_create(
        year=2027, defaults={"source": "TEST ONLY: weekends, no holidays", "loaded_at": timezone.now()}
    )
    calendar.clear_cache()
