"""The indicator engine (compute.py): hand-computed values on a small fixture, the drill-down sums, as-of
reproducibility of closed periods and the snapshot job."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from conftest import make_code, make_user
from zhengcai.core import calendar
from zhengcai.core.permissions import Role
from zhengcai.demo.evaluation_flags_seed import TenderPlan, at_local, tender_round
from zhengcai.evaluation import compute, jobs, periods, selectors
from zhengcai.evaluation.models import JobKind, JobStatus, Period, Snapshot, SnapshotValue
from zhengcai.organizations.models import EnterpriseSize, OrganizationKind
from zhengcai.organizations.services import organization_create
from zhengcai.procurement import lifecycle

D_CITY = dt.date(2026, 3, 2)  # intention; tender published 2026-04-01, opened 2026-04-21, contract 2026-04-24
D_CAO = dt.date(2026, 3, 10)  # intention; tender published 2026-04-09, opened 2026-04-29, contract 2026-05-02


@pytest.fixture(autouse=True)
def _fresh_calendar() -> None:
    calendar.clear_cache()


@pytest.fixture
def world(heze: dict[str, Any]) -> dict[str, Any]:
    cao_unit = organization_create(
        kind=OrganizationKind.BUDGET_UNIT, name="曹县教育和体育局", region=heze["cao"], actor="t", at=at_local(D_CITY)
    )
    suppliers = []
    for i, size in enumerate([EnterpriseSize.SMALL, EnterpriseSize.LARGE, EnterpriseSize.MEDIUM]):
        org = organization_create(
            kind=OrganizationKind.SUPPLIER,
            name=f"菏泽指标供应商{i}有限公司",
            region=heze["city"],
            credit_code=make_code(),
            size=size,
            actor="t",
            at=at_local(D_CITY),
        )
        suppliers.append((org, make_user(Role.SUPPLIER_STAFF, org)))
    city_buyer = make_user(Role.PURCHASER_STAFF, heze["budget_unit"])
    cao_buyer = make_user(Role.PURCHASER_STAFF, cao_unit)
    city = tender_round(
        TenderPlan(
            title="菏泽市教育局办公设备采购",
            purchaser=heze["budget_unit"],
            actor=city_buyer,
            agency=heze["agency"],
            bids=[(o, u, p) for (o, u), p in zip(suppliers, [90_0000_00, 91_0000_00, 92_0000_00], strict=True)],
            start=D_CITY,
            contract=True,
        )
    )
    cao = tender_round(
        TenderPlan(
            title="曹县学校课桌椅采购",
            purchaser=cao_unit,
            actor=cao_buyer,
            agency=heze["agency"],
            bids=[(o, u, p) for (o, u), p in zip(suppliers, [95_0000_00, 80_0000_00, 99_0000_00], strict=True)],
            start=D_CAO,
            contract=True,
        )
    )
    admin = make_user(Role.BUREAU_ADMIN, heze["city_bureau"])
    return {**heze, "city_round": city, "cao_round": cao, "city_buyer": city_buyer, "admin": admin}


def figures(label: str, as_of: dt.datetime) -> dict[tuple[str, str], SnapshotValue]:
    period = compute.period_ensure(label)
    snap = compute.snapshot_compute(period, as_of)
    return {(v.indicator, v.region.code): v for v in snap.values.select_related("region")}


AS_OF = at_local(dt.date(2026, 6, 30), 18)


def pay_off(world: dict[str, Any], accepted: dt.date, paid: dt.date, recorded: dt.datetime) -> None:
    contract = world["city_round"].contract
    contract = lifecycle.acceptance_record(
        contract=contract,
        passed=True,
        accepted_on=accepted,
        note="验收合格",
        actor=world["city_buyer"],
        at=at_local(accepted, 16),
    )
    lifecycle.payment_record(
        contract=contract,
        amount_fen=contract.amount_fen,
        paid_on=paid,
        is_advance=False,
        actor=world["city_buyer"],
        at=recorded,
    )


def test_formulas_hand_computed_per_region_and_city(world: dict[str, Any]) -> None:
    pay_off(world, dt.date(2026, 5, 10), dt.date(2026, 5, 30), at_local(dt.date(2026, 5, 30), 17))
    v = figures("2026-Q2", AS_OF)
    # bids per tender: city 菏泽市 tender 3 bids, 曹县 tender 3 bids → city row (3 + 3) ÷ 2 = 3.00; 曹县 3 ÷ 1
    assert (v["bidders_per_tender", "371700"].numerator, v["bidders_per_tender", "371700"].denominator) == (6, 2)
    assert v["bidders_per_tender", "371700"].value == Decimal("3.00")
    assert v["bidders_per_tender", "371721"].value == Decimal("3.00")
    assert v["bidders_per_tender", "371722"].value is None  # 单县 has no tender: null, not zero
    # SME share: the small enterprise won 90万 in the city, a large one 80万 in 曹县 → 90 ÷ 170 = 52.94 %
    assert v["sme_award_share", "371700"].value == Decimal("52.94")
    assert v["sme_award_share", "371721"].value == Decimal("0.00")
    # result → contract: award 04-22 → signed 04-24 (2 days); 曹县 award 04-30 → signed 05-02 (2) → 4 ÷ 2
    assert v["days_result_to_contract", "371700"].numerator == 4
    assert v["days_result_to_contract", "371700"].value == Decimal("2.00")
    # intention published 30 days before each tender notice → coverage 100 %, lead 30 days
    assert v["intention_coverage", "371700"].value == Decimal("100.00")
    assert v["intention_lead_days", "371700"].value == Decimal("30.00")
    # P-SME-30D: accepted 05-10, paid off 05-30 → 20 days, one SME contract
    assert v["days_to_pay_sme", "371700"].value == Decimal("20.00")
    assert v["days_to_pay_sme", "371721"].value is None
    # no result notice was published and both were due (04-24, 05-05) before as-of → 0 of 2 on time
    assert (v["result_notice_on_time", "371700"].numerator, v["result_notice_on_time", "371700"].denominator) == (0, 2)
    # every bid came through the sealed electronic submission
    assert v["e_procurement_rate", "371700"].value == Decimal("100.00")
    # months roll up: April holds both tenders' openings, May none
    april = figures("2026-04", AS_OF)
    assert april["bidders_per_tender", "371700"].denominator == 2
    assert figures("2026-05", AS_OF)["bidders_per_tender", "371700"].value is None


def test_drill_down_sums_equal_the_stored_figure_for_every_indicator(world: dict[str, Any]) -> None:
    pay_off(world, dt.date(2026, 5, 10), dt.date(2026, 5, 30), at_local(dt.date(2026, 5, 30), 17))
    period = compute.period_ensure("2026-Q2")
    snap = compute.snapshot_compute(period, AS_OF)
    checked = 0
    for value in snap.values.select_related("region"):
        rows = compute.records(value.indicator, value.region, period, snap.as_of)
        n, d, count, figure = compute.records_total(value.indicator, rows)
        assert (n, d, count, figure) == (value.numerator, value.denominator, value.record_count, value.value), (
            value.indicator,
            value.region.code,
        )
        checked += bool(count)
    assert checked >= 15
    assert len(compute.implemented()) == len(compute.QUERIES)
    rows = selectors.indicator_records("days_to_pay_sme", world["city"], period)
    assert [(r["number"], r["num"], r["supplier"]) for r in rows] == [
        (world["city_round"].project.number, Decimal(20), "菏泽指标供应商0有限公司")
    ]
    from django.test import Client

    client = Client()
    client.force_login(world["admin"])
    page = client.get("/office/evaluation/indicators/days_to_pay_sme/371700/2026-Q2/").content.decode()
    assert 'data-testid="matches"' in page
    assert world["city_round"].project.number in page


def test_closed_period_is_reproducible_a_late_payment_moves_only_open_ones(world: dict[str, Any]) -> None:
    lifecycle.acceptance_record(
        contract=world["city_round"].contract,
        passed=True,
        accepted_on=dt.date(2026, 5, 10),
        note="验收合格",
        actor=world["city_buyer"],
        at=at_local(dt.date(2026, 5, 10), 16),
    )
    q2 = compute.period_ensure("2026-Q2")
    year = compute.period_ensure("2026")
    periods.period_close(period=q2, actor=world["admin"], at=at_local(dt.date(2026, 7, 1), 10))
    q2.refresh_from_db()
    first = compute.snapshot_compute(q2, at_local(dt.date(2026, 7, 2)))
    assert first.as_of == q2.closed_at
    before_year = compute.snapshot_compute(year, at_local(dt.date(2026, 7, 2)))
    # a payment dated in June but recorded on 07-05, after Q2 was closed
    contract = world["city_round"].contract
    contract.refresh_from_db()
    lifecycle.payment_record(
        contract=contract,
        amount_fen=contract.amount_fen,
        paid_on=dt.date(2026, 6, 20),
        is_advance=False,
        actor=world["city_buyer"],
        at=at_local(dt.date(2026, 7, 5), 9),
    )
    again = compute.snapshot_compute(q2, at_local(dt.date(2026, 7, 6)))
    assert again.digest == first.digest
    assert again.values.get(indicator="days_to_pay_sme", region=world["city"]).value is None
    after_year = compute.snapshot_compute(year, at_local(dt.date(2026, 7, 6)))
    assert after_year.digest != before_year.digest
    # accepted 05-10, paid off 06-20 → 41 days
    assert after_year.values.get(indicator="days_to_pay_sme", region=world["city"]).value == Decimal("41.00")
    assert selectors.latest_values(period_label="2026")["days_to_pay_sme", world["city"].pk].value == Decimal("41.00")


def test_snapshot_job_computes_the_year_quarters_and_months_with_progress(world: dict[str, Any]) -> None:
    job = jobs.job_request(kind=JobKind.SNAPSHOT, params={"year": 2026}, actor=world["admin"], at=AS_OF)
    [done] = jobs.job_run_pending(kind=JobKind.SNAPSHOT)
    assert done.pk == job.pk
    assert done.status == JobStatus.DONE, done.error
    assert done.progress == 100
    assert len(done.result["snapshots"]) == 17
    assert set(Period.objects.values_list("label", flat=True)) == set(compute.year_labels(2026))
    assert Snapshot.objects.filter(job=job).count() == 17
    # the year is the sum of its quarters, numerators and denominators alike
    year = selectors.latest_values(period_label="2026")
    quarters = [selectors.latest_values(period_label=f"2026-Q{q}") for q in range(1, 5)]
    key = ("bidders_per_tender", world["city"].pk)
    assert year[key].numerator == sum(q[key].numerator for q in quarters) == 6
    assert year[key].denominator == sum(q[key].denominator for q in quarters) == 2


def test_tick_queues_snapshot_when_stale_and_a_scan_skipping_busy_ones(world: dict[str, Any]) -> None:
    first = compute.evaluation_tick(at=AS_OF, max_age=dt.timedelta(minutes=60))
    assert sorted(j.kind for j in first) == [JobKind.RED_FLAGS, JobKind.SNAPSHOT]
    assert compute.evaluation_tick(at=AS_OF, max_age=dt.timedelta(minutes=60)) == []  # both still queued
    jobs.job_run_pending(kind=JobKind.SNAPSHOT)
    # the snapshot was computed "now" (the job's clock); a tick within the hour queues nothing new for it
    fresh = Snapshot.objects.filter(period__label="2026").latest("computed_at").computed_at
    later = compute.evaluation_tick(at=fresh + dt.timedelta(minutes=30), max_age=dt.timedelta(minutes=60))
    assert [j.kind for j in later] == []
    stale = compute.evaluation_tick(at=fresh + dt.timedelta(minutes=61), max_age=dt.timedelta(minutes=60))
    assert [j.kind for j in stale] == [JobKind.SNAPSHOT]


def test_demo_seed_closes_past_quarters_and_is_idempotent(world: dict[str, Any]) -> None:
    from zhengcai.demo.evaluation_indicators_seed import seed_evaluation_indicators

    at = at_local(dt.date(2026, 11, 20), 10)
    out = seed_evaluation_indicators(at=at)
    assert out["closed"] == ["2026-Q1", "2026-Q2", "2026-Q3", *(f"2026-{m:02d}" for m in range(1, 10))]
    q2 = Period.objects.get(label="2026-Q2")
    assert q2.closed_at == at_local(dt.date(2026, 7, 2), 9)
    assert Period.objects.get(label="2026-Q4").status == "open"
    assert Period.objects.get(label="2026-10").status == "open"
    snap = selectors.latest_snapshot(q2)
    assert snap is not None
    assert snap.as_of == q2.closed_at
    count = Snapshot.objects.count()
    again = seed_evaluation_indicators(at=at)
    assert again["closed"] == []
    assert again["snapshots"] == 0
    year = selectors.latest_snapshot(Period.objects.get(label="2026"))
    assert year is not None
    assert year.as_of == at  # the open year as of the demo's "now", not the machine's clock
    assert Snapshot.objects.count() == count


def assert_families_equal_their_parts(start: dt.date, end: dt.date, as_of: dt.datetime) -> int:
    """Every family member's sums equal its part's own grouped query, and the merged pass equals the
    per-indicator reference for every code; returns how many non-empty cells were compared."""
    compared = 0
    for family in compute.FAMILIES:
        merged = family.cells(start, end, as_of)
        for code, index in family.members:
            own = compute.part_cells(compute.QUERIES[code].parts[index], start, end, as_of)
            assert merged[code, index] == own, (family.name, code)
            compared += len(own)
    fast = compute.cells_for(compute.implemented(), start, end, as_of, parallel=False)
    for code, cells in fast.items():
        assert cells == compute.monthly(code, start, end, as_of), code
    return compared


def test_merged_families_equal_each_indicators_own_query(world: dict[str, Any]) -> None:
    pay_off(world, dt.date(2026, 5, 10), dt.date(2026, 5, 30), at_local(dt.date(2026, 5, 30), 17))
    assert assert_families_equal_their_parts(dt.date(2026, 1, 1), dt.date(2027, 1, 1), AS_OF) >= 10
    # as of an earlier moment (the 曹县 tender not opened yet) the families still agree
    assert assert_families_equal_their_parts(dt.date(2026, 4, 1), dt.date(2026, 7, 1), at_local(dt.date(2026, 4, 25)))
