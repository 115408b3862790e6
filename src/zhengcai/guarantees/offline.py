"""Offline verification of an electronic letter of guarantee from its QR payload alone.

No Django, no database, no network: only ``cryptography`` and the bureau's public key (printed on the
public verification page and in the README). Usable as a library (the platform's own verification
starts here) and as a command::

    python -m zhengcai.guarantees.offline '<payload or the URL from the QR code>' --bureau-key <base64>

The chain that is checked:

1. the bureau (the platform key, ``ZC_SIGNING_KEY``) certified the issuer's key: its signature covers
   ``{issuer code, issuer name, kid, public key, valid from}``;
2. the issuer's key signed the guarantee's canonical JSON (the exact bytes in the payload);
3. the certificate belongs to the guarantee (same issuer and kid) and the key was valid when the
   guarantee was issued; the guarantee's validity dates include the day of the check.

What only the platform knows (a revoked key, a released or claimed guarantee, the record itself) is
checked online by ``zhengcai.guarantees.services.guarantee_verify``.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import datetime as dt
import json
import sys
import zlib
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

PAYLOAD_PREFIX = "ZCG1."  # version 1 of the payload format
QUERY_PARAM = "p"
MAX_PAYLOAD = 4000  # characters: a QR code holds less
CERT_TYPE = "zc-issuer-key"
DOC_TYPE = "zc-guarantee"
SHANGHAI = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")

# code → (English, 中文). The platform shows the same texts through gettext (guarantees.errors.PROBLEMS).
PROBLEMS: dict[str, tuple[str, str]] = {
    "payload.malformed": (
        "The verification code cannot be read: it is incomplete or was altered.",
        "无法读取验证码：内容不完整或已被篡改。",
    ),
    "key.not_certified": (
        "The issuer's key is not certified by the finance bureau.",
        "出函机构的签名密钥未经财政局认证。",
    ),
    "key.mismatch": (
        "The key certificate does not belong to this issuer or guarantee.",
        "密钥证书与出函机构或保函不符。",
    ),
    "key.not_valid_at_issue": (
        "The issuer's key was not valid when the guarantee was issued.",
        "保函出具时出函机构的密钥不在有效期内。",
    ),
    "signature.mismatch": (
        "Signature mismatch: the guarantee was altered after signing or not signed by this issuer.",
        "签名不符：保函内容在签署后被改动，或并非该机构签署。",
    ),
    "guarantee.not_yet_valid": (
        "The guarantee is not yet in force.",
        "保函尚未生效。",
    ),
    "guarantee.expired": (
        "The guarantee has expired.",
        "保函已过有效期。",
    ),
    "key.unknown": (
        "The issuer's key is not registered with the platform.",
        "出函机构的密钥未在平台登记。",
    ),
    "key.revoked": (
        "The issuer's key was revoked: guarantees signed with it are not valid.",
        "出函机构的密钥已被吊销，用该密钥签署的保函无效。",
    ),
    "guarantee.not_found": (
        "No guarantee with this number is on record.",
        "平台上没有该编号的保函。",
    ),
    "record.mismatch": (
        "The guarantee differs from the platform's record.",
        "保函内容与平台记录不一致。",
    ),
    "status.released": (
        "The guarantee was released: it no longer secures anything.",
        "保函已解除，不再具有担保效力。",
    ),
    "status.claimed": (
        "A claim was paid under the guarantee.",
        "保函已被索赔。",
    ),
    "status.expired": (
        "The guarantee is recorded as expired.",
        "平台记录该保函已过期。",
    ),
}


@dataclass(frozen=True)
class Payload:
    document: dict[str, Any]  # the guarantee's canonical fields, as signed
    signature: str  # the issuer's Ed25519 signature over canonical(document), base64
    key: dict[str, Any]  # {"pub", "from", "sig"}: the issuer's public key, valid from, the bureau's signature

    @property
    def certificate(self) -> dict[str, Any]:
        return certificate_fields(
            issuer=self.document.get("issuer", {}),
            kid=str(self.document.get("kid", "")),
            public_key=str(self.key.get("pub", "")),
            valid_from=str(self.key.get("from", "")),
        )


@dataclass
class OfflineResult:
    valid: bool
    problems: list[str] = field(default_factory=list)
    payload: Payload | None = None

    def messages(self) -> list[tuple[str, str, str]]:
        return [(code, *PROBLEMS[code]) for code in self.problems]


def canonical(value: Any) -> bytes:
    """The exact bytes that are signed: sorted keys, no spaces, UTF-8 (core.crypto.canonical, same rules)."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def certificate_fields(*, issuer: dict[str, Any], kid: str, public_key: str, valid_from: str) -> dict[str, Any]:
    """What the bureau signs when it registers an issuer's key."""
    return {"type": CERT_TYPE, "v": 1, "issuer": issuer, "kid": kid, "pub": public_key, "valid_from": valid_from}


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encode_payload(payload: Payload) -> str:
    body = canonical({"g": payload.document, "s": payload.signature, "k": payload.key})
    return PAYLOAD_PREFIX + _b64url(zlib.compress(body, 9))


class MalformedPayload(ValueError):
    pass


def extract_payload(text: str) -> str:
    """The payload itself from what a QR code or a person gives: the raw payload or the verification URL."""
    text = text.strip()
    if "://" in text or text.startswith("/"):
        parts = urlsplit(text)
        for source in (parts.query, parts.fragment):
            values = parse_qs(source).get(QUERY_PARAM)
            if values:
                return values[0].strip()
        raise MalformedPayload("no payload in the URL")
    return text


def decode_payload(text: str) -> Payload:
    raw = extract_payload(text)
    if not raw.startswith(PAYLOAD_PREFIX):
        raise MalformedPayload("unknown payload format")
    if len(raw) > MAX_PAYLOAD:
        raise MalformedPayload("payload too long")
    try:
        inflater = zlib.decompressobj()
        data = inflater.decompress(_unb64url(raw[len(PAYLOAD_PREFIX) :]), MAX_PAYLOAD * 4)
        if inflater.unconsumed_tail:
            raise MalformedPayload("payload too large once inflated")
        body = json.loads(data)
    except (ValueError, zlib.error, binascii.Error) as exc:
        raise MalformedPayload(str(exc)) from exc
    if not (isinstance(body, dict) and isinstance(body.get("g"), dict) and isinstance(body.get("k"), dict)):
        raise MalformedPayload("missing parts")
    if not isinstance(body.get("s"), str):
        raise MalformedPayload("missing signature")
    return Payload(document=body["g"], signature=body["s"], key=body["k"])


def public_key(b64: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(base64.b64decode(b64, validate=True))


def signature_ok(key: Ed25519PublicKey, signature_b64: str, data: bytes) -> bool:
    try:
        key.verify(base64.b64decode(signature_b64, validate=True), data)
    except (InvalidSignature, ValueError, binascii.Error):
        return False
    return True


def parse_moment(value: Any) -> dt.datetime | None:
    try:
        moment = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def parse_day(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def certificate_ok(payload: Payload, bureau: Ed25519PublicKey) -> bool:
    return signature_ok(bureau, str(payload.key.get("sig", "")), canonical(payload.certificate))


def date_problems(document: dict[str, Any], on: dt.date) -> list[str]:
    valid_from, valid_until = parse_day(document.get("valid_from")), parse_day(document.get("valid_until"))
    if valid_from is None or valid_until is None:
        return ["payload.malformed"]
    if on < valid_from:
        return ["guarantee.not_yet_valid"]
    if on > valid_until:
        return ["guarantee.expired"]
    return []


def verify_payload(
    payload: Payload,
    *,
    bureau: Ed25519PublicKey,
    on: dt.date,
    issuer_key: Ed25519PublicKey | None = None,
    certificate_checked: bool = False,
    signed_bytes: bytes | None = None,
) -> list[str]:
    """The offline checks of a decoded payload, as problem codes (empty: valid).

    ``issuer_key``, ``certificate_checked`` and ``signed_bytes`` (the document's canonical bytes) let a
    caller that caches the certified key, or already has the bytes, skip work (the platform does)."""
    doc = payload.document
    problems: list[str] = []
    if doc.get("type") != DOC_TYPE or doc.get("v") != 1:
        return ["payload.malformed"]
    if not certificate_checked and not certificate_ok(payload, bureau):
        problems.append("key.not_certified")
    try:
        key = issuer_key or public_key(str(payload.key.get("pub", "")))
    except (ValueError, binascii.Error):
        return [*problems, "signature.mismatch"]
    if not signature_ok(key, payload.signature, signed_bytes if signed_bytes is not None else canonical(doc)):
        problems.append("signature.mismatch")
    issued_at, key_from = parse_moment(doc.get("issued_at")), parse_moment(payload.key.get("from"))
    if issued_at is None or key_from is None:
        problems.append("payload.malformed")
    elif issued_at < key_from:
        problems.append("key.not_valid_at_issue")
    problems.extend(p for p in date_problems(doc, on) if p not in problems)
    return problems


def verify_offline(text: str, *, bureau_public_key: str, on: dt.date | None = None) -> OfflineResult:
    """Check a QR payload (or the URL carrying it) against the bureau's public key, on a given day."""
    try:
        payload = decode_payload(text)
    except MalformedPayload:
        return OfflineResult(valid=False, problems=["payload.malformed"])
    day = on or dt.datetime.now(SHANGHAI).date()
    problems = verify_payload(payload, bureau=public_key(bureau_public_key), on=day)
    return OfflineResult(valid=not problems, problems=problems, payload=payload)


def _yuan(value: Any) -> str:
    return f"¥{value}" if value is not None else "—"


def describe(payload: Payload) -> list[tuple[str, str]]:
    doc = payload.document
    kinds = {"bid": "投标保函 bid guarantee", "performance": "履约保函 performance guarantee"}
    return [
        ("编号 number", str(doc.get("no", ""))),
        ("种类 kind", kinds.get(str(doc.get("kind")), str(doc.get("kind")))),
        ("出函机构 issuer", f"{doc.get('issuer', {}).get('name', '')} ({doc.get('issuer', {}).get('code', '')})"),
        (
            "申请人 applicant",
            f"{doc.get('applicant', {}).get('name', '')} ({doc.get('applicant', {}).get('code', '')})",
        ),
        ("受益人 beneficiary", str(doc.get("beneficiary", {}).get("name", ""))),
        ("项目 project", str(doc.get("project", ""))),
        ("金额 amount", f"{_yuan(doc.get('amount'))} {doc.get('currency', '')}"),
        ("有效期 validity", f"{doc.get('valid_from', '')} – {doc.get('valid_until', '')}"),
        ("出具时间 issued", str(doc.get("issued_at", ""))),
        ("密钥 key", str(doc.get("kid", ""))),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m zhengcai.guarantees.offline",
        description="Verify an electronic letter of guarantee offline from its QR payload (or its URL).",
    )
    parser.add_argument("payload", help="the QR payload (ZCG1.…) or the verification URL it encodes; - reads stdin")
    parser.add_argument("--bureau-key", required=True, help="the finance bureau's Ed25519 public key (base64)")
    parser.add_argument("--on", type=dt.date.fromisoformat, default=None, help="check the dates on this day")
    args = parser.parse_args(argv)
    text = sys.stdin.read() if args.payload == "-" else args.payload
    result = verify_offline(text, bureau_public_key=args.bureau_key, on=args.on)
    out = sys.stdout
    if result.payload is not None:
        for label, value in describe(result.payload):
            out.write(f"{label}: {value}\n")
    if result.valid:
        out.write("VALID 有效 (offline: the chain and the dates; check online for revocation and status)\n")
        return 0
    out.write("NOT VALID 无效\n")
    for code, en, zh in result.messages():
        out.write(f"  - [{code}] {zh} / {en}\n")
    return 1


if __name__ == "__main__":
    sys.exit(main())
