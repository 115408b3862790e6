"""Reads of the training core, with scope applied: bureau trainers see the courses of their region (the city
bureau every course), organizations the sessions open to them and their own staff's registrations, learners
their own registrations. Out-of-scope objects are simply absent (the views answer 404)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from zhengcai.accounts.selectors import current_membership, user_memberships, user_scope
from zhengcai.core.permissions import P, role_allows
from zhengcai.organizations.models import Organization

from . import services
from .models import (
    Course,
    CourseMaterial,
    CourseMode,
    CourseStatus,
    Participant,
    PlaybackProgress,
    Registration,
    RegistrationStatus,
    Session,
    SessionStatus,
)

ACTIVE = (RegistrationStatus.REGISTERED, RegistrationStatus.WAITLISTED)


def _with_counts(qs: QuerySet[Session]) -> QuerySet[Session]:
    return qs.annotate(
        n_registered=Count("registrations", filter=Q(registrations__status=RegistrationStatus.REGISTERED)),
        n_waitlisted=Count("registrations", filter=Q(registrations__status=RegistrationStatus.WAITLISTED)),
        n_completed=Count(
            "registrations",
            filter=Q(registrations__completed_at__isnull=False)
            & ~Q(registrations__status=RegistrationStatus.CANCELLED),
        ),
    )


# --- bureau trainers ------------------------------------------------------------------------------------


def manageable_courses(*, user: Any) -> QuerySet[Course]:
    scope = user_scope(user=user, perm=P.TRAINING_MANAGE)
    qs = Course.objects.select_related("region", "organizer")
    return scope.filter(qs, region_field="region", organization_field="organizer")


def course_for_manager(*, user: Any, pk: int) -> Course:
    """Raises Course.DoesNotExist outside the trainer's scope."""
    return manageable_courses(user=user).get(pk=pk)


def manageable_sessions(*, user: Any) -> QuerySet[Session]:
    scope = user_scope(user=user, perm=P.TRAINING_MANAGE)
    qs = Session.objects.select_related("course__region", "course__organizer")
    return scope.filter(qs, region_field="course__region", organization_field="course__organizer")


def session_for_manager(*, user: Any, pk: int) -> Session:
    """Raises Session.DoesNotExist outside the trainer's scope."""
    return _with_counts(manageable_sessions(user=user)).get(pk=pk)


def course_sessions(*, course: Course) -> QuerySet[Session]:
    return _with_counts(course.sessions.all()).order_by("starts_at", "id")


def session_roster(*, session: Session) -> QuerySet[Registration]:
    """Everyone registered or waiting (cancelled rows last), with their organization."""
    return session.registrations.select_related(
        "participant__organization", "registered_by", "checked_in_by"
    ).order_by("status", "waitlist_position", "participant__organization__name", "participant__name", "id")


# --- organizations --------------------------------------------------------------------------------------


def registering_organization(*, request: Any) -> Organization | None:
    """The organization the person registers staff for: the membership they act in, if it may register,
    else their first membership that may."""
    chosen = current_membership(request=request)
    if chosen is not None and role_allows(chosen.role, P.TRAINING_REGISTER):
        return chosen.organization
    for membership in user_memberships(user=request.user):
        if role_allows(membership.role, P.TRAINING_REGISTER):
            return membership.organization
    return None


def sessions_for_organization(*, organization: Organization) -> QuerySet[Session]:
    """Sessions of open or closed courses meant for the organization's staff (audience and region)."""
    audiences = services.organization_audiences(organization)
    visible = [CourseStatus.OPEN, CourseStatus.CLOSED]
    # The audience is a JSON list; matched here rather than in SQL (SQLite has no JSON containment lookup).
    courses = [
        pk
        for pk, audience in Course.objects.filter(status__in=visible).values_list("pk", "audience")
        if audiences & set(audience or [])
    ]
    qs = (
        Session.objects.select_related("course__region")
        .filter(course__in=courses)
        .filter(Q(course__region__level="city") | Q(course__region=organization.region_id))
    )
    return _with_counts(qs).order_by("starts_at", "id")


def open_sessions_for(*, organization: Organization, at: dt.datetime) -> QuerySet[Session]:
    return sessions_for_organization(organization=organization).filter(
        course__status=CourseStatus.OPEN, status=SessionStatus.SCHEDULED, registration_closes_at__gt=at
    )


def session_for_organization(*, organization: Organization, pk: int) -> Session:
    """Raises Session.DoesNotExist for a session not meant for this organization."""
    return sessions_for_organization(organization=organization).get(pk=pk)


def organization_registrations(*, organization: Organization) -> QuerySet[Registration]:
    return Registration.objects.filter(participant__organization=organization).select_related(
        "participant", "session__course"
    )


def organization_participants(*, organization: Organization) -> QuerySet[Participant]:
    return (
        Participant.objects.filter(organization=organization)
        .select_related("user")
        .annotate(
            n_active=Count("registrations", filter=~Q(registrations__status=RegistrationStatus.CANCELLED)),
            n_completed=Count(
                "registrations",
                filter=Q(registrations__completed_at__isnull=False)
                & ~Q(registrations__status=RegistrationStatus.CANCELLED),
            ),
        )
        .order_by("name", "id")
    )


# --- learners -------------------------------------------------------------------------------------------


def my_registrations(*, user: Any) -> QuerySet[Registration]:
    return (
        Registration.objects.filter(participant__user=user)
        .select_related("session__course", "participant__organization")
        .order_by("-session__starts_at", "-id")
    )


def unclaimed_participants(*, user: Any) -> QuerySet[Participant]:
    """Trainees of the user's organizations with the user's mobile number and no account linked yet."""
    phone = services.normalize_phone(getattr(user, "phone", ""))
    orgs = [m.organization_id for m in user_memberships(user=user)]
    if not phone or not orgs:
        return Participant.objects.none()
    return Participant.objects.filter(organization__in=orgs, phone=phone, user__isnull=True).select_related(
        "organization"
    )


def registration_for_viewer(*, user: Any, pk: int) -> Registration:
    """The learner's own registration, or one of the staff of an organization the user registers for.
    Raises Registration.DoesNotExist otherwise."""
    registration = Registration.objects.select_related(
        "session__course__region", "participant__organization", "participant__user", "registered_by"
    ).get(pk=pk)
    participant = registration.participant
    if services.is_learner(user, participant) or services.can_register_for(user, participant.organization):
        return registration
    raise Registration.DoesNotExist


def registration_for_learner(*, user: Any, pk: int) -> Registration:
    """The learner's own registration only (watching and progress). Raises Registration.DoesNotExist."""
    return my_registrations(user=user).get(pk=pk)


@dataclass(frozen=True)
class MaterialRow:
    material: CourseMaterial
    progress: PlaybackProgress | None

    @property
    def percent(self) -> int:
        total = services.material_weight(self.material)
        seen = services.progress_weight(self.progress, self.material)
        return seen * 100 // total if total else 0

    @property
    def seen_pages(self) -> list[int]:
        if self.progress is None:
            return []
        return [i + 1 for i, c in enumerate(self.progress.seen_map) if c == "1"]


def material_rows(*, registration: Registration) -> list[MaterialRow]:
    progress = {p.material_id: p for p in registration.progress.all()}
    return [MaterialRow(m, progress.get(m.pk)) for m in registration.session.course.materials.all()]


def material_for_viewer(*, user: Any, pk: int, at: dt.datetime) -> CourseMaterial:
    """A course material for a learner with a place in one of the course's sessions (during its window), or
    for a trainer of the course. Raises CourseMaterial.DoesNotExist otherwise."""
    material = CourseMaterial.objects.select_related("course").get(pk=pk)
    if manageable_courses(user=user).filter(pk=material.course_id).exists():
        return material
    watching = Registration.objects.filter(
        participant__user=user,
        status=RegistrationStatus.REGISTERED,
        session__course=material.course_id,
        session__status=SessionStatus.SCHEDULED,
        session__starts_at__lte=at,
        session__ends_at__gte=at,
    )
    if material.course.mode == CourseMode.RECORDED and watching.exists():
        return material
    raise CourseMaterial.DoesNotExist


# --- the public catalogue -------------------------------------------------------------------------------


def public_courses(*, at: dt.datetime) -> QuerySet[Course]:
    """Open courses with a session still to come, soonest first."""
    upcoming = Session.objects.filter(status=SessionStatus.SCHEDULED, ends_at__gt=at).order_by("starts_at")
    return (
        Course.objects.filter(status=CourseStatus.OPEN, sessions__in=upcoming)
        .distinct()
        .select_related("region", "organizer")
        .prefetch_related(Prefetch("sessions", queryset=_with_counts(upcoming), to_attr="upcoming"), "topics")
        .order_by("-id")
    )


def public_course(*, pk: int, at: dt.datetime) -> Course:
    """An open or closed course (drafts are not public). Raises Course.DoesNotExist."""
    upcoming = Session.objects.filter(status=SessionStatus.SCHEDULED, ends_at__gt=at).order_by("starts_at")
    return (
        Course.objects.filter(status__in=[CourseStatus.OPEN, CourseStatus.CLOSED])
        .select_related("region", "organizer")
        .prefetch_related(
            Prefetch("sessions", queryset=_with_counts(upcoming), to_attr="upcoming"), "topics", "documents"
        )
        .get(pk=pk)
    )
