"""Writes of the editorial workflow: drafts and revisions, review, approval, publication, withdrawal,
rollback, and suppliers' acknowledgements of the open letter.

The lifecycle is one table (``CONTENT_TRANSITIONS``)::

    draft ──submit──▶ in_review ──pass──▶ in_approval ──approve──▶ scheduled ──(time)──▶ published ──▶ withdrawn
      ▲                   │                    │                       │                     │             │
      └──── return (comment required) ─────────┴───── return / edit ───┘◀──── edit ─────────┴──── edit ───┘

Every save is a new immutable ``ContentRevision``; the portal shows ``live_revision`` only, so an
edit of a published item goes through the workflow again while readers keep the approved text.
Every change is audited; the next person to act is notified. Channel limits and posts belong to the
channels area (``outbox``): they are called, not re-implemented, here.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO, Any

from django.core.exceptions import PermissionDenied
from django.core.files.base import File
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

from zhengcai.accounts.selectors import scope_reaches, user_memberships, user_scope, users_with_bureau_role
from zhengcai.core.audit import audit_record, snapshot
from zhengcai.core.errors import ConflictError, ServiceError, raise_if_any
from zhengcai.core.fsm import check_transition
from zhengcai.core.notifications import notification_queue
from zhengcai.core.permissions import P, Role, role_allows
from zhengcai.organizations.models import Organization
from zhengcai.policies.models import PolicyDocument

from . import outbox
from .errors import ContentError
from .models import (
    Channel,
    Content,
    ContentKind,
    ContentRevision,
    ContentStatus,
    LetterAcknowledgement,
    ReviewComment,
    ReviewDecision,
    ReviewStage,
)

logger = logging.getLogger(__name__)

S = ContentStatus
CONTENT_TRANSITIONS: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.IN_REVIEW}),
    S.IN_REVIEW: frozenset({S.IN_APPROVAL, S.DRAFT}),
    S.IN_APPROVAL: frozenset({S.SCHEDULED, S.DRAFT}),
    S.SCHEDULED: frozenset({S.PUBLISHED, S.DRAFT}),
    S.PUBLISHED: frozenset({S.WITHDRAWN, S.DRAFT}),
    S.WITHDRAWN: frozenset({S.DRAFT}),
}

TITLE_MAX = 120  # the model's column
SUMMARY_MAX = 300
BODY_MAX = 50_000
NOTE_MAX = 200
COMMENT_MAX = 2_000
COVER_MAX_BYTES = 10 * 1024 * 1024
COVER_MAX_PIXELS = 40_000_000
# extension → (leading bytes, Pillow format)
COVER_TYPES: dict[str, tuple[bytes, str]] = {
    "png": (b"\x89PNG\r\n\x1a\n", "PNG"),
    "jpg": (b"\xff\xd8\xff", "JPEG"),
    "jpeg": (b"\xff\xd8\xff", "JPEG"),
}
SCHEDULE_HORIZON = dt.timedelta(days=366)
TICK_ACTOR = "publicity_tick"

CONTENT_ACTIONS: dict[str, Any] = {
    "publicity.content.create": _("Publicity item drafted"),
    "publicity.content.edit": _("Publicity item edited (new revision)"),
    "publicity.content.rollback": _("Publicity item restored from an earlier revision"),
    "publicity.content.submit": _("Publicity item submitted for review"),
    "publicity.content.pass": _("Publicity item passed by the publicity team"),
    "publicity.content.return": _("Publicity item returned for changes"),
    "publicity.content.comment": _("Comment on a publicity item"),
    "publicity.content.approve": _("Publicity item approved for publication"),
    "publicity.content.publish": _("Publicity item published"),
    "publicity.content.withdraw": _("Publicity item withdrawn from the portal"),
    "publicity.letter.acknowledge": _("Open letter acknowledged by a supplier"),
}


@dataclass(frozen=True)
class ContentInput:
    """What an editor writes. ``cover`` is a new image (a file object with a name); ``remove_cover``
    drops the current one; neither keeps it."""

    title: str
    body: str
    summary: str = ""
    document_ids: list[int] = field(default_factory=list)
    channels: list[str] = field(default_factory=list)
    note: str = ""
    cover: IO[bytes] | None = None
    cover_name: str = ""
    remove_cover: bool = False


# --- checks ---------------------------------------------------------------------------------------


def reaches(actor: Any, perm: P, content: Content) -> bool:
    scope = user_scope(user=actor, perm=perm)
    return scope.everything or content.region_id in scope.region_ids or content.owner_id in scope.organization_ids


def _require(actor: Any, perm: P, content: Content) -> None:
    if not reaches(actor, perm, content):
        raise PermissionDenied


def _length_errors(code: ContentError, fld: str, text: str, limit: int, label: Any) -> list[ServiceError]:
    if len(text) <= limit:
        return []
    return [
        ServiceError(
            code,
            fld,
            _(
                "The {label} has {n} characters; at most {limit} are allowed. Shorten it: nothing is cut automatically."
            ),
            label=label,
            n=len(text),
            limit=limit,
        )
    ]


def _clean(data: ContentInput) -> ContentInput:
    """Trim surrounding blanks and unify line ends (never cut anything)."""
    return ContentInput(
        title=data.title.strip(),
        summary=data.summary.replace("\r\n", "\n").strip(),
        body=data.body.replace("\r\n", "\n").strip(),
        document_ids=sorted({int(i) for i in data.document_ids}),
        channels=list(dict.fromkeys(data.channels)),
        note=data.note.strip(),
        cover=data.cover,
        cover_name=data.cover_name,
        remove_cover=data.remove_cover,
    )


def _field_errors(data: ContentInput) -> list[ServiceError]:
    """What a draft may never hold: empty title or body, over-long text, unknown channels or documents."""
    errors: list[ServiceError] = []
    if not data.title:
        errors.append(ServiceError(ContentError.TITLE, "title", _("Give the item a title.")))
    errors += _length_errors(ContentError.TITLE, "title", data.title, TITLE_MAX, _("title"))
    if "\n" in data.title:
        errors.append(ServiceError(ContentError.TITLE, "title", _("The title must be a single line.")))
    errors += _length_errors(ContentError.SUMMARY, "summary", data.summary, SUMMARY_MAX, _("summary"))
    if not data.body:
        errors.append(ServiceError(ContentError.BODY, "body", _("Write the body of the item.")))
    errors += _length_errors(ContentError.BODY, "body", data.body, BODY_MAX, _("body"))
    errors += _length_errors(ContentError.NOTE, "note", data.note, NOTE_MAX, _("revision note"))
    unknown = [c for c in data.channels if c not in Channel.values]
    if unknown:
        errors.append(
            ServiceError(
                ContentError.CHANNELS, "channels", _("Unknown channel: {channels}."), channels=", ".join(unknown)
            )
        )
    if data.document_ids:
        found = set(PolicyDocument.objects.filter(pk__in=data.document_ids).values_list("pk", flat=True))
        missing = [str(i) for i in data.document_ids if i not in found]
        if missing:
            errors.append(
                ServiceError(
                    ContentError.DOCUMENTS,
                    "documents",
                    _("Policy document {ids} is not in the policy library."),
                    ids=", ".join(missing),
                )
            )
    return errors


def _cover_errors(stream: IO[bytes], name: str) -> tuple[str, list[ServiceError]]:
    """The cover's extension, or why it is refused: PNG or JPEG by content, at most 10 MB and 40 Mpx."""
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""

    def refuse(message: Any, **params: Any) -> tuple[str, list[ServiceError]]:
        return ext, [ServiceError(ContentError.COVER, "cover", message, **params)]

    if ext not in COVER_TYPES:
        return refuse(_("The cover must be a PNG or JPEG image (not .{ext})."), ext=ext or "?")
    magic, fmt = COVER_TYPES[ext]
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(0)
    head = stream.read(16)
    stream.seek(0)
    if size > COVER_MAX_BYTES:
        return refuse(
            _("The cover image is {size} MB; at most {limit} MB are allowed."),
            size=f"{size / 1024 / 1024:.1f}",
            limit=COVER_MAX_BYTES // 1024 // 1024,
        )
    if not head.startswith(magic):
        return refuse(_("The file is not a valid .{ext} image (its content does not match its type)."), ext=ext)
    try:
        with Image.open(stream) as image:
            width, height = image.size
            if width * height > COVER_MAX_PIXELS:
                return refuse(
                    _("The cover image is {w}×{h} pixels, too large; use at most 40 megapixels."), w=width, h=height
                )
            if image.format != fmt:
                raise UnidentifiedImageError
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return refuse(_("The file is not a valid .{ext} image (its content does not match its type)."), ext=ext)
    finally:
        stream.seek(0)
    return ext, []


def readiness_problems(content: Content) -> list[ServiceError]:
    """What stops the working copy from going to review or from being approved: an interpretation
    without its policy document, no channel, or a channel limit it breaks (``outbox.channel_problems``)."""
    errors: list[ServiceError] = []
    if content.kind == ContentKind.INTERPRETATION and not content.documents.exists():
        errors.append(
            ServiceError(
                ContentError.DOCUMENTS,
                "documents",
                _("A policy interpretation must link at least one policy document from the policy library."),
            )
        )
    if not content.channels:
        errors.append(ServiceError(ContentError.CHANNELS, "channels", _("Choose at least one channel to publish on.")))
    else:
        errors += outbox.channel_problems(
            kind=content.kind,
            title=content.title,
            summary=content.summary,
            body=content.body,
            cover=content.cover.name or None,
            channels=list(content.channels),
        )
    return errors


def _not_own(actor: Any, content: Content, code_field: str) -> None:
    """Nobody passes or approves a draft they wrote (the item's creator or the revision's author)."""
    revision = content.latest_revision
    authors = {content.created_by_id, revision.created_by_id if revision else None}
    if getattr(actor, "pk", None) in authors:
        raise ServiceError(
            ContentError.OWN_DRAFT,
            code_field,
            _("You wrote this item: another member of the team must review or approve it."),
        )


def _comment_text(text: str, *, required: bool) -> str:
    text = text.replace("\r\n", "\n").strip()
    if required and not text:
        raise ServiceError(ContentError.COMMENT_REQUIRED, "comment", _("Write a comment saying what must change."))
    raise_if_any(_length_errors(ContentError.COMMENT, "comment", text, COMMENT_MAX, _("comment")))
    return text


# --- helpers --------------------------------------------------------------------------------------


def _lock(content: Content) -> Content:
    return (
        Content.objects.select_for_update(of=("self",))
        .select_related("latest_revision", "live_revision", "region")
        .get(pk=content.pk)
    )


def _state(content: Content) -> dict[str, Any]:
    return snapshot(content, ["status", "publish_at", "latest_revision", "live_revision", "published_at"])


def _text_digest(revision: ContentRevision) -> str:
    text = "\x1f".join([revision.title, revision.summary, revision.body, revision.cover])
    return hashlib.sha256(text.encode()).hexdigest()


def _link(content: Content) -> str:
    return reverse("publicity:office_item", args=[content.pk])


def _notify(users: Iterable[Any], *, subject: str, body: str, content: Content, at: dt.datetime, actor: Any) -> None:
    seen: set[int] = set()
    link = _link(content)
    for user in users:
        if user is None or user.pk in seen or user.pk == getattr(actor, "pk", None) or not user.is_active:
            continue
        seen.add(user.pk)
        notification_queue(recipient=user, subject=subject, body=body, link=link, at=at)


def _region_ids(content: Content) -> list[int]:
    region = content.region
    return [region.pk, *([region.parent_id] if region.parent_id else [])]


def _authors(content: Content) -> list[Any]:
    revision = content.latest_revision
    return [content.created_by, *([revision.created_by] if revision else [])]


def _set_status(content: Content, target: str) -> None:
    check_transition(CONTENT_TRANSITIONS, content.status, target, labels=ContentStatus)
    content.status = target
    if target == S.DRAFT:
        content.publish_at = None


def _new_revision(
    content: Content, *, actor: Any, at: dt.datetime, note: str, restored_from: ContentRevision | None = None
) -> ContentRevision:
    number = (content.latest_revision.number if content.latest_revision else 0) + 1
    revision = ContentRevision.objects.create(
        content=content,
        number=number,
        title=content.title,
        summary=content.summary,
        body=content.body,
        cover=content.cover.name or "",
        document_ids=sorted(content.documents.values_list("pk", flat=True)),
        channels=list(content.channels),
        note=note,
        restored_from=restored_from,
        created_by=actor,
        created_at=at,
    )
    content.latest_revision = revision
    return revision


def _same_as(revision: ContentRevision | None, data: ContentInput, channels: list[str]) -> bool:
    if revision is None or data.cover is not None or (data.remove_cover and revision.cover):
        return False
    return (
        revision.title == data.title
        and revision.summary == data.summary
        and revision.body == data.body
        and sorted(revision.document_ids) == data.document_ids
        and list(revision.channels) == channels
    )


def _channels_for(kind: str, chosen: list[str]) -> list[str]:
    """The open letter to suppliers goes out on every channel; other kinds where the editor chose."""
    if kind == ContentKind.OPEN_LETTER:
        return list(Channel.values)
    return [c for c in Channel.values if c in chosen]  # the table's order, whatever order they came in


def _apply(content: Content, data: ContentInput, channels: list[str]) -> str | None:
    """Copy the input onto the working copy; returns the storage name of a newly stored cover."""
    content.title, content.summary, content.body = data.title, data.summary, data.body
    content.channels = channels
    stored = None
    if data.cover is not None:
        ext, errors = _cover_errors(data.cover, data.cover_name)
        raise_if_any(errors)
        content.cover.save(f"cover.{ext}", File(data.cover), save=False)
        stored = content.cover.name
    elif data.remove_cover:
        content.cover = ""  # the file stays: earlier revisions refer to it
    return stored


def _discard(stored: str | None) -> None:
    if stored:
        from django.core.files.storage import default_storage

        default_storage.delete(stored)


def editor_organizations(*, user: Any) -> list[Organization]:
    """The bureaus the user drafts for (memberships whose role may edit publicity)."""
    seen: dict[int, Organization] = {}
    for m in user_memberships(user=user):
        if role_allows(m.role, P.PUBLICITY_EDIT):
            seen.setdefault(m.organization_id, m.organization)
    return list(seen.values())


# --- drafts and revisions -------------------------------------------------------------------------


@transaction.atomic
def content_create(*, kind: str, owner: Organization, data: ContentInput, actor: Any, at: dt.datetime) -> Content:
    """A new draft for the editor's own bureau and its region, saved as revision 1."""
    if owner.pk not in {o.pk for o in editor_organizations(user=actor)}:
        raise PermissionDenied
    if kind not in ContentKind.values:
        raise ServiceError(ContentError.KIND, "kind", _("Choose the type of item."))
    data = _clean(data)
    raise_if_any(_field_errors(data))
    content = Content(
        kind=kind,
        region_id=owner.region_id,
        owner=owner,
        status=S.DRAFT,
        created_by=actor,
        created_at=at,
        updated_at=at,
    )
    stored = _apply(content, data, _channels_for(kind, data.channels))
    try:
        content.full_clean(exclude=["cover", "channels", "latest_revision", "live_revision"])
        content.save()
        content.documents.set(data.document_ids)
        revision = _new_revision(content, actor=actor, at=at, note=data.note)
        content.save(update_fields=["latest_revision"])
        audit_record(
            actor=actor,
            action="publicity.content.create",
            obj=content,
            after={**snapshot(content), "revision": revision.number, "text_sha256": _text_digest(revision)},
            at=at,
        )
    except Exception:
        _discard(stored)
        raise
    return content


@transaction.atomic
def content_update(
    *, content: Content, data: ContentInput, actor: Any, at: dt.datetime, base_revision: int | None = None
) -> Content:
    """Save an edit as a new revision. An item past the draft stage (in review, approved, published,
    withdrawn) goes back to draft and through the workflow again; the portal keeps its live revision.

    ``base_revision`` is the revision the editor started from: if someone saved another one meanwhile,
    the edit is refused (409) instead of silently overwriting theirs."""
    content = _lock(content)
    _require(actor, P.PUBLICITY_EDIT, content)
    latest = content.latest_revision
    if base_revision is not None and latest is not None and latest.number != base_revision:
        raise ConflictError(
            ContentError.STALE,
            None,
            _(
                "{user} saved revision {number} of this item at {time} while you were editing. Your text is "
                "kept below: compare it with the history, then save again to make it the next revision."
            ),
            user=latest.created_by,
            number=latest.number,
            time=timezone.localtime(latest.created_at).strftime("%Y-%m-%d %H:%M"),
        )
    data = _clean(data)
    raise_if_any(_field_errors(data))
    channels = _channels_for(content.kind, data.channels)
    if content.status == S.DRAFT and _same_as(latest, data, channels):
        raise ServiceError(
            ContentError.UNCHANGED,
            None,
            _("Nothing has changed since revision {number}: nothing was saved."),
            number=latest.number if latest else 0,
        )
    before = _state(content)
    if content.status != S.DRAFT:
        _set_status(content, S.DRAFT)
    stored = _apply(content, data, channels)
    try:
        content.updated_at = at
        content.save()
        content.documents.set(data.document_ids)
        revision = _new_revision(content, actor=actor, at=at, note=data.note)
        content.save(update_fields=["latest_revision"])
        audit_record(
            actor=actor,
            action="publicity.content.edit",
            obj=content,
            before=before,
            after={**_state(content), "revision": revision.number, "text_sha256": _text_digest(revision)},
            at=at,
        )
    except Exception:
        _discard(stored)
        raise
    _tell_queue_it_left(content, before["status"], actor=actor, at=at)
    return content


def _tell_queue_it_left(content: Content, status: str, *, actor: Any, at: dt.datetime) -> None:
    """An edit took an item out of the publicity team's or the leaders' queue (or off its schedule): those
    who were to act on it are told, so nobody reviews or approves a text that is no longer the one proposed."""
    role = {S.IN_REVIEW: Role.PUBLICITY_REVIEWER, S.IN_APPROVAL: Role.BUREAU_LEADER, S.SCHEDULED: Role.BUREAU_LEADER}
    if status not in role:
        return
    _notify(
        users_with_bureau_role(role=role[S(status)], region_ids=_region_ids(content)),
        subject=gettext("Back to draft after an edit: {title}").format(title=content.title),
        body=gettext(
            "{who} edited this item; it left your queue and will come back when it is submitted again."
        ).format(who=actor),
        content=content,
        at=at,
        actor=actor,
    )


@transaction.atomic
def content_rollback(
    *, content: Content, revision: ContentRevision, actor: Any, at: dt.datetime, note: str = ""
) -> Content:
    """Make a new revision from an earlier one (``restored_from``) and put the item back to draft;
    nothing is overwritten and the restored text goes through the workflow again."""
    content = _lock(content)
    _require(actor, P.PUBLICITY_EDIT, content)
    if revision.content_id != content.pk:
        raise ServiceError(ContentError.REVISION, "revision", _("That revision belongs to another item."))
    note = note.strip()
    raise_if_any(_length_errors(ContentError.NOTE, "note", note, NOTE_MAX, _("revision note")))
    data = ContentInput(
        title=revision.title,
        summary=revision.summary,
        body=revision.body,
        document_ids=sorted(revision.document_ids),
        channels=list(revision.channels),
    )
    latest = content.latest_revision
    unchanged = latest is not None and latest.cover == revision.cover and _same_as(latest, data, data.channels)
    if content.status == S.DRAFT and unchanged:
        raise ServiceError(
            ContentError.UNCHANGED,
            "revision",
            _("The draft already has the text of revision {number}: nothing was saved."),
            number=revision.number,
        )
    before = _state(content)
    if content.status != S.DRAFT:
        _set_status(content, S.DRAFT)
    content.title, content.summary, content.body = revision.title, revision.summary, revision.body
    content.cover = revision.cover  # the stored file of that revision
    content.channels = list(revision.channels)
    content.updated_at = at
    content.save()
    content.documents.set(data.document_ids)
    new = _new_revision(content, actor=actor, at=at, note=note, restored_from=revision)
    content.save(update_fields=["latest_revision"])
    audit_record(
        actor=actor,
        action="publicity.content.rollback",
        obj=content,
        before=before,
        after={
            **_state(content),
            "revision": new.number,
            "restored_from": revision.number,
            "text_sha256": _text_digest(new),
        },
        at=at,
    )
    return content


# --- the workflow ---------------------------------------------------------------------------------


@transaction.atomic
def content_submit(*, content: Content, actor: Any, at: dt.datetime) -> Content:
    """Draft → in review, once the item is complete for its kind and its channels; the publicity team
    is notified."""
    content = _lock(content)
    _require(actor, P.PUBLICITY_EDIT, content)
    check_transition(CONTENT_TRANSITIONS, content.status, S.IN_REVIEW, labels=ContentStatus)
    raise_if_any(readiness_problems(content))
    before = _state(content)
    _set_status(content, S.IN_REVIEW)
    content.updated_at = at
    content.save(update_fields=["status", "publish_at", "updated_at"])
    audit_record(
        actor=actor, action="publicity.content.submit", obj=content, before=before, after=_state(content), at=at
    )
    reviewers = users_with_bureau_role(role=Role.PUBLICITY_REVIEWER, region_ids=_region_ids(content))
    _notify(
        reviewers,
        subject=gettext("To review: {title}").format(title=content.title),
        body=gettext("{region}: a {kind} was submitted for review by the publicity team.").format(
            region=content.region.name, kind=content.get_kind_display()
        ),
        content=content,
        at=at,
        actor=actor,
    )
    return content


def _record_comment(
    content: Content,
    *,
    stage: str,
    decision: str,
    text: str,
    actor: Any,
    at: dt.datetime,
    revision: ContentRevision | None = None,
) -> ReviewComment:
    target = revision or content.latest_revision
    if target is None:  # every item has revision 1 from its creation
        raise RuntimeError(f"publicity item {content.pk} has no revision")
    return ReviewComment.objects.create(
        content=content,
        revision=target,
        stage=stage,
        decision=decision,
        text=text,
        author=actor,
        created_at=at,
    )


@transaction.atomic
def content_pass(*, content: Content, actor: Any, at: dt.datetime, comment: str = "") -> Content:
    """The publicity team passes the item to the leaders (in review → in approval)."""
    content = _lock(content)
    _require(actor, P.PUBLICITY_REVIEW, content)
    check_transition(CONTENT_TRANSITIONS, content.status, S.IN_APPROVAL, labels=ContentStatus)
    _not_own(actor, content, "comment")
    text = _comment_text(comment, required=False)
    before = _state(content)
    _set_status(content, S.IN_APPROVAL)
    content.updated_at = at
    content.save(update_fields=["status", "publish_at", "updated_at"])
    note = _record_comment(
        content, stage=ReviewStage.REVIEW, decision=ReviewDecision.PASS, text=text, actor=actor, at=at
    )
    audit_record(
        actor=actor,
        action="publicity.content.pass",
        obj=content,
        before=before,
        after={**_state(content), "comment": note.pk},
        at=at,
    )
    leaders = users_with_bureau_role(role=Role.BUREAU_LEADER, region_ids=_region_ids(content))
    _notify(
        leaders,
        subject=gettext("To approve: {title}").format(title=content.title),
        body=gettext("The publicity team passed this item; it waits for your approval and publication time."),
        content=content,
        at=at,
        actor=actor,
    )
    return content


@transaction.atomic
def content_return(*, content: Content, stage: str, comment: str, actor: Any, at: dt.datetime) -> Content:
    """Send the item back to draft with a comment: the publicity team from review, a leader from approval
    (also an approved item not yet published, which cancels its schedule)."""
    content = _lock(content)
    if stage == ReviewStage.REVIEW:
        _require(actor, P.PUBLICITY_REVIEW, content)
        allowed = {S.IN_REVIEW}
    else:
        _require(actor, P.PUBLICITY_APPROVE, content)
        allowed = {S.IN_APPROVAL, S.SCHEDULED}
    if content.status not in allowed:
        check_transition({}, content.status, S.DRAFT, labels=ContentStatus)  # the standard refusal
    text = _comment_text(comment, required=True)
    before = _state(content)
    _set_status(content, S.DRAFT)
    content.updated_at = at
    content.save(update_fields=["status", "publish_at", "updated_at"])
    note = _record_comment(content, stage=stage, decision=ReviewDecision.RETURN, text=text, actor=actor, at=at)
    audit_record(
        actor=actor,
        action="publicity.content.return",
        obj=content,
        before=before,
        after={**_state(content), "stage": stage, "comment": note.pk},
        at=at,
    )
    _notify(
        _authors(content),
        subject=gettext("Returned for changes: {title}").format(title=content.title),
        body=gettext("{who} returned your item: {comment}").format(who=actor, comment=text),
        content=content,
        at=at,
        actor=actor,
    )
    return content


@transaction.atomic
def content_comment(*, content: Content, stage: str, text: str, actor: Any, at: dt.datetime) -> ReviewComment:
    """A reviewer's or leader's comment on the revision in front of them, without a decision."""
    content = _lock(content)
    if stage == ReviewStage.REVIEW:
        _require(actor, P.PUBLICITY_REVIEW, content)
        open_states = {S.IN_REVIEW}
    else:
        _require(actor, P.PUBLICITY_APPROVE, content)
        open_states = {S.IN_APPROVAL, S.SCHEDULED}
    if content.status not in open_states:
        raise ServiceError(
            ContentError.STAGE,
            "comment",
            _("Comments at this stage are made while the item is {status}; it is now {current}."),
            status=ContentStatus(sorted(open_states)[0]).label,
            current=content.get_status_display(),
        )
    body = _comment_text(text, required=True)
    note = _record_comment(content, stage=stage, decision=ReviewDecision.COMMENT, text=body, actor=actor, at=at)
    audit_record(
        actor=actor,
        action="publicity.content.comment",
        obj=content,
        after={"comment": note.pk, "stage": stage, "revision": content.latest_revision_id, "text": body},
        at=at,
    )
    _notify(
        _authors(content),
        subject=gettext("Comment on {title}").format(title=content.title),
        body=gettext("{who}: {comment}").format(who=actor, comment=body),
        content=content,
        at=at,
        actor=actor,
    )
    return note


@transaction.atomic
def content_approve(
    *, content: Content, actor: Any, at: dt.datetime, publish_at: dt.datetime | None = None, comment: str = ""
) -> Content:
    """A leader approves and sets the publication time: none (or this minute) publishes at once, a later
    time schedules it for the tick, a time already past is refused."""
    content = _lock(content)
    _require(actor, P.PUBLICITY_APPROVE, content)
    check_transition(CONTENT_TRANSITIONS, content.status, S.SCHEDULED, labels=ContentStatus)
    _not_own(actor, content, "comment")
    this_minute = at.replace(second=0, microsecond=0)
    if publish_at is not None and publish_at < this_minute:
        raise ServiceError(
            ContentError.PUBLISH_AT,
            "publish_at",
            _(
                "The publication time {time} has already passed; choose a later time, or leave it empty to publish now."
            ),
            time=timezone.localtime(publish_at).strftime("%Y-%m-%d %H:%M"),
        )
    if publish_at is not None and publish_at > at + SCHEDULE_HORIZON:
        raise ServiceError(
            ContentError.PUBLISH_AT,
            "publish_at",
            _("The publication time {time} is more than a year ahead; check the date."),
            time=timezone.localtime(publish_at).strftime("%Y-%m-%d %H:%M"),
        )
    text = _comment_text(comment, required=False)
    raise_if_any(readiness_problems(content))
    now = publish_at is None or publish_at <= at
    before = _state(content)
    _set_status(content, S.SCHEDULED)
    content.publish_at = at if now else publish_at
    content.updated_at = at
    content.save(update_fields=["status", "publish_at", "updated_at"])
    note = _record_comment(
        content, stage=ReviewStage.APPROVAL, decision=ReviewDecision.PASS, text=text, actor=actor, at=at
    )
    audit_record(
        actor=actor,
        action="publicity.content.approve",
        obj=content,
        before=before,
        after={**_state(content), "comment": note.pk},
        at=at,
    )
    if now:
        _publish(content, actor=actor, at=at)
    else:
        when = timezone.localtime(content.publish_at).strftime("%Y-%m-%d %H:%M")
        _notify(
            _authors(content),
            subject=gettext("Approved, to be published {time}: {title}").format(time=when, title=content.title),
            body=gettext("{who} approved your item; it will be published at {time}.").format(who=actor, time=when),
            content=content,
            at=at,
            actor=actor,
        )
    return content


def _publish(content: Content, *, actor: Any, at: dt.datetime) -> None:
    """Scheduled → published: the latest revision becomes the live one and goes to its channels."""
    before = _state(content)
    _set_status(content, S.PUBLISHED)
    revision = content.latest_revision
    if revision is None:  # every item has revision 1 from its creation
        raise RuntimeError(f"publicity item {content.pk} has no revision")
    content.live_revision = revision
    content.published_at = at
    content.first_published_at = content.first_published_at or at
    content.updated_at = at
    content.save(update_fields=["status", "live_revision", "published_at", "first_published_at", "updated_at"])
    audit_record(
        actor=actor,
        action="publicity.content.publish",
        obj=content,
        before=before,
        after={**_state(content), "revision": revision.number, "text_sha256": _text_digest(revision)},
        at=at,
    )
    outbox.posts_enqueue(content=content, revision=revision, at=at)
    _notify(
        _authors(content),
        subject=gettext("Published: {title}").format(title=content.title),
        body=gettext(
            "Revision {number} of your item is now public on the portal and goes out on its channels."
        ).format(number=revision.number),
        content=content,
        at=at,
        actor=actor,
    )


@dataclass
class DueResult:
    published: list[int] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)


def content_publish_due(*, at: dt.datetime) -> DueResult:
    """Publish every approved item whose time has come, each in its own transaction (one failure does not
    hold the others back; it stays scheduled and is tried again at the next tick). Idempotent."""
    result = DueResult()
    due = list(
        Content.objects.filter(status=S.SCHEDULED, publish_at__lte=at)
        .order_by("publish_at", "id")
        .values_list("pk", flat=True)
    )
    for pk in due:
        try:
            with transaction.atomic():
                content = _lock(Content(pk=pk))
                if content.status != S.SCHEDULED or content.publish_at is None or content.publish_at > at:
                    continue  # approved again, returned or published meanwhile
                _publish(content, actor=TICK_ACTOR, at=at)
        except Exception as exc:  # reported and retried at the next tick
            logger.exception("publishing publicity item %s failed", pk)
            result.failed[pk] = f"{type(exc).__name__}: {exc}"[:500]
        else:
            result.published.append(pk)
    return result


@transaction.atomic
def content_withdraw(*, content: Content, reason: str, actor: Any, at: dt.datetime) -> Content:
    """A leader takes the live revision off the portal (with the reason). A published item becomes
    withdrawn; an item whose next revision is in the workflow keeps its place there and has no live
    text until that revision is published."""
    content = _lock(content)
    _require(actor, P.PUBLICITY_APPROVE, content)
    live = content.live_revision
    if live is None:
        raise ServiceError(ContentError.NOT_LIVE, "reason", _("This item is not on the portal."))
    text = _comment_text(reason, required=True)
    before = _state(content)
    if content.status == S.PUBLISHED:
        _set_status(content, S.WITHDRAWN)
    content.live_revision = None
    content.updated_at = at
    content.save(update_fields=["status", "live_revision", "updated_at"])
    note = _record_comment(
        content,
        stage=ReviewStage.APPROVAL,
        decision=ReviewDecision.COMMENT,
        text=text,
        actor=actor,
        at=at,
        revision=live,
    )
    audit_record(
        actor=actor,
        action="publicity.content.withdraw",
        obj=content,
        before=before,
        after={**_state(content), "reason": text, "comment": note.pk},
        at=at,
    )
    still_out = outbox.posts_stop_for_withdrawal(content=content, revision=live, actor=actor, at=at)
    body = gettext("{who} withdrew your item: {reason}").format(who=actor, reason=text)
    if still_out:
        body += "\n" + gettext("Take it down by hand where it was already posted: {posts}").format(
            posts=", ".join(still_out)
        )
    _notify(
        _authors(content),
        subject=gettext("Withdrawn from the portal: {title}").format(title=content.title),
        body=body,
        content=content,
        at=at,
        actor=actor,
    )
    return content


# --- the open letter to suppliers -----------------------------------------------------------------


def letter_acknowledge(
    *, content: Content, supplier: Organization, actor: Any, at: dt.datetime
) -> LetterAcknowledgement:
    """A supplier's staff member acknowledges a published open letter, once per supplier and letter."""
    if not scope_reaches(user=actor, perm=P.OPEN_LETTER_ACK, organization=supplier):
        raise PermissionDenied
    if supplier.kind != "supplier":
        raise ServiceError(
            ContentError.NOT_A_SUPPLIER, None, _("Only suppliers acknowledge the open letter to suppliers.")
        )
    if content.kind != ContentKind.OPEN_LETTER:
        raise ServiceError(ContentError.NOT_A_LETTER, None, _("This item is not an open letter to suppliers."))
    if content.live_revision_id is None:
        raise ServiceError(ContentError.NOT_LIVE, None, _("This letter is not published."))
    try:
        with transaction.atomic():
            ack = LetterAcknowledgement.objects.create(content=content, supplier=supplier, user=actor, at=at)
            audit_record(
                actor=actor,
                action="publicity.letter.acknowledge",
                obj=ack,
                after={**snapshot(ack), "revision": content.live_revision_id},
                at=at,
            )
    except IntegrityError:
        existing = LetterAcknowledgement.objects.select_related("user").get(content=content, supplier=supplier)
        raise ConflictError(
            ContentError.ALREADY_ACKNOWLEDGED,
            None,
            _("{supplier} already acknowledged this letter on {date} ({user}). Thank you, nothing more is needed."),
            supplier=supplier.name,
            date=timezone.localtime(existing.at).strftime("%Y-%m-%d"),
            user=existing.user,
        ) from None
    return ack
