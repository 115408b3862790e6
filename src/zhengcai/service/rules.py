"""The service desk's rules, in one place (ids used in tests and docs/service-desk.md).

SVC-SLA        per category: first response and resolution within N working days (工作日) after the day of
               submission (the day itself is not counted, as everywhere on the platform); due at the end
               (23:59:59, Asia/Shanghai) of that working day. *configurable*: dated ``ServiceLevel`` rows,
               else ``DEFAULT_LEVELS``.
SVC-ESCALATE   an open request past a due time climbs the chain one level per tick pass (handler → section
               head → director), and at most one level per ``escalation_step_wd`` working days.
SVC-REOPEN     the requester may reopen a resolved request within ``reopen_days`` calendar days; then it is
               closed (by the rating, or by the tick when the window has passed).
SVC-RATE       a rating is a whole number 1–5, given once, by the requesting organization.
SVC-LINK       a request may name one tender, contract or payment, and only one its organization is party to.
SVC-ROUTE      see routing.py.
FAQ-ANON       a published FAQ entry names no organization, person, credit code, phone number or e-mail
               address.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from zhengcai.core import calendar

from .models import OPEN_STATUSES, Category, Level, RequestStatus

# category → (first response WD, resolution WD, reopening window in days, escalation step in WD)
DEFAULT_LEVELS: dict[str, tuple[int, int, int, int]] = {
    Category.PAYMENT_DELAY: (1, 10, 7, 1),
    Category.SECURITY_REFUND: (1, 5, 7, 1),
    Category.PLATFORM_USE: (1, 3, 7, 1),
    Category.POLICY_QUESTION: (1, 5, 7, 1),
    Category.CONDUCT_COMPLAINT: (2, 15, 7, 2),
    Category.OTHER: (2, 10, 7, 1),
}
DEFAULT_SOURCE = "菏泽市财政局对口服务机制（平台默认）"

# category + status transitions: the request lifecycle
TRANSITIONS: dict[str, frozenset[str]] = {
    RequestStatus.NEW: frozenset({RequestStatus.IN_PROGRESS, RequestStatus.RESOLVED, RequestStatus.WITHDRAWN}),
    RequestStatus.IN_PROGRESS: frozenset({RequestStatus.RESOLVED, RequestStatus.WITHDRAWN}),
    RequestStatus.RESOLVED: frozenset({RequestStatus.IN_PROGRESS, RequestStatus.CLOSED}),
    RequestStatus.CLOSED: frozenset(),
    RequestStatus.WITHDRAWN: frozenset(),
}

REOPEN: dict[str, frozenset[str]] = {RequestStatus.RESOLVED: frozenset({RequestStatus.IN_PROGRESS})}

SUBJECT_MAX = 120
TEXT_MAX = 4000
REASON_MAX = 500
ATTACHMENTS_MAX = 5


@dataclass(frozen=True)
class Terms:
    """The service level in force for a category on a day (from a ServiceLevel row or the defaults)."""

    first_response_wd: int
    resolution_wd: int
    reopen_days: int
    escalation_step_wd: int
    row: Any = None  # the ServiceLevel row, or None for the defaults
    effective_from: dt.date | None = None


def local_day(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


def end_of_day(day: dt.date) -> dt.datetime:
    """23:59:59 of ``day`` in the platform's time zone (Asia/Shanghai)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59, 59)))


def due_after(moment: dt.datetime, working_days: int) -> dt.datetime:
    """SVC-SLA: the end of the n-th working day after the day of ``moment``."""
    return end_of_day(calendar.add_working_days(local_day(moment), working_days))


def overdue(request: Any, at: dt.datetime) -> bool:
    """An open request past the due time it still owes: the first response, or the resolution."""
    if request.status not in OPEN_STATUSES:
        return False
    if request.first_response_at is None and at > request.first_response_due:
        return True
    return at > request.resolution_due


def pending_due(request: Any) -> dt.datetime:
    """The next due time the request still owes."""
    return request.first_response_due if request.first_response_at is None else request.resolution_due


def next_check(request: Any, at: dt.datetime) -> dt.datetime | None:
    """When the tick must look at the request again (None: nothing left for it to do).

    Open: at the due time it still owes; once overdue, one escalation step after the last escalation, until
    the director has it. Resolved: when the reopening window ends (then it is closed)."""
    if request.status == RequestStatus.RESOLVED:
        return request.resolved_at + dt.timedelta(days=request.reopen_days)
    if request.status not in OPEN_STATUSES:
        return None
    if not overdue(request, at):
        return pending_due(request)
    if request.level >= Level.DIRECTOR:
        return None
    if request.escalated_at is None:
        return at
    return max(at, due_after(request.escalated_at, request.escalation_step_wd))


def may_escalate(request: Any, at: dt.datetime) -> bool:
    """SVC-ESCALATE: overdue, not at the top, and one step since the last escalation."""
    if not overdue(request, at) or request.level >= Level.DIRECTOR:
        return False
    return request.escalated_at is None or at > due_after(request.escalated_at, request.escalation_step_wd)


def reopen_until(request: Any) -> dt.datetime | None:
    if request.resolved_at is None:
        return None
    result: dt.datetime = request.resolved_at + dt.timedelta(days=request.reopen_days)
    return result


# --- FAQ-ANON ---------------------------------------------------------------------------------------------

_PHONE = re.compile(r"(?<!\d)(?:1[3-9]\d{9}|0\d{2,3}-?\d{7,8})(?!\d)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_CREDIT_CODE = re.compile(r"(?<![0-9A-Z])[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}(?![0-9A-Z])")


def identifying_parts(text: str, names: list[str]) -> list[str]:
    """What in ``text`` would identify someone: any of ``names`` (organizations, people), or a phone
    number, an e-mail address or a unified social credit code."""
    found: list[str] = []
    for raw in names:
        name = (raw or "").strip()
        if len(name) >= 2 and name in text and name not in found:
            found.append(name)
    for pattern in (_PHONE, _EMAIL, _CREDIT_CODE):
        found.extend(m.group(0) for m in pattern.finditer(text) if m.group(0) not in found)
    return found
