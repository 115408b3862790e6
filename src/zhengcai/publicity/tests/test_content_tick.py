"""Scheduled publication: the tick publishes approved items when their time comes (time travel through
``core.clock``), once, each on its own."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from zhengcai.accounts.models import User
from zhengcai.core import clock
from zhengcai.core.models import AuditEvent, Notification
from zhengcai.publicity import outbox, services
from zhengcai.publicity.models import ChannelPost, Content, ContentStatus
from zhengcai.publicity.tick import publicity_tick

from .conftest import make_draft

pytestmark = pytest.mark.django_db
HOUR = dt.timedelta(hours=1)


def scheduled(
    heze: dict[str, Any],
    editor: User,
    reviewer: User,
    leader: User,
    *,
    now: dt.datetime,
    delay: dt.timedelta,
    title: str,
) -> Content:
    content = make_draft(editor, heze["city_bureau"], title=title, at=now)
    services.content_submit(content=content, actor=editor, at=now)
    services.content_pass(content=content, actor=reviewer, at=now)
    services.content_approve(content=content, actor=leader, at=now, publish_at=now + delay)
    content.refresh_from_db()
    return content


def test_tick_publishes_an_approved_item_when_its_time_comes(
    heze: dict[str, Any], city_editor: User, publicity_reviewer: User, leader: User
) -> None:
    now = clock.now()
    content = scheduled(heze, city_editor, publicity_reviewer, leader, now=now, delay=2 * HOUR, title="定时发布的新闻")
    assert content.status == ContentStatus.SCHEDULED
    out = io.StringIO()
    call_command("publicity_tick", stdout=out)  # too early: nothing happens
    assert "published: 0" in out.getvalue()
    assert Client().get(f"/publicity/{content.pk}/").status_code == 404
    with clock.travel(2 * HOUR + dt.timedelta(seconds=1)):
        call_command("publicity_tick", stdout=out)
        content.refresh_from_db()
        assert content.status == ContentStatus.PUBLISHED
        assert content.live_revision_id == content.latest_revision_id
        assert content.published_at is not None
        assert content.published_at >= now + 2 * HOUR
        assert Client().get(f"/publicity/{content.pk}/").status_code == 200
        assert ChannelPost.objects.filter(content=content).count() == 2  # website and feed
        event = AuditEvent.objects.get(action="publicity.content.publish", object_id=str(content.pk))
        assert event.actor_label == services.TICK_ACTOR
        assert Notification.objects.filter(recipient=city_editor, subject__contains="定时发布的新闻").count() == 2
        # idempotent: a second pass publishes nothing more
        again = publicity_tick(at=clock.now())
        assert again.published == []
    assert AuditEvent.objects.filter(action="publicity.content.publish", object_id=str(content.pk)).count() == 1
    assert "published: 1" in out.getvalue()


def test_tick_publishes_due_items_in_order_and_leaves_later_ones(
    heze: dict[str, Any], city_editor: User, publicity_reviewer: User, leader: User
) -> None:
    now = clock.now()
    later = scheduled(heze, city_editor, publicity_reviewer, leader, now=now, delay=5 * HOUR, title="晚些发布")
    second = scheduled(heze, city_editor, publicity_reviewer, leader, now=now, delay=2 * HOUR, title="第二篇")
    first = scheduled(heze, city_editor, publicity_reviewer, leader, now=now, delay=HOUR, title="第一篇")
    report = publicity_tick(at=now + 3 * HOUR)
    assert report.published == [first.pk, second.pk]
    later.refresh_from_db()
    assert later.status == ContentStatus.SCHEDULED
    assert report.delivered is not None  # the channels area's delivery ran after publication


def test_a_returned_item_is_not_published_by_the_tick(
    heze: dict[str, Any], city_editor: User, publicity_reviewer: User, leader: User
) -> None:
    now = clock.now()
    content = scheduled(heze, city_editor, publicity_reviewer, leader, now=now, delay=HOUR, title="被撤回的定时稿")
    services.content_return(
        content=content, stage="approval", comment="暂缓", actor=leader, at=now + dt.timedelta(minutes=5)
    )
    assert publicity_tick(at=now + 2 * HOUR).published == []
    content.refresh_from_db()
    assert content.status == ContentStatus.DRAFT
    assert content.live_revision is None


def test_one_failing_item_does_not_hold_back_the_others(
    heze: dict[str, Any], city_editor: User, publicity_reviewer: User, leader: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = clock.now()
    bad = scheduled(heze, city_editor, publicity_reviewer, leader, now=now, delay=HOUR, title="出错的稿件")
    good = scheduled(heze, city_editor, publicity_reviewer, leader, now=now, delay=HOUR, title="正常的稿件")
    real = outbox.posts_enqueue

    def flaky(*, content: Content, revision: Any, at: dt.datetime) -> Any:
        if content.pk == bad.pk:
            raise OSError("channel adapter unavailable")
        return real(content=content, revision=revision, at=at)

    monkeypatch.setattr(outbox, "posts_enqueue", flaky)
    report = publicity_tick(at=now + 2 * HOUR)
    assert report.published == [good.pk]
    assert "channel adapter unavailable" in report.failed[bad.pk]
    bad.refresh_from_db()
    assert bad.status == ContentStatus.SCHEDULED
    assert bad.live_revision is None
    assert not AuditEvent.objects.filter(action="publicity.content.publish", object_id=str(bad.pk)).exists()
    monkeypatch.setattr(outbox, "posts_enqueue", real)
    assert publicity_tick(at=now + 3 * HOUR).published == [bad.pk]
