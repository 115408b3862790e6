"""Reads of the service desk: the requester's and the bureau's work lists, one request and its timeline,
pairings and service levels for the administrators, and the public FAQ and "problems solved" list.

Scope: a requester sees its organizations' requests; a handler sees the requests of the regions its
SERVICE_HANDLE scope reaches (the city bureau: every region; a county bureau: that county). Out of scope
answers DoesNotExist (404 in views).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import ExtractMonth, ExtractYear

from zhengcai.accounts.selectors import Scope, user_memberships, user_scope
from zhengcai.core.permissions import P, role_allows
from zhengcai.organizations.models import Organization, OrganizationKind, Region
from zhengcai.procurement.search import terms

from . import rules
from .models import (
    DONE_STATUSES,
    OPEN_STATUSES,
    VISIBLE_KINDS,
    Category,
    DefaultRoute,
    DepartmentPairing,
    FaqEntry,
    FaqStatus,
    Level,
    PartnerPairing,
    RequestAttachment,
    RequestMessage,
    ServiceLevel,
    ServiceRequest,
)
from .routing import in_force

# --- service levels ---------------------------------------------------------------------------------------


def service_terms(*, category: str, on: dt.date) -> rules.Terms:
    """SVC-SLA: the level in force on ``on`` for the category (the latest row effective by then, else the
    platform's default)."""
    row = ServiceLevel.objects.filter(category=category, effective_from__lte=on).order_by("-effective_from").first()
    if row is not None:
        return rules.Terms(
            row.first_response_wd,
            row.resolution_wd,
            row.reopen_days,
            row.escalation_step_wd,
            row=row,
            effective_from=row.effective_from,
        )
    first, resolution, reopen, step = rules.DEFAULT_LEVELS.get(category, rules.DEFAULT_LEVELS[Category.OTHER])
    return rules.Terms(first, resolution, reopen, step)


def levels_in_force(*, on: dt.date) -> list[tuple[Any, rules.Terms]]:
    return [(label, service_terms(category=value, on=on)) for value, label in Category.choices]


def levels_history() -> QuerySet[ServiceLevel]:
    return ServiceLevel.objects.select_related("created_by").order_by("category", "-effective_from")


# --- the requester ----------------------------------------------------------------------------------------


def requester_org_ids(*, user: Any) -> list[int]:
    return sorted({m.organization_id for m in user_memberships(user=user) if role_allows(m.role, P.SERVICE_REQUEST)})


REQUESTER_TABS = ("open", "resolved", "all")


def requests_for_requester(*, user: Any, tab: str = "all", category: str = "") -> QuerySet[ServiceRequest]:
    qs = ServiceRequest.objects.filter(organization__in=requester_org_ids(user=user)).select_related(
        "organization", "region", "department", "handler"
    )
    if tab == "open":
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif tab == "resolved":
        qs = qs.filter(status__in=DONE_STATUSES)
    if category in Category.values:
        qs = qs.filter(category=category)
    return qs.order_by("-submitted_at", "-id")


def request_for_requester(*, user: Any, pk: int) -> ServiceRequest:
    return _with_links(requests_for_requester(user=user)).get(pk=pk)


def _with_links(qs: QuerySet[ServiceRequest]) -> QuerySet[ServiceRequest]:
    return qs.select_related(
        "tender__project",
        "contract__project",
        "payment__contract__project",
        "budget_unit",
        "section_head",
        "director",
        "requester",
        "organization__region",
    )


# --- the bureau -------------------------------------------------------------------------------------------


def handle_scope(*, user: Any) -> Scope:
    return user_scope(user=user, perm=P.SERVICE_HANDLE)


def _in_scope(qs: QuerySet[Any], scope: Scope, field: str = "region") -> QuerySet[Any]:
    if scope.everything:
        return qs
    if not scope.region_ids:
        return qs.none()
    return qs.filter(**{f"{field}__in": scope.region_ids})


DESK_TABS = ("mine", "escalated", "unassigned", "overdue", "open", "all")


def requests_for_handler(
    *,
    user: Any,
    tab: str = "open",
    at: dt.datetime,
    category: str = "",
    region: int | None = None,
    q: str = "",
) -> QuerySet[ServiceRequest]:
    qs = _in_scope(ServiceRequest.objects.all(), handle_scope(user=user)).select_related(
        "organization", "region", "department", "handler"
    )
    open_ = Q(status__in=OPEN_STATUSES)
    overdue = open_ & (Q(first_response_at__isnull=True, first_response_due__lt=at) | Q(resolution_due__lt=at))
    if tab == "mine":
        qs = qs.filter(open_, handler=user)
    elif tab == "escalated":
        qs = qs.filter(
            open_,
            Q(level__gte=Level.SECTION_HEAD, section_head=user) | Q(level__gte=Level.DIRECTOR, director=user),
        )
    elif tab == "unassigned":
        qs = qs.filter(open_, handler__isnull=True)
    elif tab == "overdue":
        qs = qs.filter(overdue)
    elif tab == "open":
        qs = qs.filter(open_)
    if category in Category.values:
        qs = qs.filter(category=category)
    if region:
        qs = qs.filter(region_id=region)
    if q.strip():
        text = q.strip()
        qs = qs.filter(Q(number__icontains=text) | Q(subject__icontains=text) | Q(organization__name__icontains=text))
    if tab in {"all"}:
        return qs.order_by("-submitted_at", "-id")
    return qs.order_by("first_response_due", "resolution_due", "id")


def desk_counts(*, user: Any, at: dt.datetime) -> dict[str, int]:
    return {tab: requests_for_handler(user=user, tab=tab, at=at).count() for tab in DESK_TABS if tab != "all"}


def request_for_handler(*, user: Any, pk: int) -> ServiceRequest:
    return _with_links(_in_scope(ServiceRequest.objects.all(), handle_scope(user=user))).get(pk=pk)


def timeline(*, request: ServiceRequest, internal: bool) -> list[RequestMessage]:
    """The request's messages in order, each with its attachments; without notes and events for the requester."""
    qs = RequestMessage.objects.filter(request=request).select_related("author").prefetch_related("attachments")
    if not internal:
        qs = qs.filter(kind__in=VISIBLE_KINDS)
    return list(qs.order_by("created_at", "id"))


def request_files(*, request: ServiceRequest, internal: bool) -> QuerySet[RequestAttachment]:
    qs = RequestAttachment.objects.filter(request=request)
    if not internal:
        qs = qs.filter(internal=False)
    return qs.order_by("uploaded_at", "id")


def handler_regions(*, user: Any) -> QuerySet[Region]:
    return _in_scope(Region.objects.all(), handle_scope(user=user), field="pk").order_by("sort", "code")


# --- pairings (SERVICE_MANAGE) ----------------------------------------------------------------------------


def manage_scope(*, user: Any) -> Scope:
    return user_scope(user=user, perm=P.SERVICE_MANAGE)


def units_for_manager(
    *, user: Any, q: str = "", region: int | None = None, unpaired: bool = False
) -> QuerySet[Organization]:
    qs = _in_scope(
        Organization.objects.filter(kind=OrganizationKind.BUDGET_UNIT), manage_scope(user=user)
    ).select_related("region")
    if q.strip():
        qs = qs.filter(name__icontains=q.strip())
    if region:
        qs = qs.filter(region_id=region)
    open_pairings = DepartmentPairing.objects.filter(valid_to__isnull=True)
    if unpaired:
        qs = qs.exclude(pk__in=open_pairings.values("budget_unit_id"))
    return qs.annotate(
        n_partners=Count("service_partners", filter=Q(service_partners__valid_to__isnull=True), distinct=True)
    ).order_by("region__sort", "name", "id")


def current_pairings(*, units: list[Organization], on: dt.date) -> dict[int, DepartmentPairing]:
    """The department pairing in force on ``on`` (or, failing that, the one starting next) of each unit."""
    rows = (
        DepartmentPairing.objects.filter(budget_unit__in=units, valid_to__isnull=True)
        .select_related("department", "handler", "section_head", "director")
        .order_by("valid_from")
    )
    result: dict[int, DepartmentPairing] = {}
    for row in in_force(
        DepartmentPairing.objects.filter(budget_unit__in=units).select_related(
            "department", "handler", "section_head", "director"
        ),
        on,
    ):
        result[row.budget_unit_id] = row
    for row in rows:
        result.setdefault(row.budget_unit_id, row)
    return result


def unit_for_manager(*, user: Any, pk: int) -> Organization:
    return units_for_manager(user=user).get(pk=pk)


def unit_pairings(*, unit: Organization) -> QuerySet[DepartmentPairing]:
    return (
        DepartmentPairing.objects.filter(budget_unit=unit)
        .select_related("department", "handler", "section_head", "director", "created_by", "closed_by")
        .order_by("-valid_from", "-id")
    )


def unit_partners(*, unit: Organization) -> QuerySet[PartnerPairing]:
    return (
        PartnerPairing.objects.filter(budget_unit=unit)
        .select_related("partner", "created_by", "closed_by")
        .order_by("valid_to", "partner__name", "-valid_from")
    )


def pairing_for_manager(*, user: Any, pk: int) -> DepartmentPairing:
    return _in_scope(
        DepartmentPairing.objects.select_related("budget_unit"), manage_scope(user=user), "budget_unit__region"
    ).get(pk=pk)


def partner_pairing_for_manager(*, user: Any, pk: int) -> PartnerPairing:
    return _in_scope(
        PartnerPairing.objects.select_related("budget_unit", "partner"), manage_scope(user=user), "budget_unit__region"
    ).get(pk=pk)


def departments_for(*, region: Region) -> QuerySet[Organization]:
    """The region's finance bureau and its departments (where its counterparts sit)."""
    return Organization.objects.filter(
        Q(kind=OrganizationKind.FINANCE_BUREAU, region=region)
        | Q(
            kind=OrganizationKind.BUREAU_DEPARTMENT,
            parent__kind=OrganizationKind.FINANCE_BUREAU,
            parent__region=region,
        )
    ).order_by("kind", "name")


def manager_regions(*, user: Any) -> QuerySet[Region]:
    return _in_scope(Region.objects.all(), manage_scope(user=user), field="pk").order_by("sort", "code")


def default_routes(*, user: Any) -> QuerySet[DefaultRoute]:
    return _in_scope(
        DefaultRoute.objects.select_related(
            "region", "department", "handler", "section_head", "director", "created_by"
        ),
        manage_scope(user=user),
    ).order_by("region__sort", "-valid_from", "-id")


def partner_by_code(*, credit_code: str) -> Organization | None:
    return (
        Organization.objects.filter(
            credit_code=credit_code.strip().upper(),
            kind__in=[OrganizationKind.SUPPLIER, OrganizationKind.AGENCY, OrganizationKind.TRADING_CENTRE],
        )
        .select_related("region")
        .first()
    )


# --- FAQ --------------------------------------------------------------------------------------------------


def _term_condition(term: str) -> Q:
    if len(term) == 1 and not term.isascii():  # one Chinese character: inside any bigram
        return Q(search_text__contains=term)
    return Q(search_text__contains=f" {term} ")


def faq_public_list(*, q: str = "", category: str = "") -> QuerySet[FaqEntry]:
    qs = FaqEntry.objects.filter(status=FaqStatus.PUBLISHED).select_related("region")
    for term in dict.fromkeys(terms(q or "")):
        qs = qs.filter(_term_condition(term))
    if category in Category.values:
        qs = qs.filter(category=category)
    return qs.defer("search_text").order_by("-published_at", "-id")


def faq_public_counts() -> dict[str, int]:
    rows = FaqEntry.objects.filter(status=FaqStatus.PUBLISHED).values("category").annotate(n=Count("id"))
    return {row["category"]: row["n"] for row in rows}


FAQ_TABS = ("proposed", "returned", "published", "withdrawn")


def faq_for_review(*, user: Any, status: str = FaqStatus.PROPOSED) -> QuerySet[FaqEntry]:
    qs = _in_scope(FaqEntry.objects.all(), manage_scope(user=user)).select_related(
        "region", "proposed_by", "reviewed_by", "source"
    )
    if status in FaqStatus.values:
        qs = qs.filter(status=status)
    return qs.order_by("-proposed_at", "-id")


def faq_counts(*, user: Any) -> dict[str, int]:
    rows = _in_scope(FaqEntry.objects.all(), manage_scope(user=user)).values("status").annotate(n=Count("id"))
    return {row["status"]: row["n"] for row in rows}


def faq_for_manager(*, user: Any, pk: int) -> FaqEntry:
    return _in_scope(FaqEntry.objects.all(), manage_scope(user=user)).select_related("source", "region").get(pk=pk)


def faq_for_handler(*, user: Any, pk: int) -> FaqEntry:
    return _in_scope(FaqEntry.objects.all(), handle_scope(user=user)).select_related("source", "region").get(pk=pk)


# --- the public "problems solved" list --------------------------------------------------------------------


def solved_public_list(*, category: str = "", region: int | None = None, year: int | None = None) -> QuerySet[Any]:
    """Resolved requests, anonymised by construction: only category, region, month and working days to
    resolve leave this selector (no organization, person, subject or text)."""
    qs = ServiceRequest.objects.filter(status__in=DONE_STATUSES, resolved_at__isnull=False)
    if category in Category.values:
        qs = qs.filter(category=category)
    if region:
        qs = qs.filter(region_id=region)
    if year:
        qs = qs.annotate(year=ExtractYear("resolved_at")).filter(year=year)
    return (
        qs.annotate(month=ExtractMonth("resolved_at"))
        .values("pk", "category", "region__name", "resolved_at", "resolved_wd", "resolved_on_time", "rating")
        .order_by("-resolved_at", "-pk")
    )


def solved_summary() -> dict[str, Any]:
    qs = ServiceRequest.objects.filter(status__in=DONE_STATUSES)
    return {
        "solved": qs.count(),
        "on_time": qs.filter(resolved_on_time=True).count(),
        "by_category": {row["category"]: row["n"] for row in qs.values("category").annotate(n=Count("id")).order_by()},
    }


def public_regions() -> QuerySet[Region]:
    return Region.objects.order_by("sort", "code")
