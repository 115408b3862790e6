from __future__ import annotations

import datetime as dt
import hashlib
import io
from typing import Any

import pytest
from django.core.files.storage import default_storage

from zhengcai.accounts.models import User
from zhengcai.core.errors import ServiceError
from zhengcai.procurement.documents import DocumentError, safe_name, tender_document_upload
from zhengcai.procurement.models import Tender, TenderDocument

from .conftest import OPENING, PUBLISH_ON, at

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path)


def upload(
    tender: Tender, actor: User, data: bytes, name: str = "招标文件.pdf", when: dt.datetime | None = None
) -> TenderDocument:
    return tender_document_upload(
        tender=tender,
        stream=io.BytesIO(data),
        filename=name,
        title="招标文件",
        kind="tender_documents",
        actor=actor,
        at=when or at(PUBLISH_ON, 10),
    )


def test_upload_stores_the_file_with_its_checksum(tender: Tender, purchaser: User) -> None:
    doc = upload(tender, purchaser, PDF)
    assert doc.sha256 == hashlib.sha256(PDF).hexdigest()
    assert doc.size == len(PDF)
    with default_storage.open(doc.file.name or "", "rb") as fh:
        assert fh.read() == PDF
    assert doc.original_name == "招标文件.pdf"


@pytest.mark.parametrize(
    ("data", "name", "code"),
    [
        (b"MZ\x90\x00 not a pdf", "招标文件.pdf", DocumentError.MALFORMED),
        (b"", "empty.pdf", DocumentError.MALFORMED),
        (PDF, "setup.exe", DocumentError.TYPE),
        (b"%PDF-1.4 but named docx", "a.docx", DocumentError.MALFORMED),
    ],
)
def test_malformed_or_wrong_type_files_are_refused_and_nothing_is_stored(
    tender: Tender, purchaser: User, data: bytes, name: str, code: str
) -> None:
    with pytest.raises(ServiceError) as exc:
        upload(tender, purchaser, data, name)
    assert exc.value.code == code
    assert exc.value.field == "file"
    assert exc.value.message_zh != exc.value.message_en
    assert not TenderDocument.objects.exists()


def test_same_file_twice_and_after_the_deadline(tender: Tender, purchaser: User) -> None:
    upload(tender, purchaser, PDF)
    with pytest.raises(ServiceError) as exc:
        upload(tender, purchaser, PDF)
    assert exc.value.code == DocumentError.DUPLICATE
    with pytest.raises(ServiceError) as exc:
        upload(tender, purchaser, PDF + b" ", when=OPENING)
    assert exc.value.code == DocumentError.CLOSED


def test_safe_name_strips_paths_and_odd_characters() -> None:
    assert safe_name("../../etc/passwd") == "passwd"
    assert safe_name("C:\\docs\\采购 需求(终稿).docx") == "采购_需求_终稿_.docx"
