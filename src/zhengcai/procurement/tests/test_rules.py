"""Statutory rules, each test named after its DOMAIN.md id."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from zhengcai.core import calendar
from zhengcai.core.policy import policy_set
from zhengcai.procurement import rules
from zhengcai.procurement.rules import Method

pytestmark = pytest.mark.django_db
days = st.dates(min_value=dt.date(2022, 1, 1), max_value=dt.date(2026, 10, 31))
fen = st.integers(min_value=0, max_value=10**13)


@pytest.fixture(autouse=True)
def _fresh_calendar() -> None:
    calendar.clear_cache()


def test_M_OPEN_20D_open_tender_needs_20_calendar_days() -> None:
    issued = dt.date(2026, 3, 2)
    assert rules.earliest_deadline(Method.OPEN_TENDER, issued) == dt.date(2026, 3, 22)
    assert rules.check_response_period(Method.OPEN_TENDER, issued, dt.date(2026, 3, 22)) is None
    err = rules.check_response_period(Method.OPEN_TENDER, issued, dt.date(2026, 3, 21))
    assert err is not None
    assert err.field == "deadline"
    assert "M-OPEN-20D" in err.message_en
    assert "2026-03-22" in err.message_zh


def test_M_NEGO_3WD_negotiation_and_inquiry_count_working_days_over_a_holiday() -> None:
    # issued the Friday before the 2026 Qingming break (4.4–4.6 off)
    issued = dt.date(2026, 4, 3)
    assert rules.earliest_deadline(Method.NEGOTIATION, issued) == dt.date(2026, 4, 9)
    assert rules.earliest_deadline(Method.INQUIRY, issued) == dt.date(2026, 4, 9)


def test_M_CONS_10D_consultation_needs_10_calendar_days() -> None:
    assert rules.earliest_deadline(Method.CONSULTATION, dt.date(2026, 5, 11)) == dt.date(2026, 5, 21)


def test_M_SINGLE_5WD_single_source_notice_5_working_days() -> None:
    assert rules.earliest_deadline(Method.SINGLE_SOURCE, dt.date(2026, 6, 1)) == dt.date(2026, 6, 8)


@given(days, st.sampled_from(list(Method)))
def test_earliest_deadline_is_always_accepted_and_the_day_before_never(issued: dt.date, method: Method) -> None:
    earliest = rules.earliest_deadline(method, issued)
    assert rules.check_response_period(method, issued, earliest) is None
    assert rules.check_response_period(method, issued, earliest - dt.timedelta(days=1)) is not None


def test_M_OPEN_DOCS_5WD_documents_available_five_working_days() -> None:
    monday = dt.date(2026, 3, 2)
    assert rules.check_docs_availability(Method.OPEN_TENDER, monday, dt.date(2026, 3, 6)) is None
    err = rules.check_docs_availability(Method.OPEN_TENDER, monday, dt.date(2026, 3, 5))
    assert err is not None
    assert "2026-03-06" in err.message_en
    saturday = dt.date(2026, 3, 7)  # the weekend does not count
    assert rules.check_docs_availability(Method.OPEN_TENDER, saturday, dt.date(2026, 3, 13)) is None
    assert rules.check_docs_availability(Method.OPEN_TENDER, saturday, dt.date(2026, 3, 12)) is not None
    assert rules.check_docs_availability(Method.NEGOTIATION, monday, monday) is None  # not a tender method


def test_M_OPEN_DOCS_5WD_is_configurable_by_effective_date() -> None:
    policy_set(
        key="M-OPEN-DOCS-5WD", value=7, effective_from=dt.date(2026, 6, 1), source="test", actor="t", at=timezone.now()
    )
    monday = dt.date(2026, 6, 1)
    assert rules.check_docs_availability(Method.OPEN_TENDER, monday, dt.date(2026, 6, 5)) is not None
    assert rules.check_docs_availability(Method.OPEN_TENDER, monday, dt.date(2026, 6, 9)) is None
    # a date before the change keeps the old value
    assert rules.check_docs_availability(Method.OPEN_TENDER, dt.date(2026, 3, 2), dt.date(2026, 3, 6)) is None


def test_D_INTENT_30D_intention_public_30_days_before() -> None:
    published = dt.date(2026, 3, 2)
    assert rules.intention_earliest_start(published) == dt.date(2026, 4, 1)
    assert rules.check_intention_lead(published, dt.date(2026, 4, 1)) is None
    err = rules.check_intention_lead(published, dt.date(2026, 3, 31))
    assert err is not None
    assert "2026-04-01" in err.message_en
    assert "D-INTENT-30D" in err.message_zh
    assert rules.check_intention_lead(None, dt.date(2026, 4, 1)) is not None


def test_M_CORR_15D_correction_moves_the_deadline() -> None:
    deadline = dt.date(2026, 3, 30)
    assert (
        rules.correction_deadline(corrected_on=dt.date(2026, 3, 10), deadline=deadline, affects_preparation=True)
        == deadline
    )
    assert rules.correction_deadline(
        corrected_on=dt.date(2026, 3, 20), deadline=deadline, affects_preparation=True
    ) == dt.date(2026, 4, 4)
    assert (
        rules.correction_deadline(corrected_on=dt.date(2026, 3, 20), deadline=deadline, affects_preparation=False)
        == deadline
    )


@given(fen)
def test_S_BID_2PCT_caps_bid_security(budget: int) -> None:
    cap = rules.bid_security_cap(budget)
    assert cap * 100 <= budget * 2 < (cap + 1) * 100
    assert rules.check_bid_security(cap, budget) is None
    assert rules.check_bid_security(cap + 1, budget) is not None


def test_S_BID_2PCT_error_names_the_cap_in_yuan() -> None:
    err = rules.check_bid_security(2_000_01, 10_000_000)  # budget ¥100,000 → cap ¥2,000.00
    assert err is not None
    assert "2,000.00" in err.message_en
    assert err.field == "bid_security"


def test_S_PERF_10PCT_caps_performance_security_and_is_configurable() -> None:
    assert rules.performance_security_cap(1_000_000_00, on=dt.date(2026, 1, 5)) == 100_000_00
    policy_set(
        key="S-PERF-10PCT.max_percent",
        value=5,
        effective_from=dt.date(2026, 7, 1),
        source="t",
        actor="t",
        at=timezone.now(),
    )
    assert rules.performance_security_cap(1_000_000_00, on=dt.date(2026, 7, 1)) == 50_000_00
    assert rules.performance_security_cap(1_000_000_00, on=dt.date(2026, 6, 30)) == 100_000_00


def test_SME_PRICE_DEDUCT_range_changed_in_2022() -> None:
    assert rules.deduction_range(on=dt.date(2022, 1, 1)) == (6, 10)
    assert rules.deduction_range(on=dt.date(2022, 7, 1)) == (10, 20)
    assert rules.deduction_range(on=dt.date(2026, 1, 1), consortium=True) == (4, 6)
    assert rules.check_deduction_rate(Decimal(10), on=dt.date(2026, 1, 1)) is None
    assert rules.check_deduction_rate(Decimal(8), on=dt.date(2026, 1, 1)) is not None


@given(fen, st.decimals(min_value=10, max_value=20, places=2))
def test_SME_PRICE_DEDUCT_lowers_only_small_and_micro_prices(price: int, rate: Decimal) -> None:
    deducted = rules.evaluated_price(price, small_or_micro=True, deduction_percent=rate)
    assert deducted <= price
    assert abs(deducted - price * (100 - rate) / 100) <= Decimal("0.5")
    assert rules.evaluated_price(price, small_or_micro=False, deduction_percent=rate) == price


def test_D_RESULT_2WD_and_D_CONTRACT_30D_and_D_CONTRACT_PUB_2WD() -> None:
    assert rules.result_notice_due(dt.date(2026, 9, 30)) == dt.date(2026, 10, 9)  # over National Day
    assert rules.contract_sign_due(dt.date(2026, 3, 2)) == dt.date(2026, 4, 1)
    assert rules.contract_publish_due(dt.date(2026, 3, 6)) == dt.date(2026, 3, 10)


def test_S_BID_REFUND_5WD() -> None:
    assert rules.bid_security_refund_due(dt.date(2026, 3, 2)) == dt.date(2026, 3, 9)


def test_P_SME_30D_payment_term() -> None:
    assert rules.sme_payment_due(dt.date(2026, 3, 2)) == dt.date(2026, 4, 1)
    assert rules.sme_payment_due(dt.date(2026, 3, 2), 45) == dt.date(2026, 4, 16)
    assert rules.check_sme_payment_term(60) is None
    err = rules.check_sme_payment_term(61)
    assert err is not None
    assert "P-SME-30D" in err.message_en


def test_C_CHALLENGE_7WD_and_C_COMPLAINT_15WD_and_30WD() -> None:
    known = dt.date(2026, 3, 2)
    assert rules.challenge_deadline(known) == dt.date(2026, 3, 11)
    assert rules.challenge_answer_due(known) == dt.date(2026, 3, 11)
    assert rules.complaint_deadline(dt.date(2026, 3, 11)) == dt.date(2026, 4, 1)
    assert rules.complaint_decision_due(dt.date(2026, 3, 2)) == dt.date(2026, 4, 14)  # Qingming 4.4–4.6


def test_M_MIN_BIDDERS_per_method() -> None:
    assert rules.METHOD_RULES[Method.OPEN_TENDER].min_bidders == 3
    assert rules.METHOD_RULES[Method.SINGLE_SOURCE].min_bidders == 1
    assert {r.ocds_method for r in rules.METHOD_RULES.values()} <= {"open", "selective", "limited", "direct"}
