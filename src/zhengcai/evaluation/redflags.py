"""Integrity red flags on procurements, in the style of the Open Contracting "Red flags for integrity" guide.

One registry (``FLAGS``): each flag has a code, a zh/en name and explanation, its configurable thresholds with
their allowed ranges (``ParamSpec``), the rule or source it relates to, and a detector. A detector runs a
set-based query over the procurement tables (read only, through the ORM: this module never writes another app's
models) and returns the ``Finding`` rows that meet the condition, each with its evidence in concrete numbers.

``red_flags_scan`` upserts the findings into ``RedFlag`` (one per code and project): new findings are raised and
audited, open findings whose condition no longer holds are withdrawn, reviewed findings are kept as reviewed.
``run_scan_job`` is the background job handler (``jobs.HANDLERS``), reporting progress per flag kind.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, F, Min, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhengcai.core import calendar, clock
from zhengcai.core.audit import audit_record
from zhengcai.organizations.models import EnterpriseSize
from zhengcai.procurement.models import (
    Award,
    BidOpening,
    BidStatus,
    Contract,
    ContractAmendment,
    EvaluationMethod,
    Payment,
    Tender,
)
from zhengcai.procurement.rules import METHOD_RULES, DayUnit, Method

from .models import ComputeJob, RedFlag, RedFlagSetting, RedFlagStatus

SME_SIZES = (EnterpriseSize.MEDIUM, EnterpriseSize.SMALL, EnterpriseSize.MICRO)
# Competitive methods: a single bid means no competition took place (single source is single by design).
COMPETITIVE_METHODS = (
    Method.OPEN_TENDER,
    Method.INVITED_TENDER,
    Method.CONSULTATION,
    Method.NEGOTIATION,
    Method.INQUIRY,
)


def local_date(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


@dataclass(frozen=True)
class ParamSpec:
    """One threshold: its name in ``params``, label, kind ("int", "percent" or "bool") and allowed range."""

    name: str
    label: Any
    kind: str
    default: Any
    minimum: Any = None
    maximum: Any = None
    help: Any = ""


@dataclass
class Finding:
    """What a detector found on one project."""

    project_id: int
    purchaser_id: int
    agency_id: int | None
    region_id: int
    occurred_on: dt.date
    evidence: dict[str, Any]
    supplier_id: int | None = None


Detector = Callable[[dict[str, Any], "list[int] | None", dt.datetime], list[Finding]]


@dataclass(frozen=True)
class FlagDefinition:
    code: str
    name: Any
    explanation: Any  # a template formatted with the evidence
    rule: Any  # the DOMAIN.md rule id or the OCP red-flag it relates to (translated)
    params: tuple[ParamSpec, ...]
    detector: Detector
    evidence_labels: dict[str, Any] = field(default_factory=dict)

    def defaults(self) -> dict[str, Any]:
        return {p.name: p.default for p in self.params}


def _fen(value: int | None) -> str | None:
    """Fen as a yuan string with two decimals (evidence is for people and for JSON)."""
    if value is None:
        return None
    return f"{Decimal(value) / 100:,.2f}"


def _projects_filter(qs: QuerySet[Any], project_ids: list[int] | None, path: str) -> QuerySet[Any]:
    return qs if project_ids is None else qs.filter(**{f"{path}__in": project_ids})


def _finding(project: Any, occurred_on: dt.date, evidence: dict[str, Any], supplier_id: int | None) -> Finding:
    return Finding(
        project_id=project.pk,
        purchaser_id=project.purchaser_id,
        agency_id=project.agency_id,
        region_id=project.region_id,
        occurred_on=occurred_on,
        evidence=evidence,
        supplier_id=supplier_id,
    )


# --- detectors ------------------------------------------------------------------------------------------


def detect_short_submission_period(
    params: dict[str, Any], project_ids: list[int] | None, at: dt.datetime
) -> list[Finding]:
    """Days from the tender notice to the bid deadline below the method's statutory minimum (M-OPEN-20D,
    M-CONS-10D, M-NEGO-3WD, M-SINGLE-5WD) plus ``extra_days``, or below ``min_days`` where that is larger.

    The database narrows the tenders to those whose deadline falls within a generous bound of the publication
    (calendar methods: the exact day count plus one; working-day methods: twice the count plus two weeks of
    holidays); the exact statutory date, which needs the working-day calendar, is then checked on those few.
    """
    min_days, extra = int(params["min_days"]), int(params["extra_days"])
    candidates = Q()
    for method, rules in METHOD_RULES.items():
        n = rules.response_period.n
        bound = n + extra + 1 if rules.response_period.unit is DayUnit.CALENDAR else 2 * n + extra + 15
        bound = max(bound, min_days + 1)
        candidates |= Q(project__method=method, deadline__lt=F("published_at") + dt.timedelta(days=bound))
    tenders = _projects_filter(Tender.objects.filter(candidates), project_ids, "project_id").select_related("project")
    found = []
    for tender in tenders.order_by("pk"):
        project = tender.project
        rules = METHOD_RULES[Method(project.method)]
        published_on, deadline_on = local_date(tender.published_at), local_date(tender.deadline)
        statutory = rules.response_period.after(published_on)
        required = max(calendar.add_days(statutory, extra), calendar.add_days(published_on, min_days))
        if deadline_on >= required:
            continue
        unit = "working" if rules.response_period.unit is DayUnit.WORKING else "calendar"
        evidence = {
            "published_on": published_on.isoformat(),
            "deadline_on": deadline_on.isoformat(),
            "days": (deadline_on - published_on).days,
            "required_days": (required - published_on).days,
            "earliest_deadline": required.isoformat(),
            "statutory_minimum": f"{rules.response_period.n} {unit}",
            "statutory_rule": rules.period_rule,
            "method": project.method,
            "deadline_first_announced": local_date(tender.original_deadline).isoformat(),
        }
        found.append(_finding(project, published_on, evidence, None))
    return found


def _opened_lines(project_ids: list[int] | None) -> QuerySet[BidOpening]:
    lines = BidOpening.objects.exclude(bid__status=BidStatus.WITHDRAWN)
    return _projects_filter(lines, project_ids, "tender__project_id")


def detect_single_bid(params: dict[str, Any], project_ids: list[int] | None, at: dt.datetime) -> list[Finding]:
    """A competitive method (not single source) opened with at most ``max_bids`` bids (default: exactly one)."""
    max_bids = int(params["max_bids"])
    counts = (
        _opened_lines(project_ids)
        .filter(tender__project__method__in=COMPETITIVE_METHODS)
        .values("tender_id")
        .annotate(n=Count("pk"), opened=Min("opened_at"))
        .filter(n__gte=1, n__lte=max_bids)
    )
    by_tender = {row["tender_id"]: row for row in counts}
    lines = (
        BidOpening.objects.filter(tender_id__in=list(by_tender))
        .exclude(bid__status=BidStatus.WITHDRAWN)
        .select_related("tender__project", "bid__supplier")
        .order_by("tender_id", "pk")
    )
    grouped: dict[int, list[BidOpening]] = defaultdict(list)
    for line in lines:
        grouped[line.tender_id].append(line)
    found = []
    for tender_id, rows in grouped.items():
        project = rows[0].tender.project
        evidence = {
            "method": project.method,
            "bids": len(rows),
            "opened_on": local_date(by_tender[tender_id]["opened"]).isoformat(),
            "max_price": _fen(project.max_price_fen),
            "rows": [{"supplier": r.bid.supplier.name, "price": _fen(r.price_fen), "valid": r.valid} for r in rows],
        }
        supplier = rows[0].bid.supplier_id if len(rows) == 1 else None
        found.append(_finding(project, local_date(by_tender[tender_id]["opened"]), evidence, supplier))
    return found


def detect_identical_bid_prices(
    params: dict[str, Any], project_ids: list[int] | None, at: dt.datetime
) -> list[Finding]:
    """``min_same`` or more bids opened at exactly the same price (a sign of collusion or cover bidding)."""
    min_same = int(params["min_same"])
    groups = (
        _opened_lines(project_ids)
        .values("tender_id", "price_fen")
        .annotate(n=Count("pk"))
        .filter(n__gte=min_same)
        .order_by("tender_id", "price_fen")
    )
    wanted: dict[int, set[int]] = defaultdict(set)
    for row in groups:
        wanted[row["tender_id"]].add(row["price_fen"])
    lines = (
        BidOpening.objects.filter(tender_id__in=list(wanted))
        .exclude(bid__status=BidStatus.WITHDRAWN)
        .select_related("tender__project", "bid__supplier")
        .order_by("tender_id", "price_fen", "pk")
    )
    grouped: dict[int, list[BidOpening]] = defaultdict(list)
    for line in lines:
        grouped[line.tender_id].append(line)
    found = []
    for tender_id, rows in grouped.items():
        project = rows[0].tender.project
        same = [r for r in rows if r.price_fen in wanted[tender_id]]
        evidence = {
            "bids": len(rows),
            "identical": len(same),
            "prices": sorted({_fen(r.price_fen) or "" for r in same}),
            "rows": [{"supplier": r.bid.supplier.name, "price": _fen(r.price_fen)} for r in same],
        }
        found.append(_finding(project, local_date(min(r.opened_at for r in rows)), evidence, None))
    return found


def detect_lowest_bid_disqualified(
    params: dict[str, Any], project_ids: list[int] | None, at: dt.datetime
) -> list[Finding]:
    """Lowest evaluated price method: the lowest-priced bid was declared invalid, or the award went to a bid
    priced higher than it. Prices compare as evaluated (after the SME price deduction), so an SME winning with a
    lower evaluated price is not flagged."""
    lines = (
        _opened_lines(project_ids)
        .filter(tender__project__evaluation_method=EvaluationMethod.LOWEST_PRICE)
        .annotate(compared=Coalesce("evaluated_price_fen", "price_fen"))
    )
    lowest = lines.values("tender_id").annotate(low=Min("compared"))
    low_by_tender = {row["tender_id"]: row["low"] for row in lowest}
    invalid_lowest = set(
        lines.filter(valid=False, compared__lte=Subquery(_lowest_subquery())).values_list("tender_id", flat=True)
    )
    awarded_higher = set(
        Award.objects.filter(project__tender__id__in=list(low_by_tender))
        .annotate(
            won=Coalesce("winning_bid__opening__evaluated_price_fen", "winning_bid__opening__price_fen"),
            low=Subquery(_lowest_subquery(outer="project__tender__id")),
        )
        .filter(won__gt=F("low"))
        .values_list("project__tender__id", flat=True)
    )
    flagged = invalid_lowest | awarded_higher
    rows = (
        BidOpening.objects.filter(tender_id__in=flagged)
        .exclude(bid__status=BidStatus.WITHDRAWN)
        .select_related("tender__project", "bid__supplier")
        .order_by("tender_id", "pk")
    )
    grouped: dict[int, list[BidOpening]] = defaultdict(list)
    for line in rows:
        grouped[line.tender_id].append(line)
    awards = {a.project_id: a for a in Award.objects.filter(project__tender__id__in=flagged)}
    found = []
    for tender_id, group in grouped.items():
        project = group[0].tender.project
        low = low_by_tender[tender_id]
        lowest_rows = [r for r in group if (r.evaluated_price_fen or r.price_fen) == low]
        lowest_line = next((r for r in lowest_rows if not r.valid), lowest_rows[0])
        award = awards.get(project.pk)
        winner = next((r for r in group if award is not None and r.bid_id == award.winning_bid_id), None)
        evidence = {
            "lowest_supplier": lowest_line.bid.supplier.name,
            "lowest_price": _fen(lowest_line.price_fen),
            "lowest_evaluated_price": _fen(low),
            "lowest_valid": lowest_line.valid,
            "winner_supplier": winner.bid.supplier.name if winner else None,
            "winner_evaluated_price": _fen(winner.evaluated_price_fen or winner.price_fen) if winner else None,
            "rows": [
                {
                    "supplier": r.bid.supplier.name,
                    "price": _fen(r.price_fen),
                    "evaluated_price": _fen(r.evaluated_price_fen),
                    "valid": r.valid,
                    "rank": r.rank,
                }
                for r in group
            ],
        }
        found.append(_finding(project, local_date(group[0].opened_at), evidence, lowest_line.bid.supplier_id))
    return found


def _lowest_subquery(outer: str = "tender_id") -> QuerySet[Any]:
    return (
        BidOpening.objects.filter(tender_id=OuterRef(outer))
        .exclude(bid__status=BidStatus.WITHDRAWN)
        .annotate(compared=Coalesce("evaluated_price_fen", "price_fen"))
        .order_by("compared")
        .values("compared")[:1]
    )


def _basis_points(percent: Any) -> int:
    return int(Decimal(str(percent)) * 100)


def detect_price_near_max(params: dict[str, Any], project_ids: list[int] | None, at: dt.datetime) -> list[Finding]:
    """The award amount is at least ``percent`` % of the project's maximum price (integer arithmetic in fen)."""
    bp = _basis_points(params["percent"])
    awards = (
        _projects_filter(Award.objects.all(), project_ids, "project_id")
        .annotate(scaled=F("amount_fen") * 10000, limit=F("project__max_price_fen") * Value(bp))
        .filter(scaled__gte=F("limit"))
        .select_related("project", "winning_bid__supplier")
        .order_by("pk")
    )
    found = []
    for award in awards:
        project = award.project
        share = Decimal(award.amount_fen * 100) / Decimal(project.max_price_fen)
        evidence = {
            "award_amount": _fen(award.amount_fen),
            "max_price": _fen(project.max_price_fen),
            "budget": _fen(project.budget_fen),
            "percent_of_max": f"{share:.2f}",
            "winner": award.winning_bid.supplier.name,
            "determined_on": local_date(award.determined_at).isoformat(),
        }
        found.append(_finding(project, local_date(award.determined_at), evidence, award.winning_bid.supplier_id))
    return found


def detect_repeat_winner(params: dict[str, Any], project_ids: list[int] | None, at: dt.datetime) -> list[Finding]:
    """The same supplier signs its ``min_contracts``-th (or later) contract with the same purchaser within
    ``window_days`` days: the contract that reaches the count is flagged, the earlier ones are its evidence."""
    n, window = int(params["min_contracts"]), int(params["window_days"])
    same_pair = Contract.objects.filter(
        supplier_id=OuterRef("supplier_id"), project__purchaser_id=OuterRef("project__purchaser_id")
    )
    in_window = same_pair.filter(
        Q(signed_on__lt=OuterRef("signed_on")) | Q(signed_on=OuterRef("signed_on"), pk__lte=OuterRef("pk")),
        signed_on__gt=OuterRef("signed_on") - dt.timedelta(days=window),
    )
    contracts = (
        _projects_filter(Contract.objects.all(), project_ids, "project_id")
        .annotate(
            wins=Subquery(
                in_window.order_by().values("supplier_id").annotate(c=Count("pk")).values("c")[:1],
            )
        )
        .filter(wins__gte=n)
        .select_related("project", "supplier")
        .order_by("pk")
    )
    contracts_list = list(contracts)
    pairs = {(c.supplier_id, c.project.purchaser_id) for c in contracts_list}
    history: dict[tuple[int, int], list[Contract]] = defaultdict(list)
    if pairs:
        related = Contract.objects.filter(
            supplier_id__in={p[0] for p in pairs}, project__purchaser_id__in={p[1] for p in pairs}
        ).select_related("project")
        for c in related.order_by("signed_on", "pk"):
            history[(c.supplier_id, c.project.purchaser_id)].append(c)
    found = []
    for contract in contracts_list:
        start = contract.signed_on - dt.timedelta(days=window)
        earlier = [
            c
            for c in history[(contract.supplier_id, contract.project.purchaser_id)]
            if start < c.signed_on <= contract.signed_on
            and c.pk != contract.pk
            and (c.signed_on, c.pk) < (contract.signed_on, contract.pk)
        ]
        evidence = {
            "supplier": contract.supplier.name,
            "wins": len(earlier) + 1,
            "window_from": (start + dt.timedelta(days=1)).isoformat(),
            "signed_on": contract.signed_on.isoformat(),
            "amount": _fen(contract.amount_fen),
            "rows": [
                {
                    "project_number": c.project.number,
                    "title": c.project.title,
                    "signed_on": c.signed_on.isoformat(),
                    "amount": _fen(c.amount_fen),
                }
                for c in earlier
            ],
        }
        found.append(_finding(contract.project, contract.signed_on, evidence, contract.supplier_id))
    return found


def detect_contract_amended_up(
    params: dict[str, Any], project_ids: list[int] | None, at: dt.datetime
) -> list[Finding]:
    """Amendments raised the contract amount by more than ``percent`` % of the original (signed) amount."""
    bp = _basis_points(params["percent"])
    first_before = ContractAmendment.objects.filter(contract_id=OuterRef("pk")).order_by("changed_on", "pk")
    contracts = (
        _projects_filter(Contract.objects.filter(amendments__isnull=False), project_ids, "project_id")
        .distinct()
        .annotate(original=Subquery(first_before.values("amount_before_fen")[:1]))
        .annotate(scaled=(F("amount_fen") - F("original")) * 10000, limit=F("original") * Value(bp))
        .filter(scaled__gt=F("limit"))
        .select_related("project", "supplier")
        .prefetch_related("amendments")
        .order_by("pk")
    )
    found = []
    for contract in contracts:
        amendments = sorted(contract.amendments.all(), key=lambda a: (a.changed_on, a.pk))
        original = amendments[0].amount_before_fen
        increase = Decimal((contract.amount_fen - original) * 100) / Decimal(original)
        evidence = {
            "original_amount": _fen(original),
            "current_amount": _fen(contract.amount_fen),
            "increase_percent": f"{increase:.2f}",
            "rows": [
                {
                    "changed_on": a.changed_on.isoformat(),
                    "amount_before": _fen(a.amount_before_fen),
                    "amount_after": _fen(a.amount_after_fen),
                    "rationale": a.rationale,
                }
                for a in amendments
            ],
        }
        found.append(_finding(contract.project, amendments[-1].changed_on, evidence, contract.supplier_id))
    return found


def detect_late_payment(params: dict[str, Any], project_ids: list[int] | None, at: dt.datetime) -> list[Finding]:
    """Paid in full after ``payment_due`` + ``grace_days``, or still not fully paid past it as of the scan
    (P-SME-30D). With ``sme_only`` only contracts with small, micro and medium enterprises are checked."""
    grace = int(params["grace_days"])
    today = local_date(at)
    paid = Payment.objects.filter(contract_id=OuterRef("pk")).order_by().values("contract_id")
    contracts = _projects_filter(Contract.objects.filter(payment_due__isnull=False), project_ids, "project_id")
    if params["sme_only"]:
        contracts = contracts.filter(supplier_size__in=SME_SIZES)
    contracts = (
        contracts.annotate(
            paid_total=Coalesce(Subquery(paid.annotate(s=Sum("amount_fen")).values("s")[:1]), Value(0)),
        )
        .filter(
            Q(paid_total__lt=F("amount_fen"), payment_due__lt=today - dt.timedelta(days=grace))
            | Q(paid_total__gte=F("amount_fen"), payments__paid_on__gt=F("payment_due") + dt.timedelta(days=grace))
        )
        .distinct()
        .select_related("project", "supplier")
        .prefetch_related("payments")
        .order_by("pk")
    )
    found = []
    for contract in contracts:
        payments = sorted(contract.payments.all(), key=lambda p: (p.paid_on, p.pk))
        total = sum(p.amount_fen for p in payments)
        due = contract.payment_due or today  # never None: the query keeps contracts with a due date
        fully_paid = total >= contract.amount_fen
        paid_on = payments[-1].paid_on if fully_paid and payments else None
        end = paid_on if paid_on is not None else today
        evidence = {
            "supplier": contract.supplier.name,
            "supplier_size": contract.supplier_size,
            "amount": _fen(contract.amount_fen),
            "paid": _fen(total),
            "accepted_on": contract.accepted_on.isoformat() if contract.accepted_on else None,
            "payment_days": contract.payment_days,
            "payment_due": due.isoformat(),
            "paid_on": paid_on.isoformat() if paid_on else None,
            "as_of": end.isoformat(),  # the payment date once paid, so a rescan leaves paid flags unchanged
            "days_late": (end - due).days,
            "rows": [
                {"payment_date": p.paid_on.isoformat(), "amount": _fen(p.amount_fen), "advance": p.is_advance}
                for p in payments
            ],
        }
        found.append(_finding(contract.project, due, evidence, contract.supplier_id))
    return found


# --- the registry ---------------------------------------------------------------------------------------

FLAGS: tuple[FlagDefinition, ...] = (
    FlagDefinition(
        code="short_submission_period",
        name=_("Short submission period"),
        explanation=_(
            "The bid deadline ({deadline_on}) was only {days} days after the tender notice ({published_on}); "
            "the method needs at least {statutory_minimum} days ({statutory_rule}), so with the thresholds "
            "applied the deadline should have been {earliest_deadline} or later. A short period keeps "
            "suppliers who were not forewarned from bidding."
        ),
        rule=_("M-OPEN-20D · M-CONS-10D · M-NEGO-3WD · OCP: short bid submission period"),
        params=(
            ParamSpec(
                "min_days",
                _("Minimum calendar days (0 = the statutory minimum only)"),
                "int",
                0,
                0,
                90,
            ),
            ParamSpec("extra_days", _("Days added to the statutory minimum"), "int", 0, 0, 30),
        ),
        detector=detect_short_submission_period,
    ),
    FlagDefinition(
        code="single_bid",
        name=_("Single bid in a competitive method"),
        explanation=_(
            "A competitive procurement method other than single source received only {bids} bid(s) at the "
            "opening on {opened_on}: no competition took place."
        ),
        rule=_("OCP: single bid received · Law art. 36 (fewer than three bidders)"),
        params=(ParamSpec("max_bids", _("Flag when the bids opened are at most"), "int", 1, 1, 2),),
        detector=detect_single_bid,
    ),
    FlagDefinition(
        code="identical_bid_prices",
        name=_("Identical bid prices"),
        explanation=_(
            "{identical} of the {bids} bids opened had exactly the same price ({prices} yuan): a sign of "
            "coordinated bidding."
        ),
        rule=_("87号令 art. 37 (恶意串通) · OCP: identical bid prices"),
        params=(ParamSpec("min_same", _("Flag when this many bids share a price"), "int", 2, 2, 10),),
        detector=detect_identical_bid_prices,
    ),
    FlagDefinition(
        code="lowest_bid_disqualified",
        name=_("Lowest bid disqualified"),
        explanation=_(
            "In a lowest evaluated price procurement the lowest bid ({lowest_supplier}, evaluated price "
            "{lowest_evaluated_price} yuan) was not the winner (valid: {lowest_valid}; winner: {winner_supplier} "
            "at {winner_evaluated_price} yuan)."
        ),
        rule=_("87号令 art. 54 · OCP: lowest bidder disqualified"),
        params=(),
        detector=detect_lowest_bid_disqualified,
    ),
    FlagDefinition(
        code="price_near_max",
        name=_("Winning price close to the maximum price"),
        explanation=_(
            "The award amount {award_amount} yuan is {percent_of_max} per cent of the maximum price {max_price} yuan: "
            "the price competition barely moved it."
        ),
        rule=_("OCP: winning bid very close to the estimated price"),
        params=(
            ParamSpec("percent", _("Flag at or above this percentage of the maximum price"), "percent", 98, 50, 100),
        ),
        detector=detect_price_near_max,
    ),
    FlagDefinition(
        code="repeat_winner",
        name=_("Same supplier winning repeatedly from the same purchaser"),
        explanation=_(
            "{supplier} signed its contract number {wins} with this purchaser between {window_from} and "
            "{signed_on}; the earlier contracts are listed below."
        ),
        rule=_("OCP: same supplier repeatedly wins contracts of a buyer"),
        params=(
            ParamSpec("min_contracts", _("Contracts with the same purchaser"), "int", 3, 2, 20),
            ParamSpec("window_days", _("Within this many days"), "int", 365, 30, 1825),
        ),
        detector=detect_repeat_winner,
    ),
    FlagDefinition(
        code="contract_amended_up",
        name=_("Contract amended to a much higher value"),
        explanation=_(
            "Changes raised the contract from {original_amount} yuan to {current_amount} yuan, "
            "{increase_percent} % more than signed."
        ),
        rule=_("Law art. 49 (additions ≤ 10 %) · OCP: contract amendments increase the value"),
        params=(ParamSpec("percent", _("Flag an increase above this percentage"), "percent", 10, 0, 100),),
        detector=detect_contract_amended_up,
    ),
    FlagDefinition(
        code="late_payment",
        name=_("Late payment"),
        explanation=_(
            "Payment was due on {payment_due}; {paid} of {amount} yuan was paid, {days_late} days late "
            "(as of {as_of})."
        ),
        rule=_("P-SME-30D"),
        params=(
            ParamSpec("grace_days", _("Days of grace after the due date"), "int", 0, 0, 90),
            ParamSpec("sme_only", _("Only contracts with small and medium enterprises"), "bool", False),
        ),
        detector=detect_late_payment,
    ),
)
BY_CODE: dict[str, FlagDefinition] = {f.code: f for f in FLAGS}
CODES = [f.code for f in FLAGS]


def flag_name(code: str) -> Any:
    return BY_CODE[code].name if code in BY_CODE else code


def explain(flag: RedFlag) -> str:
    """The explanation in words, in the active language, filled with the flag's evidence."""
    definition = BY_CODE.get(flag.code)
    if definition is None:
        return ""
    values: dict[str, Any] = defaultdict(str)
    for key, value in flag.evidence.items():
        if isinstance(value, bool):
            values[key] = _("yes") if value else _("no")
        elif not isinstance(value, list | dict):
            values[key] = "—" if value is None else value
    return str(definition.explanation).format_map(values)


# --- settings -------------------------------------------------------------------------------------------


def settings_ensure(*, at: dt.datetime) -> dict[str, RedFlagSetting]:
    """Every flag's settings row, created with the defaults on first use (new parameters get their defaults)."""
    rows = {s.code: s for s in RedFlagSetting.objects.all()}
    for definition in FLAGS:
        if definition.code not in rows:
            rows[definition.code], _created = RedFlagSetting.objects.get_or_create(
                code=definition.code, defaults={"params": definition.defaults(), "updated_at": at}
            )
    return rows


def effective_params(definition: FlagDefinition, setting: RedFlagSetting | None) -> dict[str, Any]:
    params = definition.defaults()
    if setting is not None:
        params.update({k: v for k, v in setting.params.items() if k in params})
    return params


# --- the scan -------------------------------------------------------------------------------------------


def _audit_flag(flag: RedFlag) -> dict[str, Any]:
    return {
        "code": flag.code,
        "project": flag.project_id,
        "occurred_on": flag.occurred_on.isoformat(),
        "evidence": flag.evidence,
        "params": flag.params,
        "status": flag.status,
    }


def red_flags_scan(
    *,
    at: dt.datetime,
    project_ids: Iterable[int] | None = None,
    progress: Callable[[int, str], None] | None = None,
) -> dict[str, dict[str, int]]:
    """Run every enabled detector and bring ``RedFlag`` in line with what they find; idempotent.

    Per (code, project): a new finding is raised (audited "evaluation.red_flag.raise"); an open flag found again
    gets the current evidence and thresholds; an open flag no longer found (threshold raised, data corrected,
    flag disabled) is withdrawn (audited "evaluation.red_flag.clear"). A reviewed flag (explained or confirmed)
    is never touched: the supervisor's note refers to the evidence they saw, and deleting it would erase the
    record of that review. Returns {code: {"raised", "updated", "cleared", "found"}}.
    """
    ids = sorted(set(project_ids)) if project_ids is not None else None
    settings_rows = settings_ensure(at=at)
    summary: dict[str, dict[str, int]] = {}
    for index, definition in enumerate(FLAGS):
        if progress is not None:
            progress(int(100 * index / len(FLAGS)), str(definition.name))
        setting = settings_rows.get(definition.code)
        params = effective_params(definition, setting)
        enabled = setting.enabled if setting is not None else True
        findings = definition.detector(params, ids, at) if enabled else []
        summary[definition.code] = _apply(definition.code, findings, params, ids, at)
    if progress is not None:
        progress(100, str(_("Done")))
    return summary


def _apply(
    code: str, findings: list[Finding], params: dict[str, Any], ids: list[int] | None, at: dt.datetime
) -> dict[str, int]:
    counts = {"found": len(findings), "raised": 0, "updated": 0, "cleared": 0}
    with transaction.atomic():
        existing_qs = RedFlag.objects.select_for_update().filter(code=code)
        if ids is not None:
            existing_qs = existing_qs.filter(project_id__in=ids)
        existing = {f.project_id: f for f in existing_qs}
        seen: set[int] = set()
        for finding in findings:
            seen.add(finding.project_id)
            flag = existing.get(finding.project_id)
            if flag is None:
                flag = RedFlag.objects.create(
                    code=code,
                    project_id=finding.project_id,
                    purchaser_id=finding.purchaser_id,
                    agency_id=finding.agency_id,
                    supplier_id=finding.supplier_id,
                    region_id=finding.region_id,
                    occurred_on=finding.occurred_on,
                    evidence=finding.evidence,
                    params=params,
                    detected_at=at,
                )
                audit_record(
                    actor="system", action="evaluation.red_flag.raise", obj=flag, after=_audit_flag(flag), at=at
                )
                counts["raised"] += 1
            elif flag.status == RedFlagStatus.OPEN and (
                flag.evidence != finding.evidence
                or flag.params != params
                or flag.occurred_on != finding.occurred_on
                or flag.supplier_id != finding.supplier_id
            ):
                before = _audit_flag(flag)
                flag.evidence, flag.params = finding.evidence, params
                flag.occurred_on, flag.supplier_id = finding.occurred_on, finding.supplier_id
                flag.save(update_fields=["evidence", "params", "occurred_on", "supplier"])
                audit_record(
                    actor="system",
                    action="evaluation.red_flag.update",
                    obj=flag,
                    before=before,
                    after=_audit_flag(flag),
                    at=at,
                )
                counts["updated"] += 1
        for project_id, flag in existing.items():
            if project_id in seen or flag.status != RedFlagStatus.OPEN:
                continue  # reviewed flags stay, see red_flags_scan
            audit_record(actor="system", action="evaluation.red_flag.clear", obj=flag, before=_audit_flag(flag), at=at)
            flag.delete()
            counts["cleared"] += 1
    return counts


def run_scan_job(*, job: ComputeJob, progress: Callable[[int, str], None]) -> dict[str, Any]:
    """The background job: scan all projects (or ``job.params["project_ids"]``), progress per flag kind."""
    ids = job.params.get("project_ids")
    summary = red_flags_scan(at=clock.now(), project_ids=ids, progress=progress)
    return {
        "flags": summary,
        "raised": sum(s["raised"] for s in summary.values()),
        "cleared": sum(s["cleared"] for s in summary.values()),
        "open": RedFlag.objects.filter(status=RedFlagStatus.OPEN).count(),
    }
