"""Verification: a genuine guarantee is valid; anything forged, altered, revoked, expired, released or
claimed is reported as such, never as valid. Offline verification needs no database and no Django."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import CommandError, call_command
from django.utils import translation

from zhengcai.core import crypto
from zhengcai.guarantees import errors, offline, services, signing
from zhengcai.guarantees.models import Guarantee, IssuerKey

from .conftest import CONTRACT_AT, ISSUE_AT, at

SRC = Path(__file__).resolve().parents[3]


def tamper(payload: str, **changes: Any) -> str:
    decoded = offline.decode_payload(payload)
    document = {**decoded.document, **changes}
    return offline.encode_payload(offline.Payload(document, decoded.signature, decoded.key))


def forged_with(payload: str, private: Ed25519PrivateKey, *, certify_with: Ed25519PrivateKey | None = None) -> str:
    """Re-sign the document with another key and a certificate that the bureau did not sign."""
    decoded = offline.decode_payload(payload)
    public = crypto.b64(private.public_key().public_bytes(crypto.RAW, crypto.RAW_PUB))
    key = {"pub": public, "from": decoded.key["from"], "sig": ""}
    cert = offline.certificate_fields(
        issuer=decoded.document["issuer"], kid=decoded.document["kid"], public_key=public, valid_from=key["from"]
    )
    signer = certify_with or private
    key["sig"] = crypto.b64(signer.sign(offline.canonical(cert)))
    signature = crypto.b64(private.sign(offline.canonical(decoded.document)))
    return offline.encode_payload(offline.Payload(decoded.document, signature, key))


@pytest.mark.django_db
class TestOnline:
    def test_signature_valid_by_payload_and_by_number(self, bid_guarantee: Guarantee) -> None:
        by_payload = services.guarantee_verify(payload=signing.payload_of(bid_guarantee), at=ISSUE_AT)
        by_number = services.guarantee_verify(number=bid_guarantee.number, at=ISSUE_AT)
        assert by_payload.valid
        assert by_number.valid
        assert by_payload.problems == []
        assert by_payload.status == "issued"
        assert by_payload.guarantee == bid_guarantee

    def test_verification_url_carries_the_payload(self, bid_guarantee: Guarantee) -> None:
        url = signing.verify_url(bid_guarantee, base="https://zfcg.example.invalid/")
        assert url.startswith(f"https://zfcg.example.invalid/guarantees/{bid_guarantee.number}/verify/?p=ZCG1.")
        assert services.guarantee_verify(payload=url, at=ISSUE_AT).valid

    def test_altered_amount_is_a_signature_mismatch(self, bid_guarantee: Guarantee) -> None:
        altered = tamper(signing.payload_of(bid_guarantee), amount="300000.00")
        result = services.guarantee_verify(payload=altered, at=ISSUE_AT)
        assert not result.valid
        assert "signature.mismatch" in result.codes
        assert "record.mismatch" in result.codes
        assert "签名不符" in result.problems[0].message_zh
        assert result.problems[0].message_en.startswith("Signature mismatch")

    def test_altered_beneficiary_or_dates_are_signature_mismatches(self, bid_guarantee: Guarantee) -> None:
        payload = signing.payload_of(bid_guarantee)
        for change in ({"beneficiary": {"code": "", "name": "别的单位"}}, {"valid_until": "2030-12-31"}):
            result = services.guarantee_verify(payload=tamper(payload, **change), at=ISSUE_AT)
            assert not result.valid
            assert "signature.mismatch" in result.codes

    def test_record_edited_in_the_database_is_reported(self, bid_guarantee: Guarantee) -> None:
        Guarantee.objects.filter(pk=bid_guarantee.pk).update(amount_fen=30_0000_00)
        assert services.guarantee_verify(number=bid_guarantee.number, at=ISSUE_AT).codes == ["record.mismatch"]
        doc = json.loads(bid_guarantee.canonical)
        doc["amount"] = "300000.00"
        Guarantee.objects.filter(pk=bid_guarantee.pk).update(canonical=offline.canonical(doc).decode())
        assert "signature.mismatch" in services.guarantee_verify(number=bid_guarantee.number, at=ISSUE_AT).codes

    def test_wrong_key_is_not_certified(self, bid_guarantee: Guarantee) -> None:
        forged = forged_with(signing.payload_of(bid_guarantee), Ed25519PrivateKey.generate())
        result = services.guarantee_verify(payload=forged, at=ISSUE_AT)
        assert not result.valid
        assert {"key.not_certified", "key.mismatch", "record.mismatch"} <= set(result.codes)

    def test_unknown_guarantee_with_a_forged_key(self, bid_guarantee: Guarantee) -> None:
        payload = tamper(signing.payload_of(bid_guarantee), no="HZBH-2026-999999")
        forged = forged_with(payload, Ed25519PrivateKey.generate())
        result = services.guarantee_verify(payload=forged, at=ISSUE_AT)
        assert set(result.codes) == {"key.not_certified", "guarantee.not_found"}
        assert services.guarantee_verify(number="HZBH-2026-999999", at=ISSUE_AT).codes == ["guarantee.not_found"]

    def test_another_institutions_certified_key_does_not_fit(
        self, bid_guarantee: Guarantee, bank_key: IssuerKey
    ) -> None:
        """The bank's genuine certificate under the guarantor's name: the bureau never signed that pairing."""
        decoded = offline.decode_payload(signing.payload_of(bid_guarantee))
        key = {
            "pub": bank_key.public_key,
            "from": signing.moment_text(bank_key.valid_from),
            "sig": bank_key.certificate_signature,
        }
        result = services.guarantee_verify(
            payload=offline.encode_payload(offline.Payload(decoded.document, decoded.signature, key)), at=ISSUE_AT
        )
        assert not result.valid
        assert {"key.not_certified", "signature.mismatch"} <= set(result.codes)

    def test_revoked_key(self, bid_guarantee: Guarantee, guarantor_key: IssuerKey, guarantor_officer: Any) -> None:
        services.issuer_key_revoke(key=guarantor_key, reason="私钥泄露", actor=guarantor_officer, at=ISSUE_AT)
        for result in (
            services.guarantee_verify(payload=signing.payload_of(bid_guarantee), at=ISSUE_AT),
            services.guarantee_verify(number=bid_guarantee.number, at=ISSUE_AT),
        ):
            assert result.codes == ["key.revoked"]

    def test_expired(self, bid_guarantee: Guarantee) -> None:
        later = at(bid_guarantee.valid_until + dt.timedelta(days=1))
        assert services.guarantee_verify(number=bid_guarantee.number, at=later).codes == ["guarantee.expired"]
        services.guarantees_expire(at=later)
        assert services.guarantee_verify(number=bid_guarantee.number, at=later).codes == [
            "guarantee.expired",
            "status.expired",
        ]

    def test_released_and_claimed_are_reported(
        self, bid_guarantee: Guarantee, performance_guarantee: Guarantee, purchaser: Any
    ) -> None:
        services.guarantee_release(guarantee=bid_guarantee, actor=purchaser, at=ISSUE_AT)
        assert services.guarantee_verify(number=bid_guarantee.number, at=ISSUE_AT).codes == ["status.released"]
        services.guarantee_accept(guarantee=performance_guarantee, actor=purchaser, at=CONTRACT_AT)
        services.guarantee_claim(
            guarantee=performance_guarantee, amount_fen=1000_00, reason="违约", actor=purchaser, at=CONTRACT_AT
        )
        result = services.guarantee_verify(payload=signing.payload_of(performance_guarantee), at=CONTRACT_AT)
        assert result.codes == ["status.claimed"]
        assert result.status == "claimed"

    def test_garbage_is_malformed_never_valid(self, db: Any) -> None:
        for text in ("ZCG1.AAAA", "hello", "https://x.invalid/guarantees/1/verify/", "ZCG1." + "A" * 5000):
            result = services.guarantee_verify(payload=text, at=ISSUE_AT)
            assert not result.valid
            assert result.codes == ["payload.malformed"]

    def test_management_command_offline_and_online(self, bid_guarantee: Guarantee) -> None:
        out = StringIO()
        payload = signing.payload_of(bid_guarantee)
        call_command("verify_guarantee", payload, "--on", "2026-04-10", stdout=out)
        assert "VALID 有效 (offline)" in out.getvalue()
        with pytest.raises(CommandError):
            call_command("verify_guarantee", tamper(payload, amount="1.00"), "--on", "2026-04-10", stdout=StringIO())
        out = StringIO()
        with pytest.raises(CommandError):  # online, today: its validity ended in July 2026
            call_command("verify_guarantee", "--number", bid_guarantee.number, stdout=out)
        assert "NOT VALID" in out.getvalue()
        assert "guarantee.expired" in out.getvalue()


def _standalone_material() -> tuple[str, str, str]:
    """A certified key and a signed guarantee made with nothing but cryptography (no Django, no DB)."""
    bureau = Ed25519PrivateKey.generate()
    issuer = Ed25519PrivateKey.generate()
    pub = crypto.b64(issuer.public_key().public_bytes(crypto.RAW, crypto.RAW_PUB))
    party = {"code": "91371700MA3C000000", "name": "菏泽市融资担保有限公司"}
    cert = offline.certificate_fields(issuer=party, kid="K01", public_key=pub, valid_from="2026-01-01T09:00:00+08:00")
    doc = {
        "type": "zc-guarantee",
        "v": 1,
        "no": "HZBH-2026-000001",
        "kind": "bid",
        "issuer": party,
        "applicant": {"code": "91371700MA3C111111", "name": "菏泽鑫源办公设备有限公司"},
        "beneficiary": {"code": "", "name": "菏泽市教育局"},
        "project": "HZ-2026-0001",
        "contract": None,
        "amount": "30000.00",
        "currency": "CNY",
        "valid_from": "2026-04-01",
        "valid_until": "2026-07-20",
        "issued_at": "2026-04-03T10:00:00+08:00",
        "kid": "K01",
    }
    key = {"pub": pub, "from": cert["valid_from"], "sig": crypto.b64(bureau.sign(offline.canonical(cert)))}
    payload = offline.encode_payload(offline.Payload(doc, crypto.b64(issuer.sign(offline.canonical(doc))), key))
    bureau_pub = crypto.b64(bureau.public_key().public_bytes(crypto.RAW, crypto.RAW_PUB))
    return payload, bureau_pub, tamper(payload, amount="300000.00")


def test_offline_verifier_needs_no_database() -> None:
    """No django_db mark: any database access would fail this test."""
    payload, bureau, altered = _standalone_material()
    on = dt.date(2026, 4, 10)
    assert offline.verify_offline(payload, bureau_public_key=bureau, on=on).valid
    assert offline.verify_offline(altered, bureau_public_key=bureau, on=on).problems == ["signature.mismatch"]
    other_bureau = crypto.b64(Ed25519PrivateKey.generate().public_key().public_bytes(crypto.RAW, crypto.RAW_PUB))
    assert offline.verify_offline(payload, bureau_public_key=other_bureau, on=on).problems == ["key.not_certified"]
    assert offline.verify_offline(payload, bureau_public_key=bureau, on=dt.date(2026, 7, 21)).problems == [
        "guarantee.expired"
    ]
    assert offline.verify_offline(payload, bureau_public_key=bureau, on=dt.date(2026, 3, 31)).problems == [
        "guarantee.not_yet_valid"
    ]


def test_standalone_cli_runs_without_django() -> None:
    payload, bureau, altered = _standalone_material()
    url = f"https://zfcg.example.invalid/guarantees/HZBH-2026-000001/verify/?p={payload}"
    blocker = (
        "import sys; sys.modules['django'] = None; "  # importing Django would raise ImportError
        "from zhengcai.guarantees.offline import main; sys.exit(main(sys.argv[1:]))"
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"} | {"PYTHONPATH": str(SRC)}
    for text, code in ((url, 0), (altered, 1)):
        done = subprocess.run(  # noqa: S603 - our own module, fixed arguments
            [sys.executable, "-c", blocker, text, "--bureau-key", bureau, "--on", "2026-04-10"],
            capture_output=True,
            text=True,
            env=env,
            check=False,
            timeout=60,
        )
        assert done.returncode == code, done.stderr
    assert "NOT VALID" in done.stdout
    assert "signature.mismatch" in done.stdout


def test_problem_texts_match_the_catalogue() -> None:
    assert set(errors.PROBLEMS) == set(offline.PROBLEMS)
    for code, (en, zh) in offline.PROBLEMS.items():
        with translation.override("en"):
            assert str(errors.PROBLEMS[code]) == en
        with translation.override("zh-hans"):
            assert str(errors.PROBLEMS[code]) == zh, code
