"""The county ranking (ranking.py): per-indicator ranks and the min–max overall score, computed by hand."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from zhengcai.evaluation import catalogue, ranking


@dataclass(frozen=True)
class R:
    pk: int
    name: str


A, B, C = R(1, "A"), R(2, "B"), R(3, "C")


def test_ranks_respect_direction_ties_share_and_missing_values_have_no_rank() -> None:
    values = {1: Decimal("10"), 2: Decimal("20"), 3: Decimal("20"), 4: None}
    assert ranking.ranks(values, catalogue.HIGHER) == {1: 3, 2: 1, 3: 1, 4: None}
    assert ranking.ranks(values, catalogue.LOWER) == {1: 1, 2: 2, 3: 2, 4: None}


def test_normalise_min_max_direction_aware() -> None:
    # higher is better: (v − 10) ÷ (30 − 10) × 100 → 0, 25, 100
    assert ranking.normalise({1: Decimal(10), 2: Decimal(15), 3: Decimal(30)}, catalogue.HIGHER) == {
        1: Decimal(0),
        2: Decimal(25),
        3: Decimal(100),
    }
    # lower is better: (30 − v) ÷ 20 × 100 → 100, 75, 0
    assert ranking.normalise({1: Decimal(10), 2: Decimal(15), 3: Decimal(30)}, catalogue.LOWER) == {
        1: Decimal(100),
        2: Decimal(75),
        3: Decimal(0),
    }
    # equal values all score 100; a missing value has no score
    assert ranking.normalise({1: Decimal(7), 2: Decimal(7), 3: None}, catalogue.HIGHER) == {
        1: Decimal(100),
        2: Decimal(100),
        3: None,
    }
    # one decimal, half up: (11 − 10) ÷ 3 × 100 = 33.33… → 33.3
    assert ranking.normalise({1: Decimal(10), 2: Decimal(11), 3: Decimal(13)}, catalogue.HIGHER)[2] == Decimal("33.3")


def test_overall_score_averages_the_indicators_with_a_value_and_counts_the_skipped() -> None:
    values = {
        # days_to_pay_sme, lower is better: A 10 → 100, B 20 → 0, C 15 → 50
        ("days_to_pay_sme", 1): Decimal(10), ("days_to_pay_sme", 2): Decimal(20), ("days_to_pay_sme", 3): Decimal(15),
        # sme_award_share, higher is better: A 60 → 0, B 80 → 100, C missing
        ("sme_award_share", 1): Decimal(60), ("sme_award_share", 2): Decimal(80), ("sme_award_share", 3): None,
        # bidders_per_tender: only C has tenders → C 100
        ("bidders_per_tender", 3): Decimal(4),
    }  # fmt: skip
    places = ranking.rank_regions(values, [A, B, C], ["days_to_pay_sme", "sme_award_share", "bidders_per_tender"])
    by_name = {p.region.name: p for p in places}
    assert by_name["A"].score == Decimal(50)  # (100 + 0) ÷ 2
    assert (by_name["A"].scored, by_name["A"].skipped) == (2, 1)
    assert by_name["B"].score == Decimal(50)  # (0 + 100) ÷ 2
    assert by_name["C"].score == Decimal(75)  # (50 + 100) ÷ 2
    assert (by_name["C"].scored, by_name["C"].skipped) == (2, 1)
    assert [(p.region.name, p.rank) for p in places] == [("C", 1), ("A", 2), ("B", 2)]  # A and B tie
    assert by_name["C"].ranks == {"days_to_pay_sme": 2, "sme_award_share": None, "bidders_per_tender": 1}


def test_a_county_without_any_value_has_no_score_and_comes_last() -> None:
    values = {("days_to_pay_sme", 2): Decimal(12)}
    places = ranking.rank_regions(values, [A, B], ["days_to_pay_sme"])
    assert [(p.region.name, p.rank, p.score) for p in places] == [("B", 1, Decimal(100)), ("A", None, None)]
    assert places[1].skipped == 1
