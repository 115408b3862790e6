"""Samples of the evaluation dashboards URLs for the permission matrix (core/tests/test_permission_matrix.py),
and the stored figures the dashboards tests start from.

The dashboards read stored ``SnapshotValue`` rows (the indicator engine writes them); these tests write such
rows directly with known numbers — that is the dashboards' input boundary — so that every figure on a page
can be checked by hand.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from conftest import AT

D = Decimal


def make_period(label: str, *, closed: bool = False) -> Any:
    """The period named ``label`` (2026, 2026-Q2, 2026-03), closed the day after its end when asked."""
    from zoneinfo import ZoneInfo

    from zhengcai.evaluation.models import Period, PeriodKind, PeriodStatus

    if "-Q" in label:
        year, q = int(label[:4]), int(label[-1])
        kind, start = PeriodKind.QUARTER, dt.date(year, 3 * q - 2, 1)
        end = dt.date(year + 1, 1, 1) if q == 4 else dt.date(year, 3 * q + 1, 1)
    elif "-" in label:
        year, month = int(label[:4]), int(label[5:])
        kind, start = PeriodKind.MONTH, dt.date(year, month, 1)
        end = dt.date(year + 1, 1, 1) if month == 12 else dt.date(year, month + 1, 1)
    else:
        year = int(label)
        kind, start, end = PeriodKind.YEAR, dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    closed_at = dt.datetime.combine(end, dt.time(9), tzinfo=ZoneInfo("Asia/Shanghai")) if closed else None
    period, _ = Period.objects.get_or_create(
        label=label,
        defaults={
            "kind": kind,
            "start": start,
            "end": end,
            "status": PeriodStatus.CLOSED if closed else PeriodStatus.OPEN,
            "closed_at": closed_at,
        },
    )
    return period


def make_snapshot(period: Any, values: Mapping[tuple[str, Any], Decimal | None], *, at: dt.datetime = AT) -> Any:
    """A snapshot of ``period`` holding ``values[(code, region)]`` (numerator = value, denominator 1)."""
    from zhengcai.evaluation.models import Snapshot, SnapshotValue

    snapshot = Snapshot.objects.create(period=period, as_of=at, computed_at=at, digest="0" * 64)
    SnapshotValue.objects.bulk_create(
        SnapshotValue(
            snapshot=snapshot,
            indicator=code,
            region=region,
            numerator=value if value is not None else D(0),
            denominator=D(1) if value is not None else D(0),
            value=value,
            record_count=3 if value is not None else 0,
        )
        for (code, region), value in values.items()
    )
    return snapshot


# Known figures for 2026 (the headline indicators): city, 曹县, 单县.
FIGURES_2026: dict[str, tuple[Decimal | None, Decimal | None, Decimal | None]] = {
    "days_to_pay_sme": (D("20.0"), D("15.0"), D("25.0")),  # lower is better, target ≤ 30
    "sme_award_share": (D("80.00"), D("90.00"), D("70.00")),  # higher is better, target ≥ 75
    "days_result_to_contract": (D("35.0"), D("35.0"), D("35.0")),  # tie: both rank 1, both score 100
    "bidders_per_tender": (D("4.50"), D("6.00"), None),  # 单县 has no tender: skipped
    "bid_security_exemption_rate": (D("60.00"), D("50.00"), D("70.00")),
    "financing_raised": (D("260000000"), D("100000000"), D("160000000")),  # fen: 260 万元
}


def seed_2026(heze: dict[str, Any], *, closed: bool = True) -> Any:
    """The year 2026 with the known figures, and three months of "days to pay SMEs" for the trend."""
    period = make_period("2026", closed=closed)
    regions = (heze["city"], heze["cao"], heze["shan"])
    values = {
        (code, region): value
        for code, triple in FIGURES_2026.items()
        for region, value in zip(regions, triple, strict=True)
    }
    snapshot = make_snapshot(period, values)
    for month, (city, cao, shan) in {
        "2026-01": (D("22.0"), D("18.0"), D("26.0")),
        "2026-02": (D("21.0"), D("16.0"), None),
        "2026-03": (D("19.5"), D("12.5"), D("24.0")),
    }.items():
        make_snapshot(
            make_period(month, closed=closed),
            {("days_to_pay_sme", heze["city"]): city, ("days_to_pay_sme", heze["cao"]): cao,
             ("days_to_pay_sme", heze["shan"]): shan},
        )  # fmt: skip
    return snapshot


def ensure_dashboards(o: dict[str, Any]) -> dict[str, Any]:
    """Once per test: the 2026 figures and one requested report (queued, not rendered: keeps the matrix fast)."""
    if "dash_report" in o:
        return o
    from conftest import make_user
    from zhengcai.core.permissions import Role
    from zhengcai.evaluation import reports

    seed_2026(o)
    admin = make_user(Role.BUREAU_ADMIN, o["city_bureau"], username="matrix_dash_admin")
    o["dash_report"] = reports.report_request(period_label="2026", actor=admin, at=AT)
    return o


def _call(method: str, path: str, o: dict[str, Any], data: dict[str, Any] | None = None) -> Any:
    from zhengcai.core.tests.test_permission_matrix import Call

    ensure_dashboards(o)
    return Call(method, path, data)


URL_SAMPLES: dict[str, Any] = {
    "evaluation:overview": lambda o, u: _call("GET", "/office/evaluation/?period=2026", o),
    "evaluation:overview_xlsx": lambda o, u: _call("GET", "/office/evaluation/overview.xlsx?period=2026", o),
    "evaluation:region": lambda o, u: _call("GET", "/office/evaluation/regions/371721/?period=2026", o),
    "evaluation:region_xlsx": lambda o, u: _call("GET", "/office/evaluation/regions/371721/export.xlsx", o),
    "evaluation:reports": lambda o, u: _call("GET", "/office/evaluation/reports/", o),
    "evaluation:report_new": lambda o, u: _call("POST", "/office/evaluation/reports/new/", o, {"period": "2026"}),
    "evaluation:report_file": lambda o, u: _call(
        "GET", f"/office/evaluation/reports/{ensure_dashboards(o)['dash_report'].pk}/pdf/", o
    ),
    "evaluation:public": lambda o, u: _call("GET", "/evaluation/", o),
}
API_POST_BODIES: dict[str, dict[str, Any]] = {}


def api_path(path: str, objects: dict[str, Any]) -> str:
    """Fill this area's API path parameters ({...}) from the sample objects."""
    if path.startswith("/evaluation/public") or path.startswith("/evaluation/ranking"):
        ensure_dashboards(objects)
    return path
