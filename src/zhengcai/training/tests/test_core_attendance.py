"""Attendance: QR check-in at the door (signed, per registration, once; forged, reused, expired, replaced and
other-session codes refused), the live meeting's attendance export, and recorded courses watched to 90 %."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.test import override_settings

from conftest import AT
from zhengcai.accounts.models import User
from zhengcai.core.errors import ServiceError, ServiceErrorGroup
from zhengcai.core.models import AuditEvent
from zhengcai.training import checkin, imports, services
from zhengcai.training.models import AttendanceImport, PlaybackProgress, Registration, RegistrationStatus, Session

from .conftest import AGENCY_PHONE, LIVE_START, OFFLINE_START, local, register, upload, watch_all, xlsx_bytes

pytestmark = pytest.mark.django_db
DOOR = OFFLINE_START - dt.timedelta(minutes=20)


def scan(session: Session, text: str, trainer: User, at: dt.datetime = DOOR) -> services.CheckinAnswer:
    return services.registration_check_in(session=session, text=text, actor=trainer, at=at)


# --- QR check-in ----------------------------------------------------------------------------------------


def test_checkin_with_the_signed_code_establishes_attendance_once(
    agency_registration: Registration, offline_session: Session, trainer: User
) -> None:
    answer = scan(offline_session, checkin.checkin_url(agency_registration), trainer)
    assert answer.outcome == "checked_in"
    assert answer.error.message_zh == "签到成功：李娜，山东正信招标代理有限公司。"
    agency_registration.refresh_from_db()
    assert agency_registration.checked_in_at == DOOR
    assert (agency_registration.completed_at, agency_registration.completion_source) == (DOOR, "checkin")
    assert AuditEvent.objects.filter(action="training.checkin", object_id=str(agency_registration.pk)).exists()


def test_a_reused_code_is_refused_saying_when_it_was_used(
    agency_registration: Registration, offline_session: Session, trainer: User
) -> None:
    code = checkin.issue(agency_registration)
    scan(offline_session, code, trainer)
    again = scan(offline_session, code, trainer, at=DOOR + dt.timedelta(minutes=5))
    assert again.outcome == "already_used"
    assert again.error.message_zh == f"签到码已使用：李娜 已于 {DOOR:%Y-%m-%d} 08:40 签到。"
    assert AuditEvent.objects.filter(action="training.checkin.refused").count() == 1


def test_a_forged_or_altered_code_is_refused(
    agency_registration: Registration, offline_session: Session, trainer: User
) -> None:
    code = checkin.issue(agency_registration)
    body, mac = code.rsplit(".", 1)
    other_registration = f"T1.{agency_registration.pk + 1}.{offline_session.pk}." + body.split(".", 3)[3]
    for forged in (
        "hello",
        body + "." + ("A" if mac[0] != "A" else "B") + mac[1:],
        other_registration + "." + mac,
        "",
    ):
        assert scan(offline_session, forged, trainer).outcome == "forged", forged
    with override_settings(TRAINING_CHECKIN_KEY="ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA="):
        foreign = checkin.issue(agency_registration)  # signed with another key
    assert scan(offline_session, foreign, trainer).outcome == "forged"
    agency_registration.refresh_from_db()
    assert agency_registration.checked_in_at is None


def test_an_expired_code_is_refused(
    agency_registration: Registration, offline_session: Session, trainer: User
) -> None:
    code = checkin.issue(agency_registration)
    late = offline_session.ends_at + dt.timedelta(minutes=31)  # the grace is 30 minutes
    answer = scan(offline_session, code, trainer, at=late)
    assert answer.outcome == "expired"
    assert answer.error.message_en == "This code expired at 2026-03-09 12:30: refused."
    assert scan(offline_session, code, trainer, at=late - dt.timedelta(minutes=2)).outcome == "checked_in"


def test_a_code_for_another_session_is_refused(
    agency_registration: Registration, offline_session: Session, trainer: User
) -> None:
    second = services.session_create(
        course=offline_session.course,
        data=services.SessionInput(
            title="第二期",
            starts_at=OFFLINE_START + dt.timedelta(days=7),
            ends_at=OFFLINE_START + dt.timedelta(days=7, hours=3),
            registration_closes_at=OFFLINE_START + dt.timedelta(days=6),
            venue="菏泽市公共资源交易中心",
            capacity=30,
        ),
        actor=trainer,
        at=AT,
    )
    answer = scan(second, checkin.issue(agency_registration), trainer, at=DOOR + dt.timedelta(days=7))
    assert answer.outcome == "other_session"
    assert "2026-03-09 09:00" in answer.error.message_zh


def test_a_replaced_code_stops_working(
    agency_registration: Registration, offline_session: Session, trainer: User, agency_user: User
) -> None:
    old = checkin.issue(agency_registration)
    services.checkin_code_reissue(registration=agency_registration, actor=agency_user, at=AT)
    agency_registration.refresh_from_db()
    assert scan(offline_session, old, trainer).outcome == "replaced"
    assert scan(offline_session, checkin.issue(agency_registration), trainer).outcome == "checked_in"


def test_waitlisted_and_cancelled_registrations_are_not_admitted(
    offline_session: Session, heze: dict[str, Any], agency_user: User, trainer: User
) -> None:
    placed = [
        register(offline_session, heze["agency"], agency_user, name=f"员工{n}", phone=f"1380000001{n}")
        for n in range(3)
    ]
    waiting = register(
        offline_session, heze["agency"], agency_user, name="赵六", phone="13800000020", waitlist_ok=True
    )
    assert scan(offline_session, checkin.issue(waiting), trainer).outcome == "not_admitted"
    services.registration_cancel(registration=placed[0], actor=agency_user, at=AT)
    placed[0].refresh_from_db()
    answer = scan(offline_session, checkin.issue(placed[0]), trainer)
    assert answer.outcome == "not_admitted"
    assert "已取消" in answer.error.message_zh


def test_checkin_opens_two_hours_before_the_start(
    agency_registration: Registration, offline_session: Session, trainer: User
) -> None:
    answer = scan(
        offline_session, checkin.issue(agency_registration), trainer, at=OFFLINE_START - dt.timedelta(hours=3)
    )
    assert answer.outcome == "too_early"


def test_only_trainers_in_scope_check_people_in(
    agency_registration: Registration, offline_session: Session, county_trainer: User, agency_user: User
) -> None:
    for outsider in (county_trainer, agency_user):
        with pytest.raises(PermissionDenied):
            scan(offline_session, checkin.issue(agency_registration), outsider)


def test_the_code_scanned_from_the_qr_url_or_typed_reads_the_same(agency_registration: Registration) -> None:
    code = checkin.issue(agency_registration)
    url = checkin.checkin_url(agency_registration, base="https://zfcg.example.invalid")
    assert url.startswith(
        f"https://zfcg.example.invalid/office/training/sessions/{agency_registration.session_id}/checkin/?code="
    )
    assert checkin.read(url) == checkin.read(code) == checkin.read(f"  {code}\n")
    assert checkin.qr_svg(agency_registration).startswith("data:image/svg+xml")


# --- live sessions: the meeting's attendance export ---------------------------------------------------------


def _live_people(session: Session, heze: dict[str, Any], agency_user: User) -> list[Registration]:
    return [
        register(session, heze["agency"], agency_user, name="李娜", phone=AGENCY_PHONE),
        register(session, heze["agency"], agency_user, name="王强", phone="13900000003"),
        register(session, heze["agency"], agency_user, name="赵敏", phone="13900000004"),
    ]


def test_live_export_establishes_attendance_at_the_minimum_share(
    live_session: Session, heze: dict[str, Any], agency_user: User, trainer: User
) -> None:
    lina, wang, zhao = _live_people(live_session, heze, agency_user)
    csv = (
        "用户昵称,手机号,首次入会时间,最后离会时间\n"
        "李娜,13900000001,2026-03-10 13:55:00,2026-03-10 16:00:00\n"  # 120 min (clipped at the start)
        "王强,,2026-03-10 14:00,2026-03-10 15:00\n"  # 60 min by name, then rejoined
        "王强,,2026-03-10 15:10,2026-03-10 15:50\n"  # 40 more: 100 of 120 = 83 %
        "赵敏,139 0000 0004,14:30,15:30\n"  # 60 of 120 = 50 %
        "陌生人,13700000000,14:00,16:00\n"
    ).encode()
    rows = imports.read_attendance_export(upload(csv, "meeting.csv"), filename="meeting.csv", session=live_session)
    record = services.live_attendance_import(
        session=live_session,
        rows=rows,
        filename="meeting.csv",
        sha256="0" * 64,
        actor=trainer,
        at=LIVE_START + dt.timedelta(hours=3),
    )
    assert (record.rows, record.matched, record.completed) == (5, 4, 2)
    assert record.unmatched == [{"row": 6, "name": "陌生人", "phone": "13700000000", "minutes": 120.0}]
    for r in (lina, wang, zhao):
        r.refresh_from_db()
    assert (lina.live_minutes, lina.completion_source) == (120, "live_export")
    assert (wang.live_minutes, wang.completion_source) == (100, "live_export")
    assert (zhao.live_minutes, zhao.completed_at) == (60, None)
    assert AuditEvent.objects.filter(action="training.attendance.import").count() == 1


def test_live_export_in_excel_with_minutes(
    live_session: Session, heze: dict[str, Any], agency_user: User, trainer: User
) -> None:
    _live_people(live_session, heze, agency_user)
    data = xlsx_bytes(
        [["李娜", 13900000001, 110], ["赵敏", "13900000004", "1:30:00"]], header=["姓名", "手机号", "参会时长（分钟）"]
    )
    rows = imports.read_attendance_export(upload(data, "m.xlsx"), filename="m.xlsx", session=live_session)
    assert [(r.name, r.minutes) for r in rows] == [("李娜", 110.0), ("赵敏", 90.0)]


def test_malformed_attendance_export_is_refused_with_row_and_column(live_session: Session) -> None:
    csv = "姓名,手机号,入会时间,离会时间\n李娜,13900000001,昨天,2026-03-10 16:00\n,,,\n王强,,15:00,14:00\n".encode()
    with pytest.raises(ServiceErrorGroup) as bad:
        imports.read_attendance_export(upload(csv, "m.csv"), filename="m.csv", session=live_session)
    assert [e.message_zh for e in bad.value.errors] == [
        "第 2 行，入会时间：时间格式应为 YYYY-MM-DD HH:MM(:SS)。",
        "第 4 行，离会时间：离会时间早于入会时间。",
    ]
    with pytest.raises(ServiceError) as header:
        imports.read_attendance_export(upload(b"a,b\n1,2\n", "m.csv"), filename="m.csv", session=live_session)
    assert header.value.code == "training.import.file"


def test_attendance_export_is_only_for_a_live_session_after_it_started(
    live_session: Session, offline_session: Session, trainer: User
) -> None:
    with pytest.raises(ServiceError) as early:
        services.live_attendance_import(
            session=live_session, rows=[], filename="m.csv", sha256="", actor=trainer, at=AT
        )
    assert early.value.code == "training.attendance.mode"
    with pytest.raises(ServiceError):
        services.live_attendance_import(
            session=offline_session, rows=[], filename="m.csv", sha256="", actor=trainer, at=OFFLINE_START
        )
    assert not AttendanceImport.objects.exists()


# --- recorded courses: progress ------------------------------------------------------------------------------


def test_watching_ninety_percent_of_a_recorded_course_establishes_attendance(
    learner_registration: Registration, agency_user: User
) -> None:
    end = watch_all(learner_registration, agency_user, AT)
    learner_registration.refresh_from_db()
    assert learner_registration.completion_source == "recorded"
    completed = learner_registration.completed_at
    assert completed is not None
    assert AT < completed <= end
    share = services.course_share(learner_registration)
    assert share.percent == 100
    assert AuditEvent.objects.filter(action="training.attendance.complete").count() == 1


def test_progress_below_ninety_percent_does_not_complete(
    learner_registration: Registration, video_material: Any, slides_material: Any, agency_user: User
) -> None:
    # the course weighs 60 s of video + 4 pages × 60 s = 300; the video and three pages make 240 = 80 %
    at = AT
    for second in (0, 30):
        at += dt.timedelta(seconds=30)
        services.progress_record(
            registration=learner_registration,
            material=video_material,
            ranges=[(second, second + 30)],
            actor=agency_user,
            at=at,
        )
    for page in (1, 2, 3):
        at += dt.timedelta(seconds=10)
        services.progress_record(
            registration=learner_registration, material=slides_material, page=page, actor=agency_user, at=at
        )
    share = services.course_share(learner_registration)
    assert (share.seen, share.total, share.percent) == (240, 300, 80)
    learner_registration.refresh_from_db()
    assert learner_registration.completed_at is None


def test_a_forged_progress_report_cannot_finish_a_video_at_once(
    learner_registration: Registration, video_material: Any, agency_user: User
) -> None:
    services.progress_record(
        registration=learner_registration, material=video_material, ranges=[(0, 60)], actor=agency_user, at=AT
    )
    progress = PlaybackProgress.objects.get()
    assert progress.seconds_seen == 30  # the slack: 30 s of credit without time having passed
    services.progress_record(
        registration=learner_registration,
        material=video_material,
        ranges=[(0, 60)],
        actor=agency_user,
        at=AT + dt.timedelta(seconds=1),
    )
    progress.refresh_from_db()
    assert progress.seconds_seen == 30  # one second later earns at most 2 s more: less than a block
    for _ in range(5):  # repeating the report earns nothing more
        services.progress_record(
            registration=learner_registration,
            material=video_material,
            ranges=[(30, 60)],
            actor=agency_user,
            at=AT + dt.timedelta(seconds=2),
        )
    progress.refresh_from_db()
    assert progress.seconds_seen == 30
    services.progress_record(
        registration=learner_registration,
        material=video_material,
        ranges=[(30, 60)],
        actor=agency_user,
        at=AT + dt.timedelta(seconds=20),
    )
    progress.refresh_from_db()
    assert progress.seconds_seen == 60


def test_seeking_without_playing_earns_nothing(
    learner_registration: Registration, video_material: Any, agency_user: User
) -> None:
    services.progress_record(
        registration=learner_registration,
        material=video_material,
        ranges=[(10, 11), (40, 41)],
        position=59,
        actor=agency_user,
        at=AT,
    )
    progress = PlaybackProgress.objects.get()
    assert (progress.seconds_seen, progress.furthest_position) == (0, 59)


def test_progress_only_by_the_learner_and_within_the_window(
    learner_registration: Registration, video_material: Any, agency_user: User, trainer: User
) -> None:
    with pytest.raises(PermissionDenied):
        services.progress_record(
            registration=learner_registration, material=video_material, ranges=[(0, 5)], actor=trainer, at=AT
        )
    with pytest.raises(ServiceError) as closed:
        services.progress_record(
            registration=learner_registration,
            material=video_material,
            ranges=[(0, 5)],
            actor=agency_user,
            at=local(2026, 4, 1),
        )
    assert closed.value.code == "training.progress.window_closed"
    with pytest.raises(ServiceError) as backwards:
        services.progress_record(
            registration=learner_registration, material=video_material, ranges=[(9, 3)], actor=agency_user, at=AT
        )
    assert backwards.value.field == "ranges"


def test_a_waitlisted_learner_cannot_watch(
    recorded_session: Session, heze: dict[str, Any], agency_user: User, video_material: Any
) -> None:
    registration = register(recorded_session, heze["agency"], agency_user, name="李娜", phone=AGENCY_PHONE)
    Registration.objects.filter(pk=registration.pk).update(status=RegistrationStatus.WAITLISTED, waitlist_position=1)
    registration.refresh_from_db()
    with pytest.raises(ServiceError):
        services.progress_record(
            registration=registration, material=video_material, ranges=[(0, 5)], actor=agency_user, at=AT
        )
