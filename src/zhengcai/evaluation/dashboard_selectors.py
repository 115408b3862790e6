"""Reads for the evaluation dashboards, the report and the public page: the stored snapshot values of a period,
the targets, the county ranking and the monthly trends (a bounded number of queries whatever the number of
regions: periods, snapshots, values and targets are each read in one query).

The figures come from the latest ``Snapshot`` of each period (``SnapshotValue`` rows: one per indicator and
region; the city row is the sum of every region's numerators and denominators).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, QuerySet
from django.http import Http404

from zhengcai.accounts.selectors import Scope, user_scope
from zhengcai.core.permissions import P
from zhengcai.organizations.models import Region

from . import catalogue, ranking
from .models import (
    ComputeJob,
    JobKind,
    Period,
    PeriodKind,
    PeriodStatus,
    RedFlag,
    Snapshot,
    SnapshotValue,
)
from .selectors import latest_snapshot, targets_for_year

CODES = tuple(i.code for i in catalogue.INDICATORS)
FEN_PER_WAN = Decimal(1_000_000)  # 1 万元 = 10,000 yuan = 1,000,000 fen


# --- regions and scope ------------------------------------------------------------------------------------
def view_scope(user: Any) -> Scope:
    return user_scope(user=user, perm=P.EVALUATION_VIEW)


def regions_all() -> list[Region]:
    """The city first, then its districts and counties, in the official order (one query)."""
    return list(Region.objects.order_by("sort", "code"))


def split_regions(regions: Iterable[Region]) -> tuple[Region | None, list[Region]]:
    city, counties = None, []
    for region in regions:
        if region.is_city:
            city = city or region
        else:
            counties.append(region)
    return city, counties


def region_for(*, user: Any, code: str) -> Region:
    """A region the user may view (404 outside the scope; the city only for city-wide viewers)."""
    region = Region.objects.filter(code=code).first()
    scope = view_scope(user)
    if region is None or not (scope.everything or region.pk in scope.region_ids):
        raise Http404
    return region


def home_region(*, user: Any) -> Region | None:
    """The one county a county-scope viewer is sent to (None for city-wide viewers or several counties)."""
    scope = view_scope(user)
    if scope.everything or len(scope.region_ids) != 1:
        return None
    return Region.objects.filter(pk=next(iter(scope.region_ids))).first()


# --- periods, snapshots, values, targets -----------------------------------------------------------------
def periods_with_snapshots(*, kinds: Iterable[str] | None = None) -> list[Period]:
    """Periods that have at least one snapshot, newest first, years before quarters before months."""
    qs = Period.objects.filter(snapshots__isnull=False).distinct()
    if kinds is not None:
        qs = qs.filter(kind__in=list(kinds))
    order: dict[str, int] = {PeriodKind.YEAR: 0, PeriodKind.QUARTER: 1, PeriodKind.MONTH: 2}
    return sorted(qs, key=lambda p: (-p.start.year, order.get(p.kind, 3), p.start), reverse=False)


def period_default(periods: list[Period]) -> Period | None:
    """The latest closed year (else the latest year, else the newest period) among ``periods``."""
    years = [p for p in periods if p.kind == PeriodKind.YEAR]
    closed = [p for p in years if p.status == PeriodStatus.CLOSED]
    for candidates in (closed, years, periods):
        if candidates:
            return max(candidates, key=lambda p: (p.start, -len(p.label)))
    return None


def period_public_default(periods: list[Period]) -> Period | None:
    """For the public page: the latest closed year or quarter, else the latest year or quarter."""
    wanted = [p for p in periods if p.kind in (PeriodKind.YEAR, PeriodKind.QUARTER)]
    closed = [p for p in wanted if p.status == PeriodStatus.CLOSED]
    for candidates in (closed, wanted):
        if candidates:
            return max(candidates, key=lambda p: (p.end, p.kind == PeriodKind.YEAR))
    return None


def snapshot_values(snapshot: Snapshot | None) -> dict[tuple[str, int], SnapshotValue]:
    if snapshot is None:
        return {}
    return {(v.indicator, v.region_id): v for v in SnapshotValue.objects.filter(snapshot=snapshot)}


def monthly_series(
    *, year: int, codes: Iterable[str], region_ids: Iterable[int]
) -> tuple[list[str], dict[tuple[str, int], list[Decimal | None]]]:
    """Values of ``codes`` for ``region_ids`` month by month in ``year`` (None where a month has no snapshot or no
    value), from each month's latest snapshot: three queries whatever the number of regions."""
    labels = [f"{year}-{m:02d}" for m in range(1, 13)]
    months = {
        p.pk: p.start.month
        for p in Period.objects.filter(
            kind=PeriodKind.MONTH, start__gte=dt.date(year, 1, 1), start__lt=dt.date(year + 1, 1, 1)
        )
    }
    latest: dict[int, int] = {}  # period id → snapshot id
    for snap in Snapshot.objects.filter(period_id__in=list(months)).order_by("period_id", "-computed_at", "-pk"):
        latest.setdefault(snap.period_id, snap.pk)
    codes, region_ids = list(codes), list(region_ids)
    series: dict[tuple[str, int], list[Decimal | None]] = {(c, r): [None] * 12 for c in codes for r in region_ids}
    snapshot_month = {sid: months[pid] for pid, sid in latest.items()}
    rows = SnapshotValue.objects.filter(
        snapshot_id__in=list(snapshot_month), indicator__in=codes, region_id__in=region_ids
    ).values_list("snapshot_id", "indicator", "region_id", "value")
    for sid, code, region_id, value in rows:
        series[(code, region_id)][snapshot_month[sid] - 1] = value
    return labels, series


# --- display --------------------------------------------------------------------------------------------
def display_number(code: str, value: Decimal | None) -> Decimal | None:
    """The value in the unit shown (money in 万元), rounded for display."""
    if value is None:
        return None
    unit = catalogue.BY_CODE[code].unit
    if unit == catalogue.FEN:
        return (value / FEN_PER_WAN).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if unit == catalogue.COUNT:
        return value.quantize(Decimal(1), rounding=ROUND_HALF_UP)
    if unit == catalogue.AVERAGE:
        return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def display(code: str, value: Decimal | None) -> str:
    number = display_number(code, value)
    if number is None:
        return "—"
    return f"{number}%" if catalogue.BY_CODE[code].unit == catalogue.PERCENT else str(number)


def display_target(code: str, target: Decimal | None) -> str:
    """A target with its direction: "≤30.0" (lower is better), "≥75.0%" (higher is better)."""
    if target is None:
        return "—"
    sign = "≥" if catalogue.BY_CODE[code].higher_is_better else "≤"
    return sign + display(code, target)


def chart_number(code: str, value: Decimal | None) -> float | None:
    number = display_number(code, value)
    return float(number) if number is not None else None


# --- the boards ----------------------------------------------------------------------------------------
@dataclass
class Figure:
    """One indicator for one region: value, target, met?, rank among counties."""

    indicator: catalogue.Indicator
    region: Region
    value: Decimal | None
    target: Decimal | None
    record_count: int = 0
    rank: int | None = None
    trend: list[Decimal | None] = field(default_factory=list)

    @property
    def code(self) -> str:
        return self.indicator.code

    @property
    def met(self) -> bool | None:
        return self.indicator.meets(self.value, self.target)

    @property
    def shown(self) -> str:
        return display(self.code, self.value)

    @property
    def unit_zh(self) -> str:
        return catalogue.UNIT_LABELS[self.indicator.unit][0]

    @property
    def target_shown(self) -> str:
        return display_target(self.code, self.target)


@dataclass
class Board:
    """What the overview, the county page, the report and the public page show for one period."""

    period: Period | None
    periods: list[Period]
    snapshot: Snapshot | None
    city: Region | None
    counties: list[Region]
    targets: dict[str, Decimal | None]
    values: dict[tuple[str, int], SnapshotValue]
    places: list[ranking.Place]

    @property
    def year(self) -> int | None:
        return self.period.start.year if self.period else None

    def value(self, code: str, region: Region | None) -> Decimal | None:
        if region is None:
            return None
        row = self.values.get((code, region.pk))
        return row.value if row is not None else None

    def figure(self, code: str, region: Region) -> Figure:
        row = self.values.get((code, region.pk))
        place = next((p for p in self.places if p.region.pk == region.pk), None)
        return Figure(
            indicator=catalogue.BY_CODE[code],
            region=region,
            value=row.value if row is not None else None,
            target=self.targets.get(code),
            record_count=row.record_count if row is not None else 0,
            rank=place.ranks.get(code) if place is not None else None,
        )

    def city_headline(self) -> list[Figure]:
        return [self.figure(code, self.city) for code in catalogue.HEADLINE] if self.city else []


def board(*, period: Period | None, periods: list[Period], regions: list[Region] | None = None) -> Board:
    """The period's latest snapshot with its values, targets and the county ranking."""
    city, counties = split_regions(regions if regions is not None else regions_all())
    snapshot = latest_snapshot(period) if period is not None else None
    values = snapshot_values(snapshot)
    targets = (
        targets_for_year(period.start.year) if period is not None else {i.code: i.target for i in catalogue.INDICATORS}
    )
    plain = {key: row.value for key, row in values.items()}
    places = ranking.rank_regions(plain, counties, CODES)
    return Board(
        period=period,
        periods=periods,
        snapshot=snapshot,
        city=city,
        counties=counties,
        targets=targets,
        values=values,
        places=places,
    )


def period_pick(periods: list[Period], label: str | None, *, default: Period | None) -> Period | None:
    """The period named ``label`` among ``periods`` (404 for an unknown label), else ``default``."""
    if not label:
        return default
    for p in periods:
        if p.label == label:
            return p
    raise Http404


# --- reports and red flags --------------------------------------------------------------------------------
def report_jobs() -> QuerySet[ComputeJob]:
    return ComputeJob.objects.filter(kind=JobKind.REPORT).select_related("created_by").order_by("-created_at", "-pk")


def report_job_get(*, pk: int) -> ComputeJob:
    job = ComputeJob.objects.filter(kind=JobKind.REPORT, pk=pk).first()
    if job is None:
        raise Http404
    return job


@dataclass
class FlagCount:
    code: str
    region: Region
    total: int = 0
    open: int = 0
    confirmed: int = 0
    explained: int = 0

    @property
    def name(self) -> str:
        """The flag's name in the active language (redflags.py's catalogue; the code for an unknown flag)."""
        from .redflags import flag_name

        return str(flag_name(self.code))


def red_flag_summary(*, period: Period) -> list[FlagCount]:
    """Red flags raised on events in the period, by flag and region (two queries)."""
    rows = (
        RedFlag.objects.filter(occurred_on__gte=period.start, occurred_on__lt=period.end)
        .values_list("code", "region_id", "status")
        .annotate(n=Count("id"))
        .order_by("code", "region_id", "status")
    )
    regions = {r.pk: r for r in Region.objects.filter(pk__in={row[1] for row in rows})}
    counts: dict[tuple[str, int], FlagCount] = {}
    for code, region_id, status, n in rows:
        row = counts.get((code, region_id))
        if row is None:
            row = counts[(code, region_id)] = FlagCount(code=code, region=regions[region_id])
        row.total += n
        if status in ("open", "confirmed", "explained"):
            setattr(row, status, getattr(row, status) + n)
    return sorted(counts.values(), key=lambda r: (r.code, r.region.sort, r.region.code))
