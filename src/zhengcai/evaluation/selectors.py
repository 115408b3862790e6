"""Reads of periods, snapshots, values and targets (other areas build on these; keep the signatures)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from zhengcai.accounts.selectors import user_scope
from zhengcai.core.permissions import P
from zhengcai.organizations.models import Region

from . import catalogue
from .models import ComputeJob, IndicatorTarget, Period, Snapshot, SnapshotValue


def period_get(label: str) -> Period | None:
    """The period with this label (2026, 2026-Q3, 2026-07), or None where it was never created."""
    return Period.objects.filter(label=label).first()


def periods_list(kind: str | None = None) -> QuerySet[Period]:
    qs = Period.objects.all().order_by("start", "kind")
    if kind is not None:
        qs = qs.filter(kind=kind)
    return qs


def latest_snapshot(period: Period) -> Snapshot | None:
    """The newest snapshot of a period (None where it has not been computed)."""
    return Snapshot.objects.filter(period=period).order_by("-computed_at", "-pk").first()


def latest_values(*, period_label: str) -> dict[tuple[str, int], SnapshotValue]:
    """{(indicator code, region id): value} from the period's newest snapshot ({} where there is none)."""
    period = period_get(period_label)
    snapshot = latest_snapshot(period) if period is not None else None
    if snapshot is None:
        return {}
    return {(v.indicator, v.region_id): v for v in snapshot.values.select_related("region")}


def target_for(code: str, year: int) -> Decimal | None:
    """The year's target for an indicator: the newest IndicatorTarget, else the catalogue's default."""
    row = IndicatorTarget.objects.filter(indicator=code, year=year).order_by("-set_at", "-pk").first()
    if row is not None:
        return row.target
    return catalogue.get(code).target


def targets_for_year(year: int) -> dict[str, Decimal | None]:
    """Each indicator's target for ``year`` in one query: the newest ``IndicatorTarget``, else the default."""
    result: dict[str, Decimal | None] = {i.code: i.target for i in catalogue.INDICATORS}
    seen: set[str] = set()
    for row in IndicatorTarget.objects.filter(year=year).order_by("indicator", "-set_at", "-pk"):
        if row.indicator not in seen and row.indicator in result:
            result[row.indicator] = row.target
            seen.add(row.indicator)
    return result


def indicator_records(code: str, region: Region, period: Period) -> list[dict[str, Any]]:
    """The drill-down of one figure: the records it was computed from, as of the latest snapshot's as_of
    (as of the period's closing moment, or now, where the period has not been computed)."""
    from zhengcai.core import clock

    from .compute import period_as_of, records

    snapshot = latest_snapshot(period)
    as_of: dt.datetime = snapshot.as_of if snapshot is not None else period_as_of(period, clock.now())
    return records(code, region, period, as_of)


def job_get(pk: int) -> ComputeJob | None:
    return ComputeJob.objects.filter(pk=pk).first()


def jobs_recent(limit: int = 20) -> QuerySet[ComputeJob]:
    return ComputeJob.objects.select_related("created_by").order_by("-created_at", "-pk")[:limit]


def city_wide(user: Any, perm: P) -> bool:
    """Whether ``perm`` held by ``user`` reaches the whole city (a county bureau's admin does not): city-wide
    settings, periods, computations and reports need it."""
    return bool(user is not None and user.is_authenticated and user_scope(user=user, perm=perm).everything)


def require_city_wide(user: Any, perm: P) -> None:
    """PermissionDenied (403, in views and the API) unless ``perm`` reaches the whole city."""
    if not city_wide(user, perm):
        raise PermissionDenied


def job_visible(user: Any, job: ComputeJob) -> bool:
    """A job is shown to city-wide EVALUATION_VIEW users and to the account that requested it."""
    return city_wide(user, P.EVALUATION_VIEW) or job.created_by_id == user.pk
