"""The API journey: a guarantor's system issues the winner's performance guarantee with its token; the PDF's
QR payload verifies on the public page; an altered copy does not. Idempotent replays and refusals."""

from __future__ import annotations

import datetime as dt
import re
import zlib
from typing import Any
from urllib.parse import quote

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.test import Client
from django.utils import timezone

from zhengcai.accounts.models import User
from zhengcai.accounts.services import api_token_issue
from zhengcai.core import crypto
from zhengcai.core.models import AuditEvent
from zhengcai.guarantees import offline
from zhengcai.guarantees.models import Guarantee, IssuerKey
from zhengcai.procurement.models import Contract

from .test_verify import tamper

pytestmark = pytest.mark.django_db


def token_client(org: Any, officer: User) -> Client:
    now = timezone.now()
    issued = api_token_issue(
        organization=org,
        user=officer,
        name="保函业务系统",
        expires_at=now + dt.timedelta(days=30),
        actor=officer,
        at=now,
    )
    return Client(HTTP_AUTHORIZATION=f"Bearer {issued.plaintext}")


def performance_body(contract: Contract, **changes: Any) -> dict[str, Any]:
    today = timezone.localdate()
    body = {
        "kind": "performance",
        "project_number": contract.project.number,
        "applicant_credit_code": contract.supplier.credit_code,
        "amount_fen": 8_5000_00,
        "valid_from": today.isoformat(),
        "valid_until": (today + dt.timedelta(days=365)).isoformat(),
    }
    body.update(changes)
    return body


def post(client: Client, path: str, body: dict[str, Any], key: str) -> Any:
    return client.post(f"/api/v1{path}", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)


def pdf_streams(pdf: bytes) -> list[bytes]:
    """The PDF's streams, inflated (its metadata sits in a compressed object stream).

    A stream whose compressed bytes happen to end in CR loses that byte to the pattern's optional CR before
    "endstream" (about one PDF in 256): a decompressor object inflates such a stream all the same, where
    ``zlib.decompress`` refused it for the missing checksum byte."""
    out = []
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.DOTALL):
        try:
            out.append(zlib.decompressobj().decompress(match.group(1)))
        except zlib.error:
            continue
    return out


def pdf_payload(pdf: bytes) -> str:
    """The payload stored as text in the PDF's keywords, next to the QR code that encodes it."""
    for data in pdf_streams(pdf):
        found = re.search(rb"/Keywords \((ZCG1\.[A-Za-z0-9_-]+)\)", data)
        if found:
            return found.group(1).decode()
    raise AssertionError("the payload is not in the PDF")


def test_winner_gets_a_performance_guarantee_via_the_api_and_its_pdf_verifies(
    heze: dict[str, Any], contract: Contract, guarantor_key: IssuerKey, guarantor_officer: User, bidders: list[Any]
) -> None:
    client = token_client(heze["guarantor"], guarantor_officer)
    response = post(client, "/guarantees", performance_body(contract), "perf-0001")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["kind"] == "performance"
    assert body["status"] == "issued"
    assert body["kid"] == guarantor_key.kid
    assert body["verify_url"].startswith(f"http://testserver/guarantees/{body['number']}/verify/?p=ZCG1.")

    # the winner's staff downloads the printable letter
    winner_staff = next(user for org, user in bidders if org.pk == contract.supplier_id)
    browser = Client()
    browser.force_login(winner_staff)
    pdf = browser.get(f"/office/guarantees/{body['number']}/pdf/")
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    payload = pdf_payload(pdf.content)
    assert payload == body["payload"]

    # the QR code's URL, opened by a phone, on the public page (no login)
    page = Client().get(f"/guarantees/{body['number']}/verify/?p={quote(payload)}")
    assert page.status_code == 200
    assert 'data-verdict="valid"' in page.content.decode()

    # a copy with the amount altered does not verify
    altered = tamper(payload, amount="850000.00")
    page = Client().get(f"/guarantees/verify/?payload={quote(altered)}")
    html = page.content.decode()
    assert 'data-verdict="not-valid"' in html
    assert 'data-problem="signature.mismatch"' in html
    api = Client().get(f"/api/v1/guarantees/verify?payload={quote(altered)}").json()
    assert api["valid"] is False
    assert "signature.mismatch" in [p["code"] for p in api["problems"]]
    assert api["problems"][0]["message_zh"]
    assert api["problems"][0]["message_en"]
    genuine = Client().get(f"/api/v1/guarantees/verify?number={body['number']}").json()
    assert genuine["valid"] is True
    assert genuine["status"] == "issued"
    assert genuine["document"]["amount"] == "85000.00"


def test_replayed_write_returns_the_first_response(
    heze: dict[str, Any], contract: Contract, guarantor_key: IssuerKey, guarantor_officer: User
) -> None:
    client = token_client(heze["guarantor"], guarantor_officer)
    first = post(client, "/guarantees", performance_body(contract), "perf-replay")
    again = post(client, "/guarantees", performance_body(contract), "perf-replay")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Guarantee.objects.count() == 1
    other = post(client, "/guarantees", performance_body(contract, amount_fen=1_0000_00), "perf-replay")
    assert other.status_code == 409


def test_over_the_cap_via_api_is_refused_and_nothing_written(
    heze: dict[str, Any], contract: Contract, guarantor_key: IssuerKey, guarantor_officer: User
) -> None:
    client = token_client(heze["guarantor"], guarantor_officer)
    audit = AuditEvent.objects.count()
    response = post(client, "/guarantees", performance_body(contract, amount_fen=17_0000_01), "perf-over")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "guarantees.amount.over_performance_cap"
    assert body["field"] == "amount"
    assert "S-PERF-10PCT" in body["message_zh"]
    assert "S-PERF-10PCT" in body["message_en"]
    past = post(
        client,
        "/guarantees",
        performance_body(contract, valid_from="2026-01-01", valid_until="2026-02-01"),
        "perf-past",
    )
    assert past.status_code == 400
    assert past.json()["code"] == "guarantees.validity.past"
    assert Guarantee.objects.count() == 0
    assert AuditEvent.objects.count() == audit
    # a failed request stores no replay: the corrected retry with the same key goes through
    assert post(client, "/guarantees", performance_body(contract), "perf-over").status_code == 201


def test_institution_held_key_over_the_api(heze: dict[str, Any], contract: Contract, bank_officer: User) -> None:
    client = token_client(heze["bank"], bank_officer)
    private = Ed25519PrivateKey.generate()
    public = crypto.b64(private.public_key().public_bytes(crypto.RAW, crypto.RAW_PUB))
    registered = post(client, "/guarantees/keys", {"public_key": public}, "key-1")
    assert registered.status_code == 201
    assert registered.json()["custodial"] is False
    cert = registered.json()
    assert crypto.verify(cert["certificate"], cert["certificate_signature"])
    draft = post(client, "/guarantees/prepare", performance_body(contract), "prep-1")
    assert draft.status_code == 201, draft.content
    canonical = draft.json()["canonical"]
    signature = crypto.b64(private.sign(canonical.encode()))
    signed = post(client, "/guarantees/sign", {"number": draft.json()["number"], "signature": signature}, "sign-1")
    assert signed.status_code == 201, signed.content
    result = offline.verify_offline(signed.json()["payload"], bureau_public_key=crypto.platform_public_key())
    assert result.valid, result.problems
    listed = client.get("/api/v1/guarantees").json()
    assert listed["count"] == 1
    assert listed["items"][0]["number"] == draft.json()["number"]


def test_other_roles_cannot_issue(
    heze: dict[str, Any], contract: Contract, purchaser: User, bidders: list[Any]
) -> None:
    for user in (purchaser, bidders[0][1]):
        client = Client()
        client.force_login(user)
        response = post(client, "/guarantees", performance_body(contract), "nope")
        assert response.status_code == 403
        assert response.json()["code"] == "core.forbidden"
    assert Client().post("/api/v1/guarantees", {}, content_type="application/json").status_code == 401


def test_bureau_key_is_public(client: Client) -> None:
    body = client.get("/api/v1/guarantees/bureau-key").json()
    assert body == {"algorithm": "Ed25519", "public_key": crypto.platform_public_key()}
