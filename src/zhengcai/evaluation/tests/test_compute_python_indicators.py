"""The two indicators computed outside a grouped SQL pass, hand-computed:

- ``bid_security_refund_on_time`` (S-BID-REFUND-5WD): the due day counts 5 working days after the result
  notice (losers) or the contract signing (winner), so it is computed per security in Python and grouped by
  the month of the due day;
- ``training_coverage``: distinct organizations are not additive over months, so each period is one grouped
  query of its own.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from conftest import AT, make_code, make_user
from zhengcai.core.permissions import Role
from zhengcai.evaluation import compute
from zhengcai.evaluation.models import SnapshotValue
from zhengcai.organizations.models import OrganizationKind
from zhengcai.organizations.services import organization_create
from zhengcai.procurement.bidding import award_decide, bid_submit, evaluate_lowest_price, tender_open
from zhengcai.procurement.lifecycle import contract_sign, result_publish
from zhengcai.procurement.tests.conftest import (  # noqa: F401 - the procurement fixtures, shared
    OPENING,
    PUBLISH_ON,
    _fresh_calendar,
    at,
    bidders,
    intention,
    project,
    purchaser,
    tender,
)
from zhengcai.securities.models import SecurityForm
from zhengcai.securities.services import bid_security_provide, bid_security_refund
from zhengcai.training.tests.url_samples_assessment import (
    make_course,
    make_participant,
    make_registration,
    make_session,
)

pytestmark = pytest.mark.django_db
PAID = PUBLISH_ON + dt.timedelta(days=2)


def figures(label: str, as_of: dt.datetime) -> dict[tuple[str, str], SnapshotValue]:
    snap = compute.snapshot_compute(compute.period_ensure(label), as_of)
    return {(v.indicator, v.region.code): v for v in snap.values.select_related("region")}


def cell(v: dict[tuple[str, str], SnapshotValue], code: str, region: str) -> tuple[Any, Any, Any, int]:
    x = v[code, region]
    return x.numerator, x.denominator, x.value, x.record_count


@pytest.fixture
def refunds(tender: Any, bidders: list[Any], purchaser: Any) -> dict[str, Any]:  # noqa: F811
    """Three cash securities (bank transfers). The result notice is published on Wed 04-22: the losers' refunds
    fall due on Wed 04-29 (5 working days). Loser 1 is refunded on 04-30, a day late; loser 2 is never
    refunded. The winner signs on Wed 05-06: due Tue 05-12 (Sat 05-09 is a make-up working day), refunded on
    05-08, on time."""
    securities = {}
    for (org, user), price in zip(bidders, [160_0000_00, 170_0000_00, 158_0000_00], strict=True):
        securities[org.pk] = bid_security_provide(
            tender=tender,
            supplier=org,
            form=SecurityForm.TRANSFER,
            amount_fen=3_0000_00,
            paid_on=PAID,
            reference=f"HZ-TRF-{org.pk}",
            actor=user,
            at=at(PAID, 10),
        )
        bid_submit(
            tender=tender, supplier=org, price_fen=price, technical_response="响应", actor=user, at=at(PAID, 11)
        )
    tender_open(tender=tender, actor=purchaser, at=OPENING)
    evaluate_lowest_price(project=tender.project, actor=purchaser, at=OPENING)
    award = award_decide(project=tender.project, actor=purchaser, at=OPENING + dt.timedelta(hours=2))
    result_publish(award=award, actor=purchaser, at=at(dt.date(2026, 4, 22), 9))
    winner = securities.pop(award.winning_bid.supplier_id)
    late, never = sorted(securities.values(), key=lambda s: s.pk)
    bid_security_refund(security=late, refunded_on=dt.date(2026, 4, 30), actor=purchaser, at=at(dt.date(2026, 4, 30)))
    contract_sign(award=award, signed_on=dt.date(2026, 5, 6), actor=purchaser, at=at(dt.date(2026, 5, 6)))
    bid_security_refund(security=winner, refunded_on=dt.date(2026, 5, 8), actor=purchaser, at=at(dt.date(2026, 5, 8)))
    return {"winner": winner, "late": late, "never": never, "project": tender.project}


def test_s_bid_refund_5wd_on_time_share_late_and_overdue_hand_computed(
    refunds: dict[str, Any], heze: dict[str, Any]
) -> None:
    code = "bid_security_refund_on_time"
    as_of = at(dt.date(2026, 6, 30), 18)
    q2 = figures("2026-Q2", as_of)
    # due 04-29 (late refund 04-30), 04-29 (never refunded, overdue), 05-12 (refunded 05-08): 1 of 3 on time
    assert cell(q2, code, "371700") == (1, 3, Decimal("33.33"), 3)
    assert cell(q2, code, "371721") == (0, 0, None, 0)  # 曹县: nothing due, no figure
    # by the month of the due day: April 0 of 2, May 1 of 1
    assert cell(figures("2026-04", as_of), code, "371700")[:3] == (0, 2, Decimal("0.00"))
    assert cell(figures("2026-05", as_of), code, "371700")[:3] == (1, 1, Decimal("100.00"))
    # the drill-down lists the three securities with their due days, summing to the figure
    period = compute.period_ensure("2026-Q2")
    rows = compute.records(code, q2[code, "371700"].region, period, as_of)
    assert [(r["pk"], r["ev"], r["num"], r["refunded_on"]) for r in rows] == [
        (refunds["late"].pk, dt.date(2026, 4, 29), 0, dt.date(2026, 4, 30)),
        (refunds["never"].pk, dt.date(2026, 4, 29), 0, None),
        (refunds["winner"].pk, dt.date(2026, 5, 12), 1, dt.date(2026, 5, 8)),
    ]
    assert rows[0]["number"] == refunds["project"].number
    assert compute.records_total(code, rows) == (1, 3, 3, Decimal("33.33"))
    # the drill-down page finds the stored figure equal to its records
    client = Client()
    client.force_login(make_user(Role.BUREAU_ADMIN, heze["city_bureau"]))
    page = client.get(f"/office/evaluation/indicators/{code}/371700/2026-Q2/").content.decode()
    assert 'data-testid="matches"' in page
    assert refunds["project"].number in page


def test_s_bid_refund_5wd_counts_only_what_was_known_at_as_of(refunds: dict[str, Any]) -> None:
    code = "bid_security_refund_on_time"
    # as of 04-29 evening: both losers are due today, not yet past due and not refunded: nothing counted yet
    assert cell(figures("2026-04", at(dt.date(2026, 4, 29), 20)), code, "371700")[:2] == (0, 0)
    # as of 04-30 evening: the late refund (04-30) and the overdue one count; the winner's contract is not
    # signed yet, so its security has no due day
    early = figures("2026-Q2", at(dt.date(2026, 4, 30), 20))
    assert cell(early, code, "371700")[:3] == (0, 2, Decimal("0.00"))


@pytest.fixture
def trained(heze: dict[str, Any]) -> dict[str, Any]:
    """Budget units and agencies with their staff's completions (Asia/Shanghai):

    organization                       region   completions                counted
    菏泽市教育局 (heze, budget unit)     city     05-20                      Q2
    菏泽市招标代理 (heze, agency)        city     —                          —
    曹县单位A (budget unit)             cao      03-10 and 04-10            Q1 and Q2, once in the year
    曹县单位B (budget unit)             cao      registration cancelled 04-15  never
    曹县代理 (agency)                   cao      2026-04-01 00:30 (03-31 16:30 UTC)  Q2
    单县单位C (budget unit, SUSPENDED)  shan     04-10                      not in the coverage
    单县单位D (budget unit)             shan     created 2026-08-01          not before August
    a supplier (heze)                  city     05-21                      not in the coverage
    """

    def org(kind: OrganizationKind, name: str, region: str, at: dt.datetime = AT, **extra: Any) -> Any:
        return organization_create(kind=kind, name=name, region=heze[region], actor="t", at=at, **extra)

    from zhengcai.accounts.models import User

    w = dict(heze)
    w["A"] = org(OrganizationKind.BUDGET_UNIT, "曹县单位A", "cao")
    w["B"] = org(OrganizationKind.BUDGET_UNIT, "曹县单位B", "cao")
    w["cao_agency"] = org(OrganizationKind.AGENCY, "曹县招标代理有限公司", "cao", credit_code=make_code("371721"))
    w["C"] = org(OrganizationKind.BUDGET_UNIT, "单县单位C", "shan", status="suspended")
    w["D"] = org(OrganizationKind.BUDGET_UNIT, "单县单位D", "shan", at=local(2026, 8, 1))
    trainer = User.objects.create(username="coverage_trainer")
    course = make_course(organizer=heze["city_bureau"], actor=trainer)
    sessions = [make_session(course, starts_at=local(2026, 3, 9, 9)) for _ in range(2)]

    def done(organization: Any, completed: dt.datetime | None, session: int = 0, **kw: Any) -> None:
        make_registration(sessions[session], make_participant(organization), completed_at=completed, **kw)

    done(heze["budget_unit"], local(2026, 5, 20, 9))
    a = make_participant(w["A"])
    make_registration(sessions[0], a, completed_at=local(2026, 3, 10, 9))
    make_registration(sessions[1], a, completed_at=local(2026, 4, 10, 9))
    done(w["B"], local(2026, 4, 15, 9), status="cancelled")
    done(w["cao_agency"], dt.datetime(2026, 3, 31, 16, 30, tzinfo=dt.UTC))
    done(w["C"], local(2026, 4, 10, 9))
    done(heze["supplier"], local(2026, 5, 21, 9))
    return w


def local(year: int, month: int, day: int, hour: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime(year, month, day, hour))


def test_training_coverage_counts_distinct_organizations_per_period_hand_computed(trained: dict[str, Any]) -> None:
    code = "training_coverage"
    as_of = local(2026, 12, 31, 18)
    q1, q2, year = figures("2026-Q1", as_of), figures("2026-Q2", as_of), figures("2026", as_of)
    # Q1: A only. City level: 教育局, 代理 → 0 of 2; 曹县: A, B, 代理 → 1 of 3; 单县: D (created in August,
    # active by 12-31) → 0 of 1, C (suspended) is not counted
    assert cell(q1, code, "371700")[:2] == (1, 6)  # the city row: every region, distinct organizations
    assert cell(q1, code, "371721")[:3] == (1, 3, Decimal("33.33"))
    assert cell(q1, code, "371722")[:3] == (0, 1, Decimal("0.00"))
    # Q2: 教育局, A, 曹县代理 (its 00:30 local completion is in April) → 3 of 6
    assert cell(q2, code, "371700")[:3] == (3, 6, Decimal("50.00"))
    assert cell(q2, code, "371721")[:2] == (2, 3)
    # the year is not the sum of its quarters: A completed in both, it counts once
    assert cell(year, code, "371700")[:3] == (3, 6, Decimal("50.00"))
    assert cell(year, code, "371700")[0] < q1[code, "371700"].numerator + q2[code, "371700"].numerator
    # the drill-down lists the organizations, covered (1) or not (0), and sums to the figure
    period = compute.period_ensure("2026-Q2")
    rows = compute.records(code, q2[code, "371721"].region, period, as_of)
    assert sorted((r["title"], r["num"], r["ev"]) for r in rows) == [
        ("曹县单位A", 1, dt.date(2026, 4, 10)),
        ("曹县单位B", 0, None),
        ("曹县招标代理有限公司", 1, dt.date(2026, 4, 1)),
    ]
    assert compute.records_total(code, rows) == (2, 3, 3, Decimal("66.67"))
    client = Client()
    client.force_login(make_user(Role.BUREAU_ADMIN, trained["city_bureau"]))
    page = client.get(f"/office/evaluation/indicators/{code}/371721/2026-Q2/").content.decode()
    assert 'data-testid="matches"' in page
    assert "曹县招标代理有限公司" in page


def test_training_coverage_as_of_excludes_later_completions_and_organizations(trained: dict[str, Any]) -> None:
    code = "training_coverage"
    # as of 05-01: 教育局's 05-20 completion is not known yet, and 单县单位D does not exist yet
    early = figures("2026-Q2", local(2026, 5, 1, 12))
    assert cell(early, code, "371700")[:2] == (2, 5)
    assert cell(early, code, "371722")[:3] == (0, 0, None)


def test_merged_families_equal_their_parts_with_bid_securities(refunds: dict[str, Any]) -> None:
    from .test_compute import assert_families_equal_their_parts

    assert assert_families_equal_their_parts(dt.date(2026, 1, 1), dt.date(2027, 1, 1), at(dt.date(2026, 6, 30))) >= 5
    rows = compute.part_cells(
        compute.QUERIES["guarantee_share"].parts[0], dt.date(2026, 1, 1), dt.date(2027, 1, 1), at(dt.date(2026, 6, 30))
    )
    assert sum(c for _n, _d, c in rows.values()) == 3  # the three transfers: 0 of 3 given as guarantees


def test_s_bid_refund_5wd_after_a_termination_notice(tender: Any, bidders: list[Any], purchaser: Any) -> None:  # noqa: F811
    from zhengcai.procurement.services import project_terminate

    held = []
    for org, user in bidders[:2]:
        held.append(
            bid_security_provide(
                tender=tender,
                supplier=org,
                form=SecurityForm.TRANSFER,
                amount_fen=3_0000_00,
                paid_on=PAID,
                reference=f"HZ-TRF-{org.pk}",
                actor=user,
                at=at(PAID, 10),
            )
        )
    # terminated on Wed 04-15: refunds due on Wed 04-22; one refunded on 04-20, the other never
    project_terminate(project=tender.project, reason="需求取消", actor=purchaser, at=at(dt.date(2026, 4, 15)))
    bid_security_refund(
        security=held[0], refunded_on=dt.date(2026, 4, 20), actor=purchaser, at=at(dt.date(2026, 4, 20))
    )
    v = figures("2026-04", at(dt.date(2026, 4, 30), 18))
    assert cell(v, "bid_security_refund_on_time", "371700") == (1, 2, Decimal("50.00"), 2)
