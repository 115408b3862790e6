"""Indicator engine at scale: every indicator, every region, one year, over N contracts (PostgreSQL only).

    .venv/bin/python benchmarks/indicators/run.py [--n 1000000] \
        [--database-url postgres://postgres@127.0.0.1:5432/postgres] [--target 10]

Creates a throwaway database ``zc_bench_ind_<pid>`` on the server (never the dev database), migrates it, adds
the regions (the city and ten counties), one purchaser per region, suppliers and a staff account through the
ORM, then generates N projects with their tender, one bid and its opening, the award, the contract (SME or
not, advance payment, acceptance), one payment, a bid security and a performance security by bulk SQL
(``INSERT ... SELECT ... FROM generate_series``), spread over 2026. Then it times the real
``compute.snapshots_compute`` for the year, its 4 quarters and 12 months (one grouped pass per family of
indicators over the same rows, or per indicator, on two connections at once; roll-ups, 17 snapshots
stored) beside a single ``SELECT COUNT(*)`` over the contracts in the same run, and prints the ratio. The database is dropped at the end (``--keep`` keeps it; ``--reuse NAME`` measures
again on a kept one without generating; ``--workers 1`` runs the queries one after the other).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))


def _with_db(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def _admin(url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(url.replace("postgres://", "postgresql://", 1), autocommit=True) as conn:
        conn.execute(sql)


def _sql_literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, dict | list):
        import json

        return "'" + json.dumps(value).replace("'", "''") + "'::jsonb"
    return "'" + str(value).replace("'", "''") + "'"


def insert_select(model: Any, overrides: dict[str, str], source: str) -> int:
    """INSERT INTO model's table (every concrete column) SELECT the overrides (SQL expressions over ``g``)
    or a neutral default for the other columns, FROM ``source``."""
    from django.db import connection
    from django.db.models import NOT_PROVIDED, BooleanField, DateField, DateTimeField, JSONField

    columns, values = [], []
    for f in model._meta.concrete_fields:
        if f.column == "id" and "id" not in overrides:
            continue
        columns.append(f'"{f.column}"')
        if f.column in overrides:
            values.append(overrides[f.column])
        elif f.default is not NOT_PROVIDED and not callable(f.default):
            values.append(_sql_literal(f.default))
        elif f.null:
            values.append("NULL")
        elif isinstance(f, BooleanField):
            values.append("FALSE")
        elif isinstance(f, DateTimeField):
            values.append("'2026-01-01 00:00+08'::timestamptz")
        elif isinstance(f, DateField):
            values.append("'2026-01-01'::date")
        elif isinstance(f, JSONField):
            values.append("'{}'::jsonb")
        elif f.get_internal_type() in ("CharField", "TextField"):
            values.append("''")
        else:
            values.append("0")
    sql = f'INSERT INTO "{model._meta.db_table}" ({", ".join(columns)}) SELECT {", ".join(values)} FROM {source}'
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.rowcount


def generate(n: int) -> dict[str, Any]:
    from conftest import make_code
    from zhengcai.accounts.models import User
    from zhengcai.organizations.models import EnterpriseSize, OrganizationKind
    from zhengcai.organizations.services import organization_create, region_ensure
    from zhengcai.procurement import models as pm
    from zhengcai.securities import models as sm

    at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    city = region_ensure(
        code="371700", name="菏泽市", name_en="Heze", level="city", parent=None, sort=0, actor="b", at=at
    )
    regions = [city]
    for i, name in enumerate(
        ["牡丹区", "定陶区", "曹县", "单县", "成武县", "巨野县", "郓城县", "鄄城县", "东明县", "开发区"]
    ):
        regions.append(
            region_ensure(
                code=f"3717{i + 2:02d}", name=name, name_en=f"County {i}", level="county", parent=city,
                sort=i + 1, actor="b", at=at,
            )
        )  # fmt: skip
    units = [
        organization_create(kind=OrganizationKind.BUDGET_UNIT, name=f"{r.name}教育局", region=r, actor="b", at=at)
        for r in regions
    ]
    suppliers = [
        organization_create(
            kind=OrganizationKind.SUPPLIER, name=f"基准供应商{i}有限公司", region=city, credit_code=make_code(),
            size=[EnterpriseSize.SMALL, EnterpriseSize.LARGE, EnterpriseSize.MEDIUM, EnterpriseSize.MICRO][i % 4],
            actor="b", at=at,
        )
        for i in range(20)
    ]  # fmt: skip
    user = User.objects.create(username="bench")
    r_ids = "ARRAY[" + ",".join(str(r.pk) for r in regions) + "]"
    u_ids = "ARRAY[" + ",".join(str(u.pk) for u in units) + "]"
    s_ids = "ARRAY[" + ",".join(str(s.pk) for s in suppliers) + "]"
    series = f"generate_series(1, {n}) AS g"
    day = (
        "('2026-01-01'::date + ((g::bigint * 7919) % 330)::int)"  # the tender's publication day, spread over the year
    )
    moment = f"({day}::timestamp + interval '9 hours') AT TIME ZONE 'Asia/Shanghai'"
    timings: dict[str, float] = {}

    def step(name: str, model: Any, overrides: dict[str, str], source: str = series) -> None:
        start = time.perf_counter()
        count = insert_select(model, overrides, source)
        timings[name] = time.perf_counter() - start
        print(f"  {name:<22} {count:>10,} rows  {timings[name]:6.1f} s", flush=True)

    print(f"generating {n:,} procurements (bulk SQL) …", flush=True)
    step("projects", pm.Project, {
        "id": "g", "number": "'BENCH-' || g", "title": "'基准项目' || g",
        "purchaser_id": f"({u_ids})[1 + g % 11]", "region_id": f"({r_ids})[1 + g % 11]",
        "method": "'open_tender'", "category": "'A'", "catalogue_code": "'A02010104'",
        "budget_fen": "10000000 + g % 1000 * 10000", "max_price_fen": "10000000 + g % 1000 * 10000",
        "bid_security_fen": "CASE WHEN g % 3 = 0 THEN 100000 ELSE 0 END", "status": "'contracted'",
        "created_at": f"{moment} - interval '10 days'", "created_by_id": str(user.pk),
    })  # fmt: skip
    step("tenders", pm.Tender, {
        "id": "g", "project_id": "g", "published_at": moment, "docs_available_from": day,
        "docs_available_until": f"{day} + 7", "deadline": f"{moment} + interval '20 days'",
        "original_deadline": f"{moment} + interval '20 days'",
    })  # fmt: skip
    step("bids", pm.Bid, {
        "id": "g", "tender_id": "g", "supplier_id": f"({s_ids})[1 + g % 20]", "version": "1",
        "status": "'submitted'", "supplier_size": "'small'", "submitted_at": f"{moment} + interval '2 days'",
        "submitted_by_id": str(user.pk), "receipt_signature": "'sig'", "content_hash": "'h'",
    })  # fmt: skip
    step("openings", pm.BidOpening, {
        "id": "g", "bid_id": "g", "tender_id": "g", "price_fen": "9000000", "small_or_micro": "TRUE",
        "opened_at": f"{moment} + interval '20 days'",
    })  # fmt: skip
    step("awards", pm.Award, {
        "id": "g", "project_id": "g", "winning_bid_id": "g", "amount_fen": "9000000 + g % 1000 * 10000",
        "determined_at": f"{moment} + interval '21 days'", "result_notice_due": f"{day} + 23",
        "result_published_at": f"{moment} + interval '21 days' + (g % 4) * interval '1 day'",
    })  # fmt: skip
    step("contracts", pm.Contract, {
        "id": "g", "project_id": "g", "award_id": "g", "supplier_id": f"({s_ids})[1 + g % 20]",
        "supplier_size": "(ARRAY['small','large','medium','micro'])[1 + g % 4]",
        "amount_fen": "9000000 + g % 1000 * 10000", "signed_on": f"{day} + 21 + g % 20",
        "sign_due": f"{day} + 51", "publish_due": f"{day} + 23 + g % 20",
        "published_at": f"{moment} + interval '22 days' + (g % 20) * interval '1 day'",
        "payment_days": "30", "advance_payment_fen": "(9000000 + g % 1000 * 10000) / 4",
        "accepted_on": f"{day} + 60", "acceptance_passed": "TRUE", "payment_due": f"{day} + 90",
        "created_at": f"{moment} + interval '22 days'",
    })  # fmt: skip
    step("payments", pm.Payment, {
        "id": "g", "contract_id": "g", "amount_fen": "9000000 + g % 1000 * 10000", "paid_on": f"{day} + 70 + g % 30",
        "recorded_at": f"{moment} + interval '100 days'",
    })  # fmt: skip
    step("bid securities", sm.BidSecurity, {
        "tender_id": "g", "supplier_id": f"({s_ids})[1 + g % 20]", "required_fen": "100000",
        "form": "(ARRAY['exempt','guarantee','transfer'])[1 + g % 9 / 3]",
        "amount_fen": "CASE WHEN g % 9 < 3 THEN 0 ELSE 100000 END",
        "provided_on": f"{day} + 5", "status": "CASE WHEN g % 9 < 3 THEN 'none' ELSE 'held' END", "recorded_at": f"{moment} + interval '5 days'",
        "recorded_by_id": str(user.pk),
    }, f"{series} WHERE g % 3 = 0")  # fmt: skip
    step("performance sec.", sm.PerformanceSecurity, {
        "contract_id": "g", "form": "(ARRAY['guarantee','transfer'])[1 + g % 2]", "amount_fen": "90000",
        "provided_on": f"{day} + 25", "status": "'held'", "recorded_at": f"{moment} + interval '25 days'",
        "recorded_by_id": str(user.pk),
    }, f"{series} WHERE g % 2 = 0")  # fmt: skip
    from django.db import connection

    with connection.cursor() as cursor:
        for table in ("procurement_project", "procurement_tender", "procurement_bid", "procurement_bidopening",
                      "procurement_award", "procurement_contract", "procurement_payment",
                      "securities_bidsecurity", "securities_performancesecurity"):  # fmt: skip
            cursor.execute(f"ANALYZE {table}")
    return timings


def measure() -> tuple[float, float, int]:
    from django.db import connection

    from zhengcai.evaluation import compute

    with connection.cursor() as cursor:
        start = time.perf_counter()
        cursor.execute("SELECT COUNT(*) FROM procurement_contract")
        (contracts,) = cursor.fetchone()
        count_s = time.perf_counter() - start
    periods = [compute.period_ensure(label) for label in compute.year_labels(2026)]
    steps: list[tuple[float, str]] = []
    start = time.perf_counter()
    compute.snapshots_compute(
        periods,
        now=dt.datetime(2026, 12, 31, 12, tzinfo=dt.UTC),
        progress=lambda p, s: steps.append((time.perf_counter() - start, s)),
    )
    compute_s = time.perf_counter() - start
    previous = 0.0
    for moment, name in steps:
        print(f"  {name:<48} {moment - previous:6.2f} s")
        previous = moment
    return compute_s, count_s, contracts


def explain(code: str) -> None:
    from django.db.models import Count, DateField, Sum
    from django.db.models.functions import TruncMonth

    from zhengcai.evaluation import compute

    as_of = dt.datetime(2026, 12, 31, 12, tzinfo=dt.UTC)
    for part in compute.QUERIES[code].parts:
        qs = (
            part.build(as_of)
            .filter(ev__gte=dt.date(2026, 1, 1), ev__lt=dt.date(2027, 1, 1))
            .annotate(month=TruncMonth("ev", output_field=DateField()))
            .values("reg", "month")
            .annotate(n=Sum("num"), d=Sum("den"), c=Count("pk"))
            .order_by()
        )
        print(f"--- {code} / {part.kind}")
        print(qs.explain(analyze=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--target", type=float, default=10.0)
    parser.add_argument("--explain", action="append", default=[], help="print EXPLAIN ANALYZE of CODE's queries")
    parser.add_argument("--workers", type=int, default=0, help="connections at once (default: the engine's)")
    parser.add_argument("--keep", action="store_true", help="keep the generated database (its name is printed)")
    parser.add_argument("--reuse", default="", help="measure again on a database kept by --keep (no generation)")
    args = parser.parse_args()
    name = args.reuse or f"zc_bench_ind_{os.getpid()}"
    if not args.reuse:
        _admin(args.database_url, f'CREATE DATABASE "{name}"')
    try:
        os.environ["DATABASE_URL"] = _with_db(args.database_url, name)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhengcai.config.settings")
        import django

        django.setup()
        from django.core.management import call_command

        start = time.perf_counter()
        call_command("migrate", verbosity=0)
        print(f"migrated in {time.perf_counter() - start:.1f} s")
        if not args.reuse:
            generate(args.n)
        if args.workers:
            from zhengcai.evaluation import compute

            compute.WORKERS = args.workers
        compute_s, count_s, contracts = measure()
        for code in args.explain:
            explain(code)
        print()
        print(f"contracts:                        {contracts:,}")
        print(f"SELECT COUNT(*) FROM contracts:   {count_s:.3f} s")
        print(f"all indicators × regions × 2026:  {compute_s:.2f} s  (17 periods, 11 regions)")
        print(f"ratio compute / count:            {compute_s / max(count_s, 1e-9):.0f}×")
        print(f"target ≤ {args.target:.0f} s: {'met' if compute_s <= args.target else 'NOT met'}")
        from django.db import connections

        connections.close_all()
    finally:
        if args.keep or args.reuse:
            print(f"database kept: {name} (drop it with DROP DATABASE)")
        else:
            _admin(args.database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
