"""S-CREDIT-EXEMPT as pure rules: each rule id, its thresholds, its explanation and its until date."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from zhengcai.credit import rules
from zhengcai.credit.rules import RecordFact

ON = dt.date(2026, 3, 2)


def fact(
    i: int,
    severity: str,
    occurred: dt.date,
    expires: dt.date | None = None,
    kind: str = "administrative_penalty",
    text: str = "罚款",
) -> RecordFact:
    return RecordFact(i, kind, severity, occurred, expires, text)


def decide(*records: RecordFact, small: bool = False, **changes: int) -> rules.Outcome:
    policy = {**rules.DEFAULT_RULES, **changes}
    return rules.evaluate(rules=policy, version=1, records=list(records), on=ON, small_or_micro=small)


def test_CREDIT_CLEAN_exempt_with_the_explanation_the_supplier_sees() -> None:
    outcome = decide()
    assert outcome.exempt
    assert outcome.explanation_zh == "免收投标保证金：近3年无严重失信记录（信用政策第1版）"
    assert (
        outcome.explanation_en == "Exempt from bid security: no serious record in the last 3 years (credit policy v1)"
    )
    assert outcome.reasons == [
        {"rule": "CREDIT-CLEAN", "serious_months": 36, "major_months": 24, "major_count": 0, "major_allowed": 2}
    ]


def test_CREDIT_SERIOUS_36M_blocks_until_the_record_expires() -> None:
    record = fact(7, "serious", dt.date(2025, 5, 2), dt.date(2027, 5, 1), text="提供虚假材料谋取中标")
    outcome = decide(record)
    assert not outcome.exempt
    assert outcome.reasons[0] | {} == {
        "rule": "CREDIT-SERIOUS-36M",
        "record": 7,
        "kind": "administrative_penalty",
        "severity": "serious",
        "occurred_on": "2025-05-02",
        "until": "2027-05-01",
        "description": "提供虚假材料谋取中标",
    }
    assert outcome.explanation_zh == (
        "不予免收投标保证金：严重失信记录“提供虚假材料谋取中标”（2025-05-02）有效期至 2027-05-01（信用政策第1版）"
    )
    assert "until 2027-05-01" in outcome.explanation_en


def test_CREDIT_SERIOUS_36M_a_permanent_record_counts_until_the_window_ends() -> None:
    outcome = decide(fact(1, "serious", dt.date(2024, 3, 2)))
    assert outcome.reasons[0]["until"] == "2027-03-01"


def test_CREDIT_SERIOUS_36M_older_than_36_months_or_expired_is_ignored() -> None:
    old = fact(1, "serious", dt.date(2023, 3, 2))  # window ended 2026-03-01
    expired = fact(2, "serious", dt.date(2025, 1, 1), dt.date(2026, 3, 1))
    future = fact(3, "serious", dt.date(2026, 3, 3))  # not yet happened on ON
    assert decide(old, expired, future).exempt


def test_CREDIT_DISHONESTY_LIST_blocks_while_listed_whatever_the_window() -> None:
    listed = fact(4, "serious", dt.date(2020, 1, 1), None, kind="serious_dishonesty", text="列入严重失信名单")
    outcome = decide(listed, serious_months=12)
    assert not outcome.exempt
    assert [r["rule"] for r in outcome.reasons] == ["CREDIT-DISHONESTY-LIST"]
    assert "长期有效" in outcome.explanation_zh
    assert "with no expiry date" in outcome.explanation_en
    delisted = fact(5, "serious", dt.date(2022, 1, 1), dt.date(2026, 3, 1), kind="serious_dishonesty")
    assert decide(delisted).exempt


def test_CREDIT_MAJOR_2IN24M_two_allowed_the_third_blocks_until_one_drops_out() -> None:
    a = fact(1, "major", dt.date(2024, 6, 1))
    b = fact(2, "major", dt.date(2025, 1, 10), dt.date(2025, 12, 31))  # expired: ignored
    c = fact(3, "major", dt.date(2025, 2, 1))
    d = fact(4, "major", dt.date(2025, 9, 1))
    two = decide(a, b, c)
    assert two.exempt
    assert "近2年较重记录2条，未超过2条" in two.explanation_zh
    three = decide(a, b, c, d)
    assert not three.exempt
    assert {r["record"] for r in three.reasons} == {1, 3, 4}
    assert all(r["rule"] == "CREDIT-MAJOR-2IN24M" for r in three.reasons)
    # a drops out after 2026-05-31: from then on only two count
    assert "有效期至 2026-05-31" in three.explanation_zh
    assert "3 major records in the last 2 years, more than 2" in three.explanation_en


def test_CREDIT_SME_LENIENCY_gives_small_and_micro_enterprises_the_extra_allowance() -> None:
    majors = [fact(i, "major", dt.date(2025, i, 1)) for i in range(1, 4)]
    assert not decide(*majors, small=False, small_micro_extra_major=1).exempt
    lenient = decide(*majors, small=True, small_micro_extra_major=1)
    assert lenient.exempt
    assert lenient.reasons[0]["leniency"] == "CREDIT-SME-LENIENCY"
    assert "小微企业放宽" in lenient.explanation_zh


def test_minor_records_never_block() -> None:
    assert decide(*[fact(i, "minor", dt.date(2025, i, 1)) for i in range(1, 10)]).exempt


def test_validate_rules_names_each_bad_threshold() -> None:
    clean, errors = rules.validate_rules({"serious_months": 6, "major_months": "24", "major_max": 2, "x": 1})
    fields = sorted(e.field or "" for e in errors)
    assert fields == ["major_months", "rules.x", "serious_months", "small_micro_extra_major"]
    assert "12" in errors[0].message_en or "12" in errors[1].message_en
    assert clean == {"major_max": 2}
    clean, errors = rules.validate_rules(dict(rules.DEFAULT_RULES))
    assert errors == []
    assert clean == rules.DEFAULT_RULES


@given(st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2090, 1, 1)), st.integers(-240, 240))
def test_add_months_lands_in_the_right_month_never_past_the_day(day: dt.date, months: int) -> None:
    result = rules.add_months(day, months)
    assert (result.year * 12 + result.month) - (day.year * 12 + day.month) == months
    assert result.day <= day.day
    assert result.day == day.day or result.month != (result + dt.timedelta(days=1)).month
