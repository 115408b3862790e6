"""The securities app's JSON API: the bureau's capital-occupation savings."""

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema

from zhengcai.core.permissions import P, api_permission

from .selectors import Bucket, capital_savings

router = Router(tags=["securities"])


class BucketOut(Schema):
    count: int
    cash_not_paid_fen: int
    capital_fen_days: int
    capital_yuan_years: int
    financing_cost_saved_fen: int


class SavingsOut(Schema):
    total: BucketOut
    exempt: BucketOut
    bid_guarantee: BucketOut
    performance_guarantee: BucketOut
    by_region: dict[str, BucketOut]
    by_month: dict[str, BucketOut]
    by_size: dict[str, BucketOut]


def _bucket(b: Bucket) -> dict[str, int]:
    return {
        "count": b.count,
        "cash_not_paid_fen": b.amount_fen,
        "capital_fen_days": b.fen_days,
        "capital_yuan_years": b.yuan_years,
        "financing_cost_saved_fen": b.cost_fen,
    }


@router.get(
    "/securities/savings", response=SavingsOut, summary="Capital occupation saved by exemptions and guarantees"
)
@api_permission(P.PROCUREMENT_VIEW_ALL)
def savings(request: HttpRequest) -> dict[str, Any]:
    s = capital_savings(user=request.auth, today=timezone.localdate())  # type: ignore[attr-defined]
    return {
        "total": _bucket(s.total),
        "exempt": _bucket(s.exempt),
        "bid_guarantee": _bucket(s.guarantee),
        "performance_guarantee": _bucket(s.performance),
        "by_region": {k: _bucket(v) for k, v in sorted(s.by_region.items())},
        "by_month": {k: _bucket(v) for k, v in sorted(s.by_month.items())},
        "by_size": {k: _bucket(v) for k, v in sorted(s.by_size.items())},
    }
