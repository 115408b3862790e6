"""Idempotent API writes and signed webhooks with retries, against a real local HTTP receiver."""

from __future__ import annotations

import datetime as dt
import http.server
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from conftest import make_user
from zhengcai.accounts.models import User
from zhengcai.accounts.services import api_token_issue
from zhengcai.core.errors import ServiceError
from zhengcai.core.models import AuditEvent
from zhengcai.core.permissions import Role
from zhengcai.integrations.models import IdempotencyKey, WebhookDelivery, WebhookEndpoint
from zhengcai.integrations.webhooks import (
    MAX_ATTEMPTS,
    SIGNATURE_HEADER,
    attempt_delivery,
    signature_header,
    signature_verify,
    webhook_deliver_due,
    webhook_emit,
    webhook_endpoint_register,
)

pytestmark = pytest.mark.django_db
NOW = timezone.make_aware(dt.datetime(2026, 5, 6, 10, 0))


class Receiver:
    """A bank's webhook receiver on loopback: answers with the queued status codes, records requests."""

    def __init__(self) -> None:
        self.statuses: list[int] = []
        self.requests: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                self.send_response(receiver.statuses.pop(0) if receiver.statuses else 200)
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


@pytest.fixture
def bank_officer(heze: dict[str, Any]) -> User:
    return make_user(Role.BANK_OFFICER, heze["bank"], username="bank_hooks")


def test_webhook_is_signed_and_the_receiver_can_verify_it(
    heze: dict[str, Any], bank_officer: User, receiver: Receiver
) -> None:
    registered = webhook_endpoint_register(
        organization=heze["bank"], url=receiver.url, events=[], actor=bank_officer, at=NOW
    )
    assert registered.secret.startswith("whsec_")
    assert registered.secret not in WebhookEndpoint.objects.get().wrapped_secret  # stored wrapped, not in clear
    assert webhook_emit(organization=heze["bank"], event="financing.quoted", payload={"amount": "100.00"}, at=NOW) == 1
    delivery = WebhookDelivery.objects.get()
    assert attempt_delivery(delivery.pk, now=NOW) == WebhookDelivery.State.DELIVERED
    headers, body = receiver.requests[0]
    signature_verify(secret=registered.secret, header=headers[SIGNATURE_HEADER], body=body, now=NOW)
    assert b'"event":"financing.quoted"' in body
    with pytest.raises(ServiceError) as tampered:
        signature_verify(secret=registered.secret, header=headers[SIGNATURE_HEADER], body=body + b" ", now=NOW)
    assert tampered.value.code == "integrations.webhook.signature_bad"
    with pytest.raises(ServiceError) as stale:
        signature_verify(
            secret=registered.secret, header=headers[SIGNATURE_HEADER], body=body, now=NOW + dt.timedelta(minutes=6)
        )
    assert stale.value.code == "integrations.webhook.signature_stale"
    with pytest.raises(ServiceError):
        signature_verify(secret=registered.secret, header="", body=body, now=NOW)
    assert AuditEvent.objects.filter(action="webhook.delivered").exists()


def test_failed_deliveries_are_retried_with_backoff_then_given_up(
    heze: dict[str, Any], bank_officer: User, receiver: Receiver
) -> None:
    webhook_endpoint_register(organization=heze["bank"], url=receiver.url, events=["a"], actor=bank_officer, at=NOW)
    assert webhook_emit(organization=heze["bank"], event="b", payload={}, at=NOW) == 0  # not subscribed
    webhook_emit(organization=heze["bank"], event="a", payload={}, at=NOW)
    delivery = WebhookDelivery.objects.get()
    receiver.statuses = [500, 503]
    assert attempt_delivery(delivery.pk, now=NOW) == WebhookDelivery.State.RETRYING
    delivery.refresh_from_db()
    assert delivery.next_attempt_at == NOW + dt.timedelta(minutes=1)
    assert delivery.last_error == "HTTP 500"
    assert webhook_deliver_due(now=NOW + dt.timedelta(seconds=30)) == 0  # not yet
    assert webhook_deliver_due(now=NOW + dt.timedelta(minutes=1)) == 1
    delivery.refresh_from_db()
    assert delivery.state == WebhookDelivery.State.RETRYING
    assert webhook_deliver_due(now=NOW + dt.timedelta(minutes=7)) == 1
    delivery.refresh_from_db()
    assert delivery.state == WebhookDelivery.State.DELIVERED
    assert delivery.attempts == 3

    receiver.server.shutdown()  # the bank's server is down for good
    receiver.server.server_close()
    webhook_emit(organization=heze["bank"], event="a", payload={}, at=NOW)
    lost = WebhookDelivery.objects.order_by("-id").first()
    assert lost is not None
    moment = NOW
    for _ in range(MAX_ATTEMPTS):
        attempt_delivery(lost.pk, now=moment)
        moment += dt.timedelta(days=1)
    lost.refresh_from_db()
    assert lost.state == WebhookDelivery.State.FAILED
    assert lost.attempts == MAX_ATTEMPTS
    assert AuditEvent.objects.filter(action="webhook.failed").exists()


def test_api_writes_need_an_idempotency_key_and_replays_write_nothing(
    heze: dict[str, Any], bank_officer: User
) -> None:
    token = api_token_issue(
        organization=heze["bank"], user=bank_officer, name="核心系统", expires_at=None, actor=bank_officer, at=NOW
    ).plaintext
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    body = {"url": "https://bank.example.invalid/hooks", "events": ["financing.disbursed"]}
    missing = client.post("/api/v1/webhooks/endpoints", body, content_type="application/json")
    assert missing.status_code == 400
    assert missing.json()["field"] == "Idempotency-Key"
    assert missing.json()["message_zh"]
    first = client.post(
        "/api/v1/webhooks/endpoints", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    assert first.status_code == 201
    again = client.post(
        "/api/v1/webhooks/endpoints", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert WebhookEndpoint.objects.count() == 1
    other = client.post(
        "/api/v1/webhooks/endpoints",
        body | {"url": "https://elsewhere.example.invalid/"},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="k-1",
    )
    assert other.status_code == 409
    assert other.json()["code"] == "integrations.idempotency.key_reused"
    bad = client.post(
        "/api/v1/webhooks/endpoints",
        {"url": "ftp://x", "events": []},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="k-2",
    )
    assert bad.status_code == 400
    assert bad.json()["field"] == "url"
    assert not IdempotencyKey.objects.filter(key="k-2").exists()  # a refused write stores nothing
    listed = client.get("/api/v1/webhooks/endpoints").json()
    assert [e["url"] for e in listed] == ["https://bank.example.invalid/hooks"]


def test_signature_header_format() -> None:
    assert signature_header("whsec_x", 1, b"{}").startswith("t=1,v1=")
