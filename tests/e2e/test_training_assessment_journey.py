"""Training, in Chromium: an agency's staff member turns every slide of a recorded course, takes its assessment,
downloads the certificate, whose printed QR code (decoded from the rendered PDF page) opens the public page that
says it is valid; the leader's training figures show the city's agency coverage rise from 0 % to 100 %."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
from pathlib import Path
from typing import Any

from django.utils import timezone
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from conftest import PASSWORD, make_user
from zhengcai.core.permissions import Role
from zhengcai.training import services
from zhengcai.training.models import Attempt, Audience, Certificate
from zhengcai.training.tests.url_samples_assessment import open_assessment, right_answers

from .conftest import login, logout, screenshot


def _agency_coverage(page: Page, live_server: LiveServer, city_id: int) -> str:
    page.goto(f"{live_server.url}/office/training/figures/?year={timezone.localdate().year}")
    row = page.get_by_test_id(f"coverage-{city_id}")
    return row.locator("td").nth(5).inner_text()


def test_a_recorded_course_an_assessment_and_a_certificate_that_verifies_move_the_coverage(
    page: Page, live_server: LiveServer, heze: dict[str, Any], settings: Any, tmp_path: Path
) -> None:
    from zhengcai.demo.training_seed import slides_pdf

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.ZC_PUBLIC_URL = live_server.url
    trainer = make_user(Role.BUREAU_REVIEWER, heze["city_dept"], username="city_trainer")
    leader = make_user(Role.BUREAU_LEADER, heze["city_bureau"], username="city_leader")
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
    services.material_upload(
        course=course,
        data=services.MaterialInput(
            title="第一讲", filename="s.pdf", stream=io.BytesIO(slides_pdf("第一讲", ["一", "二", "三"]))
        ),
        actor=trainer,
        at=now,
    )
    services.course_set_status(course=course, status="open", actor=trainer, at=now)
    open_assessment(course, trainer, count=3, pass_mark=60)
    registration = services.registration_create(
        session=session,
        person=services.PersonInput("李娜", "13900000001"),
        organization=heze["agency"],
        actor=learner,
        at=now,
    )

    login(page, live_server, leader.username, PASSWORD)
    assert _agency_coverage(page, live_server, heze["city"].pk).startswith("0")
    logout(page, live_server)

    # Every slide of the recorded course, in the browser.
    login(page, live_server, learner.username, PASSWORD)
    page.goto(f"{live_server.url}/office/training/registrations/{registration.pk}/")
    page.get_by_role("link", name="第一讲").click()
    expect(page.get_by_test_id("pages-seen")).to_have_text("1")
    page.get_by_test_id("next-page").click()
    expect(page.get_by_test_id("pages-seen")).to_have_text("1, 2")
    page.get_by_test_id("next-page").click()
    expect(page.get_by_test_id("pages-seen")).to_have_text("1, 2, 3")
    expect(page.get_by_test_id("completed")).to_be_visible()
    registration.refresh_from_db()
    assert registration.completed_at is not None

    # The assessment: the right answers, as a learner who studied would give them.
    page.goto(f"{live_server.url}/office/training/my/assessments/")
    page.get_by_test_id(f"course-{course.pk}").get_by_test_id("start-assessment").click()
    expect(page.get_by_test_id("submit-answers")).to_be_visible()
    attempt = Attempt.objects.get(registration=registration)
    for position, chosen in right_answers(attempt).items():
        for index in chosen:
            page.locator(f"input[name=q{position}][value='{index}']").check()
    page.get_by_test_id("submit-answers").click()
    expect(page.get_by_test_id("result")).to_be_visible()
    screenshot(page, "training-assessment-passed")
    certificate = Certificate.objects.get(attempt=attempt)

    # The certificate: its QR code, read from the rendered PDF page, opens the verification page.
    href = page.get_by_test_id("certificate-download").first.get_attribute("href")
    pdf = page.request.get(f"{live_server.url}{href}")
    assert pdf.ok
    source = tmp_path / "certificate.pdf"
    source.write_bytes(pdf.body())
    subprocess.run(  # noqa: S603
        ["/usr/bin/pdftoppm", "-png", "-r", "150", "-f", "1", "-l", "1", str(source), str(tmp_path / "cert")],
        check=True,
    )
    png = next(tmp_path.glob("cert*.png"))
    url = subprocess.run(  # noqa: S603
        ["/usr/bin/zbarimg", "--raw", "-q", str(png)], check=True, capture_output=True, text=True
    ).stdout.strip()
    assert url.startswith(f"{live_server.url}/training/certificates/verify/")
    assert certificate.number in url
    logout(page, live_server)
    page.goto(url)
    expect(page.locator("[data-verdict]")).to_have_attribute("data-verdict", "valid")
    expect(page.locator("main")).to_contain_text("政府采购法实施条例精讲（录播）")
    screenshot(page, "training-certificate-verified")

    # The county coverage figure moved.
    login(page, live_server, leader.username, PASSWORD)
    assert _agency_coverage(page, live_server, heze["city"].pk).startswith("100")
