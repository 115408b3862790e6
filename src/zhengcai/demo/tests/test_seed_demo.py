from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from zhengcai.accounts.models import Membership, User
from zhengcai.core.audit import verify_chain
from zhengcai.core.permissions import Role
from zhengcai.organizations.models import Organization, OrganizationKind, Region
from zhengcai.organizations.rules import credit_code_problem

pytestmark = pytest.mark.django_db


def test_seed_demo_is_complete_deterministic_and_idempotent() -> None:
    call_command("seed_demo", stdout=StringIO())
    first = list(Organization.objects.order_by("id").values_list("kind", "name", "credit_code", "size"))
    call_command("seed_demo", stdout=StringIO())
    assert list(Organization.objects.order_by("id").values_list("kind", "name", "credit_code", "size")) == first

    assert Region.objects.count() == 10
    counts = {k: Organization.objects.filter(kind=k).count() for k in OrganizationKind.values}
    assert counts["finance_bureau"] == 10
    assert counts["budget_unit"] == 300
    assert counts["agency"] == 40
    assert 3000 <= counts["supplier"] <= 3010
    assert counts["bank"] == 8
    assert counts["guarantor"] == 5
    codes = Organization.objects.exclude(credit_code=None).values_list("credit_code", flat=True)
    assert all(credit_code_problem(code or "") is None for code in codes)
    sizes = dict.fromkeys(["large", "medium", "small", "micro"], 0)
    for size in Organization.objects.filter(kind="supplier").values_list("size", flat=True):
        sizes[size] += 1
    assert sizes["micro"] > sizes["small"] > sizes["medium"] > sizes["large"] > 0
    assert {m.role for m in Membership.objects.all()} == set(Role.values)
    assert User.objects.filter(username="caoxian").exists()
    assert Organization.objects.filter(status="pending").count() == 6
    assert list(verify_chain()) == []
