"""The service desk's chronograph: one idempotent pass, keyed on each request's ``next_check``.

1. Escalation (SVC-ESCALATE): an open request past a due time climbs one level (handler → section head →
   director); the new level's person and the handler are told. At most one level per pass and per
   escalation step.
2. Closing (SVC-REOPEN): a resolved request whose reopening window has passed is closed.
3. The daily digest: on a working day, from 08:00 (Asia/Shanghai), each person with open requests gets
   one notification listing them, overdue ones first (``DigestLog`` makes it once a day).

Run by ``manage.py service_tick`` (cron or ``--loop``) or the ``service_tick_task`` task — never from a
request. Running it twice at the same time changes nothing the second time.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tasks import task

from zhengcai.core import calendar, clock
from zhengcai.core.audit import audit_record, snapshot

from . import rules
from .models import OPEN_STATUSES, DigestLog, Level, MessageKind, RequestMessage, RequestStatus, ServiceRequest
from .services import both_text, bureau_managers, desk_link, notify

ACTOR = "service_tick"
DIGEST_HOUR = 8
DIGEST_LINES = 30


@dataclass
class TickReport:
    escalated: list[str] = field(default_factory=list)  # request numbers
    closed: list[str] = field(default_factory=list)
    digests: int = 0

    def summary(self) -> str:
        return f"escalated: {len(self.escalated)}, closed: {len(self.closed)}, digests: {self.digests}"


def _level_person(request: ServiceRequest, level: int) -> Any:
    return request.section_head if level == Level.SECTION_HEAD else request.director


def _escalate_one(pk: int, at: dt.datetime) -> str | None:
    with transaction.atomic():
        request = (
            ServiceRequest.objects.select_for_update()
            .filter(pk=pk, status__in=OPEN_STATUSES, next_check__lte=at)
            .first()
        )
        if request is None:  # done by another pass meanwhile
            return None
        escalated = None
        if rules.may_escalate(request, at):
            before = snapshot(request)
            request.level += 1
            request.escalated_at = at
            escalated = request.number
            response_late = request.first_response_at is None and at > request.first_response_due
            which = _("first response") if response_late else _("final resolution")
            due = request.first_response_due if response_late else request.resolution_due
            level_label = Level(request.level).label
            RequestMessage.objects.create(
                request=request,
                kind=MessageKind.EVENT,
                body=both_text(
                    _("Overdue ({which} was due {due}): escalated to the {level}."),
                    which=which,
                    due=f"{rules.local_day(due)}",
                    level=level_label,
                ),
                created_at=at,
            )
            request.next_check = rules.next_check(request, at)
            request.save(update_fields=["level", "escalated_at", "next_check"])
            audit_record(
                actor=ACTOR,
                action="service.request.escalate",
                obj=request,
                before=before,
                after={**snapshot(request), "overdue": str(which)},
                at=at,
            )
            person = _level_person(request, request.level)
            recipients = [person, request.handler] if person is not None else bureau_managers(request.region_id)
            notify(
                recipients,
                subject=_("Overdue service request {number} escalated to the {level}"),
                body=_(
                    "“{topic}” from {organization}: the {which} was due {due}. It is now with the {level} as "
                    "well as the handler."
                ),
                link=desk_link(request),
                at=at,
                number=request.number,
                level=level_label,
                topic=request.subject,
                organization=request.organization.name,
                which=which,
                due=f"{rules.local_day(due)}",
            )
        else:
            new = rules.next_check(request, at)
            if new != request.next_check:
                request.next_check = new
                request.save(update_fields=["next_check"])
        return escalated


def _close_one(pk: int, at: dt.datetime) -> str | None:
    with transaction.atomic():
        request = (
            ServiceRequest.objects.select_for_update()
            .filter(pk=pk, status=RequestStatus.RESOLVED, next_check__lte=at)
            .first()
        )
        if request is None:
            return None
        until = rules.reopen_until(request)
        if until is None or at < until:
            return None
        before = snapshot(request)
        request.status = RequestStatus.CLOSED  # RESOLVED → CLOSED is in rules.TRANSITIONS
        request.closed_at = at
        request.next_check = None
        request.save(update_fields=["status", "closed_at", "next_check"])
        audit_record(
            actor=ACTOR, action="service.request.close", obj=request, before=before, after=snapshot(request), at=at
        )
        return request.number


def requests_escalate_due(*, at: dt.datetime) -> list[str]:
    due = ServiceRequest.objects.filter(status__in=OPEN_STATUSES, next_check__lte=at).order_by("next_check", "id")
    return [n for pk in list(due.values_list("pk", flat=True)) if (n := _escalate_one(pk, at))]


def requests_close_due(*, at: dt.datetime) -> list[str]:
    due = ServiceRequest.objects.filter(status=RequestStatus.RESOLVED, next_check__lte=at).order_by("next_check", "id")
    return [n for pk in list(due.values_list("pk", flat=True)) if (n := _close_one(pk, at))]


def digest_items(*, at: dt.datetime) -> dict[Any, list[ServiceRequest]]:
    """Each person's open requests: as handler, or escalated to them as section head or director."""
    qs = (
        ServiceRequest.objects.filter(status__in=OPEN_STATUSES)
        .filter(
            Q(handler__isnull=False)
            | Q(level__gte=Level.SECTION_HEAD, section_head__isnull=False)
            | Q(level__gte=Level.DIRECTOR, director__isnull=False)
        )
        .select_related("handler", "section_head", "director")
        .order_by("resolution_due", "id")
    )
    items: dict[Any, list[ServiceRequest]] = defaultdict(list)
    for request in qs:
        people = [request.handler]
        if request.level >= Level.SECTION_HEAD:
            people.append(request.section_head)
        if request.level >= Level.DIRECTOR:
            people.append(request.director)
        for person in {p for p in people if p is not None and p.is_active}:
            items[person].append(request)
    return items


def digests_send(*, at: dt.datetime) -> int:
    """One digest per person and working day, from DIGEST_HOUR on."""
    local = timezone.localtime(at)
    day = local.date()
    if local.hour < DIGEST_HOUR or not calendar.is_workday(day):
        return 0
    sent = 0
    done = set(DigestLog.objects.filter(day=day).values_list("user_id", flat=True))
    for person, requests in digest_items(at=at).items():
        if person.pk in done:
            continue
        overdue = [r for r in requests if rules.overdue(r, at)]
        others = [r for r in requests if not rules.overdue(r, at)]
        ordered = overdue + others
        lines = []
        for r in ordered[:DIGEST_LINES]:
            mark = "⚠ " if r in overdue else ""
            lines.append(f"{mark}{r.number} {r.subject} · {rules.local_day(rules.pending_due(r))}")
        if len(ordered) > DIGEST_LINES:
            lines.append(f"… +{len(ordered) - DIGEST_LINES}")
        try:
            with transaction.atomic():
                log = DigestLog.objects.create(
                    user=person, day=day, open_items=len(requests), overdue_items=len(overdue), sent_at=at
                )
                notify(
                    [person],
                    subject=_("Service desk {day}: {open} open, {overdue} overdue"),
                    body=_("Your open service requests (⚠ overdue), with the date each is due:"),
                    tail="\n".join(lines),
                    link=reverse("service:desk") + ("?tab=overdue" if overdue else "?tab=mine"),
                    at=at,
                    day=day.isoformat(),
                    open=len(requests),
                    overdue=len(overdue),
                )
                audit_record(actor=ACTOR, action="service.digest.send", obj=log, after=snapshot(log), at=at)
        except IntegrityError:  # another pass sent it meanwhile
            continue
        sent += 1
    return sent


def service_tick(*, at: dt.datetime, digests: bool = True) -> TickReport:
    report = TickReport()
    report.escalated = requests_escalate_due(at=at)
    report.closed = requests_close_due(at=at)
    if digests:
        report.digests = digests_send(at=at)
    return report


@task()
def service_tick_task() -> int:
    return len(service_tick(at=clock.now()).escalated)
