"""Reads of contract financing: scoped querysets for the pages and the API, the consent check, the totals."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth

from zhengcai.accounts.selectors import user_memberships, user_scope
from zhengcai.core.permissions import P, role_allows
from zhengcai.organizations.models import Organization
from zhengcai.procurement.models import Contract, Payment, ProjectStatus

from .models import (
    OPEN_STATUSES,
    Agreement,
    ApplicationBank,
    ApplicationStatus,
    Disbursement,
    FinancingApplication,
    FinancingProduct,
)

APPLICATION_RELATED = ("supplier", "contract__project__purchaser", "contract__project__region", "attestation")


def organizations_with(*, user: Any, perm: P) -> list[Organization]:
    """The organizations where the user holds ``perm`` (a supplier's staff: its supplier; a bank officer: the bank)."""
    seen: dict[int, Organization] = {}
    for m in user_memberships(user=user):
        if role_allows(m.role, perm):
            seen.setdefault(m.organization_id, m.organization)
    return list(seen.values())


def bank_of(*, user: Any) -> Organization | None:
    """The bank the caller lends for (an API token acts for exactly one organization)."""
    banks = organizations_with(user=user, perm=P.FINANCING_LEND)
    return banks[0] if banks else None


# --- products ---------------------------------------------------------------------------------------


def product_list(*, bank: Organization | None = None) -> QuerySet[FinancingProduct]:
    qs = FinancingProduct.objects.filter(active=True).select_related("bank")
    if bank is not None:
        qs = qs.filter(bank=bank)
    return qs.order_by("bank__name", "name", "id")


def products_for_size(*, size: str) -> list[FinancingProduct]:
    return [p for p in product_list() if size in p.eligible_sizes]


# --- the supplier's side ------------------------------------------------------------------------------


def eligible_contracts(*, suppliers: list[Organization]) -> QuerySet[Contract]:
    """Contracts being performed with no financing in progress (FIN-CONTRACT-OPEN, FIN-ONE-OPEN)."""
    open_financing = FinancingApplication.objects.filter(contract=OuterRef("pk"), status__in=OPEN_STATUSES)
    return (
        Contract.objects.filter(supplier__in=suppliers, project__status=ProjectStatus.CONTRACTED)
        .annotate(financed=Exists(open_financing), paid=Sum("payments__amount_fen"))
        .filter(financed=False)
        .select_related("project__purchaser", "supplier")
        .order_by("-signed_on", "-id")
    )


def applications_for_supplier(*, user: Any) -> QuerySet[FinancingApplication]:
    suppliers = organizations_with(user=user, perm=P.FINANCING_APPLY)
    return (
        FinancingApplication.objects.filter(supplier__in=suppliers)
        .select_related(*APPLICATION_RELATED, "accepted_quote__bank")
        .order_by("-created_at", "-id")
    )


def application_for_supplier(*, user: Any, pk: int) -> FinancingApplication:
    return applications_for_supplier(user=user).get(pk=pk)


# --- the bank's side ----------------------------------------------------------------------------------


def applications_for_bank(*, bank: Organization, status: str | None = None) -> QuerySet[FinancingApplication]:
    """Applications sent to the bank (drafts are the supplier's own)."""
    qs = (
        FinancingApplication.objects.filter(bank_links__bank=bank)
        .exclude(status=ApplicationStatus.DRAFT)
        .select_related(*APPLICATION_RELATED)
        .order_by("-submitted_at", "-id")
    )
    if status:
        qs = qs.filter(status=status)
    return qs


def application_for_bank(*, bank: Organization, pk: int) -> FinancingApplication:
    return applications_for_bank(bank=bank).get(pk=pk)


def bank_link(*, application: FinancingApplication, bank: Organization) -> ApplicationBank | None:
    return ApplicationBank.objects.select_related("product").filter(application=application, bank=bank).first()


def consent_allows(*, supplier: Organization, bank: Organization, at: dt.datetime) -> bool:
    """FIN-CONSENT: whether ``bank`` may see ``supplier``'s credit record at ``at`` — a consent the supplier
    granted on one of its applications to this bank, not revoked by then."""
    return ApplicationBank.objects.filter(
        Q(consent_revoked_at__isnull=True) | Q(consent_revoked_at__gt=at),
        application__supplier=supplier,
        bank=bank,
        consent_granted_at__lte=at,
    ).exists()


@dataclass(frozen=True)
class CreditView:
    available: bool  # the credit app is installed and has records
    allowed: bool  # FIN-CONSENT
    records: list[Any]


def credit_records_for_bank(*, supplier: Organization, bank: Organization, at: dt.datetime) -> CreditView:
    """FIN-CONSENT: the supplier's credit records as known at ``at``, only while its consent to ``bank`` stands.
    The credit app is read lazily (it builds on this app's consent check, not the other way round)."""
    allowed = consent_allows(supplier=supplier, bank=bank, at=at)
    try:
        from zhengcai.credit.selectors import records_known_at
    except ImportError:  # the credit app without its selectors: the bank decides on the attestation alone
        return CreditView(available=False, allowed=allowed, records=[])
    if not allowed:
        return CreditView(available=True, allowed=False, records=[])
    return CreditView(available=True, allowed=True, records=list(records_known_at(supplier=supplier, at=at)[:100]))


def repayments_observed(*, agreement: Agreement) -> QuerySet[Payment]:
    """FIN-REPAY-ACCOUNT: the contract's payments that went to this agreement's designated account."""
    return Payment.objects.filter(
        contract_id=agreement.application.contract_id, paid_to_account__agreement=agreement.number
    ).order_by("paid_on", "id")


# --- the bureau's totals ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Totals:
    raised_fen: int
    loans: int
    outstanding_fen: int
    suppliers: int
    by_region: list[dict[str, Any]]
    by_bank: list[dict[str, Any]]
    by_month: list[dict[str, Any]]
    by_size: list[dict[str, Any]]
    by_status: list[dict[str, Any]]


REGION = "agreement__application__contract__project__region"
PURCHASER = "agreement__application__contract__project__purchaser"


def disbursements_in_scope(*, user: Any) -> QuerySet[Disbursement]:
    scope = user_scope(user=user, perm=P.FINANCING_VIEW_ALL)
    return scope.filter(Disbursement.objects.all(), region_field=REGION, organization_field=PURCHASER)


def applications_in_scope(*, user: Any) -> QuerySet[FinancingApplication]:
    scope = user_scope(user=user, perm=P.FINANCING_VIEW_ALL)
    return scope.filter(
        FinancingApplication.objects.all(),
        region_field="contract__project__region",
        organization_field="contract__project__purchaser",
    )


def financing_totals(*, user: Any) -> Totals:
    """Financing raised for suppliers: the disbursements in the caller's scope, per region, bank, month, size."""
    qs = disbursements_in_scope(user=user)
    whole = qs.aggregate(total=Sum("amount_fen"), n=Count("id"))
    outstanding = qs.filter(agreement__application__status=ApplicationStatus.DISBURSED).aggregate(
        total=Sum("amount_fen")
    )
    suppliers = qs.values("agreement__application__supplier").distinct().count()

    def grouped(*fields: str, order: str) -> list[dict[str, Any]]:
        rows = qs.values(*fields).annotate(amount_fen=Sum("amount_fen"), loans=Count("id")).order_by(order)
        return list(rows)

    by_region = grouped(f"{REGION}__code", f"{REGION}__name", order=f"{REGION}__code")
    by_bank = grouped("agreement__bank__name", order="-amount_fen")
    by_month = list(
        qs.annotate(month=TruncMonth("disbursed_on"))
        .values("month")
        .annotate(amount_fen=Sum("amount_fen"), loans=Count("id"))
        .order_by("month")
    )
    by_size = grouped("agreement__application__contract__supplier_size", order="-amount_fen")
    by_status = list(
        applications_in_scope(user=user)
        .values("status")
        .annotate(n=Count("id"), amount_fen=Sum("amount_fen"))
        .order_by("status")
    )
    return Totals(
        raised_fen=int(whole["total"] or 0),
        loans=int(whole["n"] or 0),
        outstanding_fen=int(outstanding["total"] or 0),
        suppliers=suppliers,
        by_region=[
            {
                "code": r[f"{REGION}__code"],
                "name": r[f"{REGION}__name"],
                "amount_fen": r["amount_fen"],
                "loans": r["loans"],
            }
            for r in by_region
        ],
        by_bank=[
            {"name": r["agreement__bank__name"], "amount_fen": r["amount_fen"], "loans": r["loans"]} for r in by_bank
        ],
        by_month=[{"month": _month(r["month"]), "amount_fen": r["amount_fen"], "loans": r["loans"]} for r in by_month],
        by_size=[
            {
                "size": r["agreement__application__contract__supplier_size"],
                "amount_fen": r["amount_fen"],
                "loans": r["loans"],
            }
            for r in by_size
        ],
        by_status=[{"status": r["status"], "n": r["n"], "amount_fen": r["amount_fen"]} for r in by_status],
    )


def _month(value: Any) -> str:
    if isinstance(value, dt.datetime | dt.date):
        return value.strftime("%Y-%m")
    return str(value)[:7]
