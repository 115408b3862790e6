"""Training figures and coverage (reads), in the reader's scope (``P.TRAINING_VIEW``).

Definitions (the page and the Excel export say the same):
- a *completion* (attendance) is a registration whose attendance was established (``completed_at``) in the
  year, in Asia/Shanghai time, and that is not cancelled — checked in on site, present for enough of a live
  session, or ≥ 90 % of a recorded course watched;
- *participants* are distinct people with at least one completion, a person being a mobile phone number (the
  same person registered by two organizations counts once in a total; once per group in a breakdown);
- figures are grouped by the participant's organization: its region, its kind, and the month of completion;
- *coverage* of a region: the share of its active budget units (purchasers) and of its active agencies
  (procurement agencies and the public resources trading centre) with at least one staff member completing a
  training in the year. The city's own row counts the units registered at city level; the "all" row the whole
  scope;
- the headline "people trained this year" is the participant count, computed from completions; the
  purchasers-and-agencies part of it is what the bureau reports ("more than 1,000").

Every figure is one grouped query, whatever the amount of data.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import ExtractMonth
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhengcai.accounts.selectors import Scope, regions_in_scope, user_scope
from zhengcai.core.permissions import P
from zhengcai.organizations.models import Organization, OrganizationKind, OrganizationStatus, Region

from .models import Registration, RegistrationStatus

PURCHASER_KINDS = (OrganizationKind.BUDGET_UNIT,)
AGENCY_KINDS = (OrganizationKind.AGENCY, OrganizationKind.TRADING_CENTRE)
YEAR_RANGE = (2000, 2100)
FIGURE_LABELS = {
    "participants": gettext_lazy("Participants (people)"),
    "attendances": gettext_lazy("Attendances"),
}


@dataclass
class Row:
    key: Any
    label: str
    participants: int = 0
    attendances: int = 0


@dataclass
class Share:
    total: int
    covered: int

    @property
    def rate(self) -> Decimal | None:
        """Covered / total as a fraction with four decimals (None when there is nothing to cover)."""
        if not self.total:
            return None
        return (Decimal(self.covered) / Decimal(self.total)).quantize(Decimal("0.0001"), ROUND_HALF_UP)

    @property
    def percent(self) -> str:
        rate = self.rate
        return "—" if rate is None else f"{rate * 100:.1f}%"


@dataclass
class CoverageRow:
    key: Any
    label: str
    purchasers: Share
    agencies: Share

    @property
    def both(self) -> Share:
        return Share(self.purchasers.total + self.agencies.total, self.purchasers.covered + self.agencies.covered)


@dataclass
class Figures:
    year: int
    region: Region | None
    regions: list[Region]
    people: int  # distinct people trained in the year: the headline
    people_purchasers_agencies: int  # of whom staff of purchasers and agencies (what the bureau reports)
    attendances: int
    by_region: list[Row]
    by_kind: list[Row]
    by_month: list[Row]
    coverage: list[CoverageRow]
    coverage_total: CoverageRow


def year_range(year: int) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_default_timezone()
    return dt.datetime(year, 1, 1, tzinfo=tz), dt.datetime(year + 1, 1, 1, tzinfo=tz)


def region_label(region: Region) -> str:
    return _("{name} (city level)").format(name=region.name) if region.is_city else region.name


def completions(*, year: int, region_ids: list[int] | None) -> QuerySet[Registration]:
    """Registrations completed in ``year`` (not cancelled), of organizations in ``region_ids`` (None: all)."""
    start, end = year_range(year)
    qs = Registration.objects.filter(completed_at__gte=start, completed_at__lt=end).exclude(
        status=RegistrationStatus.CANCELLED
    )
    if region_ids is not None:
        qs = qs.filter(participant__organization__region__in=region_ids)
    return qs


def _people() -> Count:
    return Count("participant__phone", distinct=True)


def _regions(scope: Scope, region: Region | None) -> list[Region]:
    regions = regions_in_scope(scope)
    if region is not None:
        regions = regions.filter(pk=region.pk)
    return list(regions.order_by("sort", "code"))


def training_figures(*, user: Any, year: int, region: Region | None = None) -> Figures:
    """Every table of the figures page for ``user``'s scope, optionally narrowed to one region."""
    scope = user_scope(user=user, perm=P.TRAINING_VIEW)
    regions = _regions(scope, region)
    everything = scope.everything and region is None
    region_ids = None if everything else [r.pk for r in regions]
    done = completions(year=year, region_ids=region_ids)

    kinds_reported = [*PURCHASER_KINDS, *AGENCY_KINDS]
    totals = done.aggregate(
        people=_people(),
        attendances=Count("id"),
        reported=Count(
            "participant__phone", distinct=True, filter=Q(participant__organization__kind__in=kinds_reported)
        ),
    )
    by_region = [Row(r.pk, region_label(r)) for r in regions]
    index = {row.key: row for row in by_region}
    for rr in done.values(region=F("participant__organization__region")).annotate(p=_people(), a=Count("id")):
        row = index.get(rr["region"])
        if row is not None:
            row.participants, row.attendances = rr["p"], rr["a"]
    by_kind = [Row(kind, str(label)) for kind, label in OrganizationKind.choices]
    kind_index = {row.key: row for row in by_kind}
    for rk in done.values(kind=F("participant__organization__kind")).annotate(p=_people(), a=Count("id")):
        row = kind_index.get(rk["kind"])
        if row is not None:
            row.participants, row.attendances = rk["p"], rk["a"]
    by_kind = [row for row in by_kind if row.attendances or row.key in kinds_reported]
    by_month = [Row(m, f"{year}-{m:02d}") for m in range(1, 13)]
    tz = timezone.get_default_timezone()
    for rm in done.values(month=ExtractMonth("completed_at", tzinfo=tz)).annotate(p=_people(), a=Count("id")):
        row = by_month[rm["month"] - 1]
        row.participants, row.attendances = rm["p"], rm["a"]
    coverage, coverage_total = _coverage(year, regions, region_ids)
    return Figures(
        year=year,
        region=region,
        regions=regions,
        people=totals["people"],
        people_purchasers_agencies=totals["reported"],
        attendances=totals["attendances"],
        by_region=by_region,
        by_kind=by_kind,
        by_month=by_month,
        coverage=coverage,
        coverage_total=coverage_total,
    )


def _coverage(year: int, regions: list[Region], region_ids: list[int] | None) -> tuple[list[CoverageRow], CoverageRow]:
    """Active purchasers and agencies, and those with a staff member's completion in ``year``, by region and
    kind (one grouped query)."""
    orgs = Organization.objects.filter(kind__in=[*PURCHASER_KINDS, *AGENCY_KINDS], status=OrganizationStatus.ACTIVE)
    if region_ids is not None:
        orgs = orgs.filter(region__in=region_ids)
    trained = completions(year=year, region_ids=None).filter(participant__organization=OuterRef("pk"))
    cells: dict[tuple[int, str], tuple[int, int]] = {}
    for r in orgs.values("region", "kind").annotate(total=Count("id"), covered=Count("id", filter=Q(Exists(trained)))):
        cells[(r["region"], r["kind"])] = (r["total"], r["covered"])

    def share(keys: list[tuple[int, str]]) -> Share:
        found = [cells[k] for k in keys if k in cells]
        return Share(sum(t for t, _c in found), sum(c for _t, c in found))

    rows = [
        CoverageRow(
            r.pk,
            region_label(r),
            share([(r.pk, k) for k in PURCHASER_KINDS]),
            share([(r.pk, k) for k in AGENCY_KINDS]),
        )
        for r in regions
    ]
    total = CoverageRow(
        None,
        _("All"),
        share([(r.pk, k) for r in regions for k in PURCHASER_KINDS]),
        share([(r.pk, k) for r in regions for k in AGENCY_KINDS]),
    )
    return rows, total


# --- charts, the Excel export and the API ---------------------------------------------------------------


def charts(figures: Figures) -> dict[str, dict[str, Any]]:
    """The data blocks the page's charts draw (static/zc/charts.js); each has a table beside it."""

    def rate(share: Share) -> float | None:
        return float(share.rate * 100) if share.rate is not None else None

    return {
        "month": {
            "type": "bar",
            "labels": [row.label for row in figures.by_month],
            "datasets": [
                {"label": str(FIGURE_LABELS["participants"]), "data": [r.participants for r in figures.by_month]},
                {"label": str(FIGURE_LABELS["attendances"]), "data": [r.attendances for r in figures.by_month]},
            ],
        },
        "region": {
            "type": "bar",
            "labels": [row.label for row in figures.by_region],
            "datasets": [
                {"label": str(FIGURE_LABELS["participants"]), "data": [r.participants for r in figures.by_region]},
                {"label": str(FIGURE_LABELS["attendances"]), "data": [r.attendances for r in figures.by_region]},
            ],
        },
        "coverage": {
            "type": "bar",
            "percent": True,
            "labels": [row.label for row in figures.coverage],
            "datasets": [
                {"label": _("Purchasers covered"), "data": [rate(r.purchasers) for r in figures.coverage]},
                {"label": _("Agencies covered"), "data": [rate(r.agencies) for r in figures.coverage]},
            ],
        },
    }


def as_json(figures: Figures) -> dict[str, Any]:
    """The API's body: numbers as numbers, rates as decimal strings (four places) or null."""

    def share(s: Share) -> dict[str, Any]:
        return {"total": s.total, "covered": s.covered, "rate": str(s.rate) if s.rate is not None else None}

    def rows(items: list[Row]) -> list[dict[str, Any]]:
        return [
            {"key": r.key, "label": r.label, "participants": r.participants, "attendances": r.attendances}
            for r in items
        ]

    def coverage(r: CoverageRow) -> dict[str, Any]:
        return {
            "region_id": r.key,
            "label": r.label,
            "purchasers": share(r.purchasers),
            "agencies": share(r.agencies),
            "both": share(r.both),
        }

    return {
        "year": figures.year,
        "region_id": figures.region.pk if figures.region else None,
        "people_trained": figures.people,
        "people_trained_purchasers_agencies": figures.people_purchasers_agencies,
        "attendances": figures.attendances,
        "by_region": rows(figures.by_region),
        "by_organization_kind": rows(figures.by_kind),
        "by_month": rows(figures.by_month),
        "coverage": [coverage(r) for r in figures.coverage],
        "coverage_total": coverage(figures.coverage_total),
    }


def _sheet(
    book: Any, title: str, header: list[str], rows: list[list[Any]], percent_columns: tuple[int, ...] = ()
) -> None:
    from openpyxl.styles import Font

    sheet = book.create_sheet(title)
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
    for column in percent_columns:
        for (cell,) in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
            cell.number_format = "0.0%"
    for index, text in enumerate(header, start=1):
        sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = max(10, len(text) * 2 + 2)
    sheet.freeze_panes = "A2"


def workbook(figures: Figures, *, at: dt.datetime) -> bytes:
    """The figures as an Excel workbook: one sheet per table, Chinese headers, numbers and rates as numbers."""
    from openpyxl import Workbook

    with translation.override("zh-hans"):
        book = Workbook()
        info = book.active
        info.title = _("Summary")
        for label, value in (
            (_("Year"), figures.year),
            (_("Region"), figures.region.name if figures.region else _("All regions in scope")),
            (_("People trained this year"), figures.people),
            (_("of whom staff of purchasers and agencies"), figures.people_purchasers_agencies),
            (str(FIGURE_LABELS["attendances"]), figures.attendances),
            (_("Exported at"), timezone.localtime(at).strftime("%Y-%m-%d %H:%M")),
        ):
            info.append([label, value])
        info.column_dimensions["A"].width, info.column_dimensions["B"].width = 30, 30
        header = [str(FIGURE_LABELS["participants"]), str(FIGURE_LABELS["attendances"])]

        def table(rows: list[Row]) -> list[list[Any]]:
            return [[r.label, r.participants, r.attendances] for r in rows]

        _sheet(book, _("By region"), [_("Region"), *header], table(figures.by_region))
        _sheet(book, _("By organization type"), [_("Organization type"), *header], table(figures.by_kind))
        _sheet(book, _("By month"), [_("Month"), *header], table(figures.by_month))
        coverage_header = [
            _("Region"),
            _("Active purchasers"),
            _("Purchasers covered"),
            _("Purchaser coverage"),
            _("Active agencies"),
            _("Agencies covered"),
            _("Agency coverage"),
        ]
        _sheet(
            book,
            _("Coverage"),
            coverage_header,
            [
                [
                    r.label,
                    r.purchasers.total,
                    r.purchasers.covered,
                    r.purchasers.rate,
                    r.agencies.total,
                    r.agencies.covered,
                    r.agencies.rate,
                ]
                for r in [*figures.coverage, figures.coverage_total]
            ],
            (4, 7),
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
