"""The procurement journey in Chromium: intention → (30 days) → notice → three sealed bids →
an early read refused → opening at the deadline → evaluation with the SME deduction → award →
the public sees the result and the open-data record."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from conftest import PASSWORD, make_code, make_user
from zhengcai.accounts.models import User
from zhengcai.core import clock
from zhengcai.core.permissions import Role
from zhengcai.organizations.models import EnterpriseSize, OrganizationKind
from zhengcai.organizations.services import organization_create
from zhengcai.procurement.bidding import BidError, bid_read
from zhengcai.procurement.models import Bid, Project

from .conftest import login, logout, screenshot, zh


def _suppliers(heze: dict[str, Any]) -> list[User]:
    users = []
    for i, size in enumerate([EnterpriseSize.LARGE, EnterpriseSize.SMALL, EnterpriseSize.MEDIUM]):
        org = organization_create(
            kind=OrganizationKind.SUPPLIER,
            name=f"菏泽旅程投标人{i}有限公司",
            region=heze["city"],
            credit_code=make_code(),
            size=size,
            actor="t",
            at=clock.now(),
        )
        users.append(make_user(Role.SUPPLIER_STAFF, org, username=f"bidder{i}"))
    return users


def _act(page: Page, live_server: LiveServer, number: str, button: str) -> None:
    page.goto(f"{live_server.url}/office/projects/{number}/")
    page.get_by_role("button", name=button).click()
    expect(page.locator(".messages")).to_be_visible()


@pytest.mark.usefixtures("calendar_2027")
def test_procurement_journey(
    page: Page, live_server: LiveServer, heze: dict[str, Any], role_users: dict[Role, User]
) -> None:
    bidders = _suppliers(heze)
    purchaser, agency = role_users[Role.PURCHASER_STAFF], role_users[Role.AGENCY_STAFF]

    # The purchaser publishes the intention.
    login(page, live_server, purchaser.username, PASSWORD)
    page.get_by_role("link", name=zh("New procurement intention")).first.click()
    page.locator("#id_purchaser").select_option(label=heze["budget_unit"].name)
    page.locator("#id_title").fill("菏泽市实验小学课桌椅采购")
    page.locator("#id_demand_summary").fill("学生课桌椅 800 套，符合 GB/T 3976-2014")
    page.locator("#id_budget_yuan").fill("960000")
    page.locator("#id_expected_month").fill("2027-01")
    page.get_by_role("button", name=zh("Publish"), exact=True).click()
    expect(page.locator(".messages")).to_contain_text(zh("Intention published."))

    with clock.travel(dt.timedelta(days=31)):  # D-INTENT-30D
        page.goto(f"{live_server.url}/office/projects/new/")
        page.locator("#id_intention").select_option(index=1)
        page.locator("#id_title").fill("菏泽市实验小学课桌椅采购项目")
        page.locator("#id_method").select_option("open_tender")
        page.locator("#id_category").select_option("A")
        page.locator("#id_catalogue_code").fill("A05010000")
        page.locator("#id_budget_yuan").fill("960000")
        page.locator("#id_max_price_yuan").fill("950000")
        page.locator("#id_agency").select_option(label=heze["agency"].name)
        page.locator("#id_sme_deduction_percent").fill("10")
        page.get_by_role("button", name=zh("Create the project")).click()
        project = Project.objects.get(title="菏泽市实验小学课桌椅采购项目")
        logout(page, live_server)

        # The agency publishes the notice; a too-short period is refused with the earliest date.
        login(page, live_server, agency.username, PASSWORD)
        page.goto(f"{live_server.url}/office/projects/{project.number}/")
        today = clock.today()
        page.locator("#id_docs_from").fill(today.isoformat())
        page.locator("#id_docs_until").fill((today + dt.timedelta(days=9)).isoformat())
        page.locator("#id_deadline").fill(f"{today + dt.timedelta(days=10)}T09:30")
        page.locator("#id_notice_text").fill("欢迎符合资格条件的供应商参加投标。")
        page.get_by_role("button", name=zh("Publish the notice")).click()
        expect(page.locator("[data-field='deadline']")).to_contain_text("M-OPEN-20D")
        screenshot(page, "tender-period-too-short")
        page.locator("#id_deadline").fill(f"{today + dt.timedelta(days=21)}T09:30")
        page.get_by_role("button", name=zh("Publish the notice")).click()
        expect(page.locator("[data-testid=project-status]")).to_have_text(zh("Open for bids"))
        logout(page, live_server)

        # Three suppliers bid; each gets a signed receipt.
        for user, price in zip(bidders, ["900000", "940000", "910000"], strict=True):
            login(page, live_server, user.username, PASSWORD)
            page.goto(f"{live_server.url}/projects/{project.number}/bid/")
            page.locator("#id_price_yuan").fill(price)
            page.locator("#id_technical_response").fill("全部满足技术参数")
            page.get_by_role("button", name=zh("Seal and submit")).click()
            expect(page.locator("[data-testid=bid-receipt]")).to_be_visible()
            logout(page, live_server)
        screenshot(page, "after-bidding")

        # Before the deadline nobody can read a bid: not the bureau, not the purchaser.
        bid = Bid.objects.filter(tender__project=project).first()
        assert bid is not None
        with pytest.raises(Exception) as exc:  # noqa: PT011 - checked below
            bid_read(bid=bid, actor=role_users[Role.BUREAU_ADMIN], at=clock.now())
        assert getattr(exc.value, "code", None) == BidError.SEALED
        page.goto(f"{live_server.url}/projects/{project.number}/")
        expect(page.locator("#opening ~ .empty, section[aria-labelledby=opening] .empty")).to_be_visible()

    with clock.travel(dt.timedelta(days=31 + 22)):  # past the deadline
        login(page, live_server, agency.username, PASSWORD)
        _act(page, live_server, project.number, zh("Open the bids"))
        _act(page, live_server, project.number, zh("Evaluate (lowest evaluated price)"))
        logout(page, live_server)
        login(page, live_server, purchaser.username, PASSWORD)
        _act(page, live_server, project.number, zh("Confirm the first-ranked bidder"))
        _act(page, live_server, project.number, zh("Publish the result notice"))
        logout(page, live_server)

        # The public sees the award with the SME deduction applied, and the notice.
        page.goto(f"{live_server.url}/projects/{project.number}/")
        opening = page.locator("section[aria-labelledby=opening]")
        expect(opening).to_contain_text("菏泽旅程投标人1有限公司")
        expect(opening).to_contain_text("¥846,000.00")
        screenshot(page, "project-awarded")
        page.get_by_role("link", name="菏泽市实验小学课桌椅采购项目中标（成交）结果公告").click()
        expect(page.locator("article.notice")).to_contain_text("菏泽旅程投标人1有限公司")
        response = page.request.get(f"{live_server.url}/api/ocds/records/ocds-zc0000-{project.number}")
        assert response.status == 200  # the open-data record of the same project, without login
        record = response.json()["records"][0]["compiledRelease"]
        assert record["awards"][0]["suppliers"][0]["name"] == "菏泽旅程投标人1有限公司"
        assert record["tender"]["procurementMethodDetails"] == "公开招标"
