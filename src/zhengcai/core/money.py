"""Money is integer fen (分) everywhere; forms take yuan with at most two decimals."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def yuan_to_fen(yuan: Decimal) -> int:
    return int((yuan * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def fen_to_decimal_yuan(fen: int) -> Decimal:
    return (Decimal(fen) / Decimal(100)).quantize(Decimal("0.01"))
