"""Signed contracts made through the real procurement services (a single-source procurement each), and the
banks' products — for the financing tests and the permission matrix."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

from django.utils import timezone

from zhengcai.accounts.models import User
from zhengcai.organizations.models import Organization
from zhengcai.procurement.bidding import award_decide, bid_submit, evaluate_lowest_price, tender_open
from zhengcai.procurement.lifecycle import contract_sign, result_publish
from zhengcai.procurement.models import Contract
from zhengcai.procurement.rules import Category, Method
from zhengcai.procurement.services import (
    ProjectInput,
    intention_create,
    intention_publish,
    project_create,
    tender_publish,
)

from ..services import product_publish

_serial = itertools.count(1)
START = dt.date(2026, 3, 2)  # intention published; the contract is signed on 2026-04-20
SIGNED_ON = dt.date(2026, 4, 20)


def moment(day: dt.date, hour: int = 9) -> dt.datetime:
    return timezone.make_aware(dt.datetime(day.year, day.month, day.day, hour, 0))


def signed_contract(
    *,
    purchaser_unit: Organization,
    purchaser: User,
    supplier: Organization,
    supplier_user: User,
    price_fen: int = 100_0000_00,
    start: dt.date = START,
) -> Contract:
    """Intention → single-source project → notice → the one bid → opening → award → result → contract."""
    n = next(_serial)
    draft = intention_create(
        purchaser=purchaser_unit,
        title=f"政采贷测试采购{n}",
        demand_summary="测试",
        budget_fen=price_fen,
        expected_month=start + dt.timedelta(days=40),
        actor=purchaser,
        at=moment(start),
    )
    intention = intention_publish(intention=draft, actor=purchaser, at=moment(start))
    project = project_create(
        data=ProjectInput(
            title=f"政采贷测试项目{n}",
            purchaser=purchaser_unit,
            method=Method.SINGLE_SOURCE,
            category=Category.GOODS,
            catalogue_code="A02010104",
            budget_fen=price_fen,
            max_price_fen=price_fen,
            intention=intention,
            sme_deduction_percent=Decimal(0),
        ),
        actor=purchaser,
        at=moment(start + dt.timedelta(days=10)),
    )
    published = start + dt.timedelta(days=30)
    deadline = published + dt.timedelta(days=14)
    tender = tender_publish(
        project=project,
        docs_from=published,
        docs_until=published + dt.timedelta(days=7),
        deadline=moment(deadline),
        notice_text="单一来源采购公示",
        actor=purchaser,
        at=moment(published, 8),
    )
    bid_submit(
        tender=tender,
        supplier=supplier,
        price_fen=price_fen,
        technical_response="响应",
        actor=supplier_user,
        at=moment(published + dt.timedelta(days=2)),
    )
    tender_open(tender=tender, actor=purchaser, at=moment(deadline))
    evaluate_lowest_price(project=project, actor=purchaser, at=moment(deadline, 10))
    award = award_decide(project=project, actor=purchaser, at=moment(deadline + dt.timedelta(days=1)))
    result_publish(award=award, actor=purchaser, at=moment(deadline + dt.timedelta(days=2)))
    signed_on = deadline + dt.timedelta(days=5)
    return contract_sign(award=award, signed_on=signed_on, actor=purchaser, at=moment(signed_on))


def bank_product(
    bank: Organization,
    officer: Any,
    *,
    share: str = "80",
    rate_min: str = "3.45",
    rate_max: str = "4.35",
    term_days: int = 365,
    sizes: tuple[str, ...] = ("medium", "small", "micro"),
    at: dt.datetime | None = None,
) -> Any:
    return product_publish(
        bank=bank,
        name=f"{bank.name[:6]}政采贷",
        rate_min=Decimal(rate_min),
        rate_max=Decimal(rate_max),
        max_share_percent=Decimal(share),
        term_days=term_days,
        eligible_sizes=list(sizes),
        actor=officer,
        at=at or moment(START),
    )
