"""Samples of the evaluation chain URLs for the permission matrix (core/tests/test_permission_matrix.py)."""

from __future__ import annotations

from typing import Any

URL_SAMPLES: dict[str, Any] = {}
API_POST_BODIES: dict[str, dict[str, Any]] = {}


def api_path(path: str, objects: dict[str, Any]) -> str:
    """Fill this area's API path parameters ({...}) from the sample objects."""
    return path
