"""Writes of the policy library: documents, their status, attachments, categories and tags.

Each write checks the rules of ``rules.py`` (all broken rules reported together), runs in one transaction,
locks what it changes and records an audit event with the before and after. Documents are never deleted.
Scope: city-level staff (a role held in the city bureau) manage documents of every level; a district or
county bureau manages its own county's documents only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import File
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhengcai.core.audit import audit_record, snapshot
from zhengcai.core.errors import ServiceError, raise_if_any
from zhengcai.core.fsm import check_transition
from zhengcai.organizations.models import Region
from zhengcai.procurement.search import search_text

from . import rules, selectors
from .errors import PolicyError
from .models import Category, DocumentStatus, PolicyAttachment, PolicyDocument, Tag

MAX_TAGS = 20
ATTACHMENT_MAX_BYTES = 50 * 1024 * 1024
# extension → (content type, accepted leading bytes, a member an Office/OFD zip container must hold)
ATTACHMENT_TYPES: dict[str, tuple[str, tuple[bytes, ...], str]] = {
    "pdf": ("application/pdf", (b"%PDF-",), ""),
    "ofd": ("application/ofd", (b"PK\x03\x04",), "OFD.xml"),  # 版式文档 (GB/T 33190)
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        (b"PK\x03\x04",),
        "[Content_Types].xml",
    ),
    "xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        (b"PK\x03\x04",),
        "[Content_Types].xml",
    ),
    "doc": ("application/msword", (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",), ""),
    "xls": ("application/vnd.ms-excel", (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",), ""),
    "wps": ("application/vnd.ms-works", (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",), ""),  # WPS 文字
    "zip": ("application/zip", (b"PK\x03\x04",), ""),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",), ""),
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",), ""),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",), ""),
}
_TAG_SPLIT = re.compile(r"[,，、;；\s]+")


def content_type_of(filename: str) -> str:
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    return ATTACHMENT_TYPES[ext][0] if ext in ATTACHMENT_TYPES else "application/octet-stream"


def split_tags(text: str) -> list[str]:
    """Tag names typed in one box, separated by commas (half or full width), 、, semicolons or spaces."""
    return [t for t in _TAG_SPLIT.split(text or "") if t]


@dataclass
class DocumentInput:
    title: str
    number: str
    level: str
    doc_type: str
    issuer: str
    issued_on: dt.date | None
    effective_on: dt.date | None
    full_text: str
    region: Region | None = None
    summary: str = ""
    source_url: str = ""
    categories: Sequence[Category] = ()
    tags: Sequence[str] = field(default_factory=list)


def _today(at: dt.datetime) -> dt.date:
    return timezone.localtime(at).date()


def _limit(model: Any, name: str) -> int:
    return int(getattr(model._meta.get_field(name), "max_length", None) or 0)


def _max(name: str) -> int:
    return _limit(PolicyDocument, name)


def _length_error(field_name: str, value: str, limit: int) -> ServiceError | None:
    if len(value) <= limit:
        return None
    return ServiceError(
        PolicyError.TOO_LONG,
        field_name,
        _("{length} characters; at most {limit} are allowed. Shorten it (nothing is cut off for you)."),
        length=len(value),
        limit=limit,
    )


def _validate(data: DocumentInput, *, actor: Any, at: dt.datetime, current: PolicyDocument | None) -> dict[str, Any]:
    """All broken rules at once (ServiceErrorGroup), or the cleaned field values."""
    errors: list[ServiceError] = []
    title = (data.title or "").strip()
    issuer = (data.issuer or "").strip()
    summary = (data.summary or "").strip().replace("\r\n", "\n")
    full_text = (data.full_text or "").strip().replace("\r\n", "\n")
    source_url = (data.source_url or "").strip()
    for name, value, message in (
        ("title", title, _("Enter the title of the document.")),
        ("issuer", issuer, _("Enter the issuing authority.")),
        ("full_text", full_text, _("Enter the full text of the document.")),
    ):
        if not value:
            errors.append(ServiceError(PolicyError.REQUIRED, name, message))
    for name, value in (("title", title), ("issuer", issuer), ("source_url", source_url)):
        if err := _length_error(name, value, _max(name)):
            errors.append(err)
    if source_url:
        try:
            URLValidator(schemes=["http", "https"])(source_url)
        except ValidationError:
            errors.append(
                ServiceError(PolicyError.URL, "source_url", _("Enter the official source as an http(s) address."))
            )
    number, number_problems = rules.number_errors(data.number, doc_type=data.doc_type, issued_on=data.issued_on)
    errors += number_problems
    if number and not number_problems:
        taken = PolicyDocument.objects.filter(number=number)
        if current is not None:
            taken = taken.exclude(pk=current.pk)
        if taken.exists():
            errors.append(_number_taken(number))
    errors += rules.date_errors(issued_on=data.issued_on, effective_on=data.effective_on, today=_today(at))
    changed_on = current.status_changed_on if current is not None else None
    if changed_on is not None and data.issued_on is not None and data.issued_on > changed_on:
        errors.append(
            ServiceError(
                PolicyError.STATUS_DATE,
                "issued_on",
                _("The document is amended or repealed since {date}: it cannot have been issued later."),
                date=changed_on.isoformat(),
            )
        )
    level_problems = rules.level_errors(level=data.level, doc_type=data.doc_type, region=data.region)
    errors += level_problems
    scope = selectors.manage_scope(user=actor)
    region_id = data.region.pk if data.region is not None else None
    if not level_problems and not selectors.scope_allows(scope, level=data.level, region_id=region_id):
        errors.append(
            ServiceError(
                PolicyError.SCOPE,
                "level",
                _("A district or county bureau adds and edits its own county's documents only."),
            )
        )
    tags, tag_errors = _clean_tags(data.tags)
    errors += tag_errors
    raise_if_any(errors)
    return {
        "fields": {
            "title": title,
            "number": number,
            "level": data.level,
            "doc_type": data.doc_type,
            "issuer": issuer,
            "region": data.region,
            "issued_on": data.issued_on,
            "effective_on": data.effective_on,
            "summary": summary,
            "full_text": full_text,
            "source_url": source_url,
        },
        "categories": sorted({c.pk for c in data.categories}),
        "tags": tags,
    }


def _number_taken(number: str) -> ServiceError:
    return ServiceError(
        PolicyError.NUMBER_TAKEN, "number", _("The library already has a document numbered {number}."), number=number
    )


def _clean_tags(names: Sequence[str]) -> tuple[list[str], list[ServiceError]]:
    tags = list(dict.fromkeys(n.strip() for n in names if n and n.strip()))
    limit = _limit(Tag, "name")
    errors = [
        ServiceError(
            PolicyError.TAG,
            "tags",
            _("The tag “{tag}” has {length} characters; at most {limit} are allowed."),
            tag=t,
            length=len(t),
            limit=limit,
        )
        for t in tags
        if len(t) > limit
    ]
    if len(tags) > MAX_TAGS:
        errors.append(ServiceError(PolicyError.TAG, "tags", _("At most {limit} tags per document."), limit=MAX_TAGS))
    return tags, errors


def _tags_ensure(names: list[str], *, actor: Any, at: dt.datetime) -> list[Tag]:
    out = []
    for name in names:
        tag, created = Tag.objects.get_or_create(name=name)
        if created:
            audit_record(actor=actor, action="policy.tag.create", obj=tag, after=snapshot(tag), at=at)
        out.append(tag)
    return out


def _state(document: PolicyDocument) -> dict[str, Any]:
    """What the audit log keeps of a document: its fields (not the derived search text) and its labels."""
    data = snapshot(document)
    data.pop("search_text", None)
    data["categories"] = sorted(document.categories.values_list("pk", flat=True))
    data["tags"] = sorted(document.tags.values_list("name", flat=True))
    return data


def _index(document: PolicyDocument) -> None:
    """Recompute the search text (CJK bigrams and Latin words, space-delimited, see selectors.filter_text)."""
    labels = [c.name for c in document.categories.all()] + [t.name for t in document.tags.all()]
    region = document.region.name if document.region is not None else ""
    text = search_text(
        document.title, document.number, document.issuer, region, document.summary, document.full_text, *labels
    )
    document.search_text = f" {text} "
    document.save(update_fields=["search_text"])


def _save_labels(document: PolicyDocument, clean: dict[str, Any], *, actor: Any, at: dt.datetime) -> None:
    document.categories.set(Category.objects.filter(pk__in=clean["categories"]))
    document.tags.set(_tags_ensure(clean["tags"], actor=actor, at=at))
    _index(document)


def _save(document: PolicyDocument) -> None:
    try:
        with transaction.atomic():  # a savepoint: a concurrent twin's number trips the unique constraint
            document.save()
    except IntegrityError as exc:
        if PolicyDocument.objects.filter(number=document.number).exclude(pk=document.pk).exists():
            raise _number_taken(document.number) from exc
        raise


def document_create(*, data: DocumentInput, actor: Any, at: dt.datetime) -> PolicyDocument:
    """Add a document to the library (in force)."""
    clean = _validate(data, actor=actor, at=at, current=None)
    with transaction.atomic():
        document = PolicyDocument(**clean["fields"], created_at=at, created_by=actor, updated_at=at)
        document.full_clean(exclude=["number"])  # the number's uniqueness: _validate, then the constraint
        _save(document)
        _save_labels(document, clean, actor=actor, at=at)
        audit_record(actor=actor, action="policy.create", obj=document, after=_state(document), at=at)
    return document


def _lock(document: PolicyDocument, actor: Any) -> PolicyDocument:
    locked = PolicyDocument.objects.select_for_update().get(pk=document.pk)
    scope = selectors.manage_scope(user=actor)
    if not selectors.scope_allows(scope, level=locked.level, region_id=locked.region_id):
        raise PermissionDenied
    return locked


def document_update(*, document: PolicyDocument, data: DocumentInput, actor: Any, at: dt.datetime) -> PolicyDocument:
    """Correct or complete a document's fields, categories and tags. Audited with before and after; an edit
    that changes nothing records nothing."""
    with transaction.atomic():
        document = _lock(document, actor)
        clean = _validate(data, actor=actor, at=at, current=document)
        before = _state(document)
        for name, value in clean["fields"].items():
            setattr(document, name, value)
        proposed = {**snapshot(document), "categories": clean["categories"], "tags": sorted(clean["tags"])}
        proposed.pop("search_text", None)
        if proposed == before:
            return document
        document.updated_at = at
        document.full_clean(exclude=["number"])
        _save(document)
        _save_labels(document, clean, actor=actor, at=at)
        audit_record(actor=actor, action="policy.update", obj=document, before=before, after=_state(document), at=at)
    return document


def _would_cycle(document: PolicyDocument, replacement: PolicyDocument) -> bool:
    """Whether ``replacement`` is (transitively) replaced by ``document`` already."""
    seen: set[int] = set()
    current: PolicyDocument | None = replacement
    while current is not None and current.pk not in seen:
        if current.superseded_by_id == document.pk:
            return True
        seen.add(current.pk)
        current = current.superseded_by
    return False


def document_status_set(
    *,
    document: PolicyDocument,
    status: str,
    changed_on: dt.date | None,
    actor: Any,
    at: dt.datetime,
    superseded_by: PolicyDocument | None = None,
) -> PolicyDocument:
    """POL-STATUS: mark a document amended (by ``superseded_by``) or repealed (optionally by
    ``superseded_by``) from ``changed_on``."""
    with transaction.atomic():
        document = _lock(document, actor)
        check_transition(rules.STATUS_TRANSITIONS, document.status, status, labels=DocumentStatus)
        replacement = None
        if superseded_by is not None:
            replacement = PolicyDocument.objects.select_related("superseded_by").get(pk=superseded_by.pk)
        errors = rules.status_errors(
            document_pk=document.pk,
            document_issued_on=document.issued_on,
            target=status,
            changed_on=changed_on,
            replacement=(
                rules.Replacement(pk=replacement.pk, issued_on=replacement.issued_on, status=replacement.status)
                if replacement is not None
                else None
            ),
            today=_today(at),
        )
        if not errors and replacement is not None and _would_cycle(document, replacement):
            errors.append(
                ServiceError(
                    PolicyError.SUPERSEDED_BY,
                    "superseded_by",
                    _("The replacing document is itself replaced by this one: that would be a circle."),
                )
            )
        raise_if_any(errors)
        before = _state(document)
        document.status = status
        document.status_changed_on = changed_on
        document.superseded_by = replacement
        document.updated_at = at
        document.full_clean(exclude=["number"])
        document.save(update_fields=["status", "status_changed_on", "superseded_by", "updated_at"])
        audit_record(actor=actor, action="policy.status", obj=document, before=before, after=_state(document), at=at)
    return document


def _attachment_name(filename: str, name: str) -> tuple[str, str]:
    """The display name (the given name, else the file's name without folders) and the extension."""
    base = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    ext = base.rsplit(".", 1)[-1].lower() if "." in base else ""
    display = (name or "").strip() or base
    if ext and not display.lower().endswith(f".{ext}"):
        display = f"{display}.{ext}"
    return display, ext


def _inspect(stream: IO[bytes]) -> tuple[str, int, bytes]:
    sha = hashlib.sha256()
    size = 0
    head = b""
    stream.seek(0)
    for chunk in iter(lambda: stream.read(1024 * 1024), b""):
        if not head:
            head = chunk[:16]
        sha.update(chunk)
        size += len(chunk)
        if size > ATTACHMENT_MAX_BYTES:
            break
    stream.seek(0)
    return sha.hexdigest(), size, head


def _zip_has(stream: IO[bytes], member: str) -> bool:
    try:
        with zipfile.ZipFile(stream) as archive:
            return member in archive.namelist()
    except (zipfile.BadZipFile, OSError):
        return False
    finally:
        stream.seek(0)


def attachment_add(
    *, document: PolicyDocument, stream: IO[bytes], filename: str, actor: Any, at: dt.datetime, name: str = ""
) -> PolicyAttachment:
    """Attach a file (PDF, OFD, Word, Excel, WPS, ZIP, PNG, JPEG; at most 50 MB; not empty): its type is
    checked by content, its SHA-256 computed while reading; the stored name is content-addressed."""
    display, ext = _attachment_name(filename, name)
    errors = []
    if ext not in ATTACHMENT_TYPES:
        errors.append(
            ServiceError(
                PolicyError.ATTACHMENT_TYPE,
                "file",
                _("File type .{ext} is not accepted; use PDF, OFD, Word, Excel, WPS, ZIP, PNG or JPEG."),
                ext=ext or "?",
            )
        )
    if err := _length_error("name", display, _limit(PolicyAttachment, "name")):
        errors.append(err)
    if any(c in display for c in "/\\") or any(ord(c) < 32 for c in display):
        errors.append(
            ServiceError(
                PolicyError.ATTACHMENT_TYPE, "name", _("The name shown cannot contain / or \\ or control characters.")
            )
        )
    raise_if_any(errors)
    sha, size, head = _inspect(stream)
    _content_type, magics, member = ATTACHMENT_TYPES[ext]
    if size == 0:
        raise ServiceError(PolicyError.ATTACHMENT_EMPTY, "file", _("The file is empty."))
    if size > ATTACHMENT_MAX_BYTES:
        raise ServiceError(PolicyError.ATTACHMENT_SIZE, "file", _("The file is larger than 50 MB."))
    if not any(head.startswith(m) for m in magics) or (member and not _zip_has(stream, member)):
        raise ServiceError(
            PolicyError.ATTACHMENT_MALFORMED,
            "file",
            _("The file is not a valid .{ext} file (its content does not match its type)."),
            ext=ext,
        )
    with transaction.atomic():
        document = _lock(document, actor)
        if document.attachments.filter(sha256=sha).exists():
            raise ServiceError(
                PolicyError.ATTACHMENT_DUPLICATE, "file", _("This exact file is already attached to the document.")
            )
        attachment = PolicyAttachment(
            document=document, name=display, sha256=sha, size=size, uploaded_at=at, uploaded_by=actor
        )
        attachment.file.save(f"{sha}.{ext}", File(stream), save=False)
        try:
            attachment.full_clean()
            attachment.save()
            document.updated_at = at
            document.save(update_fields=["updated_at"])
            audit_record(
                actor=actor, action="policy.attachment.add", obj=attachment, after=snapshot(attachment), at=at
            )
        except Exception:
            attachment.file.delete(save=False)  # no file without its row
            raise
    return attachment


def attachment_add_bytes(
    *, document: PolicyDocument, content: bytes, filename: str, actor: Any, at: dt.datetime, name: str = ""
) -> PolicyAttachment:
    """``attachment_add`` for content in memory (the demo seed, tests)."""
    return attachment_add(
        document=document, stream=io.BytesIO(content), filename=filename, name=name, actor=actor, at=at
    )


# --- categories ------------------------------------------------------------------------------------------

_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def _category_errors(*, name: str, name_en: str, slug: str, sort: int, current: Category | None) -> list[ServiceError]:
    errors = []
    for field_name, value, message in (
        ("name", name, _("Enter the category's Chinese name.")),
        ("name_en", name_en, _("Enter the category's English name.")),
    ):
        if not value:
            errors.append(ServiceError(PolicyError.REQUIRED, field_name, message))
        elif err := _length_error(field_name, value, _limit(Category, field_name)):
            errors.append(err)
    if not _SLUG.fullmatch(slug) or len(slug) > _limit(Category, "slug"):
        errors.append(
            ServiceError(
                PolicyError.CATEGORY,
                "slug",
                _("The slug is lower-case Latin letters and digits joined by hyphens (e.g. sme), at most 40."),
            )
        )
    if not 0 <= sort <= 32767:
        errors.append(ServiceError(PolicyError.CATEGORY, "sort", _("The order is a number from 0 to 32767.")))
    others = Category.objects.exclude(pk=current.pk) if current is not None else Category.objects.all()
    if name and others.filter(name=name).exists():
        errors.append(ServiceError(PolicyError.CATEGORY, "name", _("A category of this name exists.")))
    if slug and others.filter(slug=slug).exists():
        errors.append(ServiceError(PolicyError.CATEGORY, "slug", _("A category with this slug exists.")))
    return errors


def _require_city_staff(actor: Any) -> None:
    if not selectors.manage_scope(user=actor).everything:
        raise PermissionDenied  # categories are the whole library's: city-level staff only


def category_create(*, name: str, name_en: str, slug: str, actor: Any, at: dt.datetime, sort: int = 0) -> Category:
    _require_city_staff(actor)
    name, name_en, slug = name.strip(), name_en.strip(), slug.strip()
    raise_if_any(_category_errors(name=name, name_en=name_en, slug=slug, sort=sort, current=None))
    with transaction.atomic():
        category = Category.objects.create(name=name, name_en=name_en, slug=slug, sort=sort)
        audit_record(actor=actor, action="policy.category.create", obj=category, after=snapshot(category), at=at)
    return category


def category_update(
    *, category: Category, name: str, name_en: str, slug: str, sort: int, actor: Any, at: dt.datetime
) -> Category:
    _require_city_staff(actor)
    name, name_en, slug = name.strip(), name_en.strip(), slug.strip()
    with transaction.atomic():
        category = Category.objects.select_for_update().get(pk=category.pk)
        raise_if_any(_category_errors(name=name, name_en=name_en, slug=slug, sort=sort, current=category))
        before = snapshot(category)
        category.name, category.name_en, category.slug, category.sort = name, name_en, slug, sort
        category.save()
        audit_record(
            actor=actor, action="policy.category.update", obj=category, before=before, after=snapshot(category), at=at
        )
        for document in category.documents.all():  # the category's name is searchable
            _index(document)
    return category
