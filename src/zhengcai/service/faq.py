"""FAQ entries from resolved requests: a handler proposes an anonymised question and answer; an
administrator (SERVICE_MANAGE, someone else) publishes it or returns it with a note; a published entry can
be withdrawn. FAQ-ANON is checked when proposing and again when publishing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from zhengcai.accounts.selectors import user_scope
from zhengcai.core.audit import audit_record, snapshot
from zhengcai.core.errors import ServiceError, raise_if_any
from zhengcai.core.fsm import check_transition
from zhengcai.core.permissions import P, Role
from zhengcai.procurement.search import search_text

from . import rules
from .errors import FaqError
from .models import DONE_STATUSES, FaqEntry, FaqStatus, ServiceRequest
from .services import handler_reaches, notify

AUDIT_ACTIONS: dict[str, Any] = {
    "service.faq.propose": _("FAQ entry proposed from a service request"),
    "service.faq.revise": _("FAQ entry revised and proposed again"),
    "service.faq.publish": _("FAQ entry published"),
    "service.faq.return": _("FAQ entry returned for changes"),
    "service.faq.withdraw": _("FAQ entry withdrawn"),
}

TRANSITIONS: dict[str, frozenset[str]] = {
    FaqStatus.PROPOSED: frozenset({FaqStatus.PUBLISHED, FaqStatus.RETURNED}),
    FaqStatus.RETURNED: frozenset({FaqStatus.PROPOSED}),
    FaqStatus.PUBLISHED: frozenset({FaqStatus.WITHDRAWN}),
    FaqStatus.WITHDRAWN: frozenset(),
}
QUESTION_MAX = 300


def _names(request: ServiceRequest) -> list[str]:
    """Everything that would identify the requester or the people involved (FAQ-ANON)."""
    org = request.organization
    names = [org.name, org.name_en, org.credit_code or "", org.contact_name]
    for person in (request.requester, request.handler, request.section_head, request.director):
        if person is not None:
            names += [
                person.display_name,
                person.get_username(),
                person.get_full_name(),
                person.last_name + person.first_name,
            ]
    procurement = None
    if request.payment_id:
        procurement = request.payment.contract.project  # type: ignore[union-attr]
    elif request.contract_id:
        procurement = request.contract.project  # type: ignore[union-attr]
    elif request.tender_id:
        procurement = request.tender.project  # type: ignore[union-attr]
    if procurement is not None:
        names += [procurement.number, procurement.title]
    if request.contract_id:
        names.append(request.contract.supplier.name)  # type: ignore[union-attr]
    return [n for n in names if n]


def _check(question: str, answer: str, request: ServiceRequest) -> tuple[str, str]:
    q, a = (question or "").strip(), (answer or "").strip()
    errors: list[ServiceError] = []
    for field, value, limit, code, label in (
        ("question", q, QUESTION_MAX, FaqError.QUESTION, _("Question asked")),
        ("answer", a, rules.TEXT_MAX, FaqError.ANSWER, _("Answer")),
    ):
        if len(value) < 5:
            errors.append(ServiceError(code, field, _("{label}: write at least 5 characters."), label=label))
        elif len(value) > limit:
            errors.append(
                ServiceError(
                    code,
                    field,
                    _(
                        "{label}: {length} characters; at most {limit} are allowed. Shorten it (nothing is cut off "
                        "for you)."
                    ),
                    label=label,
                    length=len(value),
                    limit=limit,
                )
            )
    names = _names(request)
    for field, value in (("question", q), ("answer", a)):
        found = rules.identifying_parts(value, names)
        if found:
            errors.append(
                ServiceError(
                    FaqError.NOT_ANONYMOUS,
                    field,
                    _(
                        "A published answer must not identify anyone (FAQ-ANON): remove {found} (names of "
                        "organizations or people, project numbers, phone numbers, e-mail addresses, credit codes)."
                    ),
                    found="、".join(found),
                )
            )
    raise_if_any(errors)
    return q, a


def _managers(region_id: int) -> list[Any]:
    from zhengcai.accounts.selectors import users_with_bureau_role
    from zhengcai.organizations.models import Region

    region = Region.objects.get(pk=region_id)
    return users_with_bureau_role(
        role=Role.BUREAU_ADMIN, region_ids=[region.pk, *([region.parent_id] if region.parent_id else [])]
    )


def _link(entry: FaqEntry) -> str:
    from django.urls import reverse

    return reverse("service:faq_review", args=[entry.pk])


def faq_propose(*, request: ServiceRequest, question: str, answer: str, actor: Any, at: dt.datetime) -> FaqEntry:
    """A handler turns a resolved request into an anonymised question and answer, for review."""
    if not handler_reaches(actor, request.region_id):
        raise PermissionDenied
    with transaction.atomic():
        request = ServiceRequest.objects.select_for_update().get(pk=request.pk)
        if request.status not in DONE_STATUSES:
            raise ServiceError(FaqError.NOT_RESOLVED, "question", _("Only a resolved request can become a FAQ entry."))
        q, a = _check(question, answer, request)
        if FaqEntry.objects.filter(source=request).exists():
            raise ServiceError(FaqError.ALREADY, "question", _("A FAQ entry was already proposed from this request."))
        entry = FaqEntry.objects.create(
            source=request,
            category=request.category,
            region=request.region,
            question=q,
            answer=a,
            proposed_by=actor,
            proposed_at=at,
            search_text=f" {search_text(q, a)} ",
        )
        audit_record(actor=actor, action="service.faq.propose", obj=entry, after=snapshot(entry), at=at)
        notify(
            _managers(entry.region_id),
            subject=_("FAQ entry to review"),
            body=_("{who} proposed “{question}” for the public FAQ."),
            link=_link(entry),
            at=at,
            actor=actor,
            who=actor,
            question=q,
        )
    return entry


def _lock(entry: FaqEntry) -> FaqEntry:
    return FaqEntry.objects.select_for_update().select_related("source").get(pk=entry.pk)


def faq_revise(*, entry: FaqEntry, question: str, answer: str, actor: Any, at: dt.datetime) -> FaqEntry:
    """A returned entry, corrected and proposed again."""
    if not handler_reaches(actor, entry.region_id):
        raise PermissionDenied
    with transaction.atomic():
        entry = _lock(entry)
        check_transition(TRANSITIONS, entry.status, FaqStatus.PROPOSED, labels=FaqStatus)
        q, a = _check(question, answer, entry.source)
        before = snapshot(entry)
        entry.question, entry.answer = q, a
        entry.search_text = f" {search_text(q, a)} "
        entry.status = FaqStatus.PROPOSED
        entry.proposed_by, entry.proposed_at = actor, at
        entry.save()
        audit_record(actor=actor, action="service.faq.revise", obj=entry, before=before, after=snapshot(entry), at=at)
        notify(
            _managers(entry.region_id),
            subject=_("FAQ entry to review"),
            body=_("{who} proposed “{question}” for the public FAQ."),
            link=_link(entry),
            at=at,
            actor=actor,
            who=actor,
            question=q,
        )
    return entry


def _require_reviewer(actor: Any, entry: FaqEntry) -> None:
    scope = user_scope(user=actor, perm=P.SERVICE_MANAGE)
    if not (scope.everything or entry.region_id in scope.region_ids):
        raise PermissionDenied


def faq_publish(*, entry: FaqEntry, actor: Any, at: dt.datetime) -> FaqEntry:
    """Published on the portal's FAQ, reviewed by someone other than who proposed it."""
    _require_reviewer(actor, entry)
    with transaction.atomic():
        entry = _lock(entry)
        check_transition(TRANSITIONS, entry.status, FaqStatus.PUBLISHED, labels=FaqStatus)
        if entry.proposed_by_id == actor.pk:
            raise ServiceError(FaqError.NOTE, "note", _("Someone other than who proposed the entry reviews it."))
        _check(entry.question, entry.answer, entry.source)
        before = snapshot(entry)
        entry.status = FaqStatus.PUBLISHED
        entry.reviewed_by, entry.reviewed_at, entry.published_at = actor, at, at
        entry.save()
        audit_record(actor=actor, action="service.faq.publish", obj=entry, before=before, after=snapshot(entry), at=at)
        notify(
            [entry.proposed_by],
            subject=_("FAQ entry published"),
            body=_("“{question}” is on the portal's FAQ."),
            link=_link(entry),
            at=at,
            actor=actor,
            question=entry.question,
        )
    return entry


def faq_return(*, entry: FaqEntry, note: str, actor: Any, at: dt.datetime) -> FaqEntry:
    _require_reviewer(actor, entry)
    text = (note or "").strip()
    if not text or len(text) > 500:
        raise ServiceError(FaqError.NOTE, "note", _("Say what to change (1 to 500 characters)."))
    with transaction.atomic():
        entry = _lock(entry)
        check_transition(TRANSITIONS, entry.status, FaqStatus.RETURNED, labels=FaqStatus)
        before = snapshot(entry)
        entry.status = FaqStatus.RETURNED
        entry.reviewed_by, entry.reviewed_at, entry.review_note = actor, at, text
        entry.save()
        audit_record(actor=actor, action="service.faq.return", obj=entry, before=before, after=snapshot(entry), at=at)
        from django.urls import reverse

        notify(
            [entry.proposed_by],
            subject=_("FAQ entry returned for changes"),
            body=_("“{question}”: {note}"),
            link=reverse("service:faq_edit", args=[entry.pk]),
            at=at,
            actor=actor,
            question=entry.question,
            note=text,
        )
    return entry


def faq_withdraw(*, entry: FaqEntry, note: str, actor: Any, at: dt.datetime) -> FaqEntry:
    _require_reviewer(actor, entry)
    text = (note or "").strip()
    if not text or len(text) > 500:
        raise ServiceError(FaqError.NOTE, "note", _("Say why it is withdrawn (1 to 500 characters)."))
    with transaction.atomic():
        entry = _lock(entry)
        check_transition(TRANSITIONS, entry.status, FaqStatus.WITHDRAWN, labels=FaqStatus)
        before = snapshot(entry)
        entry.status = FaqStatus.WITHDRAWN
        entry.review_note = text
        entry.save()
        audit_record(
            actor=actor, action="service.faq.withdraw", obj=entry, before=before, after=snapshot(entry), at=at
        )
    return entry
