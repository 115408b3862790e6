"""Demo seed of the indicators: compute 2026 (the year, its quarters and months) as of the demo's "now", close
the past quarters and their months as of the day after each ends, and recompute the closed ones as of their
closing moment; the current quarter and months stay open. Idempotent: closed periods stay closed, and a period
already computed is not computed again."""

from __future__ import annotations

import datetime as dt
from typing import Any

from zhengcai.evaluation import compute, periods
from zhengcai.evaluation.compute import SH
from zhengcai.evaluation.models import PeriodStatus, Snapshot


def seed_evaluation_indicators(*, at: dt.datetime) -> dict[str, Any]:
    year = at.astimezone(SH).year
    today = at.astimezone(SH).date()
    closed: list[str] = []
    for label in compute.year_labels(year):
        period = compute.period_ensure(label)
        if period.kind == "year" or period.end > today or period.status == PeriodStatus.CLOSED:
            continue
        quarter_end = compute.parse_label(f"{year}-Q{(period.start.month - 1) // 3 + 1}")[2]
        if quarter_end > today:
            continue  # months of the current quarter stay open
        closing = dt.datetime.combine(period.end, dt.time(9), tzinfo=SH) + dt.timedelta(days=1)
        periods.period_close(period=period, actor="system", at=min(closing, at))
        closed.append(label)
    computed = Snapshot.objects.filter(period__label=str(year)).exists()
    snapshots = 0
    if not computed or closed:
        # As of the demo's "now", like every other demo record; the demo's evaluation_tick then recomputes the
        # open periods in the background as of the real time.
        periods_of_year = [compute.period_ensure(label) for label in compute.year_labels(year)]
        snapshots = len(compute.snapshots_compute(periods_of_year, now=at))
    return {"year": year, "closed": closed, "snapshots": snapshots}
