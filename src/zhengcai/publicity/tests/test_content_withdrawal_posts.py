"""Withdrawing an item stops what has not gone out on its channels, and tells the editors where it is still up."""

from __future__ import annotations

import datetime as dt

from conftest import AT
from zhengcai.accounts.models import User
from zhengcai.core.models import AuditEvent, Notification
from zhengcai.publicity import outbox, services
from zhengcai.publicity.models import Channel, ChannelPost, Content, PostState


def test_withdrawal_cancels_waiting_packages_and_lists_posts_already_out(
    open_letter: Content, city_editor: User, leader: User
) -> None:
    posts = {p.channel: p for p in ChannelPost.objects.filter(content=open_letter)}
    assert posts[Channel.WECHAT].state == PostState.PACKAGE_READY
    outbox.post_record_manual(
        post=posts[Channel.WEIBO],
        url="https://weibo.com/7700000001/Abc123",
        actor=city_editor,
        at=AT + dt.timedelta(hours=1),
    )

    services.content_withdraw(
        content=open_letter, reason="文中政策已调整，撤回修改。", actor=leader, at=AT + dt.timedelta(hours=2)
    )

    states = dict(ChannelPost.objects.filter(content=open_letter).values_list("channel", "state"))
    assert states[Channel.WECHAT] == PostState.CANCELLED  # never went out: stopped
    assert states[Channel.DOUYIN] == PostState.CANCELLED
    assert states[Channel.WEIBO] == PostState.POSTED  # it is out there: we do not pretend otherwise
    assert AuditEvent.objects.filter(action="publicity.post_cancel").count() == 3  # WeChat, Douyin, Toutiao
    note = Notification.objects.filter(recipient=city_editor).order_by("-id").first()
    assert note is not None
    assert "https://weibo.com/7700000001/Abc123" in note.body
