"""Red flags: each detector raised on a minimal procurement run through the services and not raised just
below its threshold; threshold changes, idempotent rescans, reviewed flags kept, the job handler."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from conftest import make_code, make_user
from zhengcai.core import calendar
from zhengcai.core.audit import AuditEvent
from zhengcai.core.permissions import Role
from zhengcai.demo.evaluation_flags_seed import TenderPlan, at_local, tender_round
from zhengcai.evaluation import flag_services, jobs, redflags
from zhengcai.evaluation.models import JobKind, JobStatus, RedFlag, RedFlagStatus
from zhengcai.organizations.models import EnterpriseSize, OrganizationKind
from zhengcai.organizations.services import organization_create
from zhengcai.procurement import lifecycle
from zhengcai.procurement.models import BidOpening
from zhengcai.procurement.rules import Method

D0 = dt.date(2026, 3, 2)
SCAN_AT = at_local(dt.date(2026, 9, 1), 12)


@pytest.fixture(autouse=True)
def _fresh_calendar() -> None:
    calendar.clear_cache()


@pytest.fixture
def world(heze: dict[str, Any]) -> dict[str, Any]:
    buyer = make_user(Role.PURCHASER_STAFF, heze["budget_unit"])
    suppliers = []
    for i, size in enumerate([EnterpriseSize.SMALL, EnterpriseSize.LARGE, EnterpriseSize.MEDIUM]):
        org = organization_create(
            kind=OrganizationKind.SUPPLIER,
            name=f"菏泽供应商{i}有限公司",
            region=heze["city"],
            credit_code=make_code(),
            size=size,
            actor="t",
            at=at_local(D0),
        )
        suppliers.append((org, make_user(Role.SUPPLIER_STAFF, org)))
    admin = make_user(Role.BUREAU_ADMIN, heze["city_bureau"])
    return {**heze, "buyer": buyer, "suppliers": suppliers, "admin": admin}


def plan(world: dict[str, Any], prices: list[int], **changes: Any) -> TenderPlan:
    base: dict[str, Any] = {
        "title": "菏泽市教育局办公设备采购",
        "purchaser": world["budget_unit"],
        "agency": world["agency"],
        "actor": world["buyer"],
        "bids": [(org, user, price) for (org, user), price in zip(world["suppliers"], prices, strict=False)],
        "start": D0,
    }
    base.update(changes)
    return TenderPlan(**base)


def flags(code: str) -> list[RedFlag]:
    return list(RedFlag.objects.filter(code=code).order_by("project_id"))


def set_params(world: dict[str, Any], code: str, enabled: bool = True, **params: Any) -> None:
    current = redflags.effective_params(redflags.BY_CODE[code], None)
    current.update(params)
    flag_services.red_flag_setting_update(code=code, enabled=enabled, params=current, actor=world["admin"], at=SCAN_AT)


# --- single bid --------------------------------------------------------------------------------------------


def test_single_bid_raised_for_a_consultation_with_one_response(world: dict[str, Any]) -> None:
    one = tender_round(plan(world, [38_0000_00], method=Method.CONSULTATION, response_days=12))
    two = tender_round(plan(world, [38_0000_00, 37_0000_00], method=Method.CONSULTATION, response_days=12))
    redflags.red_flags_scan(at=SCAN_AT)
    [flag] = flags("single_bid")
    assert flag.project_id == one.project.pk
    assert flag.evidence["bids"] == 1
    assert flag.evidence["rows"][0]["price"] == "380,000.00"
    assert flag.supplier_id == world["suppliers"][0][0].pk
    assert flag.params == {"max_bids": 1}
    assert flag.region_id == world["city"].pk
    assert flag.agency_id == world["agency"].pk
    text = redflags.explain(flag)
    assert "1" in text
    assert "2026-04-13" in text
    # the threshold raised to two bids: the two-bid consultation is flagged too
    set_params(world, "single_bid", max_bids=2)
    redflags.red_flags_scan(at=SCAN_AT)
    assert [f.project_id for f in flags("single_bid")] == [one.project.pk, two.project.pk]


def test_single_bid_not_raised_for_single_source(world: dict[str, Any]) -> None:
    tender_round(plan(world, [38_0000_00], method=Method.SINGLE_SOURCE, response_days=10, award=False))
    redflags.red_flags_scan(at=SCAN_AT)
    assert flags("single_bid") == []


# --- identical prices, price near the maximum, lowest bid disqualified ---------------------------------------


def test_identical_bid_prices_raised_and_threshold(world: dict[str, Any]) -> None:
    same = tender_round(plan(world, [90_0000_00, 90_0000_00, 95_0000_00]))
    tender_round(plan(world, [90_0000_00, 90_0100_00, 95_0000_00]))  # one hundred yuan apart: not identical
    redflags.red_flags_scan(at=SCAN_AT)
    [flag] = flags("identical_bid_prices")
    assert flag.project_id == same.project.pk
    assert flag.evidence["identical"] == 2
    assert flag.evidence["bids"] == 3
    assert flag.evidence["prices"] == ["900,000.00"]
    set_params(world, "identical_bid_prices", min_same=3)
    summary = redflags.red_flags_scan(at=SCAN_AT)
    assert flags("identical_bid_prices") == []
    assert summary["identical_bid_prices"]["cleared"] == 1


def test_price_near_max_raised_at_98_percent_not_below(world: dict[str, Any]) -> None:
    at_98 = tender_round(plan(world, [98_0000_00, 99_0000_00, 99_5000_00]))
    tender_round(plan(world, [97_9900_00, 99_0000_00, 99_5000_00]))  # 97.99 %: just below
    redflags.red_flags_scan(at=SCAN_AT)
    [flag] = flags("price_near_max")
    assert flag.project_id == at_98.project.pk
    assert flag.evidence["percent_of_max"] == "98.00"
    assert flag.evidence["award_amount"] == "980,000.00"
    assert flag.evidence["max_price"] == "1,000,000.00"
    assert flag.params == {"percent": 98}
    set_params(world, "price_near_max", percent=Decimal("98.01"))
    redflags.red_flags_scan(at=SCAN_AT)
    assert flags("price_near_max") == []
    set_params(world, "price_near_max", percent=Decimal("97.99"))
    redflags.red_flags_scan(at=SCAN_AT)
    assert len(flags("price_near_max")) == 2
    # a lower threshold keeps both flags open with the thresholds now applied: an audited update
    set_params(world, "price_near_max", percent=Decimal("97.5"))
    updated = redflags.red_flags_scan(at=SCAN_AT)["price_near_max"]
    assert updated["updated"] == 2
    assert {f.params["percent"] for f in flags("price_near_max")} == {97.5}
    changes = AuditEvent.objects.filter(action="evaluation.red_flag.update")
    assert changes.count() == 2
    assert {(e.before or {})["params"]["percent"] for e in changes} == {97.99}


def test_lowest_bid_disqualified_raised_when_lowest_invalid(world: dict[str, Any]) -> None:
    # the small enterprise bids 85万 with a 10 % SME deduction (76.5万 evaluated) and wins: no flag
    ok = tender_round(plan(world, [85_0000_00, 80_0000_00, 90_0000_00], sme_deduction_percent=Decimal(10), award=True))
    redflags.red_flags_scan(at=SCAN_AT)
    assert flags("lowest_bid_disqualified") == []
    # the lowest line declared invalid at qualification review: no service records that yet, so the
    # fixture hand-sets the opening record's validity (the detector reads BidOpening.valid)
    lowest = BidOpening.objects.filter(tender=ok.tender).order_by("evaluated_price_fen").first()
    assert lowest is not None
    BidOpening.objects.filter(pk=lowest.pk).update(valid=False)
    redflags.red_flags_scan(at=SCAN_AT)
    [flag] = flags("lowest_bid_disqualified")
    assert flag.evidence["lowest_valid"] is False
    assert flag.evidence["lowest_evaluated_price"] == "765,000.00"
    assert flag.evidence["winner_supplier"] == world["suppliers"][0][0].name


# --- short submission period ---------------------------------------------------------------------------------


def test_short_submission_period_M_OPEN_20D_threshold(world: dict[str, Any]) -> None:
    tender_round(plan(world, [90_0000_00, 91_0000_00, 92_0000_00], response_days=20, award=False))
    redflags.red_flags_scan(at=SCAN_AT)
    assert flags("short_submission_period") == []  # exactly the statutory 20 days
    set_params(world, "short_submission_period", min_days=21)
    redflags.red_flags_scan(at=SCAN_AT)
    [flag] = flags("short_submission_period")
    assert flag.evidence["days"] == 20
    assert flag.evidence["required_days"] == 21
    assert flag.evidence["statutory_rule"] == "M-OPEN-20D"
    set_params(world, "short_submission_period", min_days=0, extra_days=1)
    redflags.red_flags_scan(at=SCAN_AT)
    assert flags("short_submission_period")[0].params == {"min_days": 0, "extra_days": 1}
    set_params(world, "short_submission_period", enabled=False)
    redflags.red_flags_scan(at=SCAN_AT)
    assert flags("short_submission_period") == []  # disabled flags are not raised


# --- repeat winner, contract amended up, late payment ------------------------------------------------------


def test_repeat_winner_third_contract_within_window(world: dict[str, Any]) -> None:
    rounds = [
        tender_round(
            plan(world, [90_0000_00, 91_0000_00, 92_0000_00], start=D0 + dt.timedelta(days=7 * i), contract=True)
        )
        for i in range(3)
    ]
    signed = [r.contract.signed_on for r in rounds if r.contract]
    assert (signed[2] - signed[0]).days == 14
    redflags.red_flags_scan(at=SCAN_AT)
    [flag] = flags("repeat_winner")
    assert flag.project_id == rounds[2].project.pk
    assert flag.evidence["wins"] == 3
    assert [row["project_number"] for row in flag.evidence["rows"]] == [r.project.number for r in rounds[:2]]
    set_params(world, "repeat_winner", window_days=30, min_contracts=4)
    redflags.red_flags_scan(at=SCAN_AT)
    assert flags("repeat_winner") == []
    set_params(world, "repeat_winner", window_days=30, min_contracts=2)
    redflags.red_flags_scan(at=SCAN_AT)
    assert [f.project_id for f in flags("repeat_winner")] == [r.project.pk for r in rounds[1:]]


def test_contract_amended_up_over_threshold(world: dict[str, Any]) -> None:
    done = tender_round(plan(world, [90_0000_00, 91_0000_00, 92_0000_00], contract=True))
    assert done.contract is not None
    lifecycle.contract_amend(
        contract=done.contract,
        changed_on=done.contract.signed_on + dt.timedelta(days=5),
        rationale="增加同类课桌 8%",
        description="追加课桌椅",
        amount_after_fen=97_2000_00,
        actor=world["buyer"],
        at=at_local(done.contract.signed_on + dt.timedelta(days=5), 10),
    )
    redflags.red_flags_scan(at=SCAN_AT)
    assert flags("contract_amended_up") == []  # 8 % ≤ 10 %
    set_params(world, "contract_amended_up", percent=8)
    redflags.red_flags_scan(at=SCAN_AT)
    assert flags("contract_amended_up") == []  # exactly 8 % is not above 8 %
    set_params(world, "contract_amended_up", percent=Decimal("7.5"))
    redflags.red_flags_scan(at=SCAN_AT)
    [flag] = flags("contract_amended_up")
    assert flag.evidence["increase_percent"] == "8.00"
    assert flag.evidence["original_amount"] == "900,000.00"
    assert flag.evidence["current_amount"] == "972,000.00"


def test_late_payment_P_SME_30D_unpaid_then_paid_late(world: dict[str, Any]) -> None:
    done = tender_round(plan(world, [90_0000_00, 91_0000_00, 92_0000_00], contract=True))
    contract = done.contract
    assert contract is not None
    accepted_on = contract.signed_on + dt.timedelta(days=10)
    contract = lifecycle.acceptance_record(
        contract=contract,
        passed=True,
        accepted_on=accepted_on,
        note="验收合格",
        actor=world["buyer"],
        at=at_local(accepted_on, 16),
    )
    due = contract.payment_due
    assert due is not None
    redflags.red_flags_scan(at=at_local(due, 23))
    assert flags("late_payment") == []  # due today: not late yet
    redflags.red_flags_scan(at=at_local(due + dt.timedelta(days=1), 8))
    [flag] = flags("late_payment")
    assert flag.evidence["days_late"] == 1
    assert flag.evidence["paid_on"] is None
    paid_on = due + dt.timedelta(days=3)
    lifecycle.payment_record(
        contract=contract,
        amount_fen=contract.amount_fen,
        paid_on=paid_on,
        is_advance=False,
        actor=world["buyer"],
        at=at_local(paid_on, 17),
    )
    redflags.red_flags_scan(at=SCAN_AT)
    [flag] = flags("late_payment")
    assert flag.evidence["paid_on"] == paid_on.isoformat()
    assert flag.evidence["days_late"] == 3
    set_params(world, "late_payment", grace_days=3)
    redflags.red_flags_scan(at=SCAN_AT)
    assert flags("late_payment") == []


# --- the scan itself ---------------------------------------------------------------------------------------


def test_rescan_is_idempotent_and_reviewed_flags_are_kept(world: dict[str, Any]) -> None:
    tender_round(plan(world, [38_0000_00], method=Method.CONSULTATION, response_days=12))
    first = redflags.red_flags_scan(at=SCAN_AT)
    assert first["single_bid"]["raised"] == 1
    events = AuditEvent.objects.filter(action="evaluation.red_flag.raise").count()
    assert events == 1
    second = redflags.red_flags_scan(at=SCAN_AT + dt.timedelta(days=1))
    assert second["single_bid"] == {"found": 1, "raised": 0, "updated": 0, "cleared": 0}
    assert AuditEvent.objects.filter(action="evaluation.red_flag.raise").count() == events
    [flag] = flags("single_bid")
    flag_services.red_flag_review(
        flag=flag, status=RedFlagStatus.EXPLAINED, note="该品目本地仅一家供应商", actor=world["admin"], at=SCAN_AT
    )
    set_params(world, "single_bid", enabled=False)
    redflags.red_flags_scan(at=SCAN_AT)
    [kept] = flags("single_bid")  # reviewed: kept although the flag is now disabled
    assert kept.status == RedFlagStatus.EXPLAINED
    assert kept.review_note == "该品目本地仅一家供应商"


def test_scan_job_reports_progress_per_flag_kind(world: dict[str, Any]) -> None:
    tender_round(plan(world, [38_0000_00], method=Method.CONSULTATION, response_days=12))
    job = jobs.job_request(kind=JobKind.RED_FLAGS, params={}, actor=world["admin"], at=SCAN_AT)
    [done] = jobs.job_run_pending(kind=JobKind.RED_FLAGS)
    assert done.pk == job.pk
    assert done.status == JobStatus.DONE, done.error
    assert done.progress == 100
    assert done.result["raised"] == 1
    assert set(done.result["flags"]) == set(redflags.CODES)
    assert len(flags("single_bid")) == 1


def test_scan_limited_to_projects(world: dict[str, Any]) -> None:
    one = tender_round(plan(world, [38_0000_00], method=Method.CONSULTATION, response_days=12))
    other = tender_round(plan(world, [38_0000_00], method=Method.CONSULTATION, response_days=12))
    redflags.red_flags_scan(at=SCAN_AT, project_ids=[other.project.pk])
    assert [f.project_id for f in flags("single_bid")] == [other.project.pk]
    redflags.red_flags_scan(at=SCAN_AT, project_ids=[one.project.pk])
    assert len(flags("single_bid")) == 2  # scanning one project leaves the others' flags alone


# --- settings ------------------------------------------------------------------------------------------------


def test_setting_validation_names_field_and_range_in_both_languages(world: dict[str, Any]) -> None:
    with pytest.raises(flag_services.ServiceError) as caught:
        flag_services.red_flag_setting_update(
            code="repeat_winner",
            enabled=True,
            params={"min_contracts": 1, "window_days": "abc"},
            actor=world["admin"],
            at=SCAN_AT,
        )
    errors = {e.field: e for e in caught.value.errors}  # type: ignore[attr-defined]
    assert set(errors) == {"min_contracts", "window_days"}
    assert errors["min_contracts"].code == "evaluation.red_flag.param"
    assert "2" in errors["min_contracts"].message_en
    assert "20" in errors["min_contracts"].message_en
    assert "Contracts with the same purchaser" in errors["min_contracts"].message_en
    assert "同一采购人" in errors["min_contracts"].message_zh
    with pytest.raises(flag_services.ServiceError) as whole:
        flag_services.red_flag_setting_update(
            code="single_bid", enabled=True, params={"max_bids": "1.5"}, actor=world["admin"], at=SCAN_AT
        )
    assert whole.value.field == "max_bids"
    assert "whole number" in whole.value.message_en
    with pytest.raises(flag_services.ServiceError) as unknown:
        flag_services.red_flag_setting_update(code="nope", enabled=True, params={}, actor=world["admin"], at=SCAN_AT)
    assert unknown.value.field == "code"


def test_setting_change_is_audited_before_after(world: dict[str, Any]) -> None:
    set_params(world, "price_near_max", percent=95)
    event = AuditEvent.objects.filter(action="evaluation.red_flag.setting").latest("pk")
    assert event.before is not None
    assert event.after is not None
    assert event.before["params"] == {"percent": 98}
    assert event.after["params"] == {"percent": 95}


def test_review_requires_note_and_status(world: dict[str, Any]) -> None:
    tender_round(plan(world, [38_0000_00], method=Method.CONSULTATION, response_days=12))
    redflags.red_flags_scan(at=SCAN_AT)
    [flag] = flags("single_bid")
    with pytest.raises(flag_services.ServiceError) as caught:
        flag_services.red_flag_review(flag=flag, status="open", note=" ", actor=world["admin"], at=SCAN_AT)
    assert {e.field for e in caught.value.errors} == {"status", "note"}  # type: ignore[attr-defined]
    flag_services.red_flag_review(
        flag=flag, status=RedFlagStatus.CONFIRMED, note="确认", actor=world["admin"], at=SCAN_AT
    )
    with pytest.raises(flag_services.ServiceError) as final:
        flag_services.red_flag_review(
            flag=flag, status=RedFlagStatus.EXPLAINED, note="x", actor=world["admin"], at=SCAN_AT
        )
    assert final.value.code == "evaluation.red_flag.status"
    assert AuditEvent.objects.filter(action="evaluation.red_flag.review").count() == 1


# --- the demo seed -------------------------------------------------------------------------------------------


def test_demo_seed_runs_one_single_bid_tender_then_is_idempotent(world: dict[str, Any]) -> None:
    from zhengcai.demo import evaluation_flags_seed as seed

    first = seed.seed_evaluation_flags(at=SCAN_AT)
    assert first["single_bid_tender_created"] is True
    number = seed.demo_single_bid_project_number()
    assert number is not None
    assert first["single_bid_project"] == number
    flag = RedFlag.objects.get(code="single_bid", project__number=number)
    assert flag.project.title == seed.DEMO_TITLE
    assert flag.evidence["bids"] == 1
    again = seed.seed_evaluation_flags(at=SCAN_AT)
    assert again["single_bid_tender_created"] is False
    assert again["raised"] == 0
    assert RedFlag.objects.filter(code="single_bid").count() == 1
