"""Courses, sessions, participants, registrations and attendance.

A course is offline (a venue and a room with a capacity), live online (a meeting link and a schedule) or
recorded (videos and slides served from the platform's own storage). People register for a *session* of a
course; a recorded course has one or more sessions too: the window in which it can be watched. Attendance is
established once per registration (``completed_at``): by checking in at the door with a signed QR code, from
the live meeting's attendance export, or by watching enough of the recorded material.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from zhengcai.organizations.models import Organization, Region

__all__ = [
    "AUDIENCES_BY_KIND",
    "AttendanceImport",
    "Audience",
    "CompletionSource",
    "Course",
    "CourseMaterial",
    "CourseMode",
    "CourseStatus",
    "MaterialKind",
    "Participant",
    "PlaybackProgress",
    "Registration",
    "RegistrationStatus",
    "Session",
    "SessionStatus",
]


class Audience(models.TextChoices):
    PURCHASER = "purchaser", _("Purchasers")
    AGENCY = "agency", _("Procurement agencies")
    SUPPLIER = "supplier", _("Suppliers")
    EXPERT = "expert", _("Evaluation experts")
    BUREAU = "bureau", _("Bureau staff")


# Which audiences an organization's staff belong to, by the organization's kind (experts sit in bureaus).
AUDIENCES_BY_KIND: dict[str, frozenset[str]] = {
    "budget_unit": frozenset({Audience.PURCHASER}),
    "agency": frozenset({Audience.AGENCY}),
    "trading_centre": frozenset({Audience.AGENCY}),
    "supplier": frozenset({Audience.SUPPLIER}),
    "finance_bureau": frozenset({Audience.BUREAU, Audience.EXPERT}),
    "bureau_department": frozenset({Audience.BUREAU, Audience.EXPERT}),
}


class CourseMode(models.TextChoices):
    OFFLINE = "offline", _("Offline (on site)")
    LIVE = "live", _("Live online")
    RECORDED = "recorded", _("Recorded (video and slides)")


class CourseStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class Course(models.Model):
    title = models.CharField(_("title"), max_length=200)
    audience = models.JSONField(_("audience"), default=list)  # list of Audience values
    mode = models.CharField(_("mode"), max_length=10, choices=CourseMode.choices)
    description = models.TextField(_("description"), blank=True)
    documents = models.ManyToManyField(
        "policies.PolicyDocument", verbose_name=_("policy documents"), blank=True, related_name="courses"
    )
    topics = models.ManyToManyField("policies.Tag", verbose_name=_("topics"), blank=True, related_name="courses")
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    organizer = models.ForeignKey(
        Organization, verbose_name=_("organizer"), on_delete=models.PROTECT, related_name="training_courses"
    )
    status = models.CharField(_("status"), max_length=10, choices=CourseStatus.choices, default=CourseStatus.DRAFT)
    created_at = models.DateTimeField(_("created at"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        indexes = [models.Index(fields=["status", "region"], name="training_course_status_region")]

    def __str__(self) -> str:
        return self.title

    @property
    def audience_labels(self) -> list[str]:
        return [str(Audience(a).label) for a in self.audience if a in Audience.values]


class SessionStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("To be held")
    CANCELLED = "cancelled", _("Cancelled")


class Session(models.Model):
    """One run of a course. For a recorded course: the window in which registered people can watch it."""

    course = models.ForeignKey(Course, verbose_name=_("course"), on_delete=models.PROTECT, related_name="sessions")
    title = models.CharField(_("session title"), max_length=100, blank=True)  # e.g. 第一期
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    venue = models.CharField(_("venue"), max_length=200, blank=True)
    room = models.CharField(_("room"), max_length=100, blank=True)
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True)  # empty: no limit
    meeting_url = models.URLField(_("meeting link"), max_length=500, blank=True)
    registration_closes_at = models.DateTimeField(_("registration closes at"))
    # Share of a live session a participant must attend (from the meeting's export) to have attended it.
    min_attendance_pct = models.PositiveSmallIntegerField(_("minimum attendance (%)"), default=80)
    status = models.CharField(
        _("status"), max_length=10, choices=SessionStatus.choices, default=SessionStatus.SCHEDULED
    )
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        indexes = [models.Index(fields=["starts_at"], name="training_session_starts")]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="training_session_dates"),
            models.CheckConstraint(condition=Q(capacity__isnull=True) | Q(capacity__gt=0), name="training_capacity"),
            models.CheckConstraint(
                condition=Q(min_attendance_pct__gte=1) & Q(min_attendance_pct__lte=100),
                name="training_session_min_attendance",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.course.title} {self.title}".strip()

    @property
    def places_left(self) -> int | None:
        """Free places (None: no limit); uses the ``n_registered`` annotation of the selectors when present."""
        if self.capacity is None:
            return None
        taken = getattr(self, "n_registered", None)
        if taken is None:
            taken = self.registrations.filter(status=RegistrationStatus.REGISTERED).count()
        return max(self.capacity - taken, 0)


class Participant(models.Model):
    """A person being trained, known by organization and mobile phone; may or may not have a platform account."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.PROTECT, related_name="training_participants"
    )
    name = models.CharField(_("full name"), max_length=50)
    phone = models.CharField(_("mobile phone"), max_length=11)
    job_title = models.CharField(_("job title"), max_length=100, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("platform account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="training_participants",
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        ordering = ["organization", "name", "id"]
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        constraints = [
            models.UniqueConstraint(fields=["organization", "phone"], name="training_participant_org_phone"),
        ]

    def __str__(self) -> str:
        return self.name


class RegistrationStatus(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    WAITLISTED = "waitlisted", _("On the waiting list")
    CANCELLED = "cancelled", _("Cancelled")


class CompletionSource(models.TextChoices):
    CHECKIN = "checkin", _("Checked in on site")
    LIVE_EXPORT = "live_export", _("Live attendance export")
    RECORDED = "recorded", _("Recorded course watched")


class Registration(models.Model):
    session = models.ForeignKey(
        Session, verbose_name=_("session"), on_delete=models.PROTECT, related_name="registrations"
    )
    participant = models.ForeignKey(
        Participant, verbose_name=_("participant"), on_delete=models.PROTECT, related_name="registrations"
    )
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    registered_at = models.DateTimeField(_("registered at"))
    status = models.CharField(_("status"), max_length=10, choices=RegistrationStatus.choices)
    waitlist_position = models.PositiveIntegerField(_("waiting list position"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    # The check-in code carries this nonce; issuing a new code changes it, so older printed codes stop working.
    checkin_nonce = models.CharField(_("check-in nonce"), max_length=32)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    live_minutes = models.PositiveIntegerField(_("minutes attended online"), null=True, blank=True)
    completed_at = models.DateTimeField(_("attendance established at"), null=True, blank=True)
    completion_source = models.CharField(
        _("attendance from"), max_length=12, choices=CompletionSource.choices, blank=True
    )
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        ordering = ["session", "status", "waitlist_position", "registered_at", "id"]
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        indexes = [models.Index(fields=["session", "status"], name="training_reg_session_status")]
        constraints = [
            # A person is registered (or waiting) at most once per session; cancelled rows stay as history.
            models.UniqueConstraint(
                fields=["session", "participant"],
                condition=~Q(status="cancelled"),
                name="training_registration_once",
            ),
            models.UniqueConstraint(
                fields=["session", "waitlist_position"],
                condition=Q(status="waitlisted"),
                name="training_waitlist_position_unique",
            ),
            models.CheckConstraint(
                condition=(Q(status="waitlisted") & Q(waitlist_position__isnull=False))
                | (~Q(status="waitlisted") & Q(waitlist_position__isnull=True)),
                name="training_waitlist_position_iff_waitlisted",
            ),
            models.CheckConstraint(
                condition=Q(status="cancelled") | Q(cancelled_at__isnull=True), name="training_cancelled_dated"
            ),
            models.CheckConstraint(
                condition=Q(checked_in_at__isnull=True) | ~Q(status="waitlisted"),
                name="training_checkin_needs_place",
            ),
            models.CheckConstraint(
                condition=(Q(completed_at__isnull=True) & Q(completion_source=""))
                | (Q(completed_at__isnull=False) & ~Q(completion_source="")),
                name="training_completion_has_source",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.participant_id} @ {self.session_id}: {self.status}"


class MaterialKind(models.TextChoices):
    VIDEO = "video", _("Video")
    SLIDES = "slides", _("Slides (PDF)")


def material_path(instance: CourseMaterial, filename: str) -> str:
    return f"training/{instance.course_id}/{filename}"


class CourseMaterial(models.Model):
    course = models.ForeignKey(Course, verbose_name=_("course"), on_delete=models.PROTECT, related_name="materials")
    kind = models.CharField(_("kind"), max_length=10, choices=MaterialKind.choices)
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to=material_path, max_length=300)
    content_type = models.CharField(_("content type"), max_length=60)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    duration_seconds = models.PositiveIntegerField(_("duration (seconds)"), null=True, blank=True)  # videos
    pages = models.PositiveIntegerField(_("pages"), null=True, blank=True)  # slides
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    uploaded_at = models.DateTimeField(_("uploaded at"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["course", "order", "id"]
        verbose_name = _("course material")
        verbose_name_plural = _("course materials")
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="video") & Q(duration_seconds__gt=0) & Q(pages__isnull=True))
                | (Q(kind="slides") & Q(pages__gt=0) & Q(duration_seconds__isnull=True)),
                name="training_material_length_by_kind",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class PlaybackProgress(models.Model):
    """What one registered person has seen of one material: a map of seen units (blocks of a few
    seconds of a video, or slide pages), their count and the furthest position reached."""

    registration = models.ForeignKey(
        Registration, verbose_name=_("registration"), on_delete=models.PROTECT, related_name="progress"
    )
    material = models.ForeignKey(
        CourseMaterial, verbose_name=_("material"), on_delete=models.PROTECT, related_name="progress"
    )
    seen_map = models.TextField(_("seen units"), default="")  # "0"/"1" per unit
    seen_units = models.PositiveIntegerField(_("units seen"), default=0)
    seconds_seen = models.PositiveIntegerField(_("seconds seen"), default=0)  # video; 0 for slides
    pages_seen = models.PositiveIntegerField(_("pages seen"), default=0)  # slides; 0 for video
    furthest_position = models.PositiveIntegerField(_("furthest position"), default=0)  # second or page
    started_at = models.DateTimeField(_("started at"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        ordering = ["registration", "material"]
        verbose_name = _("playback progress")
        verbose_name_plural = _("playback progress")
        constraints = [
            models.UniqueConstraint(fields=["registration", "material"], name="training_progress_once"),
        ]

    def __str__(self) -> str:
        return f"{self.registration_id}/{self.material_id}: {self.seen_units}"


class AttendanceImport(models.Model):
    """One upload of a live meeting's attendance export, kept for the record."""

    session = models.ForeignKey(
        Session, verbose_name=_("session"), on_delete=models.PROTECT, related_name="attendance_imports"
    )
    filename = models.CharField(_("file name"), max_length=200)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    rows = models.PositiveIntegerField(_("rows"))
    matched = models.PositiveIntegerField(_("rows matched"))
    completed = models.PositiveIntegerField(_("attendances established"))
    unmatched = models.JSONField(_("rows not matched"), default=list)  # [{"row": n, "name": ..., "phone": ...}]
    imported_at = models.DateTimeField(_("imported at"))
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-imported_at", "-id"]
        verbose_name = _("attendance import")
        verbose_name_plural = _("attendance imports")

    def __str__(self) -> str:
        return f"{self.session_id}: {self.filename}"
