from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, F, Sum
from django.utils import timezone

from zhengcai.accounts.models import Membership, User
from zhengcai.core.audit import verify_chain
from zhengcai.core.models import AuditEvent
from zhengcai.core.permissions import Role
from zhengcai.demo.procurement_plan import NOW, TODAY
from zhengcai.organizations.models import EnterpriseSize, Organization, OrganizationKind, Region
from zhengcai.organizations.rules import credit_code_problem
from zhengcai.procurement import rules
from zhengcai.procurement.lifecycle import SME_SIZES, payment_overdue
from zhengcai.procurement.models import (
    Award,
    Bid,
    BidOpening,
    BidStatus,
    Challenge,
    ChallengeStatus,
    CommitteeMember,
    Complaint,
    ComplaintStatus,
    Contract,
    Correction,
    Intention,
    Project,
    ProjectStatus,
    Tender,
)
from zhengcai.procurement.rules import Method

pytestmark = pytest.mark.django_db

# With room for the demo logins' ~55 projects the plan holds ~62 (the full demo has 2,000).
PROJECTS = 60


def local_day(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def table_counts() -> dict[str, int]:
    return {
        "organizations": Organization.objects.count(),
        "users": User.objects.count(),
        "intentions": Intention.objects.count(),
        "projects": Project.objects.count(),
        "bids": Bid.objects.count(),
        "contracts": Contract.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


def test_seed_demo_is_complete_deterministic_and_idempotent() -> None:
    """The organizations and logins of the full demo (its procurement is tested on --small below)."""
    seed("--projects", "0")
    first = list(Organization.objects.order_by("id").values_list("kind", "name", "credit_code", "size"))
    counts_after_first = table_counts()
    seed("--projects", "0")
    assert list(Organization.objects.order_by("id").values_list("kind", "name", "credit_code", "size")) == first
    assert table_counts() == counts_after_first

    assert Region.objects.count() == 10
    counts = {k: Organization.objects.filter(kind=k).count() for k in OrganizationKind.values}
    assert counts["finance_bureau"] == 10
    assert counts["budget_unit"] == 300
    assert counts["agency"] == 40
    assert 3000 <= counts["supplier"] <= 3010
    assert counts["bank"] == 8
    assert counts["guarantor"] == 5
    codes = Organization.objects.exclude(credit_code=None).values_list("credit_code", flat=True)
    assert all(credit_code_problem(code or "") is None for code in codes)
    sizes = dict.fromkeys(["large", "medium", "small", "micro"], 0)
    for size in Organization.objects.filter(kind="supplier").values_list("size", flat=True):
        sizes[size] += 1
    assert sizes["micro"] > sizes["small"] > sizes["medium"] > sizes["large"] > 0
    assert {m.role for m in Membership.objects.all()} == set(Role.values)
    assert User.objects.filter(username="caoxian").exists()
    assert Organization.objects.filter(status="pending").count() == 6
    assert list(verify_chain()) == []


def test_seed_demo_procurement_every_stage_by_the_rules_idempotent_and_deterministic() -> None:
    """--small with procurement: every stage, every date by the rules, the demo logins' work, an audit
    chain that verifies and runs forward in time; a second run adds nothing; a run on a fresh
    database gives the same projects, prices and outcomes."""

    def snapshot() -> list[Any]:
        projects = list(
            Project.objects.order_by("number").values_list(
                "number", "title", "status", "method", "catalogue_code", "budget_fen", "max_price_fen"
            )
        )
        prices = list(
            BidOpening.objects.order_by("tender__project__number", "rank", "price_fen").values_list("price_fen")
        )
        awards = list(Award.objects.order_by("project__number").values_list("project__number", "amount_fen"))
        return [projects, prices, awards, Intention.objects.count(), Bid.objects.count()]

    empty = transaction.savepoint()
    output = seed("--small", "--projects", str(PROJECTS))
    first = snapshot()
    assert len(first[0]) >= PROJECTS
    assert "completed=" in output
    counts_after_first = table_counts()
    assert "nothing added" in seed("--small", "--projects", str(PROJECTS))
    assert table_counts() == counts_after_first  # a second run adds nothing

    assert_every_stage_present()
    assert_dates_and_amounts_obey_the_rules()
    assert_demo_logins_see_real_work()
    assert_bid_securities_follow_the_rules()
    assert_audit_log_is_chronological()
    assert list(verify_chain()) == []

    transaction.savepoint_rollback(empty)
    assert not Project.objects.exists()
    seed("--small", "--projects", str(PROJECTS))
    assert snapshot() == first


def assert_every_stage_present() -> None:
    by_status = Counter(Project.objects.values_list("status", flat=True))
    # TERMINATED has no service yet (PROJECT_TRANSITIONS allows it, nothing performs it).
    assert set(by_status) == set(ProjectStatus.values) - {ProjectStatus.TERMINATED}, by_status
    assert by_status[ProjectStatus.COMPLETED] == max(by_status.values())
    assert Intention.objects.filter(projects__isnull=True, status="published").exists()  # intention only
    # tendering with sealed bids, and with a correction that moved the deadline
    tendering = Tender.objects.filter(project__status=ProjectStatus.TENDERING)
    assert tendering.filter(bids__status=BidStatus.SUBMITTED).exists()
    assert Correction.objects.exclude(deadline_after=F("deadline_before")).exists()
    assert tendering.filter(corrections__affects_preparation=True).exists()
    # results on time and late; SME payments overdue; challenges and complaints at every step
    results = list(Award.objects.exclude(result_published_at=None))
    assert any(a.result_late for a in results)
    assert sum(not a.result_late for a in results) > sum(a.result_late for a in results)
    overdue = [
        c
        for c in Contract.objects.filter(acceptance_passed=True, supplier_size__in=SME_SIZES)
        if payment_overdue(c, on=TODAY)
    ]
    assert overdue
    assert Challenge.objects.filter(status=ChallengeStatus.ANSWERED).exists()
    assert Challenge.objects.filter(status=ChallengeStatus.OPEN).exists()
    complaint_states = set(Complaint.objects.values_list("status", flat=True))
    assert {ComplaintStatus.SUBMITTED, ComplaintStatus.ACCEPTED, ComplaintStatus.DECIDED} <= complaint_states
    assert Complaint.objects.filter(upheld=True).exists()
    assert Complaint.objects.filter(upheld=False).exists()
    methods = Counter(Project.objects.values_list("method", flat=True))
    assert methods.most_common(1)[0][0] == Method.OPEN_TENDER
    assert {Method.CONSULTATION, Method.INQUIRY, Method.NEGOTIATION} <= set(methods)
    # competitive consultation is scored by a committee drawn at random (E-COMMITTEE); the demo expert has a
    # sheet waiting in an agency project whose other experts are at work
    consultations = Project.objects.filter(method=Method.CONSULTATION)
    assert not consultations.exclude(evaluation_method="scoring").exists()
    scored = BidOpening.objects.filter(tender__project__in=consultations, total_score__isnull=False)
    assert scored.filter(rank=1).exists()
    for project in consultations.exclude(status__in=["draft", "tendering", "failed"]):
        seats = CommitteeMember.objects.filter(project=project)
        assert seats.count() % 2 == 1
        assert seats.count() >= 5
        if project.status != ProjectStatus.OPENED:
            assert not seats.filter(submitted_at=None).exists()
    waiting = CommitteeMember.objects.filter(
        expert__username="expert", submitted_at=None, project__status=ProjectStatus.OPENED
    )
    assert waiting.exists()


def assert_dates_and_amounts_obey_the_rules() -> None:
    projects = Project.objects.select_related("intention", "tender", "award", "contract")
    assert projects.exists()
    for p in projects:
        assert 5_0000_00 <= p.budget_fen <= 800_0000_00
        assert p.budget_fen * 95 <= p.max_price_fen * 100 <= p.budget_fen * 100
        assert p.bid_security_fen <= rules.bid_security_cap(p.budget_fen)
        assert p.catalogue_code[0] == p.category
        assert p.intention is not None
        assert p.intention.published_at is not None
        assert dt.date(2025, 1, 1) <= local_day(p.intention.published_at) <= TODAY
        assert p.created_at <= NOW
        tender = getattr(p, "tender", None)
        if p.status == ProjectStatus.DRAFT:
            assert tender is None
            continue
        assert tender is not None
        method = Method(p.method)
        published = local_day(tender.published_at)
        assert published >= rules.intention_earliest_start(local_day(p.intention.published_at))  # D-INTENT-30D
        assert (
            rules.check_response_period(method, tender.docs_available_from, local_day(tender.original_deadline))
            is None
        )
        assert rules.check_docs_availability(method, tender.docs_available_from, tender.docs_available_until) is None
        assert tender.deadline >= tender.original_deadline
        assert tender.deadline <= timezone.make_aware(dt.datetime(2026, 12, 31))  # the calendar ends with 2026
        for correction in tender.corrections.all():  # M-CORR-15D
            assert tender.published_at < correction.published_at < correction.deadline_before
            if correction.affects_preparation:
                assert local_day(correction.deadline_after) >= local_day(correction.published_at) + dt.timedelta(15)
        bids = list(tender.bids.all())
        assert all(tender.published_at < b.submitted_at < tender.deadline for b in bids)
        assert all(b.submitted_at <= NOW for b in bids)
        if p.status == ProjectStatus.TENDERING:
            assert tender.deadline > NOW
            assert not BidOpening.objects.filter(tender=tender).exists()
            continue
        assert tender.deadline <= NOW
        lines = list(BidOpening.objects.filter(tender=tender))
        assert all(line.opened_at >= tender.deadline for line in lines)
        live = [b for b in bids if b.status == BidStatus.SUBMITTED]
        assert len(lines) == len(live)
        if p.status == ProjectStatus.FAILED:  # M-MIN-BIDDERS
            assert len(lines) < rules.METHOD_RULES[method].min_bidders
            continue
        assert len(lines) >= rules.METHOD_RULES[method].min_bidders
        award = getattr(p, "award", None)
        if p.status in {ProjectStatus.OPENED, ProjectStatus.EVALUATED}:
            assert award is None
            continue
        assert award is not None
        assert award.determined_at > tender.deadline
        assert award.result_notice_due == rules.result_notice_due(local_day(award.determined_at))  # D-RESULT-2WD
        ranked_first = BidOpening.objects.get(tender=tender, rank=1)
        assert award.winning_bid_id == ranked_first.bid_id
        assert award.amount_fen == ranked_first.price_fen
        contract = getattr(p, "contract", None)
        if p.status == ProjectStatus.AWARDED:
            assert contract is None
            continue
        assert contract is not None
        assert award.result_published_at is not None
        result_day = local_day(award.result_published_at)
        assert contract.signed_on > result_day
        assert contract.sign_due == rules.contract_sign_due(result_day)  # D-CONTRACT-30D
        assert contract.publish_due == rules.contract_publish_due(contract.signed_on)  # D-CONTRACT-PUB-2WD
        if contract.supplier_size in SME_SIZES:
            assert contract.payment_days <= 60  # P-SME-30D
        paid = contract.payments.aggregate(total=Sum("amount_fen"))["total"] or 0
        assert paid <= contract.amount_fen
        for payment in contract.payments.all():
            assert payment.paid_on <= TODAY
            if not payment.is_advance:
                assert contract.accepted_on is not None
                assert payment.paid_on >= contract.accepted_on
        assert (p.status == ProjectStatus.COMPLETED) == (paid == contract.amount_fen)
    # the intention-only ones are recent, their procurement not started yet (D-INTENT-30D)
    for intention in Intention.objects.filter(projects__isnull=True):
        assert intention.published_at is not None
        assert rules.intention_earliest_start(local_day(intention.published_at)) > TODAY - dt.timedelta(2)
    for due in Complaint.objects.exclude(decision_due=None).values_list("decision_due", flat=True):
        assert due is not None
        assert due.year <= 2026


def assert_demo_logins_see_real_work() -> None:
    purchaser = Membership.objects.get(user__username="purchaser").organization
    own = Project.objects.filter(purchaser=purchaser)
    assert purchaser.name == "菏泽市教育局"
    assert 18 <= own.count() <= 24
    assert own.values("status").distinct().count() >= 7
    assert own.filter(created_by__username="purchaser").count() == own.count()
    agency = Membership.objects.get(user__username="agency").organization
    runs = Project.objects.filter(agency=agency)
    assert 28 <= runs.count() <= 32
    assert runs.values("status").distinct().count() >= 6
    supplier = Membership.objects.get(user__username="supplier").organization
    bid_projects = Project.objects.filter(tender__bids__supplier=supplier).distinct()
    assert bid_projects.count() >= 6
    assert Bid.objects.filter(supplier=supplier, submitted_by__username="supplier").count() >= 6
    sealed = Bid.objects.filter(
        supplier=supplier, status=BidStatus.SUBMITTED, tender__project__status=ProjectStatus.TENDERING
    )
    assert sealed.exists()
    assert all(b.tender.deadline > NOW for b in sealed)
    assert Contract.objects.filter(supplier=supplier).exists()  # one it won
    open_to_it = (
        Tender.objects.filter(project__status=ProjectStatus.TENDERING, project__method=Method.OPEN_TENDER)
        .exclude(bids__supplier=supplier)
        .filter(project__catalogue_code__in=["B07000000", "B08000000", "B06000000", "B05000000"])
    )
    if supplier.business_scope.startswith("房屋建筑"):
        assert open_to_it.exists()  # an open tender in its trade it can still bid on
    assert supplier.size != EnterpriseSize.LARGE or not open_to_it.filter(project__sme_reserved=True).exists()
    bidders = Membership.objects.filter(role=Role.SUPPLIER_STAFF).aggregate(n=Count("organization", distinct=True))
    assert bidders["n"] >= Bid.objects.values("supplier").distinct().count()
    assert not User.objects.filter(username__startswith="bidder").exclude(password__startswith="!").exists()


# Histories loaded after the procurement timeline, each in its own date order (credit records, guarantees,
# financing); the procurement timeline itself is replayed in date order as the people acted.
# The credit policy versions, the exemption decisions and the bid securities act on the procurement timeline
# (checked with it); the seeds that follow it replay their own histories from the start.
LATER_HISTORIES = ("credit.creditimportbatch", "credit.creditrecord", "guarantees.", "financing.", "integrations.")


def assert_bid_securities_follow_the_rules() -> None:
    """S-CREDIT-EXEMPT, S-BID-2PCT, S-BID-REFUND-5WD on the timeline: every bidder of a tender asking for a
    bid security gave one when it bid (the demo supplier's open tenders wait for the demo login): exempt by
    the credit policy in force (a decision stored for each), or a transfer of exactly the required amount,
    refunded after its trigger, most within the 5 working days."""
    from zhengcai.credit.models import CreditPolicy, ExemptionDecision
    from zhengcai.demo.credit_seed import demo_supplier
    from zhengcai.securities.models import BidSecurity, SecurityForm, SecurityStatus
    from zhengcai.securities.selectors import bid_security_rows

    assert CreditPolicy.objects.count() == 2  # both versions, published on the timeline
    securities = list(BidSecurity.objects.select_related("tender__project"))
    forms = Counter(s.form for s in securities)
    assert forms[SecurityForm.EXEMPT] > forms[SecurityForm.TRANSFER] > 0
    for security in securities:
        project = security.tender.project
        assert security.required_fen == project.bid_security_fen > 0
        assert security.recorded_at < security.tender.deadline
        if security.form == SecurityForm.EXEMPT:
            assert (security.amount_fen, security.status) == (0, SecurityStatus.NONE)
        else:
            assert security.amount_fen == project.bid_security_fen
    decided = set(ExemptionDecision.objects.values_list("tender_id", "supplier_id"))
    exempt = {(s.tender_id, s.supplier_id) for s in securities if s.form == SecurityForm.EXEMPT}
    assert exempt <= decided
    demo = demo_supplier()
    bidders = set(
        Bid.objects.filter(tender__project__bid_security_fen__gt=0)
        .exclude(tender__project__status=ProjectStatus.TENDERING, supplier=demo)
        .values_list("tender_id", "supplier_id")
    )
    assert bidders == {(s.tender_id, s.supplier_id) for s in securities}
    rows = bid_security_rows(
        BidSecurity.objects.exclude(form=SecurityForm.EXEMPT).select_related(
            "tender__project__award__winning_bid", "tender__project__contract"
        ),
        today=TODAY,
    )
    refunded = [r for r in rows if r.security.status == SecurityStatus.REFUNDED]
    assert refunded
    for row in refunded:
        assert row.trigger_on is not None
        assert row.security.refunded_on is not None
        assert row.security.refunded_on > row.trigger_on
    assert sum(not r.late for r in refunded) > sum(r.late for r in refunded)
    assert not [r for r in rows if r.overdue and r.refund_due is not None and r.refund_due < TODAY - dt.timedelta(20)]


def assert_audit_log_is_chronological() -> None:
    """The seed acts in date order, as the people would have: the log's times never go back."""
    events = list(AuditEvent.objects.order_by("seq").values_list("object_type", "at"))
    later = next((i for i, (kind, _) in enumerate(events) if kind.startswith(LATER_HISTORIES)), len(events))
    timeline = [at for _, at in events[:later]]  # everything up to the first later history
    assert all(a <= b for a, b in itertools.pairwise(timeline))
    future = AuditEvent.objects.filter(at__gt=NOW).values_list("object_type", "action", "at")[:5]
    assert not future, list(future)
