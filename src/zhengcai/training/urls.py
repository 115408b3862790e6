"""Training URLs: one module per area (courses, registration and attendance; assessments, certificates, figures)."""

from __future__ import annotations

from .urls_assessment import urlpatterns as assessment_urls
from .urls_core import urlpatterns as core_urls

app_name = "training"
urlpatterns = [*core_urls, *assessment_urls]
