"""The editorial workflow, transition by transition (allowed and forbidden), its validation, revisions,
rollback, comments, scope, notifications and audit."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from conftest import AT, make_user
from zhengcai.accounts.models import User
from zhengcai.accounts.services import membership_create
from zhengcai.core.errors import ConflictError, ServiceError, ServiceErrorGroup
from zhengcai.core.models import AuditEvent, Notification
from zhengcai.core.permissions import Role
from zhengcai.policies.models import PolicyDocument
from zhengcai.publicity import services
from zhengcai.publicity.models import (
    Channel,
    ChannelPost,
    Content,
    ContentKind,
    ContentRevision,
    ContentStatus,
    ReviewComment,
    ReviewDecision,
    ReviewStage,
)
from zhengcai.publicity.services import CONTENT_TRANSITIONS, ContentInput

from .conftest import make_draft, png_bytes, publish, upload

pytestmark = pytest.mark.django_db
S = ContentStatus
MIN = dt.timedelta(minutes=1)


def codes(exc: ServiceError) -> set[str]:
    errors = exc.errors if isinstance(exc, ServiceErrorGroup) else [exc]
    return {e.code for e in errors}


def fields(exc: ServiceError) -> set[str | None]:
    errors = exc.errors if isinstance(exc, ServiceErrorGroup) else [exc]
    return {e.field for e in errors}


def edit(content: Content, actor: User, *, at: dt.datetime, **changes: Any) -> Content:
    content.refresh_from_db()
    latest = content.latest_revision
    assert latest is not None
    data: dict[str, Any] = {
        "title": latest.title,
        "summary": latest.summary,
        "body": latest.body,
        "document_ids": list(latest.document_ids),
        "channels": list(latest.channels),
    }
    data.update(changes)
    return services.content_update(content=content, data=ContentInput(**data), actor=actor, at=at)


@pytest.fixture
def draft(heze: dict[str, Any], city_editor: User) -> Content:
    return make_draft(city_editor, heze["city_bureau"])


@pytest.fixture
def in_review(draft: Content, city_editor: User) -> Content:
    return services.content_submit(content=draft, actor=city_editor, at=AT + MIN)


@pytest.fixture
def in_approval(in_review: Content, publicity_reviewer: User) -> Content:
    return services.content_pass(content=in_review, actor=publicity_reviewer, at=AT + 2 * MIN)


# --- the table ------------------------------------------------------------------------------------


def test_transition_table_lists_every_status_and_only_known_targets() -> None:
    assert set(CONTENT_TRANSITIONS) == set(ContentStatus.values)
    for targets in CONTENT_TRANSITIONS.values():
        assert targets <= set(ContentStatus.values)
    assert CONTENT_TRANSITIONS[S.DRAFT] == {S.IN_REVIEW}  # a draft cannot jump to approval or publication


# --- create and edit ------------------------------------------------------------------------------


def test_create_saves_revision_1_for_the_editors_own_bureau_and_region(heze: dict[str, Any], cao_editor: User) -> None:
    content = make_draft(cao_editor, heze["cao_bureau"])
    assert content.status == S.DRAFT
    assert content.region == heze["cao"]
    assert content.owner == heze["cao_bureau"]
    assert content.latest_revision is not None
    assert content.latest_revision.number == 1
    assert content.live_revision is None
    event = AuditEvent.objects.get(action="publicity.content.create", object_id=str(content.pk))
    after = event.after or {}
    assert after["revision"] == 1
    assert len(after["text_sha256"]) == 64


def test_editor_drafts_only_for_their_own_bureau(heze: dict[str, Any], cao_editor: User) -> None:
    with pytest.raises(PermissionDenied):
        make_draft(cao_editor, heze["city_bureau"])
    assert not Content.objects.exists()


def test_lengths_are_refused_never_truncated(heze: dict[str, Any], city_editor: User) -> None:
    with pytest.raises(ServiceError) as caught:
        make_draft(city_editor, heze["city_bureau"], title="标" * 121, summary="要" * 301, body="")
    assert fields(caught.value) == {"title", "summary", "body"}
    title = next(e for e in caught.value.errors if e.field == "title")  # type: ignore[attr-defined]
    assert "121" in title.message_en
    assert "120" in title.message_en
    assert "121" in title.message_zh
    assert not Content.objects.exists()


def test_unknown_channel_and_document_are_refused(heze: dict[str, Any], city_editor: User) -> None:
    with pytest.raises(ServiceError) as caught:
        services.content_create(
            kind=ContentKind.ARTICLE,
            owner=heze["city_bureau"],
            data=ContentInput(title="标题", body="正文", channels=["fax"], document_ids=[99999]),
            actor=city_editor,
            at=AT,
        )
    assert fields(caught.value) == {"channels", "documents"}


def test_cover_must_be_a_real_png_or_jpeg(heze: dict[str, Any], city_editor: User) -> None:
    def create(data: bytes, name: str) -> Content:
        return services.content_create(
            kind=ContentKind.ARTICLE,
            owner=heze["city_bureau"],
            data=ContentInput(title="标题", body="正文", cover=upload(data, name), cover_name=name),
            actor=city_editor,
            at=AT,
        )

    for data, name in ((b"GIF89a....", "cover.gif"), (b"not a png at all", "cover.png"), (png_bytes(), "c.jpg")):
        with pytest.raises(ServiceError) as caught:
            create(data, name)
        assert caught.value.field == "cover"
        assert caught.value.code == "publicity.content.cover"
    content = create(png_bytes(600, 400), "封面.PNG")
    assert str(content.cover.name).startswith("publicity/covers/")
    assert str(content.cover.name).endswith(".png")
    assert content.latest_revision is not None
    assert content.latest_revision.cover == content.cover.name


def test_every_save_is_a_new_immutable_revision(draft: Content, city_editor: User) -> None:
    edit(draft, city_editor, at=AT + MIN, title="新标题", note="改标题")
    edit(draft, city_editor, at=AT + 2 * MIN, body="新正文")
    numbers = list(draft.revisions.order_by("number").values_list("number", "title", "note"))
    assert numbers == [(1, "我市政府采购营商环境持续优化", ""), (2, "新标题", "改标题"), (3, "新标题", "")]
    first = ContentRevision.objects.get(content=draft, number=1)
    first.title = "篡改"
    with pytest.raises(ValueError, match="immutable"):
        first.save()


def test_saving_without_a_change_saves_nothing(draft: Content, city_editor: User) -> None:
    with pytest.raises(ServiceError) as caught:
        edit(draft, city_editor, at=AT + MIN)
    assert caught.value.code == "publicity.content.unchanged"
    assert draft.revisions.count() == 1


def test_edit_over_a_newer_revision_is_refused_as_a_conflict(
    draft: Content, city_editor: User, heze: dict[str, Any]
) -> None:
    colleague = make_user(Role.PUBLICITY_EDITOR, heze["city_bureau"], username="colleague")
    edit(draft, colleague, at=AT + MIN, title="同事的修改")
    latest = draft.revisions.get(number=1)
    data = ContentInput(title="我的修改", body=latest.body, channels=list(latest.channels))
    with pytest.raises(ConflictError) as caught:
        services.content_update(content=draft, data=data, base_revision=1, actor=city_editor, at=AT + 2 * MIN)
    assert caught.value.code == "publicity.content.stale"
    assert "colleague" in caught.value.message_en
    assert "2" in caught.value.message_zh
    services.content_update(content=draft, data=data, base_revision=2, actor=city_editor, at=AT + 3 * MIN)
    assert draft.revisions.count() == 3


# --- submit ---------------------------------------------------------------------------------------


def test_submit_moves_a_draft_to_review_and_notifies_the_publicity_team(
    draft: Content, city_editor: User, publicity_reviewer: User
) -> None:
    services.content_submit(content=draft, actor=city_editor, at=AT + MIN)
    draft.refresh_from_db()
    assert draft.status == S.IN_REVIEW
    note = Notification.objects.get(recipient=publicity_reviewer)
    assert draft.title in note.subject
    assert note.link == f"/office/publicity/{draft.pk}/"
    assert AuditEvent.objects.filter(action="publicity.content.submit", object_id=str(draft.pk)).count() == 1


def test_submit_is_refused_outside_the_draft_stage(in_review: Content, city_editor: User) -> None:
    with pytest.raises(ServiceError) as caught:
        services.content_submit(content=in_review, actor=city_editor, at=AT + 5 * MIN)
    assert caught.value.code == "core.transition.not_allowed"


def test_interpretation_needs_a_policy_document_before_submission(
    heze: dict[str, Any], city_editor: User, policy_document: PolicyDocument
) -> None:
    content = make_draft(city_editor, heze["city_bureau"], kind=ContentKind.INTERPRETATION)
    with pytest.raises(ServiceError) as caught:
        services.content_submit(content=content, actor=city_editor, at=AT + MIN)
    assert caught.value.field == "documents"
    assert "policy document" in caught.value.message_en
    edit(content, city_editor, at=AT + 2 * MIN, document_ids=[policy_document.pk])
    services.content_submit(content=content, actor=city_editor, at=AT + 3 * MIN)
    content.refresh_from_db()
    assert content.status == S.IN_REVIEW


def test_submission_needs_a_channel_and_respects_channel_limits(heze: dict[str, Any], city_editor: User) -> None:
    none = make_draft(city_editor, heze["city_bureau"], channels=[])
    with pytest.raises(ServiceError) as caught:
        services.content_submit(content=none, actor=city_editor, at=AT + MIN)
    assert caught.value.field == "channels"
    # WeChat: a title of at most 32 characters and a cover (outbox.channel_problems, the channels area)
    wechat = make_draft(city_editor, heze["city_bureau"], title="长" * 40, channels=[Channel.WECHAT])
    with pytest.raises(ServiceError) as limits:
        services.content_submit(content=wechat, actor=city_editor, at=AT + MIN)
    assert "title" in fields(limits.value)
    assert "cover" in fields(limits.value)
    assert Content.objects.get(pk=wechat.pk).status == S.DRAFT


def test_open_letter_goes_to_every_channel_whatever_was_chosen(heze: dict[str, Any], city_editor: User) -> None:
    letter = make_draft(city_editor, heze["city_bureau"], kind=ContentKind.OPEN_LETTER, channels=[Channel.WEIBO])
    assert letter.channels == list(Channel.values)


# --- review ---------------------------------------------------------------------------------------


def test_review_pass_moves_to_approval_keeps_the_comment_and_notifies_leaders(
    in_review: Content, publicity_reviewer: User, leader: User
) -> None:
    services.content_pass(content=in_review, actor=publicity_reviewer, at=AT + 2 * MIN, comment="文字通顺")
    in_review.refresh_from_db()
    assert in_review.status == S.IN_APPROVAL
    comment = ReviewComment.objects.get(content=in_review)
    assert (comment.stage, comment.decision, comment.text) == (ReviewStage.REVIEW, ReviewDecision.PASS, "文字通顺")
    assert comment.revision_id == in_review.latest_revision_id
    assert Notification.objects.filter(recipient=leader, subject__contains=in_review.title).exists()


def test_review_return_needs_a_comment_and_goes_back_to_draft(
    in_review: Content, publicity_reviewer: User, city_editor: User
) -> None:
    with pytest.raises(ServiceError) as caught:
        services.content_return(
            content=in_review, stage=ReviewStage.REVIEW, comment="  ", actor=publicity_reviewer, at=AT + 2 * MIN
        )
    assert caught.value.code == "publicity.content.comment_required"
    assert caught.value.field == "comment"
    services.content_return(
        content=in_review,
        stage=ReviewStage.REVIEW,
        comment="请补充数据来源",
        actor=publicity_reviewer,
        at=AT + 2 * MIN,
    )
    in_review.refresh_from_db()
    assert in_review.status == S.DRAFT
    assert Notification.objects.filter(recipient=city_editor, body__contains="请补充数据来源").exists()


def test_review_actions_are_refused_outside_review(
    heze: dict[str, Any], city_editor: User, in_approval: Content, publicity_reviewer: User
) -> None:
    draft = make_draft(city_editor, heze["city_bureau"], title="另一篇草稿")
    with pytest.raises(ServiceError) as passing:
        services.content_pass(content=draft, actor=publicity_reviewer, at=AT + 3 * MIN)
    assert passing.value.code == "core.transition.not_allowed"
    with pytest.raises(ServiceError) as returning:
        services.content_return(
            content=in_approval, stage=ReviewStage.REVIEW, comment="x", actor=publicity_reviewer, at=AT + 3 * MIN
        )
    assert returning.value.code == "core.transition.not_allowed"
    with pytest.raises(ServiceError) as commenting:
        services.content_comment(
            content=in_approval, stage=ReviewStage.REVIEW, text="x", actor=publicity_reviewer, at=AT + 3 * MIN
        )
    assert commenting.value.code == "publicity.content.stage"
    assert in_approval.status == S.IN_APPROVAL


def test_only_the_publicity_team_reviews(in_review: Content, city_editor: User, leader: User) -> None:
    for actor in (city_editor, leader):
        with pytest.raises(PermissionDenied):
            services.content_pass(content=in_review, actor=actor, at=AT + 2 * MIN)


def test_nobody_passes_or_approves_their_own_draft(
    heze: dict[str, Any], publicity_reviewer: User, leader: User
) -> None:
    own = make_draft(publicity_reviewer, heze["city_bureau"])  # the team can draft too
    services.content_submit(content=own, actor=publicity_reviewer, at=AT + MIN)
    with pytest.raises(ServiceError) as caught:
        services.content_pass(content=own, actor=publicity_reviewer, at=AT + 2 * MIN)
    assert caught.value.code == "publicity.content.own_draft"
    other = make_user(Role.PUBLICITY_REVIEWER, heze["city_bureau"], username="team_colleague")
    services.content_pass(content=own, actor=other, at=AT + 2 * MIN)
    # someone who drafts and is also a leader (a second membership) cannot approve what they drafted
    membership_create(
        user=publicity_reviewer, organization=heze["city_dept"], role=Role.BUREAU_LEADER, actor="test", at=AT
    )
    both = User.objects.get(pk=publicity_reviewer.pk)  # memberships are cached per user object
    with pytest.raises(ServiceError) as again:
        services.content_approve(content=own, actor=both, at=AT + 3 * MIN)
    assert again.value.code == "publicity.content.own_draft"
    services.content_approve(content=own, actor=leader, at=AT + 3 * MIN)
    own.refresh_from_db()
    assert own.status == S.PUBLISHED


def test_comment_only_keeps_the_status_and_the_comment(
    in_review: Content, publicity_reviewer: User, city_editor: User
) -> None:
    services.content_comment(
        content=in_review, stage=ReviewStage.REVIEW, text="第二段可再精简", actor=publicity_reviewer, at=AT + 2 * MIN
    )
    in_review.refresh_from_db()
    assert in_review.status == S.IN_REVIEW
    assert ReviewComment.objects.get(content=in_review).decision == ReviewDecision.COMMENT
    assert Notification.objects.filter(recipient=city_editor, body__contains="第二段可再精简").exists()


# --- approval -------------------------------------------------------------------------------------


def test_approve_without_a_time_publishes_at_once(in_approval: Content, leader: User, city_editor: User) -> None:
    at = AT + 3 * MIN
    services.content_approve(content=in_approval, actor=leader, at=at, comment="同意发布")
    in_approval.refresh_from_db()
    assert in_approval.status == S.PUBLISHED
    assert in_approval.live_revision_id == in_approval.latest_revision_id
    assert in_approval.published_at == at
    assert in_approval.first_published_at == at
    assert set(ChannelPost.objects.filter(content=in_approval).values_list("channel", flat=True)) == {
        Channel.WEBSITE,
        Channel.FEED,
    }
    actions = list(
        AuditEvent.objects.filter(object_id=str(in_approval.pk), object_type="publicity.content")
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == [
        "publicity.content.create",
        "publicity.content.submit",
        "publicity.content.pass",
        "publicity.content.approve",
        "publicity.content.publish",
    ]
    assert Notification.objects.filter(recipient=city_editor, subject__contains=in_approval.title).count() == 1


def test_approve_with_a_later_time_schedules(in_approval: Content, leader: User) -> None:
    when = AT + dt.timedelta(days=1)
    services.content_approve(content=in_approval, actor=leader, at=AT + 3 * MIN, publish_at=when)
    in_approval.refresh_from_db()
    assert in_approval.status == S.SCHEDULED
    assert in_approval.publish_at == when
    assert in_approval.live_revision is None


def test_a_publication_time_in_the_past_is_refused(in_approval: Content, leader: User) -> None:
    now = AT + dt.timedelta(hours=1)
    with pytest.raises(ServiceError) as caught:
        services.content_approve(content=in_approval, actor=leader, at=now, publish_at=now - dt.timedelta(minutes=5))
    assert caught.value.code == "publicity.content.publish_at"
    assert caught.value.field == "publish_at"
    assert "already passed" in caught.value.message_en
    assert "已过" in caught.value.message_zh or caught.value.message_zh != caught.value.message_en
    in_approval.refresh_from_db()
    assert in_approval.status == S.IN_APPROVAL
    # the current minute counts as now (a form's time has no seconds)
    services.content_approve(content=in_approval, actor=leader, at=now + dt.timedelta(seconds=40), publish_at=now)
    in_approval.refresh_from_db()
    assert in_approval.status == S.PUBLISHED


def test_a_publication_time_more_than_a_year_ahead_is_refused(in_approval: Content, leader: User) -> None:
    with pytest.raises(ServiceError) as caught:
        services.content_approve(content=in_approval, actor=leader, at=AT, publish_at=AT + dt.timedelta(days=400))
    assert caught.value.field == "publish_at"


def test_only_a_leader_approves(in_approval: Content, publicity_reviewer: User, city_editor: User) -> None:
    for actor in (publicity_reviewer, city_editor):
        with pytest.raises(PermissionDenied):
            services.content_approve(content=in_approval, actor=actor, at=AT + 3 * MIN)
    in_approval.refresh_from_db()
    assert in_approval.status == S.IN_APPROVAL


def test_approval_is_refused_outside_the_approval_stage(
    in_review: Content, interpretation: Content, leader: User
) -> None:
    for content in (in_review, interpretation):
        with pytest.raises(ServiceError) as caught:
            services.content_approve(content=content, actor=leader, at=AT + 3 * MIN)
        assert caught.value.code == "core.transition.not_allowed"
    with pytest.raises(ServiceError) as returning:
        services.content_return(
            content=in_review, stage=ReviewStage.APPROVAL, comment="x", actor=leader, at=AT + 3 * MIN
        )
    assert returning.value.code == "core.transition.not_allowed"


def test_leader_returns_with_a_comment_also_after_scheduling(in_approval: Content, leader: User) -> None:
    services.content_approve(content=in_approval, actor=leader, at=AT + 3 * MIN, publish_at=AT + dt.timedelta(days=2))
    services.content_return(
        content=in_approval, stage=ReviewStage.APPROVAL, comment="暂缓发布", actor=leader, at=AT + 4 * MIN
    )
    in_approval.refresh_from_db()
    assert in_approval.status == S.DRAFT
    assert in_approval.publish_at is None
    decisions = list(ReviewComment.objects.filter(content=in_approval).values_list("stage", "decision"))
    assert decisions == [
        (ReviewStage.REVIEW, ReviewDecision.PASS),
        (ReviewStage.APPROVAL, ReviewDecision.PASS),
        (ReviewStage.APPROVAL, ReviewDecision.RETURN),
    ]


def test_approval_checks_the_channel_limits_again(
    heze: dict[str, Any], city_editor: User, publicity_reviewer: User, leader: User
) -> None:
    content = make_draft(city_editor, heze["city_bureau"])
    services.content_submit(content=content, actor=city_editor, at=AT)
    services.content_pass(content=content, actor=publicity_reviewer, at=AT + MIN)
    Content.objects.filter(pk=content.pk).update(channels=[Channel.WECHAT])  # as if the table had changed
    with pytest.raises(ServiceError) as caught:
        services.content_approve(content=content, actor=leader, at=AT + 2 * MIN)
    assert "cover" in fields(caught.value)


# --- published items: edits keep the live revision; withdrawal ------------------------------------


def test_editing_a_published_item_keeps_the_live_revision_until_the_new_one_is_published(
    interpretation: Content, city_editor: User, publicity_reviewer: User, leader: User
) -> None:
    live = interpretation.live_revision
    edit(interpretation, city_editor, at=AT + dt.timedelta(hours=1), title="一图读懂（修订版）")
    interpretation.refresh_from_db()
    assert interpretation.status == S.DRAFT
    assert interpretation.live_revision == live
    assert interpretation.latest_revision is not None
    assert interpretation.latest_revision.number == 2
    services.content_submit(content=interpretation, actor=city_editor, at=AT + dt.timedelta(hours=2))
    services.content_pass(content=interpretation, actor=publicity_reviewer, at=AT + dt.timedelta(hours=3))
    interpretation.refresh_from_db()
    assert interpretation.live_revision == live  # still the approved text while the edit is reviewed
    services.content_approve(content=interpretation, actor=leader, at=AT + dt.timedelta(hours=4))
    interpretation.refresh_from_db()
    assert interpretation.live_revision is not None
    assert interpretation.live_revision.number == 2
    assert interpretation.first_published_at == AT + 2 * MIN
    assert interpretation.published_at == AT + dt.timedelta(hours=4)


def test_withdraw_takes_the_item_off_the_portal_with_a_reason(
    interpretation: Content, leader: User, city_editor: User, publicity_reviewer: User
) -> None:
    with pytest.raises(PermissionDenied):
        services.content_withdraw(content=interpretation, reason="x", actor=publicity_reviewer, at=AT + MIN * 10)
    with pytest.raises(ServiceError) as caught:
        services.content_withdraw(content=interpretation, reason="", actor=leader, at=AT + MIN * 10)
    assert caught.value.field == "comment"
    services.content_withdraw(content=interpretation, reason="政策已修订", actor=leader, at=AT + MIN * 10)
    interpretation.refresh_from_db()
    assert interpretation.status == S.WITHDRAWN
    assert interpretation.live_revision is None
    assert ReviewComment.objects.filter(content=interpretation, text="政策已修订").exists()
    with pytest.raises(ServiceError) as twice:
        services.content_withdraw(content=interpretation, reason="再次", actor=leader, at=AT + MIN * 11)
    assert twice.value.code == "publicity.content.not_live"
    # a withdrawn item comes back only through the workflow: edit (or restore), then submit again
    with pytest.raises(ServiceError):
        services.content_submit(content=interpretation, actor=city_editor, at=AT + MIN * 12)
    edit(interpretation, city_editor, at=AT + MIN * 13, summary="依据最新政策更新。")
    interpretation.refresh_from_db()
    assert interpretation.status == S.DRAFT


def test_withdrawing_while_an_edit_is_in_review_keeps_the_edit_in_the_workflow(
    interpretation: Content, city_editor: User, leader: User
) -> None:
    edit(interpretation, city_editor, at=AT + MIN * 10, title="更正后的标题")
    services.content_submit(content=interpretation, actor=city_editor, at=AT + MIN * 11)
    services.content_withdraw(content=interpretation, reason="原文有误", actor=leader, at=AT + MIN * 12)
    interpretation.refresh_from_db()
    assert interpretation.status == S.IN_REVIEW
    assert interpretation.live_revision is None


# --- rollback -------------------------------------------------------------------------------------


def test_rollback_makes_a_new_revision_from_an_old_one_and_returns_to_draft(
    interpretation: Content, city_editor: User
) -> None:
    edit(interpretation, city_editor, at=AT + MIN * 10, title="改错了的标题", body="改错了的正文")
    first = interpretation.revisions.get(number=1)
    services.content_rollback(content=interpretation, revision=first, actor=city_editor, at=AT + MIN * 11, note="恢复")
    interpretation.refresh_from_db()
    latest = interpretation.latest_revision
    assert latest is not None
    assert latest.number == 3
    assert latest.restored_from == first
    assert (latest.title, latest.body, latest.document_ids) == (first.title, first.body, first.document_ids)
    assert interpretation.title == first.title
    assert interpretation.status == S.DRAFT
    assert interpretation.revisions.count() == 3  # nothing overwritten
    event = AuditEvent.objects.get(action="publicity.content.rollback")
    after = event.after or {}
    assert after["restored_from"] == 1
    assert after["revision"] == 3


def test_rollback_to_the_current_text_of_a_draft_saves_nothing(draft: Content, city_editor: User) -> None:
    with pytest.raises(ServiceError) as caught:
        services.content_rollback(
            content=draft, revision=draft.revisions.get(number=1), actor=city_editor, at=AT + MIN
        )
    assert caught.value.code == "publicity.content.unchanged"


def test_rollback_refuses_another_items_revision(draft: Content, interpretation: Content, city_editor: User) -> None:
    with pytest.raises(ServiceError) as caught:
        services.content_rollback(
            content=draft, revision=interpretation.revisions.get(number=1), actor=city_editor, at=AT + MIN
        )
    assert caught.value.code == "publicity.content.revision"


def test_comments_are_kept_per_revision_across_returns(
    in_review: Content, publicity_reviewer: User, city_editor: User
) -> None:
    services.content_return(
        content=in_review, stage=ReviewStage.REVIEW, comment="补充案例", actor=publicity_reviewer, at=AT + 2 * MIN
    )
    edit(in_review, city_editor, at=AT + 3 * MIN, body="补充了案例的正文")
    services.content_submit(content=in_review, actor=city_editor, at=AT + 4 * MIN)
    services.content_pass(content=in_review, actor=publicity_reviewer, at=AT + 5 * MIN, comment="可以")
    rows = list(ReviewComment.objects.filter(content=in_review).values_list("revision__number", "decision", "text"))
    assert rows == [(1, ReviewDecision.RETURN, "补充案例"), (2, ReviewDecision.PASS, "可以")]


# --- scope ----------------------------------------------------------------------------------------


def test_county_editor_cannot_touch_city_items_but_city_editor_reaches_counties(
    heze: dict[str, Any], draft: Content, cao_editor: User, city_editor: User
) -> None:
    with pytest.raises(PermissionDenied):
        edit(draft, cao_editor, at=AT + MIN, title="越权")
    with pytest.raises(PermissionDenied):
        services.content_submit(content=draft, actor=cao_editor, at=AT + MIN)
    county = make_draft(cao_editor, heze["cao_bureau"])
    edit(county, city_editor, at=AT + MIN, title="市局编辑修改县区稿件")  # the city bureau reaches the whole city
    assert county.revisions.count() == 2


def test_county_item_goes_to_the_city_publicity_team_and_leaders(
    heze: dict[str, Any], cao_editor: User, publicity_reviewer: User, leader: User
) -> None:
    county = make_draft(cao_editor, heze["cao_bureau"])
    publish(county, editor=cao_editor, reviewer=publicity_reviewer, leader=leader)
    county.refresh_from_db()
    assert county.status == S.PUBLISHED
    assert Notification.objects.filter(recipient=publicity_reviewer).exists()
    assert Notification.objects.filter(recipient=leader).exists()


def test_a_county_leader_cannot_approve_a_city_item(heze: dict[str, Any], in_approval: Content) -> None:
    county_leader = make_user(Role.BUREAU_LEADER, heze["cao_bureau"], username="cao_leader")
    with pytest.raises(PermissionDenied):
        services.content_approve(content=in_approval, actor=county_leader, at=AT + 3 * MIN)


# --- the open letter ------------------------------------------------------------------------------


def test_open_letter_is_acknowledged_once_per_supplier(
    open_letter: Content, supplier_user: User, heze: dict[str, Any]
) -> None:
    ack = services.letter_acknowledge(content=open_letter, supplier=heze["supplier"], actor=supplier_user, at=AT)
    assert ack.supplier == heze["supplier"]
    assert ack.user == supplier_user
    with pytest.raises(ConflictError) as caught:
        services.letter_acknowledge(content=open_letter, supplier=heze["supplier"], actor=supplier_user, at=AT + MIN)
    assert caught.value.code == "publicity.letter.already_acknowledged"
    assert "Thank you" in caught.value.message_en
    assert "谢" in caught.value.message_zh
    assert AuditEvent.objects.filter(action="publicity.letter.acknowledge").count() == 1


def test_only_the_suppliers_own_staff_acknowledge_a_published_letter(
    open_letter: Content, interpretation: Content, supplier_user: User, heze: dict[str, Any], city_editor: User
) -> None:
    with pytest.raises(PermissionDenied):
        services.letter_acknowledge(content=open_letter, supplier=heze["supplier"], actor=city_editor, at=AT)
    with pytest.raises(ServiceError) as caught:
        services.letter_acknowledge(content=interpretation, supplier=heze["supplier"], actor=supplier_user, at=AT)
    assert caught.value.code == "publicity.letter.not_a_letter"
    draft_letter = make_draft(city_editor, heze["city_bureau"], kind=ContentKind.OPEN_LETTER)
    with pytest.raises(ServiceError) as unpublished:
        services.letter_acknowledge(content=draft_letter, supplier=heze["supplier"], actor=supplier_user, at=AT)
    assert unpublished.value.code == "publicity.content.not_live"


# --- every action in every status -----------------------------------------------------------------

ACTIONS = ("submit", "pass", "return_review", "approve", "return_approval", "withdraw")
ALLOWED: dict[str, set[str]] = {
    S.DRAFT: {"submit"},
    S.IN_REVIEW: {"pass", "return_review"},
    S.IN_APPROVAL: {"approve", "return_approval"},
    S.SCHEDULED: {"return_approval"},
    S.PUBLISHED: {"withdraw"},
    S.WITHDRAWN: set(),
}


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("status", list(ALLOWED))
def test_each_action_is_allowed_only_in_its_status(
    status: str,
    action: str,
    heze: dict[str, Any],
    city_editor: User,
    publicity_reviewer: User,
    leader: User,
) -> None:
    content = make_draft(city_editor, heze["city_bureau"])
    live = content.latest_revision if status == S.PUBLISHED else None
    publish_at = AT + dt.timedelta(days=1) if status == S.SCHEDULED else None
    Content.objects.filter(pk=content.pk).update(status=status, live_revision=live, publish_at=publish_at)
    content.refresh_from_db()
    at = AT + MIN
    run = {
        "submit": lambda: services.content_submit(content=content, actor=city_editor, at=at),
        "pass": lambda: services.content_pass(content=content, actor=publicity_reviewer, at=at),
        "return_review": lambda: services.content_return(
            content=content, stage=ReviewStage.REVIEW, comment="请修改", actor=publicity_reviewer, at=at
        ),
        "approve": lambda: services.content_approve(content=content, actor=leader, at=at),
        "return_approval": lambda: services.content_return(
            content=content, stage=ReviewStage.APPROVAL, comment="请修改", actor=leader, at=at
        ),
        "withdraw": lambda: services.content_withdraw(content=content, reason="撤下", actor=leader, at=at),
    }[action]
    before = AuditEvent.objects.count()
    if action in ALLOWED[status]:
        run()
        content.refresh_from_db()
        assert content.status != status
        assert AuditEvent.objects.count() > before  # every transition is audited
    else:
        with pytest.raises(ServiceError):
            run()
        content.refresh_from_db()
        assert content.status == status
        assert AuditEvent.objects.count() == before
