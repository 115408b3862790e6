"""The financing app's JSON API (registered in zhengcai.config.api): banks' systems work their queue with a
token (every write carries an Idempotency-Key), the bureau reads the totals, anyone reads the products, and
banks push status changes to a webhook signed with their endpoint's secret."""

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from django.http import Http404, HttpRequest
from ninja import Router, Schema
from ninja.pagination import PageNumberPagination, paginate
from ninja.responses import Status

from zhengcai.core import clock
from zhengcai.core.errors import ServiceError
from zhengcai.core.permissions import P, api_permission
from zhengcai.integrations.errors import IntegrationError
from zhengcai.integrations.idempotency import idempotent
from zhengcai.integrations.webhooks import SIGNATURE_HEADER
from zhengcai.organizations.models import Organization, OrganizationKind

from . import selectors, services
from .models import FinancingApplication, FinancingProduct

router = Router(tags=["financing"])


class ErrorOut(Schema):
    code: str
    field: str | None
    message_zh: str
    message_en: str


class ProductIn(Schema):
    name: str
    rate_min: Decimal
    rate_max: Decimal
    max_share_percent: Decimal
    term_days: int
    eligible_sizes: list[str]
    description: str = ""


class ProductOut(Schema):
    id: int
    bank_id: int
    bank: str
    name: str
    rate_min: Decimal
    rate_max: Decimal
    max_share_percent: Decimal
    term_days: int
    eligible_sizes: list[str]
    description: str
    published_at: dt.datetime


class QuoteIn(Schema):
    amount_fen: int
    rate: Decimal
    term_days: int
    valid_until: dt.date


class DeclineIn(Schema):
    reason: str


class ApproveIn(Schema):
    agreement_number: str
    account_name: str
    account_number: str
    account_bank_name: str
    guarantor_id: int | None = None
    guarantee_fen: int | None = None


class DisburseIn(Schema):
    amount_fen: int
    disbursed_on: dt.date


class RepaidIn(Schema):
    repaid_fen: int
    repaid_on: dt.date


class ApplicationOut(Schema):
    id: int
    status: str
    supplier: str
    supplier_credit_code: str | None
    supplier_size: str
    contract_id: int
    project_number: str
    contract_amount_fen: int
    amount_fen: int
    submitted_at: dt.datetime | None
    product_id: int | None
    credit_consent: bool
    declined: bool
    attestation: dict[str, Any] | None
    quote: dict[str, Any] | None
    agreement: dict[str, Any] | None


class RepaymentsOut(Schema):
    application_id: int
    agreement: str | None
    account_number: str | None
    disbursed_fen: int | None
    disbursed_on: dt.date | None
    payments_to_account: list[dict[str, Any]]
    received_fen: int
    closed: dict[str, Any] | None


class TotalsOut(Schema):
    raised_fen: int
    raised_yuan: str
    loans: int
    outstanding_fen: int
    suppliers: int
    by_region: list[dict[str, Any]]
    by_bank: list[dict[str, Any]]
    by_month: list[dict[str, Any]]
    by_size: list[dict[str, Any]]
    by_status: list[dict[str, Any]]


class WebhookAck(Schema):
    received: bool
    duplicate: bool
    event: str
    result: str


# --- helpers ------------------------------------------------------------------------------------------


def _bank(request: HttpRequest) -> Organization:
    bank = selectors.bank_of(user=request.auth)  # type: ignore[attr-defined]
    if bank is None:
        raise Http404
    return bank


def _application(request: HttpRequest, application_id: int) -> tuple[Organization, FinancingApplication]:
    bank = _bank(request)
    try:
        return bank, selectors.application_for_bank(bank=bank, pk=application_id)
    except FinancingApplication.DoesNotExist as exc:
        raise Http404 from exc


def product_out(p: FinancingProduct) -> dict[str, Any]:
    return {
        "id": p.pk,
        "bank_id": p.bank_id,
        "bank": p.bank.name,
        "name": p.name,
        "rate_min": p.rate_min,
        "rate_max": p.rate_max,
        "max_share_percent": p.max_share_percent,
        "term_days": p.term_days,
        "eligible_sizes": p.eligible_sizes,
        "description": p.description,
        "published_at": p.published_at,
    }


def application_out(application: FinancingApplication, bank: Organization) -> dict[str, Any]:
    """What one bank sees of an application: the attestation, its own quote and agreement, the consent."""
    link = selectors.bank_link(application=application, bank=bank)
    attestation = getattr(application, "attestation", None)
    quote = application.quotes.filter(bank=bank).first()
    agreement = getattr(application, "agreement", None)
    own_agreement = agreement if agreement is not None and agreement.bank_id == bank.pk else None
    return {
        "id": application.pk,
        "status": application.status,
        "supplier": application.supplier.name,
        "supplier_credit_code": application.supplier.credit_code,
        "supplier_size": application.contract.supplier_size,
        "contract_id": application.contract_id,
        "project_number": application.contract.project.number,
        "contract_amount_fen": application.contract.amount_fen,
        "amount_fen": application.amount_fen,
        "submitted_at": application.submitted_at,
        "product_id": link.product_id if link else None,
        "credit_consent": selectors.consent_allows(supplier=application.supplier, bank=bank, at=clock.now()),
        "declined": bool(link and link.declined_at),
        "attestation": (
            {"payload": attestation.payload, "signature": attestation.signature, "public_key": attestation.public_key}
            if attestation is not None
            else None
        ),
        "quote": (
            {
                "id": quote.pk,
                "status": quote.status,
                "amount_fen": quote.amount_fen,
                "rate": str(quote.rate),
                "term_days": quote.term_days,
                "valid_until": quote.valid_until.isoformat(),
            }
            if quote is not None
            else None
        ),
        "agreement": (
            {
                "number": own_agreement.number,
                "amount_fen": own_agreement.amount_fen,
                "repayment_account": own_agreement.repayment_account(),
            }
            if own_agreement is not None
            else None
        ),
    }


def _done(request: HttpRequest, application_id: int) -> dict[str, Any]:
    bank, application = _application(request, application_id)
    return application_out(application, bank)


# --- products -----------------------------------------------------------------------------------------


@router.get("/financing/products", response=list[ProductOut], auth=None, summary="Banks' financing products (public)")
@paginate(PageNumberPagination, page_size=50)
@api_permission(P.PUBLIC)
def products(request: HttpRequest) -> list[dict[str, Any]]:
    return [product_out(p) for p in selectors.product_list()]


@router.post("/financing/products", response={201: ProductOut}, summary="Publish a financing product (your bank)")
@api_permission(P.FINANCING_LEND)
@idempotent
def product_create(request: HttpRequest, payload: ProductIn) -> Status[dict[str, Any]]:
    product = services.product_publish(
        bank=_bank(request),
        name=payload.name,
        rate_min=payload.rate_min,
        rate_max=payload.rate_max,
        max_share_percent=payload.max_share_percent,
        term_days=payload.term_days,
        eligible_sizes=payload.eligible_sizes,
        description=payload.description,
        actor=request.auth,  # type: ignore[attr-defined]
        at=clock.now(),
    )
    return Status(201, product_out(product))


# --- the bank's queue ---------------------------------------------------------------------------------


@router.get("/financing/applications", response=list[ApplicationOut], summary="Applications sent to your bank")
@paginate(PageNumberPagination, page_size=50)
@api_permission(P.FINANCING_LEND)
def applications(request: HttpRequest, status: str = "") -> list[dict[str, Any]]:
    bank = _bank(request)
    return [application_out(a, bank) for a in selectors.applications_for_bank(bank=bank, status=status or None)[:500]]


@router.get("/financing/applications/{application_id}", response=ApplicationOut, summary="One application")
@api_permission(P.FINANCING_LEND)
def application(request: HttpRequest, application_id: int) -> dict[str, Any]:
    return _done(request, application_id)


@router.post("/financing/applications/{application_id}/quote", response=ApplicationOut, summary="Quote")
@api_permission(P.FINANCING_LEND)
@idempotent
def quote(request: HttpRequest, application_id: int, payload: QuoteIn) -> dict[str, Any]:
    bank, app = _application(request, application_id)
    services.quote_submit(
        application=app,
        bank=bank,
        amount_fen=payload.amount_fen,
        rate=payload.rate,
        term_days=payload.term_days,
        valid_until=payload.valid_until,
        actor=request.auth,  # type: ignore[attr-defined]
        at=clock.now(),
    )
    return _done(request, application_id)


@router.post("/financing/applications/{application_id}/decline", response=ApplicationOut, summary="Decline")
@api_permission(P.FINANCING_LEND)
@idempotent
def decline(request: HttpRequest, application_id: int, payload: DeclineIn) -> dict[str, Any]:
    bank, app = _application(request, application_id)
    services.application_decline(
        application=app,
        bank=bank,
        reason=payload.reason,
        actor=request.auth,  # type: ignore[attr-defined]
        at=clock.now(),
    )
    return _done(request, application_id)


@router.post(
    "/financing/applications/{application_id}/approve",
    response=ApplicationOut,
    summary="Approve the accepted quote: agreement and repayment account",
)
@api_permission(P.FINANCING_LEND)
@idempotent
def approve(request: HttpRequest, application_id: int, payload: ApproveIn) -> dict[str, Any]:
    bank, app = _application(request, application_id)
    guarantor = None
    if payload.guarantor_id is not None:
        guarantor = Organization.objects.filter(pk=payload.guarantor_id, kind=OrganizationKind.GUARANTOR).first()
        if guarantor is None:
            raise Http404
    services.application_approve(
        application=app,
        bank=bank,
        agreement_number=payload.agreement_number,
        account_name=payload.account_name,
        account_number=payload.account_number,
        account_bank_name=payload.account_bank_name,
        guarantor=guarantor,
        guarantee_fen=payload.guarantee_fen,
        actor=request.auth,  # type: ignore[attr-defined]
        at=clock.now(),
    )
    return _done(request, application_id)


@router.post(
    "/financing/applications/{application_id}/disburse",
    response=ApplicationOut,
    summary="Record the disbursement (the contract's payments go to the designated account)",
)
@api_permission(P.FINANCING_LEND)
@idempotent
def disburse(request: HttpRequest, application_id: int, payload: DisburseIn) -> dict[str, Any]:
    bank, app = _application(request, application_id)
    services.disbursement_record(
        application=app,
        bank=bank,
        amount_fen=payload.amount_fen,
        disbursed_on=payload.disbursed_on,
        actor=request.auth,  # type: ignore[attr-defined]
        at=clock.now(),
    )
    return _done(request, application_id)


@router.post(
    "/financing/applications/{application_id}/repaid",
    response=ApplicationOut,
    summary="Record the repayment and close the loan (the designated account is released)",
)
@api_permission(P.FINANCING_LEND)
@idempotent
def repaid(request: HttpRequest, application_id: int, payload: RepaidIn) -> dict[str, Any]:
    bank, app = _application(request, application_id)
    services.repayment_record(
        application=app,
        bank=bank,
        amount_fen=payload.repaid_fen,
        repaid_on=payload.repaid_on,
        actor=request.auth,  # type: ignore[attr-defined]
        at=clock.now(),
    )
    return _done(request, application_id)


@router.get(
    "/financing/applications/{application_id}/repayments",
    response=RepaymentsOut,
    summary="The contract's payments to your designated account",
)
@api_permission(P.FINANCING_LEND)
def repayments(request: HttpRequest, application_id: int) -> dict[str, Any]:
    bank, app = _application(request, application_id)
    agreement = getattr(app, "agreement", None)
    if agreement is None or agreement.bank_id != bank.pk:
        return {
            "application_id": app.pk,
            "agreement": None,
            "account_number": None,
            "disbursed_fen": None,
            "disbursed_on": None,
            "payments_to_account": [],
            "received_fen": 0,
            "closed": None,
        }
    payments = list(selectors.repayments_observed(agreement=agreement))
    disbursement = getattr(agreement, "disbursement", None)
    closed = getattr(agreement, "repayment", None)
    return {
        "application_id": app.pk,
        "agreement": agreement.number,
        "account_number": agreement.account_number,
        "disbursed_fen": disbursement.amount_fen if disbursement else None,
        "disbursed_on": disbursement.disbursed_on if disbursement else None,
        "payments_to_account": [
            {"id": p.pk, "paid_on": p.paid_on.isoformat(), "amount_fen": p.amount_fen, "advance": p.is_advance}
            for p in payments
        ],
        "received_fen": sum(p.amount_fen for p in payments),
        "closed": (
            {"repaid_fen": closed.amount_fen, "repaid_on": closed.repaid_on.isoformat()}
            if closed is not None
            else None
        ),
    }


# --- the bureau's totals --------------------------------------------------------------------------------


@router.get("/financing/totals", response=TotalsOut, summary="Financing raised for suppliers (your scope)")
@api_permission(P.FINANCING_VIEW_ALL)
def totals(request: HttpRequest) -> dict[str, Any]:
    t = selectors.financing_totals(user=request.auth)  # type: ignore[attr-defined]
    return {
        "raised_fen": t.raised_fen,
        "raised_yuan": f"{Decimal(t.raised_fen) / 100:.2f}",
        "loans": t.loans,
        "outstanding_fen": t.outstanding_fen,
        "suppliers": t.suppliers,
        "by_region": t.by_region,
        "by_bank": t.by_bank,
        "by_month": t.by_month,
        "by_size": t.by_size,
        "by_status": t.by_status,
    }


# --- webhooks banks send us -----------------------------------------------------------------------------


@router.post(
    "/financing/webhooks/{bank_id}",
    response={200: WebhookAck, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut},
    auth=None,
    summary="Status changes pushed by a bank, signed with its webhook endpoint's secret (X-Zhengcai-Signature)",
)
@api_permission(P.PUBLIC)  # authenticated by the signature, not by a login or token
def webhook_inbound(request: HttpRequest, bank_id: int) -> Status[dict[str, Any]]:
    bank = Organization.objects.filter(pk=bank_id, kind=OrganizationKind.BANK).first()
    if bank is None:
        raise Http404
    now = clock.now()
    try:
        services.inbound_verify(
            bank=bank, header=request.headers.get(SIGNATURE_HEADER, ""), body=request.body, now=now
        )
    except ServiceError as exc:
        bad = {IntegrationError.SIGNATURE_BAD, IntegrationError.SIGNATURE_STALE}
        status = 401 if exc.code in bad else 400  # a wrong or stale signature: 401; none or no endpoint: 400
        return Status(status, exc.as_dict())
    try:
        data = json.loads(request.body or b"{}")
    except ValueError:
        data = None
    if not isinstance(data, dict):
        data = {}
    inbound, new = services.inbound_event_receive(bank=bank, data=data, at=now)
    return Status(200, {"received": True, "duplicate": not new, "event": inbound.event, "result": inbound.result})
