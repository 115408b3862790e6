"""The counterpart service desk, in Chromium: a supplier first names someone else's contract (refused, in both
languages, on the field), then files "security refund overdue" about its own tender; the request lands with
菏泽市教育局's paired department; time passes its first-response due time, the tick escalates it to the
section head, who finds it under "Escalated to me"; the handler answers and resolves it; the supplier rates
it; the on-time figures move; the public "problems solved" list shows it without any name."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from conftest import PASSWORD, make_user
from zhengcai.accounts.models import User
from zhengcai.core import clock
from zhengcai.core.permissions import Role
from zhengcai.procurement.tests import conftest as procurement_fixtures
from zhengcai.service import pairings, services
from zhengcai.service.models import Level, RequestStatus, ServiceRequest
from zhengcai.service.tick import service_tick

from .conftest import login, logout, screenshot, zh

# the procurement app's fixtures: a tender of 菏泽市教育局 with three bidders, awarded to the small one
_fresh_calendar = procurement_fixtures._fresh_calendar
intention = procurement_fixtures.intention
project = procurement_fixtures.project
tender = procurement_fixtures.tender
purchaser = procurement_fixtures.purchaser
bidders = procurement_fixtures.bidders
awarded = procurement_fixtures.awarded

SUBJECT = "投标保证金逾期未退还"


@pytest.fixture
def desk(
    heze: dict[str, Any], role_users: dict[Role, User], awarded: Any, purchaser: User, bidders: list[Any]
) -> dict[str, Any]:
    from zhengcai.procurement.lifecycle import contract_sign, result_publish

    now = clock.now()
    people = {
        "handler": make_user(Role.BUREAU_REVIEWER, heze["city_dept"], username="desk_handler"),
        "head": make_user(Role.BUREAU_REVIEWER, heze["city_dept"], username="desk_head"),
        "director": make_user(Role.BUREAU_LEADER, heze["city_bureau"], username="desk_director"),
    }
    admin = role_users[Role.BUREAU_ADMIN]
    pairings.department_pair(
        unit=heze["budget_unit"],
        department=heze["city_dept"],
        handler=people["handler"],
        section_head=people["head"],
        director=people["director"],
        valid_from=clock.today(),
        actor=admin,
        at=now,
    )
    # the winner's contract: someone else's for the losing bidder of the journey
    result_publish(award=awarded, actor=purchaser, at=procurement_fixtures.at(dt.date(2026, 4, 23)))
    contract = contract_sign(
        award=awarded, signed_on=dt.date(2026, 5, 6), actor=purchaser, at=procurement_fixtures.at(dt.date(2026, 5, 6))
    )
    # An earlier request of the purchaser, answered and resolved in time: the figures start at 100 %.
    earlier = services.request_submit(
        organization=heze["budget_unit"],
        data=services.RequestInput(
            category="policy_question", subject="采购意向公开时间", description="提前多少日公开？"
        ),
        actor=purchaser,
        at=now - dt.timedelta(hours=2),
    )
    services.request_resolve(
        request=earlier, resolution="采购活动开始前30日公开。", actor=people["handler"], at=now - dt.timedelta(hours=1)
    )
    loser, loser_user = bidders[0]
    return {**people, "contract": contract, "supplier": loser, "supplier_user": loser_user, "year": clock.today().year}


def _login(page: Page, live_server: LiveServer, user: User) -> None:
    login(page, live_server, user.username, PASSWORD)


def _rates(page: Page, live_server: LiveServer, year: int) -> tuple[str, str]:
    page.goto(f"{live_server.url}/office/service/figures/?year={year}")
    return (
        page.get_by_test_id("total-response_rate").inner_text(),
        page.get_by_test_id("total-resolution_rate").inner_text(),
    )


@pytest.mark.usefixtures("calendar_2027")
def test_security_refund_request_from_filing_to_escalation_resolution_rating_and_figures(
    page: Page, live_server: LiveServer, desk: dict[str, Any], tender: Any, heze: dict[str, Any]
) -> None:
    base = live_server.url
    number_of_tender = tender.project.number

    # The section head's figures before: one request, answered and resolved in time.
    _login(page, live_server, desk["head"])
    assert _rates(page, live_server, desk["year"]) == ("100.0%", "100.0%")
    logout(page, live_server)

    # 1. The supplier names someone else's contract: refused on the field, Chinese first, then English.
    _login(page, live_server, desk["supplier_user"])
    page.get_by_test_id("home-service-requests").click()
    page.get_by_role("link", name=zh("New request")).first.click()
    page.locator("#id_category").select_option("payment_delay")
    page.locator("#id_subject").fill("合同款逾期未付")
    page.locator("#id_description").fill("验收合格已超过30日，尚未收到合同款。")
    page.locator("#id_contract").fill(desk["contract"].project.number)
    page.get_by_role("button", name=zh("File the request")).click()
    error = page.locator("p.error[data-field='contract']")
    expect(error).to_contain_text("不是贵单位的合同")
    expect(error).to_contain_text("is not one of your organization's contracts")
    assert error.inner_text().index("不是贵单位的合同") < error.inner_text().index("is not one")
    screenshot(page, "service-refused-contract")
    assert ServiceRequest.objects.filter(organization=desk["supplier"]).count() == 0

    # 2. It files "security refund overdue" about its own tender; it lands with the paired department.
    page.locator("#id_category").select_option("security_refund")
    page.locator("#id_subject").fill(SUBJECT)
    page.locator("#id_description").fill("中标结果公告已发布超过5个工作日，投标保证金3万元仍未退还。")
    page.locator("#id_contract").fill("")
    page.locator("#id_tender").fill(number_of_tender)
    page.get_by_role("button", name=zh("File the request")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(SUBJECT)
    expect(page.get_by_test_id("department")).to_contain_text("菏泽市财政局政府采购管理科")
    expect(page.get_by_test_id("department")).to_contain_text("desk_handler")
    request = ServiceRequest.objects.get(organization=desk["supplier"])
    assert request.handler == desk["handler"]
    assert request.budget_unit == heze["budget_unit"]
    screenshot(page, "service-filed")
    logout(page, live_server)

    # 3. Time passes the first-response due time; the tick escalates it to the section head.
    with clock.travel(request.first_response_due + dt.timedelta(hours=10) - timezone.now()):
        assert service_tick(at=clock.now()).escalated == [request.number]
        request.refresh_from_db()
        assert request.level == Level.SECTION_HEAD
        _login(page, live_server, desk["head"])
        page.goto(f"{base}/office/service/desk/?tab=escalated")
        row = page.get_by_test_id("desk").locator("tr", has_text=request.number)
        expect(row).to_contain_text(zh("Section head"))
        expect(row).to_contain_text(zh("overdue"))
        screenshot(page, "service-escalated")
        row.get_by_role("link", name=request.number).click()
        expect(page.get_by_test_id("level")).to_have_text(zh("Section head"))
        expect(page.get_by_test_id("timeline")).to_contain_text("科室负责人")
        logout(page, live_server)

        # 4. The handler answers and resolves it (before the resolution is due).
        _login(page, live_server, desk["handler"])
        page.goto(f"{base}/office/service/desk/{request.pk}/")
        page.locator("#id_reply-body").fill("已联系采购人，财务将于今日退还投标保证金。")
        page.get_by_role("button", name=zh("Send the reply")).click()
        expect(page.get_by_test_id("status")).to_have_text(zh("In progress"))
        page.locator("#id_resolve-resolution").fill("投标保证金3万元已于今日退还至贵公司账户。")
        page.get_by_role("button", name=zh("Mark resolved")).click()
        expect(page.get_by_test_id("status")).to_have_text(zh("Resolved (can be rated or reopened)"))
        logout(page, live_server)

        # 5. The supplier rates the service; the request is closed.
        _login(page, live_server, desk["supplier_user"])
        page.goto(f"{base}/office/service/requests/{request.pk}/")
        expect(page.get_by_test_id("timeline")).to_contain_text("已联系采购人")
        expect(page.get_by_test_id("timeline")).not_to_contain_text("科室负责人")  # escalation events: bureau only
        page.locator("input[name='rate-rating'][value='5']").check()
        page.locator("#id_rate-comment").fill("处理及时，感谢！")
        page.get_by_role("button", name=zh("Rate"), exact=True).click()
        expect(page.get_by_test_id("status")).to_have_text(zh("Closed"))
        expect(page.get_by_test_id("rating")).to_contain_text("5/5")
        screenshot(page, "service-rated")
        logout(page, live_server)
        request.refresh_from_db()
        assert (request.status, request.rating, request.resolved_on_time) == (RequestStatus.CLOSED, 5, True)

        # 6. The figures moved: one of two first responses was late; both resolutions were in time.
        _login(page, live_server, desk["head"])
        assert _rates(page, live_server, desk["year"]) == ("50.0%", "100.0%")
        expect(page.get_by_test_id("table-category").locator("tr", has_text=zh("Security refund"))).to_contain_text(
            "5.00"
        )
        screenshot(page, "service-figures")
        logout(page, live_server)

    # 7. The public list of problems solved shows it, with no name.
    page.goto(f"{base}/service/solved/")
    expect(page.get_by_test_id("solved")).to_contain_text(zh("Security refund"))
    body = page.locator("main").inner_text()
    for name in (desk["supplier"].name, heze["budget_unit"].name, SUBJECT, "desk_handler"):
        assert name not in body
    assert re.search(r"\d{4}-\d{2}", body)
    screenshot(page, "service-solved-public")
