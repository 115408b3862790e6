"""Service desk figures (SERVICE_VIEW), in the reader's scope: requests by category, region and month, the
on-time rates, the median working days to resolve and the satisfaction.

Definitions (docs/service-desk.md):
- requests: filed in the year (by the month of submission, Asia/Shanghai); withdrawn ones are counted in
  ``withdrawn`` and left out of every rate;
- first response on time: answered by its due time, over the requests whose first response was due
  (answered, or past the due time unanswered);
- resolution on time: resolved by its due time, over the requests whose resolution was due (resolved, or
  open past the due time);
- median days to resolve: working days from submission to resolution, of resolved requests;
- satisfaction: the average rating (1–5) and the number of ratings.
"""

from __future__ import annotations

import datetime as dt
import io
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import ExtractMonth, ExtractYear
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhengcai.accounts.selectors import Scope, regions_in_scope, user_scope
from zhengcai.core.permissions import P
from zhengcai.organizations.models import Region

from .models import DONE_STATUSES, OPEN_STATUSES, Category, RequestStatus, ServiceRequest

COUNTS = ("submitted", "resolved", "open", "withdrawn", "escalated")
LABELS: dict[str, Any] = {
    "submitted": gettext_lazy("Requests"),
    "resolved": gettext_lazy("Resolved"),
    "open": gettext_lazy("Still open"),
    "withdrawn": gettext_lazy("Withdrawn"),
    "escalated": gettext_lazy("Escalated"),
    "response_rate": gettext_lazy("First response on time"),
    "resolution_rate": gettext_lazy("Resolved on time"),
    "median_days": gettext_lazy("Median working days to resolve"),
    "rating": gettext_lazy("Average rating"),
    "ratings": gettext_lazy("Ratings"),
}
COLUMNS = (*COUNTS, "response_rate", "resolution_rate", "median_days", "rating", "ratings")


def percent(numerator: int, denominator: int) -> Decimal | None:
    if not denominator:
        return None
    return (Decimal(100) * numerator / denominator).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class Row:
    key: Any
    label: str
    counts: dict[str, int] = field(default_factory=dict)
    days: list[int] = field(default_factory=list)
    rating_sum: int = 0

    def value(self, name: str) -> Any:
        if name in COUNTS:
            return self.counts.get(name, 0)
        if name == "response_rate":
            return percent(self.counts.get("response_on_time", 0), self.counts.get("response_due", 0))
        if name == "resolution_rate":
            return percent(self.counts.get("resolution_on_time", 0), self.counts.get("resolution_due", 0))
        if name == "median_days":
            return Decimal(str(statistics.median(self.days))).quantize(Decimal("0.1")) if self.days else None
        if name == "rating":
            n = self.counts.get("ratings", 0)
            return (Decimal(self.rating_sum) / n).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) if n else None
        if name == "ratings":
            return self.counts.get("ratings", 0)
        raise KeyError(name)

    def cells(self) -> list[Any]:
        return [self.value(name) for name in COLUMNS]


@dataclass
class Figures:
    year: int
    at: dt.datetime
    category: str
    region: Region | None
    total: Row
    by_category: list[Row]
    by_region: list[Row]
    by_month: list[Row]


def scope_of(user: Any) -> Scope:
    return user_scope(user=user, perm=P.SERVICE_VIEW)


def view_regions(*, user: Any) -> QuerySet[Region]:
    return regions_in_scope(scope_of(user)).order_by("sort", "code")


def _base(*, user: Any, year: int, category: str, region: Region | None) -> QuerySet[ServiceRequest]:
    scope = scope_of(user)
    qs = ServiceRequest.objects.annotate(year=ExtractYear("submitted_at")).filter(year=year)
    if not scope.everything:
        qs = qs.filter(region__in=scope.region_ids) if scope.region_ids else qs.none()
    if category in Category.values:
        qs = qs.filter(category=category)
    if region is not None:
        qs = qs.filter(region=region)
    return qs


def _aggregates(at: dt.datetime) -> dict[str, Any]:
    open_ = Q(status__in=OPEN_STATUSES)
    live = ~Q(status=RequestStatus.WITHDRAWN)
    answered = Q(first_response_at__isnull=False)
    resolved = Q(resolved_at__isnull=False)
    return {
        "submitted": Count("id"),
        "resolved": Count("id", filter=Q(status__in=DONE_STATUSES)),
        "open": Count("id", filter=open_),
        "withdrawn": Count("id", filter=Q(status=RequestStatus.WITHDRAWN)),
        "escalated": Count("id", filter=Q(level__gt=0)),
        "response_due": Count("id", filter=live & (answered | Q(first_response_due__lt=at))),
        "response_on_time": Count("id", filter=live & answered & Q(first_response_at__lte=F("first_response_due"))),
        "resolution_due": Count("id", filter=live & (resolved | (open_ & Q(resolution_due__lt=at)))),
        "resolution_on_time": Count("id", filter=live & Q(resolved_on_time=True)),
        "ratings": Count("id", filter=Q(rating__isnull=False)),
    }


def _rows(qs: QuerySet[ServiceRequest], key: str, at: dt.datetime) -> dict[Any, Row]:
    rows: dict[Any, Row] = {}
    for item in qs.values(key).annotate(**_aggregates(at)).order_by(key):
        row = Row(key=item[key], label=str(item[key]))
        row.counts = {k: v for k, v in item.items() if k != key}
        rows[item[key]] = row
    days: dict[Any, list[int]] = defaultdict(list)
    ratings: dict[Any, int] = defaultdict(int)
    for k, wd, rating in qs.filter(status__in=DONE_STATUSES).values_list(key, "resolved_wd", "rating"):
        if wd is not None:
            days[k].append(wd)
        if rating is not None:
            ratings[k] += rating
    for k, row in rows.items():
        row.days = sorted(days.get(k, []))
        row.rating_sum = ratings.get(k, 0)
    return rows


def figures(*, user: Any, year: int, at: dt.datetime, category: str = "", region: Region | None = None) -> Figures:
    qs = _base(user=user, year=year, category=category, region=region)
    total = Row(key="all", label=_("All"))
    total.counts = dict(qs.aggregate(**_aggregates(at)))
    total.days = sorted(
        wd for wd in qs.filter(status__in=DONE_STATUSES).values_list("resolved_wd", flat=True) if wd is not None
    )
    total.rating_sum = sum(r or 0 for r in qs.filter(rating__isnull=False).values_list("rating", flat=True))
    by_category = _rows(qs, "category", at)
    labels = dict(Category.choices)
    category_rows = []
    for value in Category.values:
        row = by_category.get(value, Row(key=value, label=""))
        row.label = str(labels[value])
        category_rows.append(row)
    by_region = _rows(qs, "region", at)
    region_rows = []
    for r in view_regions(user=user):
        if r.pk in by_region:
            row = by_region[r.pk]
            row.label, row.key = r.name, r.code
            region_rows.append(row)
    by_month = _rows(qs.annotate(month=ExtractMonth("submitted_at")), "month", at)
    month_rows = []
    for month in range(1, 13):
        row = by_month.get(month, Row(key=month, label=""))
        row.label = f"{year}-{month:02d}"
        month_rows.append(row)
    return Figures(
        year=year,
        at=at,
        category=category,
        region=region,
        total=total,
        by_category=category_rows,
        by_region=region_rows,
        by_month=month_rows,
    )


def _number(value: Any) -> float | None:
    """A rate for the chart; None (a gap in the line) when nothing was due that month."""
    return float(value) if value is not None else None


def charts(board: Figures) -> dict[str, Any]:
    """Chart.js data blocks (static/zc/charts.js); every chart has its table on the page."""
    return {
        "month": {
            "type": "bar",
            "labels": [row.label for row in board.by_month],
            "datasets": [
                {"label": str(LABELS["submitted"]), "data": [row.value("submitted") for row in board.by_month]},
                {"label": str(LABELS["resolved"]), "data": [row.value("resolved") for row in board.by_month]},
                {"label": str(LABELS["escalated"]), "data": [row.value("escalated") for row in board.by_month]},
            ],
        },
        "ontime": {
            "type": "line",
            "percent": True,
            "labels": [row.label for row in board.by_month],
            "datasets": [
                {
                    "label": str(LABELS["response_rate"]),
                    "data": [_number(row.value("response_rate")) for row in board.by_month],
                },
                {
                    "label": str(LABELS["resolution_rate"]),
                    "data": [_number(row.value("resolution_rate")) for row in board.by_month],
                },
            ],
        },
        "category": {
            "type": "bar",
            "labels": [row.label for row in board.by_category],
            "datasets": [
                {"label": str(LABELS["submitted"]), "data": [row.value("submitted") for row in board.by_category]},
                {"label": str(LABELS["resolved"]), "data": [row.value("resolved") for row in board.by_category]},
            ],
        },
    }


def as_json(board: Figures) -> dict[str, Any]:
    """The figures for the API: every row with every column (rates in percent, None when nothing was due)."""

    def row(r: Row) -> dict[str, Any]:
        return {"key": r.key, "label": r.label, **{name: r.value(name) for name in COLUMNS}}

    return {
        "year": board.year,
        "category": board.category,
        "region": board.region.code if board.region else "",
        "total": row(board.total),
        "by_category": [row(r) for r in board.by_category],
        "by_region": [row(r) for r in board.by_region],
        "by_month": [row(r) for r in board.by_month],
    }


def workbook(board: Figures) -> bytes:
    """The figures as an Excel workbook: one sheet per breakdown (openpyxl)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheets = (
        (_("By category"), _("Request type"), board.by_category),
        (_("By region"), _("Region"), board.by_region),
        (_("By month"), _("Month"), board.by_month),
    )
    first = True
    for title, head, rows in sheets:
        sheet = book.active if first else book.create_sheet()
        first = False
        sheet.title = title[:31]
        sheet.append([head, *[str(LABELS[name]) for name in COLUMNS]])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for r in [*rows, board.total]:
            sheet.append([r.label, *[_excel(v) for v in r.cells()]])
        sheet.column_dimensions["A"].width = 24
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _excel(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    return value
