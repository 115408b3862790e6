"""Training models, one module per area: courses, sessions and attendance (core.py); assessments and
certificates (assessment.py)."""

from .assessment import *  # noqa: F403
from .core import *  # noqa: F403
