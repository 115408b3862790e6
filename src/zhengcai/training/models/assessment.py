"""Question banks, assessments, attempts and certificates.

A course has a bank of questions (single choice, multiple choice, true/false) and at most one assessment:
how many questions are drawn at random from the bank's active questions, the pass mark, how many attempts a
participant has and an optional time limit. An attempt keeps a copy of each drawn question as it was shown
(text, options, correct answers), so editing or retiring a question later never changes a score already given.
A passed attempt issues one certificate per participant and course; its content is signed (Ed25519, the
platform key) and the signature is part of the verification code in its QR code.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .core import Course, Participant, Registration

__all__ = [
    "Assessment",
    "AssessmentStatus",
    "Attempt",
    "AttemptQuestion",
    "AttemptStatus",
    "Certificate",
    "CertificateStatus",
    "Question",
    "QuestionKind",
]


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    TRUE_FALSE = "true_false", _("True or false")


class Question(models.Model):
    """One question of a course's bank. ``options`` is the list of answer texts; ``correct`` the indexes (from 0)
    of the right ones. Questions are retired, not deleted: attempts keep their own copy anyway."""

    course = models.ForeignKey(Course, verbose_name=_("course"), on_delete=models.PROTECT, related_name="questions")
    kind = models.CharField(_("question type"), max_length=10, choices=QuestionKind.choices)
    text = models.TextField(_("question"), max_length=1000)
    options = models.JSONField(_("options"), default=list)
    correct = models.JSONField(_("correct answers"), default=list)
    explanation = models.TextField(_("explanation"), max_length=2000, blank=True)
    document = models.ForeignKey(
        "policies.PolicyDocument",
        verbose_name=_("policy document"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="training_questions",
    )
    is_active = models.BooleanField(_("in use"), default=True)
    created_at = models.DateTimeField(_("created at"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        ordering = ["course", "id"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        indexes = [models.Index(fields=["course", "is_active"], name="training_question_active")]

    def __str__(self) -> str:
        return self.text[:50]


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class Assessment(models.Model):
    course = models.OneToOneField(
        Course, verbose_name=_("course"), on_delete=models.PROTECT, related_name="assessment"
    )
    question_count = models.PositiveSmallIntegerField(_("questions drawn"))
    pass_mark = models.PositiveSmallIntegerField(_("pass mark (%)"))
    attempts_allowed = models.PositiveSmallIntegerField(_("attempts allowed"))
    time_limit_minutes = models.PositiveSmallIntegerField(_("time limit (minutes)"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=AssessmentStatus.choices, default=AssessmentStatus.DRAFT
    )
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        constraints = [
            models.CheckConstraint(
                condition=Q(question_count__gte=1) & Q(question_count__lte=100), name="training_assessment_count"
            ),
            models.CheckConstraint(
                condition=Q(pass_mark__gte=1) & Q(pass_mark__lte=100), name="training_assessment_pass_mark"
            ),
            models.CheckConstraint(
                condition=Q(attempts_allowed__gte=1) & Q(attempts_allowed__lte=10),
                name="training_assessment_attempts",
            ),
            models.CheckConstraint(
                condition=Q(time_limit_minutes__isnull=True)
                | (Q(time_limit_minutes__gte=1) & Q(time_limit_minutes__lte=240)),
                name="training_assessment_time_limit",
            ),
        ]

    def __str__(self) -> str:
        return str(self.course)


class AttemptStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", _("In progress")
    SUBMITTED = "submitted", _("Submitted")
    EXPIRED = "expired", _("Time ran out")


class Attempt(models.Model):
    assessment = models.ForeignKey(
        Assessment, verbose_name=_("assessment"), on_delete=models.PROTECT, related_name="attempts"
    )
    participant = models.ForeignKey(
        Participant, verbose_name=_("participant"), on_delete=models.PROTECT, related_name="attempts"
    )
    registration = models.ForeignKey(
        Registration, verbose_name=_("registration"), on_delete=models.PROTECT, related_name="attempts"
    )
    number = models.PositiveSmallIntegerField(_("attempt"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=12, choices=AttemptStatus.choices)
    started_at = models.DateTimeField(_("started at"))
    deadline = models.DateTimeField(_("answer by"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    question_count = models.PositiveSmallIntegerField(_("questions"))
    correct_count = models.PositiveSmallIntegerField(_("correct answers"), null=True, blank=True)
    score = models.DecimalField(_("score (%)"), max_digits=5, decimal_places=2, null=True, blank=True)
    pass_mark = models.PositiveSmallIntegerField(_("pass mark (%)"))  # as it was when the attempt started
    passed = models.BooleanField(_("passed"), null=True, blank=True)

    class Meta:
        ordering = ["assessment", "participant", "number"]
        verbose_name = _("attempt")
        verbose_name_plural = _("attempts")
        constraints = [
            models.UniqueConstraint(fields=["assessment", "participant", "number"], name="training_attempt_number"),
            models.UniqueConstraint(
                fields=["assessment", "participant"],
                condition=Q(status="in_progress"),
                name="training_attempt_one_open",
            ),
            models.UniqueConstraint(
                fields=["assessment", "participant"], condition=Q(passed=True), name="training_attempt_one_pass"
            ),
            models.CheckConstraint(
                condition=(Q(status="submitted") & Q(score__isnull=False) & Q(passed__isnull=False))
                | (~Q(status="submitted") & Q(passed__isnull=True)),
                name="training_attempt_scored_iff_submitted",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assessment_id}/{self.participant_id} #{self.number}"


class AttemptQuestion(models.Model):
    """A drawn question as the participant saw it, and the answer given."""

    attempt = models.ForeignKey(Attempt, verbose_name=_("attempt"), on_delete=models.CASCADE, related_name="items")
    question = models.ForeignKey(Question, verbose_name=_("question"), on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(_("position"))
    kind = models.CharField(_("question type"), max_length=10, choices=QuestionKind.choices)
    text = models.TextField(_("question"))
    options = models.JSONField(_("options"), default=list)
    correct = models.JSONField(_("correct answers"), default=list)
    chosen = models.JSONField(_("answer given"), null=True, blank=True)
    is_correct = models.BooleanField(_("correct"), null=True, blank=True)

    class Meta:
        ordering = ["attempt", "position"]
        verbose_name = _("attempt question")
        verbose_name_plural = _("attempt questions")
        constraints = [
            models.UniqueConstraint(fields=["attempt", "position"], name="training_attempt_question_position"),
            models.UniqueConstraint(fields=["attempt", "question"], name="training_attempt_question_once"),
        ]

    def __str__(self) -> str:
        return f"{self.attempt_id}.{self.position}"


class CertificateStatus(models.TextChoices):
    VALID = "valid", _("Valid")
    REVOKED = "revoked", _("Revoked")


class Certificate(models.Model):
    """A training certificate. The holder, course and issuer are copied as they were at issue: that copy is
    what is signed and what the public verification page shows."""

    number = models.CharField(_("certificate number"), max_length=40, unique=True)
    participant = models.ForeignKey(
        Participant, verbose_name=_("holder"), on_delete=models.PROTECT, related_name="certificates"
    )
    course = models.ForeignKey(Course, verbose_name=_("course"), on_delete=models.PROTECT, related_name="certificates")
    attempt = models.OneToOneField(
        Attempt, verbose_name=_("attempt"), on_delete=models.PROTECT, related_name="certificate"
    )
    holder_name = models.CharField(_("holder"), max_length=50)
    organization_name = models.CharField(_("organization"), max_length=200)
    course_title = models.CharField(_("course"), max_length=200)
    issuer_name = models.CharField(_("issued by"), max_length=200)
    score = models.DecimalField(_("score (%)"), max_digits=5, decimal_places=2)
    completed_on = models.DateField(_("completed on"))
    issued_at = models.DateTimeField(_("issued at"))
    signature = models.CharField(_("signature"), max_length=100)
    status = models.CharField(
        _("status"), max_length=10, choices=CertificateStatus.choices, default=CertificateStatus.VALID
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revoke_reason = models.TextField(_("reason for revocation"), blank=True)

    class Meta:
        ordering = ["-issued_at", "-id"]
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        indexes = [models.Index(fields=["course", "status"], name="training_cert_course")]
        constraints = [
            models.UniqueConstraint(fields=["participant", "course"], name="training_certificate_once"),
            models.CheckConstraint(
                condition=(Q(status="revoked") & Q(revoked_at__isnull=False))
                | (~Q(status="revoked") & Q(revoked_at__isnull=True)),
                name="training_certificate_revoked_dated",
            ),
        ]

    def __str__(self) -> str:
        return self.number
