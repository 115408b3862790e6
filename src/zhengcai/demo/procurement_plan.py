"""Plan the demo procurement: which projects, who runs them, who bids, and the date of every act.

Planning only reads. It uses the rule functions the services use (``rules.earliest_deadline``,
``rules.correction_deadline``, the working-day calendar …) so every planned date passes them;
``procurement_seed`` then performs the plan through the services, in date order.

Each project gets a target stage (intention only, draft, tendering, … completed, failed) and a
variant (a correction that moved the deadline, a late result notice, an overdue SME payment, a
challenge, a complaint …). Its acts are dated by a small simulation: the random durations of a
project come from its own seed, so moving its tender date moves every act consistently, and the
tender date is fitted so that the project sits in its stage on the demo's "today", 2026-11-25.

The holiday calendar (chinese-calendar) knows no year after 2026, so no date the services count
in working days lies in 2027: tenders still open close by 2026-12-28 at the latest, and a
complaint is accepted only when its 30-working-day decision clock ends in 2026.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from django.conf import settings

from zhengcai.core import calendar
from zhengcai.core.errors import ServiceError
from zhengcai.core.policy import policy_value
from zhengcai.organizations.models import EnterpriseSize, Organization, OrganizationKind, OrganizationStatus, Region
from zhengcai.procurement import rules
from zhengcai.procurement.models import EvaluationMethod, ProjectStatus
from zhengcai.procurement.rules import Category, Method

from . import data
from . import procurement_data as pd

T = TypeVar("T")

EXEMPTION_ASKED = 0.7  # of the bidders where a bid security is asked: they ask for the credit exemption
REFUND_LATE_SHARE = 0.08  # of the bid securities paid by transfer: refunded after the 5 working days
TODAY = dt.date(2026, 11, 25)  # the demo's "today": every planned act happens on or before it
FIRST_INTENTION = dt.date(2025, 1, 2)
FIRST_TENDER = dt.date(2025, 2, 28)
OPEN_DEADLINES = (dt.date(2026, 12, 1), dt.date(2026, 12, 28))  # tenders still open close in this range
LAST_COMPLAINT_ACCEPTED = dt.date(2026, 11, 10)  # + 30 working days stays in 2026 (C-COMPLAINT-30WD)
WORKS_RESERVE_FEN = 400_0000_00  # SME-RESERVE-ALL for works (财库〔2020〕46号)
INTENTION_ONLY = "intention_only"
SMALL_OR_MICRO = {EnterpriseSize.SMALL, EnterpriseSize.MICRO}
SME = {EnterpriseSize.MEDIUM, EnterpriseSize.SMALL, EnterpriseSize.MICRO}


def moment(day: dt.date, hour: int, minute: int = 0, second: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=ZoneInfo(settings.TIME_ZONE))


NOW = moment(TODAY, 17, 0)


_WORKDAYS: dict[dt.date, bool] = {}  # calendar.is_workday, remembered for one plan (cleared by Planner)


def is_workday(day: dt.date) -> bool:
    known = _WORKDAYS.get(day)
    if known is None:
        known = _WORKDAYS[day] = calendar.is_workday(day)
    return known


def add_working_days(start: dt.date, n: int) -> dt.date:
    """calendar.add_working_days (the n-th working day after ``start``), on the remembered calendar."""
    day = start
    while n:
        day += dt.timedelta(days=1)
        if is_workday(day):
            n -= 1
    return day


def next_workday(day: dt.date) -> dt.date:
    while not is_workday(day):
        day += dt.timedelta(days=1)
    return day


def prev_workday(day: dt.date) -> dt.date:
    while not is_workday(day):
        day -= dt.timedelta(days=1)
    return day


def days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


class Kind(StrEnum):
    INTENTION_CREATE = "intention_create"
    INTENTION_PUBLISH = "intention_publish"
    PROJECT_CREATE = "project_create"
    TENDER_PUBLISH = "tender_publish"
    TENDER_CORRECT = "tender_correct"
    BID_SUBMIT = "bid_submit"
    BID_WITHDRAW = "bid_withdraw"
    TENDER_OPEN = "tender_open"
    COMMITTEE_DRAW = "committee_draw"
    SCORE = "score"
    EVALUATE = "evaluate"
    AWARD = "award"
    RESULT = "result"
    CHALLENGE = "challenge"
    CHALLENGE_ANSWER = "challenge_answer"
    COMPLAINT = "complaint"
    COMPLAINT_ACCEPT = "complaint_accept"
    COMPLAINT_DECIDE = "complaint_decide"
    CONTRACT_SIGN = "contract_sign"
    CONTRACT_PUBLISH = "contract_publish"
    ACCEPTANCE = "acceptance"
    PAYMENT = "payment"
    SECURITY_REFUND = "security_refund"  # a bid security paid by transfer comes back (S-BID-REFUND-5WD)


class Variant(StrEnum):
    PLAIN = "plain"
    CORRECTED = "corrected"  # tendering: a correction moved the deadline (M-CORR-15D)
    SCORING = "scoring"  # opened: comprehensive scoring, the experts have not finished
    CHALLENGE_OPEN = "challenge_open"  # awarded: a loser's challenge waits for its answer
    CHALLENGE_ANSWERED = "challenge_answered"
    COMPLAINT_SUBMITTED = "complaint_submitted"  # awaiting admissibility
    COMPLAINT_ACCEPTED = "complaint_accepted"  # accepted, procurement suspended, decision pending
    COMPLAINT_UPHELD = "complaint_upheld"  # decided for the complainant
    COMPLAINT_REJECTED = "complaint_rejected"  # decided against; the contract followed
    SIGNED = "signed"  # contracted: just signed, not yet published
    DELIVERY = "delivery"  # published, being delivered
    ACCEPTED = "accepted"  # accepted, payment not yet due
    OVERDUE = "overdue"  # accepted, SME payment overdue (P-SME-30D)
    REWORK = "rework"  # acceptance failed, being put right


CHALLENGE_VARIANTS = {
    Variant.CHALLENGE_OPEN,
    Variant.CHALLENGE_ANSWERED,
    Variant.COMPLAINT_SUBMITTED,
    Variant.COMPLAINT_ACCEPTED,
    Variant.COMPLAINT_UPHELD,
    Variant.COMPLAINT_REJECTED,
}


class DemoBid(StrEnum):
    NONE = "none"
    WIN = "win"
    LOSE = "lose"
    SEALED = "sealed"  # tendering: its bid is sealed, it may still replace it
    INVITED = "invited"  # tendering: it has not bid yet and still can


# Share of the projects in each stage, in percent (completed takes what is left).
STAGE_SHARES: dict[str, float] = {
    ProjectStatus.DRAFT: 3,
    ProjectStatus.TENDERING: 7,
    ProjectStatus.OPENED: 1.5,
    ProjectStatus.EVALUATED: 1.5,
    ProjectStatus.AWARDED: 4,
    ProjectStatus.CONTRACTED: 18,
    ProjectStatus.FAILED: 7,
}
INTENTION_ONLY_SHARE = 4
LATE_RESULT_EVERY = 12  # one result notice in 12 is published late (D-RESULT-2WD)
RERUN_SHARE = 0.5  # failed procurements re-run as "（二次）"
CONTRACTED_VARIANTS = {
    Variant.SIGNED: 8,
    Variant.DELIVERY: 40,
    Variant.ACCEPTED: 22,
    Variant.OVERDUE: 22,
    Variant.REWORK: 8,
}
# Window of the project's last act, as (days before today, days before today), and a first guess
# of the days from the tender notice to that act.
ANCHORS: dict[tuple[str, Variant], tuple[int, int, int]] = {
    (ProjectStatus.OPENED, Variant.PLAIN): (0, 0, 22),
    (ProjectStatus.OPENED, Variant.SCORING): (6, 1, 12),
    (ProjectStatus.EVALUATED, Variant.PLAIN): (4, 0, 22),
    (ProjectStatus.AWARDED, Variant.PLAIN): (12, 0, 26),
    (ProjectStatus.AWARDED, Variant.CHALLENGE_OPEN): (5, 0, 36),
    (ProjectStatus.AWARDED, Variant.COMPLAINT_SUBMITTED): (4, 0, 50),
    (ProjectStatus.AWARDED, Variant.COMPLAINT_ACCEPTED): (45, 15, 55),
    (ProjectStatus.AWARDED, Variant.COMPLAINT_UPHELD): (60, 1, 80),
    (ProjectStatus.CONTRACTED, Variant.SIGNED): (2, 0, 45),
    (ProjectStatus.CONTRACTED, Variant.DELIVERY): (40, 1, 50),
    (ProjectStatus.CONTRACTED, Variant.ACCEPTED): (25, 1, 110),
    (ProjectStatus.CONTRACTED, Variant.OVERDUE): (150, 65, 110),
    (ProjectStatus.CONTRACTED, Variant.REWORK): (25, 1, 100),
    (ProjectStatus.FAILED, Variant.PLAIN): (610, 1, 22),
}
# The demo logins' own work: the purchaser 菏泽市教育局 (first 8 run by the demo agency), the demo
# agency's other projects, and the projects the demo supplier bids in.
PURCHASER_STAGES: Sequence[tuple[str, Variant]] = [
    (ProjectStatus.TENDERING, Variant.CORRECTED),
    (ProjectStatus.OPENED, Variant.PLAIN),
    (ProjectStatus.CONTRACTED, Variant.DELIVERY),
    (ProjectStatus.COMPLETED, Variant.PLAIN),
    (ProjectStatus.COMPLETED, Variant.CHALLENGE_ANSWERED),
    (ProjectStatus.AWARDED, Variant.PLAIN),
    (ProjectStatus.FAILED, Variant.PLAIN),
    (ProjectStatus.COMPLETED, Variant.PLAIN),
    (ProjectStatus.DRAFT, Variant.PLAIN),
    (ProjectStatus.TENDERING, Variant.PLAIN),
    (ProjectStatus.TENDERING, Variant.PLAIN),
    (ProjectStatus.EVALUATED, Variant.PLAIN),
    (ProjectStatus.AWARDED, Variant.PLAIN),
    (ProjectStatus.CONTRACTED, Variant.SIGNED),
    (ProjectStatus.CONTRACTED, Variant.ACCEPTED),
    (ProjectStatus.CONTRACTED, Variant.OVERDUE),
    (ProjectStatus.COMPLETED, Variant.PLAIN),
    (ProjectStatus.COMPLETED, Variant.PLAIN),
    (ProjectStatus.COMPLETED, Variant.PLAIN),
    (ProjectStatus.FAILED, Variant.PLAIN),
]
AGENCY_STAGES: Sequence[tuple[str, Variant]] = [
    (ProjectStatus.TENDERING, Variant.PLAIN),
    (ProjectStatus.TENDERING, Variant.CORRECTED),
    (ProjectStatus.TENDERING, Variant.PLAIN),
    (ProjectStatus.OPENED, Variant.SCORING),
    (ProjectStatus.EVALUATED, Variant.PLAIN),
    (ProjectStatus.AWARDED, Variant.PLAIN),
    (ProjectStatus.AWARDED, Variant.CHALLENGE_OPEN),
    (ProjectStatus.CONTRACTED, Variant.DELIVERY),
    (ProjectStatus.CONTRACTED, Variant.ACCEPTED),
    (ProjectStatus.CONTRACTED, Variant.OVERDUE),
    (ProjectStatus.CONTRACTED, Variant.REWORK),
    (ProjectStatus.CONTRACTED, Variant.DELIVERY),
    (ProjectStatus.FAILED, Variant.PLAIN),
    (ProjectStatus.FAILED, Variant.PLAIN),
] + [(ProjectStatus.COMPLETED, Variant.PLAIN)] * 8
SUPPLIER_STAGES: Sequence[tuple[str, DemoBid]] = [
    (ProjectStatus.TENDERING, DemoBid.SEALED),
    (ProjectStatus.TENDERING, DemoBid.INVITED),
    (ProjectStatus.COMPLETED, DemoBid.WIN),
    (ProjectStatus.CONTRACTED, DemoBid.WIN),
    (ProjectStatus.COMPLETED, DemoBid.LOSE),
    (ProjectStatus.COMPLETED, DemoBid.LOSE),
    (ProjectStatus.AWARDED, DemoBid.LOSE),
    (ProjectStatus.FAILED, DemoBid.LOSE),
]
DEMO_AGENCY_SHARED = 8
COMPLETED_WINDOW = (dt.date(2025, 5, 1), TODAY - days(1))
DELIVERY_DAYS = {Category.GOODS: (15, 60), Category.WORKS: (45, 150), Category.SERVICES: (60, 300)}


# --- the organizations the plan draws on ------------------------------------------------------------


@dataclass
class DemoOrgs:
    regions: list[Region]
    units: dict[int, list[tuple[Organization, str]]]  # region id → (budget unit, name template)
    agencies: dict[int, list[Organization]]  # region id → agencies registered there
    centres: dict[int, Organization]  # region id → public resources trading centre
    departments: dict[int, Organization]  # region id → the finance bureau's procurement section
    suppliers: list[Organization]
    industry: dict[int, str]  # supplier id → industry (data.SUPPLIER_INDUSTRIES)
    demo_purchaser: Organization
    demo_agency: Organization
    demo_supplier: Organization

    @classmethod
    def load(cls, *, purchaser_name: str) -> DemoOrgs:
        regions = list(Region.objects.order_by("sort", "code"))
        names: dict[str, str] = {}
        for region in regions:
            for raw in data.BUDGET_UNIT_TEMPLATES:
                template = data.CITY_NAME_FIX.get(raw, raw) if region.is_city else raw
                names[template.format(r=region.name)] = raw
        orgs = list(
            Organization.objects.filter(status=OrganizationStatus.ACTIVE)
            .exclude(kind__in=[OrganizationKind.BANK, OrganizationKind.GUARANTOR])
            .select_related("region", "parent")
            .order_by("id")
        )
        units: dict[int, list[tuple[Organization, str]]] = defaultdict(list)
        agencies: dict[int, list[Organization]] = defaultdict(list)
        centres: dict[int, Organization] = {}
        departments: dict[int, Organization] = {}
        suppliers: list[Organization] = []
        for org in orgs:
            if org.kind == OrganizationKind.BUDGET_UNIT and org.name in names:
                units[org.region_id].append((org, names[org.name]))
            elif org.kind == OrganizationKind.AGENCY:
                agencies[org.region_id].append(org)
            elif org.kind == OrganizationKind.TRADING_CENTRE:
                centres[org.region_id] = org
            elif org.kind == OrganizationKind.BUREAU_DEPARTMENT and org.name.endswith("政府采购管理科"):
                departments[org.region_id] = org
            elif org.kind == OrganizationKind.SUPPLIER:
                suppliers.append(org)
        scope_industry = {scope: industry for industry, scope in data.SUPPLIER_INDUSTRIES}
        industry = {s.pk: scope_industry.get(s.business_scope, "商贸") for s in suppliers}
        first_agency = next(a for region in regions for a in agencies.get(region.pk, []))
        all_agencies = [a for region in regions for a in agencies.get(region.pk, [])]
        purchaser = next(u for region in regions for u, _ in units.get(region.pk, []) if u.name == purchaser_name)
        return cls(
            regions=regions,
            units=dict(units),
            agencies=dict(agencies),
            centres=centres,
            departments=departments,
            suppliers=suppliers,
            industry=industry,
            demo_purchaser=purchaser,
            demo_agency=min(all_agencies, key=lambda a: a.pk) if all_agencies else first_agency,
            demo_supplier=suppliers[0],
        )


# --- the plan ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    at: dt.datetime
    kind: Kind
    item: int
    slot: int
    args: dict[str, Any]


@dataclass
class BidDraw:
    supplier: Organization
    price_fen: int
    first_price_fen: int | None  # a first version replaced later by ``price_fen``
    withdraw: bool
    frac: float  # where in the bidding period it is submitted (0 = at once, 1 = at the deadline)
    frac2: float
    minute: float
    technical: str


@dataclass
class ProjectSpec:
    """One procurement project as planned (a first attempt or its re-run)."""

    slot: int
    stage: str
    variant: Variant
    template: pd.TitleTemplate
    item: pd.CatalogueItem
    purchaser: Organization
    agency: Organization | None
    method: Method
    budget_fen: int
    max_price_fen: int
    bid_security_fen: int
    sme_reserved: bool
    deduction: Decimal
    evaluation: EvaluationMethod
    bids: list[BidDraw]
    demo_bid: DemoBid
    seed: int
    late_result: bool = False  # the result notice after its D-RESULT-2WD due date
    title: str = ""
    summary: str = ""
    notice_text: str = ""

    @property
    def price_weight(self) -> Decimal | None:
        """Price's share of the points for a scored project, within E-PRICE-WEIGHT / M-CONS-10D."""
        if self.evaluation != EvaluationMethod.SCORING:
            return None
        choices = [10, 20, 30] if self.item.category == Category.SERVICES else [30, 40, 50]
        return Decimal(choices[self.seed % 3])


@dataclass
class Timeline:
    tender_on: dt.date
    steps: list[tuple[dt.datetime, Kind, dict[str, Any]]] = field(default_factory=list)
    anchor: dt.date = TODAY
    deadline: dt.datetime | None = None
    ok: bool = True

    def add(self, at: dt.datetime, kind: Kind, **args: Any) -> None:
        self.steps.append((at, kind, args))

    def valid(self) -> bool:
        return self.ok and self.tender_on >= FIRST_TENDER and all(at <= NOW for at, _, _ in self.steps)


@dataclass
class ItemPlan:
    index: int
    purchaser: Organization
    title: str
    summary: str
    budget_fen: int
    intention_on: dt.date
    expected_month: dt.date
    projects: list[ProjectSpec]
    steps: list[Step]


@dataclass
class Plan:
    items: list[ItemPlan]
    steps: list[Step]

    def organizations(self, kind: str) -> list[Organization]:
        """Organizations whose staff act in the plan: purchasers, agencies, suppliers; by id."""
        found: dict[int, Organization] = {}
        for item in self.items:
            if kind == "purchaser":
                found[item.purchaser.pk] = item.purchaser
            for spec in item.projects:
                if kind == "agency" and spec.agency is not None:
                    found[spec.agency.pk] = spec.agency
        if kind == "supplier":
            for step in self.steps:
                supplier = step.args.get("supplier")
                if supplier is not None:
                    found[supplier.pk] = supplier
        return [found[k] for k in sorted(found)]

    def complaint_regions(self) -> list[int]:
        items = {s.item for s in self.steps if s.kind == Kind.COMPLAINT_ACCEPT}
        return sorted({self.items[i].purchaser.region_id for i in items})

    def stage_counts(self) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for item in self.items:
            if not item.projects:
                counts[INTENTION_ONLY] += 1
            for spec in item.projects:
                counts[spec.stage] += 1
        return dict(counts)


class Dice:
    """Named random numbers of one project, drawn in a fixed order from its seed: re-planning the
    project with another tender date gives the same durations."""

    NAMES = (
        "pub_hour",
        "pub_min",
        "dl_extra",
        "open_extra",
        "dl_time",
        "docs_extra",
        "corr_kind",
        "corr_day",
        "corr_min",
        "corr_text",
        "dch_wd",
        "dch_ans",
        "award_wd",
        "award_min",
        "result_wd",
        "result_min",
        "ch_wd",
        "ch_text",
        "ans_wd",
        "cp_wd",
        "acc_wd",
        "dec_wd",
        "sign_late",
        "sign_days",
        "pay_terms",
        "advance",
        "advance_pct",
        "adv_wd",
        "pub_late",
        "pub_wd",
        "delivery",
        "rework",
        "rework_days",
        "pay_late",
        "pay_days",
        "lead",
        "create_before",
    )

    def __init__(self, seed: int) -> None:
        r = random.Random(seed)
        self.u = {name: r.random() for name in self.NAMES}

    def int(self, name: str, lo: int, hi: int) -> int:
        return min(hi, lo + int(self.u[name] * (hi - lo + 1)))

    def chance(self, name: str, p: float) -> bool:
        return self.u[name] < p

    def pick(self, name: str, seq: Sequence[T]) -> T:
        return seq[min(len(seq) - 1, int(self.u[name] * len(seq)))]


def _weighted(rng: random.Random, weights: Mapping[T, float]) -> T:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys], k=1)[0]


def _rank(bids: list[tuple[dt.datetime, int, Organization, int]], spec: ProjectSpec) -> list[Organization]:
    """The order evaluate_lowest_price gives (SME-PRICE-DEDUCT, then the earlier bid)."""
    deduction = Decimal(0) if spec.sme_reserved else spec.deduction

    def key(bid: tuple[dt.datetime, int, Organization, int]) -> tuple[int, dt.datetime, int]:
        at, order, supplier, price = bid
        small = supplier.size in SMALL_OR_MICRO
        return rules.evaluated_price(price, small_or_micro=small, deduction_percent=deduction), at, order

    return [b[2] for b in sorted(bids, key=key)]


class Planner:
    def __init__(self, orgs: DemoOrgs, *, n_projects: int, seed: int) -> None:
        _WORKDAYS.clear()  # the bureau may have loaded a holiday calendar since the last plan
        self.orgs = orgs
        self.n = n_projects
        self.rng = random.Random(seed)
        self.items: list[ItemPlan] = []
        self.titles: dict[str, int] = defaultdict(int)
        self.with_result = 0
        self.open_tender_fen = int(policy_value("M-THRESHOLDS.open_tender_fen", on=TODAY))
        self.reserve_fen = int(policy_value("SME-RESERVE-ALL.max_fen", on=TODAY))
        self.pool = self._stage_pool()
        self.variant_pools = self._variant_pools()
        self._suppliers_by: dict[tuple[str, int | None, bool], list[Organization]] = defaultdict(list)
        for s in orgs.suppliers:
            if s.pk == orgs.demo_supplier.pk:
                continue  # the demo supplier bids only where the plan puts it
            ind = orgs.industry[s.pk]
            for region in (s.region_id, None):
                self._suppliers_by[ind, region, False].append(s)
                if s.size in SME:
                    self._suppliers_by[ind, region, True].append(s)
        self._unit_list = [
            (unit, template, region_index)
            for region_index, region in enumerate(orgs.regions)
            for unit, template in orgs.units.get(region.pk, [])
        ]

    # -- pools ---------------------------------------------------------------------------------------

    def _stage_pool(self) -> list[str]:
        """Stages of the n projects by STAGE_SHARES; with room for the demo logins' projects and, in every
        stage, for at least one other (and in "awarded" for the challenge and complaint variants)."""
        special: dict[str, int] = defaultdict(int)
        for stage in [
            *(st for st, _ in PURCHASER_STAGES),
            *(st for st, _ in AGENCY_STAGES),
            *(st for st, _ in SUPPLIER_STAGES),
        ]:
            special[stage] += 1
        special[ProjectStatus.AWARDED] += 4 * self._k()
        special[ProjectStatus.COMPLETED] += self._k() + self._answered()
        pool: list[str] = []
        for stage, share in STAGE_SHARES.items():
            pool += [stage] * max(special[stage] + 1, round(self.n * share / 100))
        pool += [ProjectStatus.COMPLETED] * max(special[ProjectStatus.COMPLETED] + 1, self.n - len(pool))
        self.rng.shuffle(pool)
        return pool

    def _k(self) -> int:
        """How many projects of each challenge / complaint variant."""
        return max(1, round(self.n / 500))

    def _answered(self) -> int:
        """How many completed projects had a challenge, answered, after the result."""
        return max(1, round(self.n * 0.02))

    def _variant_pools(self) -> dict[str, list[Variant]]:
        k = self._k()
        awarded = [
            Variant.CHALLENGE_OPEN,
            Variant.COMPLAINT_SUBMITTED,
            Variant.COMPLAINT_ACCEPTED,
            Variant.COMPLAINT_UPHELD,
        ] * k
        completed = [Variant.COMPLAINT_REJECTED] * k + [Variant.CHALLENGE_ANSWERED] * self._answered()
        self.rng.shuffle(awarded)
        self.rng.shuffle(completed)
        return {ProjectStatus.AWARDED: awarded, ProjectStatus.COMPLETED: completed}

    def _take(self, stage: str) -> str:
        if stage in self.pool:
            self.pool.remove(stage)
        return stage

    def _variant(self, stage: str) -> Variant:
        pool = self.variant_pools.get(stage)
        if pool:
            return pool.pop()
        if stage == ProjectStatus.CONTRACTED:
            return _weighted(self.rng, CONTRACTED_VARIANTS)
        if stage == ProjectStatus.TENDERING and self.rng.random() < 0.25:
            return Variant.CORRECTED
        if stage == ProjectStatus.OPENED and self.rng.random() < 0.5:
            return Variant.SCORING
        return Variant.PLAIN

    # -- the whole plan ------------------------------------------------------------------------------

    def plan(self) -> Plan:
        orgs = self.orgs
        if self.n <= 0:
            return Plan(items=[], steps=[])
        demo_units: list[tuple[Organization, Organization | None]] = [
            (orgs.demo_purchaser, orgs.demo_agency)
        ] * DEMO_AGENCY_SHARED
        demo_units += [(orgs.demo_purchaser, None)] * (len(PURCHASER_STAGES) - DEMO_AGENCY_SHARED)
        for (purchaser, agency), (own_stage, variant) in zip(demo_units, PURCHASER_STAGES, strict=True):
            self._add_item(self._take(own_stage), variant, purchaser=purchaser, agency=agency or _AUTO)
        for agency_stage, variant in AGENCY_STAGES:
            self._add_item(self._take(agency_stage), variant, agency=orgs.demo_agency)
        for demo_stage, demo_bid in SUPPLIER_STAGES:
            variant = Variant.DELIVERY if demo_stage == ProjectStatus.CONTRACTED else Variant.PLAIN
            self._add_item(self._take(demo_stage), variant, demo_bid=demo_bid)
        while self.pool:
            stage = self.pool.pop()
            self._add_item(stage, self._variant(stage), rerun=stage == ProjectStatus.FAILED)
        for _ in range(max(2, round(self.n * INTENTION_ONLY_SHARE / 100)) - 2):
            self._add_item(INTENTION_ONLY, Variant.PLAIN)
        for _ in range(2):
            self._add_item(INTENTION_ONLY, Variant.PLAIN, purchaser=orgs.demo_purchaser)
        steps = sorted(
            (s for item in self.items for s in item.steps), key=lambda s: (s.at, s.item, s.slot, KIND_ORDER[s.kind])
        )
        return Plan(items=self.items, steps=steps)

    # -- one item: an intention and its projects -----------------------------------------------------

    def _add_item(
        self,
        stage: str,
        variant: Variant,
        *,
        purchaser: Organization | None = None,
        agency: Any = None,
        demo_bid: DemoBid = DemoBid.NONE,
        rerun: bool = False,
    ) -> None:
        for _attempt in range(60):
            item = self._try_item(stage, variant, purchaser, agency, demo_bid, rerun)
            if item is not None:
                self.items.append(item)
                return
        raise RuntimeError(f"could not plan a {stage}/{variant} project")  # a bug in the windows above

    def _try_item(
        self,
        stage: str,
        variant: Variant,
        purchaser: Organization | None,
        agency: Any,
        demo_bid: DemoBid,
        rerun: bool,
    ) -> ItemPlan | None:
        rng = self.rng
        index = len(self.items)
        spec = self._spec(0, stage, variant, purchaser, agency, demo_bid)
        steps: list[tuple[dt.datetime, Kind, int, dict[str, Any]]] = []
        specs = [spec]
        if stage == INTENTION_ONLY:
            intention_on = prev_workday(TODAY - days(rng.randint(1, 28)))
            expected = (intention_on + days(rng.randint(40, 70))).replace(day=1)
            specs = []
        elif stage == ProjectStatus.DRAFT:
            created = prev_workday(TODAY - days(rng.randint(1, 15)))
            intention_on = prev_workday(created - days(rng.randint(3, 28)))
            expected = (intention_on + days(rng.randint(30, 50))).replace(day=1)
            steps.append((moment(created, 10, 0), Kind.PROJECT_CREATE, 0, {}))
        else:
            timeline = self._place(spec, min_tender=FIRST_TENDER)
            if timeline is None:
                return None
            d = Dice(spec.seed)
            intention_on = prev_workday(timeline.tender_on - days(30 + d.int("lead", 0, 25)))
            created = prev_workday(timeline.tender_on - days(d.int("create_before", 2, 12)))
            expected = timeline.tender_on.replace(day=1)
            if intention_on < FIRST_INTENTION:
                return None
            steps.append((moment(created, 10, 0), Kind.PROJECT_CREATE, 0, {}))
            steps += [(at, kind, 0, args) for at, kind, args in timeline.steps]
            failed_on = timeline.anchor if stage == ProjectStatus.FAILED else None
            if rerun and failed_on is not None and rng.random() < RERUN_SHARE and self.pool:
                again = self._rerun(spec, failed_on)
                if again is not None:
                    spec2, timeline2, created2 = again
                    specs.append(spec2)
                    steps.append((moment(created2, 10, 30), Kind.PROJECT_CREATE, 1, {}))
                    steps += [(at, kind, 1, args) for at, kind, args in timeline2.steps]
        self._name(spec, expected)
        for rerun_spec in specs[1:]:
            self._name(rerun_spec, expected)
            rerun_spec.title = f"{spec.title}（二次）"
        item_steps = [
            Step(moment(intention_on, 9, 10), Kind.INTENTION_CREATE, index, 0, {}),
            Step(moment(intention_on, 9, 40), Kind.INTENTION_PUBLISH, index, 0, {}),
        ]
        item_steps += [Step(at, kind, index, slot, args) for at, kind, slot, args in steps]
        return ItemPlan(
            index=index,
            purchaser=spec.purchaser,
            title=spec.title,
            summary=spec.summary,
            budget_fen=spec.budget_fen,
            intention_on=intention_on,
            expected_month=expected,
            projects=specs,
            steps=item_steps,
        )

    def _rerun(self, failed: ProjectSpec, failed_on: dt.date) -> tuple[ProjectSpec, Timeline, dt.date] | None:
        """The failed procurement again, as "（二次）", often as a consultation (method changed with approval)."""
        stage = self.pool[-1]
        if stage in {ProjectStatus.DRAFT, ProjectStatus.FAILED}:
            return None
        created = next_workday(failed_on + days(self.rng.randint(3, 10)))
        # the counted variants (challenges, complaints) stay for first attempts
        variant = Variant.PLAIN if stage in self.variant_pools else self._variant(stage)
        spec = self._spec(1, stage, variant, failed.purchaser, failed.agency, DemoBid.NONE, base=failed)
        if self.rng.random() < 0.5 and spec.method not in {Method.CONSULTATION, Method.SINGLE_SOURCE}:
            spec.method = Method.CONSULTATION
            spec.evaluation = EvaluationMethod.SCORING  # 214号 art. 23: consultation is scored
        timeline = self._place(spec, min_tender=created + days(self.rng.randint(2, 8)))
        if timeline is None:
            return None
        self.pool.pop()
        return spec, timeline, created

    # -- what is bought, by whom, how ----------------------------------------------------------------

    def _pick_unit(self, groups: frozenset[str] | None) -> Organization:
        rng = self.rng
        demo = self.orgs.demo_purchaser.pk
        for _ in range(200):
            region_index = rng.choices(range(len(pd.REGION_WEIGHTS)), weights=pd.REGION_WEIGHTS, k=1)[0]
            region = self.orgs.regions[region_index]
            units = [
                (u, t)
                for u, t in self.orgs.units.get(region.pk, [])
                if u.pk != demo and (groups is None or "office" in groups or pd.UNIT_GROUPS.get(t, set()) & groups)
            ]
            if units:
                weights = [pd.UNIT_WEIGHTS.get(t, 1) for _, t in units]
                return rng.choices(units, weights=weights, k=1)[0][0]
        raise RuntimeError("no budget unit fits")

    def _template_of(self, unit: Organization) -> str:
        for u, t in self.orgs.units.get(unit.region_id, []):
            if u.pk == unit.pk:
                return t
        return ""

    def _pick_item(self, unit: Organization | None, industry: str | None) -> tuple[pd.CatalogueItem, pd.TitleTemplate]:
        groups = pd.UNIT_GROUPS.get(self._template_of(unit), frozenset()) if unit is not None else None
        options: list[tuple[pd.CatalogueItem, pd.TitleTemplate]] = []
        weights: list[int] = []
        for item in pd.CATALOGUE:
            if industry is not None and industry not in item.industries:
                continue
            for template in item.templates:
                if groups is None or "office" in template.groups or template.groups & groups:
                    options.append((item, template))
                    weights.append(1 if "office" in template.groups else 4)
        return self.rng.choices(options, weights=weights, k=1)[0]

    def _pick_method(self, item: pd.CatalogueItem, budget_fen: int, stage: str, variant: Variant) -> Method:
        rng = self.rng
        if variant == Variant.SCORING:
            return Method.CONSULTATION
        if item.category != Category.WORKS and budget_fen >= self.open_tender_fen:
            return Method.FRAMEWORK if item.code in pd.FRAMEWORK_CODES and rng.random() < 0.15 else Method.OPEN_TENDER
        allowed = set(pd.METHODS_BY_CATEGORY[item.category])
        if item.code not in pd.SINGLE_SOURCE_CODES or stage == ProjectStatus.FAILED or variant in CHALLENGE_VARIANTS:
            allowed.discard(Method.SINGLE_SOURCE)
        if item.code not in pd.FRAMEWORK_CODES:
            allowed.discard(Method.FRAMEWORK)
        weights = {m: w for m, w in pd.METHOD_WEIGHTS.items() if m in allowed}
        if Method.SINGLE_SOURCE in weights:
            weights[Method.SINGLE_SOURCE] *= 4  # where it is possible at all, it is common
        return _weighted(rng, weights)

    def _pick_agency(self, purchaser: Organization) -> Organization | None:
        rng = self.rng
        roll = rng.random()
        demo = self.orgs.demo_agency.pk
        if roll < 0.72:
            local = [a for a in self.orgs.agencies.get(purchaser.region_id, []) if a.pk != demo]
            if not local or rng.random() < 0.3:
                city = self.orgs.regions[0]
                local = [a for a in self.orgs.agencies.get(city.pk, []) if a.pk != demo]
            return rng.choice(local) if local else None
        if roll < 0.86:
            return self.orgs.centres.get(purchaser.region_id)
        return None

    def _pick_bidders(
        self, item: pd.CatalogueItem, region_id: int, count: int, *, sme_only: bool
    ) -> list[Organization]:
        rng = self.rng
        chosen: dict[int, Organization] = {}
        for _ in range(count * 20):
            if len(chosen) >= count:
                break
            industry = rng.choice(item.industries)
            local = rng.random() < 0.6
            candidates = self._suppliers_by.get((industry, region_id if local else None, sme_only)) or []
            if not candidates:
                candidates = self._suppliers_by.get((industry, None, sme_only)) or []
            if candidates:
                supplier = rng.choice(candidates)
                chosen.setdefault(supplier.pk, supplier)
        return list(chosen.values())

    def _spec(
        self,
        slot: int,
        stage: str,
        variant: Variant,
        purchaser: Organization | None,
        agency: Any,
        demo_bid: DemoBid,
        *,
        base: ProjectSpec | None = None,
    ) -> ProjectSpec:
        rng = self.rng
        demo_supplier = self.orgs.demo_supplier
        if base is not None:
            item, template, unit = base.item, base.template, base.purchaser
            budget = base.budget_fen
        else:
            industry = self.orgs.industry[demo_supplier.pk] if demo_bid != DemoBid.NONE else None
            if purchaser is None and industry is not None:
                item, template = self._pick_item(None, industry)
                unit = self._pick_unit(template.groups)
            else:
                unit = purchaser or self._pick_unit(None)
                item, template = self._pick_item(unit, industry)
            lo, hi = item.budget_yuan
            yuan = lo * (hi / lo) ** rng.random()
            step = 1_000 if yuan < 1_000_000 else 10_000
            budget = max(50_000, int(yuan // step) * step) * 100
        method = self._pick_method(item, budget, stage, variant)
        if demo_bid == DemoBid.INVITED:
            method = Method.OPEN_TENDER
        if method == Method.FRAMEWORK and (purchaser is not None or base is not None or agency is not None):
            method = Method.OPEN_TENDER
        if method == Method.FRAMEWORK:
            region_units = self.orgs.units.get(unit.region_id, [])
            unit = next((u for u, t in region_units if t == "{r}机关事务服务中心"), unit)
            agency = self.orgs.centres.get(unit.region_id)
        if agency is _AUTO or agency is None:
            agency = self._pick_agency(unit)
        reserve_cap = WORKS_RESERVE_FEN if item.category == Category.WORKS else self.reserve_fen
        sme_reserved = budget <= reserve_cap and method not in {Method.SINGLE_SOURCE, Method.FRAMEWORK}
        sme_reserved = sme_reserved and rng.random() < 0.9
        if variant == Variant.OVERDUE:
            sme_reserved = True  # every bidder, so the winner, is an SME
        deduction = Decimal(0) if sme_reserved else Decimal(rng.choice([10, 10, 10, 15, 20]))
        if method == Method.SINGLE_SOURCE:
            deduction = Decimal(0)
        security = 0
        if rng.random() < 0.55:
            percent = rng.choice([5, 10, 10, 15, 20])  # tenths of a percent
            security = min(rules.bid_security_cap(budget), budget * percent // 1000 // 10_000 * 10_000)
        max_price = budget * rng.randrange(950, 1001, 5) // 1000 // 10_000 * 10_000
        if max_price * 100 < budget * 95:
            max_price += 10_000
        # competitive consultation is always scored (214号 art. 23); the other methods use the lowest price
        evaluation = EvaluationMethod.SCORING if method == Method.CONSULTATION else EvaluationMethod.LOWEST_PRICE
        spec = ProjectSpec(
            slot=slot,
            stage=stage,
            variant=variant,
            template=template,
            item=item,
            purchaser=unit,
            agency=agency,
            method=method,
            budget_fen=budget,
            max_price_fen=max(10_000, max_price),
            bid_security_fen=security,
            sme_reserved=sme_reserved,
            deduction=deduction,
            evaluation=evaluation,
            bids=[],
            demo_bid=demo_bid,
            seed=rng.getrandbits(63),
        )
        if stage in {ProjectStatus.AWARDED, ProjectStatus.CONTRACTED, ProjectStatus.COMPLETED}:
            self.with_result += 1
            spec.late_result = self.with_result % LATE_RESULT_EVERY == 3
        self._draw_bids(spec)
        return spec

    def _draw_bids(self, spec: ProjectSpec) -> None:
        rng = self.rng
        lo, hi = pd.BIDDERS[spec.method]
        if spec.stage == ProjectStatus.FAILED:
            count = rng.choice([0, 1, 1, 2, 2, 2])
        elif spec.stage in {INTENTION_ONLY, ProjectStatus.DRAFT}:
            count = 0
        else:
            count = lo + int((hi - lo + 1) * rng.random() ** 1.6)
        demo = self.orgs.demo_supplier
        with_demo = spec.demo_bid in {DemoBid.WIN, DemoBid.LOSE, DemoBid.SEALED}
        if with_demo:
            count = max(2 if spec.stage == ProjectStatus.FAILED else 3, count) - 1
            if spec.stage == ProjectStatus.FAILED:
                count = 1
        suppliers = self._pick_bidders(spec.item, spec.purchaser.region_id, count, sme_only=spec.sme_reserved)
        if spec.stage not in {ProjectStatus.FAILED, INTENTION_ONLY, ProjectStatus.DRAFT}:
            suppliers = suppliers[: max(count, 0)]
        if with_demo:
            suppliers.insert(0, demo)
        prices: set[int] = set()
        for supplier in suppliers:
            price = spec.max_price_fen * rng.randint(780, 995) // 1000 // 1_000 * 1_000
            while price in prices or price <= 0:
                price += 1_000 if price + 1_000 <= spec.max_price_fen else -1_000
            prices.add(price)
            first = None
            if rng.random() < 0.08:
                first = min(spec.max_price_fen, price + spec.max_price_fen * rng.randint(10, 40) // 1000)
            spec.bids.append(
                BidDraw(
                    supplier=supplier,
                    price_fen=price,
                    first_price_fen=first,
                    withdraw=False,
                    frac=0.0 if supplier.pk == demo.pk else rng.random(),
                    frac2=rng.random(),
                    minute=rng.random(),
                    technical=rng.choice(pd.TECHNICAL_RESPONSES),
                )
            )
        if spec.stage not in {INTENTION_ONLY, ProjectStatus.DRAFT} and rng.random() < 0.04:
            extra = self._pick_bidders(spec.item, spec.purchaser.region_id, 1, sme_only=spec.sme_reserved)
            if extra and all(b.supplier.pk != extra[0].pk for b in spec.bids):
                price = spec.max_price_fen * rng.randint(800, 990) // 1000 // 1_000 * 1_000
                spec.bids.append(
                    BidDraw(extra[0], price, None, True, rng.random() * 0.6, rng.random(), rng.random(), "响应")
                )
        self._fix_demo_price(spec)

    def _fix_demo_price(self, spec: ProjectSpec) -> None:
        """Make the demo supplier win or lose as planned (by price, as the evaluation decides)."""
        if spec.demo_bid not in {DemoBid.WIN, DemoBid.LOSE} or len(spec.bids) < 2:
            return
        demo_bid, others = spec.bids[0], [b for b in spec.bids[1:] if not b.withdraw]
        deduction = Decimal(0) if spec.sme_reserved else spec.deduction

        def evaluated(bid: BidDraw) -> int:
            small = bid.supplier.size in SMALL_OR_MICRO
            return rules.evaluated_price(bid.price_fen, small_or_micro=small, deduction_percent=deduction)

        demo_bid.first_price_fen = None
        if spec.demo_bid == DemoBid.WIN:
            while evaluated(demo_bid) >= min(evaluated(b) for b in others) and demo_bid.price_fen > 2_000:
                demo_bid.price_fen -= max(1_000, demo_bid.price_fen // 100 // 1_000 * 1_000)
        else:
            demo_bid.price_fen = spec.max_price_fen
            if evaluated(demo_bid) <= min(evaluated(b) for b in others):
                others[0].price_fen = spec.max_price_fen * 78 // 100 // 1_000 * 1_000
                others[0].first_price_fen = None

    def _name(self, spec: ProjectSpec, expected: dt.date) -> None:
        region = next(r for r in self.orgs.regions if r.pk == spec.purchaser.region_id)
        if spec.method == Method.FRAMEWORK:
            title = f"{region.name}{expected.year}年度{spec.item.name}框架协议采购项目"
        else:
            title = spec.template.title.format(u=spec.purchaser.name, r=region.name, y=expected.year)
        if spec.slot == 1:
            title += "（二次）"
        else:
            self.titles[title] += 1
            n = self.titles[title]
            if n > 1:
                title += f"（{'一二三四五六七八九十'[min(n, 10) - 1]}期）" if n <= 10 else f"（{n}期）"
        quantity = max(1, round(spec.budget_fen / 100 / spec.item.unit_price_yuan))
        spec.title = title
        spec.summary = spec.template.summary.format(q=quantity)
        sme = pd.SME_TEXT_RESERVED if spec.sme_reserved else pd.SME_TEXT_OPEN
        spec.notice_text = pd.NOTICE_TEXT.format(summary=spec.summary, period=pd.PERIODS[spec.item.category], sme=sme)

    # -- when: placing a project on the calendar -----------------------------------------------------

    def _place(self, spec: ProjectSpec, *, min_tender: dt.date) -> Timeline | None:  # noqa: PLR0911
        """Choose the tender date so that the project's last act falls in its stage's window."""
        rng = self.rng
        try:
            if spec.stage == ProjectStatus.TENDERING:
                lo = max(min_tender, TODAY - days(20))
                if lo > TODAY - days(1):
                    return None
                tender_on = prev_workday(lo + days(rng.randint(0, (TODAY - days(1) - lo).days)))
                if tender_on < lo:
                    tender_on = next_workday(lo)
                timeline = self._timeline(spec, tender_on)
                return timeline if timeline.valid() else None
            if spec.stage == ProjectStatus.COMPLETED:
                window_lo, window_hi, guess = COMPLETED_WINDOW[0], COMPLETED_WINDOW[1], 200
            else:
                before_lo, before_hi, guess = ANCHORS[spec.stage, spec.variant]
                window_lo, window_hi = TODAY - days(before_lo), TODAY - days(before_hi)
                if spec.variant == Variant.COMPLAINT_ACCEPTED:
                    window_hi = min(window_hi, LAST_COMPLAINT_ACCEPTED)
            target = window_lo + days(rng.randint(0, (window_hi - window_lo).days))
            tender_on = target - days(guess)
            for _ in range(8):
                tender_on = next_workday(max(tender_on, min_tender))
                timeline = self._timeline(spec, tender_on)
                if not timeline.ok:
                    return None
                if window_lo <= timeline.anchor <= window_hi:
                    return timeline if timeline.valid() else None
                if tender_on <= next_workday(min_tender) and timeline.anchor > window_hi:
                    return timeline if timeline.valid() and timeline.anchor <= TODAY else None
                shift = (target - timeline.anchor).days or (1 if timeline.anchor < window_lo else -1)
                tender_on += days(shift)
        except ServiceError:
            return None  # a working day beyond the years the calendar knows: plan it differently
        return None

    def _bid_time(
        self, start: dt.datetime, end: dt.datetime, frac: float, minute: float, index: int
    ) -> dt.datetime | None:
        first, last = start.astimezone(start.tzinfo).date(), end.astimezone(end.tzinfo).date()
        day = min(last, first + days(int(frac * ((last - first).days + 1))))
        at = moment(day, 8, 30) + dt.timedelta(minutes=int(minute * 540), seconds=index + 1)
        if at <= start:
            at = start + dt.timedelta(minutes=15 + int(minute * 120), seconds=index + 1)
        if at >= end:
            at = end - dt.timedelta(minutes=5 + int(minute * 60), seconds=index + 1)
        return at if start < at < end else None

    def _security_form(self, spec: ProjectSpec, supplier: Organization, sec: random.Random) -> str | None:
        """How a bidder gives the bid security the tender asks for: most ask for the credit exemption
        (S-CREDIT-EXEMPT; a refusal falls back to a transfer when the seed runs), the others transfer the
        amount. The demo supplier's bids in tenders still open are left for the demo login to secure."""
        ask = sec.random() < EXEMPTION_ASKED
        if spec.bid_security_fen <= 0:
            return None
        if spec.stage == ProjectStatus.TENDERING and supplier.pk == self.orgs.demo_supplier.pk:
            return None
        return "exempt" if ask else "transfer"

    def _timeline(self, spec: ProjectSpec, tender_on: dt.date) -> Timeline:  # noqa: PLR0911 - each stage stops here
        d = Dice(spec.seed)
        tl = Timeline(tender_on=tender_on)
        stage, variant = spec.stage, spec.variant
        rule = rules.METHOD_RULES[spec.method]
        t_pub = moment(tender_on, 9 + d.int("pub_hour", 0, 1), 5 * d.int("pub_min", 0, 11))
        dl_day = rules.earliest_deadline(spec.method, tender_on) + days(d.int("dl_extra", 0, 5))
        if stage == ProjectStatus.TENDERING:
            dl_day = max(dl_day, OPEN_DEADLINES[0] + days(d.int("open_extra", 0, 14)))
        dl_day = next_workday(dl_day)
        hour, minute = d.pick("dl_time", ((9, 0), (9, 30), (14, 30)))
        deadline = moment(dl_day, hour, minute)
        docs_until = add_working_days(tender_on, 5 + d.int("docs_extra", 0, 2))
        if not rule.docs_available_rule:
            docs_until = dl_day
        tl.add(t_pub, Kind.TENDER_PUBLISH, docs_from=tender_on, docs_until=docs_until, deadline=deadline)
        final = deadline
        last_day = min(dl_day - days(1), TODAY) if stage == ProjectStatus.TENDERING else dl_day - days(1)
        roll = d.u["corr_kind"]
        kind = "none" if roll < 0.85 else "moved" if roll < 0.94 else "minor" if roll < 0.985 else "challenge"
        if variant == Variant.CORRECTED:
            kind = "moved"
        if kind == "challenge" and not spec.bids:
            kind = "moved"
        c_on: dt.date | None = None
        if kind == "challenge":
            ch_on = add_working_days(tender_on, d.int("dch_wd", 2, 5))
            c_on = add_working_days(ch_on, d.int("dch_ans", 1, 3))
            if c_on <= last_day:
                challenger = spec.bids[0].supplier
                tl.add(
                    moment(ch_on, 10, 15),
                    Kind.CHALLENGE,
                    key=0,
                    supplier=challenger,
                    known_on=tender_on,
                    text=pd.CHALLENGE_DOCS,
                )
                tl.add(moment(c_on, 11, 0), Kind.CHALLENGE_ANSWER, key=0, answer=pd.ANSWER_DOCS)
            else:
                c_on = None
        elif kind == "moved":
            lo = max(tender_on + days(1), dl_day - days(14))
            options = [
                lo + days(i)
                for i in range((last_day - lo).days + 1)
                if is_workday(lo + days(i)) and is_workday(lo + days(i + 15))
            ]
            c_on = d.pick("corr_day", options) if options else None
        elif kind == "minor":
            lo = tender_on + days(1)
            options = [lo + days(i) for i in range((last_day - lo).days + 1) if is_workday(lo + days(i))]
            c_on = d.pick("corr_day", options) if options else None
        if c_on is not None:
            affects = kind != "minor"
            new_day = rules.correction_deadline(corrected_on=c_on, deadline=dl_day, affects_preparation=affects)
            final = moment(new_day, hour, minute)
            text = d.pick("corr_text", pd.CORRECTIONS_AFFECTING if affects else pd.CORRECTIONS_MINOR)
            tl.add(moment(c_on, 14, 5 * d.int("corr_min", 0, 11)), Kind.TENDER_CORRECT, text=text, affects=affects)
        elif variant == Variant.CORRECTED:
            tl.ok = False
        tl.deadline = final
        live: list[tuple[dt.datetime, int, Organization, int]] = []
        sec = random.Random(spec.seed + 7)  # the bid securities' own draws: the rest of the plan is unchanged
        secured: list[Organization] = []
        for i, bid in enumerate(spec.bids):
            first_at = self._bid_time(t_pub, final, bid.frac, bid.minute, i)
            security = self._security_form(spec, bid.supplier, sec)
            if first_at is None or first_at > NOW:
                continue
            price = bid.first_price_fen or bid.price_fen
            tl.add(
                first_at,
                Kind.BID_SUBMIT,
                supplier=bid.supplier,
                price_fen=price,
                technical=bid.technical,
                security=security,
            )
            if security is not None:
                secured.append(bid.supplier)
            last_at = first_at
            if bid.first_price_fen is not None:
                again = self._bid_time(first_at, final, bid.frac2, bid.minute, i)
                if again is not None and again <= NOW:
                    tl.add(
                        again, Kind.BID_SUBMIT, supplier=bid.supplier, price_fen=bid.price_fen, technical=bid.technical
                    )
                    last_at, price = again, bid.price_fen
            if bid.withdraw:
                gone = self._bid_time(last_at, final, bid.frac2, 1 - bid.minute, i)
                if gone is not None and gone <= NOW:
                    tl.add(gone, Kind.BID_WITHDRAW, supplier=bid.supplier)
                    continue
            live.append((last_at, i, bid.supplier, price))
        if stage == ProjectStatus.TENDERING:
            tl.anchor = tender_on
            tl.ok = tl.ok and NOW < final <= moment(OPEN_DEADLINES[1], 18)
            return tl
        tl.add(final, Kind.TENDER_OPEN)
        open_day = final.date()
        tl.anchor = open_day
        failed = len(live) < rule.min_bidders
        if failed or stage == ProjectStatus.FAILED:
            tl.ok = failed and stage == ProjectStatus.FAILED
            _refunds(tl, sec, secured, open_day)  # after the termination notice published at the opening
            return tl
        scored = spec.evaluation == EvaluationMethod.SCORING
        if scored:
            tl.add(final + dt.timedelta(minutes=5), Kind.COMMITTEE_DRAW)
        if stage == ProjectStatus.OPENED:
            if scored and final + dt.timedelta(minutes=40) <= NOW:  # the experts are at work; not the demo one
                tl.add(final + dt.timedelta(minutes=40), Kind.SCORE, leave_open=2)
            return tl
        if scored:
            tl.add(final + dt.timedelta(minutes=60), Kind.SCORE, leave_open=0)
        tl.add(final + dt.timedelta(minutes=90), Kind.EVALUATE)
        if stage == ProjectStatus.EVALUATED:
            return tl
        ranking = _rank(live, spec)
        winner = ranking[0]
        award_on = add_working_days(open_day, d.int("award_wd", 1, 4))
        tl.add(moment(award_on, 10, 5 * d.int("award_min", 0, 11)), Kind.AWARD)
        tl.anchor = award_on
        late = spec.late_result
        result_on = add_working_days(award_on, d.int("result_wd", 3, 6) if late else d.int("result_wd", 0, 2))
        result_at = moment(result_on, 15, 5 * d.int("result_min", 0, 11))
        losers = [s for s in secured if s.pk != winner.pk]
        if stage == ProjectStatus.AWARDED and variant == Variant.PLAIN:
            if result_at <= NOW:
                tl.add(result_at, Kind.RESULT)
                _refunds(tl, sec, losers, result_on)
            return tl
        tl.add(result_at, Kind.RESULT)
        _refunds(tl, sec, losers, result_on)
        tl.anchor = result_on
        sign_base = result_on
        if variant in CHALLENGE_VARIANTS:
            loser = ranking[1]
            ch_on = add_working_days(result_on, d.int("ch_wd", 1, 6))
            text = d.pick("ch_text", pd.CHALLENGE_RESULT)
            tl.add(moment(ch_on, 10, 20), Kind.CHALLENGE, key=1, supplier=loser, known_on=result_on, text=text)
            tl.anchor = ch_on
            if variant == Variant.CHALLENGE_OPEN:
                return tl
            ans_on = add_working_days(ch_on, d.int("ans_wd", 2, 7))
            tl.add(moment(ans_on, 15, 30), Kind.CHALLENGE_ANSWER, key=1, answer=pd.ANSWER_RESULT)
            tl.anchor = ans_on
            if variant != Variant.CHALLENGE_ANSWERED:
                cp_on = add_working_days(ans_on, d.int("cp_wd", 1, 8))
                tl.add(moment(cp_on, 10, 0), Kind.COMPLAINT, key=1, text=pd.COMPLAINT_TEXT.format(challenge=text))
                tl.anchor = cp_on
                if variant == Variant.COMPLAINT_SUBMITTED:
                    return tl
                acc_on = add_working_days(cp_on, d.int("acc_wd", 1, 4))
                rules.complaint_decision_due(acc_on)  # raises for a year the calendar does not know
                tl.add(moment(acc_on, 10, 0), Kind.COMPLAINT_ACCEPT, key=1, suspend=True)
                tl.anchor = acc_on
                if variant == Variant.COMPLAINT_ACCEPTED:
                    return tl
                dec_on = add_working_days(acc_on, d.int("dec_wd", 8, 25))
                upheld = variant == Variant.COMPLAINT_UPHELD
                decision = pd.DECISION_UPHELD if upheld else pd.DECISION_REJECTED
                tl.add(moment(dec_on, 15, 0), Kind.COMPLAINT_DECIDE, key=1, upheld=upheld, decision=decision)
                tl.anchor = dec_on
                if upheld:
                    return tl
                sign_base = dec_on
        if stage == ProjectStatus.AWARDED:
            tl.ok = False
            return tl
        amount = next(price for _, _, s, price in live if s.pk == winner.pk)
        late = d.chance("sign_late", 0.05)
        signed_on = next_workday(sign_base + days(d.int("sign_days", 31, 40) if late else d.int("sign_days", 3, 25)))
        sme = winner.size in SME
        payment_days = d.pick("pay_terms", [30, 30, 30, 30, 30, 30, 45, 60] if sme else [30, 60, 90])
        advance = amount * d.pick("advance_pct", [20, 30, 40]) // 100 if d.chance("advance", 0.3) else 0
        tl.add(
            moment(signed_on, 10, 30),
            Kind.CONTRACT_SIGN,
            signed_on=signed_on,
            payment_days=payment_days,
            advance_fen=advance,
        )
        _refunds(tl, sec, [s for s in secured if s.pk == winner.pk], signed_on)
        tl.anchor = signed_on
        if variant == Variant.SIGNED:
            return tl
        late = d.chance("pub_late", 0.06)
        pub_on = add_working_days(signed_on, d.int("pub_wd", 3, 5) if late else d.int("pub_wd", 0, 2))
        tl.add(moment(pub_on, 16, 0), Kind.CONTRACT_PUBLISH)
        tl.anchor = pub_on
        if advance:
            adv_on = add_working_days(signed_on, d.int("adv_wd", 2, 6))
            tl.add(moment(adv_on, 11, 0), Kind.PAYMENT, amount_fen=advance, paid_on=adv_on, is_advance=True)
            tl.anchor = max(pub_on, adv_on)
        if variant == Variant.DELIVERY:
            return tl
        shortest, longest = DELIVERY_DAYS[spec.item.category]
        delivered = signed_on + days(d.int("delivery", shortest, longest))
        accepted_on = next_workday(max(tl.anchor + days(3), delivered))
        if variant == Variant.REWORK or d.chance("rework", 0.02):
            tl.add(
                moment(accepted_on, 10, 0),
                Kind.ACCEPTANCE,
                passed=False,
                accepted_on=accepted_on,
                note=pd.ACCEPTANCE_FAILED,
            )
            tl.anchor = accepted_on
            if variant == Variant.REWORK:
                return tl
            accepted_on = next_workday(accepted_on + days(d.int("rework_days", 10, 25)))
        tl.add(
            moment(accepted_on, 10, 0),
            Kind.ACCEPTANCE,
            passed=True,
            accepted_on=accepted_on,
            note=pd.ACCEPTANCE_PASSED,
        )
        tl.anchor = accepted_on
        if variant in {Variant.ACCEPTED, Variant.OVERDUE}:
            due = rules.sme_payment_due(accepted_on, payment_days) if sme else accepted_on + days(payment_days)
            tl.ok = (due < TODAY) == (variant == Variant.OVERDUE) and (sme or variant != Variant.OVERDUE)
            return tl
        if stage != ProjectStatus.COMPLETED:
            tl.ok = False
            return tl
        due = rules.sme_payment_due(accepted_on, payment_days) if sme else accepted_on + days(payment_days)
        if d.chance("pay_late", 0.1):
            paid_on = next_workday(due + days(d.int("pay_days", 3, 40)))
        else:
            paid_on = prev_workday(min(due, accepted_on + days(d.int("pay_days", 5, max(5, payment_days - 3)))))
        paid_on = max(paid_on, accepted_on)
        tl.add(moment(paid_on, 14, 0), Kind.PAYMENT, amount_fen=amount - advance, paid_on=paid_on, is_advance=False)
        tl.anchor = paid_on
        return tl


class _Auto:
    """Sentinel: choose the agency as for any project."""


_AUTO: Any = _Auto()

KIND_ORDER = {kind: i for i, kind in enumerate(Kind)}


def _refunds(tl: Timeline, sec: random.Random, suppliers: list[Organization], trigger_on: dt.date) -> None:
    """Each secured bidder's refund after its trigger (S-BID-REFUND-5WD: within 5 working days); about one in
    twelve late. The seed refunds only what was held (an exempt bidder paid nothing)."""
    for supplier in suppliers:
        late = sec.random() < REFUND_LATE_SHARE
        on = add_working_days(trigger_on, sec.randint(6, 12) if late else sec.randint(1, 4))
        if moment(on, 16, 30) <= NOW:
            tl.add(moment(on, 16, 30), Kind.SECURITY_REFUND, supplier=supplier)
