"""The training JSON API: sessions open to the caller's organization, an organization's registrations, and
check-in for scanners at the door (the same rules as the organizer's phone page)."""

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from zhengcai.accounts.selectors import user_memberships
from zhengcai.core import clock
from zhengcai.core.permissions import P, api_permission, role_allows
from zhengcai.integrations.idempotency import idempotent

from . import checkin, selectors, services
from .models import Registration, Session

router = Router(tags=["training"])


class SessionOut(Schema):
    id: int
    course_id: int
    course: str
    mode: str
    region: str
    title: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    venue: str
    room: str
    capacity: int | None
    places_left: int | None
    registration_closes_at: dt.datetime

    @staticmethod
    def resolve_course(obj: Session) -> str:
        return obj.course.title

    @staticmethod
    def resolve_mode(obj: Session) -> str:
        return obj.course.mode

    @staticmethod
    def resolve_region(obj: Session) -> str:
        return obj.course.region.name


class RegistrationOut(Schema):
    id: int
    session_id: int
    course: str
    participant: str
    phone: str
    status: str
    waitlist_position: int | None
    checked_in_at: dt.datetime | None
    completed_at: dt.datetime | None
    completion_source: str

    @staticmethod
    def resolve_course(obj: Registration) -> str:
        return obj.session.course.title

    @staticmethod
    def resolve_participant(obj: Registration) -> str:
        return obj.participant.name

    @staticmethod
    def resolve_phone(obj: Registration) -> str:
        return obj.participant.phone


class RegistrationFilter(Schema):
    session: int | None = None


class CheckinIn(Schema):
    code: str = ""  # what the scanner read: the code or the check-in URL carrying it
    session_id: int | None = None  # the session at this door (default: the one the code names)


class CheckinOut(Schema):
    outcome: str  # checked_in, already_used, forged, expired, other_session, replaced, not_admitted, too_early
    ok: bool
    message_zh: str
    message_en: str
    registration_id: int | None
    participant: str | None
    checked_in_at: dt.datetime | None


def _organizations(user: Any, perm: P) -> list[Any]:
    return list(
        {m.organization_id: m.organization for m in user_memberships(user=user) if role_allows(m.role, perm)}.values()
    )


@router.get("/training/sessions", response=list[SessionOut], summary="Training sessions open to your organization")
@paginate(PageNumberPagination, page_size=50)
@api_permission(P.TRAINING_LEARN)
def open_sessions(request: HttpRequest) -> list[Session]:
    now = clock.now()
    found: dict[int, Session] = {}
    for organization in _organizations(request.auth, P.TRAINING_LEARN):  # type: ignore[attr-defined]
        for session in selectors.open_sessions_for(organization=organization, at=now):
            found.setdefault(session.pk, session)
    return sorted(found.values(), key=lambda s: (s.starts_at, s.pk))


@router.get(
    "/training/registrations",
    response=list[RegistrationOut],
    summary="Your organization's training registrations (optionally of one session)",
)
@paginate(PageNumberPagination, page_size=100)
@api_permission(P.TRAINING_REGISTER)
def registrations(request: HttpRequest, filters: Query[RegistrationFilter]) -> QuerySet[Registration]:
    organizations = _organizations(request.auth, P.TRAINING_REGISTER)  # type: ignore[attr-defined]
    qs = Registration.objects.filter(participant__organization__in=organizations).select_related(
        "participant", "session__course"
    )
    if filters.session is not None:
        qs = qs.filter(session=filters.session)
    return qs.order_by("-registered_at", "-id")


@router.post("/training/checkin", response=CheckinOut, summary="Check a participant in with the scanned code")
@api_permission(P.TRAINING_MANAGE)
@idempotent
def checkin_scan(request: HttpRequest, payload: CheckinIn) -> dict[str, Any]:
    """Always answers 200 with the outcome (a refused code is an answer, not an error)."""
    user = request.auth  # type: ignore[attr-defined]
    session_id = payload.session_id
    if session_id is None:
        claim = checkin.read(payload.code)
        session_id = claim.session_id if claim is not None else None
    if session_id is None:
        answer = services.CheckinAnswer(services.CheckinOutcome.FORGED)
    else:
        try:
            session = selectors.session_for_manager(user=user, pk=session_id)
        except Session.DoesNotExist as exc:
            raise Http404 from exc
        answer = services.registration_check_in(session=session, text=payload.code, actor=user, at=clock.now())
    registration = answer.registration
    return {
        "outcome": answer.outcome,
        "ok": answer.ok,
        "message_zh": answer.error.message_zh,
        "message_en": answer.error.message_en,
        "registration_id": registration.pk if registration else None,
        "participant": registration.participant.name if registration else None,
        "checked_in_at": registration.checked_in_at if registration else None,
    }


# The assessments area's operations (api_assessment.py: GET /training/figures).
from .api_assessment import register as _register_assessment  # noqa: E402

_register_assessment(router)
