"""Writes of the training core: courses and sessions (bureau trainers), course materials, registration with
capacity and waiting list (organizations, their own staff only, one by one or from an Excel sheet),
cancellation with promotion from the waiting list, QR check-in at the door, live attendance from the meeting's
export, playback progress of recorded courses, and reminders.

Attendance is established once per registration (``completed_at`` and ``completion_source``):

- offline: checking in with the registration's signed code (``checkin.py``);
- live: the meeting's attendance export shows at least the session's ``min_attendance_pct`` of its length;
- recorded: at least ``RECORDED_COMPLETION_PCT`` of the course's material seen, inside the session's window.

Every change is audited; registrars and learners are told through the notification outbox. Assessments and
certificates (``models/assessment.py``) build on ``completed_at``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import File
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from zhengcai.accounts.models import User
from zhengcai.accounts.selectors import scope_reaches, user_memberships, user_scope
from zhengcai.core.audit import audit_record, snapshot
from zhengcai.core.errors import ByLanguage, ServiceError, raise_if_any
from zhengcai.core.fsm import check_transition
from zhengcai.core.notifications import notification_queue
from zhengcai.core.permissions import P
from zhengcai.organizations.models import Organization, Region
from zhengcai.policies.models import PolicyDocument, Tag

from . import checkin
from .errors import TrainingError
from .models import (
    AUDIENCES_BY_KIND,
    AttendanceImport,
    Audience,
    CompletionSource,
    Course,
    CourseMaterial,
    CourseMode,
    CourseStatus,
    MaterialKind,
    Participant,
    PlaybackProgress,
    Registration,
    RegistrationStatus,
    Session,
    SessionStatus,
)

TRAINING_ACTIONS: dict[str, Any] = {
    "training.course.create": _("Training course created"),
    "training.course.edit": _("Training course edited"),
    "training.course.open": _("Training course opened for registration"),
    "training.course.close": _("Training course closed"),
    "training.session.create": _("Training session scheduled"),
    "training.session.edit": _("Training session changed"),
    "training.session.cancel": _("Training session cancelled"),
    "training.material.upload": _("Course material uploaded"),
    "training.participant.create": _("Trainee added"),
    "training.participant.edit": _("Trainee details changed"),
    "training.registration.create": _("Registered for a training session"),
    "training.registration.waitlist": _("Put on a training session's waiting list"),
    "training.registration.bulk": _("Staff registered in bulk from a sheet"),
    "training.registration.cancel": _("Training registration cancelled"),
    "training.registration.promote": _("Moved from the waiting list to a place"),
    "training.checkin.reissue": _("New check-in code issued"),
    "training.checkin": _("Checked in at a training session"),
    "training.checkin.refused": _("Check-in code refused"),
    "training.attendance.import": _("Live attendance export imported"),
    "training.attendance.complete": _("Training attendance established"),
    "training.progress.start": _("Started a recorded course"),
    "training.reminder": _("Training reminder sent"),
}

TITLE_MAX = 200
SESSION_TITLE_MAX = 100
DESCRIPTION_MAX = 10_000
VENUE_MAX = 200
ROOM_MAX = 100
URL_MAX = 500
NAME_MAX = 50
JOB_TITLE_MAX = 100
CAPACITY_MAX = 10_000
MATERIAL_MAX_BYTES = 500 * 1024 * 1024
BLOCK_SECONDS = 5  # a video's progress is counted in blocks of this many seconds
SLIDE_PAGE_SECONDS = 60  # a slide page weighs as much as a minute of video in the course's share
RECORDED_COMPLETION_PCT = 90
PROGRESS_SLACK_SECONDS = 30  # credit allowed beyond the wall-clock time since the previous report
MAX_PLAYBACK_RATE = 2
MIN_PAGE_SECONDS = 3  # slides: at most one new page per this many seconds since the learner opened them
CHECKIN_OPENS_BEFORE = dt.timedelta(hours=2)
REMINDER_BEFORE = dt.timedelta(hours=24)
PHONE = re.compile(r"1[3-9]\d{9}")

COURSE_TRANSITIONS: dict[str, frozenset[str]] = {
    CourseStatus.DRAFT: frozenset({CourseStatus.OPEN, CourseStatus.CLOSED}),
    CourseStatus.OPEN: frozenset({CourseStatus.CLOSED}),
    CourseStatus.CLOSED: frozenset({CourseStatus.OPEN}),
}
REGISTRATION_TRANSITIONS: dict[str, frozenset[str]] = {
    RegistrationStatus.REGISTERED: frozenset({RegistrationStatus.CANCELLED}),
    RegistrationStatus.WAITLISTED: frozenset({RegistrationStatus.REGISTERED, RegistrationStatus.CANCELLED}),
    RegistrationStatus.CANCELLED: frozenset(),
}


# --- small rules ------------------------------------------------------------------------------------------


def normalize_phone(value: str) -> str:
    """A mainland mobile number as 11 digits: spaces, dashes and a +86 / 0086 prefix are ignored."""
    digits = re.sub(r"[\s\-()（）]", "", value or "")
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            digits = digits[len(prefix) :]
    return digits


def phone_valid(phone: str) -> bool:
    return bool(PHONE.fullmatch(phone))


def organization_audiences(organization: Organization) -> frozenset[str]:
    return AUDIENCES_BY_KIND.get(organization.kind, frozenset())


class Labels:
    """Choice labels joined in whichever language a message is rendered in (、 in Chinese, a comma in English)."""

    def __init__(self, labels: Iterable[Any]) -> None:
        self.labels = list(labels)

    def __str__(self) -> str:
        chinese = (translation.get_language() or "zh-hans").startswith("zh")
        return ("、" if chinese else ", ").join(str(label) for label in self.labels)


def _local(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _manages(actor: Any, course: Course) -> bool:
    scope = user_scope(user=actor, perm=P.TRAINING_MANAGE)
    return scope.everything or course.region_id in scope.region_ids or course.organizer_id in scope.organization_ids


def require_manager(actor: Any, course: Course) -> None:
    if not _manages(actor, course):
        raise PermissionDenied


def is_learner(user: Any, participant: Participant) -> bool:
    """The person being trained, by the account linked to the trainee (``participant_claim`` links it)."""
    return bool(getattr(user, "is_authenticated", False) and participant.user_id == user.pk)


def can_register_for(actor: Any, organization: Organization) -> bool:
    return scope_reaches(user=actor, perm=P.TRAINING_REGISTER, organization=organization)


def _error(code: TrainingError, field: str | None, message: Any, **params: Any) -> ServiceError:
    return ServiceError(code, field, message, **params)


def _too_long(code: TrainingError, field: str, value: str, limit: int) -> ServiceError | None:
    if len(value) > limit:
        return _error(
            code, field, _("At most {limit} characters (this has {length})."), limit=limit, length=len(value)
        )
    return None


def _notify(users: Iterable[Any], *, subject: str, body: str, link: str, at: dt.datetime, actor: Any = None) -> None:
    seen: set[int] = set()
    for user in users:
        if user is None or user.pk in seen or not user.is_active or user.pk == getattr(actor, "pk", None):
            continue
        seen.add(user.pk)
        notification_queue(recipient=user, subject=subject, body=body, link=link, at=at)


def _people_of(registration: Registration) -> list[Any]:
    """Who hears about a registration: the person (when they have an account) and who registered them."""
    return [registration.participant.user, registration.registered_by]


def _reg_state(registration: Registration) -> dict[str, Any]:
    return snapshot(
        registration,
        ["status", "waitlist_position", "cancelled_at", "checked_in_at", "completed_at", "completion_source"],
    )


# --- courses --------------------------------------------------------------------------------------------


@dataclass
class CourseInput:
    title: str
    mode: str
    audience: list[str]
    region: Region
    organizer: Organization
    description: str = ""
    document_ids: list[int] = field(default_factory=list)
    topic_ids: list[int] = field(default_factory=list)


def _check_course(data: CourseInput, actor: Any) -> list[ServiceError]:
    errors: list[ServiceError] = []
    data.title = data.title.strip()
    data.description = data.description.strip()
    if not data.title:
        errors.append(_error(TrainingError.COURSE_FIELD, "title", _("Give the course a title.")))
    for problem in (
        _too_long(TrainingError.COURSE_FIELD, "title", data.title, TITLE_MAX),
        _too_long(TrainingError.COURSE_FIELD, "description", data.description, DESCRIPTION_MAX),
    ):
        if problem:
            errors.append(problem)
    if data.mode not in CourseMode.values:
        errors.append(_error(TrainingError.COURSE_FIELD, "mode", _("Choose offline, live online or recorded.")))
    unknown = [a for a in data.audience if a not in Audience.values]
    if not data.audience or unknown:
        errors.append(_error(TrainingError.COURSE_FIELD, "audience", _("Choose at least one audience.")))
    data.audience = [a for a in Audience.values if a in data.audience]  # stored in the list's own order
    if not scope_reaches(user=actor, perm=P.TRAINING_MANAGE, organization=data.organizer):
        raise PermissionDenied
    scope = user_scope(user=actor, perm=P.TRAINING_MANAGE)
    if not (scope.everything or data.region.pk in scope.region_ids):
        errors.append(_error(TrainingError.COURSE_FIELD, "region", _("You can run courses for your own region only.")))
    documents = set(PolicyDocument.objects.filter(pk__in=data.document_ids).values_list("pk", flat=True))
    if len(documents) != len(set(data.document_ids)):
        errors.append(_error(TrainingError.COURSE_FIELD, "documents", _("A linked policy document does not exist.")))
    topics = set(Tag.objects.filter(pk__in=data.topic_ids).values_list("pk", flat=True))
    if len(topics) != len(set(data.topic_ids)):
        errors.append(_error(TrainingError.COURSE_FIELD, "topics", _("A topic does not exist.")))
    return errors


def _course_state(course: Course) -> dict[str, Any]:
    state = snapshot(course, ["title", "mode", "audience", "region", "organizer", "status", "description"])
    if course.pk:
        state["documents"] = sorted(course.documents.values_list("pk", flat=True))
        state["topics"] = sorted(course.topics.values_list("pk", flat=True))
    return state


@transaction.atomic
def course_create(*, data: CourseInput, actor: Any, at: dt.datetime) -> Course:
    raise_if_any(_check_course(data, actor))
    course = Course.objects.create(
        title=data.title,
        mode=data.mode,
        audience=data.audience,
        description=data.description,
        region=data.region,
        organizer=data.organizer,
        status=CourseStatus.DRAFT,
        created_at=at,
        created_by=actor,
        updated_at=at,
    )
    course.documents.set(data.document_ids)
    course.topics.set(data.topic_ids)
    audit_record(actor=actor, action="training.course.create", obj=course, after=_course_state(course), at=at)
    return course


@transaction.atomic
def course_update(*, course: Course, data: CourseInput, actor: Any, at: dt.datetime) -> Course:
    course = Course.objects.select_for_update().get(pk=course.pk)
    require_manager(actor, course)
    errors = _check_course(data, actor)
    if data.mode != course.mode and course.sessions.exists():
        errors.append(
            _error(
                TrainingError.COURSE_MODE_LOCKED,
                "mode",
                _("The mode cannot change once the course has sessions: create a new course instead."),
            )
        )
    raise_if_any(errors)
    before = _course_state(course)
    course.title, course.mode, course.audience = data.title, data.mode, data.audience
    course.description, course.region, course.organizer = data.description, data.region, data.organizer
    course.updated_at = at
    course.save()
    course.documents.set(data.document_ids)
    course.topics.set(data.topic_ids)
    audit_record(
        actor=actor, action="training.course.edit", obj=course, before=before, after=_course_state(course), at=at
    )
    return course


@transaction.atomic
def course_set_status(*, course: Course, status: str, actor: Any, at: dt.datetime) -> Course:
    """Open (needs a session still to come, and material for a recorded course) or close a course."""
    course = Course.objects.select_for_update().get(pk=course.pk)
    require_manager(actor, course)
    check_transition(COURSE_TRANSITIONS, course.status, status, labels=CourseStatus)
    if status == CourseStatus.OPEN:
        if not course.sessions.filter(status=SessionStatus.SCHEDULED, ends_at__gt=at).exists():
            raise _error(
                TrainingError.COURSE_NOT_READY, "status", _("Schedule a session first: the course has none to come.")
            )
        if course.mode == CourseMode.RECORDED and not course.materials.exists():
            raise _error(
                TrainingError.COURSE_NOT_READY,
                "status",
                _("Upload the videos or slides of the recorded course first."),
            )
    before = snapshot(course, ["status"])
    course.status = status
    course.updated_at = at
    course.save(update_fields=["status", "updated_at"])
    action = "training.course.open" if status == CourseStatus.OPEN else "training.course.close"
    audit_record(actor=actor, action=action, obj=course, before=before, after=snapshot(course, ["status"]), at=at)
    return course


# --- sessions -------------------------------------------------------------------------------------------


@dataclass
class SessionInput:
    starts_at: dt.datetime
    ends_at: dt.datetime
    registration_closes_at: dt.datetime
    title: str = ""
    venue: str = ""
    room: str = ""
    capacity: int | None = None
    meeting_url: str = ""
    min_attendance_pct: int | None = None


def _check_session(course: Course, data: SessionInput, *, at: dt.datetime, new: bool) -> list[ServiceError]:
    code = TrainingError.SESSION_FIELD
    errors: list[ServiceError] = []
    data.title, data.venue, data.room = data.title.strip(), data.venue.strip(), data.room.strip()
    data.meeting_url = data.meeting_url.strip()
    for name, value, limit in (
        ("title", data.title, SESSION_TITLE_MAX),
        ("venue", data.venue, VENUE_MAX),
        ("room", data.room, ROOM_MAX),
        ("meeting_url", data.meeting_url, URL_MAX),
    ):
        problem = _too_long(code, name, value, limit)
        if problem:
            errors.append(problem)
    if data.ends_at <= data.starts_at:
        errors.append(_error(code, "ends_at", _("The session must end after it starts.")))
    if new and data.ends_at <= at:
        errors.append(_error(code, "ends_at", _("This session would already be over.")))
    if course.mode == CourseMode.RECORDED:
        latest, message = data.ends_at, _("Registration must close by the end of the viewing window, {when}.")
    else:
        latest, message = data.starts_at, _("Registration must close no later than the start, {when}.")
    if data.registration_closes_at > latest:
        errors.append(_error(code, "registration_closes_at", message, when=_local(latest)))
    if data.capacity is not None and not 1 <= data.capacity <= CAPACITY_MAX:
        errors.append(_error(code, "capacity", _("The capacity is between 1 and {max}."), max=CAPACITY_MAX))
    if course.mode == CourseMode.OFFLINE:
        if not data.venue:
            errors.append(_error(code, "venue", _("An offline session needs a venue.")))
        if data.capacity is None:
            errors.append(_error(code, "capacity", _("An offline session needs a capacity (the room's seats).")))
    if course.mode == CourseMode.LIVE and not data.meeting_url.startswith("https://"):
        errors.append(_error(code, "meeting_url", _("A live session needs its meeting link (https://…).")))
    if data.min_attendance_pct is None:
        data.min_attendance_pct = settings.TRAINING_LIVE_ATTENDANCE_PCT
    if not 1 <= data.min_attendance_pct <= 100:
        errors.append(_error(code, "min_attendance_pct", _("The minimum attendance is between 1 and 100 per cent.")))
    return errors


def _session_state(session: Session) -> dict[str, Any]:
    return snapshot(
        session,
        [
            "title",
            "starts_at",
            "ends_at",
            "venue",
            "room",
            "capacity",
            "meeting_url",
            "registration_closes_at",
            "min_attendance_pct",
            "status",
        ],
    )


@transaction.atomic
def session_create(*, course: Course, data: SessionInput, actor: Any, at: dt.datetime) -> Session:
    course = Course.objects.select_for_update().get(pk=course.pk)
    require_manager(actor, course)
    raise_if_any(_check_session(course, data, at=at, new=True))
    session = Session.objects.create(
        course=course,
        title=data.title,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        venue=data.venue,
        room=data.room,
        capacity=data.capacity,
        meeting_url=data.meeting_url,
        registration_closes_at=data.registration_closes_at,
        min_attendance_pct=data.min_attendance_pct or settings.TRAINING_LIVE_ATTENDANCE_PCT,
        created_at=at,
        updated_at=at,
    )
    audit_record(actor=actor, action="training.session.create", obj=session, after=_session_state(session), at=at)
    return session


@transaction.atomic
def session_update(*, session: Session, data: SessionInput, actor: Any, at: dt.datetime) -> Session:
    """Change a session; a larger capacity gives the new places to the waiting list, in order."""
    session = Session.objects.select_for_update(of=("self",)).select_related("course").get(pk=session.pk)
    require_manager(actor, session.course)
    if session.status == SessionStatus.CANCELLED:
        raise _error(TrainingError.SESSION_CANCELLED, None, _("This session was cancelled."))
    errors = _check_session(session.course, data, at=at, new=False)
    taken = session.registrations.filter(status=RegistrationStatus.REGISTERED).count()
    if data.capacity is not None and data.capacity < taken:
        errors.append(
            _error(
                TrainingError.SESSION_CAPACITY,
                "capacity",
                _("{taken} people already have a place: the capacity cannot be less."),
                taken=taken,
            )
        )
    raise_if_any(errors)
    before = _session_state(session)
    for name in ("title", "starts_at", "ends_at", "venue", "room", "capacity", "meeting_url"):
        setattr(session, name, getattr(data, name))
    session.registration_closes_at = data.registration_closes_at
    session.min_attendance_pct = data.min_attendance_pct or session.min_attendance_pct
    session.updated_at = at
    session.save()
    audit_record(
        actor=actor, action="training.session.edit", obj=session, before=before, after=_session_state(session), at=at
    )
    _promote(session, actor=actor, at=at)
    return session


@transaction.atomic
def session_cancel(*, session: Session, reason: str, actor: Any, at: dt.datetime) -> Session:
    """Cancel a session: every registration is cancelled and everyone concerned is told why."""
    session = Session.objects.select_for_update(of=("self",)).select_related("course").get(pk=session.pk)
    require_manager(actor, session.course)
    reason = reason.strip()
    if not reason:
        raise _error(TrainingError.SESSION_FIELD, "reason", _("Say why the session is cancelled."))
    if problem := _too_long(TrainingError.SESSION_FIELD, "reason", reason, 500):
        raise problem
    if session.status == SessionStatus.CANCELLED:
        raise _error(TrainingError.SESSION_CANCELLED, None, _("This session was cancelled."))
    before = _session_state(session)
    session.status = SessionStatus.CANCELLED
    session.updated_at = at
    session.save(update_fields=["status", "updated_at"])
    after = _session_state(session) | {"reason": reason}
    audit_record(actor=actor, action="training.session.cancel", obj=session, before=before, after=after, at=at)
    active = session.registrations.select_for_update(of=("self",)).exclude(status=RegistrationStatus.CANCELLED)
    for registration in active.select_related("participant__user", "registered_by"):
        _cancel_row(registration, actor=actor, at=at)
        _notify(
            _people_of(registration),
            subject=gettext("Training session cancelled: {course}").format(course=session.course.title),
            body=gettext("The session of {when} is cancelled: {reason}").format(
                when=_local(session.starts_at), reason=reason
            ),
            link=reverse("training:home"),
            at=at,
            actor=actor,
        )
    return session


# --- materials ------------------------------------------------------------------------------------------


MATERIAL_TYPES: dict[str, tuple[str, str]] = {  # extension → (kind, content type)
    "mp4": (MaterialKind.VIDEO, "video/mp4"),
    "m4v": (MaterialKind.VIDEO, "video/mp4"),
    "webm": (MaterialKind.VIDEO, "video/webm"),
    "pdf": (MaterialKind.SLIDES, "application/pdf"),
}


def _signature_ok(head: bytes, extension: str) -> bool:
    if extension in {"mp4", "m4v"}:
        return head[4:8] == b"ftyp"
    if extension == "webm":
        return head[:4] == b"\x1a\x45\xdf\xa3"
    return head[:5] == b"%PDF-"


def mp4_duration(stream: IO[bytes]) -> int | None:
    """Seconds, from the movie header (``moov/mvhd``) of an MP4 file; None if it cannot be found."""

    def boxes(start: int, end: int) -> Iterable[tuple[bytes, int, int]]:
        position = start
        while position + 8 <= end:
            stream.seek(position)
            header = stream.read(8)
            if len(header) < 8:
                return
            size, kind = int.from_bytes(header[:4], "big"), header[4:8]
            body = position + 8
            if size == 1:
                size = int.from_bytes(stream.read(8), "big")
                body += 8
            elif size == 0:
                size = end - position
            if size < 8:
                return
            yield kind, body, position + size
            position += size

    stream.seek(0, 2)
    total = stream.tell()
    for kind, body, end in boxes(0, total):
        if kind != b"moov":
            continue
        for inner, inner_body, _inner_end in boxes(body, end):
            if inner != b"mvhd":
                continue
            stream.seek(inner_body)
            version = stream.read(1)[0]
            stream.read(3)
            if version == 1:
                stream.read(16)
                timescale = int.from_bytes(stream.read(4), "big")
                duration = int.from_bytes(stream.read(8), "big")
            else:
                stream.read(8)
                timescale = int.from_bytes(stream.read(4), "big")
                duration = int.from_bytes(stream.read(4), "big")
            return math.ceil(duration / timescale) if timescale else None
    return None


_OBJECT_STREAM = re.compile(rb"<<([^<>]*/Type\s*/ObjStm[^<>]*)>>\s*stream\r?\n")


def pdf_pages(data: bytes) -> int | None:
    """Page count of a PDF: the page tree's /Count, else the page objects, looked for in plain text and in
    compressed object streams (what WeasyPrint and most tools write); None if neither is found."""
    texts = [data]
    for match in _OBJECT_STREAM.finditer(data):
        if b"/FlateDecode" not in match.group(1):
            continue
        end = data.find(b"endstream", match.end())
        try:
            texts.append(zlib.decompressobj().decompress(data[match.end() : end], 50 * 1024 * 1024))
        except zlib.error:
            continue
    counts = [int(c) for text in texts for c in re.findall(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)", text)]
    counts += [int(c) for text in texts for c in re.findall(rb"/Count\s+(\d+)[^>]*?/Type\s*/Pages\b", text)]
    if counts:
        return max(counts) or None
    pages = sum(len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", text)) for text in texts)
    return pages or None


@dataclass
class MaterialInput:
    title: str
    filename: str
    stream: IO[bytes]
    duration_seconds: int | None = None  # videos: read from the file when not given
    pages: int | None = None  # slides: read from the file when not given
    order: int | None = None


@transaction.atomic
def material_upload(*, course: Course, data: MaterialInput, actor: Any, at: dt.datetime) -> CourseMaterial:
    """A video (MP4, WebM) or slides (PDF) of a recorded course, kept in the platform's own storage."""
    course = Course.objects.select_for_update().get(pk=course.pk)
    require_manager(actor, course)
    code = TrainingError.MATERIAL_FILE
    if course.mode != CourseMode.RECORDED:
        raise _error(code, "file", _("Only recorded courses have videos and slides."))
    title = data.title.strip()
    if not title:
        raise _error(TrainingError.MATERIAL_FIELD, "title", _("Give the material a title."))
    if problem := _too_long(TrainingError.MATERIAL_FIELD, "title", title, TITLE_MAX):
        raise problem
    extension = data.filename.rsplit(".", 1)[-1].lower() if "." in data.filename else ""
    if extension not in MATERIAL_TYPES:
        raise _error(code, "file", _("Upload an MP4 or WebM video, or PDF slides."))
    kind, content_type = MATERIAL_TYPES[extension]
    stream = data.stream
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(0)
    if size == 0:
        raise _error(code, "file", _("The file is empty."))
    if size > MATERIAL_MAX_BYTES:
        raise _error(code, "file", _("At most {mb} MB per file."), mb=MATERIAL_MAX_BYTES // (1024 * 1024))
    if not _signature_ok(stream.read(16), extension):
        raise _error(code, "file", _("The file's content is not a {kind} file."), kind=extension.upper())
    stream.seek(0)
    digest = hashlib.sha256()
    for chunk in iter(lambda: stream.read(1024 * 1024), b""):
        digest.update(chunk)
    duration = pages = None
    if kind == MaterialKind.VIDEO:
        duration = data.duration_seconds or (mp4_duration(stream) if extension != "webm" else None)
        if not duration or duration <= 0:
            raise _error(
                TrainingError.MATERIAL_FIELD,
                "duration_seconds",
                _("The video's length could not be read from the file: give it in seconds."),
            )
    else:
        stream.seek(0)
        pages = data.pages or pdf_pages(stream.read())
        if not pages or pages <= 0:
            raise _error(
                TrainingError.MATERIAL_FIELD,
                "pages",
                _("The number of pages could not be read from the file: give it."),
            )
    stream.seek(0)
    order = data.order
    if order is None:
        order = (course.materials.aggregate(m=Max("order"))["m"] or 0) + 1
    material = CourseMaterial(
        course=course,
        kind=kind,
        title=title,
        content_type=content_type,
        sha256=digest.hexdigest(),
        size=size,
        duration_seconds=duration,
        pages=pages,
        order=order,
        uploaded_at=at,
        uploaded_by=actor,
    )
    material.file.save(f"{digest.hexdigest()[:16]}.{extension}", File(stream), save=False)
    material.save()
    audit_record(
        actor=actor,
        action="training.material.upload",
        obj=material,
        after=snapshot(material, ["course", "kind", "title", "file", "sha256", "size", "duration_seconds", "pages"]),
        at=at,
    )
    return material


# --- participants and registration --------------------------------------------------------------------


@dataclass(frozen=True)
class PersonInput:
    name: str
    phone: str
    job_title: str = ""


def person_problems(person: PersonInput) -> list[tuple[str, Any, dict[str, Any]]]:
    """(field, message, params) for each rule a person's details break (shared by the form and the sheet)."""
    problems: list[tuple[str, Any, dict[str, Any]]] = []
    name, phone, job = person.name.strip(), normalize_phone(person.phone), person.job_title.strip()
    if not name:
        problems.append(("name", _("The name is missing."), {}))
    elif len(name) > NAME_MAX:
        problems.append(
            ("name", _("At most {limit} characters (this has {length})."), {"limit": NAME_MAX, "length": len(name)})
        )
    if not phone:
        problems.append(("phone", _("The mobile number is missing."), {}))
    elif not phone_valid(phone):
        problems.append(
            (
                "phone",
                _("{phone} is not a mainland mobile number (11 digits starting with 1)."),
                {"phone": person.phone.strip()},
            )
        )
    if len(job) > JOB_TITLE_MAX:
        problems.append(
            (
                "job_title",
                _("At most {limit} characters (this has {length})."),
                {"limit": JOB_TITLE_MAX, "length": len(job)},
            )
        )
    return problems


def _linked_user(organization: Organization, phone: str) -> Any:
    """The organization's member whose account carries this mobile number, if exactly one does."""
    candidates = [
        u
        for u in User.objects.filter(memberships__organization=organization, memberships__is_active=True).distinct()
        if normalize_phone(u.phone) == phone
    ]
    return candidates[0] if len(candidates) == 1 else None


def participant_ensure(
    *, organization: Organization, person: PersonInput, actor: Any, at: dt.datetime, row: int | None = None
) -> Participant:
    """The organization's trainee with this mobile number, created on first registration. A number already
    known under another name is refused rather than renamed (a typo must not move someone's history)."""
    problems = person_problems(person)
    if problems:
        raise_if_any([_error(TrainingError.PARTICIPANT_FIELD, f, m, **p) for f, m, p in problems])
    phone, name, job = normalize_phone(person.phone), person.name.strip(), person.job_title.strip()
    existing = Participant.objects.select_for_update().filter(organization=organization, phone=phone).first()
    if existing is not None:
        if existing.name != name:
            raise _error(
                TrainingError.PARTICIPANT_NAME_MISMATCH,
                "name",
                _("{phone} belongs to {known} in your organization, not {name}."),
                phone=phone,
                known=existing.name,
                name=name,
            )
        changes: dict[str, Any] = {}
        if job and job != existing.job_title:
            changes["job_title"] = job
        if existing.user_id is None and (user := _linked_user(organization, phone)) is not None:
            changes["user"] = user
        if changes:
            before = snapshot(existing, ["job_title", "user"])
            for key, value in changes.items():
                setattr(existing, key, value)
            existing.save(update_fields=list(changes))
            audit_record(
                actor=actor,
                action="training.participant.edit",
                obj=existing,
                before=before,
                after=snapshot(existing, ["job_title", "user"]),
                at=at,
            )
        return existing
    participant = Participant.objects.create(
        organization=organization,
        name=name,
        phone=phone,
        job_title=job,
        user=_linked_user(organization, phone),
        created_at=at,
    )
    audit_record(
        actor=actor,
        action="training.participant.create",
        obj=participant,
        after=snapshot(participant, ["organization", "name", "phone", "job_title", "user"]),
        at=at,
    )
    return participant


@transaction.atomic
def participant_claim(*, participant: Participant, actor: Any, at: dt.datetime) -> Participant:
    """Link a trainee to the account of the person: a member of the trainee's organization whose account
    carries the trainee's mobile number (their own registrations, codes, courses and certificates)."""
    participant = Participant.objects.select_for_update().get(pk=participant.pk)
    member = any(m.organization_id == participant.organization_id for m in user_memberships(user=actor))
    if not member or normalize_phone(getattr(actor, "phone", "")) != participant.phone:
        raise PermissionDenied
    if participant.user_id == actor.pk:
        return participant
    if participant.user_id is not None:
        raise _error(TrainingError.PARTICIPANT_FIELD, None, _("This trainee is already linked to another account."))
    before = snapshot(participant, ["user"])
    participant.user = actor
    participant.save(update_fields=["user"])
    audit_record(
        actor=actor,
        action="training.participant.edit",
        obj=participant,
        before=before,
        after=snapshot(participant, ["user"]),
        at=at,
    )
    return participant


@dataclass(frozen=True)
class Places:
    capacity: int | None
    registered: int
    waitlisted: int

    @property
    def left(self) -> int | None:
        return None if self.capacity is None else max(self.capacity - self.registered, 0)

    @property
    def full(self) -> bool:
        return self.left == 0


def session_places(session: Session) -> Places:
    counts: dict[str, int] = {RegistrationStatus.REGISTERED: 0, RegistrationStatus.WAITLISTED: 0}
    for status in session.registrations.exclude(status=RegistrationStatus.CANCELLED).values_list("status", flat=True):
        counts[status] = counts.get(status, 0) + 1
    return Places(session.capacity, counts[RegistrationStatus.REGISTERED], counts[RegistrationStatus.WAITLISTED])


def _check_open(session: Session, organization: Organization, at: dt.datetime) -> None:
    """The session takes registrations from this organization now."""
    course = session.course
    if session.status == SessionStatus.CANCELLED:
        raise _error(TrainingError.SESSION_CANCELLED, "session", _("This session was cancelled."))
    if course.status != CourseStatus.OPEN:
        raise _error(TrainingError.NOT_OPEN, "session", _("This course is not open for registration."))
    if at >= session.registration_closes_at:
        raise _error(
            TrainingError.CLOSED,
            "session",
            _("Registration for this session closed at {when}."),
            when=_local(session.registration_closes_at),
        )
    if not organization_audiences(organization) & set(course.audience):
        raise _error(
            TrainingError.AUDIENCE,
            "session",
            _("This course is for {audience}; your organization is not among them."),
            audience=Labels([Audience(a).label for a in course.audience]),
        )
    region = course.region
    if not region.is_city and organization.region_id != region.pk:
        raise _error(
            TrainingError.REGION, "session", _("This course is for organizations of {region}."), region=region.name
        )


def _full_error(session: Session, places: Places) -> ServiceError:
    return _error(
        TrainingError.FULL,
        "session",
        _("This session is full: all {capacity} places are taken. You may join the waiting list instead."),
        capacity=places.capacity,
    )


def _next_waitlist_position(session: Session) -> int:
    top = session.registrations.filter(status=RegistrationStatus.WAITLISTED).aggregate(m=Max("waitlist_position"))
    return (top["m"] or 0) + 1


def _already(participant: Participant, session: Session) -> Registration | None:
    return (
        Registration.objects.filter(session=session, participant=participant)
        .exclude(status=RegistrationStatus.CANCELLED)
        .first()
    )


def _insert(
    session: Session, participant: Participant, *, waitlisted: bool, actor: Any, at: dt.datetime
) -> Registration:
    registration = Registration.objects.create(
        session=session,
        participant=participant,
        registered_by=actor,
        registered_at=at,
        status=RegistrationStatus.WAITLISTED if waitlisted else RegistrationStatus.REGISTERED,
        waitlist_position=_next_waitlist_position(session) if waitlisted else None,
        checkin_nonce=checkin.new_nonce(),
        updated_at=at,
    )
    audit_record(
        actor=actor,
        action="training.registration.waitlist" if waitlisted else "training.registration.create",
        obj=registration,
        after=_reg_state(registration) | {"session": session.pk, "participant": participant.pk},
        at=at,
    )
    return registration


def _tell_registered(registration: Registration, *, actor: Any, at: dt.datetime) -> None:
    session = registration.session
    waiting = registration.status == RegistrationStatus.WAITLISTED
    subject = (gettext("On the waiting list: {course}") if waiting else gettext("Registered: {course}")).format(
        course=session.course.title
    )
    body = gettext("{name}, session of {when}{where}.").format(
        name=registration.participant.name,
        when=_local(session.starts_at),
        where=f" · {session.venue} {session.room}".rstrip() if session.venue else "",
    )
    _notify(
        [registration.participant.user],
        subject=subject,
        body=body,
        link=reverse("training:my_registration", args=[registration.pk]),
        at=at,
        actor=actor,
    )


@transaction.atomic
def registration_create(
    *,
    session: Session,
    person: PersonInput,
    organization: Organization,
    actor: Any,
    at: dt.datetime,
    waitlist_ok: bool = False,
) -> Registration:
    """Register one of the organization's own staff. A full session refuses unless the waiting list is
    accepted (``waitlist_ok``); one person is registered at most once per session."""
    if not can_register_for(actor, organization):
        raise PermissionDenied
    session = Session.objects.select_for_update(of=("self",)).select_related("course__region").get(pk=session.pk)
    _check_open(session, organization, at)
    participant = participant_ensure(organization=organization, person=person, actor=actor, at=at)
    existing = _already(participant, session)
    if existing is not None:
        raise _error(
            TrainingError.ALREADY,
            "phone",
            _("{name} is already registered for this session ({status})."),
            name=participant.name,
            status=existing.get_status_display(),
        )
    places = session_places(session)
    if places.full and not waitlist_ok:
        raise _full_error(session, places)
    registration = _insert(session, participant, waitlisted=places.full, actor=actor, at=at)
    _tell_registered(registration, actor=actor, at=at)
    return registration


@dataclass(frozen=True)
class SheetRow:
    row: int  # the row in the spreadsheet (the header is row 1)
    name: str
    phone: str
    job_title: str = ""


COLUMN_LABELS = {
    "name": ByLanguage("姓名", "Name"),
    "phone": ByLanguage("手机号", "Mobile"),
    "job_title": ByLanguage("职务", "Job title"),
    "join": ByLanguage("入会时间", "Join time"),
    "leave": ByLanguage("离会时间", "Leave time"),
    "minutes": ByLanguage("参会时长", "Minutes"),
}


def row_error(code: TrainingError, row: int, column: str, problem: Any, **params: Any) -> ServiceError:
    """``Row N, column: problem`` (第N行，列：问题), rendered in whichever language is asked for."""
    from zhengcai.credit.services import Formatted  # a message with its own parameters, kept bilingual

    return ServiceError(
        code,
        f"rows[{row}].{column}",
        _("Row {row}, {column}: {problem}"),
        row=row,
        column=COLUMN_LABELS.get(column, column),
        problem=Formatted(problem, **params),
    )


@transaction.atomic
def registration_bulk(
    *,
    session: Session,
    organization: Organization,
    rows: Sequence[SheetRow],
    actor: Any,
    at: dt.datetime,
    waitlist_ok: bool = False,
) -> list[Registration]:
    """Register the people of a sheet: every row or none. Each bad row is reported with its number and
    column; a sheet with more people than places left is refused saying how many are left (unless those
    beyond are to go on the waiting list)."""
    if not can_register_for(actor, organization):
        raise PermissionDenied
    session = Session.objects.select_for_update(of=("self",)).select_related("course__region").get(pk=session.pk)
    _check_open(session, organization, at)
    if not rows:
        raise _error(TrainingError.IMPORT_EMPTY, "file", _("The sheet has no one to register."))
    errors: list[ServiceError] = []
    seen: dict[str, int] = {}
    known = {p.phone: p for p in Participant.objects.filter(organization=organization)}
    active = set(
        Registration.objects.filter(session=session, participant__organization=organization)
        .exclude(status=RegistrationStatus.CANCELLED)
        .values_list("participant__phone", flat=True)
    )
    for r in rows:
        problems = person_problems(PersonInput(r.name, r.phone, r.job_title))
        for column, message, params in problems:
            errors.append(row_error(TrainingError.IMPORT_ROW, r.row, column, message, **params))
        if problems:
            continue
        phone = normalize_phone(r.phone)
        if phone in seen:
            errors.append(
                row_error(
                    TrainingError.IMPORT_ROW, r.row, "phone", _("The same person as row {first}."), first=seen[phone]
                )
            )
            continue
        seen[phone] = r.row
        person = known.get(phone)
        if person is not None and person.name != r.name.strip():
            errors.append(
                row_error(
                    TrainingError.IMPORT_ROW,
                    r.row,
                    "name",
                    _("{phone} belongs to {known} in your organization, not {name}."),
                    phone=phone,
                    known=person.name,
                    name=r.name.strip(),
                )
            )
        if phone in active:
            errors.append(
                row_error(TrainingError.IMPORT_ROW, r.row, "phone", _("Already registered for this session."))
            )
    raise_if_any(errors)
    places = session_places(session)
    if places.left is not None and len(rows) > places.left and not waitlist_ok:
        raise _error(
            TrainingError.IMPORT_CAPACITY,
            "file",
            _("The sheet has {count} people but only {left} places are left: nothing was registered."),
            count=len(rows),
            left=places.left,
        )
    left = places.left
    created: list[Registration] = []
    for r in rows:
        participant = participant_ensure(
            organization=organization, person=PersonInput(r.name, r.phone, r.job_title), actor=actor, at=at
        )
        waiting = left is not None and left <= 0
        created.append(_insert(session, participant, waitlisted=waiting, actor=actor, at=at))
        if left is not None and not waiting:
            left -= 1
    audit_record(
        actor=actor,
        action="training.registration.bulk",
        obj=session,
        after={
            "organization": organization.pk,
            "registered": [c.pk for c in created if c.status == RegistrationStatus.REGISTERED],
            "waitlisted": [c.pk for c in created if c.status == RegistrationStatus.WAITLISTED],
        },
        at=at,
    )
    for registration in created:
        _tell_registered(registration, actor=actor, at=at)
    return created


def _cancel_row(registration: Registration, *, actor: Any, at: dt.datetime) -> None:
    before = _reg_state(registration)
    registration.status = RegistrationStatus.CANCELLED
    registration.waitlist_position = None
    registration.cancelled_at = at
    registration.updated_at = at
    registration.save(update_fields=["status", "waitlist_position", "cancelled_at", "updated_at"])
    audit_record(
        actor=actor,
        action="training.registration.cancel",
        obj=registration,
        before=before,
        after=_reg_state(registration),
        at=at,
    )


def _promote(session: Session, *, actor: Any, at: dt.datetime) -> list[Registration]:
    """Give free places to the waiting list, first come first served, and tell those promoted."""
    cutoff = session.ends_at if session.course.mode == CourseMode.RECORDED else session.starts_at
    if session.status == SessionStatus.CANCELLED or at >= cutoff:
        return []
    promoted: list[Registration] = []
    places = session_places(session)
    free = places.left
    waiting = (
        session.registrations.select_for_update(of=("self",))
        .filter(status=RegistrationStatus.WAITLISTED)
        .order_by("waitlist_position", "id")
        .select_related("participant__user", "registered_by")
    )
    for registration in waiting:
        if free is not None and free <= 0:
            break
        before = _reg_state(registration)
        registration.status = RegistrationStatus.REGISTERED
        registration.waitlist_position = None
        registration.updated_at = at
        registration.save(update_fields=["status", "waitlist_position", "updated_at"])
        audit_record(
            actor=actor,
            action="training.registration.promote",
            obj=registration,
            before=before,
            after=_reg_state(registration),
            at=at,
        )
        _notify(
            _people_of(registration),
            subject=gettext("A place is free for you: {course}").format(course=session.course.title),
            body=gettext("{name} moved from the waiting list to a place in the session of {when}.").format(
                name=registration.participant.name, when=_local(session.starts_at)
            ),
            link=reverse("training:my_registration", args=[registration.pk]),
            at=at,
        )
        promoted.append(registration)
        if free is not None:
            free -= 1
    return promoted


@transaction.atomic
def registration_cancel(*, registration: Registration, actor: Any, at: dt.datetime) -> Registration:
    """Cancel before the session starts (the person, their organization or the trainers); the place goes to
    the first on the waiting list."""
    # The session first (as registering does), then the row: promotions of one session run one at a time.
    session = Session.objects.select_for_update(of=("self",)).select_related("course").get(pk=registration.session_id)
    registration = (
        Registration.objects.select_for_update(of=("self",))
        .select_related("session__course", "participant__organization")
        .get(pk=registration.pk)
    )
    allowed = (
        can_register_for(actor, registration.participant.organization)
        or is_learner(actor, registration.participant)
        or _manages(actor, session.course)
    )
    if not allowed:
        raise PermissionDenied
    check_transition(
        REGISTRATION_TRANSITIONS, registration.status, RegistrationStatus.CANCELLED, labels=RegistrationStatus
    )
    if registration.completed_at is not None or registration.checked_in_at is not None:
        raise _error(TrainingError.NOT_CANCELLABLE, None, _("Attendance is already recorded: it cannot be cancelled."))
    if session.course.mode != CourseMode.RECORDED and at >= session.starts_at:
        raise _error(
            TrainingError.NOT_CANCELLABLE,
            None,
            _("The session started at {when}: it is too late to cancel."),
            when=_local(session.starts_at),
        )
    had_place = registration.status == RegistrationStatus.REGISTERED
    _cancel_row(registration, actor=actor, at=at)
    if had_place:
        _promote(session, actor=actor, at=at)
    return registration


@transaction.atomic
def checkin_code_reissue(*, registration: Registration, actor: Any, at: dt.datetime) -> Registration:
    """A new code (a lost or photographed printout): the old one stops working."""
    registration = (
        Registration.objects.select_for_update(of=("self",)).select_related("participant").get(pk=registration.pk)
    )
    if not (
        can_register_for(actor, registration.participant.organization) or is_learner(actor, registration.participant)
    ):
        raise PermissionDenied
    if registration.status == RegistrationStatus.CANCELLED or registration.checked_in_at is not None:
        raise _error(TrainingError.CHECKIN, None, _("This registration has no code to replace."))
    registration.checkin_nonce = checkin.new_nonce()
    registration.updated_at = at
    registration.save(update_fields=["checkin_nonce", "updated_at"])
    audit_record(actor=actor, action="training.checkin.reissue", obj=registration, after={"reissued": True}, at=at)
    return registration


# --- attendance ---------------------------------------------------------------------------------------


def _complete(registration: Registration, *, source: str, actor: Any, at: dt.datetime) -> bool:
    if registration.completed_at is not None:
        return False
    before = _reg_state(registration)
    registration.completed_at = at
    registration.completion_source = source
    registration.updated_at = at
    registration.save(update_fields=["completed_at", "completion_source", "updated_at"])
    audit_record(
        actor=actor,
        action="training.attendance.complete",
        obj=registration,
        before=before,
        after=_reg_state(registration),
        at=at,
    )
    course = registration.session.course
    _notify(
        [registration.participant.user],
        subject=gettext("Training attended: {course}").format(course=course.title),
        body=gettext("Your attendance of {course} is recorded.").format(course=course.title),
        link=reverse("training:my_registration", args=[registration.pk]),
        at=at,
        actor=actor,
    )
    return True


class CheckinOutcome:
    CHECKED_IN = "checked_in"
    ALREADY_USED = "already_used"
    FORGED = "forged"
    EXPIRED = "expired"
    OTHER_SESSION = "other_session"
    REPLACED = "replaced"
    NOT_ADMITTED = "not_admitted"
    TOO_EARLY = "too_early"


CHECKIN_MESSAGES: dict[str, Any] = {
    CheckinOutcome.CHECKED_IN: _("Checked in: {name}, {organization}."),
    CheckinOutcome.ALREADY_USED: _("Already used: {name} checked in at {when}."),
    CheckinOutcome.FORGED: _("Not a valid code of this platform: refused."),
    CheckinOutcome.EXPIRED: _("This code expired at {when}: refused."),
    CheckinOutcome.OTHER_SESSION: _("This code is for another session ({session}): refused."),
    CheckinOutcome.REPLACED: _("This code was replaced by a newer one: ask for the current code."),
    CheckinOutcome.NOT_ADMITTED: _("{name} has no place in this session ({status}): refused."),
    CheckinOutcome.TOO_EARLY: _("Check-in opens at {when}."),
}


@dataclass(frozen=True)
class CheckinAnswer:
    outcome: str
    registration: Registration | None = None
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.outcome == CheckinOutcome.CHECKED_IN

    @property
    def error(self) -> ServiceError:
        """The answer as a bilingual message (also for a success, to show it the same way)."""
        return ServiceError(TrainingError.CHECKIN, "code", CHECKIN_MESSAGES[self.outcome], **self.params)


@transaction.atomic
def registration_check_in(*, session: Session, text: str, actor: Any, at: dt.datetime) -> CheckinAnswer:
    """The organizer's scan at the door: only a genuine, current, unused code of a registration with a place
    in this session checks in. Refusals are audited too (who tried what, when)."""
    session = Session.objects.select_related("course").get(pk=session.pk)
    require_manager(actor, session.course)
    if session.course.mode != CourseMode.OFFLINE:
        raise _error(TrainingError.ATTENDANCE_MODE, "code", _("Check-in at the door is for offline sessions."))
    answer = _check_in(session, text, actor=actor, at=at)
    if not answer.ok:
        audit_record(
            actor=actor,
            action="training.checkin.refused",
            obj=answer.registration or session,
            after={"outcome": answer.outcome, "session": session.pk, "code": checkin.code_from_scan(text)[:120]},
            at=at,
        )
    return answer


def _check_in(session: Session, text: str, *, actor: Any, at: dt.datetime) -> CheckinAnswer:  # noqa: PLR0911 - one answer per case
    claim = checkin.read(text)
    if claim is None:
        return CheckinAnswer(CheckinOutcome.FORGED)
    if claim.session_id != session.pk:
        other = Session.objects.filter(pk=claim.session_id).select_related("course").first()
        label = f"{other.course.title} {_local(other.starts_at)}" if other and _manages(actor, other.course) else "—"
        return CheckinAnswer(CheckinOutcome.OTHER_SESSION, params={"session": label})
    registration = (
        Registration.objects.select_for_update(of=("self",))
        .select_related("participant__organization")
        .filter(pk=claim.registration_id, session=session)
        .first()
    )
    if registration is None:
        return CheckinAnswer(CheckinOutcome.FORGED)
    person = {"name": registration.participant.name, "organization": registration.participant.organization.name}
    deadline = min(claim.expires, checkin.expires_at(session))
    if at > deadline:
        return CheckinAnswer(CheckinOutcome.EXPIRED, registration, {"when": _local(deadline)})
    if claim.nonce != registration.checkin_nonce:
        return CheckinAnswer(CheckinOutcome.REPLACED, registration)
    if registration.checked_in_at is not None:
        return CheckinAnswer(
            CheckinOutcome.ALREADY_USED, registration, person | {"when": _local(registration.checked_in_at)}
        )
    if registration.status != RegistrationStatus.REGISTERED:
        return CheckinAnswer(
            CheckinOutcome.NOT_ADMITTED, registration, person | {"status": registration.get_status_display()}
        )
    opens = session.starts_at - CHECKIN_OPENS_BEFORE
    if at < opens:
        return CheckinAnswer(CheckinOutcome.TOO_EARLY, registration, {"when": _local(opens)})
    before = _reg_state(registration)
    registration.checked_in_at = at
    registration.checked_in_by = actor
    registration.updated_at = at
    registration.save(update_fields=["checked_in_at", "checked_in_by", "updated_at"])
    audit_record(
        actor=actor, action="training.checkin", obj=registration, before=before, after=_reg_state(registration), at=at
    )
    _complete(registration, source=CompletionSource.CHECKIN, actor=actor, at=at)
    return CheckinAnswer(CheckinOutcome.CHECKED_IN, registration, person)


@dataclass(frozen=True)
class AttendanceRow:
    row: int
    name: str
    phone: str
    minutes: float  # time in the meeting on this row (clipped to the session by the parser)


@transaction.atomic
def live_attendance_import(
    *, session: Session, rows: Sequence[AttendanceRow], filename: str, sha256: str, actor: Any, at: dt.datetime
) -> AttendanceImport:
    """Match the meeting's attendance export to the session's registrations (by mobile number, else by a
    name that only one registered person has) and establish attendance for those who stayed at least the
    session's minimum share. Rows that match no one are kept with the import and shown, never dropped."""
    session = Session.objects.select_for_update(of=("self",)).select_related("course").get(pk=session.pk)
    require_manager(actor, session.course)
    if session.course.mode != CourseMode.LIVE:
        raise _error(TrainingError.ATTENDANCE_MODE, "file", _("An attendance export belongs to a live session."))
    if at < session.starts_at:
        raise _error(
            TrainingError.ATTENDANCE_MODE,
            "file",
            _("The session starts at {when}: import its attendance afterwards."),
            when=_local(session.starts_at),
        )
    registrations = list(
        session.registrations.select_for_update(of=("self",))
        .filter(status=RegistrationStatus.REGISTERED)
        .select_related("participant__user", "session__course")
    )
    by_phone = {r.participant.phone: r for r in registrations}
    by_name: dict[str, list[Registration]] = {}
    for r in registrations:
        by_name.setdefault(r.participant.name, []).append(r)
    minutes: dict[int, float] = {}
    unmatched: list[dict[str, Any]] = []
    matched = 0
    for row in rows:
        registration = by_phone.get(normalize_phone(row.phone)) if row.phone else None
        if registration is None and not row.phone and len(by_name.get(row.name.strip(), [])) == 1:
            registration = by_name[row.name.strip()][0]
        if registration is None:
            unmatched.append({"row": row.row, "name": row.name, "phone": row.phone, "minutes": round(row.minutes, 1)})
            continue
        matched += 1
        minutes[registration.pk] = minutes.get(registration.pk, 0.0) + row.minutes
    length = (session.ends_at - session.starts_at).total_seconds() / 60
    completed = 0
    for registration in registrations:
        if registration.pk not in minutes:
            continue
        attended = min(minutes[registration.pk], length)
        registration.live_minutes = round(attended)
        registration.updated_at = at
        registration.save(update_fields=["live_minutes", "updated_at"])
        if attended * 100 >= session.min_attendance_pct * length and _complete(
            registration, source=CompletionSource.LIVE_EXPORT, actor=actor, at=at
        ):
            completed += 1
    record = AttendanceImport.objects.create(
        session=session,
        filename=filename[:200],
        sha256=sha256,
        rows=len(rows),
        matched=matched,
        completed=completed,
        unmatched=unmatched,
        imported_at=at,
        imported_by=actor,
    )
    audit_record(
        actor=actor,
        action="training.attendance.import",
        obj=record,
        after=snapshot(record, ["session", "filename", "sha256", "rows", "matched", "completed"]),
        at=at,
    )
    return record


# --- recorded courses: playback progress -----------------------------------------------------------------


def material_units(material: CourseMaterial) -> int:
    if material.kind == MaterialKind.VIDEO:
        return math.ceil((material.duration_seconds or 0) / BLOCK_SECONDS)
    return material.pages or 0


def material_weight(material: CourseMaterial) -> int:
    if material.kind == MaterialKind.VIDEO:
        return material.duration_seconds or 0
    return (material.pages or 0) * SLIDE_PAGE_SECONDS


def _block_seconds(material: CourseMaterial, index: int) -> int:
    return min(BLOCK_SECONDS, (material.duration_seconds or 0) - index * BLOCK_SECONDS)


def progress_weight(progress: PlaybackProgress | None, material: CourseMaterial) -> int:
    if progress is None:
        return 0
    if material.kind == MaterialKind.VIDEO:
        return progress.seconds_seen
    return progress.pages_seen * SLIDE_PAGE_SECONDS


@dataclass(frozen=True)
class CourseShare:
    seen: int
    total: int

    @property
    def percent(self) -> int:
        return math.floor(self.seen * 100 / self.total) if self.total else 0

    @property
    def complete(self) -> bool:
        return self.total > 0 and self.seen * 100 >= RECORDED_COMPLETION_PCT * self.total


def course_share(registration: Registration) -> CourseShare:
    materials = list(registration.session.course.materials.all())
    progress = {p.material_id: p for p in registration.progress.all()}
    return CourseShare(
        seen=sum(progress_weight(progress.get(m.pk), m) for m in materials),
        total=sum(material_weight(m) for m in materials),
    )


@transaction.atomic
def progress_record(
    *,
    registration: Registration,
    material: CourseMaterial,
    actor: Any,
    at: dt.datetime,
    ranges: Sequence[tuple[float, float]] = (),
    page: int | None = None,
    position: int = 0,
) -> CourseShare:
    """What the player reports every few seconds: the stretches of video played (seconds) or the slide page
    shown. Credit is capped by the wall-clock time since the learner started the material (at most double
    speed), so forged or repeated reports cannot finish a course at once. At 90 % of the course, attendance is established."""
    registration = (
        Registration.objects.select_for_update(of=("self",))
        .select_related("session__course", "participant__user")
        .get(pk=registration.pk)
    )
    session = registration.session
    if not is_learner(actor, registration.participant):
        raise PermissionDenied
    if material.course_id != session.course_id or session.course.mode != CourseMode.RECORDED:
        raise _error(TrainingError.PROGRESS, "material", _("This material is not part of the course."))
    if registration.status != RegistrationStatus.REGISTERED or session.status == SessionStatus.CANCELLED:
        raise _error(TrainingError.PROGRESS, None, _("Only a registration with a place can watch the course."))
    if not session.starts_at <= at <= session.ends_at:
        raise _error(
            TrainingError.WINDOW,
            None,
            _("The course can be watched from {start} to {end}."),
            start=_local(session.starts_at),
            end=_local(session.ends_at),
        )
    units = material_units(material)
    progress = (
        PlaybackProgress.objects.select_for_update().filter(registration=registration, material=material).first()
    )
    if progress is None:
        progress = PlaybackProgress.objects.create(
            registration=registration, material=material, seen_map="0" * units, started_at=at, updated_at=at
        )
        audit_record(
            actor=actor,
            action="training.progress.start",
            obj=registration,
            after={"material": material.pk},
            at=at,
        )
    # Credit never runs ahead of the time since the learner started this material (at double speed, plus a
    # little slack for the first report), however the reports are sent.
    elapsed = max((at - progress.started_at).total_seconds(), 0.0)
    seen = list(progress.seen_map.ljust(units, "0")[:units])
    if material.kind == MaterialKind.VIDEO:
        budget = elapsed * MAX_PLAYBACK_RATE + PROGRESS_SLACK_SECONDS - progress.seconds_seen
        duration = material.duration_seconds or 0
        for played_from, played_to in ranges:
            if not (math.isfinite(played_from) and math.isfinite(played_to)) or played_to < played_from:
                raise _error(TrainingError.PROGRESS, "ranges", _("A played stretch runs backwards."))
            start, end = max(played_from, 0.0), min(played_to, float(duration))
            index = int(start // BLOCK_SECONDS)
            while index * BLOCK_SECONDS < end and index < units:
                block_start = index * BLOCK_SECONDS
                block_len = _block_seconds(material, index)
                overlap = min(end, block_start + block_len) - max(start, block_start)
                if seen[index] == "0" and overlap >= min(3, block_len) and budget >= block_len:
                    seen[index] = "1"
                    budget -= block_len
                index += 1
        progress.seconds_seen = sum(_block_seconds(material, i) for i, s in enumerate(seen) if s == "1")
        progress.furthest_position = max(progress.furthest_position, min(max(position, 0), duration))
    else:
        if page is None or not 1 <= page <= units:
            raise _error(TrainingError.PROGRESS, "page", _("The page is between 1 and {pages}."), pages=units)
        if seen.count("1") < 1 + elapsed // MIN_PAGE_SECONDS:  # a page counts once it stayed on screen a moment
            seen[page - 1] = "1"
        progress.pages_seen = seen.count("1")
        progress.furthest_position = max(progress.furthest_position, page)
    progress.seen_map = "".join(seen)
    progress.seen_units = progress.seen_map.count("1")
    progress.updated_at = at
    progress.save()
    share = course_share(registration)
    if share.complete:
        _complete(registration, source=CompletionSource.RECORDED, actor=actor, at=at)
    return share


# --- reminders ------------------------------------------------------------------------------------------


@transaction.atomic
def registration_reminders_send(*, at: dt.datetime) -> int:
    """Remind everyone with a place in a session that starts within a day (once per registration)."""
    due = (
        Registration.objects.select_for_update(of=("self",))
        .filter(
            status=RegistrationStatus.REGISTERED,
            reminded_at__isnull=True,
            session__status=SessionStatus.SCHEDULED,
            session__starts_at__gt=at,
            session__starts_at__lte=at + REMINDER_BEFORE,
        )
        .exclude(session__course__mode=CourseMode.RECORDED)
        .select_related("session__course", "participant__user", "registered_by")
        .order_by("session__starts_at", "id")
    )
    count = 0
    for registration in due:
        session = registration.session
        where = session.meeting_url if session.course.mode == CourseMode.LIVE else f"{session.venue} {session.room}"
        _notify(
            _people_of(registration),
            subject=gettext("Reminder: {course} at {when}").format(
                course=session.course.title, when=_local(session.starts_at)
            ),
            body=gettext("{name}: {where}. Bring the check-in code for an on-site session.").format(
                name=registration.participant.name, where=where.strip()
            ),
            link=reverse("training:my_registration", args=[registration.pk]),
            at=at,
        )
        registration.reminded_at = at
        registration.save(update_fields=["reminded_at"])
        audit_record(actor="system", action="training.reminder", obj=registration, after={"reminded_at": at}, at=at)
        count += 1
    return count
