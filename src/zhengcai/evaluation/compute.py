"""The indicator engine: one grouped query per indicator over the platform's own records, per region and month.

Each catalogue code has a ``Spec`` in ``QUERIES``: one or more ``Part``s, each a queryset of records annotated
with ``ev`` (the record's date in the period: a DateField or a datetime's Asia/Shanghai date), ``reg`` (the
project's region), ``num`` and ``den`` (the record's contribution). The engine groups every part by (region,
month) in SQL; a quarter, year or the city row is the SUM of the months' numerators and denominators, never an
average of values. ``records`` runs the very same querysets ungrouped, so a drill-down always sums to its figure.

**As-of**: a record only counts where it was known at ``as_of`` (its ``recorded_at`` / ``created_at`` /
``published_at``). A closed period is computed as of its ``closed_at``: recomputing it gives the same numbers
and the same digest, whatever was recorded later.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import (
    Case,
    Count,
    DateField,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import TruncDate, TruncMonth

from zhengcai.core import clock
from zhengcai.core.audit import audit_record
from zhengcai.organizations.models import Region

from . import catalogue
from .models import ComputeJob, Period, PeriodKind, PeriodStatus, Snapshot, SnapshotValue

SH = ZoneInfo("Asia/Shanghai")
SME = ("medium", "small", "micro")  # organizations.EnterpriseSize other than large (SME-DECLARE)
HUNDRED = Decimal(100)
CENT = Decimal("0.01")


class DaysBetween(Func):
    """Whole days from date ``b`` to date ``a`` (a − b), the same on SQLite and PostgreSQL."""

    output_field = IntegerField()
    arity = 2

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> Any:  # type: ignore[override]  # PostgreSQL: date − date is days
        return super().as_sql(compiler, connection, template="(%(expressions)s)", arg_joiner=" - ", **extra)

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return super().as_sql(
            compiler,
            connection,
            template="CAST(ROUND(julianday(%(expressions)s)) AS INTEGER)",
            arg_joiner=") - julianday(",
            **extra,
        )


def local_date(path: str) -> TruncDate:
    return TruncDate(path, tzinfo=SH)


def one_if(condition: Any) -> Case:
    return Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField())


@dataclass(frozen=True)
class Part:
    """One source of records: ``build(as_of)`` returns the queryset annotated with ev, reg, num and den;
    ``project`` is the path to the procurement Project (for the drill-down's key fields), ``fields`` more
    columns shown in the drill-down ({label: path})."""

    kind: str
    build: Callable[[dt.datetime], QuerySet[Any]]
    project: str | None = "project"
    fields: dict[str, str] = field(default_factory=dict)
    # the datetime column ``ev`` is the local date of, if any: the range is also applied to it, so the database
    # can use its statistics (and an index) instead of guessing from the expression
    moment: str = ""

    def in_range(self, as_of: dt.datetime, start: dt.date, end: dt.date) -> QuerySet[Any]:
        qs = self.build(as_of).filter(ev__gte=start, ev__lt=end)
        if self.moment:
            first = dt.datetime.combine(start, dt.time(0), tzinfo=SH)
            after = dt.datetime.combine(end, dt.time(0), tzinfo=SH)
            qs = qs.filter(**{f"{self.moment}__gte": first, f"{self.moment}__lt": after})
        return qs


Rows = Callable[[dt.date, dt.date, dt.datetime], list[dict[str, Any]]]


@dataclass(frozen=True)
class Spec:
    parts: tuple[Part, ...] = ()
    scale: Decimal = Decimal(1)  # value = num / den × scale (percent: 100); fen and count: value = num
    # records computed in Python (a working-day due date cannot be computed in SQL portably): ``rows(start,
    # end, as_of)`` returns the records dated in [start, end) as dicts with ev, reg, num, den and the
    # drill-down columns; grouped by region and month in Python, additive like the parts
    rows: Rows | None = None
    # a figure that is not additive over months (distinct organizations): ``per_period(start, end, as_of)``
    # gives {region id: (num, den, count)} for the period itself (one grouped query); ``rows`` lists the
    # same records for the drill-down
    per_period: Callable[[dt.date, dt.date, dt.datetime], dict[int, tuple[Decimal, Decimal, int]]] | None = None


# --- the record sets ---------------------------------------------------------------------------------------
def _models() -> Any:
    from zhengcai.financing import models as financing
    from zhengcai.procurement import models as procurement
    from zhengcai.securities import models as securities

    return procurement, securities, financing


def _opened_tenders(as_of: dt.datetime) -> QuerySet[Any]:
    """Tenders opened by as_of, dated the opening (the bid deadline)."""
    pm, _sm, _fm = _models()
    opened = pm.BidOpening.objects.filter(tender=OuterRef("pk"), opened_at__lte=as_of)
    return (
        pm.Tender.objects.filter(Exists(opened))
        .annotate(ev=local_date("deadline"), reg=F("project__region_id"))
        .order_by()
    )


def e_procurement(as_of: dt.datetime) -> QuerySet[Any]:
    pm, _sm, _fm = _models()
    # every bid on the platform is sealed and submitted electronically with a signed receipt; a bid without a
    # receipt (one entered on paper) makes the tender not fully electronic
    paper = pm.Bid.objects.filter(tender=OuterRef("pk"), receipt_signature="")
    return _opened_tenders(as_of).annotate(num=one_if(~Exists(paper)), den=Value(1))


def bid_security_required(as_of: dt.datetime) -> QuerySet[Any]:
    return _opened_tenders(as_of).annotate(num=one_if(Q(project__bid_security_fen__gt=0)), den=Value(1))


def opened_tenders(as_of: dt.datetime) -> QuerySet[Any]:
    return _opened_tenders(as_of).annotate(num=Value(0), den=Value(1))


def live_bids(as_of: dt.datetime) -> QuerySet[Any]:
    """Bids (not withdrawn, not replaced by a later version, as known at as_of) of tenders opened by as_of,
    dated by the opening: one row per bid (a join, not a per-tender subquery)."""
    pm, _sm, _fm = _models()
    opened = pm.BidOpening.objects.filter(tender=OuterRef("tender"), opened_at__lte=as_of)
    return (
        pm.Bid.objects.filter(Exists(opened), submitted_at__lte=as_of)
        .exclude(status=pm.BidStatus.REPLACED)
        .exclude(Q(withdrawn_at__isnull=False) & Q(withdrawn_at__lte=as_of))
        .annotate(
            ev=local_date("tender__deadline"),
            reg=F("tender__project__region_id"),
            num=Value(1),
            den=Value(0),
        )
        .order_by()
    )


def _published_tenders(as_of: dt.datetime) -> QuerySet[Any]:
    pm, _sm, _fm = _models()
    return (
        pm.Tender.objects.filter(published_at__lte=as_of)
        .annotate(
            ev=local_date("published_at"),
            reg=F("project__region_id"),
            intention_on=Case(
                When(
                    project__intention__published_at__lte=as_of,
                    then=local_date("project__intention__published_at"),
                ),
                default=None,
                output_field=DateField(),
            ),
        )
        .order_by()
    )


def intention_coverage(as_of: dt.datetime) -> QuerySet[Any]:
    return _published_tenders(as_of).annotate(
        lead=DaysBetween(F("ev"), F("intention_on")),
        num=one_if(Q(intention_on__isnull=False, lead__gte=30)),
        den=Value(1),
    )


def intention_lead(as_of: dt.datetime) -> QuerySet[Any]:
    return (
        _published_tenders(as_of)
        .filter(intention_on__isnull=False)
        .annotate(num=DaysBetween(F("ev"), F("intention_on")), den=Value(1))
    )


def tenders_published(as_of: dt.datetime) -> QuerySet[Any]:
    return _published_tenders(as_of).annotate(num=Value(0), den=Value(1))


def _on_time(qs: QuerySet[Any], *, published: str, due: str, as_of: dt.datetime) -> QuerySet[Any]:
    """Records due in the period (dated by their due day): counted once published by as_of or once the due
    day has passed; on time where published by as_of on or before the due day."""
    today = as_of.astimezone(SH).date()
    return (
        qs.annotate(ev=F(due), pub_on=local_date(published))
        .filter(Q(**{f"{published}__lte": as_of}) | Q(**{f"{due}__lt": today}))
        .annotate(
            num=one_if(Q(**{f"{published}__lte": as_of}) & Q(pub_on__lte=F(due))),
            den=Value(1),
        )
    )


def result_notices(as_of: dt.datetime) -> QuerySet[Any]:
    pm, _sm, _fm = _models()
    qs = pm.Award.objects.filter(determined_at__lte=as_of).annotate(reg=F("project__region_id")).order_by()
    return _on_time(qs, published="result_published_at", due="result_notice_due", as_of=as_of)


def contract_notices(as_of: dt.datetime) -> QuerySet[Any]:
    pm, _sm, _fm = _models()
    qs = pm.Contract.objects.filter(created_at__lte=as_of).annotate(reg=F("project__region_id")).order_by()
    return _on_time(qs, published="published_at", due="publish_due", as_of=as_of)


def change_notices(as_of: dt.datetime) -> QuerySet[Any]:
    pm, _sm, _fm = _models()
    return (
        pm.ContractAmendment.objects.filter(recorded_at__lte=as_of)
        .annotate(
            ev=F("changed_on"),
            reg=F("contract__project__region_id"),
            pub_on=local_date("published_at"),
            num=one_if(Q(pub_on__lte=F("publish_due"))),
            den=Value(1),
        )
        .order_by()
    )


def _contracts(as_of: dt.datetime) -> QuerySet[Any]:
    pm, _sm, _fm = _models()
    return (
        pm.Contract.objects.filter(created_at__lte=as_of)
        .annotate(ev=F("signed_on"), reg=F("project__region_id"))
        .order_by()
    )


def result_to_contract(as_of: dt.datetime) -> QuerySet[Any]:
    return _contracts(as_of).annotate(
        awarded_on=local_date("award__determined_at"),
        num=DaysBetween(F("signed_on"), F("awarded_on")),
        den=Value(1),
    )


def performance_ratio(as_of: dt.datetime) -> QuerySet[Any]:
    return _contracts(as_of).annotate(
        num=Case(
            When(
                performance_security__recorded_at__lte=as_of,
                then=F("performance_security__amount_fen"),
            ),
            default=Value(0),
        ),
        den=F("amount_fen"),
    )


def advance_ratio(as_of: dt.datetime) -> QuerySet[Any]:
    return _contracts(as_of).annotate(num=F("advance_payment_fen"), den=F("amount_fen"))


def sme_share(as_of: dt.datetime) -> QuerySet[Any]:
    return _contracts(as_of).annotate(
        num=Case(When(supplier_size__in=SME, then=F("amount_fen")), default=Value(0)),
        den=F("amount_fen"),
    )


def sme_paid_off(as_of: dt.datetime) -> QuerySet[Any]:
    """The paying-off payments of SME contracts: the last payment known at as_of of a contract whose payments
    known at as_of reach its amount, dated by its ``paid_on`` (one row per contract paid off)."""
    pm, _sm, _fm = _models()
    known = pm.Payment.objects.filter(contract=OuterRef("contract"), recorded_at__lte=as_of).order_by()
    later = known.filter(Q(paid_on__gt=OuterRef("paid_on")) | Q(paid_on=OuterRef("paid_on"), pk__gt=OuterRef("pk")))
    total = known.values("contract").annotate(s=Sum("amount_fen")).values("s")
    return (
        pm.Payment.objects.filter(
            recorded_at__lte=as_of,
            contract__supplier_size__in=SME,
            contract__accepted_on__isnull=False,
        )
        .filter(~Exists(later))
        .annotate(paid_fen=Subquery(total, output_field=IntegerField()))
        .filter(paid_fen__gte=F("contract__amount_fen"))
        .annotate(
            ev=F("paid_on"),
            reg=F("contract__project__region_id"),
            num=DaysBetween(F("paid_on"), F("contract__accepted_on")),
            den=Value(1),
        )
        .order_by()
    )


def bid_securities(as_of: dt.datetime) -> QuerySet[Any]:
    _pm, sm, _fm = _models()
    return (
        sm.BidSecurity.objects.filter(recorded_at__lte=as_of)
        .annotate(ev=F("provided_on"), reg=F("tender__project__region_id"))
        .order_by()
    )


def bid_exempt(as_of: dt.datetime) -> QuerySet[Any]:
    return bid_securities(as_of).annotate(num=one_if(Q(form="exempt")), den=Value(1))


def bid_guarantee(as_of: dt.datetime) -> QuerySet[Any]:
    return bid_securities(as_of).exclude(form="exempt").annotate(num=one_if(Q(form="guarantee")), den=Value(1))


def performance_guarantee(as_of: dt.datetime) -> QuerySet[Any]:
    _pm, sm, _fm = _models()
    return (
        sm.PerformanceSecurity.objects.filter(recorded_at__lte=as_of)
        .exclude(form="exempt")
        .annotate(
            ev=F("provided_on"),
            reg=F("contract__project__region_id"),
            num=one_if(Q(form="guarantee")),
            den=Value(1),
        )
        .order_by()
    )


def loans(as_of: dt.datetime) -> QuerySet[Any]:
    _pm, _sm, fm = _models()
    return (
        fm.Agreement.objects.filter(approved_at__lte=as_of)
        .annotate(
            ev=local_date("approved_at"),
            reg=F("application__contract__project__region_id"),
            num=F("amount_fen"),
            den=Value(1),
        )
        .order_by()
    )


def challenges(as_of: dt.datetime) -> QuerySet[Any]:
    pm, _sm, _fm = _models()
    return (
        pm.Challenge.objects.filter(received_at__lte=as_of)
        .annotate(ev=local_date("received_at"), reg=F("project__region_id"), num=Value(1), den=Value(0))
        .order_by()
    )


def complaints(as_of: dt.datetime) -> QuerySet[Any]:
    pm, _sm, _fm = _models()
    return (
        pm.Complaint.objects.filter(submitted_at__lte=as_of)
        .annotate(ev=local_date("submitted_at"), reg=F("challenge__project__region_id"), num=Value(1), den=Value(0))
        .order_by()
    )


def challenges_answered(as_of: dt.datetime) -> QuerySet[Any]:
    pm, _sm, _fm = _models()
    return (
        pm.Challenge.objects.filter(answered_at__lte=as_of)
        .annotate(
            ev=local_date("answered_at"),
            reg=F("project__region_id"),
            received_on=local_date("received_at"),
            num=DaysBetween(F("ev"), F("received_on")),
            den=Value(1),
        )
        .order_by()
    )


def service_resolved(as_of: dt.datetime) -> QuerySet[Any]:
    from zhengcai.service.models import RequestStatus, ServiceRequest

    return (
        ServiceRequest.objects.filter(resolved_at__lte=as_of)
        .exclude(status=RequestStatus.WITHDRAWN)
        .annotate(
            ev=local_date("resolved_at"),
            reg=F("region_id"),
            num=one_if(Q(resolved_at__lte=F("resolution_due"))),
            den=Value(1),
        )
        .order_by()
    )


def _publicity() -> Any:
    from zhengcai.publicity.models import channels, outreach

    return channels, outreach


def reads(as_of: dt.datetime) -> QuerySet[Any]:
    channels, _outreach = _publicity()
    return (
        channels.ReachMetric.objects.filter(recorded_at__lte=as_of)
        .annotate(ev=F("day"), reg=F("post__content__region_id"), num=F("reads"), den=Value(0))
        .order_by()
    )


def clicks(as_of: dt.datetime) -> QuerySet[Any]:
    channels, _outreach = _publicity()
    return (
        channels.ShortLinkClick.objects.filter(at__lte=as_of)
        .annotate(ev=local_date("at"), reg=F("link__content__region_id"), num=Value(1), den=Value(0))
        .order_by()
    )


def leaflets(as_of: dt.datetime) -> QuerySet[Any]:
    _channels, outreach = _publicity()
    return (
        outreach.Distribution.objects.filter(recorded_at__lte=as_of)
        .annotate(ev=F("distributed_on"), reg=F("region_id"), num=F("copies"), den=Value(0))
        .order_by()
    )


def attendance(as_of: dt.datetime) -> QuerySet[Any]:
    _channels, outreach = _publicity()
    return (
        outreach.EventAttendance.objects.filter(recorded_at__lte=as_of)
        .annotate(ev=local_date("event__starts_at"), reg=F("event__region_id"), num=F("count"), den=Value(0))
        .order_by()
    )


def _local_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    return dt.datetime.combine(start, dt.time(0), tzinfo=SH), dt.datetime.combine(end, dt.time(0), tzinfo=SH)


# --- training coverage: distinct organizations, per period ------------------------------------------------
def _covered_organizations(start: dt.date, end: dt.date, as_of: dt.datetime) -> QuerySet[Any]:
    """Budget units and agencies active (created by as_of, not deactivated), annotated with ``reg`` and
    ``covered``: a staff member's training completion (training/figures.py: attendance established, not
    cancelled) in [start, end) known by as_of."""
    from zhengcai.organizations.models import Organization, OrganizationStatus
    from zhengcai.training.figures import AGENCY_KINDS, PURCHASER_KINDS
    from zhengcai.training.models import Registration, RegistrationStatus

    first, after = _local_bounds(start, end)
    done = (
        Registration.objects.filter(
            participant__organization=OuterRef("pk"),
            completed_at__gte=first,
            completed_at__lt=after,
            completed_at__lte=as_of,
        )
        .exclude(status=RegistrationStatus.CANCELLED, cancelled_at__lte=as_of)
        .order_by()
    )
    return (
        Organization.objects.filter(
            kind__in=[*PURCHASER_KINDS, *AGENCY_KINDS], status=OrganizationStatus.ACTIVE, created_at__lte=as_of
        )
        .annotate(
            reg=F("region_id"),
            covered=Exists(done),
            first_done=Subquery(done.order_by("completed_at").values("completed_at")[:1]),
        )
        .order_by()
    )


def training_cells(start: dt.date, end: dt.date, as_of: dt.datetime) -> dict[int, tuple[Decimal, Decimal, int]]:
    """{region id: (organizations covered, organizations, organizations)}: one grouped query."""
    out: dict[int, tuple[Decimal, Decimal, int]] = {}
    rows = (
        _covered_organizations(start, end, as_of)
        .values("reg")
        .annotate(d=Count("pk"), n=Count("pk", filter=Q(covered=True)))
        .order_by()
    )
    for row in rows:
        out[row["reg"]] = (Decimal(row["n"]), Decimal(row["d"]), row["d"])
    return out


def training_rows(start: dt.date, end: dt.date, as_of: dt.datetime) -> list[dict[str, Any]]:
    """The organizations of the coverage, covered (1) or not (0), dated by their first completion."""
    out = []
    qs = _covered_organizations(start, end, as_of).values_list("pk", "reg", "name", "kind", "covered", "first_done")
    for pk, reg, name, kind, covered, first_done in qs.order_by("region__sort", "name", "pk"):
        out.append(
            {
                "pk": pk,
                "reg": reg,
                "ev": first_done.astimezone(SH).date() if first_done is not None else None,
                "num": Decimal(1 if covered else 0),
                "den": Decimal(1),
                "kind": "organization",
                "project_link": False,
                "title": name,
                "organization_kind": kind,
            }
        )
    return out


# --- bid-security refunds: the due day counts working days --------------------------------------------------
def refund_rows(start: dt.date, end: dt.date, as_of: dt.datetime) -> list[dict[str, Any]]:
    """Cash bid securities (bank transfers) whose refund fell due in [start, end) (S-BID-REFUND-5WD): 5
    working days after the trigger known by as_of — the result notice for the losers, the contract signing
    for the winner, the termination notice where the procurement ended without a contract (the same triggers
    as the securities app's refund clock). Counted once refunded or once the due day has passed; on time where
    refunded on or before the due day. The refund is known by its date (the securities app refuses a refund
    dated after the day it is recorded)."""
    from zhengcai.procurement.models import Contract, Notice, NoticeKind
    from zhengcai.securities import rules
    from zhengcai.securities.models import BidSecurity, SecurityForm, SecurityStatus

    today = as_of.astimezone(SH).date()
    # a trigger lies at most a few weeks before its due day (5 working days, the longest holiday included)
    earliest = start - dt.timedelta(days=31)
    first, after = _local_bounds(earliest, end)
    result = Case(
        When(
            tender__project__award__result_published_at__lte=as_of,
            then=F("tender__project__award__result_published_at"),
        ),
        default=None,
    )
    is_winner = Q(tender__project__award__winning_bid__supplier_id=F("supplier_id"))
    signed = Subquery(
        Contract.objects.filter(project=OuterRef("tender__project"), created_at__lte=as_of).values("signed_on")[:1]
    )
    ended = Subquery(
        Notice.objects.filter(
            project=OuterRef("tender__project"), kind=NoticeKind.TERMINATION, published_at__lte=as_of
        )
        .order_by("published_at")
        .values("published_at")[:1]
    )
    qs = (
        BidSecurity.objects.filter(recorded_at__lte=as_of, form=SecurityForm.TRANSFER)
        .exclude(status=SecurityStatus.NONE)
        .filter(tender__deadline__lt=after)
        .annotate(
            result_at=result,
            winner=Case(When(is_winner, then=Value(True)), default=Value(False)),
            signed_on=signed,
            ended_at=ended,
        )
        .filter(Q(result_at__gte=first) | Q(signed_on__gte=earliest) | Q(ended_at__gte=first))
        .order_by()
        .values_list(
            "pk",
            "tender__project__region_id",
            "winner",
            "result_at",
            "signed_on",
            "ended_at",
            "refunded_on",
            "tender__project__number",
            "tender__project__title",
            "tender__project__purchaser__name",
            "supplier__name",
            "amount_fen",
        )
    )
    due_of: dict[dt.date, dt.date] = {}
    out = []
    for pk, reg, winner, result_at, signed_on, ended_at, refunded_on, number, title, purchaser, supplier, fen in qs:
        if ended_at is not None:
            trigger = ended_at.astimezone(SH).date()
        elif winner:
            trigger = signed_on
        else:
            trigger = result_at.astimezone(SH).date() if result_at is not None else None
        # the due day comes at least 5 days after the trigger: none in [start, end) from a trigger that late
        if trigger is None or trigger + dt.timedelta(days=5) >= end:
            continue
        if trigger not in due_of:
            due_of[trigger] = rules.bid_refund_due(trigger)
        due = due_of[trigger]
        refunded = refunded_on if refunded_on is not None and refunded_on <= today else None
        if not (start <= due < end) or (refunded is None and due >= today):
            continue
        out.append(
            {
                "pk": pk,
                "reg": reg,
                "ev": due,
                "num": Decimal(1 if refunded is not None and refunded <= due else 0),
                "den": Decimal(1),
                "kind": "bid_security",
                "project_link": True,
                "number": number,
                "title": title,
                "purchaser": purchaser,
                "supplier": supplier,
                "amount_fen": fen,
                "trigger_on": trigger,
                "refunded_on": refunded,
            }
        )
    out.sort(key=lambda r: (r["ev"], r["pk"]))
    return out


P100 = HUNDRED
TENDER = {"deadline": "deadline", "published_at": "published_at"}
CONTRACT = {"supplier": "supplier__name", "amount_fen": "amount_fen", "signed_on": "signed_on"}
QUERIES: dict[str, Spec] = {
    "e_procurement_rate": Spec((Part("tender", e_procurement, fields=TENDER, moment="deadline"),), P100),
    "intention_coverage": Spec(
        (Part("tender", intention_coverage, fields={"intention_on": "intention_on"}, moment="published_at"),), P100
    ),
    "intention_lead_days": Spec(
        (Part("tender", intention_lead, fields={"intention_on": "intention_on"}, moment="published_at"),)
    ),
    "result_notice_on_time": Spec(
        (
            Part(
                "award",
                result_notices,
                fields={
                    "supplier": "winning_bid__supplier__name",
                    "amount_fen": "amount_fen",
                    "due": "result_notice_due",
                    "published_at": "result_published_at",
                },
            ),
        ),
        P100,
    ),
    "contract_notice_on_time": Spec(
        (
            Part(
                "contract", contract_notices, fields={**CONTRACT, "due": "publish_due", "published_at": "published_at"}
            ),
        ),
        P100,
    ),
    "change_notice_on_time": Spec(
        (
            Part(
                "amendment",
                change_notices,
                project="contract__project",
                fields={
                    "supplier": "contract__supplier__name",
                    "amount_fen": "amount_after_fen",
                    "due": "publish_due",
                    "published_at": "published_at",
                },
            ),
        ),
        P100,
    ),
    "days_result_to_contract": Spec(
        (Part("contract", result_to_contract, fields={**CONTRACT, "awarded_on": "awarded_on"}),)
    ),
    "bid_security_share": Spec(
        (
            Part(
                "tender", bid_security_required, fields={"amount_fen": "project__bid_security_fen"}, moment="deadline"
            ),
        ),
        P100,
    ),
    "bid_security_exemption_rate": Spec(
        (
            Part(
                "bid_security",
                bid_exempt,
                project="tender__project",
                fields={"supplier": "supplier__name", "form": "form", "amount_fen": "required_fen"},
            ),
        ),
        P100,
    ),
    "guarantee_share": Spec(
        (
            Part(
                "bid_security",
                bid_guarantee,
                project="tender__project",
                fields={"supplier": "supplier__name", "form": "form", "amount_fen": "amount_fen"},
            ),
            Part(
                "performance_security",
                performance_guarantee,
                project="contract__project",
                fields={"supplier": "contract__supplier__name", "form": "form", "amount_fen": "amount_fen"},
            ),
        ),
        P100,
    ),
    "performance_security_ratio": Spec((Part("contract", performance_ratio, fields=CONTRACT),), P100),
    "advance_payment_ratio": Spec((Part("contract", advance_ratio, fields=CONTRACT),), P100),
    "days_to_pay_sme": Spec(
        (
            Part(
                "payment",
                sme_paid_off,
                project="contract__project",
                fields={
                    "supplier": "contract__supplier__name",
                    "amount_fen": "contract__amount_fen",
                    "signed_on": "contract__signed_on",
                    "accepted_on": "contract__accepted_on",
                },
            ),
        )
    ),
    "sme_award_share": Spec(
        (Part("contract", sme_share, fields={**CONTRACT, "supplier_size": "supplier_size"}),), P100
    ),
    "financing_raised": Spec(
        (
            Part(
                "loan",
                loans,
                project="application__contract__project",
                fields={"supplier": "application__contract__supplier__name", "bank": "bank__name"},
                moment="approved_at",
            ),
        )
    ),
    "challenges_per_100": Spec(
        (
            Part("challenge", challenges, fields={"supplier": "supplier__name"}, moment="received_at"),
            Part(
                "complaint",
                complaints,
                project="challenge__project",
                fields={"supplier": "challenge__supplier__name"},
                moment="submitted_at",
            ),
            Part("tender", tenders_published, fields={"published_at": "published_at"}, moment="published_at"),
        ),
        P100,
    ),
    "challenge_handling_days": Spec(
        (
            Part(
                "challenge",
                challenges_answered,
                fields={"supplier": "supplier__name", "received_on": "received_on"},
                moment="answered_at",
            ),
        )
    ),
    "bidders_per_tender": Spec(
        (
            Part("tender", opened_tenders, fields=TENDER, moment="deadline"),
            Part(
                "bid",
                live_bids,
                project="tender__project",
                fields={"supplier": "supplier__name"},
                moment="tender__deadline",
            ),
        )
    ),
    "service_on_time": Spec(
        (
            Part(
                "service_request",
                service_resolved,
                project=None,
                fields={"number": "number", "title": "subject", "purchaser": "organization__name"},
                moment="resolved_at",
            ),
        ),
        P100,
    ),
}
QUERIES["publicity_reach"] = Spec(
    (
        Part("reads", reads, project=None, fields={"title": "post__content__title"}),
        Part("clicks", clicks, project=None, fields={"title": "link__content__title"}, moment="at"),
        Part("leaflets", leaflets, project=None, fields={"title": "run__leaflet__content__title"}),
        Part("attendance", attendance, project=None, fields={"title": "event__title"}, moment="event__starts_at"),
    )
)
QUERIES["bid_security_refund_on_time"] = Spec(scale=P100, rows=refund_rows)
QUERIES["training_coverage"] = Spec(scale=P100, rows=training_rows, per_period=training_cells)


def implemented() -> list[str]:
    """The catalogue codes with a query, in catalogue order."""
    return [i.code for i in catalogue.INDICATORS if i.code in QUERIES]


# --- values -----------------------------------------------------------------------------------------------
def value_of(code: str, numerator: Decimal, denominator: Decimal, record_count: int) -> Decimal | None:
    """The figure from summed numerator and denominator (None where nothing was recorded)."""
    unit = catalogue.get(code).unit
    if unit in (catalogue.FEN, catalogue.COUNT):
        return Decimal(numerator).quantize(CENT) if record_count else None
    if not denominator:
        return None
    return (Decimal(numerator) * QUERIES[code].scale / Decimal(denominator)).quantize(CENT, ROUND_HALF_UP)


Cell = tuple[Decimal, Decimal, int]  # numerator, denominator, record count


def monthly(code: str, start: dt.date, end: dt.date, as_of: dt.datetime) -> dict[tuple[int, dt.date], Cell]:
    """{(region id, first of month): (num, den, count)} for records dated in [start, end), one grouped query
    per part."""
    out: dict[tuple[int, dt.date], Cell] = {}
    spec = QUERIES[code]
    if spec.rows is not None:
        for record in spec.rows(start, end, as_of):
            key = (record["reg"], record["ev"].replace(day=1))
            n, d, c = out.get(key, (Decimal(0), Decimal(0), 0))
            out[key] = (n + record["num"], d + record["den"], c + 1)
    for part in spec.parts:
        rows = (
            part.in_range(as_of, start, end)
            .annotate(month=TruncMonth("ev", output_field=DateField()))
            .values("reg", "month")
            .annotate(n=Sum("num"), d=Sum("den"), c=Count("pk"))
            .order_by()
        )
        for row in rows:
            month = row["month"]
            if isinstance(month, dt.datetime):
                month = month.date()
            key = (row["reg"], month)
            n, d, c = out.get(key, (Decimal(0), Decimal(0), 0))
            out[key] = (n + Decimal(row["n"] or 0), d + Decimal(row["d"] or 0), c + row["c"])
    return out


def roll_up(
    cells: dict[tuple[int, dt.date], Cell], start: dt.date, end: dt.date, regions: list[Region]
) -> dict[int, Cell]:
    """Sum the months in [start, end) per region; the city row sums every region."""
    per_region: dict[int, list[Any]] = defaultdict(lambda: [Decimal(0), Decimal(0), 0])
    total: list[Any] = [Decimal(0), Decimal(0), 0]
    for (reg, month), (n, d, c) in cells.items():
        if not (start <= month < end):
            continue
        for acc in (per_region[reg], total):
            acc[0] += n
            acc[1] += d
            acc[2] += c
    out: dict[int, Cell] = {}
    for region in regions:
        acc = total if region.is_city else per_region.get(region.pk, [Decimal(0), Decimal(0), 0])
        out[region.pk] = (acc[0], acc[1], acc[2])
    return out


def per_region(cells: dict[int, Cell], regions: list[Region]) -> dict[int, Cell]:
    """A period's own figures by region (not additive over months); the city row sums every region."""
    total = (
        sum((c[0] for c in cells.values()), Decimal(0)),
        sum((c[1] for c in cells.values()), Decimal(0)),
        sum(c[2] for c in cells.values()),
    )
    return {r.pk: total if r.is_city else cells.get(r.pk, (Decimal(0), Decimal(0), 0)) for r in regions}


def digest_of(values: list[SnapshotValue], codes: dict[int, str]) -> str:
    canonical = sorted(
        [v.indicator, codes[v.region_id], str(v.numerator), str(v.denominator), str(v.value), v.record_count]
        for v in values
    )
    return hashlib.sha256(json.dumps(canonical, ensure_ascii=False).encode()).hexdigest()


# --- periods ----------------------------------------------------------------------------------------------
def period_ensure(label: str) -> Period:
    """The period with this label (2026, 2026-Q3, 2026-07), created on demand."""
    existing = Period.objects.filter(label=label).first()
    if existing is not None:
        return existing
    kind, start, end = parse_label(label)
    period, _ = Period.objects.get_or_create(label=label, defaults={"kind": kind, "start": start, "end": end})
    return period


def parse_label(label: str) -> tuple[str, dt.date, dt.date]:
    """(kind, first day, day after the last) of a label; ValueError where it is not one."""
    if len(label) == 4 and label.isdigit():
        year = int(label)
        return PeriodKind.YEAR, dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    year_text, _, rest = label.partition("-")
    if not (len(year_text) == 4 and year_text.isdigit()):
        raise ValueError(label)
    year = int(year_text)
    if rest.startswith("Q") and rest[1:] in {"1", "2", "3", "4"}:
        q = int(rest[1:])
        start = dt.date(year, 3 * q - 2, 1)
        end = dt.date(year + 1, 1, 1) if q == 4 else dt.date(year, 3 * q + 1, 1)
        return PeriodKind.QUARTER, start, end
    if len(rest) == 2 and rest.isdigit() and 1 <= int(rest) <= 12:
        m = int(rest)
        return PeriodKind.MONTH, dt.date(year, m, 1), dt.date(year + (m == 12), m % 12 + 1, 1)
    raise ValueError(label)


def year_labels(year: int) -> list[str]:
    return [str(year), *(f"{year}-Q{q}" for q in range(1, 5)), *(f"{year}-{m:02d}" for m in range(1, 13))]


def period_as_of(period: Period, now: dt.datetime) -> dt.datetime:
    """A closed period is computed as of its closing moment; an open one as of now."""
    if period.status == PeriodStatus.CLOSED and period.closed_at is not None:
        return period.closed_at
    return now


# --- snapshots --------------------------------------------------------------------------------------------
Progress = Callable[[int, str], None]


def _store(
    period: Period, as_of: dt.datetime, cells: dict[str, dict[int, Cell]], job: ComputeJob | None, at: dt.datetime
) -> Snapshot:
    regions = {r.pk: r.code for r in Region.objects.all()}
    with transaction.atomic():
        snapshot = Snapshot.objects.create(period=period, as_of=as_of, computed_at=at, digest="", job=job)
        values = [
            SnapshotValue(
                snapshot=snapshot,
                indicator=code,
                region_id=region_id,
                numerator=n,
                denominator=d,
                value=value_of(code, n, d, c),
                record_count=c,
            )
            for code, per_region in cells.items()
            for region_id, (n, d, c) in per_region.items()
        ]
        SnapshotValue.objects.bulk_create(values)
        snapshot.digest = digest_of(values, regions)
        snapshot.save(update_fields=["digest"])
        audit_record(
            actor=job.created_by if job is not None and job.created_by is not None else "system",
            action="evaluation.snapshot.create",
            obj=snapshot,
            after={"period": period.label, "as_of": as_of.isoformat(), "digest": snapshot.digest},
            at=at,
        )
    return snapshot


def snapshots_compute(
    periods: list[Period], *, now: dt.datetime, job: ComputeJob | None = None, progress: Progress | None = None
) -> list[Snapshot]:
    """Compute several periods: one grouped pass per indicator for each distinct as-of moment over the span
    of its periods, then roll-ups per period; one Snapshot per period."""
    regions = list(Region.objects.all())
    by_as_of: dict[dt.datetime, list[Period]] = defaultdict(list)
    for period in periods:
        by_as_of[period_as_of(period, now)].append(period)
    codes = implemented()
    steps = max(1, len(codes) * len(by_as_of))
    done = 0
    results: dict[int, dict[str, dict[int, Cell]]] = defaultdict(dict)
    for as_of, group in by_as_of.items():
        start, end = min(p.start for p in group), max(p.end for p in group)
        for code in codes:
            per_period = QUERIES[code].per_period
            if per_period is not None:
                for period in group:
                    results[period.pk][code] = per_region(per_period(period.start, period.end, as_of), regions)
            else:
                cells = monthly(code, start, end, as_of)
                for period in group:
                    results[period.pk][code] = roll_up(cells, period.start, period.end, regions)
            done += 1
            if progress is not None:
                progress(int(90 * done / steps), f"{code} · {as_of.astimezone(SH):%Y-%m-%d %H:%M}")
    snapshots = []
    for period in periods:
        snapshots.append(_store(period, period_as_of(period, now), results[period.pk], job, now))
    return snapshots


def snapshot_compute(period: Period, as_of: dt.datetime | None = None, job: ComputeJob | None = None) -> Snapshot:
    """Compute one period (as of its closing moment when closed, else as of ``as_of`` or now)."""
    now = as_of or clock.now()
    return snapshots_compute([period], now=now, job=job)[0]


def run_snapshot_job(*, job: ComputeJob, progress: Progress) -> dict[str, Any]:
    """params {"year": 2026} (the year, its quarters and months) or {"period": "2026-Q3"}."""
    if "period" in job.params:
        labels = [str(job.params["period"])]
    else:
        labels = year_labels(int(job.params.get("year") or clock.now().astimezone(SH).year))
    periods = [period_ensure(label) for label in labels]
    progress(1, "periods")
    snapshots = snapshots_compute(periods, now=clock.now(), job=job, progress=progress)
    progress(100, "done")
    return {
        "snapshots": {s.period.label: s.pk for s in snapshots},
        "periods": labels,
        "indicators": len(implemented()),
    }


# --- drill-down -------------------------------------------------------------------------------------------
def records(code: str, region: Region, period: Period, as_of: dt.datetime) -> list[dict[str, Any]]:
    """The records a figure is computed from, each with its numerator and denominator contribution."""
    out: list[dict[str, Any]] = []
    spec = QUERIES[code]
    if spec.rows is not None:
        out.extend(r for r in spec.rows(period.start, period.end, as_of) if region.is_city or r["reg"] == region.pk)
    for part in spec.parts:
        qs = part.in_range(as_of, period.start, period.end)
        if not region.is_city:
            qs = qs.filter(reg=region.pk)
        columns: dict[str, Any] = {"pk": F("pk"), "ev": F("ev"), "num": F("num"), "den": F("den")}
        if part.project:
            columns |= {
                "number": F(f"{part.project}__number"),
                "title": F(f"{part.project}__title"),
                "purchaser": F(f"{part.project}__purchaser__name"),
            }
        columns |= {name: F(path) for name, path in part.fields.items()}
        aliases = {f"c_{name}": expr for name, expr in columns.items()}
        for row in qs.values(**aliases).order_by("ev", "pk"):
            item = {name[2:]: value for name, value in row.items()}
            item["kind"] = part.kind
            item["project_link"] = part.project is not None
            item["num"] = Decimal(item["num"] or 0)
            item["den"] = Decimal(item["den"] or 0)
            out.append(item)
    return out


def records_total(code: str, rows: list[dict[str, Any]]) -> tuple[Decimal, Decimal, int, Decimal | None]:
    n = sum((r["num"] for r in rows), Decimal(0))
    d = sum((r["den"] for r in rows), Decimal(0))
    return n, d, len(rows), value_of(code, n, d, len(rows))


# --- the tick ---------------------------------------------------------------------------------------------
def evaluation_tick(*, at: dt.datetime, max_age: dt.timedelta) -> list[ComputeJob]:
    """Queue this year's snapshot job when its newest snapshot is older than ``max_age`` (or missing), and a
    red-flag scan; each is skipped while the same job is queued or running."""
    from .models import JobKind, JobStatus

    def busy(kind: str, params: dict[str, Any]) -> bool:
        return ComputeJob.objects.filter(
            kind=kind, params=params, status__in=[JobStatus.QUEUED, JobStatus.RUNNING]
        ).exists()

    from . import jobs

    queued: list[ComputeJob] = []
    year = at.astimezone(SH).year
    newest = Snapshot.objects.filter(period__label=str(year)).order_by("-computed_at").first()
    params = {"year": year}
    if (newest is None or newest.computed_at < at - max_age) and not busy(JobKind.SNAPSHOT, params):
        queued.append(jobs.job_request(kind=JobKind.SNAPSHOT, params=params, actor="system", at=at))
    if not busy(JobKind.RED_FLAGS, {}):
        queued.append(jobs.job_request(kind=JobKind.RED_FLAGS, params={}, actor="system", at=at))
    return queued
