"""Samples of the credit URLs for the permission matrix (core/tests/test_permission_matrix.py)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone


def _call(method: str, path: str) -> Any:
    from zhengcai.core.tests.test_permission_matrix import Call

    return Call(method, path)


def credit_decision_tender(o: dict[str, Any]) -> Any:
    """The matrix's tender, with the sample supplier's exemption decision made (S-CREDIT-EXEMPT)."""
    if "credit_tender" in o:
        return o["credit_tender"]
    from zhengcai.credit.services import exemption_decide
    from zhengcai.procurement.tests.url_samples import ensure_procurement

    tender = ensure_procurement(o)["project"].tender
    exemption_decide(supplier=o["supplier"], tender=tender, at=timezone.now())
    o["credit_tender"] = tender
    return tender


CREDIT_URL_SAMPLES: dict[str, Any] = {
    "credit:me": lambda o, u: _call("GET", "/office/credit/"),
    "credit:suppliers": lambda o, u: _call("GET", "/office/credit/suppliers/?q=有限公司"),
    "credit:supplier": lambda o, u: _call("GET", f"/office/credit/suppliers/{o['supplier'].pk}/"),
    "credit:import": lambda o, u: _call("GET", "/office/credit/import/"),
    "credit:policy": lambda o, u: _call("GET", "/office/credit/policy/"),
}
