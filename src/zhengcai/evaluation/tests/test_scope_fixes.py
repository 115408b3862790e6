"""Scope and security fixes of the evaluation app: city-wide settings, job visibility, task visibility in the
chain, holder terms by date, who may hold a post, flag review scope, manage buttons, report gating and input
checks (review findings 1–9)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from conftest import AT, make_user
from zhengcai.core.errors import ServiceError, ServiceErrorGroup
from zhengcai.core.permissions import P, Role
from zhengcai.evaluation import catalogue, chain, jobs, periods, reports, selectors
from zhengcai.evaluation import chain_selectors as cs
from zhengcai.evaluation.errors import ChainError, IndicatorError
from zhengcai.evaluation.models import ComputeJob, IndicatorTarget, JobKind, RedFlag, Task
from zhengcai.organizations.models import OrganizationKind
from zhengcai.organizations.services import organization_create

DAY = AT.date()


def login(user: Any, language: str = "zh-hans") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


@pytest.fixture
def admins(heze: dict[str, Any]) -> dict[str, Any]:
    return {
        "city": make_user(Role.BUREAU_ADMIN, heze["city_bureau"], username="fx_city_admin"),
        "cao": make_user(Role.BUREAU_ADMIN, heze["cao_bureau"], username="fx_cao_admin"),
        "cao_viewer": make_user(Role.BUREAU_REVIEWER, heze["cao_dept"], username="fx_cao_rev"),
        "city_viewer": make_user(Role.BUREAU_REVIEWER, heze["city_dept"], username="fx_city_rev"),
    }


# --- 1. city-wide settings need a city-wide manage scope --------------------------------------------------------
def test_city_wide_helper(admins: dict[str, Any]) -> None:
    assert selectors.city_wide(admins["city"], P.EVALUATION_MANAGE)
    assert not selectors.city_wide(admins["cao"], P.EVALUATION_MANAGE)
    assert not selectors.city_wide(admins["cao_viewer"], P.EVALUATION_VIEW)


def test_county_admin_cannot_change_city_wide_settings(admins: dict[str, Any]) -> None:
    from zhengcai.evaluation import compute

    compute.period_ensure("2026-01")
    county = login(admins["cao"])
    forbidden = [
        county.get("/office/evaluation/flags/settings/"),
        county.post("/office/evaluation/flags/settings/", {"code": "single_bid"}),
        county.post("/office/evaluation/flags/scan/"),
        county.post(
            f"/office/evaluation/indicators/{catalogue.INDICATORS[0].code}/target/", {"year": "2026", "target": "50"}
        ),
        county.post("/office/evaluation/periods/2026-01/close/"),
        county.post("/office/evaluation/periods/2026-01/reopen/", {"reason": "x"}),
        county.post("/office/evaluation/periods/recompute/", {"period": "2026"}),
        county.post("/office/evaluation/reports/new/", {"period": "2026"}),
        county.post(
            "/api/v1/evaluation/jobs", {"year": 2026}, content_type="application/json", HTTP_IDEMPOTENCY_KEY="fx1"
        ),
    ]
    assert [r.status_code for r in forbidden] == [403] * len(forbidden)
    assert not ComputeJob.objects.exists()
    assert not IndicatorTarget.objects.exists()
    # the buttons are hidden from the county admin
    page = county.get("/office/evaluation/flags/").content.decode()
    assert 'data-testid="scan"' not in page
    assert "/office/evaluation/flags/settings/" not in page
    indicators = county.get("/office/evaluation/indicators/").content.decode()
    assert "/target/" not in indicators
    periods_page = county.get("/office/evaluation/periods/").content.decode()
    assert "/office/evaluation/periods/recompute/" not in periods_page
    # the city admin still may
    city = login(admins["city"])
    assert city.get("/office/evaluation/flags/settings/").status_code == 200
    assert city.post("/office/evaluation/periods/recompute/", {"period": "2026"}).status_code == 302
    assert ComputeJob.objects.count() == 1
    assert "/office/evaluation/periods/recompute/" in city.get("/office/evaluation/periods/").content.decode()


# --- 2. jobs: city-wide viewers or the requester only ----------------------------------------------------------
def test_job_visible_to_city_viewers_and_creator_only(admins: dict[str, Any]) -> None:
    job = jobs.job_request(kind=JobKind.SNAPSHOT, params={"year": 2026}, actor=admins["city"], at=AT)
    assert login(admins["cao_viewer"]).get(f"/office/evaluation/jobs/{job.pk}/").status_code == 404
    assert login(admins["cao_viewer"]).get(f"/api/v1/evaluation/jobs/{job.pk}").status_code == 404
    assert login(admins["city_viewer"]).get(f"/office/evaluation/jobs/{job.pk}/").status_code == 200
    assert login(admins["city_viewer"]).get(f"/api/v1/evaluation/jobs/{job.pk}").status_code == 200
    assert login(admins["city"]).get(f"/api/v1/evaluation/jobs/{job.pk}").json()["id"] == job.pk
    own = jobs.job_request(kind=JobKind.SNAPSHOT, params={"year": 2025}, actor=admins["cao"], at=AT)
    assert selectors.job_visible(admins["cao"], own)
    assert not selectors.job_visible(admins["cao_viewer"], own)
    periods_page = login(admins["cao_viewer"]).get("/office/evaluation/periods/").content.decode()
    assert f"/office/evaluation/jobs/{job.pk}/" not in periods_page


# --- chain fixtures -------------------------------------------------------------------------------------------
@pytest.fixture
def chain_people(heze: dict[str, Any], admins: dict[str, Any]) -> dict[str, Any]:
    cao_gov = organization_create(
        kind=OrganizationKind.GOVERNMENT, name="曹县人民政府", region=heze["cao"], actor="test", at=AT
    )
    people = {
        "mayor": make_user(Role.GOVERNMENT_LEADER, heze["city_government"], username="fx_mayor"),
        "cao_head": make_user(Role.GOVERNMENT_LEADER, cao_gov, username="fx_caohead"),
        "cao_director": make_user(Role.BUREAU_LEADER, heze["cao_bureau"], username="fx_caodir"),
        "cao_director2": make_user(Role.BUREAU_LEADER, heze["cao_bureau"], username="fx_caodir2"),
        "cao_section": make_user(Role.BUREAU_REVIEWER, heze["cao_dept"], username="fx_caosec"),
    }
    admin = admins["city"]
    posts: dict[str, Any] = {}

    def make(key: str, title: str, level: str, region: Any, parent: Any) -> None:
        p = chain.position_create(title=title, level=level, region=region, parent=parent, actor=admin, at=AT)
        chain.holder_appoint(position=p, name=f"{title}本人", user=people[key], start_on=DAY, actor=admin, at=AT)
        posts[key] = p

    make("mayor", "菏泽市市长", "mayor", heze["city"], None)
    make("cao_head", "曹县县长", "county_head", heze["cao"], posts["mayor"])
    make("cao_director", "曹县财政局局长", "bureau_director", heze["cao"], posts["cao_head"])
    make("cao_section", "曹县政府采购管理股股长", "section_head", heze["cao"], posts["cao_director"])
    return {"people": people, "posts": posts, "admin": admin}


def _assign(c: dict[str, Any], by: str, to: str, title: str) -> Task:
    return chain.task_assign(
        assigned_by=c["posts"][by],
        position=c["posts"][to],
        title=title,
        description="",
        due_on=DAY + dt.timedelta(days=30),
        actor=c["people"][by],
        at=AT,
    )


# --- 3. task details only to those task_get lets see them ------------------------------------------------------
def test_position_page_and_tree_hide_tasks_the_viewer_may_not_see(
    chain_people: dict[str, Any], admins: dict[str, Any]
) -> None:
    c = chain_people
    task = _assign(c, "cao_director", "cao_section", "机密整改任务甲")
    chain.task_report(task=task, percent=20, note="进展说明乙", actor=c["people"]["cao_section"], at=AT)
    section = c["posts"]["cao_section"]
    # a county reviewer holding no post sees the post but not its tasks
    outsider = admins["cao_viewer"]
    assert list(cs.position_tasks(position=section, user=outsider)) == []
    page = login(outsider).get(f"/office/evaluation/chain/positions/{section.pk}/").content.decode()
    assert "机密整改任务甲" not in page
    tree = login(outsider).get("/office/evaluation/chain/").content.decode()
    assert "机密整改任务甲" not in tree
    rows = {r.position.pk: r for r in cs.chain_tree(user=outsider, today=DAY)}
    assert rows[section.pk].latest is None
    assert rows[section.pk].open == 1  # counts may stay
    # the holder above sees it
    head = c["people"]["cao_head"]
    assert [t.pk for t in cs.position_tasks(position=section, user=head)] == [task.pk]
    assert "机密整改任务甲" in login(head).get(f"/office/evaluation/chain/positions/{section.pk}/").content.decode()
    assert {r.position.pk: r for r in cs.chain_tree(user=head, today=DAY)}[section.pk].latest is not None


# --- 4. terms by date ------------------------------------------------------------------------------------------
def test_future_successor_keeps_current_holder_until_day_before(chain_people: dict[str, Any]) -> None:
    c = chain_people
    post, old, new = c["posts"]["cao_director"], c["people"]["cao_director"], c["people"]["cao_director2"]
    start = DAY + dt.timedelta(days=10)
    chain.holder_appoint(position=post, name="新局长", user=new, start_on=start, actor=c["admin"], at=AT)
    before = start - dt.timedelta(days=1)
    assert chain.holds(old, post, on=DAY)
    assert chain.holds(old, post, on=before)
    assert not chain.holds(old, post, on=start)
    assert not chain.holds(new, post, on=DAY)
    assert chain.holds(new, post, on=start)
    assert post.pk in cs.held_position_ids(user=old, on=before)
    assert post.pk not in cs.held_position_ids(user=new, on=before)
    assert cs.held_position_ids(user=new, on=start) == {post.pk}
    holder = chain.current_holder(post, on=DAY)
    assert holder is not None
    assert holder.user == old
    # the old director can still assign on DAY; the successor cannot yet
    _assign(c, "cao_director", "cao_section", "任期内布置")
    with pytest.raises(ServiceError) as caught:
        chain.task_assign(
            assigned_by=post,
            position=c["posts"]["cao_section"],
            title="未到任布置",
            description="",
            due_on=DAY + dt.timedelta(days=30),
            actor=new,
            at=AT,
        )
    assert caught.value.code == ChainError.NOT_HOLDER


# --- 5. who may hold a post ------------------------------------------------------------------------------------
def test_holder_must_have_a_task_role_reaching_the_post(chain_people: dict[str, Any], heze: dict[str, Any]) -> None:
    c = chain_people
    post = c["posts"]["cao_section"]
    supplier_user = make_user(Role.SUPPLIER_STAFF, heze["supplier"], username="fx_seller")
    shan_reviewer = make_user(Role.BUREAU_REVIEWER, heze["shan_dept"], username="fx_shan_rev")
    for user in (supplier_user, shan_reviewer):
        with pytest.raises((ServiceError, ServiceErrorGroup)) as caught:
            chain.holder_appoint(
                position=post,
                name="某人",
                username=user.username,
                start_on=DAY + dt.timedelta(days=3),
                actor=c["admin"],
                at=AT,
            )
        errors = caught.value.errors if isinstance(caught.value, ServiceErrorGroup) else [caught.value]
        assert [(e.code, e.field) for e in errors] == [(ChainError.HOLDER, "username")]
        assert "曹县" in errors[0].message_zh
        assert "cannot hold" in errors[0].message_en
    with pytest.raises((ServiceError, ServiceErrorGroup)):
        chain.holder_appoint(
            position=post,
            name="无此人",
            username="fx_nobody",
            start_on=DAY + dt.timedelta(days=3),
            actor=c["admin"],
            at=AT,
        )
    ok = make_user(Role.BUREAU_REVIEWER, heze["cao_dept"], username="fx_cao_rev2")
    holder = chain.holder_appoint(
        position=post,
        name="新股长",
        username=ok.username,
        start_on=DAY + dt.timedelta(days=3),
        actor=c["admin"],
        at=AT,
    )
    assert holder.user == ok
    # the view shows the error on the field
    response = login(c["admin"]).post(
        f"/office/evaluation/chain/admin/{post.pk}/appoint/",
        {"name": "某人", "username": supplier_user.username, "start_on": (DAY + dt.timedelta(days=9)).isoformat()},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["username"]


# --- 6. flag review in the manage scope ------------------------------------------------------------------------
def test_flag_review_loads_flag_in_manage_scope(heze: dict[str, Any], admins: dict[str, Any]) -> None:
    from zhengcai.procurement.rules import Category, Method
    from zhengcai.procurement.services import ProjectInput, intention_create, intention_publish, project_create

    staff = make_user(Role.PURCHASER_STAFF, heze["budget_unit"], username="fx_buyer")
    intention = intention_publish(
        intention=intention_create(
            purchaser=heze["budget_unit"],
            title="设备采购",
            demand_summary="设备",
            budget_fen=100_0000_00,
            expected_month=dt.date(2026, 4, 15),
            actor=staff,
            at=AT,
        ),
        actor=staff,
        at=AT,
    )
    project = project_create(
        data=ProjectInput(
            title="设备采购",
            purchaser=heze["budget_unit"],
            agency=heze["agency"],
            intention=intention,
            method=Method.OPEN_TENDER,
            category=Category.GOODS,
            catalogue_code="A02010104",
            budget_fen=100_0000_00,
            max_price_fen=95_0000_00,
            bid_security_fen=1_0000_00,
            sme_deduction_percent=Decimal(10),
        ),
        actor=staff,
        at=AT,
    )
    flag = RedFlag.objects.create(
        code="single_bid",
        project=project,
        purchaser=heze["budget_unit"],
        region=heze["city"],
        occurred_on=DAY,
        evidence={},
        params={},
        detected_at=AT,
    )
    # a county admin holds RED_FLAG_VIEW only in the county: the city flag is outside its manage scope
    county = login(admins["cao"])
    assert (
        county.post(f"/office/evaluation/flags/{flag.pk}/review/", {"status": "dismissed", "note": "x"}).status_code
        == 404
    )
    flag.refresh_from_db()
    assert flag.review_note == ""
    from zhengcai.evaluation import flag_selectors

    with pytest.raises(RedFlag.DoesNotExist):
        flag_selectors.red_flag_get(user=admins["cao"], pk=flag.pk, perm=P.EVALUATION_MANAGE)


# --- 7. manage buttons per position ----------------------------------------------------------------------------
def test_manage_buttons_only_where_manage_scope_reaches(chain_people: dict[str, Any], heze: dict[str, Any]) -> None:
    mayor_post = chain_people["posts"]["mayor"]
    cao_post = chain_people["posts"]["cao_section"]
    from zhengcai.accounts.services import membership_create

    # a county admin who also reviews city-wide: sees every post, manages only the county's
    both = make_user(Role.BUREAU_ADMIN, heze["cao_bureau"], username="fx_both")
    membership_create(user=both, organization=heze["city_dept"], role=Role.BUREAU_REVIEWER, actor="test", at=AT)
    county = login(both)
    mayor_page = county.get(f"/office/evaluation/chain/positions/{mayor_post.pk}/")
    assert mayor_page.status_code == 200
    assert mayor_page.context["can_manage"] is False
    assert f"/office/evaluation/chain/admin/{mayor_post.pk}/appoint/" not in mayor_page.content.decode()
    assert county.get(f"/office/evaluation/chain/positions/{cao_post.pk}/").context["can_manage"] is True


# --- 8. reports: RED_FLAG_VIEW too, module figures city-wide --------------------------------------------------
def test_report_pages_need_red_flag_view(heze: dict[str, Any], admins: dict[str, Any]) -> None:
    from unittest import mock

    viewer = admins["city_viewer"]
    assert login(viewer).get("/office/evaluation/reports/").status_code == 200
    with mock.patch("zhengcai.evaluation.views_dashboards.user_has_perm", return_value=False):
        assert login(viewer).get("/office/evaluation/reports/").status_code == 404
        assert login(viewer).get("/office/evaluation/reports/1/pdf/").status_code == 404


def test_report_module_figures_are_city_wide(heze: dict[str, Any]) -> None:
    from zhengcai.accounts.selectors import city_reader, user_scope

    principal = city_reader()
    assert principal is not None
    assert principal.pk is None
    assert str(principal).startswith("read-only: ")
    for perm in (P.TRAINING_VIEW, P.PUBLICITY_VIEW, P.PROCUREMENT_VIEW_ALL, P.FINANCING_VIEW_ALL):
        assert user_scope(user=principal, perm=perm).everything
    seen: list[Any] = []

    def spy(*, user: Any, **kwargs: Any) -> list[Any]:
        seen.append(user)
        return []

    from unittest import mock

    from zhengcai.evaluation import compute

    period = compute.period_ensure("2026")
    county = make_user(Role.BUREAU_ADMIN, heze["cao_bureau"], username="fx_cao_report")
    with mock.patch.object(reports, "module_figures", spy):
        reports.report_data(period=period, user=county, at=AT)
    assert len(seen) == 1
    assert seen[0] is not county
    assert user_scope(user=seen[0], perm=P.PROCUREMENT_VIEW_ALL).everything


# --- 9. input checks -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("raw", ["1.005", "1" + "0" * 18, "abc", "NaN"])
def test_target_checked_not_rounded(heze: dict[str, Any], admins: dict[str, Any], raw: str) -> None:
    with pytest.raises(ServiceError) as caught:
        periods.target_set(code=catalogue.INDICATORS[0].code, year=2026, target=raw, actor=admins["city"], at=AT)
    assert (caught.value.code, caught.value.field) == (IndicatorError.TARGET, "target")
    assert caught.value.message_zh != caught.value.message_en
    assert not IndicatorTarget.objects.exists()


def test_progress_value_checked_not_rounded(chain_people: dict[str, Any]) -> None:
    c = chain_people
    task = _assign(c, "cao_director", "cao_section", "数值任务")
    for raw in (Decimal("1.005"), Decimal("1" + "0" * 18)):
        with pytest.raises((ServiceError, ServiceErrorGroup)) as caught:
            chain.task_report(task=task, percent=10, note="说明", value=raw, actor=c["people"]["cao_section"], at=AT)
        errors = caught.value.errors if isinstance(caught.value, ServiceErrorGroup) else [caught.value]
        assert [(e.code, e.field) for e in errors] == [(ChainError.VALUE, "value")]
    report = chain.task_report(
        task=task, percent=10, note="说明", value=Decimal("12.50"), actor=c["people"]["cao_section"], at=AT
    )
    assert report.value == Decimal("12.50")


def test_recompute_year_range_and_report_error_bilingual(heze: dict[str, Any], admins: dict[str, Any]) -> None:
    city = login(admins["city"])
    with translation.override("zh-hans"):
        response = city.post("/office/evaluation/periods/recompute/", {"period": "1999"}, follow=True)
    text = [str(m) for m in response.context["messages"]]
    assert not ComputeJob.objects.exists()
    assert any("2000" in t and "/" in t and "year" in t.lower() for t in text), text
    response = city.post("/office/evaluation/reports/new/", {"period": "2031"}, follow=True)
    text = [str(m) for m in response.context["messages"]]
    assert len(text) == 1, text
    assert " / " in text[0]
    assert not ComputeJob.objects.filter(kind=JobKind.REPORT).exists()
