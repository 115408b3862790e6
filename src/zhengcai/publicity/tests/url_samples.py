"""Samples of the publicity URLs for the permission matrix (core/tests/test_permission_matrix.py)."""

from __future__ import annotations

from typing import Any

from .url_samples_channels import CHANNEL_URL_SAMPLES
from .url_samples_content import CONTENT_URL_SAMPLES
from .url_samples_outreach import OUTREACH_URL_SAMPLES

PUBLICITY_URL_SAMPLES: dict[str, Any] = {**CONTENT_URL_SAMPLES, **CHANNEL_URL_SAMPLES, **OUTREACH_URL_SAMPLES}
