"""Writes of the service desk's requests: submit, reply, internal note, the requester's additions,
attachments, reassignment, resolution, reopening, rating, withdrawal.

Each checks who may act (the requesting organization's staff with SERVICE_REQUEST; the bureau's people with
SERVICE_HANDLE whose scope reaches the request's region), then the rules (rules.py), locks the request,
writes, records the audit event and queues notifications, all in one transaction. The tick's writes
(escalation, closing, digests) are in tick.py.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import IO, Any

from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from zhengcai.accounts.models import Membership
from zhengcai.accounts.selectors import membership_scope, user_memberships, user_scope, users_with_bureau_role
from zhengcai.core import calendar
from zhengcai.core.audit import audit_record, snapshot
from zhengcai.core.errors import ByLanguage, ServiceError, raise_if_any
from zhengcai.core.fsm import check_transition
from zhengcai.core.notifications import notification_queue
from zhengcai.core.permissions import P, Role, role_allows
from zhengcai.organizations.models import Organization, Region
from zhengcai.procurement import selectors as procurement_selectors

from . import routing, rules, selectors
from .errors import DeskError
from .models import (
    OPEN_STATUSES,
    Category,
    MessageKind,
    RequestAttachment,
    RequestMessage,
    RequestStatus,
    RouteReason,
    ServiceRequest,
)

AUDIT_ACTIONS: dict[str, Any] = {
    "service.request.submit": _("Service request submitted"),
    "service.request.reply": _("Service request answered"),
    "service.request.note": _("Internal note on a service request"),
    "service.request.comment": _("Information added to a service request by the requester"),
    "service.request.reassign": _("Service request reassigned"),
    "service.request.escalate": _("Overdue service request escalated"),
    "service.request.resolve": _("Service request resolved"),
    "service.request.reopen": _("Service request reopened"),
    "service.request.rate": _("Service request rated"),
    "service.request.close": _("Service request closed"),
    "service.request.withdraw": _("Service request withdrawn"),
    "service.digest.send": _("Daily service desk digest sent"),
}

# extension → (content type, accepted leading bytes, a member an Office zip container must hold)
ATTACHMENT_TYPES: dict[str, tuple[str, tuple[bytes, ...], str]] = {
    "pdf": ("application/pdf", (b"%PDF-",), ""),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",), ""),
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",), ""),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",), ""),
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
    "ofd": ("application/ofd", (b"PK\x03\x04",), "OFD.xml"),
}
ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class Upload:
    """A file to attach: a binary stream and the name it had on the sender's computer."""

    stream: IO[bytes]
    filename: str


@dataclass(frozen=True)
class RequestInput:
    category: str
    subject: str
    description: str
    tender: str = ""  # project number of a tender the organization bid in, bought or ran
    contract: str = ""  # project number of a contract the organization is party to
    payment_id: int | None = None


# --- who may act ------------------------------------------------------------------------------------------


def requester_organizations(*, user: Any) -> list[Organization]:
    """The organizations the user files requests for (memberships whose role grants SERVICE_REQUEST)."""
    seen: dict[int, Organization] = {}
    for membership in user_memberships(user=user):
        if role_allows(membership.role, P.SERVICE_REQUEST):
            seen.setdefault(membership.organization_id, membership.organization)
    return list(seen.values())


def is_requester(user: Any, request: ServiceRequest) -> bool:
    return any(org.pk == request.organization_id for org in requester_organizations(user=user))


def handler_reaches(user: Any, region_id: int) -> bool:
    """SERVICE_HANDLE held in a bureau whose scope reaches the region (the city bureau reaches every county)."""
    scope = user_scope(user=user, perm=P.SERVICE_HANDLE)
    return scope.everything or region_id in scope.region_ids


def _require_requester(actor: Any, request: ServiceRequest) -> None:
    if not is_requester(actor, request):
        raise PermissionDenied


def _require_handler(actor: Any, request: ServiceRequest) -> None:
    if not handler_reaches(actor, request.region_id):
        raise PermissionDenied


# --- texts ------------------------------------------------------------------------------------------------


def _text_error(field: str, value: str, limit: int, code: str, *, label: Any) -> ServiceError | None:
    text = (value or "").strip()
    if not text:
        return ServiceError(code, field, _("{label} is required."), label=label)
    if len(text) > limit:
        return ServiceError(
            code,
            field,
            _("{label}: {length} characters; at most {limit} are allowed. Shorten it (nothing is cut off for you)."),
            label=label,
            length=len(text),
            limit=limit,
        )
    return None


def _check_text(field: str, value: str, limit: int, *, label: Any, code: str = DeskError.TEXT) -> str:
    error = _text_error(field, value, limit, code, label=label)
    if error is not None:
        raise error
    return value.strip()


def _both(message: Any, **params: Any) -> tuple[str, str]:
    """The message in Chinese and in English (notifications carry both: Chinese first)."""
    out = []
    for language in ("zh-hans", "en"):
        with translation.override(language):
            out.append(str(message).format(**{k: str(v) for k, v in params.items()}))
    return out[0], out[1]


def both_text(message: Any, **params: Any) -> str:
    """A text the platform writes into a request's timeline: Chinese, then English on the next line."""
    zh, en = _both(message, **params)
    return f"{zh}\n{en}"


def notify(
    users: Iterable[Any],
    *,
    subject: Any,
    body: Any,
    link: str,
    at: dt.datetime,
    actor: Any = None,
    tail: str = "",
    **params: Any,
) -> int:
    """One notification per distinct active person (not the actor), Chinese first then English; ``tail``
    (data, the same in both languages) after both."""
    subject_zh, subject_en = _both(subject, **params)
    body_zh, body_en = _both(body, **params)
    text = f"{body_zh}\n\n{body_en}" + (f"\n\n{tail}" if tail else "")
    sent: set[int] = set()
    for user in users:
        if user is None or user.pk in sent or user.pk == getattr(actor, "pk", None) or not user.is_active:
            continue
        sent.add(user.pk)
        notification_queue(recipient=user, subject=f"{subject_zh} / {subject_en}", body=text, link=link, at=at)
    return len(sent)


def requester_link(request: ServiceRequest) -> str:
    return reverse("service:my_request", args=[request.pk])


def desk_link(request: ServiceRequest) -> str:
    return reverse("service:desk_request", args=[request.pk])


def bureau_managers(region_id: int) -> list[Any]:
    """Who assigns a request nobody was routed to: the bureau administrators of the region and the city."""
    region = Region.objects.get(pk=region_id)
    regions = [region.pk, *([region.parent_id] if region.parent_id else [])]
    return users_with_bureau_role(role=Role.BUREAU_ADMIN, region_ids=regions)


# --- attachments ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Checked:
    upload: Upload
    name: str
    ext: str
    size: int
    sha256: str


def _inspect(upload: Upload) -> _Checked:
    base = (upload.filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    ext = base.rsplit(".", 1)[-1].lower() if "." in base else ""
    if ext not in ATTACHMENT_TYPES:
        raise ServiceError(
            DeskError.ATTACHMENT_TYPE,
            "attachments",
            _(
                "{name}: files of type .{ext} are not accepted; attach PDF, OFD, Word (.docx), Excel (.xlsx), PNG or JPEG."
            ),
            name=base or "?",
            ext=ext or "?",
        )
    name_limit = RequestAttachment._meta.get_field("name").max_length or 120
    if len(base) > name_limit or any(ord(c) < 32 for c in base):
        raise ServiceError(
            DeskError.ATTACHMENT_NAME,
            "attachments",
            _("{name}: the file name is longer than {limit} characters or holds control characters; rename it."),
            name=base[:40],
            limit=name_limit,
        )
    sha = hashlib.sha256()
    size = 0
    head = b""
    stream = upload.stream
    stream.seek(0)
    for chunk in iter(lambda: stream.read(1024 * 1024), b""):
        if not head:
            head = chunk[:16]
        sha.update(chunk)
        size += len(chunk)
        if size > ATTACHMENT_MAX_BYTES:
            raise ServiceError(
                DeskError.ATTACHMENT_SIZE, "attachments", _("{name}: the file is larger than 10 MB."), name=base
            )
    stream.seek(0)
    if size == 0:
        raise ServiceError(DeskError.ATTACHMENT_EMPTY, "attachments", _("{name}: the file is empty."), name=base)
    _type, magics, member = ATTACHMENT_TYPES[ext]
    ok = any(head.startswith(m) for m in magics)
    if ok and member:
        try:
            with zipfile.ZipFile(stream) as archive:
                ok = member in archive.namelist()
        except (zipfile.BadZipFile, OSError):
            ok = False
        finally:
            stream.seek(0)
    if not ok:
        raise ServiceError(
            DeskError.ATTACHMENT_MALFORMED,
            "attachments",
            _("{name}: the content is not a valid .{ext} file."),
            name=base,
            ext=ext,
        )
    return _Checked(upload=upload, name=base, ext=ext, size=size, sha256=sha.hexdigest())


def check_uploads(files: Sequence[Upload]) -> list[_Checked]:
    """Every file checked (type by content, size, name) before anything is written."""
    if len(files) > rules.ATTACHMENTS_MAX:
        raise ServiceError(
            DeskError.ATTACHMENT_COUNT,
            "attachments",
            _("At most {limit} files at a time ({count} chosen)."),
            limit=rules.ATTACHMENTS_MAX,
            count=len(files),
        )
    return [_inspect(f) for f in files]


def _store(
    checked: list[_Checked],
    *,
    request: ServiceRequest,
    message: RequestMessage | None,
    internal: bool,
    actor: Any,
    at: dt.datetime,
) -> list[RequestAttachment]:
    """Save the checked files and their rows. Called last in the caller's transaction: a file whose row
    cannot be written is deleted again, so no file is left without its row."""
    saved: list[RequestAttachment] = []
    try:
        for item in checked:
            attachment = RequestAttachment(
                request=request,
                message=message,
                internal=internal,
                name=item.name,
                content_type=ATTACHMENT_TYPES[item.ext][0],
                size=item.size,
                sha256=item.sha256,
                uploaded_by=actor,
                uploaded_at=at,
            )
            attachment.file.save(f"upload.{item.ext}", File(item.upload.stream), save=False)
            saved.append(attachment)
            attachment.save()
    except Exception:
        for attachment in saved:
            attachment.file.delete(save=False)
        raise
    return saved


# --- submit -----------------------------------------------------------------------------------------------


def _links(organization: Organization, data: RequestInput) -> tuple[Any, Any, Any, list[ServiceError]]:
    """SVC-LINK: at most one link, and only to the organization's own tenders, contracts and payments."""
    tender = contract = payment = None
    errors: list[ServiceError] = []
    tender_ref, contract_ref = (data.tender or "").strip(), (data.contract or "").strip()
    given = [x for x in (tender_ref, contract_ref, data.payment_id) if x]
    if len(given) > 1:
        errors.append(
            ServiceError(
                DeskError.LINK_ONE,
                "contract",
                _("Link one tender, contract or payment at most; file a separate request for each."),
            )
        )
        return None, None, None, errors
    if tender_ref:
        tender = procurement_selectors.tenders_of(organization=organization).filter(project__number=tender_ref).first()
        if tender is None:
            errors.append(
                ServiceError(
                    DeskError.LINK_NOT_YOURS,
                    "tender",
                    _(
                        "Tender {number} is not one your organization bid in, bought or ran: a request may link only "
                        "your own tenders, contracts and payments."
                    ),
                    number=tender_ref,
                )
            )
    if contract_ref:
        contract = (
            procurement_selectors.contracts_of(organization=organization).filter(project__number=contract_ref).first()
        )
        if contract is None:
            errors.append(
                ServiceError(
                    DeskError.LINK_NOT_YOURS,
                    "contract",
                    _(
                        "Contract {number} is not one of your organization's contracts: a request may link only your "
                        "own tenders, contracts and payments."
                    ),
                    number=contract_ref,
                )
            )
    if data.payment_id:
        payment = procurement_selectors.payments_of(organization=organization).filter(pk=data.payment_id).first()
        if payment is None:
            errors.append(
                ServiceError(
                    DeskError.LINK_NOT_YOURS,
                    "payment_id",
                    _(
                        "Payment {id} is not a payment under your organization's contracts: a request may link only "
                        "your own tenders, contracts and payments."
                    ),
                    id=data.payment_id,
                )
            )
    return tender, contract, payment, errors


def _category_link_error(category: str, tender: Any, contract: Any, payment: Any) -> ServiceError | None:
    if category == Category.SECURITY_REFUND and tender is None and contract is None:
        return ServiceError(
            DeskError.LINK_REQUIRED,
            "tender",
            _("A security refund request names its tender (or contract) by project number."),
        )
    if category == Category.PAYMENT_DELAY and contract is None and payment is None:
        return ServiceError(
            DeskError.LINK_REQUIRED,
            "contract",
            _("A payment delay request names its contract by project number (or the payment)."),
        )
    return None


def _category_names() -> ByLanguage:
    with translation.override("zh-hans"):
        zh = "、".join(str(label) for label in Category.labels)
    with translation.override("en"):
        en = ", ".join(str(label) for label in Category.labels)
    return ByLanguage(zh, en)


def request_submit(
    *,
    organization: Organization,
    data: RequestInput,
    actor: Any,
    at: dt.datetime,
    files: Sequence[Upload] = (),
) -> ServiceRequest:
    """File a request for the organization; it is routed at once (SVC-ROUTE) and its due times set (SVC-SLA)."""
    if not any(org.pk == organization.pk for org in requester_organizations(user=actor)):
        raise PermissionDenied
    errors: list[ServiceError] = []
    if data.category not in Category.values:
        errors.append(
            ServiceError(
                DeskError.CATEGORY,
                "category",
                _("Choose a category: {choices}."),
                choices=_category_names(),
            )
        )
    for field, value, limit, code, label in (
        ("subject", data.subject, rules.SUBJECT_MAX, DeskError.SUBJECT, _("Subject")),
        ("description", data.description, rules.TEXT_MAX, DeskError.DESCRIPTION, _("Description")),
    ):
        if err := _text_error(field, value, limit, code, label=label):
            errors.append(err)
    tender, contract, payment, link_errors = _links(organization, data)
    errors.extend(link_errors)
    if (
        not link_errors
        and data.category in Category.values
        and (err := _category_link_error(data.category, tender, contract, payment))
    ):
        errors.append(err)
    raise_if_any(errors)
    checked = check_uploads(files)
    on = rules.local_day(at)
    procurement = tender.project if tender else contract.project if contract else None
    if payment is not None:
        procurement = payment.contract.project
    route = routing.route_for(
        organization=organization, linked_unit=procurement.purchaser if procurement else None, on=on
    )
    terms = selectors.service_terms(category=data.category, on=on)
    with transaction.atomic():
        request = ServiceRequest(
            number=f"TMP{secrets.token_hex(8)}",  # replaced by FW<year>-<id> below
            organization=organization,
            requester=actor,
            category=data.category,
            subject=data.subject.strip(),
            description=data.description.strip(),
            tender=tender,
            contract=contract,
            payment=payment,
            region=route.region,
            budget_unit=route.budget_unit,
            department=route.department,
            route=route.reason,
            pairing=route.pairing,
            default_route=route.default_route,
            handler=route.handler,
            section_head=route.section_head,
            director=route.director,
            service_level=terms.row,
            first_response_wd=terms.first_response_wd,
            resolution_wd=terms.resolution_wd,
            reopen_days=terms.reopen_days,
            escalation_step_wd=terms.escalation_step_wd,
            submitted_at=at,
            first_response_due=rules.due_after(at, terms.first_response_wd),
            resolution_due=rules.due_after(at, terms.resolution_wd),
        )
        request.next_check = rules.next_check(request, at)
        request.save()
        request.number = f"FW{on.year}-{request.pk:06d}"
        request.save(update_fields=["number"])
        audit_record(
            actor=actor,
            action="service.request.submit",
            obj=request,
            after={**snapshot(request), "attachments": [c.name for c in checked]},
            at=at,
        )
        if request.handler is not None:
            notify(
                [request.handler],
                subject=_("New service request {number}"),
                body=_(
                    "{organization} asks about “{topic}” ({category}). First response due {due}, resolution due "
                    "{resolution}."
                ),
                link=desk_link(request),
                at=at,
                actor=actor,
                number=request.number,
                organization=organization.name,
                topic=request.subject,
                category=request.get_category_display(),
                due=f"{rules.local_day(request.first_response_due)}",
                resolution=f"{rules.local_day(request.resolution_due)}",
            )
        else:
            notify(
                bureau_managers(request.region_id),
                subject=_("Service request {number} waits to be assigned"),
                body=_(
                    "No pairing routes “{topic}” from {organization}, and the region has no default handler: "
                    "assign it to a handler."
                ),
                link=desk_link(request),
                at=at,
                actor=actor,
                number=request.number,
                topic=request.subject,
                organization=organization.name,
            )
        _store(checked, request=request, message=None, internal=False, actor=actor, at=at)
    return request


# --- the conversation -------------------------------------------------------------------------------------


def _lock(request: ServiceRequest) -> ServiceRequest:
    return ServiceRequest.objects.select_for_update().get(pk=request.pk)


def _message(request: ServiceRequest, kind: str, body: str, actor: Any, at: dt.datetime) -> RequestMessage:
    message = RequestMessage(
        request=request, kind=kind, author=actor if getattr(actor, "pk", None) else None, body=body, created_at=at
    )
    message.save()
    return message


def _set_status(request: ServiceRequest, target: str) -> None:
    check_transition(rules.TRANSITIONS, request.status, target, labels=RequestStatus)
    request.status = target


def _require_open(request: ServiceRequest, field: str) -> None:
    if request.status not in OPEN_STATUSES:
        raise ServiceError(
            DeskError.TEXT,
            field,
            _("The request is {status}: nothing more can be written to it now."),
            status=request.get_status_display(),
        )


def request_reply(
    *,
    request: ServiceRequest,
    body: str,
    actor: Any,
    at: dt.datetime,
    internal: bool = False,
    files: Sequence[Upload] = (),
) -> RequestMessage:
    """A reply the requester reads (the first one is the first response), or an internal note."""
    _require_handler(actor, request)
    text = _check_text("body", body, rules.TEXT_MAX, label=_("Text"))
    checked = check_uploads(files)
    with transaction.atomic():
        request = _lock(request)
        before = snapshot(request)
        if internal:
            message = _message(request, MessageKind.NOTE, text, actor, at)
        else:
            _require_open(request, "body")
            if request.status == RequestStatus.NEW:
                _set_status(request, RequestStatus.IN_PROGRESS)
            if request.first_response_at is None:
                request.first_response_at = at
            request.next_check = rules.next_check(request, at)
            request.save(update_fields=["status", "first_response_at", "next_check"])
            message = _message(request, MessageKind.REPLY, text, actor, at)
        audit_record(
            actor=actor,
            action="service.request.note" if internal else "service.request.reply",
            obj=request,
            before=before,
            after={**snapshot(request), "message": message.pk, "attachments": [c.name for c in checked]},
            at=at,
        )
        if not internal:
            notify(
                [request.requester],
                subject=_("Reply to your service request {number}"),
                body=_("The finance bureau replied to “{topic}”."),
                link=requester_link(request),
                at=at,
                actor=actor,
                number=request.number,
                topic=request.subject,
            )
        _store(checked, request=request, message=message, internal=internal, actor=actor, at=at)
    return message


def request_comment(
    *, request: ServiceRequest, body: str, actor: Any, at: dt.datetime, files: Sequence[Upload] = ()
) -> RequestMessage:
    """The requester adds information to an open request."""
    _require_requester(actor, request)
    text = _check_text("body", body, rules.TEXT_MAX, label=_("Text"))
    checked = check_uploads(files)
    with transaction.atomic():
        request = _lock(request)
        _require_open(request, "body")
        message = _message(request, MessageKind.REQUESTER, text, actor, at)
        audit_record(
            actor=actor,
            action="service.request.comment",
            obj=request,
            after={"message": message.pk, "attachments": [c.name for c in checked]},
            at=at,
        )
        notify(
            [request.handler] if request.handler else bureau_managers(request.region_id),
            subject=_("Service request {number}: the requester added information"),
            body=_("{organization} added to “{topic}”."),
            link=desk_link(request),
            at=at,
            actor=actor,
            number=request.number,
            organization=request.organization.name,
            topic=request.subject,
        )
        _store(checked, request=request, message=message, internal=False, actor=actor, at=at)
    return message


def handler_candidates(*, region_id: int) -> list[Any]:
    """People who may handle requests of the region: SERVICE_HANDLE in its bureau or the city bureau."""
    region = Region.objects.get(pk=region_id)
    regions = [region.pk, *([region.parent_id] if region.parent_id else [])]
    roles = [r.value for r in Role if role_allows(r, P.SERVICE_HANDLE)]
    memberships = (
        Membership.objects.filter(
            is_active=True,
            user__is_active=True,
            role__in=roles,
            organization__kind__in=["finance_bureau", "bureau_department"],
            organization__region__in=regions,
        )
        .select_related("user", "organization__region")
        .order_by("organization__region__sort", "user__username")
    )
    people: dict[int, Any] = {}
    for membership in memberships:
        people.setdefault(membership.user_id, membership.user)
    return list(people.values())


def _department_of(user: Any, region_id: int) -> Organization | None:
    """The bureau or department in which ``user`` handles requests of the region (their own region first)."""
    best = None
    for membership in user_memberships(user=user):
        if not role_allows(membership.role, P.SERVICE_HANDLE) or not membership.organization.is_bureau:
            continue
        scope = membership_scope(membership)
        if membership.organization.region_id == region_id:
            return membership.organization
        if best is None and (scope.everything or region_id in scope.region_ids):
            best = membership.organization
    return best


def request_reassign(
    *, request: ServiceRequest, handler: Any, reason: str, actor: Any, at: dt.datetime
) -> ServiceRequest:
    """Give an open request to another handler of its region (or the city), with the reason; both are told."""
    _require_handler(actor, request)
    text = _check_text("reason", reason, rules.REASON_MAX, label=_("Reason"))
    department = _department_of(handler, request.region_id) if handler is not None else None
    if handler is None or not handler.is_active or department is None:
        raise ServiceError(
            DeskError.HANDLER,
            "handler",
            _("Choose a person who handles service requests in this region (a bureau role with the service desk)."),
        )
    with transaction.atomic():
        request = _lock(request)
        _require_open(request, "handler")
        if request.handler_id == handler.pk:
            raise ServiceError(
                DeskError.SAME_HANDLER, "handler", _("The request is already with {name}."), name=handler
            )
        before = snapshot(request)
        previous = request.handler
        request.handler = handler
        request.department = department
        if request.route == RouteReason.BUREAU:
            request.route = RouteReason.REASSIGNED
        request.save(update_fields=["handler", "department", "route"])
        _message(
            request,
            MessageKind.EVENT,
            both_text(_("Reassigned from {old} to {new}: {reason}"), old=previous or "—", new=handler, reason=text),
            actor,
            at,
        )
        audit_record(
            actor=actor,
            action="service.request.reassign",
            obj=request,
            before=before,
            after={**snapshot(request), "reason": text},
            at=at,
        )
        notify(
            [handler],
            subject=_("Service request {number} assigned to you"),
            body=_("“{topic}” is now yours: {reason}"),
            link=desk_link(request),
            at=at,
            actor=actor,
            number=request.number,
            topic=request.subject,
            reason=text,
        )
        if previous is not None:
            notify(
                [previous],
                subject=_("Service request {number} reassigned"),
                body=_("“{topic}” went to {new}: {reason}"),
                link=desk_link(request),
                at=at,
                actor=actor,
                number=request.number,
                topic=request.subject,
                new=handler,
                reason=text,
            )
    return request


def request_resolve(*, request: ServiceRequest, resolution: str, actor: Any, at: dt.datetime) -> ServiceRequest:
    """Resolved, with what was done; the requester rates it or reopens it within the reopening window."""
    _require_handler(actor, request)
    text = _check_text("resolution", resolution, rules.TEXT_MAX, label=_("Resolution"))
    with transaction.atomic():
        request = _lock(request)
        before = snapshot(request)
        _set_status(request, RequestStatus.RESOLVED)
        if request.first_response_at is None:
            request.first_response_at = at
        request.resolution = text
        request.resolved_at = at
        request.resolved_wd = calendar.working_days_between(rules.local_day(request.submitted_at), rules.local_day(at))
        request.resolved_on_time = at <= request.resolution_due
        request.next_check = rules.next_check(request, at)
        request.save()
        _message(request, MessageKind.RESOLUTION, text, actor, at)
        audit_record(
            actor=actor, action="service.request.resolve", obj=request, before=before, after=snapshot(request), at=at
        )
        notify(
            [request.requester],
            subject=_("Your service request {number} is resolved"),
            body=_(
                "“{topic}” is resolved. Rate the service, or reopen the request by {until} if the problem remains."
            ),
            link=requester_link(request),
            at=at,
            actor=actor,
            number=request.number,
            topic=request.subject,
            until=f"{rules.local_day(rules.reopen_until(request) or at)}",
        )
    return request


def request_reopen(*, request: ServiceRequest, reason: str, actor: Any, at: dt.datetime) -> ServiceRequest:
    """SVC-REOPEN: within the window; the resolution clock starts again from today."""
    _require_requester(actor, request)
    text = _check_text("reason", reason, rules.REASON_MAX, label=_("Reason"))
    with transaction.atomic():
        request = _lock(request)
        before = snapshot(request)
        until = rules.reopen_until(request)
        if request.status == RequestStatus.RESOLVED and until is not None and at > until:
            raise ServiceError(
                DeskError.REOPEN_WINDOW,
                "reason",
                _("A request can be reopened within {days} days of its resolution (until {until}); file a new one."),
                days=request.reopen_days,
                until=f"{rules.local_day(until)}",
            )
        # only a resolved request is reopened (NEW → IN_PROGRESS is the first reply's, not the requester's)
        check_transition(rules.REOPEN, request.status, RequestStatus.IN_PROGRESS, labels=RequestStatus)
        _set_status(request, RequestStatus.IN_PROGRESS)
        request.reopened_count += 1
        request.resolved_at = None
        request.resolved_wd = None
        request.resolved_on_time = None
        request.resolution_due = rules.due_after(at, request.resolution_wd)
        request.next_check = rules.next_check(request, at)
        request.save()
        _message(request, MessageKind.REQUESTER, both_text(_("Reopened: {reason}"), reason=text), actor, at)
        audit_record(
            actor=actor,
            action="service.request.reopen",
            obj=request,
            before=before,
            after={**snapshot(request), "reason": text},
            at=at,
        )
        notify(
            [request.handler] if request.handler else bureau_managers(request.region_id),
            subject=_("Service request {number} reopened"),
            body=_("The requester reopened “{topic}”: {reason}. Resolution due {due}."),
            link=desk_link(request),
            at=at,
            actor=actor,
            number=request.number,
            topic=request.subject,
            reason=text,
            due=f"{rules.local_day(request.resolution_due)}",
        )
    return request


def request_rate(*, request: ServiceRequest, rating: Any, comment: str, actor: Any, at: dt.datetime) -> ServiceRequest:
    """SVC-RATE: 1–5, once; rating a resolved request closes it."""
    _require_requester(actor, request)
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise ServiceError(DeskError.RATING, "rating", _("Rate the service with a whole number from 1 to 5."))
    note = (comment or "").strip()
    limit = ServiceRequest._meta.get_field("rating_comment").max_length or 500
    if len(note) > limit:
        raise ServiceError(
            DeskError.RATING,
            "comment",
            _("{label}: {length} characters; at most {limit} are allowed. Shorten it (nothing is cut off for you)."),
            label=_("Comment"),
            length=len(note),
            limit=limit,
        )
    with transaction.atomic():
        request = _lock(request)
        if request.rating is not None:
            raise ServiceError(DeskError.ALREADY_RATED, "rating", _("This request is already rated."))
        if request.status not in (RequestStatus.RESOLVED, RequestStatus.CLOSED):
            raise ServiceError(DeskError.RATING, "rating", _("A request is rated once it is resolved."))
        before = snapshot(request)
        if request.status == RequestStatus.RESOLVED:
            _set_status(request, RequestStatus.CLOSED)
            request.closed_at = at
        request.rating = rating
        request.rating_comment = note
        request.rated_at = at
        request.next_check = None
        request.save()
        audit_record(
            actor=actor, action="service.request.rate", obj=request, before=before, after=snapshot(request), at=at
        )
        notify(
            [request.handler, request.section_head],
            subject=_("Service request {number} rated {rating}/5"),
            body=_("The requester rated “{topic}” {rating} out of 5. {comment}"),
            link=desk_link(request),
            at=at,
            actor=actor,
            number=request.number,
            topic=request.subject,
            rating=rating,
            comment=note,
        )
    return request


def request_withdraw(*, request: ServiceRequest, reason: str, actor: Any, at: dt.datetime) -> ServiceRequest:
    """The requester no longer needs an answer."""
    _require_requester(actor, request)
    note = (reason or "").strip()
    if len(note) > rules.REASON_MAX:
        _check_text("reason", note, rules.REASON_MAX, label=_("Reason"))
    with transaction.atomic():
        request = _lock(request)
        before = snapshot(request)
        _set_status(request, RequestStatus.WITHDRAWN)
        request.withdrawn_at = at
        request.next_check = None
        request.save()
        if note:
            _message(request, MessageKind.REQUESTER, both_text(_("Withdrawn: {reason}"), reason=note), actor, at)
        audit_record(
            actor=actor,
            action="service.request.withdraw",
            obj=request,
            before=before,
            after={**snapshot(request), "reason": note},
            at=at,
        )
        notify(
            [request.handler],
            subject=_("Service request {number} withdrawn"),
            body=_("The requester withdrew “{topic}”."),
            link=desk_link(request),
            at=at,
            actor=actor,
            number=request.number,
            topic=request.subject,
        )
    return request
