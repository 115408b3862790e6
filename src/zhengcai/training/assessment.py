"""Question banks, assessments, attempts and certificates: the writes, and the reads the pages need.

Who may do what:
- a trainer (``P.TRAINING_MANAGE``, city bureau: every course; county bureau: that county's courses) edits a
  course's bank, sets and opens its assessment, and revokes its certificates;
- a learner (``P.TRAINING_LEARN``) takes the assessment of a course when one of *their* registrations for a
  session of that course is complete — attendance established (``Registration.completed_at``: checked in on
  site, enough of the live session, or ≥ 90 % of the recorded material watched) and not cancelled. "Their"
  means the participant record is linked to the learner's platform account (``Participant.user``).

Taking it: questions are drawn at random from the bank's questions in use; the attempt keeps a copy of each
(text, options, correct answers), so later edits never change a score. Every drawn question must be answered
(nothing is dropped silently); the score is computed here, never sent by the browser. A time limit, when set,
gives a deadline; answers arriving more than ``GRACE`` after it close the attempt as "time ran out" (the attempt
counts as used); answers sent within the grace are scored as they are, unanswered questions counting as
wrong (the page sends the form by itself when the time is up). A participant has ``attempts_allowed`` attempts per assessment; once passed, no more. A pass
issues the certificate in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import random
import secrets
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Max, Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from zhengcai.accounts.selectors import user_scope
from zhengcai.core.audit import audit_record, snapshot
from zhengcai.core.errors import ServiceError, raise_if_any
from zhengcai.core.fsm import check_transition
from zhengcai.core.notifications import notification_queue
from zhengcai.core.permissions import P
from zhengcai.policies.models import PolicyDocument

from . import certificates
from .errors import AssessmentError
from .models import (
    Assessment,
    AssessmentStatus,
    Attempt,
    AttemptQuestion,
    AttemptStatus,
    Certificate,
    CertificateStatus,
    Course,
    Participant,
    Question,
    QuestionKind,
    Registration,
    RegistrationStatus,
)

TEXT_MAX = 1000
OPTION_MAX = 200
OPTIONS_MIN, OPTIONS_MAX = 2, 8
EXPLANATION_MAX = 2000
REASON_MAX = 500
TRUE_FALSE_OPTIONS = ["正确", "错误"]  # shown as 正确 True / 错误 False
GRACE = dt.timedelta(seconds=60)  # network and clock slack after a time limit
COUNT_RANGE = (1, 100)
PASS_MARK_RANGE = (1, 100)
ATTEMPTS_RANGE = (1, 10)
TIME_LIMIT_RANGE = (1, 240)

AUDIT_ACTIONS: dict[str, Any] = {
    "training.question.create": _("Assessment question added"),
    "training.question.edit": _("Assessment question edited"),
    "training.question.retire": _("Assessment question taken out of use"),
    "training.question.restore": _("Assessment question put back in use"),
    "training.assessment.configure": _("Assessment settings saved"),
    "training.assessment.open": _("Assessment opened"),
    "training.assessment.close": _("Assessment closed"),
    "training.attempt.start": _("Assessment attempt started"),
    "training.attempt.submit": _("Assessment attempt submitted and scored"),
    "training.attempt.expire": _("Assessment attempt closed: time ran out"),
    "training.certificate.issue": _("Training certificate issued"),
    "training.certificate.revoke": _("Training certificate revoked"),
}

A = AssessmentStatus
ASSESSMENT_TRANSITIONS: dict[str, frozenset[str]] = {
    A.DRAFT: frozenset({A.OPEN}),
    A.OPEN: frozenset({A.CLOSED}),
    A.CLOSED: frozenset({A.OPEN}),
}


# --- scope ----------------------------------------------------------------------------------------------


def courses_managed(*, user: Any) -> QuerySet[Course]:
    """Courses whose bank and assessment ``user`` manages: the city bureau every course, a county bureau
    its county's (by the course's region or as its organizer)."""
    scope = user_scope(user=user, perm=P.TRAINING_MANAGE)
    return scope.filter(Course.objects.all(), region_field="region", organization_field="organizer")


def course_is_managed(*, user: Any, course: Course) -> bool:
    scope = user_scope(user=user, perm=P.TRAINING_MANAGE)
    return scope.everything or course.region_id in scope.region_ids or course.organizer_id in scope.organization_ids


def _require_manager(user: Any, course: Course) -> None:
    if not course_is_managed(user=user, course=course):
        raise PermissionDenied


# --- question bank --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuestionInput:
    kind: str
    text: str
    options: Sequence[str] = ()  # ignored for true/false
    correct: Sequence[int] = ()  # indexes into options, from 0
    explanation: str = ""
    document_id: int | None = None


def _clean_question(data: QuestionInput) -> tuple[dict[str, Any], list[ServiceError]]:
    errors: list[ServiceError] = []
    kind = data.kind
    if kind not in QuestionKind.values:
        errors.append(
            ServiceError(
                AssessmentError.QUESTION_KIND,
                "kind",
                _("Choose the question type: single choice, multiple choice or true/false."),
            )
        )
    text = (data.text or "").strip()
    if not text:
        errors.append(ServiceError(AssessmentError.QUESTION_TEXT, "text", _("Write the question.")))
    elif len(text) > TEXT_MAX:
        errors.append(
            ServiceError(
                AssessmentError.QUESTION_TEXT,
                "text",
                _("The question has {length} characters; at most {max} are allowed."),
                length=len(text),
                max=TEXT_MAX,
            )
        )
    if kind == QuestionKind.TRUE_FALSE:
        options = list(TRUE_FALSE_OPTIONS)
    else:
        options = [str(o).strip() for o in data.options]
        while options and not options[-1]:  # empty trailing option fields of the form
            options.pop()
        if len(options) < OPTIONS_MIN or len(options) > OPTIONS_MAX:
            errors.append(
                ServiceError(
                    AssessmentError.QUESTION_OPTIONS,
                    "options",
                    _("Give between {min} and {max} options (you gave {count})."),
                    min=OPTIONS_MIN,
                    max=OPTIONS_MAX,
                    count=len(options),
                )
            )
        for index, option in enumerate(options, start=1):
            if not option:
                errors.append(
                    ServiceError(
                        AssessmentError.QUESTION_OPTIONS,
                        "options",
                        _("Option {n} is empty: write it or remove the options after it."),
                        n=index,
                    )
                )
            elif len(option) > OPTION_MAX:
                errors.append(
                    ServiceError(
                        AssessmentError.QUESTION_OPTIONS,
                        "options",
                        _("Option {n} has {length} characters; at most {max} are allowed."),
                        n=index,
                        length=len(option),
                        max=OPTION_MAX,
                    )
                )
        seen: set[str] = set()
        for index, option in enumerate(options, start=1):
            if option and option in seen:
                errors.append(
                    ServiceError(
                        AssessmentError.QUESTION_OPTIONS,
                        "options",
                        _("Option {n} repeats an earlier option."),
                        n=index,
                    )
                )
            seen.add(option)
    correct = sorted(set(data.correct))
    if any(not isinstance(i, int) or i < 0 or i >= len(options) for i in correct):
        errors.append(
            ServiceError(
                AssessmentError.QUESTION_CORRECT, "correct", _("A correct answer must be one of the options.")
            )
        )
    elif kind in (QuestionKind.SINGLE, QuestionKind.TRUE_FALSE) and len(correct) != 1:
        errors.append(
            ServiceError(
                AssessmentError.QUESTION_CORRECT,
                "correct",
                _("A single-choice or true/false question has exactly one correct answer."),
            )
        )
    elif kind == QuestionKind.MULTIPLE and len(correct) < 2:
        errors.append(
            ServiceError(
                AssessmentError.QUESTION_CORRECT,
                "correct",
                _("A multiple-choice question has at least two correct answers (use single choice otherwise)."),
            )
        )
    explanation = (data.explanation or "").strip()
    if len(explanation) > EXPLANATION_MAX:
        errors.append(
            ServiceError(
                AssessmentError.QUESTION_EXPLANATION,
                "explanation",
                _("The explanation has {length} characters; at most {max} are allowed."),
                length=len(explanation),
                max=EXPLANATION_MAX,
            )
        )
    document = None
    if data.document_id is not None:
        document = PolicyDocument.objects.filter(pk=data.document_id).first()
        if document is None:
            errors.append(
                ServiceError(
                    AssessmentError.QUESTION_DOCUMENT,
                    "document",
                    _("The linked policy document does not exist in the policy library."),
                )
            )
    values = {
        "kind": kind,
        "text": text,
        "options": options,
        "correct": correct,
        "explanation": explanation,
        "document": document,
    }
    return values, errors


@transaction.atomic
def question_create(*, course: Course, data: QuestionInput, actor: Any, at: dt.datetime) -> Question:
    _require_manager(actor, course)
    values, errors = _clean_question(data)
    raise_if_any(errors)
    question = Question.objects.create(course=course, created_at=at, created_by=actor, updated_at=at, **values)
    audit_record(actor=actor, action="training.question.create", obj=question, after=snapshot(question), at=at)
    return question


@transaction.atomic
def question_update(*, question: Question, data: QuestionInput, actor: Any, at: dt.datetime) -> Question:
    question = Question.objects.select_for_update().select_related("course").get(pk=question.pk)
    _require_manager(actor, question.course)
    if not question.is_active:
        raise ServiceError(
            AssessmentError.QUESTION_RETIRED, None, _("This question is out of use: put it back in use to edit it.")
        )
    values, errors = _clean_question(data)
    raise_if_any(errors)
    before = snapshot(question)
    for name, value in values.items():
        setattr(question, name, value)
    question.updated_at = at
    question.save()
    audit_record(
        actor=actor, action="training.question.edit", obj=question, before=before, after=snapshot(question), at=at
    )
    return question


@transaction.atomic
def question_set_active(*, question: Question, active: bool, actor: Any, at: dt.datetime) -> Question:
    """Take a question out of use (it is no longer drawn; past attempts keep their copy) or put it back.
    An open assessment must keep enough questions in use to draw from."""
    question = Question.objects.select_for_update().select_related("course").get(pk=question.pk)
    _require_manager(actor, question.course)
    if question.is_active == active:
        return question
    if not active:
        assessment = Assessment.objects.filter(course=question.course_id, status=A.OPEN).first()
        in_use = Question.objects.filter(course=question.course_id, is_active=True).count()
        if assessment is not None and in_use - 1 < assessment.question_count:
            raise ServiceError(
                AssessmentError.TOO_FEW_QUESTIONS,
                None,
                _(
                    "The open assessment draws {count} questions and only {left} would remain in use: "
                    "add a question or close the assessment first."
                ),
                count=assessment.question_count,
                left=in_use - 1,
            )
    before = snapshot(question, ["is_active"])
    question.is_active = active
    question.updated_at = at
    question.save(update_fields=["is_active", "updated_at"])
    action = "training.question.restore" if active else "training.question.retire"
    audit_record(actor=actor, action=action, obj=question, before=before, after={"is_active": active}, at=at)
    return question


# --- assessment settings --------------------------------------------------------------------------------


def _in_range(value: int | None, bounds: tuple[int, int], field_name: str, label: Any) -> ServiceError | None:
    low, high = bounds
    if value is None or not low <= value <= high:
        return ServiceError(
            AssessmentError.SETTINGS,
            field_name,
            _("{label} must be a whole number from {low} to {high}."),
            label=label,
            low=low,
            high=high,
        )
    return None


def _enough_questions(course: Course, count: int, field_name: str = "question_count") -> None:
    in_use = Question.objects.filter(course=course, is_active=True).count()
    if in_use < count:
        raise ServiceError(
            AssessmentError.TOO_FEW_QUESTIONS,
            field_name,
            _("The assessment draws {count} questions but the bank has only {available} in use."),
            count=count,
            available=in_use,
        )


@transaction.atomic
def assessment_configure(
    *,
    course: Course,
    question_count: int,
    pass_mark: int,
    attempts_allowed: int,
    time_limit_minutes: int | None,
    actor: Any,
    at: dt.datetime,
) -> Assessment:
    """Create or change a course's assessment. Attempts already started keep the pass mark they started with."""
    course = Course.objects.select_for_update().get(pk=course.pk)
    _require_manager(actor, course)
    errors = [
        e
        for e in (
            _in_range(question_count, COUNT_RANGE, "question_count", _("The number of questions drawn")),
            _in_range(pass_mark, PASS_MARK_RANGE, "pass_mark", _("The pass mark (%)")),
            _in_range(attempts_allowed, ATTEMPTS_RANGE, "attempts_allowed", _("The number of attempts")),
            (
                _in_range(time_limit_minutes, TIME_LIMIT_RANGE, "time_limit_minutes", _("The time limit (minutes)"))
                if time_limit_minutes is not None
                else None
            ),
        )
        if e is not None
    ]
    raise_if_any(errors)
    assessment = Assessment.objects.filter(course=course).first()
    before = snapshot(assessment) if assessment is not None else None
    if assessment is None:
        assessment = Assessment(course=course, created_at=at)
    elif assessment.status == A.OPEN:
        _enough_questions(course, question_count)
    assessment.question_count = question_count
    assessment.pass_mark = pass_mark
    assessment.attempts_allowed = attempts_allowed
    assessment.time_limit_minutes = time_limit_minutes
    assessment.updated_at = at
    assessment.save()
    audit_record(
        actor=actor,
        action="training.assessment.configure",
        obj=assessment,
        before=before,
        after=snapshot(assessment),
        at=at,
    )
    return assessment


@transaction.atomic
def assessment_set_status(*, assessment: Assessment, status: str, actor: Any, at: dt.datetime) -> Assessment:
    """Open (the bank must hold enough questions in use) or close an assessment."""
    assessment = Assessment.objects.select_for_update().select_related("course").get(pk=assessment.pk)
    _require_manager(actor, assessment.course)
    check_transition(ASSESSMENT_TRANSITIONS, assessment.status, status, labels=AssessmentStatus)
    if status == A.OPEN:
        _enough_questions(assessment.course, assessment.question_count, field_name="status")
    before = snapshot(assessment, ["status"])
    assessment.status = status
    assessment.updated_at = at
    assessment.save(update_fields=["status", "updated_at"])
    action = "training.assessment.open" if status == A.OPEN else "training.assessment.close"
    audit_record(actor=actor, action=action, obj=assessment, before=before, after={"status": status}, at=at)
    return assessment


# --- taking an assessment -------------------------------------------------------------------------------


def completed_registrations(*, user: Any) -> QuerySet[Registration]:
    """The learner's own registrations whose attendance is established (the ones that open an assessment)."""
    return Registration.objects.filter(participant__user=user, completed_at__isnull=False).exclude(
        status=RegistrationStatus.CANCELLED
    )


def _check_eligible(registration: Registration, actor: Any) -> None:
    if registration.participant.user_id != getattr(actor, "pk", None):
        raise PermissionDenied
    if registration.completed_at is None or registration.status == RegistrationStatus.CANCELLED:
        raise ServiceError(
            AssessmentError.NOT_COMPLETED,
            None,
            _(
                "The assessment opens once your attendance is established: checked in on site, present for "
                "enough of the live session, or at least 90 percent of the recorded course watched."
            ),
        )


def _expired(attempt: Attempt, at: dt.datetime) -> bool:
    return attempt.deadline is not None and at > attempt.deadline + GRACE


def _expire(attempt: Attempt, *, actor: Any, at: dt.datetime) -> None:
    attempt.status = AttemptStatus.EXPIRED
    attempt.save(update_fields=["status"])
    audit_record(
        actor=actor,
        action="training.attempt.expire",
        obj=attempt,
        before={"status": AttemptStatus.IN_PROGRESS},
        after={"status": AttemptStatus.EXPIRED, "deadline": attempt.deadline},
        at=at,
    )


def _expire_stale(assessment: Assessment, participant: Participant, *, actor: Any, at: dt.datetime) -> None:
    """An attempt left open past its deadline is closed as "time ran out" (it counts as used)."""
    with transaction.atomic():
        stale = (
            Attempt.objects.select_for_update()
            .filter(assessment=assessment, participant=participant, status=AttemptStatus.IN_PROGRESS)
            .first()
        )
        if stale is not None and _expired(stale, at):
            _expire(stale, actor=actor, at=at)


def attempt_start(
    *, registration: Registration, actor: Any, at: dt.datetime, rng: random.Random | None = None
) -> Attempt:
    """Start an attempt (or return the one in progress) at the assessment of the registration's course."""
    registration = Registration.objects.select_related("participant", "session__course").get(pk=registration.pk)
    _check_eligible(registration, actor)
    assessment = Assessment.objects.filter(course=registration.session.course_id).first()
    if assessment is None or assessment.status != A.OPEN:
        raise ServiceError(AssessmentError.NOT_OPEN, None, _("This course's assessment is not open."))
    participant = registration.participant
    _expire_stale(assessment, participant, actor=actor, at=at)
    with transaction.atomic():
        # Lock the participant: two clicks on "start" make one attempt.
        Participant.objects.select_for_update().get(pk=participant.pk)
        assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
        if assessment.status != A.OPEN:
            raise ServiceError(AssessmentError.NOT_OPEN, None, _("This course's assessment is not open."))
        attempts = Attempt.objects.filter(assessment=assessment, participant=participant)
        current = attempts.filter(status=AttemptStatus.IN_PROGRESS).first()
        if current is not None:
            return current
        if attempts.filter(passed=True).exists():
            raise ServiceError(
                AssessmentError.ALREADY_PASSED, None, _("You have passed this assessment; see your certificate.")
            )
        used = attempts.count()
        if used >= assessment.attempts_allowed:
            raise ServiceError(
                AssessmentError.NO_ATTEMPTS_LEFT,
                None,
                _("You have used all {allowed} attempts at this assessment."),
                allowed=assessment.attempts_allowed,
            )
        pool = list(Question.objects.filter(course=assessment.course_id, is_active=True).order_by("pk"))
        if len(pool) < assessment.question_count:
            raise ServiceError(
                AssessmentError.TOO_FEW_QUESTIONS,
                None,
                _("The assessment cannot be taken now: its question bank is incomplete. Please tell the trainer."),
            )
        drawn = (rng or secrets.SystemRandom()).sample(pool, assessment.question_count)
        attempt = Attempt.objects.create(
            assessment=assessment,
            participant=participant,
            registration=registration,
            number=used + 1,
            user=actor,
            status=AttemptStatus.IN_PROGRESS,
            started_at=at,
            deadline=at + dt.timedelta(minutes=assessment.time_limit_minutes)
            if assessment.time_limit_minutes
            else None,
            question_count=len(drawn),
            pass_mark=assessment.pass_mark,
        )
        AttemptQuestion.objects.bulk_create(
            AttemptQuestion(
                attempt=attempt,
                question=q,
                position=position,
                kind=q.kind,
                text=q.text,
                options=q.options,
                correct=q.correct,
            )
            for position, q in enumerate(drawn, start=1)
        )
        audit_record(
            actor=actor,
            action="training.attempt.start",
            obj=attempt,
            after={**snapshot(attempt), "questions": [q.pk for q in drawn]},
            at=at,
        )
        return attempt


def _score(correct: int, total: int) -> Decimal:
    return (Decimal(correct) * 100 / Decimal(total)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def _clean_answers(
    items: list[AttemptQuestion], answers: Mapping[int, Sequence[int]], *, allow_missing: bool
) -> list[ServiceError]:
    errors: list[ServiceError] = []
    positions = {item.position for item in items}
    for position in sorted(set(answers) - positions):
        errors.append(
            ServiceError(
                AssessmentError.ANSWER_INVALID,
                f"q{position}",
                _("Question {n} is not part of this attempt."),
                n=position,
            )
        )
    for item in items:
        chosen = list(answers.get(item.position) or [])
        name = f"q{item.position}"
        if not chosen and allow_missing:
            continue
        if not chosen:
            errors.append(
                ServiceError(
                    AssessmentError.ANSWER_MISSING, name, _("Question {n}: choose an answer."), n=item.position
                )
            )
        elif any(not isinstance(i, int) or not 0 <= i < len(item.options) for i in chosen) or len(set(chosen)) != len(
            chosen
        ):
            errors.append(
                ServiceError(
                    AssessmentError.ANSWER_INVALID,
                    name,
                    _("Question {n}: the answer is not one of its options."),
                    n=item.position,
                )
            )
        elif item.kind != QuestionKind.MULTIPLE and len(chosen) != 1:
            errors.append(
                ServiceError(
                    AssessmentError.ANSWER_INVALID,
                    name,
                    _("Question {n}: choose exactly one answer."),
                    n=item.position,
                )
            )
    return errors


class AttemptExpired(ServiceError):
    """Answers came after the time limit: the attempt was closed (and that was committed)."""


def attempt_submit(*, attempt: Attempt, answers: Mapping[int, Sequence[int]], actor: Any, at: dt.datetime) -> Attempt:
    """Score the answers (by question position: a list of option indexes each). A pass issues the certificate.

    Answers after the deadline (plus ``GRACE``) close the attempt as "time ran out" and raise ``AttemptExpired``
    once that is committed."""
    expired = False
    with transaction.atomic():
        attempt = (
            Attempt.objects.select_for_update(of=("self",))
            .select_related("assessment__course__organizer", "participant__organization", "registration")
            .get(pk=attempt.pk)
        )
        if attempt.user_id != getattr(actor, "pk", None):
            raise PermissionDenied
        if attempt.status != AttemptStatus.IN_PROGRESS:
            raise ServiceError(
                AssessmentError.ATTEMPT_CLOSED, None, _("This attempt is already finished: its answers cannot change.")
            )
        if _expired(attempt, at):
            _expire(attempt, actor=actor, at=at)
            expired = True
        else:
            items = list(attempt.items.order_by("position"))
            # Once the time is up (within the grace), what was answered is scored; the rest counts as wrong.
            time_up = attempt.deadline is not None and at >= attempt.deadline
            raise_if_any(_clean_answers(items, answers, allow_missing=time_up))
            correct = 0
            for item in items:
                item.chosen = sorted(answers.get(item.position) or [])
                item.is_correct = item.chosen == sorted(item.correct)
                correct += item.is_correct
            AttemptQuestion.objects.bulk_update(items, ["chosen", "is_correct"])
            attempt.status = AttemptStatus.SUBMITTED
            attempt.submitted_at = at
            attempt.correct_count = correct
            attempt.score = _score(correct, len(items))
            attempt.passed = attempt.score >= attempt.pass_mark
            attempt.save(update_fields=["status", "submitted_at", "correct_count", "score", "passed"])
            audit_record(
                actor=actor,
                action="training.attempt.submit",
                obj=attempt,
                before={"status": AttemptStatus.IN_PROGRESS},
                after={
                    **snapshot(attempt, ["status", "submitted_at", "correct_count", "score", "passed"]),
                    "answers": {str(i.position): i.chosen for i in items},
                },
                at=at,
            )
            if attempt.passed:
                _certificate_issue(attempt, actor=actor, at=at)
    if expired:
        raise AttemptExpired(
            AssessmentError.ATTEMPT_CLOSED,
            None,
            _("The time limit passed at {deadline}: this attempt is closed and counts as used."),
            deadline=timezone.localtime(attempt.deadline).strftime("%Y-%m-%d %H:%M") if attempt.deadline else "",
        )
    return attempt


# --- certificates ---------------------------------------------------------------------------------------


def _certificate_issue(attempt: Attempt, *, actor: Any, at: dt.datetime) -> Certificate:
    course = attempt.assessment.course
    participant = attempt.participant
    cert = Certificate(
        number=f"tmp-{uuid.uuid4().hex}",
        participant=participant,
        course=course,
        attempt=attempt,
        holder_name=participant.name,
        organization_name=participant.organization.name,
        course_title=course.title,
        issuer_name=course.organizer.name,
        score=attempt.score or Decimal(0),
        completed_on=timezone.localtime(at).date(),
        issued_at=at,
        signature="",
    )
    cert.save()
    cert.number = f"ZCPX{timezone.localtime(at).year}{cert.pk:06d}"
    cert.signature = certificates.sign(cert)
    cert.save(update_fields=["number", "signature"])
    audit_record(actor=actor, action="training.certificate.issue", obj=cert, after=snapshot(cert), at=at)
    if participant.user_id is not None:
        notification_queue(
            recipient=participant.user,
            subject=gettext("Certificate issued: {course}").format(course=course.title),
            body=gettext("You passed the assessment ({score}%). Certificate number {number}.").format(
                score=attempt.score, number=cert.number
            ),
            link=reverse("training:my_assessments"),
            at=at,
        )
    return cert


@transaction.atomic
def certificate_revoke(*, certificate: Certificate, reason: str, actor: Any, at: dt.datetime) -> Certificate:
    """A trainer revokes a certificate (e.g. issued in error); the public page then answers REVOKED."""
    cert = Certificate.objects.select_for_update(of=("self",)).select_related("course").get(pk=certificate.pk)
    _require_manager(actor, cert.course)
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(AssessmentError.REVOKE_REASON, "reason", _("Give the reason for the revocation."))
    if len(reason) > REASON_MAX:
        raise ServiceError(
            AssessmentError.REVOKE_REASON,
            "reason",
            _("The reason has {length} characters; at most {max} are allowed."),
            length=len(reason),
            max=REASON_MAX,
        )
    if cert.status == CertificateStatus.REVOKED:
        raise ServiceError(AssessmentError.CERTIFICATE_REVOKED, None, _("This certificate is already revoked."))
    before = snapshot(cert, ["status", "revoked_at", "revoked_by", "revoke_reason"])
    cert.status = CertificateStatus.REVOKED
    cert.revoked_at = at
    cert.revoked_by = actor
    cert.revoke_reason = reason
    cert.save(update_fields=["status", "revoked_at", "revoked_by", "revoke_reason"])
    audit_record(
        actor=actor,
        action="training.certificate.revoke",
        obj=cert,
        before=before,
        after=snapshot(cert, ["status", "revoked_at", "revoked_by", "revoke_reason"]),
        at=at,
    )
    holder = Participant.objects.select_related("user").get(pk=cert.participant_id).user
    if holder is not None:
        notification_queue(
            recipient=holder,
            subject=gettext("Certificate revoked: {number}").format(number=cert.number),
            body=gettext("Your certificate for {course} was revoked: {reason}").format(
                course=cert.course_title, reason=reason
            ),
            link=reverse("training:my_assessments"),
            at=at,
        )
    return cert


# --- reads ----------------------------------------------------------------------------------------------


@dataclass
class LearnerCourse:
    """One course the learner can (or could) be assessed in, with where they stand."""

    registration: Registration
    assessment: Assessment | None
    attempts: list[Attempt] = field(default_factory=list)
    certificate: Certificate | None = None

    @property
    def course(self) -> Course:
        return self.registration.session.course

    @property
    def current(self) -> Attempt | None:
        return next((a for a in self.attempts if a.status == AttemptStatus.IN_PROGRESS), None)

    @property
    def attempts_left(self) -> int:
        if self.assessment is None:
            return 0
        return max(0, self.assessment.attempts_allowed - len(self.attempts))

    @property
    def passed(self) -> bool:
        return any(a.passed for a in self.attempts)

    @property
    def can_start(self) -> bool:
        return (
            self.assessment is not None
            and self.assessment.status == A.OPEN
            and not self.passed
            and (self.current is not None or self.attempts_left > 0)
        )


def learner_courses(*, user: Any) -> list[LearnerCourse]:
    """The learner's completed registrations, one per course (the latest), with assessment, attempts and
    certificate: a fixed number of queries whatever the number of courses."""
    registrations = list(
        completed_registrations(user=user)
        .select_related("session__course", "participant")
        .order_by("-completed_at", "-id")
    )
    by_course: dict[tuple[int, int], Registration] = {}
    for r in registrations:
        by_course.setdefault((r.participant_id, r.session.course_id), r)
    course_ids = {c for _p, c in by_course}
    participant_ids = {p for p, _c in by_course}
    assessments = {a.course_id: a for a in Assessment.objects.filter(course__in=course_ids)}
    attempts: dict[tuple[int, int], list[Attempt]] = {}
    for attempt in Attempt.objects.filter(
        participant__in=participant_ids, assessment__course__in=course_ids
    ).select_related("assessment"):
        attempts.setdefault((attempt.participant_id, attempt.assessment.course_id), []).append(attempt)
    certs = {
        (c.participant_id, c.course_id): c
        for c in Certificate.objects.filter(participant__in=participant_ids, course__in=course_ids)
    }
    return [
        LearnerCourse(
            registration=r,
            assessment=assessments.get(course_id),
            attempts=sorted(attempts.get((pid, course_id), []), key=lambda a: a.number),
            certificate=certs.get((pid, course_id)),
        )
        for (pid, course_id), r in by_course.items()
    ]


def attempt_for_learner(*, user: Any, pk: int) -> Attempt:
    return (
        Attempt.objects.select_related("assessment__course", "participant")
        .prefetch_related(Prefetch("items", queryset=AttemptQuestion.objects.select_related("question__document")))
        .get(pk=pk, user=user)
    )


def certificates_of(*, user: Any) -> QuerySet[Certificate]:
    return Certificate.objects.filter(participant__user=user)


def certificate_for_download(*, user: Any, number: str) -> Certificate:
    """The holder's own certificate, or one of a course the user manages (DoesNotExist otherwise)."""
    cert = Certificate.objects.select_related("course", "participant").get(number=number)
    if cert.participant.user_id == getattr(user, "pk", None) or course_is_managed(user=user, course=cert.course):
        return cert
    raise Certificate.DoesNotExist


@dataclass
class BankRow:
    question: Question
    drawn: int  # how often it was drawn in attempts
    answered_right: int


def question_bank(*, course: Course) -> list[BankRow]:
    """The course's questions with how often each was drawn and answered right (one grouped query)."""
    stats: dict[int, tuple[int, int]] = {
        r["question"]: (r["n"], r["right"])
        for r in AttemptQuestion.objects.filter(question__course=course, chosen__isnull=False)
        .values("question")
        .annotate(n=Count("id"), right=Count("id", filter=Q(is_correct=True)))
    }
    rows = []
    for q in Question.objects.filter(course=course).select_related("document").order_by("-is_active", "pk"):
        n, right = stats.get(q.pk, (0, 0))
        rows.append(BankRow(q, n, right))
    return rows


def certificates_managed(*, user: Any) -> QuerySet[Certificate]:
    scope = user_scope(user=user, perm=P.TRAINING_MANAGE)
    qs = Certificate.objects.select_related("course", "participant__organization")
    return scope.filter(qs, region_field="course__region", organization_field="course__organizer")


def attempts_summary(*, assessment: Assessment) -> dict[str, Any]:
    """Attempts, passes and the last attempt number for a trainer's overview (one query)."""
    return Attempt.objects.filter(assessment=assessment).aggregate(
        attempts=Count("id"),
        submitted=Count("id", filter=Q(status=AttemptStatus.SUBMITTED)),
        passed=Count("id", filter=Q(passed=True)),
        last=Max("number"),
    )
