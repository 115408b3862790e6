"""The responsibility chain: positions and their rules, holders, tasks down, progress up, overdue visibility,
notifications, audit, permissions and scope (views and API)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone

from conftest import AT, make_user
from zhengcai.core import clock
from zhengcai.core.errors import ServiceError, ServiceErrorGroup
from zhengcai.core.models import AuditEvent, Notification
from zhengcai.core.permissions import Role
from zhengcai.evaluation import chain
from zhengcai.evaluation import chain_selectors as selectors
from zhengcai.evaluation.errors import ChainError
from zhengcai.evaluation.models import Period, PositionHolder, Snapshot, SnapshotValue, Task, TaskProgress, TaskStatus
from zhengcai.organizations.models import OrganizationKind
from zhengcai.organizations.services import organization_create

DAY = AT.date()


def later(days: int) -> dt.datetime:
    return AT + dt.timedelta(days=days)


@pytest.fixture
def people(heze: dict[str, Any]) -> dict[str, Any]:
    cao_gov = organization_create(
        kind=OrganizationKind.GOVERNMENT, name="曹县人民政府", region=heze["cao"], actor="test", at=AT
    )
    shan_gov = organization_create(
        kind=OrganizationKind.GOVERNMENT, name="单县人民政府", region=heze["shan"], actor="test", at=AT
    )
    return {
        "mayor": make_user(Role.GOVERNMENT_LEADER, heze["city_government"], username="t_mayor"),
        "cao_head": make_user(Role.GOVERNMENT_LEADER, cao_gov, username="t_caohead"),
        "shan_head": make_user(Role.GOVERNMENT_LEADER, shan_gov, username="t_shanhead"),
        "city_director": make_user(Role.BUREAU_LEADER, heze["city_bureau"], username="t_citydir"),
        "cao_director": make_user(Role.BUREAU_LEADER, heze["cao_bureau"], username="t_caodir"),
        "cao_section": make_user(Role.BUREAU_REVIEWER, heze["cao_dept"], username="t_caosec"),
        "city_section": make_user(Role.BUREAU_REVIEWER, heze["city_dept"], username="t_citysec"),
        "unit": make_user(Role.PURCHASER_STAFF, heze["budget_unit"], username="t_unit"),
        "admin": make_user(Role.BUREAU_ADMIN, heze["city_bureau"], username="t_admin"),
        "cao_gov": cao_gov,
    }


@pytest.fixture
def posts(heze: dict[str, Any], people: dict[str, Any]) -> dict[str, Any]:
    """mayor → {cao head → cao director → cao section, shan head, city director → city section → unit}."""
    admin = people["admin"]

    def make(key: str, title: str, level: str, region: Any, parent: Any, holder: str) -> Any:
        p = chain.position_create(title=title, level=level, region=region, parent=parent, actor=admin, at=AT)
        chain.holder_appoint(position=p, name=f"{title}本人", user=people[holder], start_on=DAY, actor=admin, at=AT)
        return p

    out: dict[str, Any] = {}
    out["mayor"] = make("mayor", "菏泽市市长", "mayor", heze["city"], None, "mayor")
    out["cao_head"] = make("cao_head", "曹县县长", "county_head", heze["cao"], out["mayor"], "cao_head")
    out["shan_head"] = make("shan_head", "单县县长", "county_head", heze["shan"], out["mayor"], "shan_head")
    out["city_director"] = make(
        "city_director", "菏泽市财政局局长", "bureau_director", heze["city"], out["mayor"], "city_director"
    )
    out["cao_director"] = make(
        "cao_director", "曹县财政局局长", "bureau_director", heze["cao"], out["cao_head"], "cao_director"
    )
    out["cao_section"] = make(
        "cao_section", "曹县政府采购管理股股长", "section_head", heze["cao"], out["cao_director"], "cao_section"
    )
    out["city_section"] = make(
        "city_section", "菏泽市政府采购管理科科长", "section_head", heze["city"], out["city_director"], "city_section"
    )
    out["unit"] = make("unit", "菏泽市教育局局长", "unit_head", heze["city"], out["city_section"], "unit")
    return out


def _codes(exc: ServiceError) -> set[tuple[str, str | None]]:
    errors = exc.errors if isinstance(exc, ServiceErrorGroup) else [exc]
    return {(e.code, e.field) for e in errors}


def _has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _assert_bilingual(error: ServiceError) -> None:
    """English from the msgid; Chinese from the merged catalogue, with the same placeholders filled in."""
    assert error.message_en
    assert _has_chinese(error.message_zh), error.message_zh
    assert error.message_zh != error.message_en


# --- positions ------------------------------------------------------------------------------------------------


def test_position_parent_must_be_higher_in_the_chain(heze: dict[str, Any], posts: dict[str, Any]) -> None:
    with pytest.raises(ServiceError) as info:
        chain.position_create(
            title="曹县某股长", level="section_head", region=heze["cao"], parent=posts["cao_section"], actor="t", at=AT
        )
    assert _codes(info.value) == {(ChainError.PARENT, "parent")}
    assert "higher in the chain" in info.value.message_en
    _assert_bilingual(info.value)


def test_position_parent_in_same_region_or_its_city(heze: dict[str, Any], posts: dict[str, Any]) -> None:
    # 单县's director cannot report to 曹县's head; a 曹县 section head may report to the city's director
    with pytest.raises(ServiceError) as info:
        chain.position_create(
            title="单县财政局局长",
            level="bureau_director",
            region=heze["shan"],
            parent=posts["cao_head"],
            actor="t",
            at=AT,
        )
    assert _codes(info.value) == {(ChainError.PARENT, "parent")}
    assert "曹县" in info.value.message_en
    assert "单县" in info.value.message_en
    _assert_bilingual(info.value)
    ok = chain.position_create(
        title="曹县采购股长", level="section_head", region=heze["cao"], parent=posts["city_director"], actor="t", at=AT
    )
    assert ok.parent == posts["city_director"]


def test_position_skips_a_level_only_where_it_is_absent(heze: dict[str, Any], posts: dict[str, Any]) -> None:
    # 曹县 has a county head under the mayor: its bureau director reports to the head, not to the mayor
    with pytest.raises(ServiceError) as info:
        chain.position_create(
            title="曹县财政局副局长",
            level="bureau_director",
            region=heze["cao"],
            parent=posts["mayor"],
            actor="t",
            at=AT,
        )
    assert _codes(info.value) == {(ChainError.PARENT, "parent")}
    assert "曹县县长" in info.value.message_en
    _assert_bilingual(info.value)
    # the city has no county head: the city's director reports to the mayor (the fixture's 菏泽市财政局局长)
    assert posts["city_director"].parent == posts["mayor"]


def test_mayor_heads_the_chain_and_others_need_a_parent(heze: dict[str, Any], posts: dict[str, Any]) -> None:
    with pytest.raises(ServiceError) as info:
        chain.position_create(
            title="副市长", level="mayor", region=heze["cao"], parent=posts["mayor"], actor="t", at=AT
        )
    assert _codes(info.value) == {(ChainError.PARENT, "parent"), (ChainError.PARENT, "region")}
    with pytest.raises(ServiceError) as info:
        chain.position_create(title="", level="county_head", region=heze["cao"], parent=None, actor="t", at=AT)
    assert _codes(info.value) == {(ChainError.TITLE, "title"), (ChainError.PARENT, "parent")}
    for error in info.value.errors:  # type: ignore[attr-defined]
        _assert_bilingual(error)
    with pytest.raises(ServiceError) as info:
        chain.position_create(
            title="曹县县长", level="county_head", region=heze["cao"], parent=posts["mayor"], actor="t", at=AT
        )
    assert _codes(info.value) == {(ChainError.TITLE, "title")}


def test_position_cannot_report_to_a_position_below_it(posts: dict[str, Any], people: dict[str, Any]) -> None:
    with pytest.raises(ServiceError) as info:
        chain.position_update(
            position=posts["cao_head"],
            title="曹县县长",
            parent=posts["cao_section"],
            organization=None,
            active=True,
            actor=people["admin"],
            at=AT,
        )
    assert (ChainError.PARENT, "parent") in _codes(info.value)
    changed = chain.position_update(
        position=posts["cao_head"],
        title="曹县人民政府县长",
        parent=posts["mayor"],
        organization=people["cao_gov"],
        active=True,
        actor=people["admin"],
        at=AT,
    )
    assert changed.title == "曹县人民政府县长"
    event = AuditEvent.objects.filter(action="evaluation.position.update").get()
    assert (event.before or {})["title"] == "曹县县长"
    assert (event.after or {})["title"] == "曹县人民政府县长"


# --- holders --------------------------------------------------------------------------------------------------


def test_one_current_holder_appointing_ends_the_previous_term(posts: dict[str, Any], people: dict[str, Any]) -> None:
    new = chain.holder_appoint(
        position=posts["cao_head"], name="王新", start_on=DAY + dt.timedelta(days=10), actor=people["admin"], at=AT
    )
    old = PositionHolder.objects.get(position=posts["cao_head"], name="曹县县长本人")
    assert old.end_on == DAY + dt.timedelta(days=9)
    assert new.end_on is None
    assert PositionHolder.objects.filter(position=posts["cao_head"], end_on__isnull=True).count() == 1
    assert not chain.holds(people["cao_head"], posts["cao_head"])
    with pytest.raises(ServiceError) as info:
        chain.holder_appoint(position=posts["cao_head"], name="李", start_on=DAY, actor=people["admin"], at=AT)
    assert _codes(info.value) == {(ChainError.DATES, "start_on")}
    _assert_bilingual(info.value)
    with pytest.raises(IntegrityError), transaction.atomic():  # the database keeps one current holder
        PositionHolder.objects.create(position=posts["cao_head"], name="重复", start_on=DAY, recorded_at=AT)
    actions = list(
        AuditEvent.objects.filter(object_type="evaluation.positionholder", object_id=str(old.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == ["evaluation.holder.appoint", "evaluation.holder.end"]


def test_holder_end_term(posts: dict[str, Any], people: dict[str, Any]) -> None:
    holder = chain.current_holder(posts["unit"])
    assert holder is not None
    with pytest.raises(ServiceError) as info:
        chain.holder_end(holder=holder, end_on=DAY - dt.timedelta(days=1), actor=people["admin"], at=AT)
    assert _codes(info.value) == {(ChainError.DATES, "end_on")}
    ended = chain.holder_end(holder=holder, end_on=DAY + dt.timedelta(days=5), actor=people["admin"], at=AT)
    assert ended.end_on == DAY + dt.timedelta(days=5)
    assert chain.current_holder(posts["unit"]) is None
    assert selectors.held_position_ids(user=people["unit"]) == set()


# --- tasks ----------------------------------------------------------------------------------------------------


def _assign(posts: dict[str, Any], people: dict[str, Any], by: str, to: str, **kw: Any) -> Task:
    args: dict[str, Any] = {
        "title": "中小企业付款天数≤30",
        "due_on": DAY + dt.timedelta(days=30),
        "indicator": "days_to_pay_sme",
        "target": Decimal("30"),
    }
    args.update(kw)
    return chain.task_assign(assigned_by=posts[by], position=posts[to], actor=people[by], at=AT, **args)


def test_tasks_go_only_down_the_chain(posts: dict[str, Any], people: dict[str, Any]) -> None:
    with pytest.raises(ServiceError) as info:  # upward
        _assign(posts, people, "cao_section", "cao_director")
    assert _codes(info.value) == {(ChainError.NOT_BELOW, "position")}
    _assert_bilingual(info.value)
    with pytest.raises(ServiceError) as info:  # sideways: the city's director is not above 曹县's director
        _assign(posts, people, "city_director", "cao_director")
    assert _codes(info.value) == {(ChainError.NOT_BELOW, "position")}
    task = _assign(posts, people, "mayor", "cao_section")  # several levels down
    assert task.position == posts["cao_section"]
    assert task.status == TaskStatus.OPEN


def test_only_the_holder_assigns_and_inputs_are_checked(posts: dict[str, Any], people: dict[str, Any]) -> None:
    with pytest.raises(ServiceError) as info:
        chain.task_assign(
            assigned_by=posts["mayor"],
            position=posts["cao_head"],
            title="x",
            due_on=DAY,
            actor=people["cao_head"],
            at=AT,
        )
    assert _codes(info.value) == {(ChainError.NOT_HOLDER, "assigned_by")}
    _assert_bilingual(info.value)
    with pytest.raises(ServiceError) as info:
        _assign(posts, people, "mayor", "cao_head", title=" ", due_on=DAY - dt.timedelta(days=1), indicator="nope")
    assert _codes(info.value) == {
        (ChainError.TASK_TITLE, "title"),
        (ChainError.DUE, "due_on"),
        (ChainError.INDICATOR, "indicator"),
    }
    for error in info.value.errors:  # type: ignore[attr-defined]
        _assert_bilingual(error)
    assert not Task.objects.exists()


def test_break_down_only_by_the_responsible_holder_below_them(posts: dict[str, Any], people: dict[str, Any]) -> None:
    task = _assign(posts, people, "mayor", "cao_head")
    sub = chain.task_assign(
        assigned_by=posts["cao_head"],
        position=posts["cao_director"],
        title="曹县：付款天数≤30",
        due_on=DAY + dt.timedelta(days=20),
        parent=task,
        actor=people["cao_head"],
        at=AT,
    )
    assert list(selectors.task_subtasks(task=task)) == [sub]
    with pytest.raises(ServiceError) as info:  # due after the task it belongs to
        chain.task_assign(
            assigned_by=posts["cao_head"],
            position=posts["cao_director"],
            title="太晚",
            due_on=DAY + dt.timedelta(days=60),
            parent=task,
            actor=people["cao_head"],
            at=AT,
        )
    assert _codes(info.value) == {(ChainError.DUE, "due_on")}
    with pytest.raises(ServiceError) as info:  # the mayor did not receive the task: cannot break it down
        chain.task_assign(
            assigned_by=posts["mayor"],
            position=posts["cao_director"],
            title="越级",
            due_on=DAY + dt.timedelta(days=20),
            parent=task,
            actor=people["mayor"],
            at=AT,
        )
    assert _codes(info.value) == {(ChainError.NOT_BELOW, "parent")}


def test_progress_only_by_the_holder_and_100_percent_closes(posts: dict[str, Any], people: dict[str, Any]) -> None:
    task = _assign(posts, people, "mayor", "cao_head")
    with pytest.raises(ServiceError) as info:  # the assigner does not report
        chain.task_report(task=task, percent=50, note="x", actor=people["mayor"], at=later(1))
    assert _codes(info.value) == {(ChainError.NOT_HOLDER, "percent")}
    _assert_bilingual(info.value)
    with pytest.raises(ServiceError) as info:
        chain.task_report(task=task, percent=101, note="", actor=people["cao_head"], at=later(1))
    assert _codes(info.value) == {(ChainError.PERCENT, "percent"), (ChainError.NOTE, "note")}
    chain.task_report(
        task=task, percent=60, note="已清理积压付款", value=Decimal("34.5"), actor=people["cao_head"], at=later(2)
    )
    task.refresh_from_db()
    assert task.progress_percent == 60
    assert task.status == TaskStatus.OPEN
    chain.task_report(
        task=task, percent=100, note="已达标", value=Decimal("28"), actor=people["cao_head"], at=later(3)
    )
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE
    assert task.closed_at == later(3)
    assert list(TaskProgress.objects.filter(task=task).values_list("percent", flat=True)) == [60, 100]
    with pytest.raises(ServiceError) as info:
        chain.task_report(task=task, percent=100, note="再报", actor=people["cao_head"], at=later(4))
    assert _codes(info.value) == {(ChainError.CLOSED, "percent")}


def test_assigner_cancels_with_a_reason(posts: dict[str, Any], people: dict[str, Any]) -> None:
    task = _assign(posts, people, "mayor", "cao_head")
    with pytest.raises(ServiceError) as info:
        chain.task_close(task=task, outcome="cancelled", reason="", actor=people["mayor"], at=later(1))
    assert _codes(info.value) == {(ChainError.NOTE, "reason")}
    with pytest.raises(ServiceError) as info:  # the responsible holder does not close
        chain.task_close(task=task, outcome="done", reason="", actor=people["cao_head"], at=later(1))
    assert _codes(info.value) == {(ChainError.NOT_HOLDER, "outcome")}
    chain.task_close(task=task, outcome="cancelled", reason="指标口径调整", actor=people["mayor"], at=later(1))
    task.refresh_from_db()
    assert task.status == TaskStatus.CANCELLED
    event = AuditEvent.objects.get(action="evaluation.task.close")
    assert (event.after or {})["reason"] == "指标口径调整"
    assert (event.after or {})["status"] == "cancelled"
    cancelled = Notification.objects.filter(recipient=people["cao_head"]).order_by("pk").last()
    assert cancelled is not None
    assert "指标口径调整" in cancelled.body


def test_notifications_to_the_holder_on_assignment_and_the_assigner_on_progress(
    posts: dict[str, Any], people: dict[str, Any]
) -> None:
    task = _assign(posts, people, "mayor", "cao_head")
    note = Notification.objects.get(recipient=people["cao_head"])
    assert "中小企业付款天数≤30" in note.subject
    assert note.link == f"/office/evaluation/chain/tasks/{task.pk}/"
    assert not Notification.objects.filter(recipient=people["mayor"]).exists()
    chain.task_report(task=task, percent=30, note="已部署", actor=people["cao_head"], at=later(1))
    note = Notification.objects.get(recipient=people["mayor"])
    assert "30" in note.subject
    assert "已部署" in note.body


def test_audit_events_of_a_task(posts: dict[str, Any], people: dict[str, Any]) -> None:
    task = _assign(posts, people, "mayor", "cao_head")
    chain.task_report(task=task, percent=100, note="完成", actor=people["cao_head"], at=later(1))
    events = AuditEvent.objects.filter(object_type="evaluation.task", object_id=str(task.pk)).order_by("seq")
    assert [(e.action, e.actor_id) for e in events] == [
        ("evaluation.task.assign", people["mayor"].pk),
        ("evaluation.task.progress", people["cao_head"].pk),
    ]
    assert (events[1].after or {})["status"] == "done"
    assert (events[1].after or {})["report"]["note"] == "完成"


# --- overdue visibility ---------------------------------------------------------------------------------------


@pytest.fixture
def overdue(posts: dict[str, Any], people: dict[str, Any]) -> dict[str, Any]:
    """曹县's director has an overdue part of the mayor's task to 曹县's head; 单县's head has an open one."""
    task = _assign(posts, people, "mayor", "cao_head", due_on=DAY + dt.timedelta(days=20))
    sub = chain.task_assign(
        assigned_by=posts["cao_head"],
        position=posts["cao_director"],
        title="曹县财政局：清理逾期付款",
        due_on=DAY + dt.timedelta(days=5),
        parent=task,
        actor=people["cao_head"],
        at=AT,
    )
    shan = _assign(posts, people, "mayor", "shan_head", due_on=DAY + dt.timedelta(days=40))
    return {"task": task, "sub": sub, "shan": shan, "today": DAY + dt.timedelta(days=10)}


def test_overdue_visible_to_the_levels_above_not_to_a_peer_county(
    posts: dict[str, Any], people: dict[str, Any], overdue: dict[str, Any]
) -> None:
    today = overdue["today"]
    assert list(selectors.tasks_for(user=people["cao_head"], tab="below", today=today)) == [overdue["sub"]]
    assert list(selectors.tasks_for(user=people["mayor"], tab="below", today=today)) == [overdue["sub"]]
    assert list(selectors.tasks_for(user=people["shan_head"], tab="below", today=today)) == []
    assert selectors.overdue_counts_below(user=people["mayor"], today=today) == [
        {
            "position_id": posts["cao_director"].pk,
            "title": "曹县财政局局长",
            "level": "bureau_director",
            "region": "曹县",
            "overdue": 1,
        }
    ]
    # the peer county's head cannot open it; the director, the county head and the mayor can
    with pytest.raises(Task.DoesNotExist):
        selectors.task_get(user=people["shan_head"], pk=overdue["sub"].pk)
    for who in ("cao_director", "cao_head", "mayor"):
        assert selectors.task_get(user=people[who], pk=overdue["sub"].pk) == overdue["sub"]


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_pages_scope_and_404_for_another_countys_task(
    posts: dict[str, Any], people: dict[str, Any], overdue: dict[str, Any]
) -> None:
    sub = overdue["sub"]
    url = f"/office/evaluation/chain/tasks/{sub.pk}/"
    assert _client(people["shan_head"]).get(url).status_code == 404
    assert _client(people["city_director"]).get(url).status_code == 404
    assert _client(people["unit"]).get(url).status_code == 404
    page = _client(people["cao_director"]).get(url)
    assert page.status_code == 200
    assert "曹县财政局：清理逾期付款" in page.content.decode()
    # a report through the page by a non-holder answers 404 and writes nothing
    assert _client(people["shan_head"]).post(url + "progress/", {"percent": 10, "note": "x"}).status_code == 404
    response = _client(people["cao_director"]).post(url + "progress/", {"percent": 40, "note": "已催办"})
    assert response.status_code == 302
    assert TaskProgress.objects.filter(task=sub).count() == 1


def test_chain_tree_the_mayor_sees_the_city_a_county_head_their_county(
    posts: dict[str, Any], people: dict[str, Any], overdue: dict[str, Any]
) -> None:
    rows = selectors.chain_tree(user=people["mayor"], today=overdue["today"])
    assert [r.position.title for r in rows][:2] == ["菏泽市市长", "菏泽市财政局局长"] or rows[0].position == posts[
        "mayor"
    ]
    assert {r.position.pk for r in rows} == {p.pk for p in posts.values()}
    by_title = {r.position.title: r for r in rows}
    assert by_title["曹县财政局局长"].overdue == 1
    assert by_title["曹县财政局局长"].depth == 2
    assert by_title["曹县县长"].open == 1
    assert by_title["曹县县长"].overdue == 0
    cao_rows = selectors.chain_tree(user=people["cao_head"], today=overdue["today"])
    assert {r.position.title for r in cao_rows} == {"曹县县长", "曹县财政局局长", "曹县政府采购管理股股长"}
    page = _client(people["cao_head"]).get("/office/evaluation/chain/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "曹县财政局局长" in text
    assert "单县县长" not in text


def test_my_tasks_page_lists_overdue_below_with_counts(
    posts: dict[str, Any], people: dict[str, Any], overdue: dict[str, Any]
) -> None:
    with clock.travel(timezone.make_aware(dt.datetime.combine(overdue["today"], dt.time(10))) - timezone.now()):
        page = _client(people["mayor"]).get("/office/evaluation/chain/tasks/?tab=below")
    assert page.status_code == 200
    text = page.content.decode()
    assert 'data-testid="overdue-by-position"' in text
    assert "曹县财政局：清理逾期付款" in text


# --- API ------------------------------------------------------------------------------------------------------


def test_api_lists_my_tasks_and_reports_progress(
    posts: dict[str, Any], people: dict[str, Any], overdue: dict[str, Any]
) -> None:
    body = _client(people["cao_head"]).get("/api/v1/evaluation/tasks?tab=mine").json()
    assert [t["id"] for t in body["items"]] == [overdue["task"].pk]
    assert body["items"][0]["indicator"] == "days_to_pay_sme"
    path = f"/api/v1/evaluation/tasks/{overdue['sub'].pk}/progress"
    payload = {"percent": 70, "note": "已付款12笔", "value": "31.5"}
    denied = _client(people["shan_head"]).post(
        path, payload, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k1"
    )
    assert denied.status_code == 404
    assert denied.json()["code"] == "core.not_found"
    assert (
        _client(people["cao_head"])
        .post(  # the county head sees it but does not report on it
            path, payload, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k1"
        )
        .status_code
        == 404
    )
    client = _client(people["cao_director"])
    ok = client.post(path, payload, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k1")
    assert ok.status_code == 200, ok.content
    assert ok.json()["task"]["progress_percent"] == 70
    assert ok.json()["value"] == "31.5"
    again = client.post(path, payload, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k1")
    assert again["Idempotent-Replayed"] == "true"
    assert TaskProgress.objects.filter(task=overdue["sub"]).count() == 1
    bad = client.post(path, {"percent": 120, "note": ""}, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k2")
    assert bad.status_code == 400
    assert bad.json()["field"] == "percent"


# --- the positions admin and the task pages -------------------------------------------------------------------


def test_admin_creates_a_position_with_bilingual_errors_and_appoints_a_holder(
    heze: dict[str, Any], posts: dict[str, Any], people: dict[str, Any]
) -> None:
    client = _client(people["admin"])
    form = {
        "title": "单县财政局局长",
        "level": "bureau_director",
        "region": heze["shan"].pk,
        "parent": posts["cao_head"].pk,
    }
    refused = client.post("/office/evaluation/chain/admin/new/", form)
    assert refused.status_code == 200
    assert 'data-field="parent"' in refused.content.decode()
    form["parent"] = posts["shan_head"].pk
    created = client.post("/office/evaluation/chain/admin/new/", form)
    assert created.status_code == 302
    position = posts["shan_head"].children.get(title="单县财政局局长")
    url = f"/office/evaluation/chain/admin/{position.pk}/appoint/"
    unknown = client.post(url, {"name": "赵刚", "username": "nobody", "start_on": DAY.isoformat()})
    assert 'data-field="username"' in unknown.content.decode()
    other_county = client.post(url, {"name": "赵刚", "username": "t_caodir", "start_on": DAY.isoformat()})
    assert other_county.status_code == 200  # 曹县's director's account does not reach 单县's post
    assert 'data-field="username"' in other_county.content.decode()
    shan_director = make_user(Role.BUREAU_LEADER, heze["shan_bureau"], username="t_shandir")
    assert client.post(url, {"name": "赵刚", "username": "t_shandir", "start_on": DAY.isoformat()}).status_code == 302
    assert chain.holds(shan_director, position)
    assert _client(people["mayor"]).get(url).status_code == 403  # positions are the bureau administrator's


def test_assign_report_and_close_through_the_pages(posts: dict[str, Any], people: dict[str, Any]) -> None:
    mayor = _client(people["mayor"])
    form = {
        "assigned_by": posts["mayor"].pk,
        "position": posts["cao_head"].pk,
        "title": "中小企业合同金额占比≥75%",
        "indicator": "sme_award_share",
        "target": "75",
        "due_on": (clock.today() + dt.timedelta(days=300)).isoformat(),
    }
    assert mayor.post("/office/evaluation/chain/tasks/new/", form).status_code == 302
    task = Task.objects.get(title="中小企业合同金额占比≥75%")
    page = _client(people["cao_head"]).get(f"/office/evaluation/chain/tasks/{task.pk}/")
    assert f'action="/office/evaluation/chain/tasks/{task.pk}/progress/"' in page.content.decode()
    assert "close/" not in page.content.decode()  # only the assigner closes
    subtask = _client(people["cao_head"]).post(
        f"/office/evaluation/chain/tasks/{task.pk}/subtask/",
        {
            "position": posts["cao_director"].pk,
            "title": "曹县：预留份额落实",
            "due_on": (clock.today() + dt.timedelta(days=100)).isoformat(),
        },
    )
    assert subtask.status_code == 302
    assert task.subtasks.get().position == posts["cao_director"]
    closed = mayor.post(f"/office/evaluation/chain/tasks/{task.pk}/close/", {"outcome": "done", "reason": ""})
    assert closed.status_code == 302
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE


def test_chain_tree_shows_the_latest_indicator_value_against_the_target(
    heze: dict[str, Any], posts: dict[str, Any], people: dict[str, Any]
) -> None:
    _assign(posts, people, "mayor", "cao_head")  # 向中小企业付款天数 ≤ 30
    period = Period.objects.create(kind="year", start=dt.date(2026, 1, 1), end=dt.date(2027, 1, 1), label="2026")
    for computed, value in ((AT, "41.20"), (later(1), "27.50")):
        snap = Snapshot.objects.create(period=period, as_of=computed, computed_at=computed, digest="0" * 64)
        SnapshotValue.objects.create(
            snapshot=snap,
            indicator="days_to_pay_sme",
            region=heze["cao"],
            numerator=Decimal(value) * 4,
            denominator=Decimal(4),
            value=Decimal(value),
            record_count=4,
        )
    rows = {r.position.title: r for r in selectors.chain_tree(user=people["mayor"], today=DAY)}
    [(task, reading)] = rows["曹县县长"].readings
    assert task.indicator == "days_to_pay_sme"
    assert reading.value == Decimal("27.50")
    assert reading.period == "2026"
    assert reading.meets is True  # lower is better: 27.5 ≤ 30
    assert rows["单县县长"].readings == []


def test_chain_tree_reads_indicator_values_in_constant_queries(
    heze: dict[str, Any], posts: dict[str, Any], people: dict[str, Any]
) -> None:
    """One query per year and one for all values, however many posts have a task naming an indicator."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    period = Period.objects.create(kind="year", start=dt.date(2026, 1, 1), end=dt.date(2027, 1, 1), label="2026")
    snap = Snapshot.objects.create(period=period, as_of=AT, computed_at=AT, digest="0" * 64)
    for region, value in ((heze["cao"], "27.50"), (heze["shan"], "35.00"), (heze["city"], "22.00")):
        SnapshotValue.objects.create(
            snapshot=snap,
            indicator="days_to_pay_sme",
            region=region,
            numerator=Decimal(value),
            denominator=Decimal(1),
            value=Decimal(value),
            record_count=1,
        )

    def tree() -> tuple[int, dict[str, list[Decimal | None]]]:
        with CaptureQueriesContext(connection) as ctx:
            rows = selectors.chain_tree(user=people["mayor"], today=DAY)
        return len(ctx.captured_queries), {r.position.title: [x.value for _, x in r.readings] for r in rows}

    _assign(posts, people, "mayor", "cao_head")
    queries, values = tree()
    assert values["曹县县长"] == [Decimal("27.50")]
    for to in ("shan_head", "city_director", "cao_director", "cao_section"):
        _assign(posts, people, "mayor", to, title=f"付款{to}")
    more, values = tree()
    assert more == queries
    assert values["曹县县长"] == [Decimal("27.50")]
    assert values["单县县长"] == [Decimal("35.00")]
    assert values[posts["city_director"].title] == [Decimal("22.00")]
    assert values[posts["cao_section"].title] == [Decimal("27.50")]


def test_list_pages_do_not_grow_queries_with_tasks(posts: dict[str, Any], people: dict[str, Any]) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count(url: str, user: Any) -> int:
        client = _client(user)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    _assign(posts, people, "mayor", "cao_head", indicator="", target=None)
    pages = ("/office/evaluation/chain/", "/office/evaluation/chain/tasks/?tab=assigned")
    before = [count(url, people["mayor"]) for url in pages]
    for to in ("shan_head", "city_director", "cao_section", "unit"):
        task = _assign(posts, people, "mayor", to, indicator="", target=None, title=f"任务{to}")
        chain.task_report(task=task, percent=10, note="已启动", actor=people[to], at=later(1))
    assert [count(url, people["mayor"]) for url in pages] == before
