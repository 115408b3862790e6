"""The demo policy library: real numbers and statuses, illustrative entries marked, idempotent."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from zhengcai.accounts.models import User
from zhengcai.core.audit import verify_chain
from zhengcai.core.models import AuditEvent
from zhengcai.demo.policies_seed import DEMO, DEMO_MARK, NATIONAL, seed_policies
from zhengcai.policies import rules
from zhengcai.policies.models import Category, PolicyDocument

pytestmark = pytest.mark.django_db
NOW = timezone.make_aware(dt.datetime(2026, 11, 25, 9, 0))


def test_seed_policies_loads_the_key_documents_and_is_idempotent(heze: dict[str, Any], editor: User) -> None:
    added = seed_policies(actor_username=editor.username, at=NOW)
    assert added == len(NATIONAL) + len(DEMO) == PolicyDocument.objects.count()
    events = AuditEvent.objects.count()
    assert seed_policies(actor_username=editor.username, at=NOW) == 0
    assert AuditEvent.objects.count() == events  # the second run writes nothing
    assert PolicyDocument.objects.count() == added
    assert list(verify_chain()) == []

    def doc(number: str) -> PolicyDocument:
        return PolicyDocument.objects.get(number=number)

    for number in (
        "国务院令第658号",
        "财政部令第87号",
        "财政部令第94号",
        "财政部令第101号",
        "财政部令第110号",
        "财库〔2020〕46号",
        "财库〔2022〕19号",
        "财库〔2019〕38号",
        "财库〔2020〕10号",
        "国务院令第802号",
        "中华人民共和国主席令第十四号",
    ):
        assert doc(number).status == "effective", number
    law = doc("中华人民共和国主席令第六十八号")
    assert (law.status, law.status_changed_on, law.superseded_by) == (
        "amended",
        dt.date(2014, 8, 31),
        doc("中华人民共和国主席令第十四号"),
    )
    assert doc("国务院令第728号").superseded_by == doc("国务院令第802号")
    assert doc("财政部令第18号").status == "repealed"
    assert doc("财政部令第18号").superseded_by == doc("财政部令第87号")
    assert doc("国务院令第802号").effective_on == dt.date(2025, 6, 1)
    assert (
        Category.objects.filter(
            name__in=["法律法规", "规章制度", "规范性文件", "中小企业", "营商环境", "合同融资"]
        ).count()
        == 6
    )


def test_seed_policies_marks_every_illustrative_entry(heze: dict[str, Any], editor: User) -> None:
    seed_policies(actor_username=editor.username, at=NOW)
    for seed in DEMO:
        document = PolicyDocument.objects.get(number=seed.number)
        assert seed.demo
        assert DEMO_MARK in document.summary
        assert DEMO_MARK in document.full_text
        assert "演示数据" in {t.name for t in document.tags.all()}
    for seed in NATIONAL:
        assert not seed.demo
        assert DEMO_MARK not in seed.summary
        assert rules.normalize_number(seed.number) is not None  # every number passes POL-NUMBER as written
    assert PolicyDocument.objects.get(number="曹财采〔2024〕3号").region == heze["cao"]
    assert PolicyDocument.objects.get(number="菏财采〔2023〕5号").region == heze["city"]
