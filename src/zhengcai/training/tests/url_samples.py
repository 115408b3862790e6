"""Samples of the training URLs for the permission matrix (core/tests/test_permission_matrix.py)."""

from __future__ import annotations

from typing import Any

from .url_samples_assessment import ASSESSMENT_URL_SAMPLES
from .url_samples_core import CORE_URL_SAMPLES

TRAINING_URL_SAMPLES: dict[str, Any] = {**CORE_URL_SAMPLES, **ASSESSMENT_URL_SAMPLES}
