"""Configurable rules (DOMAIN.md *configurable*): defaults with their legal source, versioned by date.

``policy_value("SME-PRICE-DEDUCT", on=day)`` returns the value in force on ``day``: the latest
bureau-set row effective on or before it, else the latest built-in default effective by then.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from .audit import audit_record, snapshot
from .errors import ServiceError
from .models import PolicyParameter


@dataclass(frozen=True)
class PolicyDefault:
    key: str
    value: Any
    effective_from: dt.date
    source: str


DEFAULTS: list[PolicyDefault] = [
    PolicyDefault("M-OPEN-DOCS-5WD", 5, dt.date(2017, 10, 1), "87号令"),
    PolicyDefault(
        "M-CONS-10D.price_weight", {"goods": [30, 60], "services": [10, 30]}, dt.date(2015, 1, 1), "财库〔2014〕214号"
    ),
    PolicyDefault("E-PRICE-WEIGHT", {"goods": [30, 100], "services": [10, 100]}, dt.date(2017, 10, 1), "87号令第55条"),
    PolicyDefault(
        "E-COMMITTEE",
        {"min_members": 5, "large_min_members": 7, "large_budget_fen": 1000_0000_00},
        dt.date(2017, 10, 1),
        "87号令第47条",
    ),
    PolicyDefault("S-CAPITAL-COST.rate_percent", "3.0", dt.date(2025, 5, 20), "1年期贷款市场报价利率（LPR）"),
    PolicyDefault("M-THRESHOLDS.open_tender_fen", 400_0000_00, dt.date(2020, 1, 1), "山东省政府集中采购目录及标准"),
    PolicyDefault("S-PERF-10PCT.max_percent", 10, dt.date(2015, 3, 1), "政府采购法实施条例第48条"),
    PolicyDefault("SME-RESERVE-ALL.max_fen", 200_0000_00, dt.date(2021, 1, 1), "财库〔2020〕46号"),
    PolicyDefault(
        "SME-RESERVE-SHARE", {"sme_percent": 30, "small_micro_percent": 60}, dt.date(2021, 1, 1), "财库〔2020〕46号"
    ),
    PolicyDefault(
        "SME-RESERVE-SHARE", {"sme_percent": 40, "small_micro_percent": 60}, dt.date(2022, 7, 1), "财库〔2022〕19号"
    ),
    PolicyDefault(
        "SME-PRICE-DEDUCT", {"small_micro": [6, 10], "consortium": [2, 3]}, dt.date(2021, 1, 1), "财库〔2020〕46号"
    ),
    PolicyDefault(
        "SME-PRICE-DEDUCT", {"small_micro": [10, 20], "consortium": [4, 6]}, dt.date(2022, 7, 1), "财库〔2022〕19号"
    ),
]
KEYS = frozenset(d.key for d in DEFAULTS)


class PolicyError(StrEnum):
    UNKNOWN_KEY = "core.policy.unknown_key"


def policy_value(key: str, *, on: dt.date) -> Any:
    row = PolicyParameter.objects.filter(key=key, effective_from__lte=on).order_by("-effective_from").first()
    if row is not None:
        return row.value
    candidates = [d for d in DEFAULTS if d.key == key and d.effective_from <= on]
    if not candidates:
        candidates = [d for d in DEFAULTS if d.key == key]
    if not candidates:
        raise KeyError(key)
    return max(candidates, key=lambda d: d.effective_from).value


@transaction.atomic
def policy_set(
    *, key: str, value: Any, effective_from: dt.date, source: str, actor: Any, at: dt.datetime
) -> PolicyParameter:
    if key not in KEYS:
        raise ServiceError(PolicyError.UNKNOWN_KEY, "key", _("Unknown policy parameter {key}."), key=key)
    row = PolicyParameter.objects.create(
        key=key, value=value, effective_from=effective_from, source=source, created_at=at
    )
    audit_record(actor=actor, action="policy.set", obj=row, after=snapshot(row), at=at)
    return row
