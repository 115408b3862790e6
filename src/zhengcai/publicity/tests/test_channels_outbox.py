"""The outbox without the network: one post per channel of a published revision, the portal and the feed
posted when they show it, ready-to-post packages, the manual flow to ``posted`` (only with the real URL),
retry and cancel, audit and notifications, and the short links."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from PIL import Image

from conftest import AT, make_user
from zhengcai.accounts.models import User
from zhengcai.core.errors import ServiceError
from zhengcai.core.models import AuditEvent, Notification
from zhengcai.core.permissions import Role
from zhengcai.publicity import outbox
from zhengcai.publicity.channels import ADAPTERS
from zhengcai.publicity.drivers import package_zip
from zhengcai.publicity.errors import ChannelError
from zhengcai.publicity.models import ChannelPost, PostState, ShortLink

from .url_samples_channels import image_bytes, make_item

LATER = AT + dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.ZC_PUBLIC_URL = "https://zfcg.example.cn"


@pytest.fixture
def editor(heze: dict[str, Any]) -> User:
    return make_user(Role.PUBLICITY_EDITOR, heze["city_bureau"], username="city_editor")


def item_on(heze: dict[str, Any], editor: User, channels: list[str], **kw: Any) -> Any:
    kw.setdefault("cover", image_bytes(1800, 1000))
    return make_item(region=heze["city"], owner=heze["city_bureau"], author=editor, at=AT, channels=channels, **kw)


def enqueue(item: Any) -> dict[str, ChannelPost]:
    return {p.channel: p for p in outbox.posts_enqueue(content=item, revision=item.live_revision, at=AT)}


def test_each_channel_of_the_published_revision_gets_one_post_once(heze: dict[str, Any], editor: User) -> None:
    item = item_on(heze, editor, ["website", "feed", "wechat", "weibo", "douyin", "toutiao"])
    posts = enqueue(item)
    assert set(posts) == {"website", "feed", "wechat", "weibo", "douyin", "toutiao"}
    again = enqueue(item)
    assert {c: p.pk for c, p in again.items()} == {c: p.pk for c, p in posts.items()}
    assert ChannelPost.objects.count() == 6
    assert AuditEvent.objects.filter(action="publicity.post_enqueue").count() == 6


def test_the_website_and_the_feed_are_posted_because_the_portal_shows_the_revision(
    heze: dict[str, Any], editor: User
) -> None:
    item = item_on(heze, editor, ["website", "feed"])
    posts = enqueue(item)
    for channel in ("website", "feed"):
        post = posts[channel]
        assert (post.driver, post.state, post.posted_at) == (
            {"website": "portal", "feed": "feed"}[channel],
            PostState.POSTED,
            AT,
        )
        assert post.external_url == f"https://zfcg.example.cn/publicity/{item.pk}/"


def test_a_revision_not_yet_live_is_not_posted_on_the_website_until_it_is(heze: dict[str, Any], editor: User) -> None:
    item = item_on(heze, editor, ["website"], status="scheduled")
    [post] = outbox.posts_enqueue(content=item, revision=item.latest_revision, at=AT)
    assert post.state == PostState.QUEUED
    assert outbox.posts_deliver_due(at=AT) == 0
    assert ChannelPost.objects.get(pk=post.pk).next_attempt_at == AT + outbox.PORTAL_RECHECK
    item.status, item.live_revision = "published", item.latest_revision
    item.save(update_fields=["status", "live_revision"])
    assert outbox.posts_deliver_due(at=LATER) == 1
    assert ChannelPost.objects.get(pk=post.pk).state == PostState.POSTED


def test_without_credentials_a_platform_post_is_a_ready_package_and_the_editor_is_told(
    heze: dict[str, Any], editor: User
) -> None:
    post = enqueue(item_on(heze, editor, ["weibo"]))["weibo"]
    assert (post.driver, post.state, post.posted_at) == ("manual", PostState.PACKAGE_READY, None)
    assert post.package["text"].endswith(post.package["short_url"])
    note = Notification.objects.get(recipient=editor)
    assert note.subject.startswith("微博：发布包已备好")
    assert note.link == f"/office/publicity/posts/{post.pk}/"


def test_a_package_is_never_posted_by_the_tick(heze: dict[str, Any], editor: User) -> None:
    post = enqueue(item_on(heze, editor, ["wechat"]))["wechat"]
    assert outbox.posts_deliver_due(at=LATER) == 0
    assert ChannelPost.objects.get(pk=post.pk).state == PostState.PACKAGE_READY


def test_the_package_zip_holds_text_html_cover_qr_and_a_manifest(heze: dict[str, Any], editor: User) -> None:
    item = item_on(heze, editor, ["wechat"])
    post = enqueue(item)["wechat"]
    data = package_zip(
        adapter=ADAPTERS["wechat"],
        item=outbox.revision_item(item, item.live_revision),
        package=post.package,
        meta={"post": post.pk},
        created_at=post.created_at,
    )
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.namelist() == ["manifest.json", "post.txt", "post.html", "cover.jpg", "qr.png"]
        manifest = json.loads(archive.read("manifest.json"))
        text = archive.read("post.txt").decode()
        page = archive.read("post.html").decode()
        with Image.open(io.BytesIO(archive.read("cover.jpg"))) as cover:
            assert cover.size == (900, 383)
        with Image.open(io.BytesIO(archive.read("qr.png"))) as qr:
            assert qr.format == "PNG"
        import hashlib

        assert manifest["files"]["cover.jpg"] == hashlib.sha256(archive.read("cover.jpg")).hexdigest()
    short = post.package["short_url"]
    assert manifest["short_url"] == short
    assert manifest["channel"] == "wechat"
    assert text.startswith("政府采购合同融资政策推行\n\n")
    assert short in text
    assert '<html lang="zh-CN">' in page
    assert "cover.jpg" in page
    assert short in page
    assert ShortLink.objects.get(content=item, channel="wechat").code == short.rsplit("/", 1)[1]
    again = package_zip(
        adapter=ADAPTERS["wechat"],
        item=outbox.revision_item(item, item.live_revision),
        package=post.package,
        meta={"post": post.pk},
        created_at=post.created_at,
    )
    assert again == data  # the same post gives the same bytes


# --- the editor records the real post --------------------------------------------------------------------


def test_the_manual_flow_ends_posted_only_with_a_url_on_the_channel_domain(heze: dict[str, Any], editor: User) -> None:
    post = enqueue(item_on(heze, editor, ["wechat"]))["wechat"]
    with pytest.raises(ServiceError) as blank:
        outbox.post_record_manual(post=post, url="  ", actor=editor, at=LATER)
    assert blank.value.code == ChannelError.POST_URL_REQUIRED
    for wrong in ("https://weibo.com/123/abc", "https://mp.weixin.qq.com.evil.cn/s/x", "javascript:alert(1)"):
        with pytest.raises(ServiceError) as error:
            outbox.post_record_manual(post=post, url=wrong, actor=editor, at=LATER)
        assert error.value.code == ChannelError.POST_URL_DOMAIN
        assert error.value.message_zh == "微信公众号：网址必须是 mp.weixin.qq.com 上的网页地址。"
    assert ChannelPost.objects.get(pk=post.pk).state == PostState.PACKAGE_READY

    post = outbox.post_record_manual(post=post, url="https://mp.weixin.qq.com/s/AbCdEf", actor=editor, at=LATER)
    assert (post.state, post.posted_at, post.recorded_by, post.external_url) == (
        PostState.POSTED,
        LATER,
        editor,
        "https://mp.weixin.qq.com/s/AbCdEf",
    )
    event = AuditEvent.objects.get(action="publicity.post_record")
    assert (event.before or {})["state"] == "package_ready"
    assert (event.after or {})["state"] == "posted"


def test_weibo_accepts_both_its_domains_and_a_url_is_recorded_once(heze: dict[str, Any], editor: User) -> None:
    first = enqueue(item_on(heze, editor, ["weibo"]))["weibo"]
    second = enqueue(item_on(heze, editor, ["weibo"], title="第二条"))["weibo"]
    outbox.post_record_manual(post=first, url="https://m.weibo.cn/status/4900000000000001", actor=editor, at=LATER)
    with pytest.raises(ServiceError) as error:
        outbox.post_record_manual(
            post=second, url="https://m.weibo.cn/status/4900000000000001", actor=editor, at=LATER
        )
    assert error.value.code == ChannelError.POST_URL_TAKEN
    outbox.post_record_manual(post=second, url="https://weibo.com/1234567/PqRsTu", actor=editor, at=LATER)
    assert ChannelPost.objects.filter(state=PostState.POSTED).count() == 2


def test_a_posted_post_cannot_be_recorded_again_or_cancelled(heze: dict[str, Any], editor: User) -> None:
    post = enqueue(item_on(heze, editor, ["douyin"], title="合同融资"))["douyin"]
    outbox.post_record_manual(post=post, url="https://www.douyin.com/note/7300000000000000000", actor=editor, at=LATER)
    with pytest.raises(ServiceError):
        outbox.post_record_manual(
            post=post, url="https://www.douyin.com/note/7300000000000000001", actor=editor, at=LATER
        )
    with pytest.raises(ServiceError):
        outbox.post_cancel(post=post, actor=editor, at=LATER)


def test_the_website_is_not_recorded_by_hand(heze: dict[str, Any], editor: User) -> None:
    post = enqueue(item_on(heze, editor, ["website"]))["website"]
    with pytest.raises(ServiceError) as error:
        outbox.post_record_manual(post=post, url="https://zfcg.example.cn/publicity/1/", actor=editor, at=LATER)
    assert error.value.code == ChannelError.POST_STATE


def test_an_editor_of_another_county_cannot_act_on_the_post(heze: dict[str, Any], editor: User) -> None:
    post = enqueue(item_on(heze, editor, ["wechat"]))["wechat"]
    county = make_user(Role.PUBLICITY_EDITOR, heze["cao_bureau"], username="cao_editor")
    with pytest.raises(PermissionDenied):
        outbox.post_record_manual(post=post, url="https://mp.weixin.qq.com/s/x", actor=county, at=LATER)
    assert outbox.posts_in_scope(user=county).count() == 0
    assert outbox.posts_in_scope(user=editor).count() == 1


# --- cancel, retry, limits changed since approval -------------------------------------------------------------


def test_cancel_then_retry_makes_a_fresh_package(heze: dict[str, Any], editor: User) -> None:
    post = enqueue(item_on(heze, editor, ["wechat"]))["wechat"]
    post = outbox.post_cancel(post=post, actor=editor, at=LATER)
    assert post.state == PostState.CANCELLED
    post = outbox.post_retry(post=post, actor=editor, at=LATER)
    assert (post.state, post.attempts) == (PostState.PACKAGE_READY, 0)
    assert [e.action for e in AuditEvent.objects.filter(object_id=str(post.pk)).order_by("seq")][-3:] == [
        "publicity.post_cancel",
        "publicity.post_retry",
        "publicity.post_state",
    ]


def test_a_post_being_sent_cannot_be_cancelled(heze: dict[str, Any], editor: User) -> None:
    post = enqueue(item_on(heze, editor, ["wechat"]))["wechat"]
    ChannelPost.objects.filter(pk=post.pk).update(state=PostState.SENDING)
    with pytest.raises(ServiceError) as error:
        outbox.post_cancel(post=post, actor=editor, at=LATER)
    assert error.value.code == ChannelError.POST_STATE


def test_an_item_breaking_a_limit_at_publication_is_failed_with_the_reason_never_sent(
    heze: dict[str, Any], editor: User
) -> None:
    post = enqueue(item_on(heze, editor, ["wechat"], title="超" * 40))["wechat"]
    assert post.state == PostState.FAILED
    assert post.posted_at is None
    assert "标题超过 32 字" in post.last_error
    assert "title over 32 characters" in post.last_error
    with pytest.raises(ServiceError) as error:
        outbox.post_retry(post=post, actor=editor, at=LATER)  # still too long: refused, not sent
    assert error.value.code == ChannelError.TITLE_TOO_LONG


def test_a_withdrawn_item_cannot_be_retried(heze: dict[str, Any], editor: User) -> None:
    item = item_on(heze, editor, ["wechat"])
    post = outbox.post_cancel(post=enqueue(item)["wechat"], actor=editor, at=LATER)
    item.status, item.live_revision = "withdrawn", None
    item.save(update_fields=["status", "live_revision"])
    with pytest.raises(ServiceError) as error:
        outbox.post_retry(post=post, actor=editor, at=LATER)
    assert error.value.code == ChannelError.NOT_PUBLISHED


# --- short links --------------------------------------------------------------------------------------------


def test_short_links_are_made_once_per_item_and_channel_and_are_unguessable(
    heze: dict[str, Any], editor: User
) -> None:
    item = item_on(heze, editor, ["website"])
    links = {c: outbox.short_link_for(content=item, channel=c, at=AT) for c in ("wechat", "weibo", "leaflet", "event")}
    assert outbox.short_link_for(content=item, channel="wechat", at=LATER).pk == links["wechat"].pk
    codes = {link.code for link in links.values()}
    assert len(codes) == 4
    assert all(len(c) == outbox.CODE_LENGTH and set(c) <= set(outbox.CODE_ALPHABET) for c in codes)
    with pytest.raises(ServiceError) as error:
        outbox.short_link_for(content=item, channel="email", at=AT)
    assert error.value.code == ChannelError.UNKNOWN_CHANNEL


def test_a_click_is_counted_per_link(heze: dict[str, Any], editor: User) -> None:
    item = item_on(heze, editor, ["website"])
    link = outbox.short_link_for(content=item, channel="weibo", at=AT)
    assert outbox.short_link_click(code=link.code, at=LATER) == link
    outbox.short_link_click(code=link.code, at=LATER)
    assert link.clicks.count() == 2
    assert outbox.short_link_click(code="nope", at=LATER) is None


def test_an_unexpected_driver_error_is_kept_and_retried_without_stopping_other_posts(
    heze: dict[str, Any], editor: User, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from zhengcai.publicity.drivers import WechatApiDriver

    settings.ZC_CHANNEL_WECHAT_APPID, settings.ZC_CHANNEL_WECHAT_SECRET = "wx1", "s"

    def broken(self: Any, **kw: Any) -> Any:
        raise ValueError("bad image")

    monkeypatch.setattr(WechatApiDriver, "send", broken)
    first = enqueue(item_on(heze, editor, ["wechat"]))["wechat"]
    second = enqueue(item_on(heze, editor, ["wechat"], title="第二条"))["wechat"]
    assert outbox.posts_deliver_due(at=AT) == 2
    for post in (first, second):
        saved = ChannelPost.objects.get(pk=post.pk)
        assert (saved.state, saved.last_error) == (PostState.RETRYING, "ValueError: bad image")
