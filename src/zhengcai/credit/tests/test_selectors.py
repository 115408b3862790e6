"""Credit reads: the bureau's supplier list (scoped, counted, bounded queries) and the records known at a moment."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from zhengcai.accounts.models import User
from zhengcai.core.permissions import Role
from zhengcai.credit import selectors
from zhengcai.credit.services import Entry, credit_record_add, credit_record_revoke

from .conftest import moment, supplier_in

pytestmark = pytest.mark.django_db

AT = moment(dt.date(2026, 3, 2))
ON = AT.date()


def entry(ref: str, severity: str = "major", expires: dt.date | None = None) -> Entry:
    return Entry(
        kind="administrative_penalty",
        severity=severity,
        occurred_on=dt.date(2025, 6, 1),
        expires_on=expires,
        description="罚款",
        reference=ref,
    )


@pytest.fixture
def recorded(heze: dict[str, Any], cao_supplier: Any) -> dict[str, Any]:
    shan = supplier_in(heze["shan"], "单县示例商贸有限公司")
    credit_record_add(supplier=heze["supplier"], entry=entry("A", "serious"), actor="t", at=AT)
    credit_record_add(supplier=heze["supplier"], entry=entry("B"), actor="t", at=AT)
    credit_record_add(supplier=cao_supplier, entry=entry("C"), actor="t", at=AT)
    expired = credit_record_add(supplier=shan, entry=entry("D", expires=dt.date(2025, 12, 31)), actor="t", at=AT)
    revoked = credit_record_add(supplier=shan, entry=entry("E"), actor="t", at=AT)
    credit_record_revoke(record=revoked, reason="错误", actor="t", at=AT)
    return {"shan": shan, "expired": expired}


def test_supplier_list_counts_records_in_force_most_serious_first(
    recorded: dict[str, Any], role_users: dict[Role, User], heze: dict[str, Any], cao_supplier: Any
) -> None:
    rows = list(selectors.credit_suppliers(user=role_users[Role.BUREAU_ADMIN], with_records=True, on=ON))
    assert [(r.pk, r.live_records, r.serious_records) for r in rows] == [  # type: ignore[attr-defined]
        (heze["supplier"].pk, 2, 1),
        (cao_supplier.pk, 1, 0),
    ]
    counts = selectors.credit_counts(user=role_users[Role.BUREAU_ADMIN], on=ON)
    assert counts == {"records": 3, "suppliers": 2, "decisions": 0}


def test_county_reviewer_counts_only_the_county(recorded: dict[str, Any], county_reviewer: User) -> None:
    rows = list(selectors.credit_suppliers(user=county_reviewer, q="有限公司"))
    assert {r.region.code for r in rows} == {"371721"}
    assert selectors.credit_counts(user=county_reviewer, on=ON) == {"records": 1, "suppliers": 1, "decisions": 0}


def test_supplier_list_page_queries_do_not_grow_with_rows(
    recorded: dict[str, Any], role_users: dict[Role, User], heze: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    from django.test import Client

    client = Client()
    client.force_login(role_users[Role.BUREAU_ADMIN])
    client.get("/office/credit/suppliers/")  # warm the session
    with django_assert_max_num_queries(12):
        response = client.get("/office/credit/suppliers/?q=有限公司")
    assert response.status_code == 200
    for i in range(10):
        credit_record_add(
            supplier=supplier_in(heze["city"], f"菏泽增补{i}有限公司"), entry=entry(f"X{i}"), actor="t", at=AT
        )
    with django_assert_max_num_queries(12):
        assert client.get("/office/credit/suppliers/?q=有限公司").status_code == 200


def test_records_known_at_a_moment(recorded: dict[str, Any]) -> None:
    shan = recorded["shan"]
    assert len(selectors.record_facts(supplier=shan, at=AT)) == 1  # the revoked one no longer counts
    before = AT - dt.timedelta(seconds=1)
    assert selectors.record_facts(supplier=shan, at=before) == []  # nothing recorded yet
