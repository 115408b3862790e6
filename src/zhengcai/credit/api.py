"""The credit app's JSON API operations (registered in zhengcai.config.api): a supplier reads its own record,
its exemption outlook and its decision for a tender. Banks will read with the supplier's consent later."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, HttpRequest
from ninja import Router, Schema

from zhengcai.core import clock
from zhengcai.core.permissions import P, api_permission
from zhengcai.organizations.models import Organization

from . import selectors

router = Router(tags=["credit"])

RECORDS_LIMIT = 500


class RecordOut(Schema):
    id: int
    source: str
    kind: str
    severity: str
    occurred_on: dt.date
    expires_on: dt.date | None
    description: str
    reference: str
    authority: str
    revoked_at: dt.datetime | None
    revoke_reason: str


class OutlookOut(Schema):
    policy_version: int
    policy_effective_from: dt.date
    exempt: bool
    reasons: list[dict[str, Any]]
    explanation_zh: str
    explanation_en: str


class CreditMeOut(Schema):
    supplier_id: int
    supplier_name: str
    credit_code: str | None
    records: list[RecordOut]
    outlook: OutlookOut


class DecisionOut(Schema):
    tender_id: int
    project_number: str
    decided: bool
    decided_at: dt.datetime | None
    policy_version: int
    exempt: bool
    reasons: list[dict[str, Any]]
    explanation_zh: str
    explanation_en: str


def _supplier(request: HttpRequest) -> Organization:
    supplier = selectors.supplier_of(user=request.auth)  # type: ignore[attr-defined]
    if supplier is None:
        raise Http404
    return supplier


def _outlook(supplier: Organization) -> dict[str, Any]:
    outlook = selectors.exemption_outlook(supplier=supplier, at=clock.now())
    return {
        "policy_version": outlook.policy_version,
        "policy_effective_from": outlook.policy_effective_from,
        "exempt": outlook.outcome.exempt,
        "reasons": outlook.outcome.reasons,
        "explanation_zh": outlook.outcome.explanation_zh,
        "explanation_en": outlook.outcome.explanation_en,
    }


@router.get("/credit/me", response=CreditMeOut, summary="My credit record and bid-security exemption outlook")
@api_permission(P.BID_SUBMIT)
def credit_me(request: HttpRequest) -> dict[str, Any]:
    supplier = _supplier(request)
    return {
        "supplier_id": supplier.pk,
        "supplier_name": supplier.name,
        "credit_code": supplier.credit_code,
        "records": list(selectors.supplier_records(supplier=supplier)[:RECORDS_LIMIT]),
        "outlook": _outlook(supplier),
    }


@router.get(
    "/credit/decisions/{tender_id}",
    response=DecisionOut,
    summary="My bid-security exemption decision for a tender (or, before it is made, the outlook)",
)
@api_permission(P.BID_SUBMIT)
def credit_decision(request: HttpRequest, tender_id: int) -> dict[str, Any]:
    supplier = _supplier(request)
    try:
        tender = selectors.tender_get(pk=tender_id)
    except ObjectDoesNotExist as exc:
        raise Http404 from exc
    decision = selectors.supplier_decision(supplier=supplier, tender_id=tender.pk)
    if decision is None:
        # not decided yet: what the policy in force would decide now (nothing is stored by a read)
        undecided = {"tender_id": tender.pk, "project_number": tender.project.number, "decided": False}
        return undecided | {"decided_at": None} | _outlook(supplier)
    return {
        "tender_id": tender.pk,
        "project_number": tender.project.number,
        "decided": True,
        "decided_at": decision.decided_at,
        "policy_version": decision.policy.version,
        "exempt": decision.exempt,
        "reasons": decision.reasons,
        "explanation_zh": decision.explanation_zh,
        "explanation_en": decision.explanation_en,
    }
