"""Error codes of the training app, one enum per area."""

from __future__ import annotations

from enum import StrEnum


class TrainingError(StrEnum):
    """Courses, sessions, registration and attendance."""


class AssessmentError(StrEnum):
    """Assessments, certificates."""
