"""Samples of the channel URLs for the permission matrix, and the builders the channel tests share."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from PIL import Image

from conftest import make_user
from zhengcai.core.permissions import Role
from zhengcai.organizations.models import Organization, Region

BODY = (
    "为进一步优化政府采购营商环境，市财政局决定在全市推行政府采购合同融资。\n"
    "中标、成交供应商凭政府采购合同，可向合作银行申请无抵押、无担保的信用贷款。"
)


def image_bytes(width: int, height: int, fmt: str = "PNG", color: str = "#c8102e") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, format=fmt)
    return out.getvalue()


def store_cover(data: bytes, name: str = "publicity/covers/test-cover.png") -> str:
    return default_storage.save(name, ContentFile(data))


def make_item(
    *,
    region: Region,
    owner: Organization,
    author: Any,
    at: dt.datetime,
    channels: list[str],
    title: str = "政府采购合同融资政策推行",
    summary: str = "中标供应商凭合同可申请信用贷款。",
    body: str = BODY,
    cover: bytes | None = None,
    status: str = "published",
) -> Any:
    """An item with one revision, published (live) unless ``status`` says otherwise; written directly (the
    workflow that leads there is tested by the content area)."""
    from zhengcai.publicity.models import Content, ContentRevision

    cover_name = store_cover(cover) if cover else ""
    live = status == "published"
    content = Content.objects.create(
        kind="article",
        region=region,
        owner=owner,
        title=title,
        summary=summary,
        body=body,
        cover=cover_name,
        channels=channels,
        status=status,
        publish_at=at if status == "scheduled" else None,
        first_published_at=at if live else None,
        published_at=at if live else None,
        created_by=author,
        created_at=at,
        updated_at=at,
    )
    revision = ContentRevision.objects.create(
        content=content,
        number=1,
        title=title,
        summary=summary,
        body=body,
        cover=cover_name,
        channels=channels,
        created_by=author,
        created_at=at,
    )
    content.latest_revision = revision
    content.live_revision = revision if live else None
    content.save(update_fields=["latest_revision", "live_revision"])
    return content


def ensure_channels(o: dict[str, Any]) -> dict[str, Any]:
    """A published item on the website and WeChat (no credentials: a package by hand), once per test."""
    if "channel_post" in o:
        return o
    from zhengcai.publicity import outbox

    editor = make_user(Role.PUBLICITY_EDITOR, o["city_bureau"], username="matrix_channels")
    at = timezone.now() - dt.timedelta(days=1)
    item = make_item(
        region=o["city"],
        owner=o["city_bureau"],
        author=editor,
        at=at,
        channels=["website", "wechat"],
        cover=image_bytes(900, 383),
    )
    posts = outbox.posts_enqueue(content=item, revision=item.live_revision, at=at)
    o["channel_item"] = item
    o["channel_post"] = next(p for p in posts if p.channel == "wechat")
    o["channel_link"] = outbox.short_link_for(content=item, channel="wechat", at=at)
    return o


def _call(method: str, path: str, data: dict[str, Any] | None = None) -> Any:
    from zhengcai.core.tests.test_permission_matrix import Call

    return Call(method, path, data)


def _post(o: dict[str, Any]) -> int:
    return int(ensure_channels(o)["channel_post"].pk)


CHANNEL_URL_SAMPLES: dict[str, Any] = {
    "publicity:short_link": lambda o, u: _call("GET", f"/s/{ensure_channels(o)['channel_link'].code}"),
    "publicity:feed_rss": lambda o, u: _call("GET", "/publicity/feed/rss/"),
    "publicity:feed_atom": lambda o, u: _call("GET", "/publicity/feed/atom/"),
    "publicity:feed_json": lambda o, u: _call("GET", "/publicity/feed.json"),
    "publicity:posts": lambda o, u: _call("GET", "/office/publicity/posts/?channel=wechat"),
    "publicity:post": lambda o, u: _call("GET", f"/office/publicity/posts/{_post(o)}/"),
    "publicity:post_package": lambda o, u: _call("GET", f"/office/publicity/posts/{_post(o)}/package.zip"),
    "publicity:post_record": lambda o, u: _call(
        "POST", f"/office/publicity/posts/{_post(o)}/record/", {"url": "https://example.com/not-wechat"}
    ),
    "publicity:post_retry": lambda o, u: _call("POST", f"/office/publicity/posts/{_post(o)}/retry/"),
    "publicity:post_cancel": lambda o, u: _call("GET", f"/office/publicity/posts/{_post(o)}/cancel/"),
    "publicity:post_metric": lambda o, u: _call("POST", f"/office/publicity/posts/{_post(o)}/metrics/", {}),
    "publicity:metrics_import": lambda o, u: _call("GET", "/office/publicity/metrics/import/"),
}
