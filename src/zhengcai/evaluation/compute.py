"""The indicator engine: one grouped query per indicator over the platform's own records, per region and month.

Each catalogue code has a ``Spec`` in ``QUERIES``: one or more ``Part``s, each a queryset of records annotated
with ``ev`` (the record's date in the period: a DateField or a datetime's Asia/Shanghai date), ``reg`` (the
project's region), ``num`` and ``den`` (the record's contribution). The engine groups every part by (region,
month) in SQL; a quarter, year or the city row is the SUM of the months' numerators and denominators, never an
average of values. ``records`` runs the very same querysets ungrouped, so a drill-down always sums to its figure.

**Speed** (``cells_for``): parts over the very same rows are summed in one query (``FAMILIES``: the opened
tenders with their live bids, the published tenders, the signed contracts, the bid securities); a part may
have a faster grouped query (``Spec.fast``: SME payment days from the contracts' side). The parts stay the
definition the drill-down lists, and the tests check every family and fast query against them. On
PostgreSQL outside a transaction the queries run on two connections at once.

**Computed in Python** (``Spec.rows``): the bid-security refund is due 5 *working* days after its trigger,
and a challenge's answer time counts working days (C-CHALLENGE-7WD), which SQL cannot count portably; their
records are grouped by month here. **Per period** (``Spec.per_period``):
training coverage counts distinct organizations, not additive over months, so each period has its own
grouped query; the city row counts every organization once.

**As-of**: a record only counts where it was known at ``as_of`` (its ``recorded_at`` / ``created_at`` /
``published_at``). A closed period is computed as of its ``closed_at``: recomputing it gives the same numbers
and the same digest, whatever was recorded later. The digest hashes the values as stored (2 decimal places),
so it can be re-checked from the SnapshotValue rows.

Two known as-of limits, which need a model change to lift:

- bid-security refunds (``bid_security_refund_on_time``) are known by their ``refunded_on`` date: BidSecurity
  keeps no time the refund was recorded, so a refund recorded late (dated back) changes a closed period;
- training coverage (``training_coverage``) counts organizations by their *current* status (active or not):
  Organization keeps its creation time but not when it was deactivated, so an organization deactivated after
  a period closed leaves that period's denominator when it is recomputed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import partial
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
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import TruncDate, TruncMonth
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

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
        qs = self.build(as_of)
        if not self.moment:
            return qs.filter(ev__gte=start, ev__lt=end)
        # ev is the moment's Asia/Shanghai date: ev in [start, end) is exactly the moment in [start 00:00, end
        # 00:00) local time — a plain column range the planner estimates well (the expression it cannot)
        first = dt.datetime.combine(start, dt.time(0), tzinfo=SH)
        after = dt.datetime.combine(end, dt.time(0), tzinfo=SH)
        return qs.filter(**{f"{self.moment}__gte": first, f"{self.moment}__lt": after})


Rows = Callable[..., list[dict[str, Any]]]  # (start, end, as_of, *, detail=True)
Cell = tuple[Decimal, Decimal, int]  # numerator, denominator, record count
Cells = dict[tuple[int, dt.date], Cell]  # {(region id, first of month): cell}


@dataclass(frozen=True)
class Spec:
    parts: tuple[Part, ...] = ()
    scale: Decimal = Decimal(1)  # value = num / den × scale (percent: 100); fen and count: value = num
    # records computed in Python (a working-day due date cannot be computed in SQL portably): ``rows(start,
    # end, as_of)`` returns the records dated in [start, end) as dicts with ev, reg, num, den and the
    # drill-down columns; grouped by region and month in Python, additive like the parts
    rows: Rows | None = None
    # the same monthly sums as the parts, from one faster query (the parts stay the drill-down's definition;
    # the tests check both agree)
    fast: Callable[[dt.date, dt.date, dt.datetime], Cells] | None = None
    # a figure that is not additive over months (distinct organizations): ``per_period(start, end, as_of)``
    # gives {region id: (num, den, count)} for the period itself (one grouped query); ``rows`` lists the
    # same records for the drill-down
    per_period: Callable[[dt.date, dt.date, dt.datetime], dict[int, tuple[Decimal, Decimal, int]]] | None = None


# the drill-down's record kinds (Part.kind and the rows' "kind"), as shown to people
KIND_LABELS = {
    "tender": gettext_lazy("Tender"),
    "bid": gettext_lazy("Bid"),
    "award": gettext_lazy("Award"),
    "contract": gettext_lazy("Contract"),
    "amendment": gettext_lazy("Contract change"),
    "payment": gettext_lazy("Payment"),
    "bid_security": gettext_lazy("Bid security"),
    "performance_security": gettext_lazy("Performance security"),
    "loan": gettext_lazy("Loan disbursement"),
    "challenge": gettext_lazy("Challenge"),
    "complaint": gettext_lazy("Complaint"),
    "service_request": gettext_lazy("Service request"),
    "reads": gettext_lazy("Reads"),
    "clicks": gettext_lazy("Short-link clicks"),
    "leaflets": gettext_lazy("Leaflets distributed"),
    "attendance": gettext_lazy("Event attendance"),
    "organization": gettext_lazy("Organization"),
}


def kind_label(kind: str) -> str:
    """A record kind in the active language (the code itself where it has no label)."""
    label = KIND_LABELS.get(kind)
    return str(label) if label is not None else kind


# the computation's steps, as the job page shows them (families and parts; an indicator's own step shows
# its catalogue name)
STEP_LABELS = {
    "opened tenders": gettext_lazy("Opened tenders and their bids"),
    "published tenders": gettext_lazy("Published tenders"),
    "signed contracts": gettext_lazy("Signed contracts"),
    "bid securities": gettext_lazy("Bid securities"),
}


def step_label(name: str) -> str:
    """A step name ("signed contracts", "days_to_pay_sme", "publicity_reach/clicks") in the active language."""
    if name in STEP_LABELS:
        return str(STEP_LABELS[name])
    code, _sep, kind = name.partition("/")
    if code in catalogue.BY_CODE:
        label = str(catalogue.get(code).name)
        return f"{label} · {kind_label(kind)}" if kind and kind != "rows" else label
    return name


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
    paper = (
        pm.Bid.objects.filter(tender=OuterRef("pk"), receipt_signature="", submitted_at__lte=as_of)
        .exclude(status=pm.BidStatus.REPLACED)
        .exclude(Q(withdrawn_at__isnull=False) & Q(withdrawn_at__lte=as_of))
    )
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


def _on_time(
    qs: QuerySet[Any], *, published: str, due: str, as_of: dt.datetime, dated: str | None = None
) -> QuerySet[Any]:
    """Records due in the period (dated by their due day, or by the column ``dated``): counted once published
    by as_of or once the due day has passed; on time where published by as_of on or before the due day."""
    today = as_of.astimezone(SH).date()
    return (
        qs.annotate(ev=F(dated or due), pub_on=local_date(published))
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
    qs = (
        pm.ContractAmendment.objects.filter(recorded_at__lte=as_of)
        .annotate(reg=F("contract__project__region_id"))
        .order_by()
    )
    # dated by the change (the period it happened in); counted, like the other notices, once published by
    # as_of or once its publication due day has passed
    return _on_time(qs, published="published_at", due="publish_due", as_of=as_of, dated="changed_on")


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


def sme_paid_off_cells(start: dt.date, end: dt.date, as_of: dt.datetime) -> Cells:
    """The sums of ``sme_paid_off`` from the contracts' side: per SME contract accepted, its payments known at
    as_of grouped (their total and their last day); a contract whose total reaches its amount was paid off on
    that last day, accepted_on → last day in days. One query: the per-contract grouping inside, grouped by
    region and day outside, the months summed here."""
    pm, _sm, _fm = _models()
    inner = (
        pm.Payment.objects.filter(
            recorded_at__lte=as_of, contract__supplier_size__in=SME, contract__accepted_on__isnull=False
        )
        .values("contract_id")
        .annotate(
            reg=F("contract__project__region_id"),
            accepted=F("contract__accepted_on"),
            amount=F("contract__amount_fen"),
        )
        .annotate(paid=Sum("amount_fen"), last=Max("paid_on"))
        .filter(paid__gte=F("amount"), last__gte=start, last__lt=end)
        .annotate(days=DaysBetween(F("last"), F("accepted")))
        .order_by()
    )
    out: Cells = {}
    for reg, last, days, count in _grouped_by_day(
        inner, '"reg", "last", SUM("days"), COUNT(*)', '"reg", "last"', pm.Payment
    ):
        _add(out, reg, _day(last).replace(day=1), days, count, count)
    return out


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
    """The loans the banks paid out (financing.Disbursement), dated by the disbursement, known once recorded."""
    _pm, _sm, fm = _models()
    return (
        fm.Disbursement.objects.filter(recorded_at__lte=as_of)
        .annotate(
            ev=F("disbursed_on"),
            reg=F("agreement__application__contract__project__region_id"),
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


def challenge_rows(start: dt.date, end: dt.date, as_of: dt.datetime, *, detail: bool = True) -> list[dict[str, Any]]:
    """Challenges answered in [start, end) by as_of, dated by the answer: the *working* days from receipt to
    answer (C-CHALLENGE-7WD counts working days; zhengcai.core.calendar), counted in Python over a lean
    list (challenges are few)."""
    from zhengcai.core import calendar
    from zhengcai.procurement.models import Challenge

    first, after = _local_bounds(start, end)
    columns = ["pk", "project__region_id", "received_at", "answered_at"]
    if detail:
        columns += ["project__number", "project__title", "project__purchaser__name", "supplier__name"]
    qs = Challenge.objects.filter(answered_at__lte=as_of, answered_at__gte=first, answered_at__lt=after)
    out = []
    for row in qs.order_by().values_list(*columns):
        pk, reg, received_at, answered_at = row[:4]
        received_on, answered_on = received_at.astimezone(SH).date(), answered_at.astimezone(SH).date()
        record: dict[str, Any] = {
            "pk": pk,
            "reg": reg,
            "ev": answered_on,
            "num": Decimal(calendar.working_days_between(received_on, answered_on)),
            "den": Decimal(1),
        }
        if detail:
            number, title, purchaser, supplier = row[4:]
            record |= {
                "kind": "challenge",
                "project_link": True,
                "number": number,
                "title": title,
                "purchaser": purchaser,
                "supplier": supplier,
                "received_on": received_on,
            }
        out.append(record)
    out.sort(key=lambda r: (r["ev"], r["pk"]))
    return out


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


def training_rows(start: dt.date, end: dt.date, as_of: dt.datetime, *, detail: bool = True) -> list[dict[str, Any]]:
    """The organizations of the coverage, covered (1) or not (0), dated by their first completion (the
    drill-down's list; the figure itself is ``training_cells``)."""
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
def _refund_due_before(trigger: dt.date, end: dt.date) -> dt.date | None:
    """``securities.rules.bid_refund_due(trigger)`` (the 5th working day after the trigger) where it falls
    before ``end``, else None — without counting working days past ``end``, whose year's holiday calendar
    may not be loaded yet."""
    from zhengcai.core import calendar
    from zhengcai.securities import rules

    day, remaining = trigger, 5
    while remaining:
        day += dt.timedelta(days=1)
        if day >= end:
            return None
        remaining -= calendar.is_workday(day)
    return rules.bid_refund_due(trigger)  # the securities app's own definition, now known to end before ``end``


def refund_rows(start: dt.date, end: dt.date, as_of: dt.datetime, *, detail: bool = True) -> list[dict[str, Any]]:
    """Cash bid securities (bank transfers) whose refund fell due in [start, end) (S-BID-REFUND-5WD): 5
    working days after the trigger known by as_of — the result notice for the losers, the contract signing
    for the winner, the termination notice where the procurement ended (the same triggers as the securities
    app's refund clock). Counted once refunded or once the due day has passed; on time where refunded on or
    before the due day. The refund is known by its date (the securities app refuses a refund dated after the
    day it is recorded). ``detail``: with the drill-down's columns (project, purchaser, supplier)."""
    from zhengcai.procurement.models import Notice, NoticeKind
    from zhengcai.securities.models import BidSecurity, SecurityForm, SecurityStatus

    today = as_of.astimezone(SH).date()
    # a trigger lies at most a few weeks before its due day (5 working days, the longest holiday included)
    earliest = start - dt.timedelta(days=31)
    first, after = _local_bounds(earliest, end)
    ended: dict[int, dt.date] = {}
    for project_id, published_at in (
        Notice.objects.filter(kind=NoticeKind.TERMINATION, published_at__lte=as_of)
        .order_by("published_at")
        .values_list("project_id", "published_at")
    ):
        ended.setdefault(project_id, published_at.astimezone(SH).date())
    award = "tender__project__award__"
    contract = "tender__project__contract__"
    columns = [
        "pk",
        "tender__project_id",
        "tender__project__region_id",
        "winner",
        "result_on",
        "signed",
        "refunded_on",
    ]
    if detail:
        columns += [
            "tender__project__number",
            "tender__project__title",
            "tender__project__purchaser__name",
            "supplier__name",
            "amount_fen",
        ]
    qs = (
        BidSecurity.objects.filter(recorded_at__lte=as_of, form=SecurityForm.TRANSFER, tender__deadline__lt=after)
        .exclude(status=SecurityStatus.NONE)
        .filter(
            Q(**{f"{award}result_published_at__gte": first})
            | Q(**{f"{contract}signed_on__gte": earliest})
            | Q(tender__project_id__in=list(ended))
        )
        .annotate(
            winner=Case(
                When(Q(**{f"{award}winning_bid__supplier_id": F("supplier_id")}), then=Value(True)),
                default=Value(False),
            ),
            result_on=Case(
                When(Q(**{f"{award}result_published_at__lte": as_of}), then=local_date(f"{award}result_published_at")),
                default=None,
                output_field=DateField(),
            ),
            signed=Case(
                When(Q(**{f"{contract}created_at__lte": as_of}), then=F(f"{contract}signed_on")),
                default=None,
                output_field=DateField(),
            ),
        )
        .order_by()
        .values_list(*columns)
    )
    due_of: dict[dt.date, dt.date | None] = {}
    out = []
    for row in qs:
        pk, project_id, reg, winner, result_on, signed, refunded_on = row[:7]
        trigger = ended.get(project_id, signed if winner else result_on)
        if trigger is None:
            continue
        if trigger not in due_of:
            due_of[trigger] = _refund_due_before(trigger, end)
        due = due_of[trigger]
        if due is None or due < start:
            continue
        refunded = refunded_on if refunded_on is not None and refunded_on <= today else None
        if refunded is None and due >= today:
            continue
        record: dict[str, Any] = {
            "pk": pk,
            "reg": reg,
            "ev": due,
            "num": Decimal(1 if refunded is not None and refunded <= due else 0),
            "den": Decimal(1),
        }
        if detail:
            number, title, purchaser, supplier, fen = row[7:]
            record |= {
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
        out.append(record)
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
        ),
        fast=sme_paid_off_cells,
    ),
    "sme_award_share": Spec(
        (Part("contract", sme_share, fields={**CONTRACT, "supplier_size": "supplier_size"}),), P100
    ),
    "financing_raised": Spec(
        (
            Part(
                "loan",
                loans,
                project="agreement__application__contract__project",
                fields={
                    "supplier": "agreement__application__contract__supplier__name",
                    "bank": "agreement__bank__name",
                    "amount_fen": "amount_fen",
                },
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
QUERIES["challenge_handling_days"] = Spec(rows=challenge_rows)
QUERIES["training_coverage"] = Spec(scale=P100, rows=training_rows, per_period=training_cells)


# --- families: parts of several indicators over the very same rows, summed in one grouped query -------------
def member(num: Any, den: Any, when: Q | None = None) -> tuple[Any, Any, Any]:
    """A member's (num, den, k) columns: its contribution where the row is one of its records (``when``),
    0 elsewhere; k counts its records."""
    if when is None:
        return num, den, Value(1)
    return (
        Case(When(when, then=num), default=Value(0)),
        Case(When(when, then=den), default=Value(0)),
        one_if(when),
    )


def _columns(*members: tuple[Any, Any, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for i, (n, d, k) in enumerate(members):
        out |= {f"n_{i}": n, f"d_{i}": d, f"k_{i}": k}
    return out


def family_published(as_of: dt.datetime) -> QuerySet[Any]:
    """Tenders published: intention_coverage, intention_lead, tenders_published."""
    qs = _published_tenders(as_of).annotate(lead=DaysBetween(F("ev"), F("intention_on")))
    return qs.annotate(
        **_columns(
            member(one_if(Q(intention_on__isnull=False, lead__gte=30)), Value(1)),
            member(F("lead"), Value(1), Q(intention_on__isnull=False)),
            member(Value(0), Value(1)),
        )
    )


def family_contracts(as_of: dt.datetime) -> QuerySet[Any]:
    """Contracts signed: result_to_contract, performance_ratio, advance_ratio, sme_share; and contract_notices
    (the same contracts, dated by their publication due day)."""
    today = as_of.astimezone(SH).date()
    qs = _contracts(as_of).annotate(awarded_on=local_date("award__determined_at"), pub_on=local_date("published_at"))
    return qs.annotate(
        **_columns(
            member(DaysBetween(F("signed_on"), F("awarded_on")), Value(1)),
            member(
                Case(
                    When(performance_security__recorded_at__lte=as_of, then=F("performance_security__amount_fen")),
                    default=Value(0),
                ),
                F("amount_fen"),
            ),
            member(F("advance_payment_fen"), F("amount_fen")),
            member(Case(When(supplier_size__in=SME, then=F("amount_fen")), default=Value(0)), F("amount_fen")),
            # contract_notices, dated by the publication due day (Family.dated)
            member(
                one_if(Q(published_at__lte=as_of) & Q(pub_on__lte=F("publish_due"))),
                Value(1),
                Q(published_at__lte=as_of) | Q(publish_due__lt=today),
            ),
        )
    )


def family_bid_securities(as_of: dt.datetime) -> QuerySet[Any]:
    """Bid securities provided: bid_exempt, bid_guarantee."""
    return bid_securities(as_of).annotate(
        **_columns(
            member(one_if(Q(form="exempt")), Value(1)),
            member(one_if(Q(form="guarantee")), Value(1), ~Q(form="exempt")),
        )
    )


def _grouped_by_day(inner: QuerySet[Any], columns: str, group: str, model: Any) -> list[tuple[Any, ...]]:
    """Rows of ``SELECT {columns} FROM (inner) GROUP BY {group}``: a grouping over the rows of a grouped
    queryset (the ORM cannot nest aggregates); the inner SQL is the ORM's, its values passed as parameters."""
    from django.db import connections, router

    sql, params = inner.query.sql_with_params()
    with connections[router.db_for_read(model)].cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM ({sql}) AS per_record GROUP BY {group}", params)  # noqa: S608
        return cursor.fetchall()


def _day(value: Any) -> dt.date:
    return dt.date.fromisoformat(value[:10]) if isinstance(value, str) else value


class OpenedTenders:
    """The tenders opened by as_of, dated by the opening (``e_procurement``, ``bid_security_required``,
    ``opened_tenders``) and their live bids (``live_bids``): one pass over the tenders joined to their bids,
    grouped per tender (its live bids counted, any paper bid seen), then by region and day."""

    name = "opened tenders"
    members = (
        ("e_procurement_rate", 0),
        ("bid_security_share", 0),
        ("bidders_per_tender", 0),
        ("bidders_per_tender", 1),
    )

    def cells(self, start: dt.date, end: dt.date, as_of: dt.datetime) -> dict[tuple[str, int], Cells]:
        pm, _sm, _fm = _models()
        live = (
            Q(bids__submitted_at__lte=as_of)
            & Q(bids__status__in=[s for s in pm.BidStatus.values if s != pm.BidStatus.REPLACED])
            & (Q(bids__withdrawn_at__isnull=True) | Q(bids__withdrawn_at__gt=as_of))
        )
        inner = (
            Part(self.name, _opened_tenders, moment="deadline")
            .in_range(as_of, start, end)
            .values("pk", "reg", "ev", "project__bid_security_fen")
            .annotate(
                live=Count("bids", filter=live), paper=Count("bids", filter=live & Q(bids__receipt_signature=""))
            )
            .order_by()
        )
        rows = _grouped_by_day(
            inner,
            "reg, ev, COUNT(*), SUM(CASE WHEN paper = 0 THEN 1 ELSE 0 END), "
            'SUM(CASE WHEN "project__bid_security_fen" > 0 THEN 1 ELSE 0 END), SUM(live)',
            "reg, ev",
            pm.Tender,
        )
        out: dict[tuple[str, int], Cells] = {m: {} for m in self.members}
        for reg, ev, tenders, electronic, secured, bids in rows:
            month = _day(ev).replace(day=1)
            _add(out["e_procurement_rate", 0], reg, month, electronic, tenders, tenders)
            _add(out["bid_security_share", 0], reg, month, secured, tenders, tenders)
            _add(out["bidders_per_tender", 0], reg, month, 0, tenders, tenders)
            if bids:
                _add(out["bidders_per_tender", 1], reg, month, bids, 0, bids)
        return out


@dataclass(frozen=True)
class Family:
    """Parts of several indicators that are the very same rows (one table, one dating, one as-of filter):
    one grouped query sums them all. ``build(as_of)`` annotates ev, reg and, for the i-th member, n_i, d_i
    (its numerator and denominator, 0 on rows not its own) and k_i (1 on its own rows). Each member is
    ``(code, index of the part in QUERIES[code].parts)``: that part stays the definition the drill-down
    lists, and the tests check the family sums equal the part's own query."""

    name: str
    build: Callable[[dt.datetime], QuerySet[Any]]
    members: tuple[tuple[str, int], ...]
    moment: str = ""
    # members dated by another date column of the same rows than ``ev`` ({member index: column}): the rows
    # are grouped by the month of each date, each member summing the rows whose own date is in range
    dated: dict[int, str] = field(default_factory=dict)

    def cells(self, start: dt.date, end: dt.date, as_of: dt.datetime) -> dict[tuple[str, int], Cells]:
        dates = ["ev", *sorted(set(self.dated.values()))]
        sums: dict[str, Any] = {}
        for i in range(len(self.members)):
            date = self.dated.get(i, "ev")
            own = Q(**{f"{date}__gte": start, f"{date}__lt": end}) if len(dates) > 1 else None
            sums |= {
                f"n{i}": Sum(f"n_{i}", filter=own),
                f"d{i}": Sum(f"d_{i}", filter=own),
                f"c{i}": Sum(f"k_{i}", filter=own),
            }
        if len(dates) > 1:
            in_any = Q()
            for date in dates:
                in_any |= Q(**{f"{date}__gte": start, f"{date}__lt": end})
            qs = self.build(as_of).filter(in_any)
        else:
            qs = Part(self.name, self.build, moment=self.moment).in_range(as_of, start, end)
        months = {f"m_{date}": TruncMonth(date, output_field=DateField()) for date in dates}
        rows = qs.annotate(**months).values("reg", *months).annotate(**sums).order_by()
        out: dict[tuple[str, int], Cells] = {m: {} for m in self.members}
        for row in rows:
            for i, m in enumerate(self.members):
                if row[f"c{i}"]:
                    month = row[f"m_{self.dated.get(i, 'ev')}"]
                    _add(out[m], row["reg"], month, row[f"n{i}"], row[f"d{i}"], row[f"c{i}"])
        return out


FAMILIES: tuple[Family | OpenedTenders, ...] = (
    OpenedTenders(),
    Family(
        "published tenders",
        family_published,
        (("intention_coverage", 0), ("intention_lead_days", 0), ("challenges_per_100", 2)),
        moment="published_at",
    ),
    Family(
        "signed contracts",
        family_contracts,
        (
            ("days_result_to_contract", 0),
            ("performance_security_ratio", 0),
            ("advance_payment_ratio", 0),
            ("sme_award_share", 0),
            ("contract_notice_on_time", 0),
        ),
        dated={4: "publish_due"},
    ),
    Family(
        "bid securities",
        family_bid_securities,
        (("bid_security_exemption_rate", 0), ("guarantee_share", 0)),
    ),
)


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


def _add(out: Cells, reg: int, month: Any, n: Any, d: Any, c: int) -> None:
    if isinstance(month, dt.datetime):
        month = month.date()
    key = (reg, month)
    n0, d0, c0 = out.get(key, (Decimal(0), Decimal(0), 0))
    out[key] = (n0 + Decimal(n or 0), d0 + Decimal(d or 0), c0 + int(c or 0))  # SUM may come back numeric


def part_cells(part: Part, start: dt.date, end: dt.date, as_of: dt.datetime) -> Cells:
    """One part's records dated in [start, end), grouped by region and month in one query."""
    out: Cells = {}
    rows = (
        part.in_range(as_of, start, end)
        .annotate(month=TruncMonth("ev", output_field=DateField()))
        .values("reg", "month")
        .annotate(n=Sum("num"), d=Sum("den"), c=Count("pk"))
        .order_by()
    )
    for row in rows:
        _add(out, row["reg"], row["month"], row["n"], row["d"], row["c"])
    return out


def rows_cells(code: str, start: dt.date, end: dt.date, as_of: dt.datetime) -> Cells:
    out: Cells = {}
    rows = QUERIES[code].rows
    if rows is None:
        return out
    for record in rows(start, end, as_of, detail=False):
        _add(out, record["reg"], record["ev"].replace(day=1), record["num"], record["den"], 1)
    return out


def monthly(code: str, start: dt.date, end: dt.date, as_of: dt.datetime) -> Cells:
    """{(region id, first of month): (num, den, count)} for records dated in [start, end), one grouped query
    per part (the reference the merged families are tested against)."""
    out: Cells = {}
    spec = QUERIES[code]
    pieces = [part_cells(part, start, end, as_of) for part in spec.parts]
    if spec.rows is not None:
        pieces.append(rows_cells(code, start, end, as_of))
    for piece in pieces:
        for (reg, month), (n, d, c) in piece.items():
            _add(out, reg, month, n, d, c)
    return out


def _parallel_ok() -> bool:
    """Queries may run on two connections at once on PostgreSQL outside a transaction (inside one — a test,
    a request — another connection would not see its rows); SQLite runs them one after the other."""
    from django.db import connection

    return connection.vendor == "postgresql" and not connection.in_atomic_block


WORK_MEM = "64MB"  # per sort or hash of the engine's own connections: grouping a year of records in memory


def _in_thread(task: Callable[[], Any]) -> Callable[[], Any]:
    def run() -> Any:
        from django.db import connection, connections

        try:
            with connection.cursor() as cursor:  # this thread's own connection, closed below
                # JIT compiling costs more than it saves on these one-pass aggregates (measured: ~0.4 s each)
                cursor.execute("SELECT set_config('work_mem', %s, false), set_config('jit', 'off', false)", [WORK_MEM])
            return task()
        finally:
            connections.close_all()  # this thread's own connections

    return run


WORKERS = 2  # connections used at once on PostgreSQL


HEAVY = (
    "opened tenders",
    "signed contracts",
    "days_to_pay_sme",
    "bid_security_refund_on_time/rows",
    "published tenders",
    "guarantee_share/performance_security",
)


def _keyed(key: tuple[str, int], fn: Callable[..., Cells], *args: Any) -> dict[tuple[str, int], Cells]:
    return {key: fn(*args)}


def cells_for(
    codes: list[str],
    start: dt.date,
    end: dt.date,
    as_of: dt.datetime,
    *,
    step: Callable[[str], None] | None = None,
    parallel: bool | None = None,
) -> dict[str, Cells]:
    """The monthly cells of every code over [start, end) as of ``as_of``: each family in one grouped query,
    the other parts in one each (codes computed per period are left out). On PostgreSQL outside a
    transaction the queries run on ``WORKERS`` connections at once; the results are the same."""
    wanted = set(codes)
    covered = {m for family in FAMILIES for m in family.members}
    tasks: list[tuple[str, Callable[[], Any]]] = []
    for family in FAMILIES:
        if any(code in wanted for code, _i in family.members):
            tasks.append((family.name, partial(family.cells, start, end, as_of)))
    for code in codes:
        spec = QUERIES[code]
        if spec.per_period is not None:
            continue
        if spec.fast is not None:
            tasks.append((code, partial(_keyed, (code, 0), spec.fast, start, end, as_of)))
            continue
        for i, part in enumerate(spec.parts):
            if (code, i) not in covered:
                tasks.append((f"{code}/{part.kind}", partial(_keyed, (code, i), part_cells, part, start, end, as_of)))
        if spec.rows is not None:
            tasks.append((f"{code}/rows", partial(_keyed, (code, -1), rows_cells, code, start, end, as_of)))
    # the longest first, so that two connections finish together (measured on the benchmark)
    tasks.sort(key=lambda t: HEAVY.index(t[0]) if t[0] in HEAVY else len(HEAVY))
    pieces: dict[tuple[str, int], Cells] = {}
    if parallel if parallel is not None else _parallel_ok():
        from concurrent.futures import ThreadPoolExecutor, as_completed

        with ThreadPoolExecutor(max_workers=WORKERS) as pool:
            futures = {pool.submit(_in_thread(task)): name for name, task in tasks}
            for future in as_completed(futures):
                pieces |= future.result()
                if step is not None:
                    step(futures[future])
    else:
        for name, task in tasks:
            pieces |= task()
            if step is not None:
                step(name)
    out: dict[str, Cells] = {code: {} for code in codes if QUERIES[code].per_period is None}
    for (code, _i), cells in pieces.items():
        if code in out:
            for (reg, month), (n, d, c) in cells.items():
                _add(out[code], reg, month, n, d, c)
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


def _stored(value: Decimal | None) -> str:
    """A decimal as the database stores it (2 places): the digest is the same from the computed values and
    from the stored rows."""
    return "None" if value is None else str(Decimal(value).quantize(CENT, ROUND_HALF_UP))


def digest_of(values: list[SnapshotValue], codes: dict[int, str]) -> str:
    canonical = sorted(
        [
            v.indicator,
            codes[v.region_id],
            _stored(v.numerator),
            _stored(v.denominator),
            _stored(v.value),
            v.record_count,
        ]
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
        for v in values:  # stored with 2 places: the digest below is the stored rows' own
            v.numerator, v.denominator = Decimal(v.numerator).quantize(CENT), Decimal(v.denominator).quantize(CENT)
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
    per_as_of = len(FAMILIES) + sum(
        len([i for i in range(len(QUERIES[c].parts)) if (c, i) not in {m for f in FAMILIES for m in f.members}])
        + (QUERIES[c].rows is not None or QUERIES[c].per_period is not None)
        for c in codes
    )
    steps = max(1, per_as_of * len(by_as_of))
    done = 0
    results: dict[int, dict[str, dict[int, Cell]]] = defaultdict(dict)
    for as_of, group in by_as_of.items():
        start, end = min(p.start for p in group), max(p.end for p in group)
        moment = f"{as_of.astimezone(SH):%Y-%m-%d %H:%M}"

        def step(name: str, moment: str = moment) -> None:
            nonlocal done
            done += 1
            if progress is not None:
                progress(
                    min(90, int(90 * done / steps)),
                    _("{step} · as of {moment}").format(step=step_label(name), moment=moment),
                )

        monthly_cells = cells_for(codes, start, end, as_of, step=step)
        for code in codes:
            per_period = QUERIES[code].per_period
            if per_period is not None:
                for period in group:
                    results[period.pk][code] = per_region(per_period(period.start, period.end, as_of), regions)
                step(code)
            else:
                for period in group:
                    results[period.pk][code] = roll_up(monthly_cells[code], period.start, period.end, regions)
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
    progress(1, _("Preparing the periods"))
    snapshots = snapshots_compute(periods, now=clock.now(), job=job, progress=progress)
    progress(100, _("Done"))
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
    from . import jobs
    from .models import JobKind

    busy = jobs.job_busy

    queued: list[ComputeJob] = []
    year = at.astimezone(SH).year
    newest = Snapshot.objects.filter(period__label=str(year)).order_by("-computed_at").first()
    params = {"year": year}
    if (newest is None or newest.computed_at < at - max_age) and not busy(kind=JobKind.SNAPSHOT, params=params):
        queued.append(jobs.job_request(kind=JobKind.SNAPSHOT, params=params, actor="system", at=at))
    if not busy(kind=JobKind.RED_FLAGS, params={}):
        queued.append(jobs.job_request(kind=JobKind.RED_FLAGS, params={}, actor="system", at=at))
    return queued
