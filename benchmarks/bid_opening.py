"""Bid opening at scale: tender_open + evaluate_lowest_price over N sealed bids, against raw baselines.

    .venv/bin/python benchmarks/bid_opening.py [--n 10000] [--database-url postgres://postgres@127.0.0.1:5432/postgres]

Creates a throwaway database (an SQLite file in a temporary folder; with --database-url, a
temporary database on that PostgreSQL server, which it drops at the end), migrates it, publishes
one open tender through the services and has N suppliers each submit one sealed bid through
``bid_submit``. The suppliers come from ``organization_bulk_import``; their staff accounts and
memberships are bulk-inserted (setup, not under test). Then it times, at the deadline:

- ``tender_open``: unwrap the opening key, decrypt and check every bid, write the opening record;
- ``evaluate_lowest_price``: SME price deduction, ranking, written back;

and, in the same run, the baselines: fetching the same bid rows (COUNT(*), the query the opening
uses, and plain SQL), and decrypting every bid in a bare loop with one ``crypto.OpeningKey``, as
the opening does. Target: opening plus evaluation of 10,000 bids in ≤ 5 s. The 1-minute load
average is printed with the figures: the reference machine is shared.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
T = TypeVar("T")


@dataclass
class Figures:
    bids: int
    vendor: str
    setup_s: float
    submit_s: float
    count_s: float
    fetch_s: float
    fetch_raw_s: float
    decrypt_s: float
    open_s: float
    evaluate_s: float
    load: float


PROFILE: list[Any] = []  # cProfile.Profile of the timed service calls, with --profile


def timed(fn: Callable[[], T], *, profile: bool = False) -> tuple[T, float]:
    profiler = None
    if profile and PROFILE:
        profiler = PROFILE[0]
        profiler.enable()
    start = time.perf_counter()
    result = fn()
    elapsed = time.perf_counter() - start
    if profiler is not None:
        profiler.disable()
    return result, elapsed


@contextmanager
def throwaway_database(admin_url: str | None) -> Iterator[str]:
    """Yield a DATABASE_URL for a new, empty database; remove it afterwards."""
    if admin_url is None:
        folder = tempfile.mkdtemp(prefix="zc-bench-bids-")
        try:
            yield f"sqlite:///{folder}/bench.sqlite3"
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    import psycopg

    name = f"zc_bench_bids_{os.getpid()}"
    parts = urlsplit(admin_url)
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def setup_django(database_url: str, var_dir: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "zhengcai.config.settings"
    os.environ["DATABASE_URL"] = database_url
    os.environ["ZC_VAR_DIR"] = var_dir
    os.environ["DEBUG"] = "0"  # no query log: measure the code, not the debug cursor
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()


def run(n: int) -> Figures:
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from zhengcai.accounts.models import Membership, User
    from zhengcai.accounts.services import membership_create, user_create
    from zhengcai.core import crypto
    from zhengcai.core.permissions import Role
    from zhengcai.demo import data
    from zhengcai.organizations.models import Organization, OrganizationKind
    from zhengcai.organizations.regions import HEZE
    from zhengcai.organizations.services import OrganizationRow, organization_bulk_import, region_ensure
    from zhengcai.procurement import bidding, services
    from zhengcai.procurement.models import Bid, BidStatus, TenderKey
    from zhengcai.procurement.rules import Category, Method

    def at(day: dt.date, hour: int = 9, minute: int = 0, second: int = 0) -> dt.datetime:
        return timezone.make_aware(dt.datetime(day.year, day.month, day.day, hour, minute, second))

    start = time.perf_counter()
    call_command("migrate", verbosity=0)
    setup_at = at(dt.date(2026, 1, 5))
    rng = random.Random(data.SEED)
    code, name, name_en, level = HEZE
    city = region_ensure(
        code=code, name=name, name_en=name_en, level=level, parent=None, sort=0, actor="bench", at=setup_at
    )
    rows = [
        OrganizationRow(kind=OrganizationKind.BUDGET_UNIT, name="菏泽市第一中学", region=city),
        OrganizationRow(
            kind=OrganizationKind.AGENCY,
            name="山东正信招标代理有限公司",
            region=city,
            credit_code=data.credit_code(rng, city.code),
        ),
    ]
    names = data.supplier_names(rng, "菏泽", n)
    rows += [
        OrganizationRow(
            kind=OrganizationKind.SUPPLIER,
            name=f"{supplier_name}",
            region=city,
            credit_code=data.credit_code(rng, city.code),
            size=data.weighted_size(rng),
            business_scope=scope,
        )
        for supplier_name, scope in names
    ]
    organization_bulk_import(rows=rows, actor="bench", at=setup_at, source="bench:bid_opening")
    unit = Organization.objects.select_related("region").get(kind=OrganizationKind.BUDGET_UNIT)
    agency = Organization.objects.get(kind=OrganizationKind.AGENCY)
    suppliers = list(Organization.objects.filter(kind=OrganizationKind.SUPPLIER).order_by("id"))
    manager = user_create(username="bench_agent", password=None, actor="bench", at=setup_at)
    membership_create(user=manager, organization=agency, role=Role.AGENCY_STAFF, actor="bench", at=setup_at)
    buyer = user_create(username="bench_buyer", password=None, actor="bench", at=setup_at)
    membership_create(user=buyer, organization=unit, role=Role.PURCHASER_STAFF, actor="bench", at=setup_at)
    unusable = make_password(None)
    User.objects.bulk_create(
        [User(username=f"bench_bidder_{s.pk}", password=unusable, date_joined=setup_at) for s in suppliers],
        batch_size=2000,
    )
    staff = {u.username: u for u in User.objects.filter(username__startswith="bench_bidder_")}
    Membership.objects.bulk_create(
        [
            Membership(
                user=staff[f"bench_bidder_{s.pk}"],
                organization=s,
                role=Role.SUPPLIER_STAFF,
                created_at=setup_at,
            )
            for s in suppliers
        ],
        batch_size=2000,
    )

    intention = services.intention_create(
        purchaser=unit,
        title="菏泽市第一中学多媒体教室设备采购项目",
        demand_summary="交互式智能平板及多媒体教学设备一批",
        budget_fen=800_0000_00,
        expected_month=dt.date(2026, 4, 1),
        actor=buyer,
        at=at(dt.date(2026, 3, 2)),
    )
    services.intention_publish(intention=intention, actor=buyer, at=at(dt.date(2026, 3, 2), 10))
    project = services.project_create(
        data=services.ProjectInput(
            title="菏泽市第一中学多媒体教室设备采购项目",
            purchaser=unit,
            agency=agency,
            intention=intention,
            method=Method.OPEN_TENDER,
            category=Category.GOODS,
            catalogue_code="A02020200",
            budget_fen=800_0000_00,
            max_price_fen=790_0000_00,
            bid_security_fen=0,
            sme_deduction_percent=Decimal(10),
        ),
        actor=buyer,
        at=at(dt.date(2026, 3, 20)),
    )
    opening_day = dt.date(2026, 4, 21)
    tender = services.tender_publish(
        project=project,
        docs_from=dt.date(2026, 4, 1),
        docs_until=dt.date(2026, 4, 10),
        deadline=at(opening_day, 9),
        notice_text="招标公告",
        actor=manager,
        at=at(dt.date(2026, 4, 1)),
    )
    setup_s = time.perf_counter() - start

    def submit_all() -> None:
        first_day = dt.date(2026, 4, 2)
        for i, supplier in enumerate(suppliers):
            if i % 1000 == 0:
                print(f"  bids submitted: {i:,}/{n:,}", flush=True)
            user = staff[f"bench_bidder_{supplier.pk}"]
            with transaction.atomic():
                bidding.bid_submit(
                    tender=tender,
                    supplier=supplier,
                    price_fen=rng.randint(600_0000_00, 789_9999_99),
                    technical_response="完全响应采购需求，交货期30日，质保期三年。",
                    actor=user,
                    at=at(first_day + dt.timedelta(days=i * 18 // n), 9, 0, 0) + dt.timedelta(seconds=i),
                )

    print(f"Submitting {n:,} sealed bids through bid_submit …", flush=True)
    _, submit_s = timed(submit_all)

    # Baselines on the same rows, before the opening (warm the cache first, as the opening would find it).
    live = Bid.objects.filter(tender=tender, status=BidStatus.SUBMITTED)
    live.count()
    count, count_s = timed(live.count)
    columns = ("id", "supplier_id", "version", "supplier_size", "ephemeral_public", "nonce", "ciphertext")
    fetched, fetch_s = timed(lambda: list(live.order_by("submitted_at", "id").values_list(*columns, "content_hash")))

    def fetch_raw() -> list[Any]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id, supplier_id, version, supplier_size, ephemeral_public, nonce, ciphertext, content_hash "
                "FROM procurement_bid WHERE tender_id = %s AND status = %s ORDER BY submitted_at, id",
                [tender.pk, BidStatus.SUBMITTED],
            )
            return cursor.fetchall()

    raw_rows, fetch_raw_s = timed(fetch_raw)
    assert count == len(fetched) == len(raw_rows) == n
    key = TenderKey.objects.get(tender=tender)
    private = crypto.unwrap_private_key(key.wrapped_private_key, aad=services.tender_key_aad(tender))

    by_id = {s.pk: s for s in suppliers}
    sealed = [
        (crypto.Sealed(eph, nonce, ct), bidding._bid_aad(tender, by_id[supplier_id], version))
        for _, supplier_id, version, _, eph, nonce, ct, _ in fetched
    ]

    def decrypt_all() -> None:
        opening_key = crypto.OpeningKey(private)
        for bid, aad in sealed:
            opening_key.open(bid, aad=aad)

    _, decrypt_s = timed(decrypt_all)

    print("Opening and evaluating …", flush=True)
    load = os.getloadavg()[0]
    opened, open_s = timed(
        lambda: bidding.tender_open(tender=tender, actor=manager, at=at(opening_day, 9)), profile=True
    )
    assert not opened.failed and len(opened.lines) == n  # noqa: PT018
    ranked, evaluate_s = timed(
        lambda: bidding.evaluate_lowest_price(project=project, actor=manager, at=at(opening_day, 10, 30)),
        profile=True,
    )
    assert len(ranked) == n and ranked[0].rank == 1  # noqa: PT018
    return Figures(
        bids=n,
        vendor=connection.vendor,
        setup_s=setup_s,
        submit_s=submit_s,
        count_s=count_s,
        fetch_s=fetch_s,
        fetch_raw_s=fetch_raw_s,
        decrypt_s=decrypt_s,
        open_s=open_s,
        evaluate_s=evaluate_s,
        load=load,
    )


def report(f: Figures, target_s: float) -> str:
    total = f.open_s + f.evaluate_s
    baseline = f.fetch_s + f.decrypt_s
    rows = [
        ("database", f.vendor),
        ("load average, 1 min, before the opening", f"{f.load:.2f}  (on {os.cpu_count()} CPU(s))"),
        ("bids (sealed, one per supplier)", f"{f.bids:,}"),
        ("setup: migrate, organizations, tender (s)", f"{f.setup_s:.2f}"),
        ("setup: bid_submit × N (s)", f"{f.submit_s:.2f}  ({f.bids / f.submit_s:,.0f} bids/s)"),
        ("", ""),
        ("tender_open (s)", f"{f.open_s:.3f}"),
        ("evaluate_lowest_price (s)", f"{f.evaluate_s:.3f}"),
        (
            "opening + evaluation (s)",
            f"{total:.3f}  (target ≤ {target_s:g} s: {'met' if total <= target_s else 'MISSED'})",
        ),
        ("throughput (bids/s)", f"{f.bids / total:,.0f}"),
        ("", ""),
        ("baseline: SELECT COUNT(*) (s)", f"{f.count_s:.4f}"),
        ("baseline: fetch rows as tender_open (s)", f"{f.fetch_s:.3f}"),
        ("baseline: fetch rows, raw SQL (s)", f"{f.fetch_raw_s:.3f}"),
        (
            "baseline: decrypt loop, one OpeningKey (s)",
            f"{f.decrypt_s:.3f}  ({f.decrypt_s / f.bids * 1e6:,.0f} µs/bid)",
        ),
        ("tender_open ÷ (fetch + decrypt)", f"{f.open_s / baseline:.2f}×"),
        ("tender_open per bid (µs)", f"{f.open_s / f.bids * 1e6:,.0f}"),
        ("evaluate per bid (µs)", f"{f.evaluate_s / f.bids * 1e6:,.0f}"),
    ]
    width = max(len(label) for label, _ in rows)
    lines = [f"{label:<{width}}  {value}" if label else "" for label, value in rows]
    rule = "-" * (width + 40)
    return "\n".join([rule, *lines, rule])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=10_000, help="number of sealed bids (default 10,000)")
    parser.add_argument(
        "--database-url",
        default=None,
        help="PostgreSQL admin URL (e.g. postgres://postgres@127.0.0.1:5432/postgres): a temporary database "
        "is created on that server and dropped afterwards. Default: an SQLite file in a temporary folder.",
    )
    parser.add_argument("--target", type=float, default=5.0, help="seconds allowed for opening + evaluation")
    parser.add_argument(
        "--profile", action="store_true", help="profile the opening and evaluation (slower) and print the hot spots"
    )
    args = parser.parse_args()
    if args.profile:
        import cProfile

        PROFILE.append(cProfile.Profile())
    if args.n < 3:
        parser.error("--n must be at least 3 (M-MIN-BIDDERS)")
    # a terminated run still drops its database and removes its folders (the finally clauses run)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    var_dir = tempfile.mkdtemp(prefix="zc-bench-var-")
    try:
        with throwaway_database(args.database_url) as url:
            setup_django(url, var_dir)
            figures = run(args.n)
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)
    print(f"\nbid_opening benchmark — Python {platform.python_version()}, {os.cpu_count()} CPU(s)")
    print(report(figures, args.target))
    if PROFILE:
        import pstats

        print("\nProfile of tender_open + evaluate_lowest_price (times inflated by the profiler):")
        pstats.Stats(PROFILE[0]).sort_stats("cumulative").print_stats(25)
    return 0


if __name__ == "__main__":
    sys.exit(main())
