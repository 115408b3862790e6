"""Webhook endpoints and their delivery log, for banks and guarantors (token or session)."""

import datetime as dt
from typing import Any

from django.http import Http404, HttpRequest
from ninja import Router, Schema
from ninja.responses import Status

from zhengcai.core import clock
from zhengcai.core.permissions import P, api_permission
from zhengcai.organizations.models import Organization

from .idempotency import idempotent
from .selectors import deliveries_for, endpoints_for, institution_of
from .webhooks import webhook_endpoint_register

router = Router(tags=["webhooks"])


class EndpointIn(Schema):
    url: str
    events: list[str] = []


class EndpointOut(Schema):
    id: int
    url: str
    events: list[str]
    is_active: bool
    created_at: dt.datetime


class EndpointCreated(EndpointOut):
    secret: str


class DeliveryOut(Schema):
    id: int
    endpoint_id: int
    event: str
    state: str
    attempts: int
    last_status: int | None
    last_error: str
    next_attempt_at: dt.datetime
    delivered_at: dt.datetime | None
    created_at: dt.datetime


def _institution(request: HttpRequest) -> Organization:
    organization = institution_of(user=request.auth, perm=P.TOKENS_MANAGE)  # type: ignore[attr-defined]
    if organization is None:
        raise Http404
    return organization


@router.post(
    "/webhooks/endpoints", response={201: EndpointCreated}, summary="Register a webhook URL (secret shown once)"
)
@api_permission(P.TOKENS_MANAGE)
@idempotent
def endpoint_create(request: HttpRequest, payload: EndpointIn) -> Status[dict[str, Any]]:
    registered = webhook_endpoint_register(
        organization=_institution(request),
        url=payload.url,
        events=payload.events,
        actor=request.auth,  # type: ignore[attr-defined]
        at=clock.now(),
    )
    e = registered.endpoint
    return Status(
        201,
        {
            "id": e.pk,
            "url": e.url,
            "events": e.events,
            "is_active": e.is_active,
            "created_at": e.created_at,
            "secret": registered.secret,
        },
    )


@router.get("/webhooks/endpoints", response=list[EndpointOut], summary="Your webhook endpoints")
@api_permission(P.TOKENS_MANAGE)
def endpoint_list(request: HttpRequest) -> Any:
    return list(endpoints_for(organization=_institution(request)))


@router.get("/webhooks/deliveries", response=list[DeliveryOut], summary="Your latest webhook deliveries")
@api_permission(P.TOKENS_MANAGE)
def delivery_list(request: HttpRequest) -> Any:
    return list(deliveries_for(organization=_institution(request))[:200])
