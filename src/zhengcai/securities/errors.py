from __future__ import annotations

from enum import StrEnum


class SecurityError(StrEnum):
    NOT_REQUIRED = "securities.not_required"
    ALREADY = "securities.already_provided"
    CLOSED = "securities.tender_closed"
    NOT_EXEMPT = "securities.not_exempt"
    GUARANTEE_INVALID = "securities.guarantee.invalid"
    GUARANTEE_MISMATCH = "securities.guarantee.mismatch"
    AMOUNT = "securities.amount"
    DATE = "securities.date"
    NOT_REFUNDABLE = "securities.not_refundable"
    OVER_CAP = "securities.over_cap"
