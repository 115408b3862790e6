"""The demo responsibility chain on the small heze fixture: through the services, idempotent, overdue below."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.utils import timezone

from conftest import AT
from zhengcai.accounts.models import Membership, User
from zhengcai.core.models import AuditEvent
from zhengcai.core.permissions import Role
from zhengcai.demo.evaluation_chain_seed import seed_evaluation_chain
from zhengcai.evaluation import chain_selectors as selectors
from zhengcai.evaluation.models import Position, PositionHolder, Task, TaskProgress, TaskStatus
from zhengcai.organizations.models import Organization, OrganizationKind

NOW = AT.replace(month=11, day=25)


def test_seed_builds_the_chain_and_a_second_run_adds_nothing(heze: dict[str, Any]) -> None:
    added = seed_evaluation_chain(at=NOW, password="Demo-pass-1")
    # 菏泽市人民政府 exists in the fixture: 曹县 and 单县 people's governments are added
    assert added["organizations"] == 2
    assert set(Organization.objects.filter(kind=OrganizationKind.GOVERNMENT).values_list("name", flat=True)) == {
        "菏泽市人民政府",
        "曹县人民政府",
        "单县人民政府",
    }
    # mayor, city director, city section head, 菏泽市教育局's head, and three posts in each of two counties
    assert added["positions"] == Position.objects.count() == 10
    assert added["holders"] == PositionHolder.objects.count() == 10
    assert PositionHolder.objects.filter(name__endswith="（演示数据）").count() == 10
    mayor = User.objects.get(username="mayor")
    assert Membership.objects.filter(
        user=mayor, role=Role.GOVERNMENT_LEADER, organization__name="菏泽市人民政府"
    ).exists()
    caohead = User.objects.get(username="caohead")
    assert PositionHolder.objects.get(user=caohead, end_on__isnull=True).position.title == "曹县县长"
    assert added["tasks"] == Task.objects.count() > 0
    assert added["reports"] == TaskProgress.objects.count() > 0
    assert AuditEvent.objects.filter(action="evaluation.task.assign").count() == added["tasks"]
    # two counties' section heads are behind: overdue, seen by the mayor and by their own county head only
    today = timezone.localtime(NOW).date()
    overdue = list(selectors.tasks_for(user=mayor, tab="below", today=today))
    assert sorted(t.position.title for t in overdue) == [
        "单县财政局政府采购管理科科长",
        "曹县财政局政府采购管理科科长",
    ]
    assert [t.position.region.name for t in selectors.tasks_for(user=caohead, tab="below", today=today)] == ["曹县"]
    assert Task.objects.filter(status=TaskStatus.DONE).count() == 0  # both counties behind in the small fixture
    client = Client()
    client.force_login(mayor)
    assert client.get("/office/evaluation/chain/").status_code == 200

    again = seed_evaluation_chain(at=NOW, password="Demo-pass-1")
    assert set(again.values()) == {0}
    assert Task.objects.count() == added["tasks"]
