"""The financing demo on a small data set: every state, through the services, idempotent, and the totals."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from conftest import make_code, make_user
from zhengcai.core.audit import verify_chain
from zhengcai.core.models import AuditEvent
from zhengcai.core.permissions import Role
from zhengcai.demo.financing_seed import seed_financing
from zhengcai.financing import selectors
from zhengcai.financing.models import ApplicationStatus, Disbursement, FinancingApplication, FinancingProduct
from zhengcai.financing.tests.factories import signed_contract
from zhengcai.organizations.models import OrganizationKind
from zhengcai.organizations.services import organization_create
from zhengcai.procurement.lifecycle import acceptance_record, payment_record

pytestmark = pytest.mark.django_db
AT = timezone.make_aware(dt.datetime(2026, 11, 25, 17, 0))


def test_seed_financing_every_state_realistic_amounts_idempotent(heze: dict[str, Any], role_users: Any) -> None:
    purchaser = make_user(Role.PURCHASER_STAFF, heze["budget_unit"])
    seller = make_user(Role.SUPPLIER_STAFF, heze["supplier"])
    for name in ["中国农业银行股份有限公司菏泽分行", "中国建设银行股份有限公司菏泽分行"]:
        organization_create(
            kind=OrganizationKind.BANK, name=name, region=heze["city"], credit_code=make_code(), actor="t", at=AT
        )
    contracts = [
        signed_contract(
            purchaser_unit=heze["budget_unit"],
            purchaser=purchaser,
            supplier=heze["supplier"],
            supplier_user=seller,
            price_fen=(80 + 10 * i) * 1_0000_00,
        )
        for i in range(14)
    ]
    for contract in contracts[:4]:  # paid in full in the summer: their loans are repaid
        acceptance_record(
            contract=contract,
            passed=True,
            accepted_on=dt.date(2026, 7, 1),
            note="合格",
            actor=purchaser,
            at=timezone.make_aware(dt.datetime(2026, 7, 1, 9)),
        )
        payment_record(
            contract=contract,
            amount_fen=contract.amount_fen,
            paid_on=dt.date(2026, 7, 20),
            is_advance=False,
            actor=purchaser,
            at=timezone.make_aware(dt.datetime(2026, 7, 20, 9)),
        )
    before = AuditEvent.objects.count()
    counts = seed_financing(actor="seed_demo", at=AT)
    assert counts["products"] == FinancingProduct.objects.count() == 4  # 3 banks, CCB has two products
    states = set(FinancingApplication.objects.values_list("status", flat=True))
    assert {
        ApplicationStatus.DRAFT,
        ApplicationStatus.SUBMITTED,
        ApplicationStatus.QUOTED,
        ApplicationStatus.ACCEPTED,
        ApplicationStatus.APPROVED,
        ApplicationStatus.DISBURSED,
        ApplicationStatus.REPAID,
    } <= states
    for d in Disbursement.objects.select_related("agreement__application__contract"):
        share = d.amount_fen / d.agreement.application.contract.amount_fen
        assert 0.63 <= share <= 0.80  # 70–80 % of the contract (a bank may offer 90 % of that)
    admin = role_users[Role.BUREAU_ADMIN]
    assert selectors.financing_totals(user=admin).raised_fen == counts["raised_fen"] > 0
    assert list(verify_chain()) == []
    grown = AuditEvent.objects.count()
    assert grown > before
    assert seed_financing(actor="seed_demo", at=AT) == counts  # a second run adds nothing
    assert AuditEvent.objects.count() == grown
