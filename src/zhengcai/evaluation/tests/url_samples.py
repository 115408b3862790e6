"""Samples of the evaluation URLs for the permission matrix, merged from one module per area."""

from __future__ import annotations

from typing import Any

from . import url_samples_chain, url_samples_dashboards, url_samples_flags, url_samples_indicators

_AREAS = (url_samples_chain, url_samples_indicators, url_samples_flags, url_samples_dashboards)

EVALUATION_URL_SAMPLES: dict[str, Any] = {k: v for m in _AREAS for k, v in m.URL_SAMPLES.items()}
EVALUATION_API_POST_BODIES: dict[str, dict[str, Any]] = {k: v for m in _AREAS for k, v in m.API_POST_BODIES.items()}


def evaluation_api_path(path: str, objects: dict[str, Any]) -> str:
    for m in _AREAS:
        path = m.api_path(path, objects)
    return path
