"""Certificates: the signed verification code, the public page, the PDF with its QR code, downloads."""

from __future__ import annotations

import base64
import datetime as dt
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import AT, make_user
from zhengcai.core.permissions import Role
from zhengcai.training import certificates
from zhengcai.training.assessment import certificate_revoke
from zhengcai.training.certificates import Verdict, certificate_verify, mask_name, verification_code
from zhengcai.training.models import Certificate

from .url_samples_assessment import (
    make_course,
    make_participant,
    make_registration,
    make_session,
    open_assessment,
    pass_assessment,
)

LATER = AT + dt.timedelta(days=1)


@pytest.fixture
def trainer(heze: dict[str, Any]) -> Any:
    return make_user(Role.BUREAU_REVIEWER, heze["city_dept"], username="city_trainer")


@pytest.fixture
def learner(heze: dict[str, Any]) -> Any:
    return make_user(Role.AGENCY_STAFF, heze["agency"], username="agency_learner")


@pytest.fixture
def course(heze: dict[str, Any], trainer: Any) -> Any:
    course = make_course(organizer=heze["city_bureau"], actor=trainer, title="政府采购意向公开与内控管理")
    open_assessment(course, trainer)
    return course


def _certificate(heze: dict[str, Any], course: Any, user: Any, name: str = "张三丰") -> Certificate:
    registration = make_registration(
        make_session(course),
        make_participant(heze["agency"], user=user, name=name),
        completed_at=AT + dt.timedelta(hours=4),
    )
    return pass_assessment(registration, user, at=LATER)


@pytest.fixture
def cert(heze: dict[str, Any], course: Any, learner: Any) -> Certificate:
    return _certificate(heze, course, learner)


def _flip(text: str, index: int) -> str:
    return text[:index] + ("A" if text[index] != "A" else "B") + text[index + 1 :]


# --- the code and its signature -------------------------------------------------------------------------


def test_a_genuine_code_verifies_as_valid(cert: Certificate) -> None:
    code = verification_code(cert)
    assert code.startswith(f"{cert.number}.")
    assert len(code) == len(cert.number) + 1 + 86  # 64 bytes of Ed25519 signature, base64url
    result = certificate_verify(code)
    assert (result.verdict, result.certificate) == (Verdict.VALID, cert)


def test_an_altered_signature_is_refused(cert: Certificate) -> None:
    code = verification_code(cert)
    for index in (len(cert.number) + 1, len(code) - 10):
        result = certificate_verify(_flip(code, index))
        assert result.verdict == Verdict.NOT_FOUND
        assert result.altered
        assert result.certificate is None


def test_another_spelling_of_the_same_signature_bytes_is_refused(cert: Certificate) -> None:
    code = verification_code(cert)
    last = code[-1]
    # 64 bytes take 86 base64 characters; the last one carries 4 spare bits that a lenient decoder ignores.
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    sibling = alphabet[alphabet.index(last) ^ 1]
    assert base64.urlsafe_b64decode(code[-86:-1] + sibling + "==") == base64.urlsafe_b64decode(code[-86:] + "==")
    assert certificate_verify(code[:-1] + sibling).verdict == Verdict.NOT_FOUND
    assert certificate_verify(code[:-1] + "=" + last).verdict == Verdict.NOT_FOUND


def test_a_signature_moved_to_another_number_is_refused(
    heze: dict[str, Any], course: Any, cert: Certificate, trainer: Any
) -> None:
    other = _certificate(heze, course, make_user(Role.AGENCY_STAFF, heze["agency"], username="other"), name="李四")
    signature = verification_code(cert).rpartition(".")[2]
    assert certificate_verify(f"{other.number}.{signature}").verdict == Verdict.NOT_FOUND
    assert certificate_verify(verification_code(other)).verdict == Verdict.VALID


def test_a_certificate_changed_in_the_database_no_longer_verifies(cert: Certificate) -> None:
    code = verification_code(cert)
    Certificate.objects.filter(pk=cert.pk).update(holder_name="王五")
    assert certificate_verify(code).verdict == Verdict.NOT_FOUND
    assert certificate_verify(code).altered


def test_unknown_and_malformed_codes_are_not_found(cert: Certificate) -> None:
    signature = verification_code(cert).rpartition(".")[2]
    for code in (
        "",
        "   ",
        "ZCPX2026",
        f"ZCPX2099999999.{signature}",
        "x" * 500,
        f"{cert.number}.%%%",
        f"{cert.number}.",
    ):
        result = certificate_verify(code)
        assert result.verdict == Verdict.NOT_FOUND, code
        assert result.certificate is None


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(position=st.integers(min_value=0), replacement=st.characters(codec="utf-8"), junk=st.text(max_size=150))
def test_no_other_code_than_the_genuine_one_verifies(
    cert: Certificate, position: int, replacement: str, junk: str
) -> None:
    code = verification_code(cert)
    index = position % len(code)
    changed = code[:index] + replacement + code[index + 1 :]
    for candidate in (changed, junk, cert.number + "." + junk):
        result = certificate_verify(candidate)  # never raises
        if candidate != code:
            assert result.verdict == Verdict.NOT_FOUND, candidate


def test_a_revoked_certificate_verifies_as_revoked(cert: Certificate, trainer: Any) -> None:
    certificate_revoke(certificate=cert, reason="信息有误", actor=trainer, at=LATER)
    result = certificate_verify(verification_code(cert))
    assert result.verdict == Verdict.REVOKED
    assert result.holder == "张*丰"


def test_the_signing_key_comes_from_settings(cert: Certificate, settings: Any) -> None:
    code = verification_code(cert)
    settings.SIGNING_KEY = base64.b64encode(os.urandom(32)).decode()
    assert certificate_verify(code).verdict == Verdict.NOT_FOUND  # another key: the old signature fails


def test_holder_names_are_partly_masked() -> None:
    assert mask_name("张三") == "张*"
    assert mask_name("张三丰") == "张*丰"
    assert mask_name("欧阳娜娜") == "欧**娜"
    assert mask_name("王") == "*"
    assert mask_name("John Smith") == "J**n S***h"


# --- the public page ------------------------------------------------------------------------------------


def test_the_public_page_shows_holder_masked_course_date_issuer_and_valid(cert: Certificate) -> None:
    response = Client().get(certificates.verify_path(cert), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-verdict="valid"' in html
    assert "张*丰" in html
    assert "张三丰" not in html
    assert "政府采购意向公开与内控管理" in html
    assert "2026-03-03" in html
    assert "菏泽市财政局" in html
    assert "有效" in html


def test_the_public_page_answers_not_found_for_an_altered_code(cert: Certificate) -> None:
    code = verification_code(cert)
    response = Client().get(f"/training/certificates/verify/{_flip(code, len(code) - 3)}/")
    assert response.status_code == 404
    html = response.content.decode()
    assert 'data-verdict="not_found"' in html
    assert "张*丰" not in html


def test_the_public_page_shows_revoked(cert: Certificate, trainer: Any) -> None:
    certificate_revoke(certificate=cert, reason="信息有误", actor=trainer, at=LATER)
    response = Client().get(certificates.verify_path(cert), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert 'data-verdict="revoked"' in response.content.decode()
    assert "REVOKED" in response.content.decode()
    assert "信息有误" not in response.content.decode()  # the reason stays internal


def test_the_code_form_leads_to_the_verification_page(cert: Certificate) -> None:
    code = verification_code(cert)
    response = Client().get("/training/certificates/verify/", {"code": f"  {code} "})
    assert response.status_code == 302
    assert response["Location"] == certificates.verify_path(cert)
    pasted = Client().get("/training/certificates/verify/", {"code": certificates.verify_url(cert)})
    assert pasted["Location"] == certificates.verify_path(cert)
    assert Client().get("/training/certificates/verify/", {"code": "x" * 301}).status_code == 400
    assert Client().get("/training/certificates/verify/", {"code": "不是/验证码"}).status_code == 404


def test_the_certificate_list_takes_a_fixed_number_of_queries(
    heze: dict[str, Any], course: Any, trainer: Any, django_assert_max_num_queries: Any
) -> None:
    for n in range(5):
        _certificate(
            heze, course, make_user(Role.AGENCY_STAFF, heze["agency"], username=f"holder{n}"), name=f"持证人{n}"
        )
    client = Client()
    client.force_login(trainer)
    with django_assert_max_num_queries(8):
        response = client.get("/office/training/certificates/")
    assert response.content.decode().count('data-testid="certificate-ZCPX2026') == 5


# --- the PDF --------------------------------------------------------------------------------------------


def _pdf_png(data: bytes, tmp_path: Path, resolution: int) -> Path:
    path = tmp_path / "certificate.pdf"
    path.write_bytes(data)
    subprocess.run(  # noqa: S603
        ["pdftoppm", "-png", "-r", str(resolution), "-f", "1", "-l", "1", str(path), str(tmp_path / "p")],  # noqa: S607
        check=True,
    )
    [png] = tmp_path.glob("p*.png")
    return png


def test_the_pdf_is_chinese_and_its_qr_code_decodes_to_the_verification_url(cert: Certificate, tmp_path: Path) -> None:
    if shutil.which("pdftoppm") is None or shutil.which("zbarimg") is None or shutil.which("pdftotext") is None:
        pytest.skip("pdftoppm, pdftotext and zbarimg (poppler-utils, zbar-tools) are not installed")
    data = certificates.certificate_pdf(cert, base_url="https://zfcg.czj.heze.gov.cn.invalid/")
    assert data.startswith(b"%PDF")
    (tmp_path / "c.pdf").write_bytes(data)
    text = subprocess.run(  # noqa: S603
        ["pdftotext", "-layout", str(tmp_path / "c.pdf"), "-"],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    flat = "".join(text.split())  # the title is letter-spaced
    assert "培训合格证书" in flat  # the bundled CJK font renders (and embeds) the Chinese text
    assert "张三丰" in flat
    assert "政府采购意向公开与内控管理" in flat
    assert cert.number in flat
    png = _pdf_png(data, tmp_path, 150)
    out = subprocess.run(  # noqa: S603
        ["zbarimg", "--quiet", "--raw", str(png)],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    )
    url = out.stdout.strip()
    assert url == "https://zfcg.czj.heze.gov.cn.invalid" + certificates.verify_path(cert)
    code = url.rstrip("/").rpartition("/")[2]
    assert certificate_verify(code).verdict == Verdict.VALID


def test_the_holder_and_the_trainer_download_the_pdf_others_get_404(
    heze: dict[str, Any], cert: Certificate, learner: Any, trainer: Any, county_reviewer: Any
) -> None:
    path = f"/office/training/certificates/{cert.number}/pdf/"
    for user in (learner, trainer):
        client = Client()
        client.force_login(user)
        response = client.get(path)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert f'filename="{cert.number}.pdf"' in response["Content-Disposition"]
    for user in (make_user(Role.AGENCY_STAFF, heze["agency"], username="colleague"), county_reviewer):
        client = Client()
        client.force_login(user)
        assert client.get(path).status_code == 404


def test_the_revocation_page_revokes_with_a_reason(cert: Certificate, trainer: Any, county_reviewer: Any) -> None:
    path = f"/office/training/certificates/{cert.number}/revoke/"
    county = Client()
    county.force_login(county_reviewer)
    assert county.get(path).status_code == 404
    client = Client()
    client.force_login(trainer)
    response = client.post(path, {"reason": ""}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400
    response = client.post(path, {"reason": "培训签到记录有误"})
    assert response.status_code == 302
    cert.refresh_from_db()
    assert (cert.status, cert.revoke_reason) == ("revoked", "培训签到记录有误")
    listing = client.get("/office/training/certificates/", {"q": cert.number})
    assert cert.number in listing.content.decode()
