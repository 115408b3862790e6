"""Tender documents: checked (type by content, size), checksummed, stored through the storage API."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from enum import StrEnum
from typing import IO, Any

from django.core.files.base import File
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from zhengcai.core.audit import audit_record, snapshot
from zhengcai.core.errors import ServiceError

from .models import ProjectStatus, Tender, TenderDocument
from .services import require_manager

MAX_BYTES = 100 * 1024 * 1024
# extension → (content type, accepted leading bytes)
SIGNATURES: dict[str, tuple[str, tuple[bytes, ...]]] = {
    "pdf": ("application/pdf", (b"%PDF-",)),
    "ofd": ("application/ofd", (b"PK\x03\x04",)),  # 版式文档 (GB/T 33190), a zip container
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (b"PK\x03\x04",)),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (b"PK\x03\x04",)),
    "zip": ("application/zip", (b"PK\x03\x04",)),
    "doc": ("application/msword", (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)),
    "xls": ("application/vnd.ms-excel", (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
}


class DocumentError(StrEnum):
    TYPE = "procurement.document.type"
    MALFORMED = "procurement.document.malformed"
    SIZE = "procurement.document.size"
    DUPLICATE = "procurement.document.duplicate"
    CLOSED = "procurement.document.tender_closed"
    TITLE = "procurement.document.title"


def safe_name(name: str) -> str:
    """Keep letters (Chinese included), digits, dot, dash and underscore; no paths."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = re.sub(r"[^\w.\-]+", "_", base, flags=re.UNICODE).strip("._") or "file"
    return cleaned[-150:]


def _digest(stream: IO[bytes]) -> tuple[str, int, bytes]:
    sha = hashlib.sha256()
    size = 0
    head = b""
    stream.seek(0)
    for chunk in iter(lambda: stream.read(1024 * 1024), b""):
        if not head:
            head = chunk[:16]
        sha.update(chunk)
        size += len(chunk)
    stream.seek(0)
    return sha.hexdigest(), size, head


@transaction.atomic
def tender_document_upload(
    *, tender: Tender, stream: IO[bytes], filename: str, title: str, kind: str, actor: Any, at: dt.datetime
) -> TenderDocument:
    tender = (
        Tender.objects.select_for_update(of=("self",))
        .select_related("project__purchaser", "project__agency")
        .get(pk=tender.pk)
    )
    require_manager(actor, tender.project.purchaser, tender.project.agency)
    if tender.project.status != ProjectStatus.TENDERING or at >= tender.deadline:
        raise ServiceError(DocumentError.CLOSED, "file", _("Documents can be added only while the tender is open."))
    if not title.strip():
        raise ServiceError(DocumentError.TITLE, "title", _("Give the document a title."))
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if ext not in SIGNATURES:
        raise ServiceError(
            DocumentError.TYPE,
            "file",
            _("File type .{ext} is not accepted; use PDF, OFD, Word, Excel, ZIP, PNG or JPEG."),
            ext=ext,
        )
    sha, size, head = _digest(stream)
    content_type, magics = SIGNATURES[ext]
    if size == 0 or not any(head.startswith(m) for m in magics):
        raise ServiceError(
            DocumentError.MALFORMED,
            "file",
            _("The file is not a valid .{ext} file (its content does not match its type)."),
            ext=ext,
        )
    if size > MAX_BYTES:
        raise ServiceError(DocumentError.SIZE, "file", _("The file is larger than 100 MB."))
    if TenderDocument.objects.filter(tender=tender, sha256=sha).exists():
        raise ServiceError(DocumentError.DUPLICATE, "file", _("This exact file is already published with the tender."))
    document = TenderDocument(
        tender=tender,
        kind=kind,
        title=title.strip(),
        original_name=safe_name(filename),
        content_type=content_type,
        size=size,
        sha256=sha,
        uploaded_at=at,
        uploaded_by=actor,
    )
    document.file.save(safe_name(filename), File(stream), save=False)
    try:
        document.save()
        audit_record(actor=actor, action="tender.document", obj=document, after=snapshot(document), at=at)
    except Exception:
        document.file.delete(save=False)  # nothing half-written: no file without its row
        raise
    return document
