"""Demo red flags: make sure the demo holds a competitive tender with a single bid, then scan.

The demo procurement (``procurement_seed``) usually contains failed competitive tenders that received one bid;
when it does not, one plausible consultation in 曹县 is run through the procurement services with a single
response (it fails at the opening for lack of bidders, M-MIN-BIDDERS, and the scan raises ``single_bid``).
Idempotent: running it again finds the tender and rescans without changes.

``tender_round`` performs one procurement through the services (intention → project → notice → bids →
opening → evaluation → award → contract); the red-flag tests use it too, so their fixtures follow every rule.

The e2e journey finds the demo project with ``demo_single_bid_project_number()`` and opens
``/office/evaluation/flags/?code=single_bid`` or the flag page of that project.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from zhengcai.core.permissions import Role
from zhengcai.evaluation.models import RedFlag
from zhengcai.evaluation.redflags import COMPETITIVE_METHODS, red_flags_scan
from zhengcai.organizations.models import Organization, OrganizationKind
from zhengcai.procurement import bidding, lifecycle, services
from zhengcai.procurement.models import (
    Award,
    BidOpening,
    BidStatus,
    Contract,
    EvaluationMethod,
    Project,
    Tender,
)
from zhengcai.procurement.rules import Category, Method

DEMO_TITLE = "曹县第二中学学生公寓床具采购项目"


def at_local(day: dt.date, hour: int = 9, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime(day.year, day.month, day.day, hour, minute))


@dataclass
class TenderPlan:
    """One procurement round: who buys, how, and the bids (supplier, its acting user, price in fen)."""

    title: str
    purchaser: Organization
    actor: Any  # the purchaser's (or agency's) staff who acts
    bids: list[tuple[Organization, Any, int]]
    start: dt.date  # the intention is published this day; the notice 30 days later (D-INTENT-30D)
    method: Method = Method.OPEN_TENDER
    agency: Organization | None = None
    budget_fen: int = 100_0000_00
    max_price_fen: int = 100_0000_00
    response_days: int = 20  # calendar days from the notice to the deadline
    award: bool = True
    contract: bool = False
    sme_deduction_percent: Decimal = Decimal(0)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class TenderRound:
    project: Project
    tender: Tender
    award: Award | None = None
    contract: Contract | None = None


def tender_round(plan: TenderPlan) -> TenderRound:
    """Perform the plan through the procurement services, each act at its planned time. Scored methods
    (consultation) stop at the opening: the rounds the flags need of them fail there for lack of bidders."""
    scored = plan.method == Method.CONSULTATION
    intention = services.intention_create(
        purchaser=plan.purchaser,
        title=plan.title,
        demand_summary=plan.title,
        budget_fen=plan.budget_fen,
        expected_month=plan.start + dt.timedelta(days=40),
        actor=plan.actor,
        at=at_local(plan.start),
    )
    intention = services.intention_publish(intention=intention, actor=plan.actor, at=at_local(plan.start))
    project = services.project_create(
        data=services.ProjectInput(
            title=plan.title,
            purchaser=plan.purchaser,
            agency=plan.agency,
            intention=intention,
            method=plan.method,
            category=Category.GOODS,
            catalogue_code="A02010104",
            budget_fen=plan.budget_fen,
            max_price_fen=plan.max_price_fen,
            sme_deduction_percent=plan.sme_deduction_percent,
            # consultation is scored (74号令): price weighs 30 % for goods (M-CONS-10D)
            evaluation_method=EvaluationMethod.SCORING if scored else EvaluationMethod.LOWEST_PRICE,
            price_weight_percent=Decimal(30) if scored else None,
        ),
        actor=plan.actor,
        at=at_local(plan.start + dt.timedelta(days=1)),
    )
    publish_on = plan.start + dt.timedelta(days=30)
    deadline = at_local(publish_on + dt.timedelta(days=plan.response_days), 9, 30)
    tender = services.tender_publish(
        project=project,
        docs_from=publish_on,
        docs_until=publish_on + dt.timedelta(days=min(7, plan.response_days)),
        deadline=deadline,
        notice_text=plan.title,
        actor=plan.actor,
        at=at_local(publish_on, 8),
    )
    for index, (supplier, user, price) in enumerate(plan.bids):
        bidding.bid_submit(
            tender=tender,
            supplier=supplier,
            price_fen=price,
            technical_response="完全响应",
            actor=user,
            at=at_local(publish_on + dt.timedelta(days=1), 10, index),
        )
    result = bidding.tender_open(tender=tender, actor=plan.actor, at=deadline)
    out = TenderRound(project=project, tender=tender)
    if result.failed or not plan.award or scored:
        out.project.refresh_from_db()
        return out
    bidding.evaluate_lowest_price(project=project, actor=plan.actor, at=deadline + dt.timedelta(hours=2))
    out.award = bidding.award_decide(project=project, actor=plan.actor, at=deadline + dt.timedelta(days=1))
    if plan.contract:
        signed_on = deadline.date() + dt.timedelta(days=3)
        out.contract = lifecycle.contract_sign(
            award=out.award,
            signed_on=signed_on,
            payment_days=plan.extra.get("payment_days", 30),
            actor=plan.actor,
            at=at_local(signed_on, 15),
        )
    out.project.refresh_from_db()
    return out


def single_bid_projects() -> list[Project]:
    """Competitive-method tenders opened with exactly one (not withdrawn) bid."""
    tender_ids = (
        BidOpening.objects.exclude(bid__status=BidStatus.WITHDRAWN)
        .filter(tender__project__method__in=COMPETITIVE_METHODS)
        .values("tender_id")
        .annotate(n=Count("pk"))
        .filter(n=1)
        .values("tender_id")
    )
    return list(Project.objects.filter(tender__id__in=tender_ids).order_by("created_at", "pk"))


def demo_single_bid_project_number() -> str | None:
    """The number of the demo's single-bid project that carries a ``single_bid`` flag (the seeded 曹县 one
    when it exists, else the first found), or None before the seed ran."""
    flagged = RedFlag.objects.filter(code="single_bid").select_related("project")
    own = flagged.filter(project__title=DEMO_TITLE).first()
    first = own or flagged.order_by("project__created_at", "project_id").first()
    return first.project.number if first is not None else None


def _demo_parties() -> tuple[Organization, Any, Organization, Any] | None:
    """曹县's demo budget unit and a supplier with a staff account (the demo logins where they exist)."""
    from zhengcai.accounts.models import Membership

    def staff(kind: str, region_name: str | None) -> tuple[Organization, Any] | None:
        role = Role.PURCHASER_STAFF if kind == OrganizationKind.BUDGET_UNIT else Role.SUPPLIER_STAFF
        memberships = Membership.objects.filter(
            organization__kind=kind, organization__status="active", role=role, is_active=True, user__is_active=True
        )
        if region_name is not None:
            memberships = memberships.filter(organization__region__name=region_name)
        m = memberships.select_related("organization", "user").order_by("pk").first()
        return (m.organization, m.user) if m is not None else None

    buyer = staff(OrganizationKind.BUDGET_UNIT, "曹县") or staff(OrganizationKind.BUDGET_UNIT, None)
    seller = staff(OrganizationKind.SUPPLIER, None)
    if buyer is None or seller is None:
        return None
    return buyer[0], buyer[1], seller[0], seller[1]


def seed_evaluation_flags(*, at: dt.datetime) -> dict[str, Any]:
    """Ensure a single-bid competitive tender exists (running one if needed), then scan. Idempotent."""
    ran = False
    if not single_bid_projects() and not Project.objects.filter(title=DEMO_TITLE).exists():
        parties = _demo_parties()
        if parties is not None:
            purchaser, buyer, supplier, seller = parties
            start = timezone.localtime(at).date() - dt.timedelta(days=60)
            with transaction.atomic():
                tender_round(
                    TenderPlan(
                        title=DEMO_TITLE,
                        purchaser=purchaser,
                        actor=buyer,
                        bids=[(supplier, seller, 38_6000_00)],
                        start=start,
                        method=Method.CONSULTATION,
                        budget_fen=40_0000_00,
                        max_price_fen=39_0000_00,
                        response_days=12,
                    )
                )
            ran = True
    summary = red_flags_scan(at=at)
    return {
        "single_bid_tender_created": ran,
        "single_bid_project": demo_single_bid_project_number(),
        "raised": sum(s["raised"] for s in summary.values()),
        "flags": RedFlag.objects.count(),
    }
