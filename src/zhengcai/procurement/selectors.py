"""Procurement reads: public notices and projects, and each role's work lists."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import Any

from django.core.paginator import Page
from django.db import connection
from django.db.models import Max, Q, QuerySet
from django.utils import timezone

from zhengcai.accounts.selectors import user_scope
from zhengcai.core.pagination import CappedPaginator
from zhengcai.core.permissions import P
from zhengcai.organizations.models import Organization, OrganizationKind, OrganizationStatus
from zhengcai.organizations.selectors import region_list

from . import search
from .models import (
    Bid,
    BidOpening,
    Challenge,
    CommitteeMember,
    Complaint,
    Contract,
    ExpertScore,
    Intention,
    IntentionStatus,
    Notice,
    Payment,
    Project,
    ProjectStatus,
    Tender,
    TenderDocument,
)

NOTICE_LIST_FIELDS = ("kind", "title", "method", "amount_fen", "published_at", "region__name", "purchaser__name")


def notice_list(
    *,
    kind: str = "",
    region: str = "",
    method: str = "",
    category: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    amount_min_fen: int | None = None,
    amount_max_fen: int | None = None,
    q: str = "",
) -> QuerySet[Notice]:
    """Published notices, newest first, filtered. Loads only what the list shows: a notice's text and
    its search terms (the bulk of each row) stay in the database."""
    qs = Notice.objects.select_related("region", "purchaser").only(*NOTICE_LIST_FIELDS)
    if kind:
        qs = qs.filter(kind=kind)
    if region:
        # The region and the districts and counties under it, as a list of ids: for one county the
        # planner then reads the (region, published_at) index in order instead of joining regions.
        # The city holds every region, so choosing it filters nothing and adds no condition.
        regions = list(region_list().values_list("pk", "code", "parent__code"))
        chosen = [pk for pk, code, parent in regions if region in (code, parent)]
        if len(chosen) < len(regions):
            qs = qs.filter(region__in=chosen)
    if method:
        qs = qs.filter(method=method)
    if category:
        qs = qs.filter(category=category)
    if date_from:
        qs = qs.filter(published_at__gte=timezone.make_aware(dt.datetime.combine(date_from, dt.time.min)))
    if date_to:
        qs = qs.filter(
            published_at__lt=timezone.make_aware(dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min))
        )
    if amount_min_fen is not None:
        qs = qs.filter(amount_fen__gte=amount_min_fen)
    if amount_max_fen is not None:
        qs = qs.filter(amount_fen__lte=amount_max_fen)
    if q.strip():
        qs = search.filter_text(qs, q)
    return qs.order_by("-published_at", "-id")


def notice_page(*, number: Any, per_page: int = 20, version: str | None = None, **filters: Any) -> Page:
    """One page of ``notice_list(**filters)`` with its capped count; a text search reads its page
    newest-first from the recent notices when it can (``search.newest_first``). With the data
    ``version`` (``notice_list_version``), the count is shared through the cache by every page of
    the same filters until a notice is published."""
    count_key = None
    if version is not None:
        count_key = hashlib.sha256(repr((version, sorted(filters.items()))).encode()).hexdigest()
    q = str(filters.pop("q", "") or "")
    qs = notice_list(**filters)
    if not q.strip():
        return CappedPaginator(qs, per_page, count_key=count_key).get_page(number)
    rows = partial(search.newest_first, qs, q)
    return CappedPaginator(search.filter_text(qs, q), per_page, rows=rows, count_key=count_key).get_page(number)


def notice_list_version() -> str:
    """Changes whenever a notice is published; keys the cached fragments of the notice list.

    The newest id sees notices published by any process (another web worker, the task worker, a bulk
    load); this process's notice generation (``search.index``) sees its own publications at once and
    again at their commit, and ids reused after a rolled-back transaction (SQLite); the database's
    name keeps apart databases that share one cache (test runs on one Redis)."""
    newest = Notice.objects.aggregate(newest=Max("id"))["newest"] or 0
    return f"{connection.settings_dict['NAME']}:{newest}:{search.generation()}"


NOTICE_PAGE_FIELDS = ("kind", "title", "body", "published_at", "region__name", "project__number")


def notice_get(*, pk: int) -> Notice:
    """A notice with what its public page shows (not its search terms, nor the project's details)."""
    return Notice.objects.select_related("region", "project").only(*NOTICE_PAGE_FIELDS).get(pk=pk)


def project_public_get(*, number: str) -> Project:
    """A project is public once its first notice is out (drafts are not)."""
    return (
        Project.objects.exclude(status=ProjectStatus.DRAFT)
        .select_related("purchaser", "agency", "region", "intention")
        .get(number=number)
    )


def project_notices(*, project: Project) -> QuerySet[Notice]:
    return Notice.objects.filter(
        Q(project=project) | Q(intention_id=project.intention_id, intention__isnull=False)
    ).order_by("published_at", "id")


def project_opening_record(*, project: Project, at: dt.datetime) -> list[BidOpening]:
    """The opening record, visible to all once the bids are opened (never before the deadline)."""
    tender = Tender.objects.filter(project=project).first()
    if tender is None or at < tender.deadline:
        return []
    return list(
        BidOpening.objects.filter(tender=tender)
        .select_related("bid__supplier__region")
        .order_by("rank", "bid__submitted_at", "id")
    )


def project_documents(*, project: Project) -> QuerySet[TenderDocument]:
    return TenderDocument.objects.filter(tender__project=project).order_by("uploaded_at", "id")


def document_public_get(*, pk: int) -> TenderDocument:
    return (
        TenderDocument.objects.select_related("tender__project")
        .exclude(tender__project__status=ProjectStatus.DRAFT)
        .get(pk=pk)
    )


def projects_for_manager(*, user: Any) -> QuerySet[Project]:
    """Projects the user runs as purchaser or agency staff (PROCUREMENT_MANAGE scope)."""
    scope = user_scope(user=user, perm=P.PROCUREMENT_MANAGE)
    qs = Project.objects.select_related("purchaser", "agency", "region").order_by("-created_at", "-id")
    if scope.everything:
        return qs
    if scope.empty:
        return qs.none()
    return qs.filter(
        Q(region__in=scope.region_ids) | Q(purchaser__in=scope.organization_ids) | Q(agency__in=scope.organization_ids)
    )


def bids_for_supplier(*, user: Any) -> QuerySet[Bid]:
    """The supplier's bids (every version), newest first."""
    scope = user_scope(user=user, perm=P.BID_SUBMIT)
    qs = Bid.objects.select_related("tender__project", "supplier").order_by("-submitted_at", "-id")
    if scope.empty:
        return qs.none()
    return qs.filter(supplier__in=scope.organization_ids)


def open_tenders(*, at: dt.datetime) -> QuerySet[Tender]:
    return (
        Tender.objects.filter(project__status=ProjectStatus.TENDERING, deadline__gt=at)
        .select_related("project__purchaser", "project__region")
        .order_by("deadline")
    )


def purchasers_for(*, user: Any) -> QuerySet[Organization]:
    """Budget units the user can buy for."""
    scope = user_scope(user=user, perm=P.PROCUREMENT_MANAGE)
    return Organization.objects.filter(kind=OrganizationKind.BUDGET_UNIT, pk__in=scope.organization_ids).order_by(
        "name"
    )


def agencies() -> QuerySet[Organization]:
    return Organization.objects.filter(
        kind__in=[OrganizationKind.AGENCY, OrganizationKind.TRADING_CENTRE], status=OrganizationStatus.ACTIVE
    ).order_by("name")


def intentions_for_project(*, user: Any) -> QuerySet[Intention]:
    """Published intentions of the user's purchasers that no project uses yet."""
    return (
        Intention.objects.filter(
            purchaser__in=purchasers_for(user=user), status=IntentionStatus.PUBLISHED, projects__isnull=True
        )
        .select_related("purchaser")
        .order_by("-published_at")
    )


def intentions_for_manager(*, user: Any) -> QuerySet[Intention]:
    return (
        Intention.objects.filter(purchaser__in=purchasers_for(user=user))
        .select_related("purchaser")
        .order_by("-created_at", "-id")
    )


def project_for_manager(*, user: Any, number: str) -> Project:
    return projects_for_manager(user=user).select_related("intention").get(number=number)


def tender_for_bidding(*, number: str) -> Tender:
    return Tender.objects.select_related("project__purchaser", "key").get(project__number=number)


# --- comprehensive scoring ------------------------------------------------------------------------


def committee_seats(*, user: Any) -> QuerySet[CommitteeMember]:
    """An expert's committee seats, newest first (the experts' work list)."""
    return (
        CommitteeMember.objects.filter(expert=user)
        .select_related("project__purchaser", "project__region")
        .order_by("-drawn_at", "-id")
    )


def committee_seat(*, user: Any, number: str) -> CommitteeMember:
    """The expert's seat on one project's committee; DoesNotExist (→ 404) for anyone else."""
    return CommitteeMember.objects.select_related("project__purchaser").get(expert=user, project__number=number)


def project_committee(*, project: Project) -> QuerySet[CommitteeMember]:
    return CommitteeMember.objects.filter(project=project).select_related("expert").order_by("id")


@dataclass(frozen=True)
class SheetRow:
    line: BidOpening
    score: Decimal | None
    comment: str


def score_sheet_rows(*, member: CommitteeMember) -> list[SheetRow]:
    """The valid bids of the member's project with the member's own scores (never the other experts')."""
    own = {s.line_id: s for s in ExpertScore.objects.filter(member=member)}
    lines = (
        BidOpening.objects.filter(tender__project_id=member.project_id, valid=True)
        .select_related("bid__supplier")
        .order_by("id")
    )
    return [
        SheetRow(
            line=line,
            score=own[line.pk].score if line.pk in own else None,
            comment=own[line.pk].comment if line.pk in own else "",
        )
        for line in lines
    ]


# --- contracts, challenges and complaints in the back office -------------------------------------------


def project_contract(*, project: Project) -> Contract | None:
    return Contract.objects.filter(project=project).prefetch_related("payments").first()


def project_challenges(*, project: Project) -> QuerySet[Challenge]:
    """A project's challenges with their complaints (public on the project page, C-CHALLENGE-7WD)."""
    return (
        Challenge.objects.filter(project=project).select_related("supplier", "complaint").order_by("received_at", "id")
    )


def challenges_for_supplier(*, user: Any) -> QuerySet[Challenge]:
    """The challenges (and complaints) of the suppliers the user bids for."""
    scope = user_scope(user=user, perm=P.BID_SUBMIT)
    qs = Challenge.objects.select_related("project", "supplier", "complaint").order_by("-received_at", "-id")
    return scope.filter(qs, region_field="supplier__region", organization_field="supplier")


def challenge_for_supplier(*, user: Any, pk: int) -> Challenge:
    return challenges_for_supplier(user=user).get(pk=pk)


def complaints_for_bureau(*, user: Any) -> QuerySet[Complaint]:
    """Complaints about procurements in the reviewer's region (the city bureau sees all), open ones first."""
    scope = user_scope(user=user, perm=P.COMPLAINT_HANDLE)
    qs = Complaint.objects.select_related(
        "challenge__project__purchaser", "challenge__project__region", "challenge__supplier"
    ).order_by("decided_at", "-submitted_at", "-id")
    return scope.filter(
        qs, region_field="challenge__project__region", organization_field="challenge__project__purchaser"
    )


def complaint_for_bureau(*, user: Any, pk: int) -> Complaint:
    return complaints_for_bureau(user=user).get(pk=pk)


# --- what an organization is party to (the service desk links requests to these) ---------------------


def tenders_of(*, organization: Organization) -> QuerySet[Tender]:
    """Tenders the organization bid in (any bid version), bought as purchaser or ran as agency."""
    party = Q(project__purchaser=organization) | Q(project__agency=organization)
    party |= Q(pk__in=Bid.objects.filter(supplier=organization).values("tender_id"))
    return Tender.objects.filter(party).select_related("project__purchaser", "project__region")


def contracts_of(*, organization: Organization) -> QuerySet[Contract]:
    """Contracts the organization signed as supplier, bought as purchaser or ran as agency."""
    party = Q(supplier=organization) | Q(project__purchaser=organization) | Q(project__agency=organization)
    return Contract.objects.filter(party).select_related("project__purchaser", "project__region", "supplier")


def payments_of(*, organization: Organization) -> QuerySet[Payment]:
    """Payments under the contracts of ``contracts_of``."""
    return Payment.objects.filter(contract__in=contracts_of(organization=organization).values("pk")).select_related(
        "contract__project__purchaser"
    )
