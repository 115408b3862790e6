"""Training, in Chromium: an agency registers two staff for an offline session (one on the form, one from the
Excel template after a malformed sheet is refused row by row); a third person finds the session full; the
trainee's page shows the signed QR code; at the door the organizer's phone page checks her in, refuses the same
code a second time, a forged one, and — after the session — the other person's expired code. Every refusal is
shown in Chinese and English."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.utils import timezone
from openpyxl import Workbook
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from conftest import PASSWORD, make_user
from zhengcai.core import clock
from zhengcai.core.permissions import Role
from zhengcai.training import checkin, services
from zhengcai.training.models import Audience, Registration, RegistrationStatus

from .conftest import login, logout, screenshot


def _sheet(rows: list[list[Any]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.worksheets[0]
    sheet.append(["姓名 Name", "手机号 Mobile", "职务 Job title"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _offline_session(heze: dict[str, Any], trainer: Any) -> Any:
    now = timezone.now()
    course = services.course_create(
        data=services.CourseInput(
            title="政府采购促进中小企业发展政策解读",
            mode="offline",
            audience=[Audience.PURCHASER, Audience.AGENCY],
            region=heze["city"],
            organizer=heze["city_bureau"],
        ),
        actor=trainer,
        at=now,
    )
    session = services.session_create(
        course=course,
        data=services.SessionInput(
            title="第一期",
            starts_at=now + dt.timedelta(hours=1),
            ends_at=now + dt.timedelta(hours=3),
            registration_closes_at=now + dt.timedelta(minutes=30),
            venue="菏泽市公共资源交易中心",
            room="三楼培训室",
            capacity=2,
        ),
        actor=trainer,
        at=now,
    )
    services.course_set_status(course=course, status="open", actor=trainer, at=now)
    return session


def test_agency_registers_two_staff_one_checks_in_and_reused_forged_expired_codes_are_refused(
    page: Page, browser: Browser, live_server: LiveServer, heze: dict[str, Any], tmp_path: Any
) -> None:
    trainer = make_user(Role.BUREAU_REVIEWER, heze["city_dept"], username="city_trainer")
    agency = make_user(Role.AGENCY_STAFF, heze["agency"], username="agency_contact")
    session = _offline_session(heze, trainer)

    # The agency registers 李娜 on the form.
    login(page, live_server, "agency_contact", PASSWORD)
    page.goto(f"{live_server.url}/office/training/sessions/")
    page.get_by_role("link", name="报名", exact=True).click()
    page.locator("#id_one-name").fill("李娜")
    page.locator("#id_one-phone").fill("139 0000 0001")
    page.locator("form:has(input[value=one]) button[type=submit]").click()
    expect(page.locator(".msg-success")).to_contain_text("李娜 报名成功")
    expect(page.get_by_test_id("places")).to_contain_text("剩余 1 / 2")

    # A malformed sheet: refused row by row in both languages, nothing registered.
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(_sheet([["", "13900000002"], ["王强", "1390000"]]))
    page.locator("#id_bulk-file").set_input_files(str(bad))
    page.locator("form:has(input[value=bulk]) button[type=submit]").click()
    errors = page.get_by_test_id("errors")
    expect(errors).to_contain_text("第 2 行，姓名：缺少姓名。")
    expect(errors).to_contain_text("Row 3, Mobile: 1390000 is not a mainland mobile number")
    screenshot(page, "training-bulk-refused")
    assert Registration.objects.count() == 1

    # The corrected sheet registers 王强.
    good = tmp_path / "good.xlsx"
    good.write_bytes(_sheet([["王强", "13900000002", "项目经理"]]))
    page.locator("#id_bulk-file").set_input_files(str(good))
    page.locator("form:has(input[value=bulk]) button[type=submit]").click()
    expect(page.locator(".msg-success")).to_contain_text("已按表格报名 1 人")
    expect(page.get_by_test_id("org-registration")).to_have_count(2)

    # A third person: the session is full.
    page.locator("#id_one-name").fill("赵敏")
    page.locator("#id_one-phone").fill("13900000003")
    page.locator("form:has(input[value=one]) button[type=submit]").click()
    full = page.locator("form:has(input[value=one]) .error-summary")
    expect(full).to_contain_text("本期名额已满：2 个名额均已报满。")
    expect(full).to_contain_text("This session is full: all 2 places are taken.")

    # 李娜's page shows her signed code as a QR.
    page.get_by_role("link", name="李娜").click()
    expect(page.get_by_test_id("checkin-qr")).to_be_visible()
    screenshot(page, "training-registration-qr")
    lina = Registration.objects.get(participant__name="李娜")
    wang = Registration.objects.get(participant__name="王强")
    assert lina.status == wang.status == RegistrationStatus.REGISTERED
    logout(page, live_server)

    # At the door, on the organizer's phone.
    phone = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True)
    door = phone.new_page()
    login(door, live_server, "city_trainer", PASSWORD)
    url = f"{live_server.url}/office/training/sessions/{session.pk}/checkin/"
    door.goto(url)
    door.locator("#id_code").fill(checkin.checkin_url(lina))
    door.get_by_role("button", name="签到", exact=True).click()
    answer = door.get_by_test_id("checkin-answer")
    expect(answer).to_have_attribute("data-outcome", "checked_in")
    expect(answer).to_contain_text("签到成功：李娜，山东正信招标代理有限公司。")
    screenshot(door, "training-checkin-ok")
    door.locator("#id_code").fill(checkin.issue(lina))
    door.get_by_role("button", name="签到", exact=True).click()
    expect(answer).to_have_attribute("data-outcome", "already_used")
    expect(answer).to_contain_text("签到码已使用：李娜 已于")
    expect(answer).to_contain_text("Already used")
    screenshot(door, "training-checkin-reused")
    door.locator("#id_code").fill(checkin.issue(wang)[:-4] + "AAAA")
    door.get_by_role("button", name="签到", exact=True).click()
    expect(answer).to_have_attribute("data-outcome", "forged")
    with clock.travel(dt.timedelta(hours=4)):  # the session ended 3 hours from the start, plus 30 min of grace
        door.locator("#id_code").fill(checkin.issue(wang))
        door.get_by_role("button", name="签到", exact=True).click()
        expect(answer).to_have_attribute("data-outcome", "expired")
        expect(answer).to_contain_text("签到码已于")
        expect(answer).to_contain_text("This code expired at")
    phone.close()
    lina.refresh_from_db()
    wang.refresh_from_db()
    assert lina.completion_source == "checkin"
    assert wang.checked_in_at is None
    assert wang.completed_at is None
    assert agency.is_active


def test_a_learner_turns_the_slides_of_a_recorded_course_and_the_progress_is_recorded(
    page: Page, live_server: LiveServer, heze: dict[str, Any]
) -> None:
    from zhengcai.demo.training_seed import slides_pdf

    trainer = make_user(Role.BUREAU_REVIEWER, heze["city_dept"], username="city_trainer")
    learner = make_user(Role.AGENCY_STAFF, heze["agency"], username="agency_learner")
    learner.phone = "13900000001"
    learner.save(update_fields=["phone"])
    now = timezone.now()
    course = services.course_create(
        data=services.CourseInput(
            title="政府采购法实施条例精讲（录播）",
            mode="recorded",
            audience=[Audience.AGENCY],
            region=heze["city"],
            organizer=heze["city_bureau"],
        ),
        actor=trainer,
        at=now,
    )
    session = services.session_create(
        course=course,
        data=services.SessionInput(
            starts_at=now - dt.timedelta(hours=1),
            ends_at=now + dt.timedelta(days=10),
            registration_closes_at=now + dt.timedelta(days=10),
        ),
        actor=trainer,
        at=now,
    )
    material = services.material_upload(
        course=course,
        data=services.MaterialInput(
            title="第一讲", filename="s.pdf", stream=io.BytesIO(slides_pdf("第一讲", ["一", "二", "三"]))
        ),
        actor=trainer,
        at=now,
    )
    services.course_set_status(course=course, status="open", actor=trainer, at=now)
    registration = services.registration_create(
        session=session,
        person=services.PersonInput("李娜", "13900000001"),
        organization=heze["agency"],
        actor=learner,
        at=now,
    )
    login(page, live_server, "agency_learner", PASSWORD)
    page.goto(f"{live_server.url}/office/training/registrations/{registration.pk}/")
    page.get_by_role("link", name="第一讲").click()
    expect(page.get_by_test_id("pages-seen")).to_have_text("1")
    page.get_by_test_id("next-page").click()
    expect(page.get_by_test_id("page-no")).to_have_text("2")
    expect(page.get_by_test_id("pages-seen")).to_have_text("1, 2")
    expect(page.get_by_test_id("course-share")).to_have_text("66%")
    expect(page.get_by_test_id("material-share")).to_have_text("66%")
    expect(page.get_by_test_id("completed")).to_be_hidden()
    screenshot(page, "training-slides")
    assert material.progress.get().pages_seen == 2
