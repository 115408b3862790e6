"""Pure rules of contract financing (政采贷), named after their ids (docs/decisions.md, "Contract financing").

- FIN-OWN-CONTRACT: only the contract's supplier applies, with its own signed contract.
- FIN-CONTRACT-OPEN: the contract is signed and being performed (not fully paid, not terminated) at the time.
- FIN-ONE-OPEN: one open financing per contract (a database constraint too).
- FIN-SHARE-CAP: the amount is at most the contract amount × the product's share (typically 70–80 %).
- FIN-SIZE: the supplier's size at the contract date is one the product serves.
- FIN-RATE-RANGE / FIN-TERM: a quote's rate lies in the product's range; its term is at most the product's.
- FIN-CONSENT: a bank sees the supplier's credit record only while the supplier's consent to that bank stands.
- FIN-REPAY-ACCOUNT: from disbursement to repayment the contract's payments go to the bank's designated
  account, locked while the loan is open.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal


def share_cap_fen(contract_amount_fen: int, max_share_percent: Decimal) -> int:
    """FIN-SHARE-CAP: the most a product lends on a contract, rounded down to the fen."""
    cap = Decimal(contract_amount_fen) * Decimal(max_share_percent) / Decimal(100)
    return int(cap.quantize(Decimal(1), rounding=ROUND_DOWN))


def rate_in_range(rate: Decimal, low: Decimal, high: Decimal) -> bool:
    """FIN-RATE-RANGE."""
    return low <= rate <= high


def fen_to_yuan(fen: int) -> str:
    return f"{Decimal(fen) / 100:,.2f}"
