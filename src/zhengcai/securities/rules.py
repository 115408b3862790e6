"""When a security comes back, and what holding it in cash would have cost (pure functions)."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from zhengcai.core import calendar
from zhengcai.core.policy import policy_value


def bid_refund_due(trigger_on: dt.date) -> dt.date:
    """S-BID-REFUND-5WD: 5 working days after the award notice (unsuccessful bidders), the contract signing
    (the winner), or the termination notice (a failed or terminated procurement)."""
    return calendar.add_working_days(trigger_on, 5)


def performance_refund_due(accepted_on: dt.date) -> dt.date:
    """PERF-REFUND-5WD (bureau practice): returned within 5 working days of passing the acceptance."""
    return calendar.add_working_days(accepted_on, 5)


def capital_days(amount_fen: int, start: dt.date, end: dt.date) -> int:
    """Fen × days the money is (or would have been) tied up; never negative."""
    return amount_fen * max(0, (end - start).days)


def financing_cost_fen(fen_days: int, *, on: dt.date) -> int:
    """S-CAPITAL-COST: what tying up that money costs the supplier at the 1-year LPR (*configurable*)."""
    rate = Decimal(str(policy_value("S-CAPITAL-COST.rate_percent", on=on)))
    return int((Decimal(fen_days) * rate / Decimal(100) / Decimal(365)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
