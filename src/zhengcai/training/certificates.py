"""Training certificates: the signed content, the verification code, the public check and the printable PDF.

What is signed is the certificate's canonical JSON (``certificate_document``): number, holder, organization,
course, score, dates and issuer, as copied when it was issued. The platform's Ed25519 key signs it (the key
comes from settings, ``ZC_SIGNING_KEY``; nothing in the repository). The verification code is
``<number>.<signature in base64url>``; the QR code on the PDF links to ``/training/certificates/verify/<code>/``.
A code is accepted only when its signature verifies, with the platform's public key, over the content stored
for that number: a changed number, a changed signature or a changed row in the database all answer NOT FOUND.

The certificate's wording is Chinese whatever the reader's interface language (like the letters of guarantee).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from zhengcai.core import crypto
from zhengcai.guarantees.pdf import FONT, qr_svg
from zhengcai.guarantees.signing import public_base_url

from .models import Certificate, CertificateStatus

DOC_TYPE = "zhengcai.training.certificate"
CODE_MAX = 120  # a number (≤ 40) + "." + 86 characters of signature


def certificate_document(cert: Certificate) -> dict[str, Any]:
    """The fields the platform signs."""
    return {
        "type": DOC_TYPE,
        "v": 1,
        "no": cert.number,
        "holder": cert.holder_name,
        "organization": cert.organization_name,
        "course": cert.course_title,
        "course_id": cert.course_id,
        "score": f"{Decimal(cert.score):.2f}",
        "completed_on": cert.completed_on.isoformat(),
        "issued_at": timezone.localtime(cert.issued_at).isoformat(timespec="seconds"),
        "issuer": cert.issuer_name,
    }


def _b64url(signature: str) -> str:
    return base64.urlsafe_b64encode(crypto.unb64(signature)).decode().rstrip("=")


def _from_b64url(text: str) -> str | None:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None
    # Only the canonical spelling: the decoder ignores the last character's spare bits (and skips stray
    # characters), so another spelling of the same bytes would otherwise pass as the genuine code.
    if len(raw) != 64 or base64.urlsafe_b64encode(raw).decode().rstrip("=") != text:
        return None
    return crypto.b64(raw)


def sign(cert: Certificate) -> str:
    """The platform's Ed25519 signature over the certificate's canonical JSON (standard base64)."""
    return crypto.sign(certificate_document(cert))


def verification_code(cert: Certificate) -> str:
    return f"{cert.number}.{_b64url(cert.signature)}"


def verify_path(cert: Certificate) -> str:
    return reverse("training:certificate_verify", args=[verification_code(cert)])


def verify_url(cert: Certificate, *, base: str | None = None) -> str:
    return (base or public_base_url()).rstrip("/") + verify_path(cert)


def mask_name(name: str) -> str:
    """The holder's name partly masked for the public page: 张* / 张*丰 / 欧**娜 / J*** S****."""
    name = name.strip()
    if " " in name:
        return " ".join(mask_name(part) if len(part) > 1 else part for part in name.split())
    if len(name) <= 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


class Verdict(StrEnum):
    VALID = "valid"
    REVOKED = "revoked"
    NOT_FOUND = "not_found"


@dataclass(frozen=True)
class VerifyResult:
    verdict: str
    certificate: Certificate | None = None
    altered: bool = False  # a certificate with this number exists but the code's signature does not match it

    @property
    def holder(self) -> str:
        return mask_name(self.certificate.holder_name) if self.certificate is not None else ""


def certificate_verify(code: str) -> VerifyResult:
    """VALID, REVOKED or NOT FOUND for a verification code (never raises for a malformed code)."""
    code = (code or "").strip()
    if not code or len(code) > CODE_MAX or "." not in code:
        return VerifyResult(Verdict.NOT_FOUND)
    number, _dot, signature_text = code.rpartition(".")
    cert = Certificate.objects.select_related("course").filter(number=number).first()
    if cert is None:
        return VerifyResult(Verdict.NOT_FOUND)
    signature = _from_b64url(signature_text)
    if signature is None or not crypto.verify(certificate_document(cert), signature):
        return VerifyResult(Verdict.NOT_FOUND, altered=True)
    if cert.status == CertificateStatus.REVOKED:
        return VerifyResult(Verdict.REVOKED, cert)
    return VerifyResult(Verdict.VALID, cert)


# --- the PDF ----------------------------------------------------------------------------------------------


def certificate_context(cert: Certificate, *, base_url: str | None = None) -> dict[str, Any]:
    url = verify_url(cert, base=base_url)
    return {
        "c": cert,
        "url": url,
        "code": verification_code(cert),
        "qr": qr_svg(url),
        "font_url": FONT.as_uri(),
        "issued_at": timezone.localtime(cert.issued_at),
        "public_key": crypto.platform_public_key(),
        "revoked": cert.status == CertificateStatus.REVOKED,
    }


def certificate_html(cert: Certificate, *, base_url: str | None = None) -> str:
    return render_to_string("training/certificate_pdf.html", certificate_context(cert, base_url=base_url))


def certificate_pdf(cert: Certificate, *, base_url: str | None = None) -> bytes:
    from weasyprint import HTML  # late: loads pango; only the PDF needs it

    html = certificate_html(cert, base_url=base_url)
    return bytes(HTML(string=html, base_url=str(FONT.parent)).write_pdf())
