"""Signed webhooks to banks and guarantors, with retries; and the check for webhooks they send us.

Each delivery is a JSON body ``{"id", "event", "created_at", "data"}`` POSTed with
``X-Zhengcai-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>``. A 2xx answer
delivers it; anything else (or no answer) is retried after 1 min, 5 min, 30 min, 2 h and 6 h, then
given up — the delivery log says what really happened. The same scheme signs what institutions send
to the platform, checked by ``signature_verify`` (timestamp within 5 minutes, constant-time compare).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import json
import secrets
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django_tasks import task

from zhengcai.accounts.selectors import scope_reaches
from zhengcai.core import clock, crypto
from zhengcai.core.audit import audit_record, snapshot
from zhengcai.core.errors import ServiceError
from zhengcai.core.permissions import P
from zhengcai.organizations.models import Organization

from .errors import IntegrationError
from .models import WebhookDelivery, WebhookEndpoint

SIGNATURE_HEADER = "X-Zhengcai-Signature"
EVENT_HEADER = "X-Zhengcai-Event"
DELIVERY_HEADER = "X-Zhengcai-Delivery"
BACKOFF_SECONDS = (60, 300, 1800, 7200, 21600)
MAX_ATTEMPTS = len(BACKOFF_SECONDS) + 1
TOLERANCE_SECONDS = 300
TIMEOUT_SECONDS = 10
SECRET_PREFIX = "whsec_"


def _secret_aad(endpoint_id: int) -> bytes:
    return f"zhengcai webhook endpoint {endpoint_id}".encode()


def endpoint_secret(endpoint: WebhookEndpoint) -> str:
    return crypto.unwrap_private_key(endpoint.wrapped_secret, aad=_secret_aad(endpoint.pk)).decode()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def signature_verify(*, secret: str, header: str, body: bytes, now: dt.datetime) -> None:
    """Raise a bilingual ServiceError unless ``header`` signs ``body`` with ``secret`` within the tolerance."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    if "t" not in parts or "v1" not in parts or not parts["t"].isdigit():
        raise ServiceError(
            IntegrationError.SIGNATURE_MISSING,
            SIGNATURE_HEADER,
            _("The webhook has no valid signature header (t=…,v1=…)."),
        )
    timestamp = int(parts["t"])
    if abs(now.timestamp() - timestamp) > TOLERANCE_SECONDS:
        raise ServiceError(
            IntegrationError.SIGNATURE_STALE,
            SIGNATURE_HEADER,
            _("The webhook's signature time is more than 5 minutes from now: refused as a possible replay."),
        )
    expected = signature_header(secret, timestamp, body).split("v1=", 1)[1]
    if not hmac.compare_digest(expected, parts["v1"]):
        raise ServiceError(
            IntegrationError.SIGNATURE_BAD, SIGNATURE_HEADER, _("The webhook's signature does not match its body.")
        )


@dataclass(frozen=True)
class RegisteredEndpoint:
    endpoint: WebhookEndpoint
    secret: str  # shown once


@transaction.atomic
def webhook_endpoint_register(
    *, organization: Organization, url: str, events: list[str], actor: Any, at: dt.datetime
) -> RegisteredEndpoint:
    if not scope_reaches(user=actor, perm=P.TOKENS_MANAGE, organization=organization):
        raise PermissionDenied
    parts = urlsplit(url)
    if parts.scheme not in {"https", "http"} or not parts.netloc:
        raise ServiceError(IntegrationError.URL, "url", _("The webhook URL must be an http(s) URL."))
    endpoint = WebhookEndpoint.objects.create(
        organization=organization,
        url=url,
        wrapped_secret="",
        events=sorted(set(events)),
        created_at=at,
    )
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    endpoint.wrapped_secret = crypto.wrap_private_key(secret.encode(), aad=_secret_aad(endpoint.pk))
    endpoint.save(update_fields=["wrapped_secret"])
    audit_record(
        actor=actor,
        action="webhook.register",
        obj=endpoint,
        after=snapshot(endpoint, ["id", "organization", "url", "events"]),
        at=at,
    )
    return RegisteredEndpoint(endpoint=endpoint, secret=secret)


def webhook_emit(*, organization: Organization, event: str, payload: dict[str, Any], at: dt.datetime) -> int:
    """Queue ``event`` for the organization's active endpoints; sent after the surrounding commit."""
    endpoints = [
        e
        for e in WebhookEndpoint.objects.filter(organization=organization, is_active=True)
        if not e.events or event in e.events
    ]
    data = json.loads(json.dumps(payload, cls=DjangoJSONEncoder))
    for endpoint in endpoints:
        delivery = WebhookDelivery.objects.create(
            endpoint=endpoint, event=event, payload=data, next_attempt_at=at, created_at=at
        )
        transaction.on_commit(functools.partial(deliver_webhook.enqueue, delivery.pk))
    return len(endpoints)


def delivery_body(delivery: WebhookDelivery) -> bytes:
    envelope = {
        "id": delivery.pk,
        "event": delivery.event,
        "created_at": delivery.created_at.isoformat(),
        "data": delivery.payload,
    }
    return json.dumps(envelope, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def _post(url: str, body: bytes, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 - http(s) only
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def attempt_delivery(delivery_id: int, *, now: dt.datetime) -> str:
    """One attempt (skipped when another worker holds it or it is settled); returns the state."""
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True)
            .select_related("endpoint")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None:
            return "busy"
        if delivery.state in {WebhookDelivery.State.DELIVERED, WebhookDelivery.State.FAILED}:
            return delivery.state
        body = delivery_body(delivery)
        timestamp = int(now.timestamp())
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "zhengcai-webhooks/1",
            SIGNATURE_HEADER: signature_header(endpoint_secret(delivery.endpoint), timestamp, body),
            EVENT_HEADER: delivery.event,
            DELIVERY_HEADER: str(delivery.pk),
        }
        delivery.attempts += 1
        try:
            status = _post(delivery.endpoint.url, body, headers)
            error = "" if 200 <= status < 300 else f"HTTP {status}"
        except (OSError, ValueError) as exc:  # refused, timed out, DNS …: recorded, retried
            status, error = 0, str(exc)[:2000]
        delivery.last_status = status or None
        delivery.last_error = error
        if not error:
            delivery.state = WebhookDelivery.State.DELIVERED
            delivery.delivered_at = now
        elif delivery.attempts >= MAX_ATTEMPTS:
            delivery.state = WebhookDelivery.State.FAILED
        else:
            delivery.state = WebhookDelivery.State.RETRYING
            delivery.next_attempt_at = now + dt.timedelta(seconds=BACKOFF_SECONDS[delivery.attempts - 1])
        delivery.save()
        if delivery.state in {WebhookDelivery.State.DELIVERED, WebhookDelivery.State.FAILED}:
            audit_record(
                actor="system",
                action=f"webhook.{delivery.state}",
                obj=delivery,
                after={"event": delivery.event, "attempts": delivery.attempts, "status": delivery.last_status},
                at=now,
            )
        return delivery.state


@task()
def deliver_webhook(delivery_id: int) -> str:
    return attempt_delivery(delivery_id, now=clock.now())


def webhook_deliver_due(*, now: dt.datetime, limit: int = 200) -> int:
    """Attempt every delivery whose time has come (the retries); returns how many were attempted."""
    due = list(
        WebhookDelivery.objects.filter(
            state__in=[WebhookDelivery.State.PENDING, WebhookDelivery.State.RETRYING], next_attempt_at__lte=now
        )
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in due:
        attempt_delivery(pk, now=now)
    return len(due)
