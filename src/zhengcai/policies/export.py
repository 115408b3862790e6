"""The ZIP the bureau uploads to the provincial government-procurement site (format: docs/policy-export.md).

``manifest.json`` describes every document (fields, categories, tags, the text file and each attachment
with its SHA-256), ``<number-or-id>.txt`` holds each full text (UTF-8), ``attachments/<number-or-id>/``
the attachments. Attachments are re-hashed while they are copied: a file whose content no longer matches
its recorded SHA-256 stops the export instead of being shipped.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import tempfile
import zipfile
from collections.abc import Iterable
from typing import IO, Any

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from zhengcai.core.errors import ServiceError

from .errors import PolicyError
from .models import PolicyDocument
from .services import content_type_of

FORMAT = "zhengcai.policy-export"
VERSION = 1
_CHUNK = 1024 * 1024


def document_key(document: PolicyDocument) -> str:
    """The file name stem of a document: its number, or its id when it has none (a law)."""
    return document.number or str(document.pk)


def _zip_name(name: str) -> str:
    return name.replace("/", "_").replace("\\", "_")


def _labels(document: PolicyDocument) -> dict[str, str]:
    with translation.override("zh-hans"):
        return {
            "level_label": str(document.get_level_display()),
            "type_label": str(document.get_doc_type_display()),
            "status_label": str(document.get_status_display()),
        }


def _entry(document: PolicyDocument, *, base_url: str, archive: zipfile.ZipFile) -> dict[str, Any]:
    key = document_key(document)
    text = document.full_text.encode("utf-8")
    text_file = f"{_zip_name(key)}.txt"
    archive.writestr(text_file, text)
    attachments = []
    for attachment in document.attachments.all():
        path = f"attachments/{_zip_name(key)}/{attachment.pk}-{_zip_name(attachment.name)}"
        sha = hashlib.sha256()
        size = 0
        with attachment.file.open("rb") as source, archive.open(path, "w") as target:
            for chunk in iter(lambda: source.read(_CHUNK), b""):
                sha.update(chunk)
                size += len(chunk)
                target.write(chunk)
        if sha.hexdigest() != attachment.sha256 or size != attachment.size:
            raise ServiceError(
                PolicyError.ATTACHMENT_MALFORMED,
                None,
                _("The stored file of attachment {name} ({number}) no longer matches its SHA-256: export stopped."),
                name=attachment.name,
                number=key,
            )
        attachments.append(
            {
                "name": attachment.name,
                "file": path,
                "size": attachment.size,
                "sha256": attachment.sha256,
                "content_type": content_type_of(attachment.name),
                "uploaded_at": attachment.uploaded_at.isoformat(),
            }
        )
    replacement = document.superseded_by
    return {
        "id": document.pk,
        "title": document.title,
        "number": document.number or None,
        "level": document.level,
        "type": document.doc_type,
        **_labels(document),
        "issuer": document.issuer,
        "region": {"code": document.region.code, "name": document.region.name} if document.region else None,
        "issued_on": document.issued_on.isoformat(),
        "effective_on": document.effective_on.isoformat(),
        "status": document.status,
        "status_changed_on": document.status_changed_on.isoformat() if document.status_changed_on else None,
        "superseded_by": (
            {"id": replacement.pk, "number": replacement.number or None, "title": replacement.title}
            if replacement is not None
            else None
        ),
        "categories": [c.name for c in document.categories.all()],
        "tags": [t.name for t in document.tags.all()],
        "summary": document.summary,
        "source_url": document.source_url or None,
        "url": f"{base_url.rstrip('/')}/policies/{document.pk}/",
        "text": {"file": text_file, "characters": len(document.full_text), "sha256": hashlib.sha256(text).hexdigest()},
        "attachments": attachments,
        "updated_at": document.updated_at.isoformat(),
    }


def build_export(
    *, documents: Iterable[PolicyDocument], filters: dict[str, Any], base_url: str, generated_at: dt.datetime
) -> tuple[IO[bytes], dict[str, Any]]:
    """Write the ZIP to a temporary file (in memory up to 16 MB) and return it, rewound, with its manifest."""
    out: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115 - returned open
    try:
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            entries = [_entry(d, base_url=base_url, archive=archive) for d in documents]
            manifest = {
                "format": FORMAT,
                "version": VERSION,
                "generated_at": generated_at.isoformat(),
                "filters": {k: (v.isoformat() if isinstance(v, dt.date) else (v or None)) for k, v in filters.items()},
                "count": len(entries),
                "documents": entries,
            }
            archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
    except BaseException:
        out.close()
        raise
    out.seek(0)
    return out, manifest
