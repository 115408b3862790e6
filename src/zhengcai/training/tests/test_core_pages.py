"""The pages and the API: registration (one, bulk, full, malformed sheet), the learner's code and course, the
organizer's phone check-in page, media with byte ranges, the trainers' pages and scope, the catalogue."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from conftest import AT, make_user
from zhengcai.accounts.models import User
from zhengcai.core import clock
from zhengcai.core.permissions import Role
from zhengcai.training import checkin
from zhengcai.training.models import Course, CourseMaterial, Participant, Registration, Session

from .conftest import AGENCY_PHONE, LIVE_START, OFFLINE_START, register, upload, xlsx_bytes

pytestmark = pytest.mark.django_db


@contextmanager
def at_time(moment: dt.datetime) -> Iterator[None]:
    with clock.travel(moment - timezone.now()):
        yield


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_agency_registers_one_person_on_the_page(offline_session: Session, agency_user: User) -> None:
    client = client_for(agency_user)
    url = f"/office/training/sessions/{offline_session.pk}/register/"
    with at_time(AT):
        page = client.get("/office/training/sessions/")
        assert offline_session.course.title in page.content.decode()
        response = client.post(url, {"action": "one", "one-name": "王强", "one-phone": "13900000003"})
        assert response.status_code == 302
        listing = client.get(url).content.decode()
    assert "王强" in listing
    assert "剩余 2 / 3" in listing


def test_a_full_session_is_refused_on_the_page_in_both_languages(
    offline_session: Session, heze: dict[str, Any], agency_user: User
) -> None:
    for n in range(3):
        register(offline_session, heze["agency"], agency_user, name=f"员工{n}", phone=f"1380000001{n}")
    client = client_for(agency_user)
    with at_time(AT):
        response = client.post(
            f"/office/training/sessions/{offline_session.pk}/register/",
            {"action": "one", "one-name": "赵六", "one-phone": "13800000020"},
        )
    body = response.content.decode()
    assert response.status_code == 400
    assert "本期名额已满" in body
    assert "This session is full" in body
    assert Registration.objects.count() == 3


def test_a_malformed_sheet_is_refused_on_the_page_and_nothing_is_registered(
    offline_session: Session, agency_user: User
) -> None:
    client = client_for(agency_user)
    url = f"/office/training/sessions/{offline_session.pk}/register/"
    with at_time(AT):
        template = client.get(f"/office/training/sessions/{offline_session.pk}/template.xlsx")
        sheet = load_workbook(io.BytesIO(template.content)).worksheets[0]
        assert [c.value for c in sheet[1]] == ["姓名 Name", "手机号 Mobile", "职务 Job title"]
        bad = xlsx_bytes([["李娜", "13900000001"], ["王强", "12345"]])
        response = client.post(url, {"action": "bulk", "bulk-file": upload(bad, "staff.xlsx")})
        good = xlsx_bytes([["李娜", "13900000001"], ["王强", "13900000003"]])
        ok = client.post(url, {"action": "bulk", "bulk-file": upload(good, "staff.xlsx")})
    assert template["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response.status_code == 400
    assert "第 3 行，手机号：12345 不是有效的大陆手机号" in response.content.decode()
    assert ok.status_code == 302
    assert sorted(Participant.objects.values_list("name", flat=True)) == ["李娜", "王强"]


def test_a_session_not_meant_for_the_organization_is_not_found(offline_session: Session, heze: dict[str, Any]) -> None:
    supplier_staff = make_user(Role.SUPPLIER_STAFF, heze["supplier"])
    with at_time(AT):
        response = client_for(supplier_staff).get(f"/office/training/sessions/{offline_session.pk}/register/")
    assert response.status_code == 404


def test_the_learner_sees_the_qr_code_and_others_do_not_see_the_registration(
    agency_registration: Registration, purchaser_user: User, agency_user: User
) -> None:
    url = f"/office/training/registrations/{agency_registration.pk}/"
    with at_time(AT):
        page = client_for(agency_user).get(url)
        badge = client_for(agency_user).get(url + "badge/")
        other = client_for(purchaser_user).get(url)
    assert page.status_code == 200
    assert 'data-testid="checkin-qr"' in page.content.decode()
    assert checkin.issue(agency_registration) in page.content.decode()
    assert badge.status_code == 200
    assert other.status_code == 404


def test_the_organizer_checks_in_on_the_phone_page_and_a_reused_code_is_refused(
    agency_registration: Registration, offline_session: Session, trainer: User
) -> None:
    client = client_for(trainer)
    url = f"/office/training/sessions/{offline_session.pk}/checkin/"
    code_url = checkin.checkin_url(agency_registration)
    with at_time(OFFLINE_START - dt.timedelta(minutes=10)):
        prefilled = client.get(url + "?code=" + checkin.issue(agency_registration))
        first = client.post(url, {"code": code_url})
        second = client.post(url, {"code": code_url})
        forged = client.post(url, {"code": code_url[:-3] + "xyz"})
    assert checkin.issue(agency_registration) in prefilled.content.decode()
    assert 'data-outcome="checked_in"' in first.content.decode()
    assert "签到成功：李娜" in first.content.decode()
    assert 'data-outcome="already_used"' in second.content.decode()
    assert "Already used" in second.content.decode()
    assert 'data-outcome="forged"' in forged.content.decode()


def test_the_checkin_page_is_for_trainers_in_scope(
    offline_session: Session, county_trainer: User, agency_user: User
) -> None:
    url = f"/office/training/sessions/{offline_session.pk}/checkin/"
    assert client_for(county_trainer).get(url).status_code == 404
    assert client_for(agency_user).get(url).status_code == 403


def test_media_is_served_with_byte_ranges_to_registered_learners_only(
    learner_registration: Registration,
    video_material: CourseMaterial,
    purchaser_user: User,
    agency_user: User,
    trainer: User,
) -> None:
    url = f"/office/training/materials/{video_material.pk}/file"
    size = video_material.size
    with at_time(AT + dt.timedelta(hours=1)):
        whole = client_for(agency_user).get(url)
        part = client_for(agency_user).get(url, HTTP_RANGE="bytes=4-11")
        tail = client_for(agency_user).get(url, HTTP_RANGE="bytes=-16")
        beyond = client_for(agency_user).get(url, HTTP_RANGE=f"bytes={size}-")
        outsider = client_for(purchaser_user).get(url)
        manager = client_for(trainer).get(url)
    with at_time(dt.datetime(2026, 4, 2, tzinfo=dt.UTC)):
        after_window = client_for(agency_user).get(url)
    assert whole.status_code == 200
    assert whole["Accept-Ranges"] == "bytes"
    assert b"".join(whole.streaming_content)[4:8] == b"ftyp"  # type: ignore[attr-defined]
    assert part.status_code == 206
    assert part["Content-Range"] == f"bytes 4-11/{size}"
    assert b"".join(part.streaming_content) == b"ftypisom"  # type: ignore[attr-defined]
    assert tail.status_code == 206
    assert tail["Content-Length"] == "16"
    assert beyond.status_code == 416
    assert outsider.status_code == 404
    assert manager.status_code == 200
    assert after_window.status_code == 404


def test_the_player_reports_progress_as_json(
    learner_registration: Registration, slides_material: CourseMaterial, agency_user: User
) -> None:
    client = client_for(agency_user)
    url = f"/office/training/registrations/{learner_registration.pk}/progress/"
    with at_time(AT + dt.timedelta(hours=1)):
        watch = client.get(f"/office/training/registrations/{learner_registration.pk}/materials/{slides_material.pk}/")
        ok = client.post(url, {"material": slides_material.pk, "page": 1}, content_type="application/json")
        bad = client.post(url, {"material": slides_material.pk, "page": 9}, content_type="application/json")
        garbled = client.post(url, "{not json", content_type="application/json")
    assert watch.status_code == 200
    assert "player.js" in watch.content.decode()
    assert ok.json() == {
        "percent": 20,
        "material_percent": 25,
        "complete": False,
        "completed": False,
        "seen_pages": [1],
    }
    assert bad.status_code == 400
    assert bad.json()["message_zh"] == "页码应在 1 至 4 之间。"
    assert garbled.status_code == 400
    assert garbled.json()["code"] == "training.progress.invalid"


def test_a_trainer_creates_a_course_and_schedules_a_session_on_the_pages(heze: dict[str, Any], trainer: User) -> None:
    client = client_for(trainer)
    with at_time(AT):
        created = client.post(
            "/office/training/courses/new/",
            {"title": "政府采购合同管理", "mode": "offline", "audience": ["purchaser"], "region": heze["city"].pk},
        )
        course = Course.objects.get()
        session = client.post(
            f"/office/training/courses/{course.pk}/sessions/new/",
            {
                "starts_at": "2026-03-20T09:00",
                "ends_at": "2026-03-20T11:30",
                "registration_closes_at": "2026-03-19T18:00",
                "venue": "菏泽市公共资源交易中心",
                "capacity": "50",
            },
        )
        opened = client.post(f"/office/training/courses/{course.pk}/", {"action": "open"})
        bad = client.post(
            f"/office/training/courses/{course.pk}/sessions/new/",
            {
                "starts_at": "2026-03-21T09:00",
                "ends_at": "2026-03-21T08:00",
                "registration_closes_at": "2026-03-20T18:00",
            },
        )
    assert created.status_code == 302
    assert session.status_code == 302
    assert opened.status_code == 302
    course.refresh_from_db()
    assert course.status == "open"
    assert Session.objects.get().starts_at == timezone.make_aware(dt.datetime(2026, 3, 20, 9))
    assert bad.status_code == 400
    assert "结束时间必须晚于开始时间" in bad.content.decode()


def test_county_trainers_do_not_see_city_courses(offline_session: Session, county_trainer: User) -> None:
    client = client_for(county_trainer)
    assert offline_session.course.title not in client.get("/office/training/courses/").content.decode()
    assert client.get(f"/office/training/courses/{offline_session.course_id}/").status_code == 404
    assert client.get(f"/office/training/sessions/{offline_session.pk}/").status_code == 404


def test_live_attendance_upload_on_the_session_page(
    live_session: Session, heze: dict[str, Any], agency_user: User, trainer: User
) -> None:
    register(live_session, heze["agency"], agency_user, name="李娜", phone=AGENCY_PHONE)
    csv = "姓名,手机号,参会时长\n李娜,13900000001,115\n路人,,30\n".encode()
    with at_time(LIVE_START + dt.timedelta(hours=3)):
        response = client_for(trainer).post(
            f"/office/training/sessions/{live_session.pk}/", {"action": "attendance", "file": upload(csv, "m.csv")}
        )
        page = client_for(trainer).get(f"/office/training/sessions/{live_session.pk}/").content.decode()
    assert response.status_code == 302
    assert "路人" in page
    assert "第 3 行" in page
    assert Registration.objects.get().completion_source == "live_export"


def test_the_public_catalogue_lists_open_courses_only(
    offline_session: Session, heze: dict[str, Any], trainer: User
) -> None:
    from .conftest import make_course

    draft = make_course(heze, trainer, mode="offline", title="草稿课程")
    with at_time(AT):
        catalogue = Client().get("/training/").content.decode()
        course = Client().get(f"/training/courses/{offline_session.course_id}/")
        hidden = Client().get(f"/training/courses/{draft.pk}/")
    assert offline_session.course.title in catalogue
    assert "草稿课程" not in catalogue
    assert course.status_code == 200
    assert "财库〔2020〕46号" in course.content.decode()
    assert hidden.status_code == 404


def test_a_learner_links_registrations_made_under_their_mobile_number(
    offline_session: Session, heze: dict[str, Any], agency_user: User
) -> None:
    colleague = make_user(Role.AGENCY_STAFF, heze["agency"], username="agency_colleague")
    registration = register(offline_session, heze["agency"], agency_user, name="孙丽", phone="13900000009")
    colleague.phone = "139 0000 0009"
    colleague.save(update_fields=["phone"])
    client = client_for(colleague)
    assert "孙丽" in client.get("/office/training/").content.decode()
    response = client.post("/office/training/claim/", {"participant": registration.participant_id})
    assert response.status_code == 302
    registration.participant.refresh_from_db()
    assert registration.participant.user == colleague
    assert (
        client_for(agency_user)
        .post("/office/training/claim/", {"participant": registration.participant_id})
        .status_code
        == 404
    )


# --- API ---------------------------------------------------------------------------------------------------


def test_api_lists_open_sessions_and_own_registrations(
    agency_registration: Registration, offline_session: Session, agency_user: User, purchaser_user: User
) -> None:
    with at_time(AT):
        sessions = client_for(agency_user).get("/api/v1/training/sessions").json()
        mine = client_for(agency_user).get(f"/api/v1/training/registrations?session={offline_session.pk}").json()
        theirs = client_for(purchaser_user).get("/api/v1/training/registrations").json()
    assert [s["id"] for s in sessions["items"]] == [offline_session.pk]
    assert sessions["items"][0]["places_left"] == 2
    assert [r["participant"] for r in mine["items"]] == ["李娜"]
    assert theirs["items"] == []


def test_api_checkin_answers_the_outcome(agency_registration: Registration, trainer: User, agency_user: User) -> None:
    code = checkin.issue(agency_registration)
    with at_time(OFFLINE_START - dt.timedelta(minutes=5)):
        ok = client_for(trainer).post(
            "/api/v1/training/checkin", {"code": code}, content_type="application/json", HTTP_IDEMPOTENCY_KEY="scan-1"
        )
        again = client_for(trainer).post(
            "/api/v1/training/checkin", {"code": code}, content_type="application/json", HTTP_IDEMPOTENCY_KEY="scan-2"
        )
        forged = client_for(trainer).post(
            "/api/v1/training/checkin",
            {"code": "T1.1.1.1.0000000000000000.AAAAAAAAAAAAAAAAAAAAAA"},
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY="scan-3",
        )
        refused = client_for(agency_user).post(
            "/api/v1/training/checkin", {"code": code}, content_type="application/json", HTTP_IDEMPOTENCY_KEY="scan-4"
        )
    assert ok.status_code == 200
    assert ok.json()["outcome"] == "checked_in"
    assert ok.json()["participant"] == "李娜"
    assert again.json()["outcome"] == "already_used"
    assert forged.json() | {"message_zh": ""} == {
        "outcome": "forged",
        "ok": False,
        "message_zh": "",
        "message_en": "Not a valid code of this platform: refused.",
        "registration_id": None,
        "participant": None,
        "checked_in_at": None,
    }
    assert refused.status_code == 403
