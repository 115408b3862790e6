"""Signed per-registration check-in codes for offline sessions.

A code is ``T1.<registration>.<session>.<expires>.<nonce>.<mac>``: the registration and session ids, the expiry
(Unix seconds: the session's end plus ``TRAINING_CHECKIN_GRACE_MINUTES``), the registration's current nonce and
an HMAC-SHA256 (truncated to 128 bits, base64url) over everything before it. The key comes from settings
(``ZC_TRAINING_CHECKIN_KEY``, or derived from ``SECRET_KEY``): nothing in the repository or the database can
make a code. The QR code holds the organizer's check-in page with the code (``…/checkin/?code=…``), so a phone's
own camera app opens the right page too; the page also takes the bare code.

Reading a code tells *what it claims*; whether it is honoured (already used, replaced by a newer code, expired,
for another session, registration cancelled) is decided by ``services.registration_check_in`` against the row.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from urllib.parse import parse_qs, quote, urlsplit

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.urls import reverse

from .models import Registration, Session

VERSION = "T1"
MAC_BYTES = 16
CODE_MAX = 120
_CODE = re.compile(r"T1\.(\d{1,12})\.(\d{1,12})\.(\d{1,12})\.([0-9a-f]{16})\.([A-Za-z0-9_-]{22})")


def new_nonce() -> str:
    return secrets.token_hex(8)


def _key() -> bytes:
    configured = getattr(settings, "TRAINING_CHECKIN_KEY", "")
    if configured:
        key = base64.b64decode(configured.encode())
        if len(key) != 32:
            raise ValueError("ZC_TRAINING_CHECKIN_KEY must be base64 of exactly 32 bytes")
        return key
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"zhengcai training check-in")
    return hkdf.derive(settings.SECRET_KEY.encode())


def _mac(body: str) -> str:
    digest = hmac.new(_key(), body.encode(), hashlib.sha256).digest()[:MAC_BYTES]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def expires_at(session: Session) -> dt.datetime:
    return session.ends_at + dt.timedelta(minutes=settings.TRAINING_CHECKIN_GRACE_MINUTES)


@dataclass(frozen=True)
class Claim:
    """What a genuine code says."""

    registration_id: int
    session_id: int
    expires: dt.datetime
    nonce: str


def issue(registration: Registration) -> str:
    """The registration's current code (deterministic: the same nonce and session end give the same code)."""
    session = registration.session
    expires = int(expires_at(session).timestamp())
    body = f"{VERSION}.{registration.pk}.{session.pk}.{expires}.{registration.checkin_nonce}"
    return f"{body}.{_mac(body)}"


def code_from_scan(text: str) -> str:
    """The code in what a scanner typed: the bare code, or the check-in URL carrying ``code=``."""
    text = (text or "").strip()
    if "code=" in text:
        values = parse_qs(urlsplit(text).query).get("code") or parse_qs(text.split("?", 1)[-1]).get("code")
        if values:
            return values[0].strip()
    return text


def read(code: str) -> Claim | None:
    """The claim of a genuine code, or None for anything this platform did not sign (forged, altered, garbled)."""
    code = code_from_scan(code)
    if len(code) > CODE_MAX:
        return None
    match = _CODE.fullmatch(code)
    if match is None:
        return None
    body = code.rsplit(".", 1)[0]
    if not hmac.compare_digest(_mac(body), match.group(5)):
        return None
    return Claim(
        registration_id=int(match.group(1)),
        session_id=int(match.group(2)),
        expires=dt.datetime.fromtimestamp(int(match.group(3)), tz=dt.UTC),
        nonce=match.group(4),
    )


def checkin_url(registration: Registration, *, base: str | None = None) -> str:
    """What the QR code holds: the organizer's check-in page for the session, with this code."""
    root = (base or str(getattr(settings, "ZC_PUBLIC_URL", "") or "")).rstrip("/")
    path = reverse("training:checkin", args=[registration.session_id])
    return f"{root}{path}?code={quote(issue(registration))}"


def qr_svg(registration: Registration) -> str:
    """The QR code as an SVG data URI (the same helper as the letters of guarantee)."""
    from zhengcai.guarantees.pdf import qr_svg as make

    return make(checkin_url(registration))
