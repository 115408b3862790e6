"""The ranking of districts and counties for a period (pure functions over stored values, no queries).

Method (shown on the overview page and in the report):

1. **Per indicator**, the counties are ordered by value in the indicator's direction (higher or lower is
   better). Equal values share a rank and the next rank skips ("1, 1, 3"); a county without a value (no
   record behind the indicator, e.g. no SME contract paid) has no rank and is listed last.
2. **Normalised score per indicator**: min–max within the period's counties, 0–100, direction-aware:
   ``(value − min) ÷ (max − min) × 100`` where higher is better, ``(max − value) ÷ (max − min) × 100`` where
   lower is better. When every county with a value has the same value, each of them scores 100.
3. **Overall score** = the plain average of a county's normalised scores over the indicators it has a value
   for (one decimal, half up). Indicators without a value are skipped and counted (``skipped``), so a county
   is neither rewarded nor punished for missing data, and the reader sees how many figures the score rests
   on. The overall ranking orders the scores from high to low (ties share a rank); a county without any
   value has no score and comes last.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, TypeVar

from . import catalogue

K = TypeVar("K", bound=Hashable)
HUNDRED = Decimal(100)
ONE_DECIMAL = Decimal("0.1")


def _better(direction: str, a: Decimal, b: Decimal) -> bool:
    return a > b if direction == catalogue.HIGHER else a < b


def ranks(values: Mapping[K, Decimal | None], direction: str) -> dict[K, int | None]:
    """Competition ranks ("1, 1, 3") in the direction; None for a missing value."""
    present = [v for v in values.values() if v is not None]
    result: dict[K, int | None] = {}
    for key, value in values.items():
        if value is None:
            result[key] = None
        else:
            result[key] = 1 + sum(1 for other in present if _better(direction, other, value))
    return result


def normalise(values: Mapping[K, Decimal | None], direction: str) -> dict[K, Decimal | None]:
    """Min–max scores 0–100 (one decimal), direction-aware; 100 for all when every value is equal."""
    present = [v for v in values.values() if v is not None]
    if not present:
        return dict.fromkeys(values)
    low, high = min(present), max(present)
    result: dict[K, Decimal | None] = {}
    for key, value in values.items():
        if value is None:
            result[key] = None
        elif high == low:
            result[key] = HUNDRED
        else:
            gap = (value - low) if direction == catalogue.HIGHER else (high - value)
            result[key] = (gap * HUNDRED / (high - low)).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)
    return result


@dataclass
class Place:
    """One county's line in the ranking."""

    region: Any
    rank: int | None = None
    score: Decimal | None = None
    scored: int = 0  # indicators with a value
    skipped: int = 0  # indicators without a value
    values: dict[str, Decimal | None] = field(default_factory=dict)
    ranks: dict[str, int | None] = field(default_factory=dict)
    scores: dict[str, Decimal | None] = field(default_factory=dict)


def rank_regions(
    values: Mapping[tuple[str, int], Decimal | None], regions: Iterable[Any], codes: Iterable[str]
) -> list[Place]:
    """Rank ``regions`` (objects with ``pk``) on ``codes``, from ``values[(code, region_id)]``.

    Returns the places ordered by overall rank (missing scores last, then in the given region order)."""
    regions = list(regions)
    codes = list(codes)
    places = {r.pk: Place(region=r) for r in regions}
    per_code_scores: dict[str, dict[Hashable, Decimal | None]] = {}
    for code in codes:
        direction = catalogue.BY_CODE[code].direction
        column: dict[Hashable, Decimal | None] = {r.pk: values.get((code, r.pk)) for r in regions}
        code_ranks = ranks(column, direction)
        per_code_scores[code] = normalise(column, direction)
        for pk, place in places.items():
            place.values[code] = column[pk]
            place.ranks[code] = code_ranks[pk]
            place.scores[code] = per_code_scores[code][pk]
    for place in places.values():
        got = [s for s in place.scores.values() if s is not None]
        place.scored, place.skipped = len(got), len(codes) - len(got)
        if got:
            place.score = (sum(got, Decimal(0)) / len(got)).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)
    overall = ranks({pk: p.score for pk, p in places.items()}, catalogue.HIGHER)
    for pk, place in places.items():
        place.rank = overall[pk]
    order = {r.pk: i for i, r in enumerate(regions)}
    return sorted(
        places.values(),
        key=lambda p: (p.rank is None, p.rank or 0, order[p.region.pk]),
    )
