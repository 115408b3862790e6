from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet

from zhengcai.core.permissions import P

from .models import Organization, OrganizationKind, OrganizationStatus, Region


def region_list() -> QuerySet[Region]:
    return Region.objects.select_related("parent").order_by("sort", "code")


def region_list_with_counts() -> QuerySet[Region]:
    active = Q(organizations__status=OrganizationStatus.ACTIVE)
    return region_list().annotate(
        n_budget_units=Count("organizations", filter=active & Q(organizations__kind=OrganizationKind.BUDGET_UNIT)),
        n_agencies=Count("organizations", filter=active & Q(organizations__kind=OrganizationKind.AGENCY)),
        n_suppliers=Count("organizations", filter=active & Q(organizations__kind=OrganizationKind.SUPPLIER)),
    )


def region_get(*, code: str) -> Region:
    return Region.objects.select_related("parent").get(code=code)


def organization_directory(*, q: str = "", region: str = "", kind: str = "", size: str = "") -> QuerySet[Organization]:
    """The public directory: active organizations only, filtered and searchable by name or credit code."""
    qs = Organization.objects.filter(status=OrganizationStatus.ACTIVE).select_related("region", "parent")
    if q.strip():
        term = q.strip()
        qs = qs.filter(Q(name__icontains=term) | Q(credit_code__iexact=term.upper()) | Q(name_en__icontains=term))
    if region:
        qs = qs.filter(Q(region__code=region) | Q(region__parent__code=region))
    if kind in OrganizationKind.values:
        qs = qs.filter(kind=kind)
    if size:
        qs = qs.filter(size=size)
    return qs.order_by("region__sort", "kind", "name", "id")


def organization_public_get(*, pk: int) -> Organization:
    return Organization.objects.select_related("region", "parent").get(pk=pk, status=OrganizationStatus.ACTIVE)


def supplier_review_queryset(*, user: Any) -> QuerySet[Organization]:
    """Suppliers the user may review: scoped by the user's reviewer memberships (out of scope → 404)."""
    from zhengcai.accounts.selectors import user_scope

    scope = user_scope(user=user, perm=P.SUPPLIER_REVIEW)
    qs = Organization.objects.filter(kind=OrganizationKind.SUPPLIER).select_related("region")
    return scope.filter(qs, region_field="region", organization_field="pk")


def supplier_pending_list(*, user: Any) -> QuerySet[Organization]:
    return supplier_review_queryset(user=user).filter(status=OrganizationStatus.PENDING).order_by("created_at", "id")


def supplier_review_get(*, user: Any, pk: int) -> Organization:
    return supplier_review_queryset(user=user).get(pk=pk)


def organization_counts() -> dict[str, int]:
    rows = (
        Organization.objects.filter(status=OrganizationStatus.ACTIVE)
        .values("kind")
        .annotate(n=Count("id"))
        .order_by("kind")
    )
    return {row["kind"]: row["n"] for row in rows}


def bureau_for_region(*, region: Region) -> Organization | None:
    return Organization.objects.filter(kind=OrganizationKind.FINANCE_BUREAU, region=region).first()


def financial_institution_list() -> QuerySet[Organization]:
    """Banks and guarantee institutions (the machine clients of the API)."""
    return Organization.objects.filter(kind__in=[OrganizationKind.BANK, OrganizationKind.GUARANTOR]).order_by("name")
