"""Channel pages: the public short link that counts clicks, the public feeds (RSS 2.0, Atom, JSON Feed 1.1),
the back office's outbox, post page, package download, record form, CSV import page, and the posts API."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from defusedxml.ElementTree import fromstring as parse_xml
from django.test import Client
from django.utils import timezone

from conftest import AT, make_user
from zhengcai.accounts.models import User
from zhengcai.core.permissions import Role
from zhengcai.publicity import outbox
from zhengcai.publicity.models import ChannelPost, PostState, ReachMetric, ShortLinkClick

from .url_samples_channels import image_bytes, make_item

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.ZC_PUBLIC_URL = "https://zfcg.example.cn"


@pytest.fixture
def editor(heze: dict[str, Any]) -> User:
    return make_user(Role.PUBLICITY_EDITOR, heze["city_bureau"], username="city_editor")


@pytest.fixture
def client_for(editor: User) -> Client:
    client = Client()
    client.force_login(editor)
    return client


def item_on(heze: dict[str, Any], editor: User, channels: list[str], **kw: Any) -> Any:
    kw.setdefault("cover", image_bytes(1800, 1000))
    return make_item(region=heze["city"], owner=heze["city_bureau"], author=editor, at=AT, channels=channels, **kw)


def enqueue(item: Any) -> dict[str, ChannelPost]:
    return {p.channel: p for p in outbox.posts_enqueue(content=item, revision=item.live_revision, at=AT)}


# --- public: short links and feeds -----------------------------------------------------------------------


def test_the_short_link_redirects_to_the_item_page_and_counts_each_click(heze: dict[str, Any], editor: User) -> None:
    item = item_on(heze, editor, ["website"])
    link = outbox.short_link_for(content=item, channel="weibo", at=AT)
    for _ in range(3):
        response = Client().get(f"/s/{link.code}")
        assert response.status_code == 302
        assert response["Location"] == f"/publicity/{item.pk}/"
    assert ShortLinkClick.objects.filter(link=link).count() == 3
    assert Client().get("/s/doesnotexist").status_code == 404
    assert ShortLinkClick.objects.count() == 3


def test_rss_and_atom_list_published_items_with_their_live_text_only(heze: dict[str, Any], editor: User) -> None:
    live = item_on(heze, editor, ["website"], title="已发布的稿件")
    item_on(heze, editor, ["website"], title="草稿不应出现", status="draft")
    rss = Client().get("/publicity/feed/rss/")
    assert rss.status_code == 200
    assert rss["Content-Type"].startswith("application/rss+xml")
    channel = parse_xml(rss.content).find("channel")
    assert channel is not None
    titles = [i.findtext("title") for i in channel.findall("item")]
    assert titles == ["已发布的稿件"]
    assert (channel.findtext("item/link") or "").endswith(f"/publicity/{live.pk}/")
    assert channel.findtext("item/description") == "中标供应商凭合同可申请信用贷款。"

    atom = Client().get("/publicity/feed/atom/")
    assert atom.status_code == 200
    assert atom["Content-Type"].startswith("application/atom+xml")
    root = parse_xml(atom.content)
    assert [e.findtext(f"{ATOM}title") for e in root.findall(f"{ATOM}entry")] == ["已发布的稿件"]
    assert root.find(f"{ATOM}entry/{ATOM}updated") is not None


def test_json_feed_is_version_1_1_newest_first_at_most_50(heze: dict[str, Any], editor: User) -> None:
    for n in range(52):
        make_item(
            region=heze["city"],
            owner=heze["city_bureau"],
            author=editor,
            at=AT + dt.timedelta(minutes=n),
            channels=["website"],
            title=f"稿件{n}",
        )
    response = Client().get("/publicity/feed.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/feed+json")
    feed = json.loads(response.content)
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert feed["feed_url"].endswith("/publicity/feed.json")
    assert feed["home_page_url"].endswith("/publicity/")
    assert len(feed["items"]) == 50
    first = feed["items"][0]
    assert first["title"] == "稿件51"
    assert first["id"] == first["url"]
    assert first["url"].startswith("http")
    assert {"content_text", "date_published", "summary"} <= set(first)
    assert dt.datetime.fromisoformat(first["date_published"]) == AT + dt.timedelta(minutes=51)


# --- the back office ---------------------------------------------------------------------------------------


def test_the_outbox_lists_posts_filtered_by_channel_and_state(
    heze: dict[str, Any], editor: User, client_for: Client
) -> None:
    enqueue(item_on(heze, editor, ["website", "wechat"]))
    page = client_for.get("/office/publicity/posts/?channel=wechat")
    assert page.status_code == 200
    assert page.content.decode().count('data-testid="post-row"') == 1
    page = client_for.get("/office/publicity/posts/?state=posted")
    assert page.content.decode().count('data-testid="post-row"') == 1
    assert "门户网站" in page.content.decode()


def test_the_post_page_previews_the_package_and_offers_the_zip(
    heze: dict[str, Any], editor: User, client_for: Client
) -> None:
    post = enqueue(item_on(heze, editor, ["weibo"]))["weibo"]
    page = client_for.get(f"/office/publicity/posts/{post.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert post.package["text"] in html
    assert "data:image/jpeg;base64," in html
    assert "data:image/svg+xml" in html
    download = client_for.get(f"/office/publicity/posts/{post.pk}/package.zip")
    assert download.status_code == 200
    assert download["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(download.content)) as archive:
        assert set(archive.namelist()) == {"manifest.json", "post.txt", "post.html", "cover.jpg", "qr.png"}
        assert json.loads(archive.read("manifest.json"))["post"] == post.pk


def test_recording_a_wrong_url_shows_the_rule_and_a_right_one_posts(
    heze: dict[str, Any], editor: User, client_for: Client
) -> None:
    post = enqueue(item_on(heze, editor, ["wechat"]))["wechat"]
    wrong = client_for.post(f"/office/publicity/posts/{post.pk}/record/", {"url": "https://example.com/x"})
    assert wrong.status_code == 200
    assert "微信公众号：网址必须是 mp.weixin.qq.com 上的网页地址。" in wrong.content.decode()
    assert ChannelPost.objects.get(pk=post.pk).state == PostState.PACKAGE_READY
    right = client_for.post(f"/office/publicity/posts/{post.pk}/record/", {"url": "https://mp.weixin.qq.com/s/Ok"})
    assert right.status_code == 302
    assert ChannelPost.objects.get(pk=post.pk).state == PostState.POSTED


def test_figures_entered_on_the_post_page(heze: dict[str, Any], editor: User, client_for: Client) -> None:
    post = enqueue(item_on(heze, editor, ["wechat"]))["wechat"]
    outbox.post_record_manual(post=post, url="https://mp.weixin.qq.com/s/Ok", actor=editor, at=AT)
    today = timezone.localdate()
    response = client_for.post(
        f"/office/publicity/posts/{post.pk}/metrics/",
        {"day": today.isoformat(), "reads": "10", "shares": "2", "likes": "3", "comments": "0"},
    )
    assert response.status_code == 302
    assert ReachMetric.objects.get().reads == 10
    page = client_for.get(f"/office/publicity/posts/{post.pk}/").content.decode()
    assert page.count('data-testid="metric-row"') == 1


def test_the_import_page_lists_every_row_error_and_imports_nothing(
    heze: dict[str, Any], editor: User, client_for: Client
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile(
        "export.csv", "日期,文章链接,阅读次数\r\n2026-03-03,https://mp.weixin.qq.com/s/none,x\r\n".encode()
    )
    response = client_for.post("/office/publicity/metrics/import/", {"channel": "wechat", "file": upload})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('data-testid="row-error"') == 2
    assert "第 2 行，阅读次数：不是大于等于 0 的整数：x" in html
    assert ReachMetric.objects.count() == 0


def test_a_county_editor_does_not_see_city_posts(heze: dict[str, Any], editor: User) -> None:
    post = enqueue(item_on(heze, editor, ["wechat"]))["wechat"]
    county = Client()
    county.force_login(make_user(Role.PUBLICITY_EDITOR, heze["cao_bureau"], username="cao_editor"))
    assert county.get(f"/office/publicity/posts/{post.pk}/").status_code == 404
    assert county.get(f"/office/publicity/posts/{post.pk}/package.zip").status_code == 404
    assert 'data-testid="post-row"' not in county.get("/office/publicity/posts/").content.decode()


def test_the_posts_api_lists_posts_in_scope(heze: dict[str, Any], editor: User, client_for: Client) -> None:
    enqueue(item_on(heze, editor, ["website", "wechat"]))
    body = client_for.get("/api/v1/publicity/posts?channel=wechat").json()
    assert body["count"] == 1
    [post] = body["items"]
    assert (post["channel"], post["state"], post["title"], post["revision"]) == (
        "wechat",
        "package_ready",
        "政府采购合同融资政策推行",
        1,
    )
    county = Client()
    county.force_login(make_user(Role.PUBLICITY_EDITOR, heze["cao_bureau"], username="cao_editor"))
    assert county.get("/api/v1/publicity/posts").json()["count"] == 0
