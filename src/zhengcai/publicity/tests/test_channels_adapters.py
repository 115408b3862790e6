"""Channel adapters: each channel's limits refuse (never cut) an item, with the channel, field and limit named;
each rendering follows the channel's link rules; covers are checked and cropped with Pillow."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from zhengcai.core.errors import ServiceError
from zhengcai.publicity.channels import (
    ADAPTERS,
    LIMITS,
    Item,
    WechatAdapter,
    WeiboAdapter,
    body_text,
    crop_cover,
    weibo_length,
)
from zhengcai.publicity.errors import ChannelError
from zhengcai.publicity.models import Channel
from zhengcai.publicity.outbox import channel_problems

from .url_samples_channels import image_bytes, store_cover

SHORT = "https://zfcg.example.cn/s/abcdefghij"


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.ZC_PUBLIC_URL = "https://zfcg.example.cn"


def item(**kw: Any) -> Item:
    fields: dict[str, Any] = {
        "kind": "article",
        "title": "政府采购合同融资政策推行",
        "summary": "中标供应商凭合同可申请信用贷款。",
        "body": "第一段。\n\n第二段。",
        "cover": image_bytes(1800, 1000),
        "public_url": "https://zfcg.example.cn/publicity/1/",
    }
    fields.update(kw)
    return Item(**fields)


def codes(errors: list[ServiceError]) -> list[tuple[str, str | None]]:
    return [(e.code, e.field) for e in errors]


# --- WeChat (draft_add: title 32, digest 128, content < 20,000 characters, permanent cover) --------------


def test_wechat_title_of_32_characters_passes_and_33_is_refused_naming_channel_field_and_limit() -> None:
    adapter = ADAPTERS[Channel.WECHAT]
    assert adapter.problems(item(title="政" * 32)) == []
    [error] = adapter.problems(item(title="政" * 33))
    assert (error.code, error.field) == (ChannelError.TITLE_TOO_LONG, "title")
    assert error.message_en == "WeChat official account: title over 32 characters (33 now)"
    assert error.message_zh == "微信公众号：标题超过 32 字（现 33 字）"


def test_wechat_digest_over_128_characters_is_refused() -> None:
    [error] = ADAPTERS[Channel.WECHAT].problems(item(summary="摘" * 129))
    assert (error.code, error.field) == (ChannelError.SUMMARY_TOO_LONG, "summary")
    assert "128" in error.message_en
    assert "128" in error.message_zh


def test_wechat_body_over_20000_characters_as_html_is_refused_not_cut() -> None:
    [error] = ADAPTERS[Channel.WECHAT].problems(item(body="字" * 20_000))
    assert (error.code, error.field) == (ChannelError.BODY_TOO_LONG, "body")
    assert "19999" in error.message_en


def test_wechat_requires_a_cover_and_refuses_one_too_small_for_its_crop() -> None:
    assert codes(ADAPTERS[Channel.WECHAT].problems(item(cover=None))) == [(ChannelError.COVER_REQUIRED, "cover")]
    [error] = ADAPTERS[Channel.WECHAT].problems(item(cover=image_bytes(400, 400)))
    assert (error.code, error.field) == (ChannelError.COVER_TOO_SMALL, "cover")
    assert "2.35:1" in error.message_en
    assert "400×170" in error.message_en
    assert "450×191" in error.message_en


def test_a_cover_that_is_not_an_image_is_refused() -> None:
    [error] = ADAPTERS[Channel.WECHAT].problems(item(cover=b"%PDF-1.7 not an image"))
    assert error.code == ChannelError.COVER_UNREADABLE


def test_wechat_link_goes_to_read_more_and_as_text_never_as_an_in_body_link() -> None:
    package = ADAPTERS[Channel.WECHAT].render(item(), SHORT)
    assert package["content_source_url"] == SHORT
    assert SHORT in package["content"]
    assert "<a " not in package["content"]
    assert package["content"].startswith("<p>第一段。</p><p>第二段。</p>")
    assert package["digest"] == "中标供应商凭合同可申请信用贷款。"


def test_wechat_cover_is_cropped_to_2_35_to_1_at_900_by_383() -> None:
    cover = ADAPTERS[Channel.WECHAT].cover_image(item(cover=image_bytes(1800, 1200)))
    assert cover is not None
    with Image.open(io.BytesIO(cover)) as image:
        assert (image.format, image.size) == ("JPEG", (900, 383))


# --- Weibo (statuses/share: 140 characters with the link, which is required) -------------------------


def test_weibo_text_carries_the_title_the_summary_and_the_short_link() -> None:
    package = ADAPTERS[Channel.WEIBO].render(item(), SHORT)
    assert package["text"] == f"【政府采购合同融资政策推行】中标供应商凭合同可申请信用贷款。 {SHORT}"


def test_weibo_text_over_140_characters_including_the_short_link_is_refused() -> None:
    adapter = WeiboAdapter()
    link_weight = weibo_length(" " + SHORT)
    fits = "字" * (140 - len("【政府采购合同融资政策推行】") - link_weight)
    assert adapter.problems(item(summary=fits), SHORT) == []
    [error] = adapter.problems(item(summary=fits + "字"), SHORT)
    assert (error.code, error.field) == (ChannelError.TEXT_TOO_LONG, "summary")
    assert error.message_en.startswith("Weibo: text over 140 characters including the short link (141 now)")
    assert error.message_zh.startswith("微博：正文超过 140 字（含短链接，现 141 字）")


def test_weibo_without_a_summary_uses_the_body_and_says_so_when_it_is_too_long() -> None:
    [error] = WeiboAdapter().problems(item(summary="", body="长" * 200), SHORT)
    assert error.field == "body"


def test_weibo_counts_two_ascii_characters_as_one() -> None:
    assert weibo_length("ab") == 1
    assert weibo_length("abc") == 2
    assert weibo_length("政府") == 2


# --- Douyin and Toutiao ----------------------------------------------------------------------------------


def test_douyin_title_over_20_characters_and_a_missing_image_are_refused() -> None:
    errors = ADAPTERS[Channel.DOUYIN].problems(item(title="抖" * 21, cover=None))
    assert codes(errors) == [(ChannelError.TITLE_TOO_LONG, "title"), (ChannelError.COVER_REQUIRED, "cover")]
    assert errors[0].message_en == "Douyin: title over 20 characters (21 now)"


def test_douyin_text_over_1000_characters_is_refused() -> None:
    [error] = ADAPTERS[Channel.DOUYIN].problems(item(summary="", body="文" * 1000))
    assert (error.code, error.field) == (ChannelError.TEXT_TOO_LONG, "body")


def test_toutiao_title_must_have_5_to_30_characters() -> None:
    adapter = ADAPTERS[Channel.TOUTIAO]
    assert codes(adapter.problems(item(title="四个字的"))) == [(ChannelError.TITLE_TOO_SHORT, "title")]
    assert adapter.problems(item(title="头" * 30)) == []
    [error] = adapter.problems(item(title="头" * 31))
    assert error.message_en == "Toutiao: title over 30 characters (31 now)"


def test_toutiao_cover_is_16_to_9_and_optional() -> None:
    adapter = ADAPTERS[Channel.TOUTIAO]
    assert adapter.problems(item(cover=None)) == []
    cover = adapter.cover_image(item(cover=image_bytes(3000, 3000)))
    assert cover is not None
    with Image.open(io.BytesIO(cover)) as image:
        assert image.size == (1280, 720)


# --- the portal and the feed; the table ------------------------------------------------------------------


def test_website_and_feed_set_no_limit_of_their_own() -> None:
    for channel in (Channel.WEBSITE, Channel.FEED):
        assert ADAPTERS[channel].problems(item(title="门" * 120, cover=None, body="字" * 50_000)) == []


def test_every_channel_has_an_adapter_and_a_cited_limits_entry() -> None:
    assert set(ADAPTERS) == set(Channel.values) == set(LIMITS)
    assert all(limits.source for limits in LIMITS.values())


def test_a_small_cover_is_cropped_but_never_enlarged() -> None:
    spec = LIMITS[Channel.WECHAT].cover
    assert spec is not None
    with Image.open(io.BytesIO(crop_cover(image_bytes(600, 600), spec))) as image:
        assert image.size == (600, 255)


def test_rendering_keeps_the_whole_body() -> None:
    body = "\n".join(f"第{n}段，内容完整保留。" for n in range(200))
    package = WechatAdapter().render(item(body=body), SHORT)
    assert all(f"第{n}段" in package["content"] for n in range(200))
    assert body_text(body).count("\n\n") == 199


# --- channel_problems: the interface the content workflow calls -------------------------------------------


def test_channel_problems_reads_a_stored_cover_and_reports_every_channel() -> None:
    name = store_cover(image_bytes(1800, 1000))
    # "标题" would be too short only for Toutiao, which is not chosen
    assert (
        channel_problems(
            kind="article", title="标题", summary="", body="正文", cover=name, channels=["website", "wechat"]
        )
        == []
    )
    errors = channel_problems(
        kind="article", title="标" * 33, summary="", body="正文", cover="", channels=["wechat", "toutiao", "x"]
    )
    assert codes(errors) == [
        (ChannelError.UNKNOWN_CHANNEL, "channels"),
        (ChannelError.TITLE_TOO_LONG, "title"),
        (ChannelError.COVER_REQUIRED, "cover"),
        (ChannelError.TITLE_TOO_LONG, "title"),
    ]


def test_channel_problems_accepts_an_uploaded_file() -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("c.png", image_bytes(100, 100), content_type="image/png")
    [error] = channel_problems(
        kind="article", title="标题", summary="", body="正文", cover=upload, channels=["wechat"]
    )
    assert error.code == ChannelError.COVER_TOO_SMALL
    assert upload.read(4) == b"\x89PNG"  # left where it was, for the caller to store
