"""GET /api/v1/credit/me and /api/v1/credit/decisions/{tender_id}: a supplier reads its own credit."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from zhengcai.accounts.models import User
from zhengcai.core.permissions import Role
from zhengcai.credit.models import ExemptionDecision
from zhengcai.credit.services import Entry, credit_record_add, exemption_decide

pytestmark = pytest.mark.django_db


def login(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_credit_me_lists_records_and_the_outlook(heze: dict[str, Any], role_users: dict[Role, User]) -> None:
    day = timezone.localdate() - dt.timedelta(days=20)
    credit_record_add(
        supplier=heze["supplier"],
        entry=Entry(
            kind="serious_dishonesty",
            severity="serious",
            occurred_on=day,
            expires_on=None,
            description="列入严重违法失信名单",
            reference="菏市监失信〔2026〕1号",
        ),
        actor="test",
        at=timezone.now(),
    )
    response = login(role_users[Role.SUPPLIER_STAFF]).get("/api/v1/credit/me")
    assert response.status_code == 200
    body = response.json()
    assert body["supplier_id"] == heze["supplier"].pk
    assert [r["kind"] for r in body["records"]] == ["serious_dishonesty"]
    assert body["outlook"]["exempt"] is False
    assert body["outlook"]["reasons"][0]["rule"] == "CREDIT-DISHONESTY-LIST"
    assert body["outlook"]["explanation_zh"].startswith("不予免收投标保证金")
    assert body["outlook"]["policy_version"] == 1


def test_credit_decision_before_and_after_it_is_made(
    heze: dict[str, Any], role_users: dict[Role, User], tender: Any
) -> None:
    client = login(role_users[Role.SUPPLIER_STAFF])
    before = client.get(f"/api/v1/credit/decisions/{tender.pk}").json()
    assert (before["decided"], before["exempt"], before["decided_at"]) == (False, True, None)
    assert ExemptionDecision.objects.count() == 0  # a read decides nothing
    decision = exemption_decide(supplier=heze["supplier"], tender=tender, at=timezone.now())
    after = client.get(f"/api/v1/credit/decisions/{tender.pk}").json()
    assert after["decided"] is True
    assert after["project_number"] == tender.project.number
    assert after["explanation_en"] == decision.explanation_en
    assert after["policy_version"] == 1
    assert client.get("/api/v1/credit/decisions/999999").status_code == 404


def test_credit_api_is_for_suppliers_only(role_users: dict[Role, User], tender: Any) -> None:
    for role in (Role.BANK_OFFICER, Role.BUREAU_ADMIN, Role.PURCHASER_STAFF):
        response = login(role_users[role]).get("/api/v1/credit/me")
        assert response.status_code == 403
        assert response.json()["code"] == "core.forbidden"
    assert Client().get(f"/api/v1/credit/decisions/{tender.pk}").status_code == 401


def test_another_suppliers_decision_is_not_visible(
    heze: dict[str, Any], role_users: dict[Role, User], tender: Any, bidders: list[Any]
) -> None:
    other, other_user = bidders[0]
    exemption_decide(supplier=other, tender=tender, at=timezone.now())
    mine = login(role_users[Role.SUPPLIER_STAFF]).get(f"/api/v1/credit/decisions/{tender.pk}").json()
    assert mine["decided"] is False
    theirs = login(other_user).get(f"/api/v1/credit/decisions/{tender.pk}").json()
    assert theirs["decided"] is True
