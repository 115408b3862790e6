"""The request lifecycle: replies and internal notes, attachments, reassignment, resolution, reopening
(SVC-REOPEN), rating (SVC-RATE), withdrawal — every transition allowed and forbidden, each audited."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from zhengcai.accounts.models import User
from zhengcai.core.errors import ServiceError
from zhengcai.core.fsm import TransitionError
from zhengcai.core.models import AuditEvent, Notification
from zhengcai.service import rules, selectors, services
from zhengcai.service.errors import DeskError
from zhengcai.service.models import MessageKind, RequestAttachment, RequestStatus, RouteReason, ServiceRequest

from .conftest import PDF, T0, submit, upload

pytestmark = pytest.mark.django_db

HOUR = dt.timedelta(hours=1)


@pytest.fixture
def request_(heze: dict[str, Any], paired: Any, purchaser: User) -> ServiceRequest:
    return submit(heze["budget_unit"], purchaser, files=[upload()])


def _actions(request: ServiceRequest) -> list[str]:
    return list(
        AuditEvent.objects.filter(object_type="service.servicerequest", object_id=str(request.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )


def test_reply_is_the_first_response_and_a_note_is_not(
    request_: ServiceRequest, chain: dict[str, User], purchaser: User
) -> None:
    services.request_reply(
        request=request_, body="已转国库科核实。", internal=True, actor=chain["handler"], at=T0 + HOUR
    )
    request_.refresh_from_db()
    assert request_.status == RequestStatus.NEW
    assert request_.first_response_at is None
    assert not Notification.objects.filter(recipient=purchaser).exists()  # a note is for the bureau only
    services.request_reply(
        request=request_,
        body="您好，已收到，正在核实。",
        actor=chain["handler"],
        at=T0 + 2 * HOUR,
        files=[upload(name="回执.pdf")],
    )
    request_.refresh_from_db()
    assert request_.status == RequestStatus.IN_PROGRESS
    assert request_.first_response_at == T0 + 2 * HOUR
    assert request_.next_check == request_.resolution_due
    assert Notification.objects.filter(recipient=purchaser, subject__contains=request_.number).count() == 1
    # The requester sees the reply and its file, never the note.
    seen = selectors.timeline(request=request_, internal=False)
    assert [m.kind for m in seen] == [MessageKind.REPLY]
    assert [a.name for a in seen[0].attachments.all()] == ["回执.pdf"]
    everything = selectors.timeline(request=request_, internal=True)
    assert [m.kind for m in everything] == [MessageKind.NOTE, MessageKind.REPLY]
    assert _actions(request_) == ["service.request.submit", "service.request.note", "service.request.reply"]


def test_only_handlers_whose_scope_reaches_the_region_act_on_it(
    request_: ServiceRequest, chain: dict[str, User], purchaser: User, supplier_user: User
) -> None:
    with pytest.raises(PermissionDenied):  # 曹县 people do not reach a city request
        services.request_reply(request=request_, body="答复", actor=chain["cao_handler"], at=T0)
    with pytest.raises(PermissionDenied):  # the requester does not answer its own request
        services.request_resolve(request=request_, resolution="已办", actor=purchaser, at=T0)
    with pytest.raises(PermissionDenied):  # another organization's staff cannot add to it
        services.request_comment(request=request_, body="补充", actor=supplier_user, at=T0)
    with pytest.raises(PermissionDenied):
        services.request_rate(request=request_, rating=5, comment="", actor=chain["handler"], at=T0)


def test_resolve_then_rate_closes_and_rating_is_once_and_1_to_5(
    request_: ServiceRequest, chain: dict[str, User], purchaser: User
) -> None:
    with pytest.raises(ServiceError) as exc:
        services.request_rate(request=request_, rating=5, comment="", actor=purchaser, at=T0)
    assert exc.value.code == DeskError.RATING  # not resolved yet
    resolved = services.request_resolve(
        request=request_, resolution="已协调国库科于今日支付。", actor=chain["handler"], at=T0 + dt.timedelta(days=2)
    )
    assert resolved.status == RequestStatus.RESOLVED
    assert resolved.first_response_at == resolved.resolved_at  # the resolution answers the request
    assert resolved.resolved_wd == 2
    assert resolved.resolved_on_time is True
    assert resolved.resolved_at is not None
    assert resolved.next_check == resolved.resolved_at + dt.timedelta(days=resolved.reopen_days)
    for bad in (0, 6, "5", True, 4.5, None):
        with pytest.raises(ServiceError) as exc:
            services.request_rate(
                request=request_, rating=bad, comment="", actor=purchaser, at=T0 + dt.timedelta(days=3)
            )
        assert (exc.value.code, exc.value.field) == (DeskError.RATING, "rating")
    with pytest.raises(ServiceError) as exc:
        services.request_rate(request=request_, rating=4, comment="好" * 501, actor=purchaser, at=T0)
    assert exc.value.field == "comment"
    rated = services.request_rate(
        request=request_, rating=4, comment="回复及时", actor=purchaser, at=T0 + dt.timedelta(days=3)
    )
    assert (rated.status, rated.rating, rated.rating_comment, rated.next_check) == (
        RequestStatus.CLOSED,
        4,
        "回复及时",
        None,
    )
    with pytest.raises(ServiceError) as exc:
        services.request_rate(request=request_, rating=5, comment="", actor=purchaser, at=T0 + dt.timedelta(days=3))
    assert exc.value.code == DeskError.ALREADY_RATED
    with pytest.raises(ServiceError) as exc:  # CLOSED → RESOLVED does not exist
        services.request_resolve(request=request_, resolution="再办", actor=chain["handler"], at=T0)
    assert exc.value.code == TransitionError.NOT_ALLOWED
    assert "service.request.rate" in _actions(request_)


def test_SVC_REOPEN_within_the_window_restarts_the_resolution_clock_and_not_after(
    request_: ServiceRequest, chain: dict[str, User], purchaser: User
) -> None:
    with pytest.raises(ServiceError) as exc:  # IN NEW: nothing to reopen
        services.request_reopen(request=request_, reason="未解决", actor=purchaser, at=T0)
    assert exc.value.code == TransitionError.NOT_ALLOWED
    resolved_at = T0 + dt.timedelta(days=1)
    services.request_resolve(request=request_, resolution="已办", actor=chain["handler"], at=resolved_at)
    reopened_at = resolved_at + dt.timedelta(days=6)
    reopened = services.request_reopen(request=request_, reason="款项仍未到账", actor=purchaser, at=reopened_at)
    assert reopened.status == RequestStatus.IN_PROGRESS
    assert reopened.reopened_count == 1
    assert reopened.resolved_at is None
    assert reopened.resolved_on_time is None
    assert reopened.resolution_due == rules.due_after(reopened_at, reopened.resolution_wd)
    assert (
        selectors.timeline(request=reopened, internal=False)[-1].body
        == "重新提起：款项仍未到账\nReopened: 款项仍未到账"
    )
    services.request_resolve(request=request_, resolution="已到账", actor=chain["handler"], at=reopened_at + HOUR)
    late = reopened_at + HOUR + dt.timedelta(days=7, seconds=1)
    with pytest.raises(ServiceError) as exc:
        services.request_reopen(request=request_, reason="又有问题", actor=purchaser, at=late)
    assert (exc.value.code, exc.value.field) == (DeskError.REOPEN_WINDOW, "reason")
    assert "7" in exc.value.message_zh
    assert "7 days" in exc.value.message_en


def test_withdraw_only_while_open_and_nothing_is_written_to_a_closed_request(
    request_: ServiceRequest, chain: dict[str, User], purchaser: User
) -> None:
    withdrawn = services.request_withdraw(request=request_, reason="已自行解决", actor=purchaser, at=T0 + HOUR)
    assert withdrawn.status == RequestStatus.WITHDRAWN
    assert withdrawn.next_check is None
    with pytest.raises(ServiceError) as exc:
        services.request_withdraw(request=request_, reason="", actor=purchaser, at=T0 + HOUR)
    assert exc.value.code == TransitionError.NOT_ALLOWED
    with pytest.raises(ServiceError) as exc:
        services.request_reply(request=request_, body="答复", actor=chain["handler"], at=T0 + HOUR)
    assert exc.value.field == "body"
    with pytest.raises(ServiceError):
        services.request_comment(request=request_, body="补充", actor=purchaser, at=T0 + HOUR)
    with pytest.raises(ServiceError) as exc:
        services.request_resolve(request=request_, resolution="已办", actor=chain["handler"], at=T0 + HOUR)
    assert exc.value.code == TransitionError.NOT_ALLOWED
    # an internal note is still possible: the bureau keeps its file
    note = services.request_reply(
        request=request_, body="已撤回，归档。", internal=True, actor=chain["handler"], at=T0
    )
    assert note.kind == MessageKind.NOTE


def test_requester_adds_information_and_the_handler_is_told(
    request_: ServiceRequest, chain: dict[str, User], purchaser: User
) -> None:
    services.request_comment(
        request=request_, body="补充发票扫描件。", actor=purchaser, at=T0 + HOUR, files=[upload(name="发票.pdf")]
    )
    assert Notification.objects.filter(recipient=chain["handler"], subject__contains="补充").exists()
    assert request_.attachments.filter(name="发票.pdf", internal=False).exists()


# --- attachments ------------------------------------------------------------------------------------------


def _docx(with_types: bool = True) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml" if with_types else "other.xml", "<Types/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "name", "code"),
    [
        (b"MZ\x90\x00", "setup.exe", DeskError.ATTACHMENT_TYPE),
        (b"\x89PNG\r\n\x1a\nrest", "伪装.pdf", DeskError.ATTACHMENT_MALFORMED),
        (b"", "空.pdf", DeskError.ATTACHMENT_EMPTY),
        (_docx(with_types=False), "说明.docx", DeskError.ATTACHMENT_MALFORMED),
        (b"%PDF-" + b"0" * (10 * 1024 * 1024), "大文件.pdf", DeskError.ATTACHMENT_SIZE),
        (PDF, "名" * 121 + ".pdf", DeskError.ATTACHMENT_NAME),
    ],
)
def test_attachments_are_checked_by_content_and_size_and_nothing_is_kept_on_refusal(
    heze: dict[str, Any], paired: Any, purchaser: User, data: bytes, name: str, code: str
) -> None:
    with pytest.raises(ServiceError) as exc:
        submit(heze["budget_unit"], purchaser, files=[upload(PDF, "好的.pdf"), upload(data, name)])
    assert (exc.value.code, exc.value.field) == (code, "attachments")
    assert ServiceRequest.objects.count() == 0
    assert RequestAttachment.objects.count() == 0


def test_attachments_at_most_five_and_valid_ones_stored_with_their_hash(
    heze: dict[str, Any], paired: Any, purchaser: User
) -> None:
    with pytest.raises(ServiceError) as exc:
        submit(heze["budget_unit"], purchaser, files=[upload(name=f"{i}.pdf") for i in range(6)])
    assert exc.value.code == DeskError.ATTACHMENT_COUNT
    request = submit(heze["budget_unit"], purchaser, files=[upload(), upload(_docx(), "说明.docx")])
    stored = list(request.attachments.order_by("id"))
    assert [(a.name, a.content_type.split("/")[0]) for a in stored] == [
        ("凭证.pdf", "application"),
        ("说明.docx", "application"),
    ]
    import hashlib

    assert stored[0].sha256 == hashlib.sha256(PDF).hexdigest()
    assert stored[0].file.read() == PDF
    assert not str(stored[0].file.name).endswith("凭证.pdf")  # stored under a random name


# --- reassignment -----------------------------------------------------------------------------------------


def test_reassign_to_a_handler_of_the_region_with_a_reason_both_told(
    request_: ServiceRequest, chain: dict[str, User], heze: dict[str, Any]
) -> None:
    from conftest import make_user
    from zhengcai.core.permissions import Role

    treasury = make_user(Role.BUREAU_REVIEWER, heze["city_dept"], username="svc_treasury")
    with pytest.raises(ServiceError) as exc:  # a county handler does not reach a city request
        services.request_reassign(
            request=request_, handler=chain["cao_handler"], reason="转办", actor=chain["handler"], at=T0
        )
    assert (exc.value.code, exc.value.field) == (DeskError.HANDLER, "handler")
    with pytest.raises(ServiceError) as exc:
        services.request_reassign(
            request=request_, handler=chain["handler"], reason="转办", actor=chain["head"], at=T0
        )
    assert exc.value.code == DeskError.SAME_HANDLER
    with pytest.raises(ServiceError) as exc:
        services.request_reassign(request=request_, handler=treasury, reason=" ", actor=chain["handler"], at=T0)
    assert exc.value.field == "reason"
    moved = services.request_reassign(
        request=request_, handler=treasury, reason="涉及资金支付，转国库科", actor=chain["handler"], at=T0 + HOUR
    )
    assert moved.handler == treasury
    assert moved.section_head == chain["head"]  # the chain above stays
    assert Notification.objects.filter(recipient=treasury, subject__contains=request_.number).exists()
    event = selectors.timeline(request=moved, internal=True)[-1]
    assert event.kind == MessageKind.EVENT
    assert "涉及资金支付" in event.body
    assert _actions(request_)[-1] == "service.request.reassign"


def test_an_unassigned_request_is_assigned_by_the_bureau(
    heze: dict[str, Any], chain: dict[str, User], supplier_user: User
) -> None:
    lost = submit(heze["supplier"], supplier_user)
    assert lost.route == RouteReason.BUREAU
    assert lost.handler is None
    assigned = services.request_reassign(
        request=lost, handler=chain["handler"], reason="由政府采购管理科办理", actor=chain["manager"], at=T0 + HOUR
    )
    assert assigned.route == RouteReason.REASSIGNED
    assert assigned.department == heze["city_dept"]
    assert assigned.handler == chain["handler"]
