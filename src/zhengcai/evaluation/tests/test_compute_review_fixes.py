"""The indicator engine after review, hand-computed on one signed contract (the financing tests' world:
tender published 2026-04-01, opened 2026-04-15, awarded, contract signed 2026-04-20 in 菏泽市):

- change notices (D-CONTRACT-PUB-2WD) are counted like the other notices: once published by as-of or once
  due, dated by the change; a closed period stays the same after a later publication;
- contract financing raised counts the loans *disbursed* (financing.Disbursement), dated by the disbursement
  and known once recorded;
- challenges are answered in *working* days (C-CHALLENGE-7WD);
- a replaced paper bid does not make a tender non-electronic;
- the snapshot digest is re-computable from the stored rows;
- the drill-down's Excel export writes translated headers and kinds, and exact numbers.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import translation
from django.utils.functional import Promise

from conftest import make_user
from zhengcai.core.permissions import Role
from zhengcai.evaluation import compute, periods, views_indicators
from zhengcai.evaluation.models import SnapshotValue
from zhengcai.evaluation.tests.test_compute import assert_families_equal_their_parts
from zhengcai.financing import services as financing
from zhengcai.financing.tests.conftest import World, _fresh_calendar, world  # noqa: F401 - shared fixtures
from zhengcai.financing.tests.factories import moment
from zhengcai.organizations.models import Region
from zhengcai.procurement import lifecycle
from zhengcai.procurement.models import Bid, BidStatus, ContractAmendment

pytestmark = pytest.mark.django_db
CITY = "371700"


def figures(label: str, as_of: dt.datetime) -> dict[str, SnapshotValue]:
    snap = compute.snapshot_compute(compute.period_ensure(label), as_of)
    return {v.indicator: v for v in snap.values.filter(region__code=CITY)}


def cell(values: dict[str, SnapshotValue], code: str) -> tuple[Decimal, Decimal, Decimal | None]:
    v = values[code]
    return v.numerator, v.denominator, v.value


def amend(w: World, changed_on: dt.date, amount_fen: int, at: dt.datetime) -> ContractAmendment:
    w.contract.refresh_from_db()
    return lifecycle.contract_amend(
        contract=w.contract,
        changed_on=changed_on,
        rationale="增加采购数量",
        description="追加同类货物",
        amount_after_fen=amount_fen,
        actor=w.purchaser,
        at=at,
    )


def test_d_contract_pub_2wd_change_notices_count_as_of_their_publication_or_due_day(world: World) -> None:  # noqa: F811
    # on time: changed Wed 06-10, due Fri 06-12 (2 working days), recorded and published Thu 06-11
    amend(world, dt.date(2026, 6, 10), 101_0000_00, moment(dt.date(2026, 6, 11), 10))
    # recorded Tue 06-30 (changed Mon 06-29, due Wed 07-01); its notice went out only on 07-01 15:00 — after Q2
    # was closed at 07-01 10:00 (a notice published later than the change was recorded)
    late = amend(world, dt.date(2026, 6, 29), 102_0000_00, moment(dt.date(2026, 6, 30), 10))
    assert late.publish_due == dt.date(2026, 7, 1)
    ContractAmendment.objects.filter(pk=late.pk).update(published_at=moment(dt.date(2026, 7, 1), 15))
    admin = make_user(Role.BUREAU_ADMIN, world.heze["city_bureau"])
    q2 = compute.period_ensure("2026-Q2")
    periods.period_close(period=q2, actor=admin, at=moment(dt.date(2026, 7, 1), 10))
    q2.refresh_from_db()
    closed = compute.snapshot_compute(q2, moment(dt.date(2026, 7, 1), 11))
    # as of the close the second notice was neither published nor due yet: 1 of 1 on time
    v = closed.values.get(indicator="change_notice_on_time", region__code=CITY)
    assert (v.numerator, v.denominator, v.value) == (1, 1, Decimal("100.00"))
    # recomputed after the (on-time) publication: the closed period does not move
    again = compute.snapshot_compute(q2, moment(dt.date(2026, 7, 3), 9))
    assert again.digest == closed.digest
    # an open period sees it, dated by the change (June), published on its due day: 2 of 2
    assert cell(figures("2026-06", moment(dt.date(2026, 7, 3), 9)), "change_notice_on_time") == (
        2,
        2,
        Decimal("100.00"),
    )
    # as of 06-30 evening: not published, not due (07-01) → not counted yet
    assert cell(figures("2026-06", moment(dt.date(2026, 6, 30), 18)), "change_notice_on_time") == (
        1,
        1,
        Decimal("100.00"),
    )
    # as of 07-02 without its publication (moved later): due day passed, unpublished → counted, not on time
    ContractAmendment.objects.filter(pk=late.pk).update(published_at=moment(dt.date(2026, 7, 6), 9))
    assert cell(figures("2026-06", moment(dt.date(2026, 7, 2), 9)), "change_notice_on_time") == (
        1,
        2,
        Decimal("50.00"),
    )


def _disburse(w: World, disbursed_on: dt.date, recorded: dt.datetime) -> None:
    t = moment(dt.date(2026, 4, 22), 10)
    application = financing.application_apply(
        supplier=w.supplier,
        contract=w.contract,
        amount_fen=70_0000_00,
        products=[w.product],
        consent_bank_ids={w.bank.pk},
        purpose="采购原材料",
        actor=w.supplier_user,
        at=t,
    )
    quote = financing.quote_submit(
        application=application,
        bank=w.bank,
        amount_fen=70_0000_00,
        rate=Decimal("3.60"),
        term_days=180,
        valid_until=dt.date(2026, 5, 6),
        actor=w.bank_officer,
        at=t + dt.timedelta(days=1),
    )
    financing.quote_accept(quote=quote, actor=w.supplier_user, at=t + dt.timedelta(days=2))
    financing.application_approve(
        application=application,
        bank=w.bank,
        agreement_number="ICBC-ZCD-2026-0009",
        account_name="政采贷还款专户",
        account_number="1612002119200123456",
        account_bank_name="中国工商银行股份有限公司菏泽分行营业部",
        actor=w.bank_officer,
        at=t + dt.timedelta(days=3),  # approved 2026-04-25
    )
    financing.disbursement_record(
        application=application,
        bank=w.bank,
        amount_fen=65_0000_00,
        disbursed_on=disbursed_on,
        actor=w.bank_officer,
        at=recorded,
    )


def test_financing_raised_counts_loans_disbursed_dated_by_disbursement_known_once_recorded(world: World) -> None:  # noqa: F811
    # approved in April for ¥700,000; ¥650,000 paid out on 05-06, recorded on 05-08
    _disburse(world, dt.date(2026, 5, 6), moment(dt.date(2026, 5, 8), 10))
    later = moment(dt.date(2026, 6, 30), 18)
    assert figures("2026-04", later)["financing_raised"].value is None  # the approval month raised nothing
    may = figures("2026-05", later)["financing_raised"]
    assert (may.numerator, may.value, may.record_count) == (65_0000_00, Decimal("65000000.00"), 1)
    # as of 05-07 the disbursement was not recorded yet
    assert figures("2026-05", moment(dt.date(2026, 5, 7), 18))["financing_raised"].value is None
    period = compute.period_ensure("2026-05")
    [row] = compute.records("financing_raised", Region.objects.get(code=CITY), period, later)
    assert (row["kind"], row["num"], row["amount_fen"], row["bank"]) == (
        "loan",
        65_0000_00,
        65_0000_00,
        world.bank.name,
    )
    assert row["number"] == world.contract.project.number


def test_c_challenge_7wd_answer_days_are_working_days_across_a_weekend(world: World) -> None:  # noqa: F811
    project = world.contract.project
    # received Fri 2026-06-05, answered Tue 2026-06-09: 4 calendar days, 2 working days (Mon, Tue)
    challenge = lifecycle.challenge_submit(
        project=project,
        supplier=world.supplier,
        known_on=dt.date(2026, 6, 4),
        text="对合同履约内容提出质疑",
        actor=world.supplier_user,
        at=moment(dt.date(2026, 6, 5), 10),
    )
    lifecycle.challenge_answer(
        challenge=challenge, answer="已答复", actor=world.purchaser, at=moment(dt.date(2026, 6, 9), 15)
    )
    as_of = moment(dt.date(2026, 6, 30), 18)
    assert cell(figures("2026-06", as_of), "challenge_handling_days") == (2, 1, Decimal("2.00"))
    # as of the Monday it was not answered yet
    assert figures("2026-06", moment(dt.date(2026, 6, 8), 18))["challenge_handling_days"].value is None
    rows = compute.records(
        "challenge_handling_days", Region.objects.get(code=CITY), compute.period_ensure("2026-06"), as_of
    )
    assert [(r["kind"], r["num"], r["received_on"], r["supplier"]) for r in rows] == [
        ("challenge", Decimal(2), dt.date(2026, 6, 5), world.supplier.name)
    ]


def test_e_procurement_rate_ignores_replaced_paper_bids(world: World) -> None:  # noqa: F811
    as_of = moment(dt.date(2026, 4, 30), 18)
    bid = Bid.objects.get(tender__project=world.contract.project)
    # a bid entered on paper (no signed receipt) makes its tender non-electronic …
    Bid.objects.filter(pk=bid.pk).update(receipt_signature="")
    assert cell(figures("2026-04", as_of), "e_procurement_rate") == (0, 1, Decimal("0.00"))
    assert_families_equal_their_parts(dt.date(2026, 4, 1), dt.date(2026, 5, 1), as_of)
    # … but not once it was replaced by a later version (the live-bids filter)
    Bid.objects.filter(pk=bid.pk).update(status=BidStatus.REPLACED)
    assert cell(figures("2026-04", as_of), "e_procurement_rate") == (1, 1, Decimal("100.00"))
    assert_families_equal_their_parts(dt.date(2026, 4, 1), dt.date(2026, 5, 1), as_of)


def test_snapshot_digest_is_recomputed_from_the_stored_rows(world: World) -> None:  # noqa: F811
    _disburse(world, dt.date(2026, 5, 6), moment(dt.date(2026, 5, 8), 10))
    snap = compute.snapshot_compute(compute.period_ensure("2026-Q2"), moment(dt.date(2026, 6, 30), 18))
    stored = list(SnapshotValue.objects.filter(snapshot=snap))
    codes = dict(Region.objects.values_list("pk", "code"))
    assert any(v.indicator == "financing_raised" and v.numerator == 65_0000_00 for v in stored)
    assert compute.digest_of(stored, codes) == snap.digest
    assert compute.digest_of(list(snap.values.all()), codes) == snap.digest


def test_progress_steps_and_record_kinds_are_translatable() -> None:
    with translation.override("en"):
        assert compute.step_label("signed contracts") == "Signed contracts"
        assert compute.step_label("days_to_pay_sme") == "Days to pay SMEs"
        assert compute.step_label("publicity_reach/clicks") == "Policy publicity reach · Short-link clicks"
        assert compute.kind_label("amendment") == "Contract change"
    with translation.override("zh-hans"):
        assert compute.step_label("days_to_pay_sme") == "向中小企业付款天数"
    assert all(isinstance(label, Promise) for _key, label in views_indicators.COLUMNS)
    assert set(compute.KIND_LABELS) >= {p.kind for spec in compute.QUERIES.values() for p in spec.parts}


def test_drill_down_excel_has_translated_headers_kinds_and_exact_amounts(world: World) -> None:  # noqa: F811
    from openpyxl import load_workbook

    _disburse(world, dt.date(2026, 5, 6), moment(dt.date(2026, 5, 8), 10))
    compute.snapshot_compute(compute.period_ensure("2026-05"), moment(dt.date(2026, 6, 30), 18))
    client = Client()
    client.force_login(make_user(Role.BUREAU_ADMIN, world.heze["city_bureau"]))
    response = client.get(
        f"/office/evaluation/indicators/financing_raised/{CITY}/2026-05/export.xlsx", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[2][:6] == ["Record type", "Project number", "Title", "Purchaser", "Supplier", "Amount (fen)"]
    assert rows[3][0] == "Loan disbursement"
    assert rows[3][5] == 65_0000_00
    assert rows[-1][0] == "Total"
    assert rows[-1][7] == 65_0000_00
