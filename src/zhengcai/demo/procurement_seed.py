"""Perform the demo procurement plan through the procurement services, in date order.

Every act goes through its service (intention_create … payment_record, challenge_submit …
complaint_decide) with the planned time as ``at``, so every rule, notice and audit event applies
exactly as for a person using the platform. The people acting are the demo logins where the plan
uses their organization (``purchaser``, ``agency``, ``supplier``, ``reviewer``, ``caoxian``) and
otherwise one staff account per organization, created here with an unusable password.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from zhengcai.accounts.models import Membership, User
from zhengcai.accounts.services import membership_create, user_create
from zhengcai.core.errors import ServiceError
from zhengcai.core.permissions import Role
from zhengcai.organizations.models import Organization
from zhengcai.procurement import bidding, evaluation, lifecycle, rules, services
from zhengcai.procurement.models import (
    Award,
    Bid,
    BidOpening,
    Challenge,
    CommitteeMember,
    Complaint,
    Contract,
    EvaluationMethod,
    Intention,
    Project,
    ProjectStatus,
    Tender,
)
from zhengcai.procurement.services import ProjectInput
from zhengcai.securities import services as securities
from zhengcai.securities.errors import SecurityError
from zhengcai.securities.models import BidSecurity, SecurityForm, SecurityStatus

from . import data
from . import procurement_data as pd
from .procurement_plan import DemoOrgs, ItemPlan, Kind, Plan, Planner, ProjectSpec, Step

PROJECTS = 2000
EXPERTS = 24  # the city's evaluation experts besides the demo login ``expert``
DEMO_EXPERT = "expert"
STAFF_PREFIX = {
    Role.PURCHASER_STAFF: "buyer",
    Role.AGENCY_STAFF: "agent",
    Role.SUPPLIER_STAFF: "bidder",
    Role.BUREAU_REVIEWER: "review",
}
STAFF_TITLE = {
    Role.PURCHASER_STAFF: "采购经办人",
    Role.AGENCY_STAFF: "项目负责人",
    Role.SUPPLIER_STAFF: "投标专员",
    Role.BUREAU_REVIEWER: "投诉处理",
}


@dataclass
class Staff:
    """Who acts for each organization (by organization id), and who handles complaints per region."""

    people: dict[tuple[int, str], User] = field(default_factory=dict)
    reviewers: dict[int, User] = field(default_factory=dict)  # region id → bureau reviewer
    city_reviewer: User | None = None
    demo_expert: User | None = None

    def of(self, org: Organization, role: Role) -> User:
        return self.people[org.pk, role]


def create_staff(plan: Plan, orgs: DemoOrgs, *, actor: str, at: dt.datetime) -> Staff:
    """Reuse an existing member (the demo logins); otherwise one account per organization."""
    staff = Staff()
    existing: dict[tuple[int, str], User] = {}
    users: dict[int, User] = {}
    for m in (
        Membership.objects.filter(is_active=True, role__in=list(STAFF_PREFIX))
        .select_related("user", "organization")
        .order_by("id")
    ):
        user = users.setdefault(m.user_id, m.user)
        existing.setdefault((m.organization_id, m.role), user)
        if m.role == Role.BUREAU_REVIEWER and m.organization.kind == "bureau_department":
            staff.reviewers.setdefault(m.organization.region_id, user)
    city = orgs.regions[0]
    staff.city_reviewer = staff.reviewers.get(city.pk)
    rng = random.Random(data.SEED + 3)
    wanted: list[tuple[Organization, Role]] = [(o, Role.PURCHASER_STAFF) for o in plan.organizations("purchaser")]
    wanted += [(o, Role.AGENCY_STAFF) for o in plan.organizations("agency")]
    wanted += [(o, Role.SUPPLIER_STAFF) for o in plan.organizations("supplier")]
    for region_id in plan.complaint_regions():
        if region_id not in staff.reviewers and region_id in orgs.departments:
            wanted.append((orgs.departments[region_id], Role.BUREAU_REVIEWER))
    for org, role in wanted:
        found = existing.get((org.pk, role))
        if found is not None:
            user = found
        else:
            username = f"{STAFF_PREFIX[role]}{org.pk:05d}"
            person = rng.choice(pd.SURNAMES) + rng.choice(pd.GIVEN_NAMES)
            user = user_create(
                username=username,
                password=None,
                email=f"{username}@demo.zhengcai.invalid",
                display_name=f"{person}（{STAFF_TITLE[role]}）",
                actor=actor,
                at=at,
            )
            membership_create(user=user, organization=org, role=role, title=STAFF_TITLE[role], actor=actor, at=at)
            existing[org.pk, role] = user
        staff.people[org.pk, role] = user
        if role == Role.BUREAU_REVIEWER:
            staff.reviewers[org.region_id] = user
    _create_experts(rng, orgs, actor=actor, at=at)
    staff.demo_expert = User.objects.filter(username=DEMO_EXPERT).first()
    return staff


def _create_experts(rng: random.Random, orgs: DemoOrgs, *, actor: str, at: dt.datetime) -> None:
    """The pool committees are drawn from (E-COMMITTEE), registered with the city finance bureau."""
    bureau = Organization.objects.filter(kind="finance_bureau", region=orgs.regions[0]).first()
    if bureau is None:
        return
    for n in range(1, EXPERTS + 1):
        username = f"expert{n:02d}"
        if User.objects.filter(username=username).exists():
            continue
        person = rng.choice(pd.SURNAMES) + rng.choice(pd.GIVEN_NAMES)
        user = user_create(
            username=username,
            password=None,
            email=f"{username}@demo.zhengcai.invalid",
            display_name=f"{person}（评审专家）",
            actor=actor,
            at=at,
        )
        membership_create(
            user=user, organization=bureau, role=Role.EVALUATION_EXPERT, title="评审专家", actor=actor, at=at
        )


class Runner:
    """Performs the plan's steps through the services, keeping what each returned."""

    def __init__(self, plan: Plan, staff: Staff) -> None:
        self.plan = plan
        self.staff = staff
        self.intentions: dict[int, Intention] = {}
        self.projects: dict[tuple[int, int], Project] = {}
        self.tenders: dict[tuple[int, int], Tender] = {}
        self.bids: dict[tuple[int, int, int], Bid] = {}
        self.awards: dict[tuple[int, int], Award] = {}
        self.contracts: dict[tuple[int, int], Contract] = {}
        self.challenges: dict[tuple[int, int, int], Challenge] = {}
        self.complaints: dict[tuple[int, int, int], Complaint] = {}
        self.handlers: dict[Kind, Callable[[Step, ItemPlan, ProjectSpec | None], None]] = {
            kind: getattr(self, f"_{kind.value}") for kind in Kind
        }

    def run(self, steps: list[Step]) -> None:
        for step in steps:
            item = self.plan.items[step.item]
            spec = item.projects[step.slot] if step.slot < len(item.projects) else None
            self.handlers[step.kind](step, item, spec)

    # -- who acts --------------------------------------------------------------------------------

    def _buyer(self, item: ItemPlan, spec: ProjectSpec | None = None) -> User:
        return self.staff.of(spec.purchaser if spec else item.purchaser, Role.PURCHASER_STAFF)

    def _manager(self, spec: ProjectSpec) -> User:
        """The agency runs the procedure when there is one; otherwise the purchaser itself."""
        if spec.agency is not None:
            return self.staff.of(spec.agency, Role.AGENCY_STAFF)
        return self.staff.of(spec.purchaser, Role.PURCHASER_STAFF)

    def _bidder(self, supplier: Organization) -> User:
        return self.staff.of(supplier, Role.SUPPLIER_STAFF)

    def _reviewer(self, spec: ProjectSpec) -> User:
        user = self.staff.reviewers.get(spec.purchaser.region_id) or self.staff.city_reviewer
        assert user is not None  # noqa: S101 - create_staff found or made one
        return user

    @staticmethod
    def _key(step: Step) -> tuple[int, int]:
        return step.item, step.slot

    # -- the steps -------------------------------------------------------------------------------

    def _intention_create(self, step: Step, item: ItemPlan, spec: ProjectSpec | None) -> None:
        self.intentions[item.index] = services.intention_create(
            purchaser=item.purchaser,
            title=item.title,
            demand_summary=item.summary,
            budget_fen=item.budget_fen,
            expected_month=item.expected_month,
            actor=self._buyer(item),
            at=step.at,
        )

    def _intention_publish(self, step: Step, item: ItemPlan, spec: ProjectSpec | None) -> None:
        intention = self.intentions[item.index]
        self.intentions[item.index] = services.intention_publish(
            intention=intention, actor=self._buyer(item), at=step.at
        )

    def _project_create(self, step: Step, item: ItemPlan, spec: ProjectSpec | None) -> None:
        assert spec is not None  # noqa: S101
        data_in = ProjectInput(
            title=spec.title,
            purchaser=spec.purchaser,
            agency=spec.agency,
            intention=self.intentions[item.index],
            method=spec.method,
            category=spec.item.category,
            catalogue_code=spec.item.code,
            budget_fen=spec.budget_fen,
            max_price_fen=spec.max_price_fen,
            sme_reserved=spec.sme_reserved,
            sme_deduction_percent=spec.deduction,
            bid_security_fen=spec.bid_security_fen,
            evaluation_method=spec.evaluation,
            price_weight_percent=spec.price_weight,
        )
        self.projects[self._key(step)] = services.project_create(
            data=data_in, actor=self._buyer(item, spec), at=step.at
        )

    def _tender_publish(self, step: Step, item: ItemPlan, spec: ProjectSpec | None) -> None:
        assert spec is not None  # noqa: S101
        self.tenders[self._key(step)] = services.tender_publish(
            project=self.projects[self._key(step)],
            docs_from=step.args["docs_from"],
            docs_until=step.args["docs_until"],
            deadline=step.args["deadline"],
            notice_text=spec.notice_text,
            actor=self._manager(spec),
            at=step.at,
        )

    def _tender_correct(self, step: Step, item: ItemPlan, spec: ProjectSpec | None) -> None:
        assert spec is not None  # noqa: S101
        services.tender_correct(
            tender=self.tenders[self._key(step)],
            text=step.args["text"],
            affects_preparation=step.args["affects"],
            actor=self._manager(spec),
            at=step.at,
        )

    def _bid_submit(self, step: Step, item: ItemPlan, spec: ProjectSpec | None) -> None:
        supplier: Organization = step.args["supplier"]
        receipt = bidding.bid_submit(
            tender=self.tenders[self._key(step)],
            supplier=supplier,
            price_fen=step.args["price_fen"],
            technical_response=step.args["technical"],
            actor=self._bidder(supplier),
            at=step.at,
        )
        self.bids[step.item, step.slot, supplier.pk] = receipt.bid
        if step.args.get("security") is not None:
            self._bid_security(step, supplier, step.args["security"])

    def _bid_security(self, step: Step, supplier: Organization, form: str) -> None:
        """The bidder asks for the credit exemption (the credit app decides, S-CREDIT-EXEMPT) and, refused or
        not asking, transfers exactly the required amount (S-BID-2PCT)."""
        tender = self.tenders[self._key(step)]
        bidder = self._bidder(supplier)
        if form == "exempt":
            try:
                securities.bid_security_provide(
                    tender=tender, supplier=supplier, form=SecurityForm.EXEMPT, actor=bidder, at=step.at
                )
            except ServiceError as error:
                if error.code != SecurityError.NOT_EXEMPT:
                    raise
            else:
                return
        securities.bid_security_provide(
            tender=tender,
            supplier=supplier,
            form=SecurityForm.TRANSFER,
            amount_fen=tender.project.bid_security_fen,
            paid_on=timezone.localtime(step.at).date(),
            reference=f"投标保证金{tender.project.number}",
            actor=bidder,
            at=step.at,
        )

    def _security_refund(self, step: Step, item: ItemPlan, spec: ProjectSpec | None) -> None:
        """Back to the bidder after the award notice, the signing or the termination (what was held only)."""
        assert spec is not None  # noqa: S101
        security = BidSecurity.objects.get(tender=self.tenders[self._key(step)], supplier=step.args["supplier"])
        if security.status != SecurityStatus.HELD:
            return  # exempt: nothing was paid
        securities.bid_security_refund(
            security=security,
            refunded_on=timezone.localtime(step.at).date(),
            actor=self._manager(spec),
            at=step.at,
        )

    def _bid_withdraw(self, step: Step, item: ItemPlan, spec: ProjectSpec | None) -> None:
        supplier: Organization = step.args["supplier"]
        bidding.bid_withdraw(
            bid=self.bids[step.item, step.slot, supplier.pk], actor=self._bidder(supplier), at=step.at
        )

    def _tender_open(self, step: Step, item: ItemPlan, spec: ProjectSpec | None) -> None:
        assert spec is not None  # noqa: S101
        result = bidding.tender_open(tender=self.tenders[self._key(step)], actor=self._manager(spec), at=step.at)
        if result.failed != (spec.stage == ProjectStatus.FAILED):
            raise RuntimeError(f"{spec.title}: the opening did not go as planned")  # a planning bug

    def _committee_draw(self, step: Step, item: ItemPlan, spec: ProjectSpec | None) -> None:
        assert spec is not None  # noqa: S101
        evaluation.committee_draw(
            project=self.projects[self._key(step)],
            size=rules.committee_min_size(spec.budget_fen, on=step.at.date()),
            actor=self._manager(spec),
            at=step.at,
            rng=random.Random(spec.seed),
        )

    def _score(self, step: Step, item: ItemPlan, spec: ProjectSpec | None) -> None:
        """Every expert's sheet but ``leave_open`` of them (the demo expert's first), scored so the planned
        ranking (lowest evaluated price) stands: the better the price, the better the technical marks, with
        a little independent noise per expert."""
        assert spec is not None  # noqa: S101
        project = self.projects[self._key(step)]
        leave_open: int = step.args["leave_open"]
        rng = random.Random(spec.seed + 1)
        deduction = Decimal(0) if spec.sme_reserved else spec.deduction
        lines = sorted(
            BidOpening.objects.filter(tender__project=project, valid=True).select_related("bid"),
            key=lambda ln: (
                rules.evaluated_price(ln.price_fen, small_or_micro=ln.small_or_micro, deduction_percent=deduction),
                ln.bid.submitted_at,
                ln.bid_id,
            ),
        )
        top = evaluation.quality_max(project)
        members = list(CommitteeMember.objects.filter(project=project).select_related("expert").order_by("id"))
        waiting = [m for m in members if m.expert == self.staff.demo_expert]
        waiting += [m for m in members if m not in waiting][: max(0, leave_open - len(waiting))]
        for member in members:
            if leave_open and member in waiting:
                continue
            scores: dict[int, Decimal | None] = {}
            for i, line in enumerate(lines):
                raw = top * (Decimal("0.92") - Decimal("0.1") * i) + Decimal(rng.randint(-50, 50)) / 100
                scores[line.pk] = min(top, max(Decimal(0), raw)).quantize(Decimal("0.01"))
            evaluation.score_sheet_submit(project=project, scores=scores, comments={}, actor=member.expert, at=step.at)

    def _evaluate(self, step: Step, item: ItemPlan, spec: ProjectSpec | None) -> None:
        assert spec is not None  # noqa: S101
        project = self.projects[self._key(step)]
        if spec.evaluation == EvaluationMethod.SCORING:
            evaluation.evaluate_scoring(project=project, actor=self._manager(spec), at=step.at)
        else:
            bidding.evaluate_lowest_price(project=project, actor=self._manager(spec), at=step.at)

    def _award(self, step: Step, item: ItemPlan, spec: ProjectSpec | None) -> None:
        self.awards[self._key(step)] = bidding.award_decide(
            project=self.projects[self._key(step)], actor=self._buyer(item, spec), at=step.at
        )

    def _result(self, step: Step, item: ItemPlan, spec: ProjectSpec | None) -> None:
        assert spec is not None  # noqa: S101
        lifecycle.result_publish(award=self.awards[self._key(step)], actor=self._manager(spec), at=step.at)

    def _challenge(self, step: Step, item: ItemPlan, spec: ProjectSpec | None) -> None:
        supplier: Organization = step.args["supplier"]
        self.challenges[step.item, step.slot, step.args["key"]] = lifecycle.challenge_submit(
            project=self.projects[self._key(step)],
            supplier=supplier,
            known_on=step.args["known_on"],
            text=step.args["text"],
            actor=self._bidder(supplier),
            at=step.at,
        )

    def _challenge_answer(self, step: Step, item: ItemPlan, spec: ProjectSpec | None) -> None:
        assert spec is not None  # noqa: S101
        lifecycle.challenge_answer(
            challenge=self.challenges[step.item, step.slot, step.args["key"]],
            answer=step.args["answer"],
            actor=self._manager(spec),
            at=step.at,
        )

    def _complaint(self, step: Step, item: ItemPlan, spec: ProjectSpec | None) -> None:
        challenge = self.challenges[step.item, step.slot, step.args["key"]]
        self.complaints[step.item, step.slot, step.args["key"]] = lifecycle.complaint_submit(
            challenge=challenge, text=step.args["text"], actor=self._bidder(challenge.supplier), at=step.at
        )

    def _complaint_accept(self, step: Step, item: ItemPlan, spec: ProjectSpec | None) -> None:
        assert spec is not None  # noqa: S101
        lifecycle.complaint_accept(
            complaint=self.complaints[step.item, step.slot, step.args["key"]],
            suspend=step.args["suspend"],
            actor=self._reviewer(spec),
            at=step.at,
        )

    def _complaint_decide(self, step: Step, item: ItemPlan, spec: ProjectSpec | None) -> None:
        assert spec is not None  # noqa: S101
        lifecycle.complaint_decide(
            complaint=self.complaints[step.item, step.slot, step.args["key"]],
            upheld=step.args["upheld"],
            decision=step.args["decision"],
            actor=self._reviewer(spec),
            at=step.at,
        )

    def _contract_sign(self, step: Step, item: ItemPlan, spec: ProjectSpec | None) -> None:
        self.contracts[self._key(step)] = lifecycle.contract_sign(
            award=self.awards[self._key(step)],
            signed_on=step.args["signed_on"],
            payment_days=step.args["payment_days"],
            advance_payment_fen=step.args["advance_fen"],
            actor=self._buyer(item, spec),
            at=step.at,
        )

    def _contract_publish(self, step: Step, item: ItemPlan, spec: ProjectSpec | None) -> None:
        lifecycle.contract_publish(contract=self.contracts[self._key(step)], actor=self._buyer(item, spec), at=step.at)

    def _acceptance(self, step: Step, item: ItemPlan, spec: ProjectSpec | None) -> None:
        lifecycle.acceptance_record(
            contract=self.contracts[self._key(step)],
            passed=step.args["passed"],
            accepted_on=step.args["accepted_on"],
            note=step.args["note"],
            actor=self._buyer(item, spec),
            at=step.at,
        )

    def _payment(self, step: Step, item: ItemPlan, spec: ProjectSpec | None) -> None:
        lifecycle.payment_record(
            contract=self.contracts[self._key(step)],
            amount_fen=step.args["amount_fen"],
            paid_on=step.args["paid_on"],
            is_advance=step.args["is_advance"],
            actor=self._buyer(item, spec),
            at=step.at,
        )


@dataclass
class SeedReport:
    plan: Plan
    staff_accounts: int


def procurement_present() -> bool:
    return Intention.objects.exists() or Project.objects.exists()


def seed_procurement(
    *,
    n_projects: int,
    purchaser_name: str,
    actor: str,
    staff_at: dt.datetime,
    also: list[tuple[dt.datetime, Callable[[], Any]]],
) -> SeedReport | None:
    """Plan and perform the demo procurement in one transaction (all or nothing).

    ``also`` are other dated acts (supplier registrations) run in their place on the timeline.
    Returns None, doing nothing, when the database already holds procurement data.
    """
    if procurement_present():
        return None
    orgs = DemoOrgs.load(purchaser_name=purchaser_name)
    plan = Planner(orgs, n_projects=n_projects, seed=data.SEED + 2).plan()
    with transaction.atomic():
        before = User.objects.count()
        staff = create_staff(plan, orgs, actor=actor, at=staff_at)
        created = User.objects.count() - before
        runner = Runner(plan, staff)
        pending = sorted(also, key=lambda pair: pair[0])
        batch: list[Step] = []
        for step in plan.steps:
            while pending and pending[0][0] <= step.at:
                runner.run(batch)
                batch = []
                pending.pop(0)[1]()
            batch.append(step)
        runner.run(batch)
        for _, call in pending:
            call()
    return SeedReport(plan=plan, staff_accounts=created)
