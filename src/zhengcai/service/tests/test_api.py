"""The service desk API: filing with an Idempotency-Key (replayed, not duplicated), bilingual refusals with the
field, the requester's list and the bureau's queue each in their scope, and the figures."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from zhengcai.accounts.models import User
from zhengcai.core import clock
from zhengcai.service.models import ServiceRequest

from .conftest import submit

pytestmark = pytest.mark.django_db


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _post(client: Client, body: dict[str, Any], key: str = "k-1") -> Any:
    return client.post("/api/v1/service/requests", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)


BODY = {"category": "policy_question", "subject": "政策咨询", "description": "信用良好的供应商如何免收保证金？"}


def test_filing_is_idempotent_and_routed(winner: tuple[Any, User], contract: Any, heze: dict[str, Any]) -> None:
    org, user = winner
    client = _client(user)
    body = {**BODY, "category": "payment_delay", "contract": contract.project.number}
    first = _post(client, body)
    assert first.status_code == 201, first.content
    data = first.json()
    assert data["organization"] == org.name
    assert data["status"] == "new"
    assert data["link"] == contract.project.number
    assert data["department"] == heze["city_bureau"].name  # no pairing, no default: the bureau assigns it
    again = _post(client, body)
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == data["id"]
    assert ServiceRequest.objects.count() == 1
    assert _post(client, {**body, "subject": "另一个"}).status_code == 409  # the key, reused for another body
    assert client.post("/api/v1/service/requests", body, content_type="application/json").status_code == 400


def test_refusals_name_the_field_in_both_languages(contract: Any, supplier_user: User) -> None:
    response = _post(
        _client(supplier_user), {**BODY, "category": "payment_delay", "contract": contract.project.number}, key="k-2"
    )
    assert response.status_code == 400
    error = response.json()
    assert error["code"] == "service.request.link_not_yours"
    assert error["field"] == "contract"
    assert "不是贵单位的合同" in error["message_zh"]
    assert "is not one of your organization's contracts" in error["message_en"]
    bad = _post(_client(supplier_user), {**BODY, "subject": "长" * 121, "category": "x"}, key="k-3").json()
    assert {e["field"] for e in bad["errors"]} == {"category", "subject"}


def test_lists_in_scope(
    heze: dict[str, Any], paired: Any, purchaser: User, supplier_user: User, chain: dict[str, User]
) -> None:
    mine = submit(heze["budget_unit"], purchaser, at=clock.now())
    theirs = submit(heze["supplier"], supplier_user, at=clock.now())
    purchaser_list = _client(purchaser).get("/api/v1/service/requests").json()
    assert [r["number"] for r in purchaser_list["items"]] == [mine.number]
    desk = _client(chain["handler"]).get("/api/v1/service/desk/requests?tab=open").json()
    assert {r["number"] for r in desk["items"]} == {mine.number, theirs.number}
    assert _client(chain["cao_handler"]).get("/api/v1/service/desk/requests?tab=open").json()["items"] == []
    assert _client(chain["handler"]).get("/api/v1/service/requests").status_code == 403
    assert _client(purchaser).get("/api/v1/service/desk/requests").status_code == 403


def test_figures_api(heze: dict[str, Any], paired: Any, purchaser: User, chain: dict[str, User]) -> None:
    submit(heze["budget_unit"], purchaser, at=clock.now())
    data = _client(chain["director"]).get(f"/api/v1/service/figures?year={clock.today().year}").json()
    assert data["total"]["submitted"] == 1
    assert [r["key"] for r in data["by_region"]] == ["371700"]
    assert len(data["by_month"]) == 12
    bad = _client(chain["cao_handler"]).get("/api/v1/service/figures?region=371700")
    assert bad.status_code == 400
    assert bad.json()["field"] == "region"
