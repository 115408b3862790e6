"""The service desk's chronograph: SVC-ESCALATE (one level at a time, one step apart, idempotent), closing
after the reopening window (SVC-REOPEN) and the daily digest, with time travel."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from zhengcai.accounts.models import User
from zhengcai.core import clock
from zhengcai.core.models import AuditEvent, Notification
from zhengcai.service import rules, selectors, services
from zhengcai.service.models import DigestLog, Level, MessageKind, RequestStatus, ServiceRequest
from zhengcai.service.tick import digests_send, service_tick

from .conftest import at_day, submit

pytestmark = pytest.mark.django_db

MON, TUE, WED, THU, FRI, SAT = (dt.date(2026, 6, d) for d in (1, 2, 3, 4, 5, 6))
NEXT_MON, NEXT_TUE = dt.date(2026, 6, 8), dt.date(2026, 6, 9)


@pytest.fixture
def request_(heze: dict[str, Any], paired: Any, purchaser: User) -> ServiceRequest:
    """A policy question filed Monday 09:00: first response due Tuesday, resolution due next Monday (1/5 WD)."""
    request = submit(heze["budget_unit"], purchaser)
    assert rules.local_day(request.first_response_due) == TUE
    assert rules.local_day(request.resolution_due) == NEXT_MON
    return request


def _escalations(request: ServiceRequest) -> int:
    return AuditEvent.objects.filter(action="service.request.escalate", object_id=str(request.pk)).count()


def test_SVC_ESCALATE_handler_to_section_head_to_director_one_step_apart_and_idempotent(
    request_: ServiceRequest, chain: dict[str, User]
) -> None:
    assert service_tick(at=at_day(TUE, 20), digests=False).escalated == []  # due at the end of Tuesday
    report = service_tick(at=at_day(WED, 8), digests=False)
    assert report.escalated == [request_.number]
    request_.refresh_from_db()
    assert request_.level == Level.SECTION_HEAD
    assert request_.escalated_at == at_day(WED, 8)
    assert request_.next_check == rules.end_of_day(THU)  # one working day later
    told = Notification.objects.filter(subject__contains=request_.number).filter(subject__contains="督办")
    assert set(told.values_list("recipient__username", flat=True)) == {
        "svc_head",
        "svc_handler",
    }
    event = selectors.timeline(request=request_, internal=True)[-1]
    assert event.kind == MessageKind.EVENT
    assert "首次响应" in event.body
    assert "科室负责人" in event.body
    # the same pass again, and a pass within the step: nothing
    assert service_tick(at=at_day(WED, 8), digests=False).escalated == []
    assert service_tick(at=at_day(THU, 12), digests=False).escalated == []
    assert _escalations(request_) == 1
    # after the step: the director
    assert service_tick(at=at_day(FRI, 0, 1), digests=False).escalated == [request_.number]
    request_.refresh_from_db()
    assert request_.level == Level.DIRECTOR
    assert request_.next_check is None  # the top of the chain: the digests keep reminding
    assert Notification.objects.filter(recipient=chain["director"], subject__contains=request_.number).exists()
    assert service_tick(at=at_day(NEXT_TUE, 9), digests=False).escalated == []
    assert _escalations(request_) == 2


def test_SVC_ESCALATE_a_late_first_response_then_a_missed_resolution(
    request_: ServiceRequest, chain: dict[str, User]
) -> None:
    service_tick(at=at_day(WED, 8), digests=False)
    services.request_reply(request=request_, body="正在核实。", actor=chain["handler"], at=at_day(WED, 10))
    request_.refresh_from_db()
    assert (request_.level, request_.first_response_at) == (Level.SECTION_HEAD, at_day(WED, 10))
    assert request_.next_check == request_.resolution_due  # nothing overdue until the resolution is
    assert service_tick(at=at_day(NEXT_MON, 18), digests=False).escalated == []
    assert service_tick(at=at_day(NEXT_TUE, 9), digests=False).escalated == [request_.number]
    request_.refresh_from_db()
    assert request_.level == Level.DIRECTOR
    assert "办结" in selectors.timeline(request=request_, internal=True)[-1].body


def test_an_answered_and_resolved_request_is_never_escalated(request_: ServiceRequest, chain: dict[str, User]) -> None:
    services.request_resolve(
        request=request_, resolution="已答复政策口径。", actor=chain["handler"], at=at_day(MON, 15)
    )
    assert service_tick(at=at_day(NEXT_TUE, 9), digests=False).escalated == []
    request_.refresh_from_db()
    assert request_.level == Level.HANDLER


def test_SVC_REOPEN_the_tick_closes_after_the_window_and_a_late_rating_is_still_taken(
    request_: ServiceRequest, chain: dict[str, User], purchaser: User
) -> None:
    resolved_at = at_day(MON, 15)
    services.request_resolve(request=request_, resolution="已办", actor=chain["handler"], at=resolved_at)
    window = dt.timedelta(days=request_.reopen_days)
    assert service_tick(at=resolved_at + window - dt.timedelta(seconds=1), digests=False).closed == []
    assert service_tick(at=resolved_at + window, digests=False).closed == [request_.number]
    assert service_tick(at=resolved_at + window, digests=False).closed == []
    request_.refresh_from_db()
    assert request_.status == RequestStatus.CLOSED
    assert request_.closed_at == resolved_at + window
    rated = services.request_rate(request=request_, rating=5, comment="", actor=purchaser, at=resolved_at + 2 * window)
    assert (rated.status, rated.rating) == (RequestStatus.CLOSED, 5)


def test_daily_digest_once_per_person_and_working_day_from_8_with_overdue_first(
    heze: dict[str, Any], request_: ServiceRequest, chain: dict[str, User], purchaser: User
) -> None:
    second = submit(heze["budget_unit"], purchaser, subject="如何办理采购意向公开", at=at_day(TUE, 9))
    service_tick(at=at_day(WED, 7), digests=False)  # the first request is now with the section head too
    assert digests_send(at=at_day(WED, 7, 59)) == 0  # before 08:00
    assert digests_send(at=at_day(WED, 8)) == 2  # the handler (two requests) and the section head (one)
    assert digests_send(at=at_day(WED, 9)) == 0  # once a day
    handler_digest = Notification.objects.get(recipient=chain["handler"], subject__contains="对口服务")
    assert "在办 2 件，逾期 1 件" in handler_digest.subject
    assert "2 open, 1 overdue" in handler_digest.subject
    lines = handler_digest.body.splitlines()
    first_item = next(i for i, line in enumerate(lines) if request_.number in line)
    second_item = next(i for i, line in enumerate(lines) if second.number in line)
    assert lines[first_item].startswith("⚠")
    assert first_item < second_item
    head_log = DigestLog.objects.get(user=chain["head"])
    assert (head_log.open_items, head_log.overdue_items) == (1, 1)
    assert digests_send(at=at_day(SAT, 9)) == 0  # not on a rest day
    assert digests_send(at=at_day(NEXT_MON, 8, 30)) == 2
    assert not Notification.objects.filter(recipient=purchaser, subject__contains="对口服务 ").exists()


def test_service_tick_command_under_time_travel(request_: ServiceRequest) -> None:
    target = at_day(WED, 9)
    out = StringIO()
    with clock.travel(target - timezone.now()):
        call_command("service_tick", stdout=out)
    assert "escalated: 1" in out.getvalue()
    request_.refresh_from_db()
    assert request_.level == Level.SECTION_HEAD
    assert request_.escalated_at is not None
    assert abs(request_.escalated_at - target) < dt.timedelta(minutes=1)
