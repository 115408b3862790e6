"""Samples of the guarantees URLs and API bodies for the permission matrix (core/tests/test_permission_matrix.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.utils import timezone

from zhengcai.core import crypto
from zhengcai.procurement.tests.url_samples import _call, ensure_procurement


def _institution(o: dict[str, Any], user: Any) -> Any:
    """The bank or guarantor the caller issues for, if any."""
    from zhengcai.guarantees.selectors import issuer_institution

    return issuer_institution(user=user) if user is not None else None


def _custodial_key(institution: Any, user: Any) -> None:
    from zhengcai.guarantees.models import IssuerKey
    from zhengcai.guarantees.services import issuer_key_generate

    if not IssuerKey.objects.filter(institution=institution, custodial=True, retired_at__isnull=True).exists():
        issuer_key_generate(institution=institution, actor=user, at=timezone.now() - dt.timedelta(minutes=5))


def _held_key(institution: Any, user: Any) -> Ed25519PrivateKey:
    from zhengcai.guarantees.services import issuer_key_register

    private = Ed25519PrivateKey.generate()
    public = crypto.b64(private.public_key().public_bytes(crypto.RAW, crypto.RAW_PUB))
    issuer_key_register(institution=institution, public_key=public, actor=user, at=timezone.now())
    return private


def _bid_body(o: dict[str, Any]) -> dict[str, Any]:
    project = ensure_procurement(o)["project"]
    today = timezone.localdate()
    return {
        "kind": "bid",
        "project_number": project.number,
        "applicant_credit_code": o["supplier"].credit_code,
        "amount_fen": 1_0000_00,
        "valid_from": today.isoformat(),
        "valid_until": (today + dt.timedelta(days=60)).isoformat(),
    }


def ensure_guarantee(o: dict[str, Any], issuer_key: str = "guarantor", user: Any = None) -> str:
    """A bid guarantee on the sample tender for the sample supplier, issued by the sample guarantor (or bank)."""
    cache = f"guarantee_{issuer_key}"
    if cache in o:
        return str(o[cache])
    from conftest import make_user
    from zhengcai.core.permissions import Role
    from zhengcai.guarantees.services import guarantee_issue

    institution = o[issuer_key]
    role = Role.GUARANTOR_OFFICER if issuer_key == "guarantor" else Role.BANK_OFFICER
    officer = user if user is not None and _institution(o, user) == institution else make_user(role, institution)
    _custodial_key(institution, officer)
    body = _bid_body(o)
    guarantee = guarantee_issue(
        issuer=institution,
        kind="bid",
        project=ensure_procurement(o)["project"],
        applicant=o["supplier"],
        amount_fen=body["amount_fen"],
        valid_from=dt.date.fromisoformat(body["valid_from"]),
        valid_until=dt.date.fromisoformat(body["valid_until"]),
        actor=officer,
        at=timezone.now(),
    )
    o[cache] = guarantee.number
    return guarantee.number


def _own_guarantee(o: dict[str, Any], user: Any) -> str:
    """The bank officer sees the bank's guarantee; everyone else the guarantor's."""
    if user is not None and _institution(o, user) == o["bank"]:
        return ensure_guarantee(o, "bank", user)
    return ensure_guarantee(o, "guarantor")


GUARANTEE_URL_SAMPLES: dict[str, Any] = {
    "guarantees:verify": lambda o, u: _call("GET", f"/guarantees/verify/?number={ensure_guarantee(o)}"),
    "guarantees:verify_number": lambda o, u: _call("GET", f"/guarantees/{ensure_guarantee(o)}/verify/"),
    "guarantees:office_list": lambda o, u: _call("GET", "/office/guarantees/"),
    "guarantees:office_issue": lambda o, u: _call("GET", "/office/guarantees/new/"),
    "guarantees:office_keys": lambda o, u: _call("GET", "/office/guarantees/keys/"),
    "guarantees:office_detail": lambda o, u: _call("GET", f"/office/guarantees/{_own_guarantee(o, u)}/"),
    "guarantees:office_pdf": lambda o, u: _call("GET", f"/office/guarantees/{_own_guarantee(o, u)}/pdf/"),
}


def _issue_body(o: dict[str, Any], user: Any) -> dict[str, Any]:
    institution = _institution(o, user)
    if institution is not None:
        _custodial_key(institution, user)
    return _bid_body(o)


def _prepare_body(o: dict[str, Any], user: Any) -> dict[str, Any]:
    institution = _institution(o, user)
    if institution is not None:
        _held_key(institution, user)
    return _bid_body(o)


def _sign_body(o: dict[str, Any], user: Any) -> dict[str, Any]:
    institution = _institution(o, user)
    if institution is None:
        return {"number": "HZBH-2026-000000", "signature": ""}
    from zhengcai.guarantees.services import guarantee_prepare

    private = _held_key(institution, user)
    body = _bid_body(o)
    draft = guarantee_prepare(
        issuer=institution,
        kind="bid",
        project=ensure_procurement(o)["project"],
        applicant=o["supplier"],
        amount_fen=body["amount_fen"],
        valid_from=dt.date.fromisoformat(body["valid_from"]),
        valid_until=dt.date.fromisoformat(body["valid_until"]),
        actor=user,
        at=timezone.now(),
    )
    return {"number": draft.number, "signature": crypto.b64(private.sign(draft.canonical.encode()))}


def _key_body(o: dict[str, Any], user: Any) -> dict[str, Any]:
    public = Ed25519PrivateKey.generate().public_key().public_bytes(crypto.RAW, crypto.RAW_PUB)
    return {"public_key": crypto.b64(public)}


# POST bodies, built for the calling user (the API acts for the caller's own institution).
GUARANTEE_API_BODIES: dict[str, Any] = {
    "/guarantees": _issue_body,
    "/guarantees/prepare": _prepare_body,
    "/guarantees/sign": _sign_body,
    "/guarantees/keys": _key_body,
}


def guarantee_api_query(op_path: str, o: dict[str, Any]) -> str:
    """The query string of a GET operation that needs one: the public verification checks a sample guarantee."""
    return f"?number={ensure_guarantee(o)}" if op_path == "/guarantees/verify" else ""
