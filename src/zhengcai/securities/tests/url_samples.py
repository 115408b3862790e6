"""Samples of the securities URLs for the permission matrix (core/tests/test_permission_matrix.py)."""

from __future__ import annotations

from typing import Any

from zhengcai.procurement.tests.url_samples import _call, ensure_procurement

SECURITIES_URL_SAMPLES: dict[str, Any] = {
    "securities:bid_security": lambda o, u: _call(
        "GET", f"/projects/{ensure_procurement(o)['project'].number}/security/"
    ),
    "securities:project": lambda o, u: _call(
        "GET", f"/office/projects/{ensure_procurement(o)['project'].number}/securities/"
    ),
    "securities:ledger": lambda o, u: _call("GET", "/office/securities/"),
    "securities:savings": lambda o, u: _call("GET", "/office/securities/savings/"),
}
