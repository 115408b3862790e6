"""The rules a letter of guarantee must meet, named after their DOMAIN.md ids (pure functions)."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _

from zhengcai.core.errors import ServiceError
from zhengcai.procurement.models import Contract
from zhengcai.procurement.rules import bid_security_cap, fen_to_yuan, performance_security_cap

from .errors import GuaranteeError


def yuan(fen: int) -> str:
    return fen_to_yuan(fen)


def check_amount_positive(amount_fen: int) -> ServiceError | None:
    if amount_fen > 0:
        return None
    return ServiceError(GuaranteeError.AMOUNT, "amount", _("The guaranteed amount must be more than zero."))


def check_bid_cap(amount_fen: int, *, budget_fen: int) -> ServiceError | None:
    """S-BID-2PCT: a bid guarantee secures at most 2 % of the procurement budget."""
    cap = bid_security_cap(budget_fen)
    if amount_fen <= cap:
        return None
    return ServiceError(
        GuaranteeError.BID_OVER_CAP,
        "amount",
        _("A bid guarantee may be at most {share} of the budget (S-BID-2PCT): at most ¥{cap}, not ¥{amount}."),
        share="2%",
        cap=yuan(cap),
        amount=yuan(amount_fen),
    )


def check_performance_cap(amount_fen: int, *, contract: Contract) -> ServiceError | None:
    """S-PERF-10PCT (*configurable*): a performance guarantee secures at most 10 % of the contract amount,
    with the percentage in force on the day the contract was signed."""
    cap = performance_security_cap(contract.amount_fen, on=contract.signed_on)
    if amount_fen <= cap:
        return None
    return ServiceError(
        GuaranteeError.PERF_OVER_CAP,
        "amount",
        _(
            "A performance guarantee may be at most the share of the contract amount set by S-PERF-10PCT: "
            "at most ¥{cap}, not ¥{amount}."
        ),
        cap=yuan(cap),
        amount=yuan(amount_fen),
    )


def check_validity(valid_from: dt.date, valid_until: dt.date, *, today: dt.date) -> ServiceError | None:
    if valid_until < valid_from:
        return ServiceError(
            GuaranteeError.DATES, "valid_until", _("The guarantee must end on or after the day it starts.")
        )
    if valid_until < today:
        return ServiceError(
            GuaranteeError.PAST,
            "valid_until",
            _("The validity ended on {day}: a guarantee cannot be issued past its validity."),
            day=valid_until.isoformat(),
        )
    return None


def check_bid_validity(valid_until: dt.date, *, deadline: dt.date) -> ServiceError | None:
    """A bid guarantee must still be in force at the bid deadline (when bids are opened)."""
    if valid_until >= deadline:
        return None
    return ServiceError(
        GuaranteeError.BID_VALIDITY,
        "valid_until",
        _("A bid guarantee must be valid at least until the bid deadline ({deadline})."),
        deadline=deadline.isoformat(),
    )
