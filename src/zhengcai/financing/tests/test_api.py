"""The banks' API (token, Idempotency-Key on every write), the bureau's totals, and the webhooks banks send us."""

from __future__ import annotations

import datetime as dt
import http.server
import json
import threading
import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from zhengcai.accounts.services import api_token_issue
from zhengcai.core import clock
from zhengcai.core.permissions import Role
from zhengcai.financing import services
from zhengcai.financing.models import (
    ApplicationStatus,
    Disbursement,
    FinancingApplication,
    InboundEvent,
    Quote,
)
from zhengcai.integrations.models import IdempotencyKey, WebhookDelivery
from zhengcai.integrations.webhooks import (
    SIGNATURE_HEADER,
    attempt_delivery,
    signature_header,
    signature_verify,
    webhook_endpoint_register,
)
from zhengcai.procurement.lifecycle import acceptance_record, payment_record

from .conftest import World

pytestmark = pytest.mark.django_db


def token_client(world: World, officer: Any, bank: Any) -> Client:
    token = api_token_issue(
        organization=bank, user=officer, name="信贷系统", expires_at=None, actor=officer, at=clock.now()
    ).plaintext
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def applied(world: World) -> FinancingApplication:
    return services.application_apply(
        supplier=world.supplier,
        contract=world.contract,
        amount_fen=70_0000_00,
        products=[world.product, world.product2],
        consent_bank_ids={world.bank.pk},
        actor=world.supplier_user,
        at=clock.now(),
    )


def post(client: Client, path: str, body: dict[str, Any], key: str | None) -> Any:
    extra: dict[str, Any] = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(path, body, content_type="application/json", **extra)


def test_bank_api_queue_quote_with_idempotency_approve_disburse_and_repayments(world: World) -> None:
    application = applied(world)
    icbc = token_client(world, world.bank_officer, world.bank)
    listed = icbc.get("/api/v1/financing/applications").json()
    assert listed["count"] == 1
    item = listed["items"][0]
    assert item["credit_consent"] is True
    assert item["attestation"]["payload"]["contract"]["amount_fen"] == 100_0000_00
    ccb = token_client(world, world.bank2_officer, world.bank2)
    assert ccb.get(f"/api/v1/financing/applications/{application.pk}").json()["credit_consent"] is False

    base = f"/api/v1/financing/applications/{application.pk}"
    valid_until = (clock.today() + dt.timedelta(days=10)).isoformat()
    body = {"amount_fen": 70_0000_00, "rate": "3.60", "term_days": 180, "valid_until": valid_until}
    missing = post(icbc, f"{base}/quote", body, None)
    assert missing.status_code == 400
    assert missing.json()["field"] == "Idempotency-Key"
    first = post(icbc, f"{base}/quote", body, "q-1")
    assert first.status_code == 200, first.content
    assert first.json()["status"] == ApplicationStatus.QUOTED
    replay = post(icbc, f"{base}/quote", body, "q-1")  # the bank's retry: same answer, nothing written twice
    assert replay.status_code == 200
    assert replay["Idempotent-Replayed"] == "true"
    assert replay.json() == first.json()
    assert Quote.objects.count() == 1
    reused = post(icbc, f"{base}/quote", body | {"rate": "3.70"}, "q-1")
    assert reused.status_code == 409
    assert reused.json()["code"] == "integrations.idempotency.key_reused"
    out_of_range = post(ccb, f"{base}/quote", body | {"rate": "9.99"}, "ccb-1")
    assert out_of_range.status_code == 400
    assert out_of_range.json()["code"] == "financing.rate.out_of_range"
    assert out_of_range.json()["message_zh"]
    assert out_of_range.json()["message_en"]
    assert not IdempotencyKey.objects.filter(key="ccb-1").exists()

    services.quote_accept(quote=Quote.objects.get(), actor=world.supplier_user, at=clock.now())
    approve = {
        "agreement_number": "ICBC-ZCD-9",
        "account_name": "政采贷还款专户",
        "account_number": "1612002119200999999",
        "account_bank_name": "工行菏泽分行营业部",
        "guarantor_id": world.heze["guarantor"].pk,
        "guarantee_fen": 30_0000_00,
    }
    assert post(ccb, f"{base}/approve", approve, "ccb-2").status_code == 400  # not the accepted quote's bank
    approved = post(icbc, f"{base}/approve", approve, "a-1")
    assert approved.status_code == 200, approved.content
    assert approved.json()["agreement"]["repayment_account"]["agreement"] == "ICBC-ZCD-9"
    disbursed = post(
        icbc, f"{base}/disburse", {"amount_fen": 70_0000_00, "disbursed_on": clock.today().isoformat()}, "d-1"
    )
    assert disbursed.status_code == 200, disbursed.content
    assert disbursed.json()["status"] == ApplicationStatus.DISBURSED
    world.contract.refresh_from_db()
    assert (world.contract.repayment_account or {}).get("account_number") == "1612002119200999999"

    today = clock.today()
    acceptance_record(
        contract=world.contract, passed=True, accepted_on=today, note="合格", actor=world.purchaser, at=clock.now()
    )
    payment_record(
        contract=world.contract,
        amount_fen=50_0000_00,
        paid_on=today,
        is_advance=False,
        actor=world.purchaser,
        at=clock.now(),
    )
    repayments = icbc.get(f"{base}/repayments").json()
    assert repayments["received_fen"] == 50_0000_00
    assert repayments["payments_to_account"][0]["amount_fen"] == 50_0000_00
    assert ccb.get(f"{base}/repayments").json()["agreement"] is None  # another bank's loan: nothing shown
    closed = post(icbc, f"{base}/repaid", {"repaid_fen": 70_0000_00, "repaid_on": today.isoformat()}, "r-1")
    assert closed.status_code == 200, closed.content
    world.contract.refresh_from_db()
    assert world.contract.repayment_account is None


def test_api_scope_bank_sees_only_applications_sent_to_it(world: World, heze: dict[str, Any]) -> None:
    application = services.application_apply(
        supplier=world.supplier,
        contract=world.contract,
        amount_fen=50_0000_00,
        products=[world.product2],
        consent_bank_ids=set(),
        actor=world.supplier_user,
        at=clock.now(),
    )
    icbc = token_client(world, world.bank_officer, world.bank)
    assert icbc.get("/api/v1/financing/applications").json()["count"] == 0
    assert icbc.get(f"/api/v1/financing/applications/{application.pk}").status_code == 404
    refused = post(icbc, f"/api/v1/financing/applications/{application.pk}/decline", {"reason": "x"}, "k")
    assert refused.status_code == 404
    assert Client().get("/api/v1/financing/applications").status_code == 401


def test_totals_api_and_public_products(world: World, role_users: dict[Role, Any]) -> None:
    products = Client().get("/api/v1/financing/products").json()
    assert {p["name"] for p in products["items"]} == {world.product.name, world.product2.name}
    admin = Client()
    admin.force_login(role_users[Role.BUREAU_ADMIN])
    assert admin.get("/api/v1/financing/totals").json()["raised_fen"] == 0
    supplier = Client()
    supplier.force_login(world.supplier_user)
    assert supplier.get("/api/v1/financing/totals").status_code == 403


def _signed(secret: str, body: dict[str, Any], *, at: float | None = None) -> tuple[bytes, str]:
    raw = json.dumps(body).encode()
    return raw, signature_header(secret, int(at if at is not None else time.time()), raw)


def _approved(world: World) -> FinancingApplication:
    application = applied(world)
    q = services.quote_submit(
        application=application,
        bank=world.bank,
        amount_fen=70_0000_00,
        rate=Decimal("3.60"),
        term_days=180,
        valid_until=clock.today() + dt.timedelta(days=5),
        actor=world.bank_officer,
        at=clock.now(),
    )
    services.quote_accept(quote=q, actor=world.supplier_user, at=clock.now())
    services.application_approve(
        application=application,
        bank=world.bank,
        agreement_number="ICBC-WH-1",
        account_name="还款专户",
        account_number="1612002119200777777",
        account_bank_name="营业部",
        actor=world.bank_officer,
        at=clock.now(),
    )
    return application


def test_inbound_webhook_signed_by_the_bank_applies_once_and_a_bad_signature_writes_nothing(world: World) -> None:
    application = _approved(world)
    path = f"/api/v1/financing/webhooks/{world.bank.pk}"
    event = {
        "id": "evt-001",
        "event": "financing.disbursed",
        "data": {
            "application_id": application.pk,
            "amount_fen": 70_0000_00,
            "disbursed_on": clock.today().isoformat(),
        },
    }
    raw = json.dumps(event).encode()
    assert Client().post(path, raw, content_type="application/json").status_code == 400  # no endpoint, no secret

    secret = webhook_endpoint_register(
        organization=world.bank,
        url="https://icbc.example.invalid/hooks",
        events=[],
        actor=world.bank_officer,
        at=clock.now(),
    ).secret
    missing = Client().post(path, raw, content_type="application/json")
    assert missing.status_code == 400
    assert missing.json()["code"] == "integrations.webhook.signature_missing"
    forged = Client().post(
        path,
        raw,
        content_type="application/json",
        HTTP_X_ZHENGCAI_SIGNATURE=signature_header("whsec_wrong", int(time.time()), raw),
    )
    assert forged.status_code == 401
    assert forged.json()["code"] == "integrations.webhook.signature_bad"
    assert forged.json()["message_zh"]
    assert forged.json()["message_en"]
    stale_raw, stale_sig = _signed(secret, event, at=time.time() - 3600)
    assert (
        Client()
        .post(path, stale_raw, content_type="application/json", HTTP_X_ZHENGCAI_SIGNATURE=stale_sig)
        .status_code
        == 401
    )
    assert not Disbursement.objects.exists()
    assert not InboundEvent.objects.exists()
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED

    raw, sig = _signed(secret, event)
    ok = Client().post(path, raw, content_type="application/json", HTTP_X_ZHENGCAI_SIGNATURE=sig)
    assert ok.status_code == 200, ok.content
    assert ok.json()["duplicate"] is False
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DISBURSED
    world.contract.refresh_from_db()
    assert (world.contract.repayment_account or {}).get("agreement") == "ICBC-WH-1"
    again = Client().post(path, raw, content_type="application/json", HTTP_X_ZHENGCAI_SIGNATURE=sig)  # redelivered
    assert again.json()["duplicate"] is True
    assert Disbursement.objects.count() == 1
    assert InboundEvent.objects.count() == 1

    # another bank cannot push changes to ICBC's loan, even with a valid signature of its own
    ccb_secret = webhook_endpoint_register(
        organization=world.bank2,
        url="https://ccb.example.invalid/hooks",
        events=[],
        actor=world.bank2_officer,
        at=clock.now(),
    ).secret
    foreign = {
        "id": "evt-x",
        "event": "financing.repaid",
        "data": {"application_id": application.pk, "repaid_fen": 1, "repaid_on": "2026-11-01"},
    }
    f_raw, f_sig = _signed(ccb_secret, foreign)
    refused = Client().post(
        f"/api/v1/financing/webhooks/{world.bank2.pk}",
        f_raw,
        content_type="application/json",
        HTTP_X_ZHENGCAI_SIGNATURE=f_sig,
    )
    assert refused.status_code == 400
    assert refused.json()["code"] == "financing.bank.not_addressed"
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DISBURSED


class Receiver:
    """A bank's webhook receiver on loopback, recording what it gets."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return

        self.server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.server.shutdown()


def test_status_changes_reach_the_banks_webhook_signed(world: World, receiver: Receiver) -> None:
    secret = webhook_endpoint_register(
        organization=world.bank,
        url=receiver.url,
        events=["financing.submitted"],
        actor=world.bank_officer,
        at=clock.now(),
    ).secret
    application = applied(world)
    delivery = WebhookDelivery.objects.get()
    assert attempt_delivery(delivery.pk, now=clock.now()) == WebhookDelivery.State.DELIVERED
    headers, body = receiver.requests[0]
    signature_verify(secret=secret, header=headers[SIGNATURE_HEADER], body=body, now=clock.now())
    envelope = json.loads(body)
    assert envelope["event"] == "financing.submitted"
    assert envelope["data"]["application_id"] == application.pk
    assert envelope["data"]["project_number"] == world.contract.project.number
