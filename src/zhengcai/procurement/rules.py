"""Statutory rules of government procurement, named after their DOMAIN.md ids.

Pure functions over dates and integer fen, so they are tested exhaustively (Hypothesis) and
used by the services, the portal's deadline clocks and the evaluation indicators alike.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _

from zhengcai.core import calendar
from zhengcai.core.errors import ServiceError
from zhengcai.core.policy import policy_value


class Method(models.TextChoices):
    OPEN_TENDER = "open_tender", _("Open tender (公开招标)")
    INVITED_TENDER = "invited_tender", _("Invited tender (邀请招标)")
    NEGOTIATION = "negotiation", _("Competitive negotiation (竞争性谈判)")
    CONSULTATION = "consultation", _("Competitive consultation (竞争性磋商)")
    INQUIRY = "inquiry", _("Request for quotations (询价)")
    SINGLE_SOURCE = "single_source", _("Single source (单一来源)")
    FRAMEWORK = "framework", _("Framework agreement (框架协议)")


# The official Chinese names, used in notices and open data whatever the reader's language.
METHOD_ZH: dict[str, str] = {
    "open_tender": "公开招标",
    "invited_tender": "邀请招标",
    "negotiation": "竞争性谈判",
    "consultation": "竞争性磋商",
    "inquiry": "询价",
    "single_source": "单一来源",
    "framework": "框架协议",
}


class Category(models.TextChoices):
    GOODS = "A", _("Goods")
    WORKS = "B", _("Works")
    SERVICES = "C", _("Services")


class DayUnit(StrEnum):
    CALENDAR = "calendar"  # 日
    WORKING = "working"  # 工作日


class RuleError(StrEnum):
    PERIOD_TOO_SHORT = "procurement.period.too_short"
    DOCS_PERIOD_TOO_SHORT = "procurement.docs_period.too_short"
    INTENT_TOO_LATE = "procurement.intention.too_late"
    BID_SECURITY_OVER_CAP = "procurement.bid_security.over_cap"
    PERF_SECURITY_OVER_CAP = "procurement.performance_security.over_cap"
    DEDUCTION_OUT_OF_RANGE = "procurement.sme_deduction.out_of_range"
    PAYMENT_TERM_TOO_LONG = "procurement.payment_term.too_long"
    EVALUATION_METHOD = "procurement.evaluation_method.not_allowed"
    PRICE_WEIGHT = "procurement.price_weight.out_of_range"
    COMMITTEE_SIZE = "procurement.committee.size"
    CONTRACT_ADDITION = "procurement.contract.addition_over_cap"


@dataclass(frozen=True)
class Period:
    n: int
    unit: DayUnit

    def after(self, start: dt.date) -> dt.date:
        if self.unit is DayUnit.WORKING:
            return calendar.add_working_days(start, self.n)
        return calendar.add_days(start, self.n)


@dataclass(frozen=True)
class MethodRules:
    """A procedure variant as configuration (ProZorro-style), not an if-ladder."""

    method: Method
    response_period: Period  # from first issue of documents to the bid / response deadline
    period_rule: str  # DOMAIN.md id
    min_bidders: int
    docs_available_rule: bool  # M-OPEN-DOCS-5WD applies
    ocds_method: str  # OCDS procurementMethod


METHOD_RULES: dict[Method, MethodRules] = {
    Method.OPEN_TENDER: MethodRules(Method.OPEN_TENDER, Period(20, DayUnit.CALENDAR), "M-OPEN-20D", 3, True, "open"),
    Method.INVITED_TENDER: MethodRules(
        Method.INVITED_TENDER, Period(20, DayUnit.CALENDAR), "M-OPEN-20D", 3, True, "selective"
    ),
    Method.NEGOTIATION: MethodRules(Method.NEGOTIATION, Period(3, DayUnit.WORKING), "M-NEGO-3WD", 3, False, "limited"),
    Method.INQUIRY: MethodRules(Method.INQUIRY, Period(3, DayUnit.WORKING), "M-NEGO-3WD", 3, False, "limited"),
    Method.CONSULTATION: MethodRules(
        Method.CONSULTATION, Period(10, DayUnit.CALENDAR), "M-CONS-10D", 3, False, "limited"
    ),
    Method.SINGLE_SOURCE: MethodRules(
        Method.SINGLE_SOURCE, Period(5, DayUnit.WORKING), "M-SINGLE-5WD", 1, False, "direct"
    ),
    Method.FRAMEWORK: MethodRules(Method.FRAMEWORK, Period(20, DayUnit.CALENDAR), "M-FRAME", 3, True, "open"),
}


def earliest_deadline(method: Method, docs_issued_on: dt.date) -> dt.date:
    """M-OPEN-20D / M-NEGO-3WD / M-CONS-10D / M-SINGLE-5WD: the first allowed response deadline."""
    return METHOD_RULES[method].response_period.after(docs_issued_on)


def check_response_period(method: Method, docs_issued_on: dt.date, deadline: dt.date) -> ServiceError | None:
    earliest = earliest_deadline(method, docs_issued_on)
    if deadline >= earliest:
        return None
    rules = METHOD_RULES[method]
    return ServiceError(
        RuleError.PERIOD_TOO_SHORT,
        "deadline",
        _(
            "The deadline is too early: {method} needs at least {n} {unit} from the first issue of the "
            "documents ({rule}); the earliest allowed deadline is {earliest}."
        ),
        method=method.label,
        n=rules.response_period.n,
        unit=_("working days") if rules.response_period.unit is DayUnit.WORKING else _("calendar days"),
        rule=rules.period_rule,
        earliest=earliest.isoformat(),
    )


def check_docs_availability(method: Method, docs_from: dt.date, docs_until: dt.date) -> ServiceError | None:
    """M-OPEN-DOCS-5WD (*configurable*): tender documents available for at least 5 working days."""
    if not METHOD_RULES[method].docs_available_rule:
        return None
    n = int(policy_value("M-OPEN-DOCS-5WD", on=docs_from))
    # n working days counted inclusively from the first day the documents are available
    first_counts = calendar.is_workday(docs_from)
    earliest_end = calendar.add_working_days(docs_from, n - 1 if first_counts else n) if n > 0 else docs_from
    if docs_until >= earliest_end:
        return None
    return ServiceError(
        RuleError.DOCS_PERIOD_TOO_SHORT,
        "docs_available_until",
        _(
            "Tender documents must be available for at least {n} working days (M-OPEN-DOCS-5WD): until {earliest} or later."
        ),
        n=n,
        earliest=earliest_end.isoformat(),
    )


def intention_earliest_start(published_on: dt.date) -> dt.date:
    """D-INTENT-30D: procurement may start 30 days after the intention was made public."""
    return calendar.add_days(published_on, 30)


def check_intention_lead(intention_published_on: dt.date | None, starts_on: dt.date) -> ServiceError | None:
    if intention_published_on is not None and starts_on >= intention_earliest_start(intention_published_on):
        return None
    if intention_published_on is None:
        return ServiceError(
            RuleError.INTENT_TOO_LATE,
            "intention",
            _("The procurement intention has not been published; publish it at least 30 days before (D-INTENT-30D)."),
        )
    return ServiceError(
        RuleError.INTENT_TOO_LATE,
        "intention",
        _(
            "The procurement intention was published on {published}; the notice may be published from {earliest} "
            "(at least 30 days later, D-INTENT-30D)."
        ),
        published=intention_published_on.isoformat(),
        earliest=intention_earliest_start(intention_published_on).isoformat(),
    )


def correction_deadline(*, corrected_on: dt.date, deadline: dt.date, affects_preparation: bool) -> dt.date:
    """M-CORR-15D: a correction affecting bid preparation leaves at least 15 days to the deadline."""
    if not affects_preparation:
        return deadline
    return max(deadline, calendar.add_days(corrected_on, 15))


def _percent_of(amount_fen: int, percent: Decimal | int) -> int:
    """Round down to whole fen: a cap is never exceeded by rounding."""
    return int(Decimal(amount_fen) * Decimal(percent) / Decimal(100))


def bid_security_cap(budget_fen: int) -> int:
    """S-BID-2PCT: bid security at most 2 % of the procurement budget."""
    return _percent_of(budget_fen, 2)


def check_bid_security(amount_fen: int, budget_fen: int) -> ServiceError | None:
    cap = bid_security_cap(budget_fen)
    if 0 <= amount_fen <= cap:
        return None
    return ServiceError(
        RuleError.BID_SECURITY_OVER_CAP,
        "bid_security",
        _("Bid security may be at most {share} of the budget (S-BID-2PCT): at most ¥{cap}."),
        cap=fen_to_yuan(cap),
        share="2%",
    )


def performance_security_cap(contract_fen: int, *, on: dt.date) -> int:
    """S-PERF-10PCT (*configurable*): at most 10 % of the contract amount."""
    return _percent_of(contract_fen, int(policy_value("S-PERF-10PCT.max_percent", on=on)))


def deduction_range(*, on: dt.date, consortium: bool = False) -> tuple[int, int]:
    """SME-PRICE-DEDUCT (*configurable*): the allowed deduction range in percent on a date."""
    value = policy_value("SME-PRICE-DEDUCT", on=on)
    low, high = value["consortium" if consortium else "small_micro"]
    return int(low), int(high)


def check_deduction_rate(rate_percent: Decimal, *, on: dt.date, consortium: bool = False) -> ServiceError | None:
    low, high = deduction_range(on=on, consortium=consortium)
    if low <= rate_percent <= high:
        return None
    return ServiceError(
        RuleError.DEDUCTION_OUT_OF_RANGE,
        "sme_deduction_percent",
        _("The SME price deduction must be between {low}% and {high}% (SME-PRICE-DEDUCT)."),
        low=low,
        high=high,
    )


def evaluated_price(price_fen: int, *, small_or_micro: bool, deduction_percent: Decimal) -> int:
    """SME-PRICE-DEDUCT: the price used for evaluation after the small/micro deduction (fen, half-up)."""
    if not small_or_micro or deduction_percent == 0:
        return price_fen
    factor = (Decimal(100) - deduction_percent) / Decimal(100)
    return int((Decimal(price_fen) * factor).quantize(Decimal(1), rounding=ROUND_HALF_UP))


# --- comprehensive scoring (综合评分法) ----------------------------------------------------------

# Which evaluation methods each procurement method allows: negotiation, inquiry and single source
# award the lowest price meeting the requirements (74号令 art. 35, 48); competitive consultation
# scores (214号 art. 23); tenders and framework selections may use either (87号令 art. 53).
EVALUATION_METHODS: dict[Method, frozenset[str]] = {
    Method.OPEN_TENDER: frozenset({"lowest_price", "scoring"}),
    Method.INVITED_TENDER: frozenset({"lowest_price", "scoring"}),
    Method.FRAMEWORK: frozenset({"lowest_price", "scoring"}),
    Method.CONSULTATION: frozenset({"scoring"}),
    Method.NEGOTIATION: frozenset({"lowest_price"}),
    Method.INQUIRY: frozenset({"lowest_price"}),
    Method.SINGLE_SOURCE: frozenset({"lowest_price"}),
}


def check_evaluation_method(method: Method, evaluation_method: str) -> ServiceError | None:
    if evaluation_method in EVALUATION_METHODS[method]:
        return None
    return ServiceError(
        RuleError.EVALUATION_METHOD,
        "evaluation_method",
        _("{method} cannot use this evaluation method (87号令 art. 53, 74号令, 财库〔2014〕214号)."),
        method=method.label,
    )


def price_weight_range(method: Method, category: Category, *, on: dt.date) -> tuple[Decimal, Decimal]:
    """E-PRICE-WEIGHT (87号令 art. 55; *configurable*): price's share of the points — goods (and works) at
    least 30 %, services at least 10 %; competitive consultation within M-CONS-10D's 30–60 % / 10–30 %."""
    key = "M-CONS-10D.price_weight" if method == Method.CONSULTATION else "E-PRICE-WEIGHT"
    low, high = policy_value(key, on=on)["services" if category == Category.SERVICES else "goods"]
    return Decimal(low), Decimal(high)


def check_price_weight(
    method: Method, category: Category, weight: Decimal | None, *, on: dt.date
) -> ServiceError | None:
    low, high = price_weight_range(method, category, on=on)
    if weight is not None and low <= weight <= high:
        return None
    rule = "M-CONS-10D" if method == Method.CONSULTATION else "E-PRICE-WEIGHT"
    return ServiceError(
        RuleError.PRICE_WEIGHT,
        "price_weight_percent",
        _("With comprehensive scoring, price must weigh between {low}% and {high}% of the points ({rule})."),
        low=f"{low:g}",
        high=f"{high:g}",
        rule=rule,
    )


def committee_min_size(budget_fen: int, *, on: dt.date) -> int:
    """E-COMMITTEE (87号令 art. 47; *configurable*): at least 5 members, 7 from a budget of 10 million yuan."""
    value = policy_value("E-COMMITTEE", on=on)
    large = budget_fen >= int(value["large_budget_fen"])
    return int(value["large_min_members" if large else "min_members"])


def check_committee_size(size: int, budget_fen: int, *, on: dt.date) -> ServiceError | None:
    minimum = committee_min_size(budget_fen, on=on)
    if size >= minimum and size % 2 == 1:
        return None
    return ServiceError(
        RuleError.COMMITTEE_SIZE,
        "size",
        _("The evaluation committee needs an odd number of members, at least {n} (E-COMMITTEE, 87号令 art. 47)."),
        n=minimum,
    )


TWO_PLACES = Decimal("0.01")


def price_score(evaluated_fen: int, benchmark_fen: int, weight: Decimal) -> Decimal:
    """E-PRICE-SCORE (87号令 art. 55, 低价优先法): (benchmark ÷ evaluated price) × price weight, where the
    benchmark is the lowest evaluated price of the valid bids; two places, half up."""
    return (Decimal(benchmark_fen) / Decimal(evaluated_fen) * weight).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def mean_score(scores: list[Decimal]) -> Decimal:
    """The arithmetic mean of the members' independent scores (87号令 art. 55), two places, half up."""
    return (sum(scores, Decimal(0)) / len(scores)).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def result_notice_due(winner_determined_on: dt.date) -> dt.date:
    """D-RESULT-2WD: result and award notices within 2 working days."""
    return calendar.add_working_days(winner_determined_on, 2)


def contract_sign_due(award_notice_on: dt.date) -> dt.date:
    """D-CONTRACT-30D: contract signed within 30 days of the award notice."""
    return calendar.add_days(award_notice_on, 30)


def contract_publish_due(signed_on: dt.date) -> dt.date:
    """D-CONTRACT-PUB-2WD: contract (or its change) published within 2 working days."""
    return calendar.add_working_days(signed_on, 2)


def contract_addition_cap(original_fen: int) -> int:
    """CONTRACT-ADD-10PCT (Government Procurement Law art. 49): supplementary contracts for more of the same
    goods, works or services total at most 10 % of the original contract amount."""
    return _percent_of(original_fen, 10)


def bid_security_refund_due(trigger_on: dt.date) -> dt.date:
    """S-BID-REFUND-5WD: refunded within 5 working days of the award notice / contract signing."""
    return calendar.add_working_days(trigger_on, 5)


def check_sme_payment_term(agreed_days: int) -> ServiceError | None:
    """P-SME-30D: pay an SME within 30 days; a contract may agree longer, never over 60."""
    if 0 < agreed_days <= 60:
        return None
    return ServiceError(
        RuleError.PAYMENT_TERM_TOO_LONG,
        "payment_days",
        _("Payment to an SME may be agreed for at most 60 days after acceptance (P-SME-30D, Decree 802)."),
    )


def sme_payment_due(accepted_on: dt.date, agreed_days: int | None = None) -> dt.date:
    return calendar.add_days(accepted_on, min(agreed_days or 30, 60))


def challenge_deadline(known_on: dt.date) -> dt.date:
    """C-CHALLENGE-7WD: a supplier challenges within 7 working days of knowing."""
    return calendar.add_working_days(known_on, 7)


def challenge_answer_due(received_on: dt.date) -> dt.date:
    """C-CHALLENGE-7WD: the purchaser or agency answers within 7 working days."""
    return calendar.add_working_days(received_on, 7)


def complaint_deadline(answer_due_on: dt.date) -> dt.date:
    """C-COMPLAINT-15WD: a complaint within 15 working days after the answer deadline."""
    return calendar.add_working_days(answer_due_on, 15)


def complaint_admissibility_due(received_on: dt.date) -> dt.date:
    """C-COMPLAINT-30WD: the bureau decides admissibility within 5 working days."""
    return calendar.add_working_days(received_on, 5)


def complaint_decision_due(accepted_on: dt.date) -> dt.date:
    """C-COMPLAINT-30WD: the bureau decides within 30 working days."""
    return calendar.add_working_days(accepted_on, 30)


def fen_to_yuan(fen: int) -> str:
    """¥ with two decimals and thousands separators, from integer fen."""
    yuan = Decimal(fen) / Decimal(100)
    return f"{yuan:,.2f}"
