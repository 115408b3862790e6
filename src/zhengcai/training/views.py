"""Pages of the training core: the public catalogue; a learner's registrations, check-in code and recorded
courses; an organization's registration of its staff (one by one or from the Excel template); the bureau
trainers' courses, sessions, materials, attendance import and the phone check-in page at the door.

Thin: parse, call one service or selector, render. Action URLs take POST.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from typing import IO, Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zhengcai.accounts.selectors import regions_in_scope, user_memberships, user_scope
from zhengcai.core import clock
from zhengcai.core.errors import ServiceError, ServiceErrorGroup, bilingual
from zhengcai.core.forms import apply_service_error
from zhengcai.core.permissions import P, permission, role_allows

from . import checkin, imports, selectors, services
from .errors import TrainingError
from .forms import (
    AttendanceForm,
    BulkForm,
    CancelSessionForm,
    CheckinForm,
    CourseForm,
    MaterialForm,
    PersonForm,
    SessionForm,
)
from .models import (
    Course,
    CourseMaterial,
    CourseMode,
    CourseStatus,
    Registration,
    RegistrationStatus,
    Session,
    SessionStatus,
)

PAGE_SIZE = 25


def _errors(error: ServiceError) -> list[str]:
    errors = error.errors if isinstance(error, ServiceErrorGroup) else [error]
    return [bilingual(e) for e in errors]


def _flash(request: HttpRequest, error: ServiceError) -> None:
    for text in _errors(error):
        messages.error(request, text)


def _back(request: HttpRequest, default: str) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(default)


# --- public catalogue -----------------------------------------------------------------------------------


@permission(P.PUBLIC)
@require_GET
def catalogue(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.public_courses(at=clock.now()), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "training/catalogue.html", {"page": page})


@permission(P.PUBLIC)
@require_GET
def course_public(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        course = selectors.public_course(pk=pk, at=clock.now())
    except Course.DoesNotExist as exc:
        raise Http404 from exc
    return render(request, "training/course_public.html", {"course": course})


# --- learners -------------------------------------------------------------------------------------------


@permission(P.TRAINING_LEARN)
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """My training: my registrations (codes, recorded courses) and trainees under my mobile number to link."""
    registrations = selectors.my_registrations(user=request.user)
    context = {
        "active": [r for r in registrations if r.status != RegistrationStatus.CANCELLED],
        "cancelled": [r for r in registrations if r.status == RegistrationStatus.CANCELLED],
        "unclaimed": list(selectors.unclaimed_participants(user=request.user)),
        "now": clock.now(),
    }
    return render(request, "training/home.html", context)


@permission(P.TRAINING_LEARN)
@require_POST
def claim(request: HttpRequest) -> HttpResponse:
    pk = request.POST.get("participant", "")
    participant = selectors.unclaimed_participants(user=request.user).filter(pk=pk if pk.isdigit() else 0).first()
    if participant is None:
        raise Http404
    try:
        services.participant_claim(participant=participant, actor=request.user, at=clock.now())
    except ServiceError as exc:
        _flash(request, exc)
    else:
        messages.success(
            request,
            _("Linked to your account: {name}, {organization}.").format(
                name=participant.name, organization=participant.organization.name
            ),
        )
    return redirect("training:home")


def _viewable(request: HttpRequest, pk: int) -> Registration:
    try:
        return selectors.registration_for_viewer(user=request.user, pk=pk)
    except Registration.DoesNotExist as exc:
        raise Http404 from exc


def _shows_code(registration: Registration) -> bool:
    return (
        registration.session.course.mode == CourseMode.OFFLINE
        and registration.status == RegistrationStatus.REGISTERED
        and registration.session.status == SessionStatus.SCHEDULED
        and registration.checked_in_at is None
    )


@permission(P.TRAINING_LEARN)
@require_GET
def registration_page(request: HttpRequest, pk: int) -> HttpResponse:
    """One registration: the session, the check-in QR code (offline), the material and progress (recorded)."""
    registration = _viewable(request, pk)
    learner = services.is_learner(request.user, registration.participant)
    context: dict[str, Any] = {
        "registration": registration,
        "session": registration.session,
        "course": registration.session.course,
        "learner": learner,
        "now": clock.now(),
        "show_code": _shows_code(registration),
        "can_cancel": registration.status != RegistrationStatus.CANCELLED and registration.completed_at is None,
    }
    if context["show_code"]:
        context["qr"] = checkin.qr_svg(registration)
        context["code"] = checkin.issue(registration)
        context["expires"] = checkin.expires_at(registration.session)
    if registration.session.course.mode == CourseMode.RECORDED:
        context["rows"] = selectors.material_rows(registration=registration)
        context["share"] = services.course_share(registration)
    return render(request, "training/registration.html", context)


@permission(P.TRAINING_LEARN)
@require_GET
def badge(request: HttpRequest, pk: int) -> HttpResponse:
    """A printable page with the check-in code (for staff without an account, or a paper copy)."""
    registration = _viewable(request, pk)
    if not _shows_code(registration):
        raise Http404
    context = {
        "registration": registration,
        "qr": checkin.qr_svg(registration),
        "code": checkin.issue(registration),
        "expires": checkin.expires_at(registration.session),
    }
    return render(request, "training/badge.html", context)


@permission(P.TRAINING_LEARN)
@require_POST
def reissue(request: HttpRequest, pk: int) -> HttpResponse:
    registration = _viewable(request, pk)
    try:
        services.checkin_code_reissue(registration=registration, actor=request.user, at=clock.now())
    except ServiceError as exc:
        _flash(request, exc)
    else:
        messages.success(request, _("A new check-in code was issued; the old one no longer works."))
    return redirect("training:my_registration", pk=registration.pk)


@permission(P.TRAINING_LEARN)
@require_POST
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """Cancel a registration: the person, their organization, or a trainer of the course."""
    try:
        registration = selectors.registration_for_viewer(user=request.user, pk=pk)
        default = reverse("training:my_registration", args=[pk])
    except Registration.DoesNotExist:
        managed = Registration.objects.filter(pk=pk, session__in=selectors.manageable_sessions(user=request.user))
        found = managed.first()
        if found is None:
            raise Http404 from None
        registration, default = found, reverse("training:session_manage", args=[found.session_id])
    try:
        services.registration_cancel(registration=registration, actor=request.user, at=clock.now())
    except ServiceError as exc:
        _flash(request, exc)
    else:
        messages.success(request, _("Registration cancelled: {name}.").format(name=registration.participant.name))
    return _back(request, default)


@permission(P.TRAINING_LEARN)
@require_GET
def watch(request: HttpRequest, pk: int, material_id: int) -> HttpResponse:
    """The player of one video or slide deck of a recorded course, reporting progress as it plays."""
    try:
        registration = selectors.registration_for_learner(user=request.user, pk=pk)
        material = registration.session.course.materials.get(pk=material_id)
    except (Registration.DoesNotExist, CourseMaterial.DoesNotExist) as exc:
        raise Http404 from exc
    rows = {row.material.pk: row for row in selectors.material_rows(registration=registration)}
    session = registration.session
    now = clock.now()
    context = {
        "registration": registration,
        "material": material,
        "row": rows[material.pk],
        "share": services.course_share(registration),
        "open": registration.status == RegistrationStatus.REGISTERED and session.starts_at <= now <= session.ends_at,
        "session": session,
        "pages": range(1, (material.pages or 0) + 1),
    }
    return render(request, "training/watch.html", context)


_RANGE = re.compile(r"bytes=(\d*)-(\d*)")
CHUNK = 256 * 1024


def _chunks(handle: IO[bytes], start: int, length: int) -> Iterator[bytes]:
    try:
        handle.seek(start)
        left = length
        while left > 0:
            data = handle.read(min(CHUNK, left))
            if not data:
                break
            left -= len(data)
            yield data
    finally:
        handle.close()


def ranged_response(request: HttpRequest, material: CourseMaterial) -> HttpResponseBase:
    """The file from storage, whole or one byte range (``Range: bytes=a-b``) so that video can seek."""
    size = material.size
    header = request.headers.get("Range", "").strip()
    match = _RANGE.fullmatch(header) if header else None
    if match is None or not (match.group(1) or match.group(2)):
        response: HttpResponseBase = FileResponse(material.file.open("rb"), content_type=material.content_type)
        response["Content-Length"] = str(size)
    else:
        first, last = match.group(1), match.group(2)
        if first:
            start = int(first)
            end = min(int(last), size - 1) if last else size - 1
        else:  # the last N bytes
            start = max(size - int(last), 0)
            end = size - 1
        if start >= size or end < start:
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{size}"
            return response
        length = end - start + 1
        response = StreamingHttpResponse(
            _chunks(material.file.open("rb"), start, length), status=206, content_type=material.content_type
        )
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
        response["Content-Length"] = str(length)
    response["Accept-Ranges"] = "bytes"
    response["Cache-Control"] = "private, max-age=3600"
    response["Content-Disposition"] = "inline"
    return response


@permission(P.TRAINING_LEARN)
@require_GET
@xframe_options_sameorigin  # slides are shown in a frame of the player page
def media(request: HttpRequest, pk: int) -> HttpResponseBase:
    """A course's video or slides, from the platform's storage, to a registered learner in the viewing window
    (or the course's trainers)."""
    try:
        material = selectors.material_for_viewer(user=request.user, pk=pk, at=clock.now())
    except CourseMaterial.DoesNotExist as exc:
        raise Http404 from exc
    return ranged_response(request, material)


@permission(P.TRAINING_LEARN)
@require_POST
def progress(request: HttpRequest, pk: int) -> JsonResponse:
    """The player's report (JSON): ``{"material": id, "ranges": [[from, to], ...], "position": s}`` for a
    video, ``{"material": id, "page": n}`` for slides. Answers the course's share seen."""
    try:
        registration = selectors.registration_for_learner(user=request.user, pk=pk)
    except Registration.DoesNotExist as exc:
        raise Http404 from exc
    try:
        body: Any = json.loads(request.body or b"{}") if request.content_type == "application/json" else request.POST
        material = registration.session.course.materials.get(pk=int(body.get("material", 0)))
        ranges = [(float(a), float(b)) for a, b in (body.get("ranges") or [])][:50]
        page = int(body["page"]) if body.get("page") not in (None, "") else None
        position = int(float(body.get("position") or 0))
    except (ValueError, TypeError, KeyError, CourseMaterial.DoesNotExist, json.JSONDecodeError) as exc:
        error = ServiceError(TrainingError.PROGRESS, None, gettext_lazy("The progress report is malformed."))
        return JsonResponse(error.as_dict() | {"detail": str(exc)}, status=400)
    try:
        share = services.progress_record(
            registration=registration,
            material=material,
            ranges=ranges,
            page=page,
            position=position,
            actor=request.user,
            at=clock.now(),
        )
    except ServiceError as exc:
        return JsonResponse(exc.as_dict(), status=400)
    registration.refresh_from_db(fields=["completed_at"])
    row = next(r for r in selectors.material_rows(registration=registration) if r.material.pk == material.pk)
    return JsonResponse(
        {
            "percent": share.percent,
            "material_percent": row.percent,
            "complete": share.complete,
            "completed": registration.completed_at is not None,
            "seen_pages": row.seen_pages if material.pages else [],
        }
    )


# --- organizations: registering staff -------------------------------------------------------------------


def _organization(request: HttpRequest) -> Any:
    organization = selectors.registering_organization(request=request)
    if organization is None:
        raise PermissionDenied
    return organization


@permission(P.TRAINING_REGISTER)
@require_GET
def sessions(request: HttpRequest) -> HttpResponse:
    """Sessions open to my organization, and my staff's registrations still to come."""
    organization = _organization(request)
    now = clock.now()
    upcoming = (
        selectors.organization_registrations(organization=organization)
        .exclude(status=RegistrationStatus.CANCELLED)
        .filter(session__ends_at__gt=now)
        .order_by("session__starts_at", "participant__name")
    )
    context = {
        "organization": organization,
        "sessions": selectors.open_sessions_for(organization=organization, at=now),
        "upcoming": upcoming,
    }
    return render(request, "training/sessions.html", context)


@permission(P.TRAINING_REGISTER)
@require_http_methods(["GET", "POST"])
def register(request: HttpRequest, pk: int) -> HttpResponse:
    """Register my organization's staff for one session: one person, or a filled-in template."""
    organization = _organization(request)
    try:
        session = selectors.session_for_organization(organization=organization, pk=pk)
    except Session.DoesNotExist as exc:
        raise Http404 from exc
    action = request.POST.get("action")
    person_form = PersonForm(request.POST if action == "one" else None, prefix="one")
    bulk_form = BulkForm(request.POST if action == "bulk" else None, request.FILES or None, prefix="bulk")
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        now = clock.now()
        try:
            if action == "one" and person_form.is_valid():
                d = person_form.cleaned_data
                registration = services.registration_create(
                    session=session,
                    person=services.PersonInput(d["name"], d["phone"], d["job_title"]),
                    organization=organization,
                    waitlist_ok=d["waitlist_ok"],
                    actor=request.user,
                    at=now,
                )
                if registration.status == RegistrationStatus.WAITLISTED:
                    messages.success(
                        request,
                        _("{name} is on the waiting list (number {n}).").format(
                            name=registration.participant.name, n=registration.waitlist_position
                        ),
                    )
                else:
                    messages.success(request, _("{name} is registered.").format(name=registration.participant.name))
                return redirect("training:register", pk=session.pk)
            if action == "bulk" and bulk_form.is_valid():
                rows = imports.read_registration_sheet(bulk_form.cleaned_data["file"])
                created = services.registration_bulk(
                    session=session,
                    organization=organization,
                    rows=rows,
                    waitlist_ok=bulk_form.cleaned_data["waitlist_ok"],
                    actor=request.user,
                    at=now,
                )
                waiting = sum(1 for c in created if c.status == RegistrationStatus.WAITLISTED)
                messages.success(
                    request,
                    _("{count} people registered from the sheet ({waiting} on the waiting list).").format(
                        count=len(created), waiting=waiting
                    ),
                )
                return redirect("training:register", pk=session.pk)
            status = 400
        except ServiceError as exc:
            status = 400
            if action == "one":
                apply_service_error(person_form, exc)  # on its fields, or above them
            else:
                errors = _errors(exc)  # a sheet's rows, listed above both forms
    registrations = (
        selectors.organization_registrations(organization=organization)
        .filter(session=session)
        .order_by("status", "waitlist_position", "participant__name")
    )
    context = {
        "organization": organization,
        "session": session,
        "course": session.course,
        "places": services.session_places(session),
        "registrations": registrations,
        "person_form": person_form,
        "bulk_form": bulk_form,
        "errors": errors,
        "open": session.course.status == CourseStatus.OPEN
        and session.status == SessionStatus.SCHEDULED
        and clock.now() < session.registration_closes_at,
    }
    return render(request, "training/register.html", context, status=status)


@permission(P.TRAINING_REGISTER)
@require_GET
def template(request: HttpRequest, pk: int) -> HttpResponse:
    organization = _organization(request)
    try:
        session = selectors.session_for_organization(organization=organization, pk=pk)
    except Session.DoesNotExist as exc:
        raise Http404 from exc
    response = HttpResponse(
        imports.registration_template(session=session),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="training-registration-{session.pk}.xlsx"'
    return response


@permission(P.TRAINING_REGISTER)
@require_GET
def staff(request: HttpRequest) -> HttpResponse:
    """My organization's trainees and how many trainings each attended."""
    organization = _organization(request)
    page = Paginator(selectors.organization_participants(organization=organization), 50).get_page(
        request.GET.get("page")
    )
    return render(request, "training/staff.html", {"organization": organization, "page": page})


# --- bureau trainers ------------------------------------------------------------------------------------


def _course(request: HttpRequest, pk: int) -> Course:
    try:
        return selectors.course_for_manager(user=request.user, pk=pk)
    except Course.DoesNotExist as exc:
        raise Http404 from exc


def _session(request: HttpRequest, pk: int) -> Session:
    try:
        return selectors.session_for_manager(user=request.user, pk=pk)
    except Session.DoesNotExist as exc:
        raise Http404 from exc


def _organizer(request: HttpRequest) -> Any:
    """The bureau a trainer runs courses for: their first membership that may manage training."""
    for membership in user_memberships(user=request.user):
        if role_allows(membership.role, P.TRAINING_MANAGE):
            return membership.organization
    raise PermissionDenied


@permission(P.TRAINING_MANAGE)
@require_GET
def courses(request: HttpRequest) -> HttpResponse:
    qs = selectors.manageable_courses(user=request.user).order_by("-created_at", "-id")
    status = request.GET.get("status", "")
    if status in CourseStatus.values:
        qs = qs.filter(status=status)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "training/courses.html",
        {"page": page, "status": status, "statuses": CourseStatus.choices, "query": f"status={status}"},
    )


def _course_input(form: CourseForm, organizer: Any) -> services.CourseInput:
    d = form.cleaned_data
    return services.CourseInput(
        title=d["title"],
        mode=d["mode"],
        audience=list(d["audience"]),
        region=d["region"],
        organizer=organizer,
        description=d["description"],
        document_ids=[doc.pk for doc in d["documents"]],
        topic_ids=[tag.pk for tag in d["topics"]],
    )


@permission(P.TRAINING_MANAGE)
@require_http_methods(["GET", "POST"])
def course_create(request: HttpRequest) -> HttpResponse:
    organizer = _organizer(request)
    regions = regions_in_scope(user_scope(user=request.user, perm=P.TRAINING_MANAGE))
    form = CourseForm(request.POST or None, regions=regions, initial={"region": organizer.region_id})
    if request.method == "POST" and form.is_valid():
        try:
            course = services.course_create(data=_course_input(form, organizer), actor=request.user, at=clock.now())
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("Course created. Schedule its sessions, then open it."))
            return redirect("training:course_manage", pk=course.pk)
    status = 400 if form.is_bound else 200
    return render(request, "training/course_form.html", {"form": form, "course": None}, status=status)


@permission(P.TRAINING_MANAGE)
@require_http_methods(["GET", "POST"])
def course_edit(request: HttpRequest, pk: int) -> HttpResponse:
    course = _course(request, pk)
    regions = regions_in_scope(user_scope(user=request.user, perm=P.TRAINING_MANAGE))
    initial = {
        "title": course.title,
        "mode": course.mode,
        "audience": course.audience,
        "region": course.region_id,
        "description": course.description,
        "documents": list(course.documents.all()),
        "topics": list(course.topics.all()),
    }
    form = CourseForm(request.POST or None, regions=regions, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.course_update(
                course=course, data=_course_input(form, course.organizer), actor=request.user, at=clock.now()
            )
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("Course saved."))
            return redirect("training:course_manage", pk=course.pk)
    status = 400 if form.is_bound else 200
    return render(request, "training/course_form.html", {"form": form, "course": course}, status=status)


@permission(P.TRAINING_MANAGE)
@require_http_methods(["GET", "POST"])
def course_manage(request: HttpRequest, pk: int) -> HttpResponse:
    """A course: open or close it, its sessions, and (recorded) its videos and slides."""
    course = _course(request, pk)
    action = request.POST.get("action")
    material_form = MaterialForm(
        request.POST if action == "material" else None, request.FILES if action == "material" else None
    )
    status = 200
    if request.method == "POST":
        now = clock.now()
        try:
            if action in {CourseStatus.OPEN, CourseStatus.CLOSED}:
                services.course_set_status(course=course, status=action, actor=request.user, at=now)
                messages.success(request, _("Course status: {status}.").format(status=CourseStatus(action).label))
                return redirect("training:course_manage", pk=course.pk)
            if action == "material" and material_form.is_valid():
                d = material_form.cleaned_data
                upload = d["file"]
                services.material_upload(
                    course=course,
                    data=services.MaterialInput(
                        title=d["title"],
                        filename=upload.name,
                        stream=upload,
                        duration_seconds=d["duration_seconds"],
                        pages=d["pages"],
                    ),
                    actor=request.user,
                    at=now,
                )
                messages.success(request, _("Material uploaded."))
                return redirect("training:course_manage", pk=course.pk)
            status = 400
        except ServiceError as exc:
            status = 400
            if action == "material":
                apply_service_error(material_form, exc)
            else:
                _flash(request, exc)
        course.refresh_from_db()
    context = {
        "course": course,
        "sessions": selectors.course_sessions(course=course),
        "materials": course.materials.all(),
        "material_form": material_form,
        "documents": course.documents.all(),
        "topics": course.topics.all(),
    }
    return render(request, "training/course_manage.html", context, status=status)


def _session_input(form: SessionForm) -> services.SessionInput:
    d = form.cleaned_data
    return services.SessionInput(
        title=d["title"],
        starts_at=d["starts_at"],
        ends_at=d["ends_at"],
        registration_closes_at=d["registration_closes_at"],
        venue=d["venue"],
        room=d["room"],
        capacity=d["capacity"],
        meeting_url=d["meeting_url"],
        min_attendance_pct=d["min_attendance_pct"],
    )


@permission(P.TRAINING_MANAGE)
@require_http_methods(["GET", "POST"])
def session_create(request: HttpRequest, pk: int) -> HttpResponse:
    course = _course(request, pk)
    form = SessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            session = services.session_create(
                course=course, data=_session_input(form), actor=request.user, at=clock.now()
            )
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("Session scheduled."))
            return redirect("training:session_manage", pk=session.pk)
    status = 400 if form.is_bound else 200
    context = {"form": form, "course": course, "session": None}
    return render(request, "training/session_form.html", context, status=status)


@permission(P.TRAINING_MANAGE)
@require_http_methods(["GET", "POST"])
def session_edit(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session(request, pk)
    initial = {
        name: getattr(session, name)
        for name in (
            "title",
            "starts_at",
            "ends_at",
            "registration_closes_at",
            "venue",
            "room",
            "capacity",
            "meeting_url",
            "min_attendance_pct",
        )
    }
    form = SessionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.session_update(session=session, data=_session_input(form), actor=request.user, at=clock.now())
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("Session saved."))
            return redirect("training:session_manage", pk=session.pk)
    status = 400 if form.is_bound else 200
    context = {"form": form, "course": session.course, "session": session}
    return render(request, "training/session_form.html", context, status=status)


@permission(P.TRAINING_MANAGE)
@require_http_methods(["GET", "POST"])
def session_manage(request: HttpRequest, pk: int) -> HttpResponse:
    """A session's roster (places, waiting list, check-ins, attendance), the live attendance import and
    cancelling the session."""
    session = _session(request, pk)
    action = request.POST.get("action")
    attendance_form = AttendanceForm(
        request.POST if action == "attendance" else None, request.FILES if action == "attendance" else None
    )
    cancel_form = CancelSessionForm(request.POST if action == "cancel" else None)
    status = 200
    if request.method == "POST":
        now = clock.now()
        try:
            if action == "attendance" and attendance_form.is_valid():
                upload = attendance_form.cleaned_data["file"]
                data = upload.read()
                upload.seek(0)
                rows = imports.read_attendance_export(upload, filename=upload.name, session=session)
                record = services.live_attendance_import(
                    session=session,
                    rows=rows,
                    filename=upload.name,
                    sha256=hashlib.sha256(data).hexdigest(),
                    actor=request.user,
                    at=now,
                )
                messages.success(
                    request,
                    _("{rows} rows read, {matched} matched, attendance established for {completed}.").format(
                        rows=record.rows, matched=record.matched, completed=record.completed
                    ),
                )
                return redirect("training:session_manage", pk=session.pk)
            if action == "cancel" and cancel_form.is_valid():
                services.session_cancel(
                    session=session, reason=cancel_form.cleaned_data["reason"], actor=request.user, at=now
                )
                messages.success(request, _("Session cancelled; everyone registered was told."))
                return redirect("training:session_manage", pk=session.pk)
            status = 400
        except ServiceError as exc:
            status = 400
            form = attendance_form if action == "attendance" else cancel_form
            apply_service_error(form, exc)
            if not form.errors:
                _flash(request, exc)
    context = {
        "session": session,
        "course": session.course,
        "places": services.session_places(session),
        "roster": selectors.session_roster(session=session),
        "imports": session.attendance_imports.all()[:5],
        "attendance_form": attendance_form,
        "cancel_form": cancel_form,
    }
    return render(request, "training/session_manage.html", context, status=status)


@permission(P.TRAINING_MANAGE)
@require_http_methods(["GET", "POST"])
def checkin_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The organizer's phone page at the door: scan (scanner, typed, or the phone camera), see the answer."""
    session = _session(request, pk)
    if session.course.mode != CourseMode.OFFLINE:
        raise Http404
    answer = None
    if request.method == "POST":
        form = CheckinForm(request.POST)
        if form.is_valid():
            try:
                answer = services.registration_check_in(
                    session=session, text=form.cleaned_data["code"], actor=request.user, at=clock.now()
                )
            except ServiceError as exc:
                apply_service_error(form, exc)
        form = CheckinForm() if answer is not None else form
    else:
        form = CheckinForm(initial={"code": request.GET.get("code", "")})
    checked_in = session.registrations.filter(checked_in_at__isnull=False).count()
    context = {
        "session": session,
        "course": session.course,
        "form": form,
        "answer": answer,
        "answer_text": bilingual(answer.error) if answer else "",
        "checked_in": checked_in,
        "places": services.session_places(session),
        "pending": request.GET.get("code", "") if request.method == "GET" else "",
    }
    return render(request, "training/checkin.html", context)
