"""Error codes of the training app, one enum per area."""

from __future__ import annotations

from enum import StrEnum


class TrainingError(StrEnum):
    """Courses, sessions, registration and attendance."""

    COURSE_FIELD = "training.course.invalid"
    COURSE_MODE_LOCKED = "training.course.mode_locked"
    COURSE_NOT_READY = "training.course.not_ready"
    SESSION_FIELD = "training.session.invalid"
    SESSION_CAPACITY = "training.session.capacity_below_registered"
    SESSION_CANCELLED = "training.session.cancelled"
    MATERIAL_FILE = "training.material.file"
    MATERIAL_FIELD = "training.material.invalid"
    PARTICIPANT_FIELD = "training.participant.invalid"
    PARTICIPANT_NAME_MISMATCH = "training.participant.name_mismatch"
    NOT_OPEN = "training.registration.not_open"
    CLOSED = "training.registration.closed"
    AUDIENCE = "training.registration.audience"
    REGION = "training.registration.region"
    FULL = "training.registration.full"
    ALREADY = "training.registration.already"
    NOT_CANCELLABLE = "training.registration.not_cancellable"
    IMPORT_FILE = "training.import.file"
    IMPORT_ROW = "training.import.row"
    IMPORT_CAPACITY = "training.import.over_capacity"
    IMPORT_EMPTY = "training.import.empty"
    CHECKIN = "training.checkin.refused"
    PROGRESS = "training.progress.invalid"
    WINDOW = "training.progress.window_closed"
    ATTENDANCE_MODE = "training.attendance.mode"


class AssessmentError(StrEnum):
    """Assessments, certificates."""

    QUESTION_TEXT = "training.question.text"
    QUESTION_KIND = "training.question.kind"
    QUESTION_OPTIONS = "training.question.options"
    QUESTION_CORRECT = "training.question.correct"
    QUESTION_EXPLANATION = "training.question.explanation"
    QUESTION_DOCUMENT = "training.question.document"
    QUESTION_RETIRED = "training.question.retired"
    SETTINGS = "training.assessment.settings"
    TOO_FEW_QUESTIONS = "training.assessment.too_few_questions"
    NOT_OPEN = "training.assessment.not_open"
    NOT_COMPLETED = "training.assessment.not_completed"
    ALREADY_PASSED = "training.assessment.already_passed"
    NO_ATTEMPTS_LEFT = "training.assessment.no_attempts_left"
    ATTEMPT_CLOSED = "training.attempt.closed"
    ANSWER_MISSING = "training.attempt.answer_missing"
    ANSWER_INVALID = "training.attempt.answer_invalid"
    CERTIFICATE_REVOKED = "training.certificate.revoked"
    REVOKE_REASON = "training.certificate.revoke_reason"
    YEAR = "training.figures.year"
