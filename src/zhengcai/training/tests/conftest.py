"""Shared fixtures of the training app (courses, sessions, registration; used by the assessment tests too).

Everything is made through the services, like real data, at ``AT`` (2026-03-02 10:00, Asia/Shanghai):

People: ``trainer`` (bureau reviewer of the city bureau's procurement section: TRAINING_MANAGE city-wide),
``county_trainer`` (the same role in 曹县), ``agency_user`` (agency staff of ``heze["agency"]``, mobile
13900000001), ``purchaser_user`` (purchaser staff of ``heze["budget_unit"]``, mobile 13900000002).

Courses (all open): ``offline_session`` — on site in the trading centre on 2026-03-09 09:00–12:00, 3 places,
registration closing 2026-03-08 18:00, for purchasers and agencies, linked to 财库〔2020〕46号 (``policy_document``)
and the topic 中小企业; ``live_session`` — online 2026-03-10 14:00–16:00, no limit; ``recorded_session`` — a
recorded course watchable 2026-03-02 to 2026-03-31 with ``video_material`` (an MP4 of 60 seconds) and
``slides_material`` (a 4-page PDF).

Registrations: ``agency_registration`` (the agency user registered by themselves for the offline session) and
``learner_registration`` (the agency user for the recorded course). Helpers: ``person``, ``register``,
``mp4_bytes``, ``pdf_bytes``, ``xlsx_bytes``, ``upload``, ``watch_all``.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.utils import timezone

from conftest import AT, make_user
from zhengcai.accounts.models import User
from zhengcai.core.permissions import Role
from zhengcai.policies.models import PolicyDocument, Tag
from zhengcai.training import services
from zhengcai.training.models import (
    Audience,
    Course,
    CourseMaterial,
    CourseMode,
    CourseStatus,
    Registration,
    Session,
)

OFFLINE_START = timezone.make_aware(dt.datetime(2026, 3, 9, 9, 0))
LIVE_START = timezone.make_aware(dt.datetime(2026, 3, 10, 14, 0))
RECORDED_END = timezone.make_aware(dt.datetime(2026, 3, 31, 23, 0))
AGENCY_PHONE = "13900000001"
PURCHASER_PHONE = "13900000002"


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime(year, month, day, hour, minute))


def _box(kind: bytes, body: bytes) -> bytes:
    return (8 + len(body)).to_bytes(4, "big") + kind + body


def mp4_bytes(seconds: int = 60) -> bytes:
    """A minimal MP4 (ftyp, moov/mvhd with the duration, a little mdat): enough for the platform to store it,
    read its length and serve byte ranges (it shows no picture)."""
    ftyp = _box(b"ftyp", b"isom" + (512).to_bytes(4, "big") + b"isomiso2mp41")
    mvhd = _box(
        b"mvhd",
        bytes(4) + bytes(8) + (1000).to_bytes(4, "big") + (seconds * 1000).to_bytes(4, "big") + bytes(80),
    )
    return ftyp + _box(b"moov", mvhd) + _box(b"mdat", bytes(range(256)) * 8)


def pdf_bytes(pages: int = 4) -> bytes:
    """A real PDF of ``pages`` slides, made with WeasyPrint."""
    from weasyprint import HTML

    body = "".join(
        f'<section style="page-break-after: always"><h1>第{n}页 Page {n}</h1></section>' for n in range(1, pages + 1)
    )
    return bytes(HTML(string=f'<html lang="zh-CN"><body>{body}</body></html>').write_pdf())


def xlsx_bytes(rows: list[list[Any]], header: list[str] | None = None) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.worksheets[0]
    sheet.append(header if header is not None else ["姓名 Name", "手机号 Mobile", "职务 Job title"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(data: bytes, name: str) -> io.BytesIO:
    stream = io.BytesIO(data)
    stream.name = name
    return stream


def person(name: str = "王芳", phone: str = "13800000011", job_title: str = "") -> services.PersonInput:
    return services.PersonInput(name=name, phone=phone, job_title=job_title)


def register(
    session: Session,
    organization: Any,
    actor: User,
    *,
    name: str = "王芳",
    phone: str = "13800000011",
    at: dt.datetime = AT,
    waitlist_ok: bool = False,
) -> Registration:
    return services.registration_create(
        session=session,
        person=person(name, phone),
        organization=organization,
        actor=actor,
        at=at,
        waitlist_ok=waitlist_ok,
    )


def watch_all(registration: Registration, user: User, start: dt.datetime) -> dt.datetime:
    """Watch every video (a report every 30 s) and page (one a minute) of the course; returns the time after."""
    at = start
    for material in registration.session.course.materials.all():
        if material.kind == "video":
            for second in range(0, material.duration_seconds or 0, 30):
                at += dt.timedelta(seconds=30)
                services.progress_record(
                    registration=registration,
                    material=material,
                    ranges=[(second, min(second + 30, material.duration_seconds or 0))],
                    position=second + 30,
                    actor=user,
                    at=at,
                )
        else:
            for page in range(1, (material.pages or 0) + 1):
                at += dt.timedelta(minutes=1)
                services.progress_record(registration=registration, material=material, page=page, actor=user, at=at)
    return at


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: Any, tmp_path: Any) -> None:
    """Materials are stored under a temporary MEDIA_ROOT, not the developer's var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def trainer(heze: dict[str, Any]) -> User:
    return make_user(Role.BUREAU_REVIEWER, heze["city_dept"], username="city_trainer")


@pytest.fixture
def county_trainer(heze: dict[str, Any]) -> User:
    return make_user(Role.BUREAU_REVIEWER, heze["cao_dept"], username="cao_trainer")


def _with_phone(user: User, phone: str, display_name: str) -> User:
    user.phone, user.display_name = phone, display_name
    user.save(update_fields=["phone", "display_name"])
    return user


@pytest.fixture
def agency_user(heze: dict[str, Any]) -> User:
    return _with_phone(make_user(Role.AGENCY_STAFF, heze["agency"], username="agency_trainee"), AGENCY_PHONE, "李娜")


@pytest.fixture
def purchaser_user(heze: dict[str, Any]) -> User:
    user = make_user(Role.PURCHASER_STAFF, heze["budget_unit"], username="purchaser_trainee")
    return _with_phone(user, PURCHASER_PHONE, "张伟")


@pytest.fixture
def policy_document(heze: dict[str, Any], trainer: User) -> PolicyDocument:
    from zhengcai.policies.services import DocumentInput, document_create

    editor = make_user(Role.PUBLICITY_EDITOR, heze["city_bureau"], username="training_policy_editor")
    return document_create(
        data=DocumentInput(
            title="政府采购促进中小企业发展管理办法",
            number="财库〔2020〕46号",
            level="national",
            doc_type="normative",
            issuer="财政部 工业和信息化部",
            issued_on=dt.date(2020, 12, 18),
            effective_on=dt.date(2021, 1, 1),
            full_text="第一条 为了发挥政府采购的政策功能，促进中小企业健康发展，制定本办法。",
        ),
        actor=editor,
        at=AT,
    )


def make_course(
    heze: dict[str, Any],
    trainer: User,
    *,
    mode: str,
    title: str,
    audience: list[str] | None = None,
    region: Any = None,
    organizer: Any = None,
    documents: list[PolicyDocument] | None = None,
    topics: list[Tag] | None = None,
) -> Course:
    return services.course_create(
        data=services.CourseInput(
            title=title,
            mode=mode,
            audience=audience or [Audience.PURCHASER, Audience.AGENCY],
            region=region or heze["city"],
            organizer=organizer or heze["city_bureau"],
            description="政府采购政策培训。",
            document_ids=[d.pk for d in documents or []],
            topic_ids=[t.pk for t in topics or []],
        ),
        actor=trainer,
        at=AT,
    )


def open_course(course: Course, trainer: User) -> Course:
    return services.course_set_status(course=course, status=CourseStatus.OPEN, actor=trainer, at=AT)


@pytest.fixture
def offline_session(heze: dict[str, Any], trainer: User, policy_document: PolicyDocument) -> Session:
    topic, _ = Tag.objects.get_or_create(name="中小企业")
    course = make_course(
        heze,
        trainer,
        mode=CourseMode.OFFLINE,
        title="政府采购促进中小企业发展政策解读",
        documents=[policy_document],
        topics=[topic],
    )
    session = services.session_create(
        course=course,
        data=services.SessionInput(
            title="第一期",
            starts_at=OFFLINE_START,
            ends_at=OFFLINE_START + dt.timedelta(hours=3),
            registration_closes_at=local(2026, 3, 8, 18),
            venue="菏泽市公共资源交易中心",
            room="三楼培训室",
            capacity=3,
        ),
        actor=trainer,
        at=AT,
    )
    open_course(course, trainer)
    session.refresh_from_db()
    return session


@pytest.fixture
def live_session(heze: dict[str, Any], trainer: User) -> Session:
    course = make_course(heze, trainer, mode=CourseMode.LIVE, title="电子化采购系统操作直播培训")
    session = services.session_create(
        course=course,
        data=services.SessionInput(
            starts_at=LIVE_START,
            ends_at=LIVE_START + dt.timedelta(hours=2),
            registration_closes_at=LIVE_START,
            meeting_url="https://meeting.tencent.com/dm/zhengcai-demo",
            min_attendance_pct=80,
        ),
        actor=trainer,
        at=AT,
    )
    open_course(course, trainer)
    session.refresh_from_db()
    return session


@pytest.fixture
def recorded_course(heze: dict[str, Any], trainer: User) -> Course:
    course = make_course(
        heze,
        trainer,
        mode=CourseMode.RECORDED,
        title="政府采购法实施条例精讲（录播）",
        audience=[Audience.PURCHASER, Audience.AGENCY, Audience.SUPPLIER],
    )
    services.session_create(
        course=course,
        data=services.SessionInput(
            title="2026年3月", starts_at=AT, ends_at=RECORDED_END, registration_closes_at=RECORDED_END
        ),
        actor=trainer,
        at=AT,
    )
    return course


@pytest.fixture
def video_material(recorded_course: Course, trainer: User) -> CourseMaterial:
    return services.material_upload(
        course=recorded_course,
        data=services.MaterialInput(
            title="第一讲 总则", filename="lecture-1.mp4", stream=upload(mp4_bytes(60), "l.mp4")
        ),
        actor=trainer,
        at=AT,
    )


@pytest.fixture
def slides_material(recorded_course: Course, trainer: User) -> CourseMaterial:
    return services.material_upload(
        course=recorded_course,
        data=services.MaterialInput(title="讲义", filename="slides.pdf", stream=upload(pdf_bytes(4), "s.pdf")),
        actor=trainer,
        at=AT,
    )


@pytest.fixture
def recorded_session(
    recorded_course: Course, video_material: CourseMaterial, slides_material: CourseMaterial, trainer: User
) -> Session:
    open_course(recorded_course, trainer)
    return recorded_course.sessions.get()


@pytest.fixture
def agency_registration(offline_session: Session, heze: dict[str, Any], agency_user: User) -> Registration:
    return register(offline_session, heze["agency"], agency_user, name="李娜", phone=AGENCY_PHONE)


@pytest.fixture
def learner_registration(recorded_session: Session, heze: dict[str, Any], agency_user: User) -> Registration:
    return register(recorded_session, heze["agency"], agency_user, name="李娜", phone=AGENCY_PHONE)
