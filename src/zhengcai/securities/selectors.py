"""Reads: securities with their refund clocks, a supplier's ledger, and the capital-occupation savings."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Min, QuerySet
from django.utils import timezone

from zhengcai.accounts.selectors import user_scope
from zhengcai.core.permissions import P
from zhengcai.organizations.models import Organization
from zhengcai.procurement.models import Notice, NoticeKind, Project, ProjectStatus, Tender

from . import rules
from .models import BidSecurity, PerformanceSecurity, SecurityForm, SecurityStatus


@dataclass(frozen=True)
class BidSecurityRow:
    security: BidSecurity
    trigger_on: dt.date | None  # award notice, contract signing or termination notice
    refund_due: dt.date | None
    overdue: bool
    late: bool  # refunded after the due date

    @property
    def held_until(self) -> dt.date | None:
        return self.security.refunded_on or self.refund_due


def _termination_dates(project_ids: Iterable[int]) -> dict[int, dt.date]:
    rows = (
        Notice.objects.filter(project_id__in=list(project_ids), kind=NoticeKind.TERMINATION)
        .values("project_id")
        .annotate(first=Min("published_at"))
    )
    return {r["project_id"]: timezone.localtime(r["first"]).date() for r in rows}


def _trigger(security: BidSecurity, terminations: dict[int, dt.date]) -> dt.date | None:
    project = security.tender.project
    if project.status in {ProjectStatus.FAILED, ProjectStatus.TERMINATED}:
        return terminations.get(project.pk)
    award = getattr(project, "award", None)
    if award is None or award.result_published_at is None:
        return None
    if award.winning_bid.supplier_id == security.supplier_id:
        contract = getattr(project, "contract", None)
        return contract.signed_on if contract is not None else None
    return timezone.localtime(award.result_published_at).date()


def bid_security_rows(securities: Iterable[BidSecurity], *, today: dt.date) -> list[BidSecurityRow]:
    items = list(securities)
    terminations = _termination_dates({s.tender.project_id for s in items})
    out = []
    for s in items:
        trigger = _trigger(s, terminations)
        due = rules.bid_refund_due(trigger) if trigger is not None and s.status != SecurityStatus.NONE else None
        overdue = due is not None and s.status == SecurityStatus.HELD and today > due
        late = due is not None and s.refunded_on is not None and s.refunded_on > due
        out.append(BidSecurityRow(security=s, trigger_on=trigger, refund_due=due, overdue=overdue, late=late))
    return out


def _with_procurement(qs: QuerySet[BidSecurity]) -> QuerySet[BidSecurity]:
    return qs.select_related(
        "supplier__region",
        "tender__project__region",
        "tender__project__purchaser",
        "tender__project__award__winning_bid",
        "tender__project__contract",
    )


def tender_securities(*, tender: Tender) -> QuerySet[BidSecurity]:
    return _with_procurement(BidSecurity.objects.filter(tender=tender)).order_by("supplier__name", "id")


def security_for(*, tender: Tender, supplier: Organization) -> BidSecurity | None:
    return BidSecurity.objects.filter(tender=tender, supplier=supplier).first()


def performance_security_for(*, project: Project) -> PerformanceSecurity | None:
    return PerformanceSecurity.objects.filter(contract__project=project).select_related("contract").first()


def supplier_ledger(*, user: Any) -> tuple[list[BidSecurityRow], QuerySet[PerformanceSecurity]]:
    """The bid and performance securities of the suppliers the user bids for, newest first."""
    scope = user_scope(user=user, perm=P.BID_SUBMIT)
    bids = scope.filter(
        _with_procurement(BidSecurity.objects.all()), region_field="supplier__region", organization_field="supplier"
    ).order_by("-provided_on", "-id")[:300]
    performance = scope.filter(
        PerformanceSecurity.objects.select_related("contract__project", "contract__supplier"),
        region_field="contract__supplier__region",
        organization_field="contract__supplier",
    )[:300]
    return bid_security_rows(bids, today=timezone.localdate()), performance


# --- capital occupation saved ------------------------------------------------------------------------------


@dataclass
class Bucket:
    count: int = 0
    amount_fen: int = 0  # cash that did not have to be paid
    fen_days: int = 0  # × the days it would have been held
    cost_fen: int = 0  # what that would have cost at the 1-year LPR

    def add(self, amount_fen: int, fen_days: int, cost_fen: int) -> None:
        self.count += 1
        self.amount_fen += amount_fen
        self.fen_days += fen_days
        self.cost_fen += cost_fen

    @property
    def yuan_years(self) -> int:
        """Capital occupation in yuan-years (fen-days ÷ 100 ÷ 365), the figure a bureau quotes."""
        return self.fen_days // 36_500


@dataclass
class Savings:
    total: Bucket = field(default_factory=Bucket)
    exempt: Bucket = field(default_factory=Bucket)
    guarantee: Bucket = field(default_factory=Bucket)
    performance: Bucket = field(default_factory=Bucket)
    by_region: dict[str, Bucket] = field(default_factory=lambda: defaultdict(Bucket))
    by_month: dict[str, Bucket] = field(default_factory=lambda: defaultdict(Bucket))
    by_size: dict[str, Bucket] = field(default_factory=lambda: defaultdict(Bucket))


def capital_savings(*, user: Any, today: dt.date) -> Savings:
    """For every exemption and every guarantee that replaced cash: the amount × the days it would have
    been held (until the refund, its due date, or today while the procurement runs), in the user's scope."""
    scope = user_scope(user=user, perm=P.PROCUREMENT_VIEW_ALL)
    bids = scope.filter(
        _with_procurement(BidSecurity.objects.exclude(form=SecurityForm.TRANSFER)),
        region_field="tender__project__region",
        organization_field="tender__project__purchaser",
    )
    savings = Savings()

    def count(kind: Bucket, region: str, month: str, size: str, amount: int, start: dt.date, end: dt.date) -> None:
        fen_days = rules.capital_days(amount, start, min(end, today))
        cost = rules.financing_cost_fen(fen_days, on=today)
        for bucket in (savings.total, kind, savings.by_region[region], savings.by_month[month], savings.by_size[size]):
            bucket.add(amount, fen_days, cost)

    for row in bid_security_rows(bids, today=today):
        s = row.security
        kind = savings.exempt if s.form == SecurityForm.EXEMPT else savings.guarantee
        end = row.held_until or today
        size = s.supplier.size or "unknown"
        count(kind, s.tender.project.region.name, f"{s.provided_on:%Y-%m}", size, s.required_fen, s.provided_on, end)
    performance = scope.filter(
        PerformanceSecurity.objects.filter(form=SecurityForm.GUARANTEE).select_related(
            "contract__project__region", "contract__supplier"
        ),
        region_field="contract__project__region",
        organization_field="contract__project__purchaser",
    )
    for p in performance:
        contract = p.contract
        end = p.refunded_on or (
            rules.performance_refund_due(contract.accepted_on)
            if contract.acceptance_passed and contract.accepted_on
            else today
        )
        size = contract.supplier_size or "unknown"
        month = f"{p.provided_on:%Y-%m}"
        count(savings.performance, contract.project.region.name, month, size, p.amount_fen, p.provided_on, end)
    savings.by_region = dict(sorted(savings.by_region.items()))
    savings.by_month = dict(sorted(savings.by_month.items()))
    savings.by_size = dict(sorted(savings.by_size.items()))
    return savings
