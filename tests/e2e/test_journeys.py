"""Journeys through the portal and the back office in a real browser (Chromium, zh-CN locale)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.utils import translation
from playwright.sync_api import Browser, Page, Response, expect
from pytest_django.live_server_helper import LiveServer

from conftest import PASSWORD, make_code, register_pending
from zhengcai.accounts.models import User
from zhengcai.core.errors import bilingual
from zhengcai.core.models import AuditEvent
from zhengcai.core.permissions import Role
from zhengcai.organizations.errors import credit_code_error
from zhengcai.organizations.models import Organization, OrganizationKind, OrganizationStatus
from zhengcai.organizations.rules import ALPHABET, credit_code_problem

from .conftest import CJK, login, logout, screenshot, zh, zh_translations_compiled

# What each role's back-office home shows first (the panel headings of accounts/home.html).
ROLE_PANELS: dict[Role, list[str]] = {
    Role.BUREAU_ADMIN: ["Supplier registrations to review", "Latest recorded changes"],
    Role.BUREAU_REVIEWER: ["Supplier registrations to review"],
    Role.PUBLICITY_EDITOR: ["Publicity work"],
    Role.PUBLICITY_REVIEWER: ["Publicity work"],
    Role.BUREAU_LEADER: ["Publicity work"],
    Role.PURCHASER_STAFF: ["Procurement projects"],
    Role.AGENCY_STAFF: ["Procurement projects"],
    Role.SUPPLIER_STAFF: ["Registration status"],
    Role.BANK_OFFICER: ["API tokens of your institution"],
    Role.GUARANTOR_OFFICER: ["API tokens of your institution"],
    Role.EVALUATION_EXPERT: ["Evaluation assignments"],
    Role.AUDITOR: ["Latest recorded changes"],
    Role.GOVERNMENT_LEADER: ["Business-environment evaluation"],
}


def assert_chinese(text: str) -> None:
    """Once the zh_Hans catalogue is compiled, the Chinese interface must really be Chinese."""
    if zh_translations_compiled():
        assert CJK.search(text), f"no Chinese translation for {text!r}"


def fill_registration(page: Page, *, name: str, credit_code: str, username: str, region_name: str) -> None:
    page.locator("#id_name").fill(name)
    page.locator("#id_credit_code").fill(credit_code)
    page.locator("#id_region").select_option(label=region_name)
    page.locator("#id_size").select_option("small")
    page.locator("#id_business_scope").fill("办公设备、计算机及耗材的销售与维修")
    page.locator("#id_address").fill("山东省菏泽市牡丹区中华路100号")
    page.locator("#id_contact_name").fill("张伟")
    page.locator("#id_contact_phone").fill("0530-5551234")
    page.locator("#id_contact_email").fill(f"{username}@example.invalid")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)


def submit_registration(page: Page) -> None:
    page.get_by_role("button", name=zh("Submit registration")).click()


@pytest.mark.parametrize("role", list(Role), ids=[r.value for r in Role])
def test_each_role_logs_in_and_sees_its_home(
    page: Page, live_server: LiveServer, role_users: dict[Role, User], role: Role
) -> None:
    with translation.override("zh-hans"):
        role_label = str(role.label)
    heading = zh("Back office")
    assert_chinese(role_label)
    assert_chinese(heading)

    login(page, live_server, role_users[role].username, PASSWORD)

    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.locator(".userbar strong")).to_have_text(role_label)
    h1 = page.get_by_role("heading", level=1)
    expect(h1).to_contain_text(heading)
    expect(h1).to_contain_text(role_label)
    for panel in ROLE_PANELS[role]:
        expect(page.get_by_role("heading", level=2, name=zh(panel))).to_be_visible()
    review_panel = page.get_by_role("heading", level=2, name=zh("Supplier registrations to review"))
    if "Supplier registrations to review" not in ROLE_PANELS[role]:
        expect(review_panel).to_have_count(0)
    if role is Role.BUREAU_ADMIN:
        screenshot(page, "back-office-bureau-admin")


def test_switch_language_to_english_and_back(page: Page, live_server: LiveServer, heze: dict[str, Any]) -> None:
    page.goto(f"{live_server.url}/")
    html = page.locator("html")
    h1 = page.get_by_role("heading", level=1)
    expect(html).to_have_attribute("lang", "zh-CN")
    expect(h1).to_have_text(zh("Heze Government Procurement Platform"))

    # By value: the option's text is the language's name in the current language (see below).
    page.get_by_label(zh("Language")).select_option("en")

    expect(html).to_have_attribute("lang", "en")
    expect(page).to_have_url(f"{live_server.url}/")
    expect(h1).to_have_text("Heze Government Procurement Platform")
    expect(page.get_by_role("heading", level=2, name="Regions")).to_be_visible()
    expect(page.get_by_role("link", name="Supplier registration")).to_be_visible()
    expect(page.get_by_label("Language")).to_have_value("en")

    page.get_by_label("Language").select_option(label="简体中文")

    expect(html).to_have_attribute("lang", "zh-CN")
    expect(h1).to_have_text(zh("Heze Government Procurement Platform"))
    expect(page.get_by_label(zh("Language"))).to_have_value("zh-hans")
    assert_chinese(zh("Heze Government Procurement Platform"))


def test_language_menu_names_each_language_in_itself(page: Page, live_server: LiveServer) -> None:
    page.goto(f"{live_server.url}/")
    expect(page.locator("#lang-select option")).to_have_text(["简体中文", "English"], timeout=2_000)


def test_supplier_registration_with_bad_credit_code_shows_bilingual_error(
    page: Page, live_server: LiveServer, heze: dict[str, Any]
) -> None:
    valid = make_code()
    wrong_check = next(ch for ch in ALPHABET if ch != valid[-1])
    bad = valid[:-1] + wrong_check
    problem = credit_code_problem(bad)
    assert problem is not None
    assert problem.rule == "check"
    name = "菏泽错码测试商贸有限公司"
    with translation.override("zh-hans"):
        expected_error = bilingual(credit_code_error("credit_code", problem))
    english = credit_code_error("credit_code", problem).message_en

    page.goto(f"{live_server.url}/register/supplier/")
    fill_registration(page, name=name, credit_code=bad, username="bad_code_supplier", region_name="菏泽市")
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        submit_registration(page)
    assert posted.value.status == 400

    error = page.locator("p.error[data-field='credit_code']")
    expect(error).to_have_text(expected_error)
    expect(error).to_contain_text("GB 32100-2015")
    expect(error).to_contain_text(english)
    text = error.inner_text()
    assert " / " in text
    assert_chinese(text.split(" / ", 1)[0])
    expect(page.locator("p.error")).to_have_count(1)  # only the credit code is wrong

    # Nothing the supplier typed is lost (except the passwords, which Django never echoes back).
    expect(page.locator("#id_name")).to_have_value(name)
    expect(page.locator("#id_credit_code")).to_have_value(bad)
    expect(page.locator("#id_region")).to_have_value(str(heze["city"].pk))
    expect(page.locator("#id_size")).to_have_value("small")
    expect(page.locator("#id_business_scope")).to_have_value("办公设备、计算机及耗材的销售与维修")
    expect(page.locator("#id_address")).to_have_value("山东省菏泽市牡丹区中华路100号")
    expect(page.locator("#id_contact_name")).to_have_value("张伟")
    expect(page.locator("#id_contact_phone")).to_have_value("0530-5551234")
    expect(page.locator("#id_contact_email")).to_have_value("bad_code_supplier@example.invalid")
    expect(page.locator("#id_username")).to_have_value("bad_code_supplier")
    screenshot(page, "registration-bad-credit-code")

    assert not Organization.objects.filter(name=name).exists()
    assert not User.objects.filter(username="bad_code_supplier").exists()


def test_bureau_approves_a_registered_supplier(
    page: Page, live_server: LiveServer, role_users: dict[Role, User]
) -> None:
    name = "菏泽审核流程测试科技有限公司"
    username = "journey_supplier"
    reviewer = role_users[Role.BUREAU_REVIEWER]

    # 1. The supplier registers through the public form.
    page.goto(f"{live_server.url}/register/supplier/")
    fill_registration(page, name=name, credit_code=make_code(), username=username, region_name="菏泽市")
    submit_registration(page)
    expect(page).to_have_url(f"{live_server.url}/office/login/")
    expect(page.locator(".msg-success")).to_have_text(
        zh("Registration received. The finance bureau will review it; log in to follow its status.")
    )
    supplier = Organization.objects.get(name=name)
    assert supplier.status == OrganizationStatus.PENDING

    # 2. The supplier logs in and sees the registration pending.
    login(page, live_server, username, PASSWORD)
    expect(page.locator(".status")).to_have_text(zh("Pending review"))
    assert_chinese(zh("Pending review"))
    logout(page, live_server)

    # 3. The bureau reviewer approves it from the review queue.
    login(page, live_server, reviewer.username, PASSWORD)
    panel = page.locator("section", has=page.get_by_role("heading", name=zh("Supplier registrations to review")))
    expect(panel.locator(".badge")).to_have_text("1")
    expect(panel.get_by_role("link", name=name)).to_be_visible()
    panel.get_by_role("link", name=zh("All registrations waiting for review")).click()
    expect(page).to_have_url(f"{live_server.url}/office/suppliers/")
    page.locator("main table").get_by_role("link", name=name).click()
    expect(page).to_have_url(f"{live_server.url}/office/suppliers/{supplier.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    expect(page.locator("main dl code")).to_have_text(supplier.credit_code or "")
    page.get_by_role("button", name=zh("Approve"), exact=True).click()

    expect(page).to_have_url(f"{live_server.url}/office/suppliers/")
    expect(page.locator(".msg-success")).to_have_text(zh("%(name)s approved.") % {"name": name})
    expect(page.get_by_role("link", name=name)).to_have_count(0)
    expect(page.locator("main .empty")).to_have_text(
        zh("Nothing to review. New supplier registrations in your region will appear here and you will be notified.")
    )

    supplier.refresh_from_db()
    assert supplier.status == "active"
    assert supplier.reviewed_at is not None
    approvals = AuditEvent.objects.filter(action="supplier.approve", object_id=str(supplier.pk))
    assert approvals.count() == 1
    assert approvals.get().actor_id == reviewer.pk
    logout(page, live_server)

    # 4. The supplier sees the approval.
    login(page, live_server, username, PASSWORD)
    expect(page.locator(".status")).to_have_text(zh("Active"))
    expect(page.locator(".status")).to_have_class(re.compile(r"\bstatus-active\b"))


def test_county_reviewer_cannot_open_another_countys_supplier(
    page: Page, live_server: LiveServer, heze: dict[str, Any], county_reviewer: User
) -> None:
    shan_supplier = register_pending(
        heze["shan"],
        "单县远航农机销售有限公司",
        "shan_supplier",
        business_scope="农业机械销售",
        address="山东省菏泽市单县北城大道1号",
        contact_name="李强",
        contact_phone="0530-4661234",
    )

    login(page, live_server, county_reviewer.username, PASSWORD)
    expect(page.locator(".userbar")).to_contain_text(heze["cao_dept"].name)
    expect(page.get_by_role("link", name=shan_supplier.name)).to_have_count(0)

    response = page.goto(f"{live_server.url}/office/suppliers/{shan_supplier.pk}/")
    assert response is not None
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text(zh("Page not found"))
    expect(page.get_by_text(shan_supplier.name)).to_have_count(0)

    # Posting the decision directly (with a valid CSRF token) is refused the same way.
    csrf = next(c["value"] for c in page.context.cookies() if c.get("name") == "csrftoken")
    decided = page.request.post(
        f"{live_server.url}/office/suppliers/{shan_supplier.pk}/decide/",
        form={"decision": "approve"},
        headers={"X-CSRFToken": csrf},
        max_redirects=0,
    )
    assert decided.status == 404
    shan_supplier.refresh_from_db()
    assert shan_supplier.status == OrganizationStatus.PENDING


def test_directory_filters_with_htmx(page: Page, live_server: LiveServer, heze: dict[str, Any]) -> None:
    page.goto(f"{live_server.url}/directory/")
    results = page.locator("#results")
    expect(results.get_by_role("link", name=heze["bank"].name)).to_be_visible()
    expect(results.get_by_role("link", name=heze["supplier"].name)).to_be_visible()
    assert page.evaluate("typeof window.htmx") == "object"
    page.evaluate("window.zcNotReloaded = true")

    with page.expect_request(lambda r: "kind=supplier" in r.url) as sent:
        page.get_by_label(zh("Kind")).select_option(OrganizationKind.SUPPLIER.value)
    assert sent.value.headers.get("hx-request") == "true"

    expect(page).to_have_url(re.compile(r"/directory/\?(.*&)?kind=supplier(&|$)"))
    expect(results.get_by_role("link", name=heze["bank"].name)).to_have_count(0)
    kinds = results.locator("tbody tr td:nth-child(2)")
    supplier_count = Organization.objects.filter(kind="supplier", status="active").count()
    expect(kinds).to_have_text([zh("Supplier")] * supplier_count)
    expect(results.get_by_role("link", name=heze["supplier"].name)).to_be_visible()
    assert page.evaluate("window.zcNotReloaded") is True  # swapped in place, not a page load


def test_home_is_usable_on_a_phone(browser: Browser, live_server: LiveServer, heze: dict[str, Any]) -> None:
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 390, "height": 844}, device_scale_factor=3, is_mobile=True, has_touch=True
    )
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/")
        expect(page.get_by_role("main")).to_be_visible()
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= 390 + 1, f"horizontal scroll: page is {scroll_width}px wide on a 390px phone"
        screenshot(page, "home-phone")
    finally:
        context.close()


def test_stylesheet_and_htmx_are_served(page: Page, live_server: LiveServer, heze: dict[str, Any]) -> None:
    statics: dict[str, int] = {}

    def record(response: Response) -> None:
        if "/static/" in response.url:
            statics[response.url.split("/static/", 1)[1]] = response.status

    page.on("response", record)
    page.goto(f"{live_server.url}/", wait_until="load")
    assert statics.get("zc/site.css") == 200, statics
    assert statics.get("vendor/htmx.min.js") == 200, statics
    font = page.evaluate("getComputedStyle(document.body).fontFamily")
    assert "Noto Sans CJK SC" in font  # the rule from site.css applies
    screenshot(page, "home")
