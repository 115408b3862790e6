"""Reads of the guarantees app: each role's guarantees, keys, and the OCDS guarantees items."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet

from zhengcai.accounts.selectors import user_memberships, user_scope
from zhengcai.core.money import fen_to_decimal_yuan
from zhengcai.core.permissions import P, role_allows
from zhengcai.organizations.models import Organization, OrganizationKind, OrganizationStatus
from zhengcai.procurement.models import Contract, Project, ProjectStatus

from .models import Guarantee, GuaranteeKind, IssuerKey

LIST_RELATED = ("issuer", "applicant", "beneficiary", "project")


def issuer_institution(*, user: Any) -> Organization | None:
    """The bank or guarantor the user issues for (an API token acts for exactly one organization)."""
    for membership in user_memberships(user=user):
        if role_allows(membership.role, P.GUARANTEE_ISSUE):
            return membership.organization
    return None


def guarantees_for(*, user: Any) -> QuerySet[Guarantee]:
    """Guarantees the user may see: issued by their institution, applied for by their supplier, benefiting
    the purchaser (or agency) they buy for, or — for the bureau — every guarantee in its region."""
    condition = Q(pk__in=[])
    issue = user_scope(user=user, perm=P.GUARANTEE_ISSUE)
    if issue.organization_ids:
        condition |= Q(issuer__in=issue.organization_ids)
    supplier = user_scope(user=user, perm=P.BID_SUBMIT)
    if supplier.organization_ids:
        condition |= Q(applicant__in=supplier.organization_ids)
    manage = user_scope(user=user, perm=P.PROCUREMENT_MANAGE)
    if manage.organization_ids:
        condition |= Q(project__purchaser__in=manage.organization_ids) | Q(project__agency__in=manage.organization_ids)
    if manage.region_ids:
        condition |= Q(project__region__in=manage.region_ids)
    supervise = user_scope(user=user, perm=P.PROCUREMENT_VIEW_ALL)
    qs = Guarantee.objects.select_related(*LIST_RELATED).order_by("-issued_at", "-id")
    if supervise.everything:
        return qs
    if supervise.region_ids:
        condition |= Q(project__region__in=supervise.region_ids)
    return qs.filter(condition)


def guarantee_for(*, user: Any, number: str) -> Guarantee:
    return guarantees_for(user=user).select_related("key", "contract", "project__agency").get(number=number)


def guarantee_public_get(*, number: str) -> Guarantee | None:
    return Guarantee.objects.select_related(*LIST_RELATED).filter(number=number).first()


def keys_for(*, institution: Organization) -> QuerySet[IssuerKey]:
    return IssuerKey.objects.filter(institution=institution).order_by("-valid_from", "-id")


def key_for(*, institution: Organization, pk: int) -> IssuerKey:
    return keys_for(institution=institution).get(pk=pk)


def active_suppliers() -> QuerySet[Organization]:
    return Organization.objects.filter(kind=OrganizationKind.SUPPLIER, status=OrganizationStatus.ACTIVE).order_by(
        "name"
    )


def projects_for_guarantees(*, at: dt.datetime) -> QuerySet[Project]:
    """Projects a guarantee can be issued for now: tenders open for bids, and signed contracts."""
    return (
        Project.objects.filter(
            Q(status=ProjectStatus.TENDERING, tender__deadline__gt=at)
            | Q(status__in=[ProjectStatus.CONTRACTED, ProjectStatus.COMPLETED])
        )
        .select_related("purchaser")
        .order_by("-created_at", "-id")
    )


def project_contract(*, project: Project) -> Contract | None:
    return Contract.objects.filter(project=project).first()


# --- open data ----------------------------------------------------------------------------------------

OCDS_TYPE = "bankGuarantee"  # issued by a bank; a guarantee institution's letter is a surety bond
OCDS_OBLIGATIONS = {GuaranteeKind.BID: "bidSecurity", GuaranteeKind.PERFORMANCE: "performance"}


def ocds_guarantees(project: Project) -> list[dict[str, Any]]:
    """The project's guarantees as items of the OCDS guarantees extension's ``guarantees`` array.

    Performance guarantees belong under ``contracts[].guarantees``; bid guarantees (bid security) under
    the local extension's ``tender.guarantees`` — the caller places them by ``obligations``. Party ids
    follow opendata's ``ZC-ORG-<pk>``."""
    items = []
    rows = (
        Guarantee.objects.filter(project=project)
        .select_related("issuer", "applicant", "beneficiary")
        .order_by("issued_at", "id")
    )
    for g in rows:
        items.append(
            {
                "id": g.number,
                "type": OCDS_TYPE if g.issuer.kind == OrganizationKind.BANK else "suretyBond",
                "date": g.issued_at.isoformat(),
                "obligations": OCDS_OBLIGATIONS[GuaranteeKind(g.kind)],
                "value": {"amount": fen_to_decimal_yuan(g.amount_fen), "currency": "CNY"},
                "guarantor": {"id": f"ZC-ORG-{g.issuer_id}", "name": g.issuer.name},
                "guaranteedParty": {"id": f"ZC-ORG-{g.applicant_id}", "name": g.applicant.name},
                "beneficiary": {"id": f"ZC-ORG-{g.beneficiary_id}", "name": g.beneficiary.name},
                "period": {
                    "startDate": f"{g.valid_from.isoformat()}T00:00:00+08:00",
                    "endDate": f"{g.valid_until.isoformat()}T23:59:59+08:00",
                },
                "status": g.status,
            }
        )
    return items
