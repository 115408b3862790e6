"""The signed forms of a guarantee and of an issuer's key, and the QR payload that carries both.

The guarantee's canonical JSON (``document``) is what the issuer signs; the key certificate is what the
bureau signs when the key is registered. ``offline`` checks the two from the payload alone.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from typing import Any
from urllib.parse import quote

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.utils import timezone

from zhengcai.core import crypto
from zhengcai.core.money import fen_to_decimal_yuan
from zhengcai.organizations.models import Organization

from . import offline
from .models import Guarantee, IssuerKey


def party(org: Organization) -> dict[str, str]:
    return {"code": org.credit_code or "", "name": org.name}


def moment_text(at: dt.datetime) -> str:
    return timezone.localtime(at).isoformat(timespec="seconds")


def key_certificate(key: IssuerKey) -> dict[str, Any]:
    return offline.certificate_fields(
        issuer=party(key.institution), kid=key.kid, public_key=key.public_key, valid_from=moment_text(key.valid_from)
    )


def guarantee_document(
    *,
    number: str,
    kind: str,
    issuer: Organization,
    applicant: Organization,
    beneficiary: Organization,
    project_number: str,
    contract: Any,
    amount_fen: int,
    valid_from: dt.date,
    valid_until: dt.date,
    issued_at: dt.datetime,
    kid: str,
) -> dict[str, Any]:
    """The fields the issuer signs: who guarantees how much to whom, for what, and when."""
    return {
        "type": offline.DOC_TYPE,
        "v": 1,
        "no": number,
        "kind": kind,
        "issuer": party(issuer),
        "applicant": party(applicant),
        "beneficiary": party(beneficiary),
        "project": project_number,
        "contract": (
            {"signed_on": contract.signed_on.isoformat(), "amount": str(fen_to_decimal_yuan(contract.amount_fen))}
            if contract is not None
            else None
        ),
        "amount": str(fen_to_decimal_yuan(amount_fen)),
        "currency": "CNY",
        "valid_from": valid_from.isoformat(),
        "valid_until": valid_until.isoformat(),
        "issued_at": moment_text(issued_at),
        "kid": kid,
    }


def canonical_text(document: dict[str, Any]) -> str:
    return offline.canonical(document).decode()


def sign_custodial(private: bytes, text: str) -> str:
    return crypto.b64(Ed25519PrivateKey.from_private_bytes(private).sign(text.encode()))


def payload_of(guarantee: Guarantee) -> str:
    key = guarantee.key
    return offline.encode_payload(
        offline.Payload(
            document=json.loads(guarantee.canonical),
            signature=guarantee.signature,
            key={"pub": key.public_key, "from": moment_text(key.valid_from), "sig": key.certificate_signature},
        )
    )


def public_base_url() -> str:
    return str(getattr(settings, "ZC_PUBLIC_URL", "") or "http://localhost:8000").rstrip("/")


def verify_url(guarantee: Guarantee, *, base: str | None = None) -> str:
    """What the QR code encodes: the public verification page of this guarantee with its payload."""
    root = (base or public_base_url()).rstrip("/")
    return f"{root}/guarantees/{guarantee.number}/verify/?{offline.QUERY_PARAM}={quote(payload_of(guarantee))}"


# --- verification caches (content-addressed, so never stale) ------------------------------------------

_lock = threading.Lock()
_public_keys: dict[str, Ed25519PublicKey] = {}
_certified: dict[tuple[str, ...], bool] = {}
_CACHE_MAX = 10_000


def cached_public_key(b64: str) -> Ed25519PublicKey:
    key = _public_keys.get(b64)
    if key is None:
        key = offline.public_key(b64)
        with _lock:
            if len(_public_keys) >= _CACHE_MAX:
                _public_keys.clear()
            _public_keys[b64] = key
    return key


_bureau: dict[tuple[str, str], str] = {}


def bureau_public_key() -> str:
    """The bureau's (platform's) public key, derived once per configured signing key."""
    config = (settings.SIGNING_KEY, settings.SECRET_KEY)
    known = _bureau.get(config)
    if known is None:
        known = _bureau[config] = crypto.platform_public_key()
    return known


def certificate_valid(payload: offline.Payload, bureau_b64: str) -> bool:
    """Whether the bureau certified this key (cached by the certificate's exact content and signature)."""
    issuer = payload.document.get("issuer")
    issuer = issuer if isinstance(issuer, dict) else {}
    cache_key = (
        bureau_b64,
        str(issuer.get("code", "")),
        str(issuer.get("name", "")),
        str(payload.document.get("kid", "")),
        str(payload.key.get("pub", "")),
        str(payload.key.get("from", "")),
        str(payload.key.get("sig", "")),
    )
    known = _certified.get(cache_key)
    if known is None:
        known = offline.certificate_ok(payload, cached_public_key(bureau_b64))
        with _lock:
            if len(_certified) >= _CACHE_MAX:
                _certified.clear()
            _certified[cache_key] = known
    return known
