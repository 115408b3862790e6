"""Reads of the red-flag area: flags in the viewer's scope with filters, one flag, and the aggregation per
purchaser, agency and region (× flag kind) for the summary page, its chart, Excel export and the API."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, QuerySet

from zhengcai.accounts.selectors import Scope, regions_in_scope, user_scope
from zhengcai.core.permissions import P
from zhengcai.organizations.models import Organization, Region

from . import redflags
from .models import RedFlag, RedFlagSetting


@dataclass(frozen=True)
class FlagFilters:
    code: str = ""
    region: Region | None = None
    purchaser: Organization | None = None
    agency: Organization | None = None
    status: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None


def flag_scope(*, user: Any) -> Scope:
    return user_scope(user=user, perm=P.RED_FLAG_VIEW)


def flag_regions(*, user: Any) -> QuerySet[Region]:
    return regions_in_scope(flag_scope(user=user)).order_by("sort", "code")


def _scoped(user: Any, perm: P = P.RED_FLAG_VIEW) -> QuerySet[RedFlag]:
    return user_scope(user=user, perm=perm).filter(
        RedFlag.objects.all(), region_field="region", organization_field="purchaser"
    )


def _region_ids(region: Region) -> list[int]:
    """A region and the regions below it (the city's filter covers its counties)."""
    ids, frontier = [region.pk], [region.pk]
    while frontier:
        frontier = list(Region.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
        ids.extend(frontier)
    return ids


def red_flag_list(*, user: Any, filters: FlagFilters | None = None) -> QuerySet[RedFlag]:
    """Flags the user may see (RED_FLAG_VIEW scope: region, or own organization), newest event first."""
    f = filters or FlagFilters()
    qs = _scoped(user)
    if f.code:
        qs = qs.filter(code=f.code)
    if f.region is not None:
        qs = qs.filter(region_id__in=_region_ids(f.region))
    if f.purchaser is not None:
        qs = qs.filter(purchaser=f.purchaser)
    if f.agency is not None:
        qs = qs.filter(agency=f.agency)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.date_from is not None:
        qs = qs.filter(occurred_on__gte=f.date_from)
    if f.date_to is not None:
        qs = qs.filter(occurred_on__lte=f.date_to)
    return qs.select_related("project", "purchaser", "agency", "supplier", "region").order_by(
        "-occurred_on", "code", "pk"
    )


def red_flag_get(*, user: Any, pk: int, perm: P = P.RED_FLAG_VIEW) -> RedFlag:
    """One flag in the user's ``perm`` scope (RedFlag.DoesNotExist otherwise: the view answers 404)."""
    return (
        _scoped(user, perm)
        .select_related("project", "purchaser", "agency", "supplier", "region", "reviewed_by")
        .get(pk=pk)
    )


def project_red_flags(*, user: Any, project_id: int) -> QuerySet[RedFlag]:
    return _scoped(user).filter(project_id=project_id).order_by("code")


def flag_organizations(*, user: Any, field_name: str) -> QuerySet[Organization]:
    """Purchasers or agencies that have flags in the user's scope (for the filter choices)."""
    ids = _scoped(user).exclude(**{f"{field_name}__isnull": True}).values_list(field_name, flat=True)
    return Organization.objects.filter(pk__in=ids).order_by("name")


def settings_list(*, at: dt.datetime) -> list[tuple[redflags.FlagDefinition, RedFlagSetting]]:
    rows = redflags.settings_ensure(at=at)
    return [(definition, rows[definition.code]) for definition in redflags.FLAGS]


# --- aggregation ----------------------------------------------------------------------------------------


@dataclass
class SummaryRow:
    key: int
    label: str
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def by_code(self) -> list[int]:
        return [self.counts.get(code, 0) for code in redflags.CODES]


@dataclass
class Summary:
    by_region: list[SummaryRow]
    by_purchaser: list[SummaryRow]
    by_agency: list[SummaryRow]
    totals: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.totals.values())


def _rows(qs: QuerySet[RedFlag], key: str, name: str) -> list[SummaryRow]:
    rows: dict[int, SummaryRow] = {}
    for item in qs.exclude(**{f"{key}__isnull": True}).values(key, name, "code").annotate(n=Count("pk")).order_by():
        row = rows.setdefault(item[key], SummaryRow(key=item[key], label=item[name]))
        row.counts[item["code"]] = item["n"]
    return sorted(rows.values(), key=lambda r: (-r.total, r.label))


def red_flag_summary(*, user: Any, filters: FlagFilters | None = None) -> Summary:
    """Counts per region, purchaser and agency, each split by flag kind (three grouped queries)."""
    qs = red_flag_list(user=user, filters=filters).select_related(None).order_by()
    totals: dict[str, int] = defaultdict(int)
    for item in qs.values("code").annotate(n=Count("pk")).order_by():
        totals[item["code"]] = item["n"]
    return Summary(
        by_region=_rows(qs, "region", "region__name"),
        by_purchaser=_rows(qs, "purchaser", "purchaser__name"),
        by_agency=_rows(qs, "agency", "agency__name"),
        totals=dict(totals),
    )
