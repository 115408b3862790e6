"""Fixtures: a small supplier's signed contract (¥1,000,000), two banks with products and officers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from conftest import make_code, make_user
from zhengcai.accounts.models import User
from zhengcai.core import calendar
from zhengcai.core.permissions import Role
from zhengcai.financing.models import FinancingProduct
from zhengcai.organizations.models import Organization, OrganizationKind
from zhengcai.organizations.services import organization_create
from zhengcai.procurement.models import Contract

from .factories import START, bank_product, moment, signed_contract


@pytest.fixture(autouse=True)
def _fresh_calendar() -> None:
    calendar.clear_cache()


@dataclass
class World:
    heze: dict[str, Any]
    purchaser: User
    supplier: Organization
    supplier_user: User
    contract: Contract
    bank: Organization
    bank_officer: User
    product: FinancingProduct
    bank2: Organization
    bank2_officer: User
    product2: FinancingProduct
    other_supplier: Organization
    other_supplier_user: User

    def another_contract(self, supplier: Organization | None = None, price_fen: int = 100_0000_00) -> Contract:
        owner = supplier or self.supplier
        user = self.supplier_user if owner == self.supplier else self.other_supplier_user
        return signed_contract(
            purchaser_unit=self.heze["budget_unit"],
            purchaser=self.purchaser,
            supplier=owner,
            supplier_user=user,
            price_fen=price_fen,
        )


@pytest.fixture
def world(heze: dict[str, Any]) -> World:
    purchaser = make_user(Role.PURCHASER_STAFF, heze["budget_unit"], username="fin_purchaser")
    supplier_user = make_user(Role.SUPPLIER_STAFF, heze["supplier"], username="fin_supplier")
    bank_officer = make_user(Role.BANK_OFFICER, heze["bank"], username="fin_icbc")
    bank2 = organization_create(
        kind=OrganizationKind.BANK,
        name="中国建设银行股份有限公司菏泽分行",
        region=heze["city"],
        credit_code=make_code(),
        actor="test",
        at=moment(START),
    )
    bank2_officer = make_user(Role.BANK_OFFICER, bank2, username="fin_ccb")
    other = organization_create(
        kind=OrganizationKind.SUPPLIER,
        name="菏泽恒通商贸有限公司",
        region=heze["city"],
        credit_code=make_code(),
        size="micro",
        actor="test",
        at=moment(START),
    )
    other_user = make_user(Role.SUPPLIER_STAFF, other, username="fin_other_supplier")
    contract = signed_contract(
        purchaser_unit=heze["budget_unit"], purchaser=purchaser, supplier=heze["supplier"], supplier_user=supplier_user
    )
    return World(
        heze=heze,
        purchaser=purchaser,
        supplier=heze["supplier"],
        supplier_user=supplier_user,
        contract=contract,
        bank=heze["bank"],
        bank_officer=bank_officer,
        product=bank_product(heze["bank"], bank_officer, share="80", rate_min="3.45", rate_max="4.35"),
        bank2=bank2,
        bank2_officer=bank2_officer,
        product2=bank_product(bank2, bank2_officer, share="70", rate_min="3.20", rate_max="4.00", term_days=270),
        other_supplier=other,
        other_supplier_user=other_user,
    )
