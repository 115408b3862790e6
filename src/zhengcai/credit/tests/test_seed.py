"""The demo credit seed on a small data set: policies v1/v2, imported penalties, bureau findings, platform records."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from conftest import make_user
from zhengcai.core.audit import verify_chain
from zhengcai.core.permissions import Role
from zhengcai.credit import selectors
from zhengcai.credit.models import CreditImportBatch, CreditPolicy, CreditRecord
from zhengcai.demo.credit_seed import known_serious_supplier, seed_credit

from .conftest import moment, supplier_in

pytestmark = pytest.mark.django_db

TODAY = moment(dt.date(2026, 11, 25), 9)


def test_seed_credit_on_a_small_data_set(heze: dict[str, Any], awarded: Any) -> None:
    make_user(Role.SUPPLIER_STAFF, heze["supplier"], username="supplier")  # the demo supplier login
    for key in ("city", "cao", "shan"):
        for i in range(12):
            supplier_in(heze[key], f"{heze[key].name}演示{i}商贸有限公司", size="small" if i % 2 else "medium")
    counts = seed_credit(actor="seed_demo", at=TODAY)
    assert counts["policies"] == 2
    assert counts["imported"] == 3 * 10 + 8
    assert counts["bureau"] == 21
    assert counts["platform"] == 1  # the awarded round: no contract 30 days after the award
    assert counts["records"] == counts["imported"] + counts["bureau"] + counts["platform"]
    assert CreditImportBatch.objects.count() == 2
    regions = set(CreditRecord.objects.values_list("supplier__region__code", flat=True))
    assert regions == {"371700", "371721", "371722"}
    assert CreditRecord.objects.filter(reference__regex=r"^菏市监处罚〔20\d\d〕\d+号$").exists()
    assert CreditRecord.objects.filter(authority__startswith="国家税务总局", reference__contains="税").exists()

    v1, v2 = CreditPolicy.objects.order_by("version")
    assert (v1.effective_from, v2.effective_from) == (dt.date(2024, 1, 1), dt.date(2026, 7, 1))
    assert v2.rules["major_max"] == 1

    demo = heze["supplier"]
    assert not CreditRecord.objects.filter(supplier=demo).exists()
    outlook = selectors.exemption_outlook(supplier=demo, at=TODAY)
    assert outlook.outcome.exempt
    assert outlook.outcome.explanation_zh == "免收投标保证金：近3年无严重失信记录（信用政策第2版）"

    known = known_serious_supplier()
    assert known is not None
    blocked = selectors.exemption_outlook(supplier=known, at=TODAY).outcome
    assert not blocked.exempt
    assert "提供虚假业绩证明材料" in blocked.explanation_zh
    assert "有效期至 2028-05-01" in blocked.explanation_zh

    assert seed_credit(actor="seed_demo", at=TODAY) == {}
    assert CreditRecord.objects.count() == counts["records"]
    assert list(verify_chain()) == []
