"""Channel adapters: one per channel, each rendering an item into that channel's format and limits.

An adapter never cuts anything: an item that breaks a channel's limit is refused with an error that
names the channel, the field and the limit, and the editor shortens it (or writes a summary, which
the short-text channels use instead of the body). The limits are one table (``LIMITS``) taken from
the platforms' public documentation, cited next to each entry; change the table when a platform
changes its rules.
"""

from __future__ import annotations

import html
import io
import math
import unicodedata
from dataclasses import dataclass
from typing import Any, ClassVar

from django.core.files.storage import default_storage
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

from zhengcai.core.errors import ServiceError

from .errors import ChannelError
from .models import Channel

MB = 1024 * 1024

# Pillow refuses to open images bigger than this many pixels (decompression bombs); we refuse earlier.
MAX_COVER_PIXELS = 40_000_000


@dataclass(frozen=True)
class CoverSpec:
    """The cover a channel shows: the crop (width × height, so also the ratio) we produce for it."""

    width: int
    height: int
    min_width: int  # the source must be at least this wide after cropping to the ratio
    min_height: int
    max_bytes: int  # what the platform accepts for the uploaded image
    required: bool

    @property
    def ratio_label(self) -> str:
        ratio = self.width / self.height
        for label, value in (("2.35:1", 2.35), ("16:9", 16 / 9), ("3:4", 3 / 4), ("4:3", 4 / 3), ("1:1", 1.0)):
            if abs(ratio - value) < 0.01:
                return label
        return f"{self.width}:{self.height}"


@dataclass(frozen=True)
class Limits:
    """One channel's limits. ``None`` means the channel sets no limit on that field."""

    title_max: int | None = None
    title_min: int = 1
    text_max: int | None = None  # the post's text as posted, links included (Weibo, Douyin)
    digest_max: int | None = None  # WeChat's 摘要
    body_max: int | None = None  # the article body as sent (HTML characters for WeChat, Toutiao)
    body_max_bytes: int | None = None
    link_max_bytes: int | None = None  # WeChat content_source_url ("阅读原文")
    cover: CoverSpec | None = None
    weighted_count: bool = False  # Weibo: an ASCII character counts as half a Chinese character
    source: str = ""  # where the figures come from


# The table. Sources (public documentation, checked 2026-11):
LIMITS: dict[str, Limits] = {
    # The portal itself: the model's own limits (title 120, summary 300) are all there is.
    Channel.WEBSITE: Limits(source="zhengcai Content model"),
    # RSS 2.0 / Atom / JSON Feed carry the portal's text; readers impose nothing we must respect.
    Channel.FEED: Limits(source="RSS 2.0, RFC 4287, JSON Feed 1.1"),
    # WeChat 公众号 新增草稿 draft_add
    # (https://developers.weixin.qq.com/doc/service/api/draftbox/draftmanage/api_draft_add.html):
    # title "总长度不超过32个字", author 16, digest "总长度不超过128个字", content "必须少于2万字符，小于1M",
    # content_source_url "大小不可超过1 kb", thumb_media_id required for news (a permanent image material:
    # 新增永久素材 image "不超过10M, 支持bmp/png/jpeg/jpg/gif"); the cover is shown cropped 2.35:1
    # (pic_crop_235_1) in the feed and 1:1 when shared, the editor's recommended size is 900×383.
    Channel.WECHAT: Limits(
        title_max=32,
        digest_max=128,
        body_max=19_999,
        body_max_bytes=1 * MB - 1,
        link_max_bytes=1024,
        cover=CoverSpec(width=900, height=383, min_width=450, min_height=191, max_bytes=10 * MB, required=True),
        source="developers.weixin.qq.com draft_add, material add_material",
    ),
    # Weibo statuses/share (https://open.weibo.com/wiki/2/statuses/share): status "内容不超过140个汉字" and
    # "必须包含至少一个第三方分享到微博的网页URL，且该URL只能是该第三方（调用方）绑定域名下的URL链接";
    # pic "仅支持JPEG、GIF、PNG图片，上传图片大小限制为<5M". Weibo counts two ASCII characters as one.
    Channel.WEIBO: Limits(
        text_max=140,
        weighted_count=True,
        cover=CoverSpec(width=1080, height=1080, min_width=200, min_height=200, max_bytes=5 * MB, required=False),
        source="open.weibo.com statuses/share",
    ),
    # Douyin 抖音开放平台 图文发布 (create image-text): title up to 20 characters, text up to 1000 characters;
    # at least one image, cover 3:4 (1080×1440 recommended), each image under 20 MB.
    Channel.DOUYIN: Limits(
        title_max=20,
        text_max=1000,
        cover=CoverSpec(width=1080, height=1440, min_width=540, min_height=720, max_bytes=20 * MB, required=True),
        source="developer.open-douyin.com 图文发布",
    ),
    # Toutiao 头条号 文章发布 (open platform article publish): title 5–30 characters; body HTML;
    # cover 16:9 (at least 660×370 as 头条号 asks for 单图封面), under 5 MB.
    Channel.TOUTIAO: Limits(
        title_min=5,
        title_max=30,
        body_max=100_000,
        cover=CoverSpec(width=1280, height=720, min_width=660, min_height=370, max_bytes=5 * MB, required=False),
        source="open.toutiao.com / mp.toutiao.com 头条号",
    ),
}


@dataclass(frozen=True)
class Item:
    """What an adapter needs of an item: the fields of one revision and where its public page is."""

    kind: str
    title: str
    summary: str
    body: str
    cover: bytes | None = None
    public_url: str = ""


def read_cover(cover: Any) -> bytes | None:
    """The cover's bytes from an upload, a stored file, a storage name, or bytes; None when there is none."""
    if cover is None or cover == "" or cover is False:
        return None
    if isinstance(cover, bytes):
        return cover or None
    if isinstance(cover, str):
        with default_storage.open(cover, "rb") as handle:
            data: bytes = handle.read()
        return data or None
    if not getattr(cover, "name", "x") and not hasattr(cover, "read"):
        return None
    if hasattr(cover, "open") and getattr(cover, "closed", False):
        cover.open("rb")
    if hasattr(cover, "seek"):
        cover.seek(0)
    data = cover.read()
    if hasattr(cover, "seek"):
        cover.seek(0)
    return bytes(data) or None


def weibo_length(text: str) -> int:
    """Weibo's count: a Chinese (wide) character is 1, any other character ½, rounded up."""
    halves = sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)
    return math.ceil(halves / 2)


def paragraphs(body: str) -> list[str]:
    return [p.strip() for p in body.replace("\r\n", "\n").split("\n") if p.strip()]


def body_html(body: str) -> str:
    return "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs(body))


def body_text(body: str) -> str:
    return "\n\n".join(paragraphs(body))


def portal_link_text(short_url: str) -> str:
    """The line that ends a post with the portal link, in Chinese (posts go out in Chinese)."""
    with translation.override("zh-hans"):
        return str(_("Full text on the portal: {url}")).format(url=short_url)


def _error(code: ChannelError, fld: str, message: Promise, channel: str, **params: Any) -> ServiceError:
    return ServiceError(code, fld, message, channel=Channel(channel).label, **params)


class ChannelAdapter:
    """One channel: its limits, what an item breaks of them, and the item rendered for it."""

    code: ClassVar[str]
    limits: ClassVar[Limits]

    @property
    def label(self) -> str:
        return str(Channel(self.code).label)

    # --- problems ------------------------------------------------------------------------

    def problems(self, item: Item, short_url: str = "") -> list[ServiceError]:
        errors: list[ServiceError] = []
        errors += self._title_problems(item)
        errors += self._text_problems(item, short_url or self.placeholder_url)
        errors += self._cover_problems(item)
        return errors

    # A short link's length, for counting before the link exists: ZC_PUBLIC_URL + "/s/" + 10 characters.
    @property
    def placeholder_url(self) -> str:
        from django.conf import settings

        return f"{settings.ZC_PUBLIC_URL.rstrip('/')}/s/{'x' * 10}"

    def _title_problems(self, item: Item) -> list[ServiceError]:
        limits, n = self.limits, len(item.title.strip())
        if limits.title_max is not None and n > limits.title_max:
            return [
                _error(
                    ChannelError.TITLE_TOO_LONG,
                    "title",
                    _("{channel}: title over {limit} characters ({length} now)"),
                    self.code,
                    limit=limits.title_max,
                    length=n,
                )
            ]
        if n < limits.title_min:
            return [
                _error(
                    ChannelError.TITLE_TOO_SHORT,
                    "title",
                    _("{channel}: title under {limit} characters ({length} now)"),
                    self.code,
                    limit=limits.title_min,
                    length=n,
                )
            ]
        return []

    def _text_problems(self, item: Item, short_url: str) -> list[ServiceError]:
        return []

    def _cover_problems(self, item: Item) -> list[ServiceError]:
        spec = self.limits.cover
        if spec is None:
            return []
        if item.cover is None:
            if spec.required:
                return [
                    _error(
                        ChannelError.COVER_REQUIRED,
                        "cover",
                        _("{channel}: a cover image is required"),
                        self.code,
                    )
                ]
            return []
        try:
            width, height = cover_size(item.cover)
        except ValueError:
            return [
                _error(
                    ChannelError.COVER_UNREADABLE,
                    "cover",
                    _("{channel}: the cover is not a readable JPEG, PNG, GIF or WebP image"),
                    self.code,
                )
            ]
        crop_w, crop_h = crop_box_size(width, height, spec.width, spec.height)
        if crop_w < spec.min_width or crop_h < spec.min_height:
            return [
                _error(
                    ChannelError.COVER_TOO_SMALL,
                    "cover",
                    _("{channel}: cover too small; cropped to {ratio} it is {got}, at least {need} pixels are needed"),
                    self.code,
                    ratio=spec.ratio_label,
                    got=f"{crop_w}×{crop_h}",
                    need=f"{spec.min_width}×{spec.min_height}",
                )
            ]
        return []

    # --- rendering -----------------------------------------------------------------------

    def render(self, item: Item, short_url: str) -> dict[str, Any]:
        """The post for this channel as JSON (stored as the post's package)."""
        raise NotImplementedError

    def cover_image(self, item: Item) -> bytes | None:
        """The cover cropped and resized for this channel (JPEG), or None."""
        spec = self.limits.cover
        if spec is None or item.cover is None:
            return None
        return crop_cover(item.cover, spec)

    def post_text(self, package: dict[str, Any]) -> str:
        """Plain text an editor pastes into the platform (post.txt of the package)."""
        parts = [package.get("title", ""), package.get("text", "")]
        return "\n\n".join(p for p in parts if p) + "\n"


def cover_size(data: bytes) -> tuple[int, int]:
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in {"JPEG", "PNG", "GIF", "WEBP", "BMP"}:
                raise ValueError(image.format)
            width, height = image.size
            if width * height > MAX_COVER_PIXELS:
                raise ValueError("too many pixels")
            transposed = image.getexif().get(0x0112) in {5, 6, 7, 8}  # EXIF orientation: rotated 90°
            return (height, width) if transposed else (width, height)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise ValueError(str(exc)) from exc


def crop_box_size(width: int, height: int, target_w: int, target_h: int) -> tuple[int, int]:
    """The largest centred box of the target's ratio inside width × height."""
    if width * target_h > height * target_w:  # wider than the target: keep the height
        return (height * target_w // target_h, height)
    return (width, width * target_h // target_w)


def crop_cover(data: bytes, spec: CoverSpec) -> bytes:
    """Centre-crop to the channel's ratio and resize to its size (never up), as a JPEG."""
    with Image.open(io.BytesIO(data)) as source:
        image = ImageOps.exif_transpose(source)
        image = image.convert("RGB")
        crop_w, crop_h = crop_box_size(image.width, image.height, spec.width, spec.height)
        left, top = (image.width - crop_w) // 2, (image.height - crop_h) // 2
        image = image.crop((left, top, left + crop_w, top + crop_h))
        if crop_w > spec.width:
            image = image.resize((spec.width, spec.height), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        image.save(out, format="JPEG", quality=88, optimize=True)
        return out.getvalue()


class WebsiteAdapter(ChannelAdapter):
    code = Channel.WEBSITE
    limits = LIMITS[Channel.WEBSITE]

    def render(self, item: Item, short_url: str) -> dict[str, Any]:
        return {"title": item.title, "summary": item.summary, "url": item.public_url}


class FeedAdapter(ChannelAdapter):
    code = Channel.FEED
    limits = LIMITS[Channel.FEED]

    def render(self, item: Item, short_url: str) -> dict[str, Any]:
        return {"title": item.title, "summary": item.summary, "url": item.public_url}


class WechatAdapter(ChannelAdapter):
    """A 图文消息: links inside a WeChat article only work to WeChat's own pages, so the portal link is the
    "阅读原文" link (content_source_url) and is also printed as text at the end of the article."""

    code = Channel.WECHAT
    limits = LIMITS[Channel.WECHAT]

    def _content(self, item: Item, short_url: str) -> str:
        return body_html(item.body) + f"<p>{html.escape(portal_link_text(short_url))}</p>"

    def _text_problems(self, item: Item, short_url: str) -> list[ServiceError]:
        limits, errors = self.limits, []
        digest_max = limits.digest_max or 0
        body_max, body_max_bytes = limits.body_max or 0, limits.body_max_bytes or 0
        if len(item.summary) > digest_max:
            errors.append(
                _error(
                    ChannelError.SUMMARY_TOO_LONG,
                    "summary",
                    _("{channel}: summary (digest) over {limit} characters ({length} now)"),
                    self.code,
                    limit=digest_max,
                    length=len(item.summary),
                )
            )
        content = self._content(item, short_url)
        if len(content) > body_max or len(content.encode()) > body_max_bytes:
            errors.append(
                _error(
                    ChannelError.BODY_TOO_LONG,
                    "body",
                    _("{channel}: body over {limit} characters as HTML ({length} now)"),
                    self.code,
                    limit=body_max,
                    length=len(content),
                )
            )
        if limits.link_max_bytes is not None and len(short_url.encode()) > limits.link_max_bytes:
            errors.append(
                _error(
                    ChannelError.LINK_TOO_LONG,
                    "link",
                    _("{channel}: link over {limit} bytes"),
                    self.code,
                    limit=limits.link_max_bytes,
                )
            )
        return errors

    def render(self, item: Item, short_url: str) -> dict[str, Any]:
        return {
            "title": item.title,
            "digest": item.summary,
            "content": self._content(item, short_url),
            "content_source_url": short_url,
            "text": body_text(item.body) + "\n\n" + portal_link_text(short_url),
            "link": short_url,
        }


class WeiboAdapter(ChannelAdapter):
    """A Weibo post: 【title】 the summary (or the body when there is no summary), then the short link,
    which statuses/share requires (a link on the bureau's bound domain)."""

    code = Channel.WEIBO
    limits = LIMITS[Channel.WEIBO]

    def _text(self, item: Item, short_url: str) -> str:
        lead = item.summary.strip() or body_text(item.body).replace("\n\n", " ")
        return f"【{item.title.strip()}】{lead} {short_url}"

    def _text_problems(self, item: Item, short_url: str) -> list[ServiceError]:
        limit = self.limits.text_max or 0
        length = weibo_length(self._text(item, short_url))
        if length <= limit:
            return []
        return [
            _error(
                ChannelError.TEXT_TOO_LONG,
                "summary" if item.summary.strip() else "body",
                _(
                    "{channel}: text over {limit} characters including the short link ({length} now); "
                    "shorten the title or the summary"
                ),
                self.code,
                limit=limit,
                length=length,
            )
        ]

    def render(self, item: Item, short_url: str) -> dict[str, Any]:
        return {"text": self._text(item, short_url), "link": short_url}

    def post_text(self, package: dict[str, Any]) -> str:
        return str(package["text"]) + "\n"


class DouyinAdapter(ChannelAdapter):
    """A Douyin image-text post (图文): a short title, the text with the link, the cover as its image.
    Douyin does not make links in the text clickable; the QR code on the image carries the link."""

    code = Channel.DOUYIN
    limits = LIMITS[Channel.DOUYIN]

    def _text(self, item: Item, short_url: str) -> str:
        lead = item.summary.strip() or body_text(item.body)
        return f"{lead}\n{short_url}"

    def _text_problems(self, item: Item, short_url: str) -> list[ServiceError]:
        limit = self.limits.text_max or 0
        length = len(self._text(item, short_url))
        if length <= limit:
            return []
        return [
            _error(
                ChannelError.TEXT_TOO_LONG,
                "summary" if item.summary.strip() else "body",
                _(
                    "{channel}: text over {limit} characters including the short link ({length} now); "
                    "shorten the title or the summary"
                ),
                self.code,
                limit=limit,
                length=length,
            )
        ]

    def render(self, item: Item, short_url: str) -> dict[str, Any]:
        return {"title": item.title, "text": self._text(item, short_url), "link": short_url}


class ToutiaoAdapter(ChannelAdapter):
    """A 头条号 article: title, HTML body, the portal link at the end."""

    code = Channel.TOUTIAO
    limits = LIMITS[Channel.TOUTIAO]

    def _content(self, item: Item, short_url: str) -> str:
        return body_html(item.body) + f"<p>{html.escape(portal_link_text(short_url))}</p>"

    def _text_problems(self, item: Item, short_url: str) -> list[ServiceError]:
        limit = self.limits.body_max or 0
        length = len(self._content(item, short_url))
        if length <= limit:
            return []
        return [
            _error(
                ChannelError.BODY_TOO_LONG,
                "body",
                _("{channel}: body over {limit} characters as HTML ({length} now)"),
                self.code,
                limit=limit,
                length=length,
            )
        ]

    def render(self, item: Item, short_url: str) -> dict[str, Any]:
        return {
            "title": item.title,
            "abstract": item.summary,
            "content": self._content(item, short_url),
            "text": body_text(item.body) + "\n\n" + portal_link_text(short_url),
            "link": short_url,
        }


ADAPTERS: dict[str, ChannelAdapter] = {
    adapter.code: adapter
    for adapter in (
        WebsiteAdapter(),
        FeedAdapter(),
        WechatAdapter(),
        WeiboAdapter(),
        DouyinAdapter(),
        ToutiaoAdapter(),
    )
}

# Channels an item's short link may also be made for (printed leaflets, on-site events).
EXTRA_LINK_CHANNELS = frozenset({"leaflet", "event"})


def adapter_for(channel: str) -> ChannelAdapter:
    return ADAPTERS[channel]
