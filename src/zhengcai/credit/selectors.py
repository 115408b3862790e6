"""Reads of the credit app: scoped querysets for the bureau, the supplier's own record and outlook."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from zhengcai.accounts.selectors import user_memberships, user_scope
from zhengcai.core.permissions import P, Role
from zhengcai.organizations.models import EnterpriseSize, Organization, OrganizationKind

from . import rules
from .models import CreditImportBatch, CreditPolicy, CreditRecord, ExemptionDecision


def local_date(at: dt.datetime) -> dt.date:
    return timezone.localtime(at).date()


def policy_list() -> QuerySet[CreditPolicy]:
    return CreditPolicy.objects.order_by("-version")


def policy_in_force(*, on: dt.date) -> CreditPolicy | None:
    """The version in force on ``on``: the latest effective date not after it (a later version wins a tie)."""
    return CreditPolicy.objects.filter(effective_from__lte=on).order_by("-effective_from", "-version").first()


def policy_latest() -> CreditPolicy | None:
    return CreditPolicy.objects.order_by("-version").first()


def records_known_at(*, supplier: Organization, at: dt.datetime) -> QuerySet[CreditRecord]:
    """The records as they stood at ``at``: recorded by then and not revoked by then."""
    return CreditRecord.objects.filter(supplier=supplier, created_at__lte=at).filter(
        Q(revoked_at__isnull=True) | Q(revoked_at__gt=at)
    )


def record_facts(*, supplier: Organization, at: dt.datetime) -> list[rules.RecordFact]:
    return [
        rules.RecordFact(
            id=r.pk,
            kind=r.kind,
            severity=r.severity,
            occurred_on=r.occurred_on,
            expires_on=r.expires_on,
            description=r.description,
        )
        for r in records_known_at(supplier=supplier, at=at).order_by("occurred_on", "id")
    ]


def is_small_or_micro(supplier: Organization) -> bool:
    return supplier.size in {EnterpriseSize.SMALL, EnterpriseSize.MICRO}


@dataclass(frozen=True)
class Outlook:
    """What the policy in force would decide today (nothing is stored): the supplier's page and the API."""

    policy_version: int
    policy_effective_from: dt.date
    policy_published: bool
    outcome: rules.Outcome


def exemption_outlook(*, supplier: Organization, at: dt.datetime) -> Outlook:
    on = local_date(at)
    policy = policy_in_force(on=on)
    if policy is None:  # nothing published yet: the built-in version 1 (exemption_decide would publish it)
        version, effective, policy_rules, published = (
            rules.DEFAULT_VERSION,
            rules.DEFAULT_EFFECTIVE_FROM,
            rules.DEFAULT_RULES,
            False,
        )
    else:
        version, effective, policy_rules, published = policy.version, policy.effective_from, policy.rules, True
    outcome = rules.evaluate(
        rules=policy_rules,
        version=version,
        records=record_facts(supplier=supplier, at=at),
        on=on,
        small_or_micro=is_small_or_micro(supplier),
    )
    return Outlook(version, effective, published, outcome)


def supplier_of(*, user: Any) -> Organization | None:
    """The supplier a supplier-staff user acts for (the first, by membership)."""
    for membership in user_memberships(user=user):
        if membership.role == Role.SUPPLIER_STAFF and membership.organization.kind == OrganizationKind.SUPPLIER:
            return membership.organization
    return None


def supplier_records(*, supplier: Organization) -> QuerySet[CreditRecord]:
    """Every record of the supplier, revoked ones included (shown struck through), newest first."""
    return CreditRecord.objects.filter(supplier=supplier).select_related("batch").order_by("-occurred_on", "-id")


def supplier_decisions(*, supplier: Organization) -> QuerySet[ExemptionDecision]:
    return (
        ExemptionDecision.objects.filter(supplier=supplier)
        .select_related("tender__project", "policy")
        .order_by("-decided_at", "-id")
    )


def supplier_decision(*, supplier: Organization, tender_id: int) -> ExemptionDecision | None:
    return supplier_decisions(supplier=supplier).filter(tender_id=tender_id).first()


def credit_suppliers(
    *, user: Any, q: str = "", with_records: bool = False, on: dt.date | None = None
) -> QuerySet[Organization]:
    """Suppliers the user's CREDIT_MANAGE reaches (city: all; county bureau: that county), searchable by name or
    code; counted and ``with_records``: records not revoked (and, given ``on``, in force that day), the most
    serious first."""
    scope = user_scope(user=user, perm=P.CREDIT_MANAGE)
    qs = Organization.objects.filter(kind=OrganizationKind.SUPPLIER).select_related("region")
    qs = scope.filter(qs, region_field="region", organization_field="pk")
    term = q.strip()
    if term:
        qs = qs.filter(Q(name__icontains=term) | Q(credit_code__iexact=term.upper()))
    live = Q(credit_records__revoked_at__isnull=True)
    if on is not None:
        live &= Q(credit_records__occurred_on__lte=on) & (
            Q(credit_records__expires_on__isnull=True) | Q(credit_records__expires_on__gte=on)
        )
    qs = qs.annotate(
        live_records=Count("credit_records", filter=live),
        serious_records=Count("credit_records", filter=live & Q(credit_records__severity=rules.Severity.SERIOUS)),
    )
    if with_records:
        qs = qs.filter(live_records__gt=0)
    return qs.order_by("-serious_records", "-live_records", "name", "id")


def credit_supplier_get(*, user: Any, pk: int) -> Organization:
    return credit_suppliers(user=user).get(pk=pk)


def import_batches() -> QuerySet[CreditImportBatch]:
    return CreditImportBatch.objects.annotate(records_count=Count("records")).order_by("-at", "-id")


def credit_counts(*, user: Any, on: dt.date) -> dict[str, int]:
    """Records in force on ``on`` (not revoked, not expired), their suppliers and the decisions, in the user's scope."""
    scope = user_scope(user=user, perm=P.CREDIT_MANAGE)
    live = scope.filter(
        CreditRecord.objects.filter(revoked_at__isnull=True, occurred_on__lte=on).filter(
            Q(expires_on__isnull=True) | Q(expires_on__gte=on)
        ),
        region_field="supplier__region",
        organization_field="supplier",
    )
    decisions = scope.filter(
        ExemptionDecision.objects.all(), region_field="supplier__region", organization_field="supplier"
    )
    return {
        "records": live.count(),
        "suppliers": live.values("supplier").distinct().count(),
        "decisions": decisions.count(),
    }


def tender_get(*, pk: int) -> Any:
    """A published tender (read-only, for the decision API); raises DoesNotExist."""
    from zhengcai.procurement.models import Tender

    return Tender.objects.select_related("project").get(pk=pk)
