"""Writes of contract financing (政采贷): one function per use case, check-then-do, audited.

Suppliers (P.FINANCING_APPLY, their own organization) apply on their signed contracts, choose the banks and
whether each may see their credit record, accept one quote or withdraw. Banks (P.FINANCING_LEND, their own
bank only — a user of the bank or the bank's signed webhook) publish products, quote, decline, approve,
disburse and record the repayment. Each status change is audited, sent to the bank(s) as a signed webhook
and notified to the supplier's staff, all after the same commit.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from zhengcai.accounts.selectors import organization_members, scope_reaches
from zhengcai.core import crypto
from zhengcai.core.audit import audit_record, snapshot
from zhengcai.core.errors import ServiceError, raise_if_any
from zhengcai.core.fsm import check_transition
from zhengcai.core.notifications import notification_queue
from zhengcai.core.permissions import P, Role
from zhengcai.integrations.models import WebhookEndpoint
from zhengcai.integrations.webhooks import endpoint_secret, signature_verify, webhook_emit
from zhengcai.organizations.models import EnterpriseSize, Organization, OrganizationKind
from zhengcai.procurement.lifecycle import contract_repayment_account_set
from zhengcai.procurement.models import Contract, Payment, ProjectStatus

from . import rules
from .errors import FinancingError
from .models import (
    APPLICATION_TRANSITIONS,
    OPEN_STATUSES,
    Agreement,
    ApplicationBank,
    ApplicationStatus,
    Attestation,
    Disbursement,
    FinancingApplication,
    FinancingProduct,
    Guarantee,
    InboundEvent,
    Quote,
    QuoteStatus,
    Repayment,
)

ATTESTATION_TYPE = "zhengcai.financing.attestation/1"
ACCOUNT_NUMBER = re.compile(r"^[0-9]{8,32}$")
PERFORMING = {ProjectStatus.CONTRACTED, ProjectStatus.COMPLETED}


@dataclass(frozen=True)
class BankWebhook:
    """The actor of a change a bank pushed through its signed webhook (the signature authenticated it)."""

    bank_id: int
    event_id: str

    def __str__(self) -> str:
        return f"webhook:bank-{self.bank_id}:{self.event_id}"[:200]


def local_date(at: dt.datetime) -> dt.date:
    return timezone.localtime(at).date()


# --- who may act ------------------------------------------------------------------------------------


def _require_supplier(actor: Any, supplier: Organization) -> None:
    if not scope_reaches(user=actor, perm=P.FINANCING_APPLY, organization=supplier):
        raise PermissionDenied


def _require_lender(actor: Any, bank: Organization) -> None:
    """Own bank only: a user holding P.FINANCING_LEND in this bank, or this bank's signed webhook."""
    if bank.kind != OrganizationKind.BANK:
        raise PermissionDenied
    if isinstance(actor, BankWebhook):
        if actor.bank_id != bank.pk:
            raise PermissionDenied
        return
    if not scope_reaches(user=actor, perm=P.FINANCING_LEND, organization=bank):
        raise PermissionDenied


def _locked(application: FinancingApplication) -> FinancingApplication:
    return (
        FinancingApplication.objects.select_for_update(of=("self",))
        .select_related("supplier", "contract__project")
        .get(pk=application.pk)
    )


def _link(application: FinancingApplication, bank: Organization) -> ApplicationBank:
    link = (
        ApplicationBank.objects.select_for_update(of=("self",))
        .select_related("product")
        .filter(application=application, bank=bank)
        .first()
    )
    if link is None:
        raise ServiceError(FinancingError.NOT_ADDRESSED, "bank", _("This application was not sent to your bank."))
    return link


# --- side effects after the change: webhooks to the banks, notifications to the supplier ---------------


def _payload(application: FinancingApplication, **extra: Any) -> dict[str, Any]:
    contract = application.contract
    return {
        "application_id": application.pk,
        "status": application.status,
        "supplier": application.supplier.name,
        "supplier_credit_code": application.supplier.credit_code,
        "contract_id": contract.pk,
        "project_number": contract.project.number,
        "amount_fen": application.amount_fen,
        **extra,
    }


def _emit(
    banks: list[Organization], event: str, application: FinancingApplication, at: dt.datetime, **extra: Any
) -> None:
    for bank in banks:
        webhook_emit(organization=bank, event=event, payload=_payload(application, **extra), at=at)


def _notify_supplier(application: FinancingApplication, subject: str, body: str, at: dt.datetime) -> None:
    link = reverse("financing:application", args=[application.pk])
    for membership in organization_members(organization=application.supplier):
        if membership.is_active and membership.role == Role.SUPPLIER_STAFF:
            notification_queue(recipient=membership.user, subject=subject, body=body, link=link, at=at)


def _set_status(
    application: FinancingApplication, target: str, *, actor: Any, at: dt.datetime, action: str, **after: Any
) -> None:
    check_transition(APPLICATION_TRANSITIONS, application.status, target, labels=ApplicationStatus)
    before = snapshot(application, ["status"])
    application.status = target
    fields = ["status"]
    if target in {ApplicationStatus.REPAID, ApplicationStatus.WITHDRAWN, ApplicationStatus.DECLINED}:
        application.closed_at = at
        fields.append("closed_at")
    application.save(update_fields=fields)
    audit_record(
        actor=actor,
        action=action,
        obj=application,
        before=before,
        after={**snapshot(application, ["status"]), **after},
        at=at,
    )


# --- products -----------------------------------------------------------------------------------------


@transaction.atomic
def product_publish(
    *,
    bank: Organization,
    name: str,
    rate_min: Decimal,
    rate_max: Decimal,
    max_share_percent: Decimal,
    term_days: int,
    eligible_sizes: list[str],
    description: str = "",
    actor: Any,
    at: dt.datetime,
) -> FinancingProduct:
    _require_lender(actor, bank)
    errors: list[ServiceError] = []
    if not name.strip():
        errors.append(ServiceError(FinancingError.TEXT_REQUIRED, "name", _("Give the product a name.")))
    if not (Decimal(0) < rate_min <= rate_max <= Decimal(36)):
        errors.append(
            ServiceError(
                FinancingError.RATE,
                "rate_min",
                _("The rates must be more than zero, the lowest not above the highest, at most 36 a year."),
            )
        )
    if not (Decimal(0) < max_share_percent <= Decimal(100)):
        errors.append(
            ServiceError(
                FinancingError.SHARE_CAP,
                "max_share_percent",
                _("The share of the contract amount must be more than zero and at most 100 (FIN-SHARE-CAP)."),
            )
        )
    if term_days <= 0 or term_days > 3 * 365:
        errors.append(ServiceError(FinancingError.TERM, "term_days", _("The term must be between 1 day and 3 years.")))
    sizes = sorted(set(eligible_sizes))
    if not sizes or not set(sizes) <= set(EnterpriseSize.values):
        errors.append(
            ServiceError(FinancingError.SIZE, "eligible_sizes", _("Choose the enterprise sizes the product serves."))
        )
    raise_if_any(errors)
    product = FinancingProduct.objects.create(
        bank=bank,
        name=name.strip(),
        rate_min=rate_min,
        rate_max=rate_max,
        max_share_percent=max_share_percent,
        term_days=term_days,
        eligible_sizes=sizes,
        description=description.strip(),
        active=True,
        published_at=at,
    )
    audit_record(actor=actor, action="financing.product_publish", obj=product, after=snapshot(product), at=at)
    return product


# --- the supplier's side ------------------------------------------------------------------------------


def contract_paid_fen_on(contract: Contract, day: dt.date) -> int:
    return int(
        Payment.objects.filter(contract=contract, paid_on__lte=day).aggregate(total=Sum("amount_fen"))["total"] or 0
    )


def _contract_open_error(contract: Contract, at: dt.datetime) -> ServiceError | None:
    """FIN-CONTRACT-OPEN: signed by then, not terminated, not yet fully paid by then."""
    day = local_date(at)
    if (
        contract.project.status not in PERFORMING
        or contract.signed_on > day
        or contract_paid_fen_on(contract, day) >= contract.amount_fen
    ):
        return ServiceError(
            FinancingError.CONTRACT_NOT_OPEN,
            "contract",
            _(
                "Only a signed contract that is still being performed (not fully paid, not terminated) can be "
                "financed (FIN-CONTRACT-OPEN)."
            ),
        )
    return None


@transaction.atomic
def application_apply(
    *,
    supplier: Organization,
    contract: Contract,
    amount_fen: int,
    products: list[FinancingProduct],
    consent_bank_ids: set[int],
    purpose: str = "",
    submit: bool = True,
    actor: Any,
    at: dt.datetime,
) -> FinancingApplication:
    """Create the application with its banks and consents and (by default) submit it to them."""
    _require_supplier(actor, supplier)
    contract = (
        Contract.objects.select_for_update(of=("self",)).select_related("project", "supplier").get(pk=contract.pk)
    )
    errors: list[ServiceError] = []
    if contract.supplier_id != supplier.pk:  # FIN-OWN-CONTRACT
        raise ServiceError(
            FinancingError.NOT_OWN_CONTRACT,
            "contract",
            _("This contract is not yours: a supplier can finance only its own contracts (FIN-OWN-CONTRACT)."),
        )
    if err := _contract_open_error(contract, at):
        raise err
    if FinancingApplication.objects.filter(contract=contract, status__in=OPEN_STATUSES).exists():
        raise ServiceError(
            FinancingError.ALREADY_FINANCED,
            "contract",
            _("This contract already has a financing application in progress (FIN-ONE-OPEN)."),
        )
    if amount_fen <= 0:
        errors.append(ServiceError(FinancingError.AMOUNT, "amount_fen", _("The amount must be more than zero.")))
    if not products:
        errors.append(ServiceError(FinancingError.NO_BANK, "products", _("Choose at least one bank's product.")))
    seen_banks: set[int] = set()
    for product in products:
        if not product.active or product.bank.kind != OrganizationKind.BANK or product.bank_id in seen_banks:
            errors.append(
                ServiceError(
                    FinancingError.PRODUCT,
                    "products",
                    _("Choose active products, at most one per bank: {product}."),
                    product=product.name,
                )
            )
        seen_banks.add(product.bank_id)
        if contract.supplier_size not in product.eligible_sizes:
            errors.append(
                ServiceError(
                    FinancingError.SIZE,
                    "products",
                    _("{product} does not serve enterprises of your size (FIN-SIZE)."),
                    product=product.name,
                )
            )
        cap = rules.share_cap_fen(contract.amount_fen, product.max_share_percent)
        if amount_fen > cap:
            errors.append(
                ServiceError(
                    FinancingError.SHARE_CAP,
                    "amount_fen",
                    _(
                        "{product} lends at most {share} of the contract amount ¥{contract}: at most ¥{cap} "
                        "(FIN-SHARE-CAP)."
                    ),
                    product=product.name,
                    share=f"{product.max_share_percent.normalize():f}%",
                    contract=rules.fen_to_yuan(contract.amount_fen),
                    cap=rules.fen_to_yuan(cap),
                )
            )
    raise_if_any(errors)
    application = FinancingApplication.objects.create(
        supplier=supplier,
        contract=contract,
        amount_fen=amount_fen,
        purpose=purpose.strip()[:200],
        status=ApplicationStatus.DRAFT,
        created_at=at,
        created_by=actor,
    )
    for product in products:
        ApplicationBank.objects.create(
            application=application,
            bank=product.bank,
            product=product,
            consent_granted_at=at if product.bank_id in consent_bank_ids else None,
        )
    audit_record(
        actor=actor,
        action="financing.apply",
        obj=application,
        after={
            **snapshot(application),
            "banks": [p.bank_id for p in products],
            "consent": sorted(b for b in consent_bank_ids if b in seen_banks),  # FIN-CONSENT
        },
        at=at,
    )
    if submit:
        _submit(application, actor=actor, at=at)
    return application


@transaction.atomic
def application_submit(*, application: FinancingApplication, actor: Any, at: dt.datetime) -> FinancingApplication:
    application = _locked(application)
    _require_supplier(actor, application.supplier)
    if err := _contract_open_error(application.contract, at):
        raise err
    _submit(application, actor=actor, at=at)
    return application


def attestation_payload(application: FinancingApplication, at: dt.datetime) -> dict[str, Any]:
    """The contract facts the platform vouches for, as of ``at`` (payments recorded by then)."""
    contract = Contract.objects.select_related("project__purchaser", "supplier").get(pk=application.contract_id)
    day = local_date(at)
    payments = list(Payment.objects.filter(contract=contract, paid_on__lte=day).order_by("paid_on", "id"))
    return {
        "type": ATTESTATION_TYPE,
        "application_id": application.pk,
        "attested_at": at.isoformat(),
        "contract": {
            "id": contract.pk,
            "project_number": contract.project.number,
            "project_title": contract.project.title,
            "purchaser": {"id": contract.project.purchaser_id, "name": contract.project.purchaser.name},
            "supplier": {
                "id": contract.supplier_id,
                "name": contract.supplier.name,
                "credit_code": contract.supplier.credit_code,
                "size": contract.supplier_size,
            },
            "amount_fen": contract.amount_fen,
            "signed_on": contract.signed_on.isoformat(),
            "published": contract.published_at is not None,
            "payment_terms": {
                "advance_payment_fen": contract.advance_payment_fen,
                "payment_days_after_acceptance": contract.payment_days,
                "accepted_on": contract.accepted_on.isoformat() if contract.accepted_on else None,
                "payment_due": contract.payment_due.isoformat() if contract.payment_due else None,
            },
            "payments": [
                {"paid_on": p.paid_on.isoformat(), "amount_fen": p.amount_fen, "advance": p.is_advance}
                for p in payments
            ],
            "paid_fen": sum(p.amount_fen for p in payments),
        },
        "requested_fen": application.amount_fen,
    }


def attestation_verify(attestation: Attestation) -> bool:
    """What a bank does with the platform's public key: the facts are exactly what the platform signed."""
    return crypto.verify(attestation.payload, attestation.signature, attestation.public_key)


def _submit(application: FinancingApplication, *, actor: Any, at: dt.datetime) -> None:
    payload = json.loads(json.dumps(attestation_payload(application, at)))
    attestation = Attestation.objects.create(
        application=application,
        payload=payload,
        signature=crypto.sign(payload),
        public_key=crypto.platform_public_key(),
        created_at=at,
    )
    application.submitted_at = at
    application.save(update_fields=["submitted_at"])
    _set_status(
        application,
        ApplicationStatus.SUBMITTED,
        actor=actor,
        at=at,
        action="financing.submit",
        attestation=attestation.pk,
    )
    banks = [link.bank for link in application.bank_links.select_related("bank")]
    _emit(banks, "financing.submitted", application, at)
    _notify_supplier(
        application,
        gettext("Financing application sent to {n} bank(s)").format(n=len(banks)),
        gettext(
            "The platform attested contract {number} to the banks you chose; their quotes will appear here."
        ).format(number=application.contract.project.number),
        at,
    )


@transaction.atomic
def consent_grant(
    *, application: FinancingApplication, bank: Organization, actor: Any, at: dt.datetime
) -> ApplicationBank:
    """FIN-CONSENT: the supplier lets this bank see its credit record from now on."""
    application = _locked(application)
    _require_supplier(actor, application.supplier)
    link = _link(application, bank)
    if link.consent_active:
        raise ServiceError(FinancingError.CONSENT, "consent", _("This bank already has your consent."))
    before = snapshot(link)
    link.consent_granted_at = at
    link.consent_revoked_at = None
    link.save(update_fields=["consent_granted_at", "consent_revoked_at"])
    audit_record(actor=actor, action="financing.consent_grant", obj=link, before=before, after=snapshot(link), at=at)
    _emit([bank], "financing.consent_granted", application, at)
    return link


@transaction.atomic
def consent_revoke(
    *, application: FinancingApplication, bank: Organization, actor: Any, at: dt.datetime
) -> ApplicationBank:
    """FIN-CONSENT: revoked, the bank no longer sees the supplier's credit record (from ``at`` on)."""
    application = _locked(application)
    _require_supplier(actor, application.supplier)
    link = _link(application, bank)
    if not link.consent_active:
        raise ServiceError(FinancingError.CONSENT, "consent", _("This bank does not have your consent."))
    before = snapshot(link)
    link.consent_revoked_at = at
    link.save(update_fields=["consent_revoked_at"])
    audit_record(actor=actor, action="financing.consent_revoke", obj=link, before=before, after=snapshot(link), at=at)
    _emit([bank], "financing.consent_revoked", application, at)
    return link


@transaction.atomic
def application_withdraw(*, application: FinancingApplication, actor: Any, at: dt.datetime) -> FinancingApplication:
    application = _locked(application)
    _require_supplier(actor, application.supplier)
    _set_status(application, ApplicationStatus.WITHDRAWN, actor=actor, at=at, action="financing.withdraw")
    application.quotes.filter(status=QuoteStatus.OFFERED).update(status=QuoteStatus.NOT_CHOSEN)
    banks = [link.bank for link in application.bank_links.select_related("bank")]
    _emit(banks, "financing.withdrawn", application, at)
    return application


@transaction.atomic
def quote_accept(*, quote: Quote, actor: Any, at: dt.datetime) -> Quote:
    """The supplier takes one bank's quote; the other quotes are not chosen."""
    application = _locked(quote.application)
    _require_supplier(actor, application.supplier)
    quote = Quote.objects.select_for_update(of=("self",)).select_related("bank").get(pk=quote.pk)
    if quote.status != QuoteStatus.OFFERED:
        raise ServiceError(FinancingError.QUOTE_EXPIRED, "quote", _("This quote is no longer on offer."))
    if quote.valid_until < local_date(at):
        raise ServiceError(
            FinancingError.QUOTE_EXPIRED,
            "quote",
            _("This quote expired on {date}; ask the bank for a new one."),
            date=quote.valid_until.isoformat(),
        )
    _set_status(application, ApplicationStatus.ACCEPTED, actor=actor, at=at, action="financing.accept", quote=quote.pk)
    others = list(application.quotes.filter(status=QuoteStatus.OFFERED).exclude(pk=quote.pk).select_related("bank"))
    application.quotes.filter(status=QuoteStatus.OFFERED).exclude(pk=quote.pk).update(status=QuoteStatus.NOT_CHOSEN)
    quote.status = QuoteStatus.ACCEPTED
    quote.save(update_fields=["status"])
    application.accepted_quote = quote
    application.save(update_fields=["accepted_quote"])
    _emit([quote.bank], "financing.accepted", application, at, quote_id=quote.pk)
    _emit([q.bank for q in others], "financing.not_chosen", application, at)
    return quote


# --- the bank's side ----------------------------------------------------------------------------------


@transaction.atomic
def quote_submit(
    *,
    application: FinancingApplication,
    bank: Organization,
    amount_fen: int,
    rate: Decimal,
    term_days: int,
    valid_until: dt.date,
    actor: Any,
    at: dt.datetime,
) -> Quote:
    _require_lender(actor, bank)
    application = _locked(application)
    link = _link(application, bank)
    check_transition(APPLICATION_TRANSITIONS, application.status, ApplicationStatus.QUOTED, labels=ApplicationStatus)
    if link.declined_at is not None or Quote.objects.filter(application=application, bank=bank).exists():
        raise ServiceError(
            FinancingError.ALREADY_FINANCED, "bank", _("Your bank has already answered this application.")
        )
    product = link.product
    cap = min(application.amount_fen, rules.share_cap_fen(application.contract.amount_fen, product.max_share_percent))
    errors: list[ServiceError] = []
    if not 0 < amount_fen <= cap:
        errors.append(
            ServiceError(
                FinancingError.SHARE_CAP,
                "amount_fen",
                _(
                    "The amount must be more than zero and at most ¥{cap}: the amount asked for, within {product}'s share of the contract (FIN-SHARE-CAP)."
                ),
                cap=rules.fen_to_yuan(cap),
                product=product.name,
            )
        )
    if not rules.rate_in_range(rate, product.rate_min, product.rate_max):
        errors.append(
            ServiceError(
                FinancingError.RATE,
                "rate",
                _("The rate must lie in {product}'s published range, {low} to {high} a year (FIN-RATE-RANGE)."),
                product=product.name,
                low=f"{product.rate_min}%",
                high=f"{product.rate_max}%",
            )
        )
    if not 0 < term_days <= product.term_days:
        errors.append(
            ServiceError(
                FinancingError.TERM,
                "term_days",
                _("The term must be between 1 and {days} days, {product}'s longest (FIN-TERM)."),
                days=product.term_days,
                product=product.name,
            )
        )
    if valid_until < local_date(at):
        errors.append(
            ServiceError(FinancingError.VALID_UNTIL, "valid_until", _("A quote must be valid until today or later."))
        )
    raise_if_any(errors)
    quote = Quote.objects.create(
        application=application,
        bank=bank,
        product=product,
        amount_fen=amount_fen,
        rate=rate,
        term_days=term_days,
        valid_until=valid_until,
        created_at=at,
        created_by=str(getattr(actor, "username", actor))[:200],
    )
    audit_record(actor=actor, action="financing.quote", obj=quote, after=snapshot(quote), at=at)
    _set_status(application, ApplicationStatus.QUOTED, actor=actor, at=at, action="financing.quoted", quote=quote.pk)
    _emit([bank], "financing.quoted", application, at, quote_id=quote.pk)
    _notify_supplier(
        application,
        gettext("{bank} quoted for your financing").format(bank=bank.name),
        gettext("¥{amount} at {rate}% a year for {days} days, valid until {date}.").format(
            amount=rules.fen_to_yuan(amount_fen), rate=rate, days=term_days, date=valid_until.isoformat()
        ),
        at,
    )
    return quote


@transaction.atomic
def application_decline(
    *, application: FinancingApplication, bank: Organization, reason: str, actor: Any, at: dt.datetime
) -> FinancingApplication:
    """The bank will not lend (its offered quote is withdrawn). The application is declined when the bank
    whose quote was accepted declines, or when every bank has declined."""
    _require_lender(actor, bank)
    application = _locked(application)
    link = _link(application, bank)
    if not reason.strip():
        raise ServiceError(FinancingError.TEXT_REQUIRED, "reason", _("Say why the bank declines."))
    if application.status not in {ApplicationStatus.SUBMITTED, ApplicationStatus.QUOTED, ApplicationStatus.ACCEPTED}:
        check_transition(
            APPLICATION_TRANSITIONS, application.status, ApplicationStatus.DECLINED, labels=ApplicationStatus
        )
    if link.declined_at is not None:
        raise ServiceError(FinancingError.ALREADY_FINANCED, "bank", _("Your bank has already declined."))
    before = snapshot(link)
    link.declined_at = at
    link.decline_reason = reason.strip()
    link.save(update_fields=["declined_at", "decline_reason"])
    audit_record(actor=actor, action="financing.bank_decline", obj=link, before=before, after=snapshot(link), at=at)
    accepted = application.accepted_quote
    if accepted is not None and accepted.bank_id == bank.pk:
        Quote.objects.filter(pk=accepted.pk).update(status=QuoteStatus.WITHDRAWN)
        final = True
    else:
        Quote.objects.filter(application=application, bank=bank, status=QuoteStatus.OFFERED).update(
            status=QuoteStatus.WITHDRAWN
        )
        final = (
            application.status != ApplicationStatus.ACCEPTED
            and not application.bank_links.filter(declined_at__isnull=True).exists()
        )
    if final:
        _set_status(application, ApplicationStatus.DECLINED, actor=actor, at=at, action="financing.declined")
    _emit([bank], "financing.declined", application, at, reason=link.decline_reason)
    _notify_supplier(
        application,
        gettext("{bank} declined your financing").format(bank=bank.name),
        link.decline_reason,
        at,
    )
    return application


@transaction.atomic
def application_approve(
    *,
    application: FinancingApplication,
    bank: Organization,
    agreement_number: str,
    account_name: str,
    account_number: str,
    account_bank_name: str,
    guarantor: Organization | None = None,
    guarantee_fen: int | None = None,
    actor: Any,
    at: dt.datetime,
) -> Agreement:
    """The bank of the accepted quote approves: the agreement and the repayment account it designates."""
    _require_lender(actor, bank)
    application = _locked(application)
    quote = application.accepted_quote
    if quote is None or quote.bank_id != bank.pk:
        raise ServiceError(
            FinancingError.NOT_ADDRESSED, "bank", _("Only the bank whose quote the supplier accepted can approve.")
        )
    check_transition(APPLICATION_TRANSITIONS, application.status, ApplicationStatus.APPROVED, labels=ApplicationStatus)
    errors: list[ServiceError] = []
    number = agreement_number.strip()
    if not number:
        errors.append(ServiceError(FinancingError.TEXT_REQUIRED, "agreement_number", _("Give the agreement number.")))
    elif Agreement.objects.filter(bank=bank, number=number).exists():
        errors.append(
            ServiceError(
                FinancingError.ACCOUNT, "agreement_number", _("Your bank already used this agreement number.")
            )
        )
    if not account_name.strip() or not account_bank_name.strip():
        errors.append(
            ServiceError(
                FinancingError.ACCOUNT, "account_name", _("Give the repayment account's name and its bank branch.")
            )
        )
    if not ACCOUNT_NUMBER.match(account_number.strip()):
        errors.append(
            ServiceError(
                FinancingError.ACCOUNT, "account_number", _("The repayment account number is 8 to 32 digits.")
            )
        )
    if guarantor is not None:
        if guarantor.kind != OrganizationKind.GUARANTOR:
            errors.append(
                ServiceError(
                    FinancingError.GUARANTOR, "guarantor", _("The co-guarantor must be a guarantee institution.")
                )
            )
        if not guarantee_fen or not 0 < guarantee_fen <= quote.amount_fen:
            errors.append(
                ServiceError(
                    FinancingError.GUARANTOR,
                    "guarantee_fen",
                    _("The guaranteed amount must be more than zero and at most the loan amount."),
                )
            )
    raise_if_any(errors)
    agreement = Agreement.objects.create(
        application=application,
        bank=bank,
        number=number,
        amount_fen=quote.amount_fen,
        rate=quote.rate,
        term_days=quote.term_days,
        account_name=account_name.strip(),
        account_number=account_number.strip(),
        account_bank_name=account_bank_name.strip(),
        approved_at=at,
    )
    audit_record(actor=actor, action="financing.agreement", obj=agreement, after=snapshot(agreement), at=at)
    if guarantor is not None and guarantee_fen:
        guarantee = Guarantee.objects.create(
            agreement=agreement, guarantor=guarantor, amount_fen=guarantee_fen, created_at=at
        )
        audit_record(actor=actor, action="financing.guarantee", obj=guarantee, after=snapshot(guarantee), at=at)
    _set_status(
        application, ApplicationStatus.APPROVED, actor=actor, at=at, action="financing.approve", agreement=agreement.pk
    )
    _emit([bank], "financing.approved", application, at, agreement=number)
    _notify_supplier(
        application,
        gettext("Financing approved: agreement {number}").format(number=number),
        gettext("{bank} approved ¥{amount}. The money is paid out on disbursement.").format(
            bank=bank.name, amount=rules.fen_to_yuan(quote.amount_fen)
        ),
        at,
    )
    return agreement


def _agreement(application: FinancingApplication, bank: Organization) -> Agreement:
    agreement = Agreement.objects.select_for_update(of=("self",)).filter(application=application).first()
    if agreement is None or agreement.bank_id != bank.pk:
        raise ServiceError(FinancingError.NOT_ADDRESSED, "bank", _("This loan is not your bank's."))
    return agreement


@transaction.atomic
def disbursement_record(
    *,
    application: FinancingApplication,
    bank: Organization,
    amount_fen: int,
    disbursed_on: dt.date,
    actor: Any,
    at: dt.datetime,
) -> Disbursement:
    """放款. FIN-REPAY-ACCOUNT: from now on the contract's payments go to the account the agreement designates
    (procurement.lifecycle.contract_repayment_account_set), until the bank records the repayment."""
    _require_lender(actor, bank)
    application = _locked(application)
    agreement = _agreement(application, bank)
    check_transition(
        APPLICATION_TRANSITIONS, application.status, ApplicationStatus.DISBURSED, labels=ApplicationStatus
    )
    contract = application.contract
    errors: list[ServiceError] = []
    if not 0 < amount_fen <= agreement.amount_fen:
        errors.append(
            ServiceError(
                FinancingError.AMOUNT,
                "amount_fen",
                _("The disbursement must be more than zero and at most the agreed ¥{amount}."),
                amount=rules.fen_to_yuan(agreement.amount_fen),
            )
        )
    earliest = local_date(agreement.approved_at)
    if not earliest <= disbursed_on <= local_date(at):
        errors.append(
            ServiceError(
                FinancingError.DATE,
                "disbursed_on",
                _("The disbursement date must lie between the approval ({earliest}) and today."),
                earliest=earliest.isoformat(),
            )
        )
    if contract.project.status not in PERFORMING:
        errors.append(
            ServiceError(
                FinancingError.CONTRACT_NOT_OPEN,
                "contract",
                _("The contract was terminated: nothing can be disbursed on it (FIN-CONTRACT-OPEN)."),
            )
        )
    current = contract.repayment_account
    if current is not None and current.get("agreement") != agreement.number:
        errors.append(
            ServiceError(
                FinancingError.ACCOUNT,
                "contract",
                _("The contract's payments already go to another loan's account (FIN-REPAY-ACCOUNT)."),
            )
        )
    raise_if_any(errors)
    disbursement = Disbursement.objects.create(
        agreement=agreement, amount_fen=amount_fen, disbursed_on=disbursed_on, recorded_at=at
    )
    audit_record(actor=actor, action="financing.disburse", obj=disbursement, after=snapshot(disbursement), at=at)
    contract_repayment_account_set(contract=contract, account=agreement.repayment_account(), actor=actor, at=at)
    _set_status(
        application,
        ApplicationStatus.DISBURSED,
        actor=actor,
        at=at,
        action="financing.disbursed",
        disbursement=disbursement.pk,
    )
    _emit([bank], "financing.disbursed", application, at, disbursed_fen=amount_fen, disbursed_on=disbursed_on)
    _notify_supplier(
        application,
        gettext("Loan disbursed: ¥{amount}").format(amount=rules.fen_to_yuan(amount_fen)),
        gettext(
            "The purchaser now pays contract {number} into the account designated in agreement {agreement}."
        ).format(number=contract.project.number, agreement=agreement.number),
        at,
    )
    return disbursement


@transaction.atomic
def repayment_record(
    *,
    application: FinancingApplication,
    bank: Organization,
    amount_fen: int,
    repaid_on: dt.date,
    actor: Any,
    at: dt.datetime,
) -> Repayment:
    """The bank closes the loan: repaid. The designated account is released (the contract's payments go to
    the supplier again)."""
    _require_lender(actor, bank)
    application = _locked(application)
    agreement = _agreement(application, bank)
    check_transition(APPLICATION_TRANSITIONS, application.status, ApplicationStatus.REPAID, labels=ApplicationStatus)
    disbursement = Disbursement.objects.get(agreement=agreement)
    errors: list[ServiceError] = []
    if amount_fen < disbursement.amount_fen:
        errors.append(
            ServiceError(
                FinancingError.AMOUNT,
                "amount_fen",
                _("A loan is closed when at least the ¥{amount} disbursed has been repaid."),
                amount=rules.fen_to_yuan(disbursement.amount_fen),
            )
        )
    if not disbursement.disbursed_on <= repaid_on <= local_date(at):
        errors.append(
            ServiceError(
                FinancingError.DATE,
                "repaid_on",
                _("The repayment date must lie between the disbursement ({earliest}) and today."),
                earliest=disbursement.disbursed_on.isoformat(),
            )
        )
    raise_if_any(errors)
    repayment = Repayment.objects.create(
        agreement=agreement, amount_fen=amount_fen, repaid_on=repaid_on, recorded_at=at
    )
    audit_record(actor=actor, action="financing.repay", obj=repayment, after=snapshot(repayment), at=at)
    contract = application.contract
    if (contract.repayment_account or {}).get("agreement") == agreement.number:
        contract_repayment_account_set(contract=contract, account=None, actor=actor, at=at)
    _set_status(application, ApplicationStatus.REPAID, actor=actor, at=at, action="financing.repaid")
    _emit([bank], "financing.repaid", application, at, repaid_fen=amount_fen, repaid_on=repaid_on)
    _notify_supplier(
        application,
        gettext("Loan {number} repaid and closed").format(number=agreement.number),
        gettext("The contract's payments go to your own account again."),
        at,
    )
    return repayment


# --- webhooks banks send to the platform ------------------------------------------------------------


INBOUND_EVENTS = {"ping", "financing.disbursed", "financing.repaid", "financing.declined"}


def _bank_secrets(bank: Organization) -> list[str]:
    return [endpoint_secret(e) for e in WebhookEndpoint.objects.filter(organization=bank, is_active=True)]


def inbound_verify(*, bank: Organization, header: str, body: bytes, now: dt.datetime) -> None:
    """The body must be signed (integrations' scheme) with the secret of one of the bank's active endpoints."""
    secrets = _bank_secrets(bank)
    if not secrets:
        raise ServiceError(
            FinancingError.WEBHOOK_BANK,
            "bank_id",
            _("This bank has no registered webhook endpoint, so nothing it sends can be verified."),
        )
    last: ServiceError | None = None
    for secret in secrets:
        try:
            signature_verify(secret=secret, header=header, body=body, now=now)
        except ServiceError as exc:
            last = exc
        else:
            return
    assert last is not None  # noqa: S101 - at least one secret was tried
    raise last


@transaction.atomic
def inbound_event_receive(*, bank: Organization, data: dict[str, Any], at: dt.datetime) -> tuple[InboundEvent, bool]:
    """Apply a verified webhook from ``bank`` once: returns the event and whether it was new.

    ``{"id": "<bank's event id>", "event": "financing.disbursed", "data": {"application_id", "amount_fen",
    "disbursed_on"}}``; ``financing.repaid`` with ``repaid_fen``/``repaid_on``; ``financing.declined`` with
    ``reason``; ``ping``. The change runs through the same service as the API, as the bank's webhook.
    """
    event_id = str(data.get("id") or "").strip()[:100]
    event = str(data.get("event") or "")
    raw_body = data.get("data")
    body: dict[str, Any] = raw_body if isinstance(raw_body, dict) else {}
    if not event_id or event not in INBOUND_EVENTS:
        raise ServiceError(
            FinancingError.WEBHOOK_EVENT,
            "event",
            _("The webhook needs an id and one of the events: {events}."),
            events=", ".join(sorted(INBOUND_EVENTS)),
        )
    existing = InboundEvent.objects.filter(bank=bank, event_id=event_id).first()
    if existing is not None:
        return existing, False
    actor = BankWebhook(bank_id=bank.pk, event_id=event_id)
    result = "ok"
    if event != "ping":
        application = FinancingApplication.objects.filter(
            pk=_int(body.get("application_id"), "application_id")
        ).first()
        if application is None or not application.bank_links.filter(bank=bank).exists():
            raise ServiceError(
                FinancingError.NOT_ADDRESSED, "application_id", _("This application was not sent to your bank.")
            )
        if event == "financing.disbursed":
            d = disbursement_record(
                application=application,
                bank=bank,
                amount_fen=_int(body.get("amount_fen"), "amount_fen"),
                disbursed_on=_date(body.get("disbursed_on"), "disbursed_on"),
                actor=actor,
                at=at,
            )
            result = f"disbursement {d.pk}"
        elif event == "financing.repaid":
            r = repayment_record(
                application=application,
                bank=bank,
                amount_fen=_int(body.get("repaid_fen"), "repaid_fen"),
                repaid_on=_date(body.get("repaid_on"), "repaid_on"),
                actor=actor,
                at=at,
            )
            result = f"repayment {r.pk}"
        else:
            application_decline(
                application=application, bank=bank, reason=str(body.get("reason") or ""), actor=actor, at=at
            )
            result = "declined"
    inbound = InboundEvent.objects.create(
        bank=bank, event_id=event_id, event=event, payload=data, received_at=at, result=result
    )
    audit_record(actor=actor, action="financing.webhook_received", obj=inbound, after=snapshot(inbound), at=at)
    return inbound, True


def _int(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit():
        raise ServiceError(FinancingError.WEBHOOK_EVENT, field, _("{name} must be a whole number."), name=field)
    return int(value)


def _date(value: Any, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise ServiceError(
            FinancingError.WEBHOOK_EVENT, field, _("{name} must be a date (YYYY-MM-DD)."), name=field
        ) from exc
