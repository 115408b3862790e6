"""Courses, sessions and materials (bureau trainers, scoped), their lifecycle, and the reminders tick."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command

from conftest import AT
from zhengcai.accounts.models import User
from zhengcai.core.errors import ServiceError, ServiceErrorGroup
from zhengcai.core.models import AuditEvent, Notification
from zhengcai.training import services
from zhengcai.training.models import Course, CourseMaterial, Registration, RegistrationStatus, Session
from zhengcai.training.tick import training_tick

from .conftest import OFFLINE_START, make_course, mp4_bytes, register, upload

pytestmark = pytest.mark.django_db


def _session_input(**changes: Any) -> services.SessionInput:
    data: dict[str, Any] = {
        "starts_at": OFFLINE_START,
        "ends_at": OFFLINE_START + dt.timedelta(hours=3),
        "registration_closes_at": OFFLINE_START - dt.timedelta(hours=12),
        "venue": "菏泽市公共资源交易中心",
        "capacity": 40,
    }
    data.update(changes)
    return services.SessionInput(**data)


def test_course_fields_are_checked_all_at_once_and_audited(heze: dict[str, Any], trainer: User) -> None:
    with pytest.raises(ServiceErrorGroup) as bad:
        services.course_create(
            data=services.CourseInput(
                title=" ", mode="webinar", audience=[], region=heze["city"], organizer=heze["city_bureau"]
            ),
            actor=trainer,
            at=AT,
        )
    assert {e.field for e in bad.value.errors} == {"title", "mode", "audience"}
    with pytest.raises(ServiceError) as long:
        make_course(heze, trainer, mode="offline", title="长" * 201)
    assert long.value.message_zh == "最多 200 个字符（现有 201 个）。"
    course = make_course(heze, trainer, mode="offline", title="政府采购基础")
    assert course.status == "draft"
    assert AuditEvent.objects.filter(action="training.course.create", object_id=str(course.pk)).exists()


def test_county_trainer_runs_courses_of_the_county_only(heze: dict[str, Any], county_trainer: User) -> None:
    with pytest.raises(PermissionDenied):  # the city bureau is not theirs to organize for
        make_course(heze, county_trainer, mode="offline", title="全市培训")
    with pytest.raises(ServiceError) as region:
        make_course(
            heze, county_trainer, mode="offline", title="单县培训", region=heze["shan"], organizer=heze["cao_bureau"]
        )
    assert region.value.field == "region"
    course = make_course(
        heze, county_trainer, mode="offline", title="曹县培训", region=heze["cao"], organizer=heze["cao_bureau"]
    )
    assert course.region == heze["cao"]


def test_a_county_trainer_cannot_touch_a_city_course(offline_session: Session, county_trainer: User) -> None:
    with pytest.raises(PermissionDenied):
        services.session_create(course=offline_session.course, data=_session_input(), actor=county_trainer, at=AT)
    with pytest.raises(PermissionDenied):
        services.course_set_status(course=offline_session.course, status="closed", actor=county_trainer, at=AT)


def test_session_rules_by_mode(heze: dict[str, Any], trainer: User) -> None:
    offline = make_course(heze, trainer, mode="offline", title="现场")
    with pytest.raises(ServiceErrorGroup) as bad:
        services.session_create(
            course=offline,
            data=_session_input(venue="", capacity=None, ends_at=OFFLINE_START - dt.timedelta(hours=1)),
            actor=trainer,
            at=AT,
        )
    assert {e.field for e in bad.value.errors} == {"venue", "capacity", "ends_at"}
    with pytest.raises(ServiceError) as closes:
        services.session_create(
            course=offline,
            data=_session_input(registration_closes_at=OFFLINE_START + dt.timedelta(minutes=1)),
            actor=trainer,
            at=AT,
        )
    assert closes.value.field == "registration_closes_at"
    live = make_course(heze, trainer, mode="live", title="直播")
    with pytest.raises(ServiceError) as link:
        services.session_create(
            course=live,
            data=_session_input(venue="", capacity=None, meeting_url="http://insecure"),
            actor=trainer,
            at=AT,
        )
    assert link.value.field == "meeting_url"


def test_a_course_opens_only_with_a_session_to_come_and_material_if_recorded(
    heze: dict[str, Any], trainer: User
) -> None:
    course = make_course(heze, trainer, mode="recorded", title="录播")
    with pytest.raises(ServiceError) as no_session:
        services.course_set_status(course=course, status="open", actor=trainer, at=AT)
    assert no_session.value.code == "training.course.not_ready"
    services.session_create(
        course=course,
        data=services.SessionInput(
            starts_at=AT, ends_at=AT + dt.timedelta(days=30), registration_closes_at=AT + dt.timedelta(days=30)
        ),
        actor=trainer,
        at=AT,
    )
    with pytest.raises(ServiceError) as no_material:
        services.course_set_status(course=course, status="open", actor=trainer, at=AT)
    assert "视频或课件" in no_material.value.message_zh
    services.material_upload(
        course=course,
        data=services.MaterialInput(title="第一讲", filename="a.mp4", stream=upload(mp4_bytes(90), "a.mp4")),
        actor=trainer,
        at=AT,
    )
    assert services.course_set_status(course=course, status="open", actor=trainer, at=AT).status == "open"
    with pytest.raises(ServiceError) as twice:
        services.course_set_status(course=course, status="open", actor=trainer, at=AT)
    assert twice.value.code == "core.transition.not_allowed"


def test_the_mode_is_locked_once_there_are_sessions(
    offline_session: Session, heze: dict[str, Any], trainer: User
) -> None:
    course = offline_session.course
    data = services.CourseInput(
        title=course.title, mode="live", audience=course.audience, region=course.region, organizer=course.organizer
    )
    with pytest.raises(ServiceError) as locked:
        services.course_update(course=course, data=data, actor=trainer, at=AT)
    assert locked.value.code == "training.course.mode_locked"


def test_material_is_checked_hashed_and_measured(recorded_course: Course, trainer: User) -> None:
    material = services.material_upload(
        course=recorded_course,
        data=services.MaterialInput(title="第二讲", filename="b.MP4", stream=upload(mp4_bytes(125), "b.mp4")),
        actor=trainer,
        at=AT,
    )
    assert (material.kind, material.duration_seconds, material.content_type) == ("video", 125, "video/mp4")
    assert len(material.sha256) == 64
    assert material.size == len(mp4_bytes(125))
    with pytest.raises(ServiceError) as fake:
        services.material_upload(
            course=recorded_course,
            data=services.MaterialInput(
                title="假视频", filename="x.mp4", stream=upload(b"not a video at all", "x.mp4")
            ),
            actor=trainer,
            at=AT,
        )
    assert fake.value.message_zh == "文件内容不是 MP4 格式。"
    with pytest.raises(ServiceError) as kind:
        services.material_upload(
            course=recorded_course,
            data=services.MaterialInput(title="程序", filename="x.exe", stream=upload(b"MZ", "x.exe")),
            actor=trainer,
            at=AT,
        )
    assert kind.value.field == "file"
    with pytest.raises(ServiceError) as webm:
        services.material_upload(
            course=recorded_course,
            data=services.MaterialInput(
                title="WebM", filename="c.webm", stream=upload(b"\x1a\x45\xdf\xa3" + bytes(40), "c.webm")
            ),
            actor=trainer,
            at=AT,
        )
    assert webm.value.field == "duration_seconds"  # read from MP4 only: give it
    assert CourseMaterial.objects.filter(course=recorded_course).count() == 1  # the refused files left nothing


def test_material_only_for_recorded_courses(offline_session: Session, trainer: User) -> None:
    with pytest.raises(ServiceError):
        services.material_upload(
            course=offline_session.course,
            data=services.MaterialInput(title="视频", filename="a.mp4", stream=upload(mp4_bytes(), "a.mp4")),
            actor=trainer,
            at=AT,
        )


def test_a_larger_capacity_promotes_the_waiting_list_and_a_smaller_one_is_refused(
    offline_session: Session, heze: dict[str, Any], agency_user: User, trainer: User
) -> None:
    for n in range(3):
        register(offline_session, heze["agency"], agency_user, name=f"员工{n}", phone=f"1380000001{n}")
    waiting = register(
        offline_session, heze["agency"], agency_user, name="赵六", phone="13800000020", waitlist_ok=True
    )
    data = _session_input(
        title="第一期",
        venue=offline_session.venue,
        room=offline_session.room,
        registration_closes_at=offline_session.registration_closes_at,
        capacity=2,
    )
    with pytest.raises(ServiceError) as less:
        services.session_update(session=offline_session, data=data, actor=trainer, at=AT)
    assert less.value.message_zh == "已有 3 人获得名额：名额不能少于此数。"
    data.capacity = 4
    services.session_update(session=offline_session, data=data, actor=trainer, at=AT)
    waiting.refresh_from_db()
    assert waiting.status == RegistrationStatus.REGISTERED


def test_cancelling_a_session_cancels_its_registrations_and_tells_everyone(
    agency_registration: Registration, offline_session: Session, trainer: User, agency_user: User
) -> None:
    with pytest.raises(ServiceError):
        services.session_cancel(session=offline_session, reason="  ", actor=trainer, at=AT)
    services.session_cancel(session=offline_session, reason="场地调整", actor=trainer, at=AT)
    agency_registration.refresh_from_db()
    assert agency_registration.status == RegistrationStatus.CANCELLED
    note = Notification.objects.get(recipient=agency_user, subject__startswith="培训期次取消")
    assert "场地调整" in note.body


def test_tick_reminds_once_a_day_before_the_start(
    agency_registration: Registration, offline_session: Session, heze: dict[str, Any], agency_user: User
) -> None:
    assert training_tick(at=OFFLINE_START - dt.timedelta(hours=30)).reminded == 0
    day_before = OFFLINE_START - dt.timedelta(hours=20)
    assert training_tick(at=day_before).reminded == 1
    assert training_tick(at=day_before + dt.timedelta(hours=1)).reminded == 0  # idempotent
    agency_registration.refresh_from_db()
    assert agency_registration.reminded_at == day_before
    note = Notification.objects.get(subject__startswith="培训提醒")
    assert note.recipient == agency_user
    assert "菏泽市公共资源交易中心" in note.body
    assert AuditEvent.objects.filter(action="training.reminder").count() == 1


def test_training_tick_command_runs_once(capsys: Any) -> None:
    call_command("training_tick")
    assert "training reminders sent: 0" in capsys.readouterr().out
