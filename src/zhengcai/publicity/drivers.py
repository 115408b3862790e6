"""Drivers: how a post reaches its channel.

- ``PortalDriver`` (website): the post is the portal's own page; posted once the portal shows the revision.
- ``FeedDriver`` (RSS/Atom/JSON Feed): posted once the revision is in the feed.
- ``ManualDriver``: no credentials for the platform, so the adapter's rendering becomes a ready-to-post
  package (text, cover, QR code of the short link); an editor posts it by hand and records the URL.
- ``ApiDriver`` per platform, written to the platform's public API documentation and switched on only
  when its credentials are configured (``ZC_CHANNEL_<NAME>_*`` in Django settings or the environment).

A driver never writes the database: it returns an ``Outcome`` that the outbox records. An API driver
reports ``posted`` only when the platform answered with its documented success and the post's id.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import io
import json
import os
import secrets
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from dataclasses import dataclass, field
from typing import Any, ClassVar

import segno
from django.conf import settings
from django.utils import timezone

from .channels import ChannelAdapter, Item
from .models import Channel, PostState

DEFAULT_TIMEOUT = 15.0  # seconds, per HTTP request
# WeChat publishes asynchronously: how often we ask, and for how long, before giving up.
WECHAT_POLL_EVERY = dt.timedelta(minutes=2)
WECHAT_POLL_FOR = dt.timedelta(hours=24)


def channel_setting(name: str) -> str:
    """A channel setting from Django settings, else from the environment; empty when not configured."""
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name, "")
    return str(value).strip()


@dataclass
class Outcome:
    """What one delivery attempt established."""

    state: str  # a PostState value
    external_id: str = ""
    external_url: str = ""
    error: str = ""
    retryable: bool = True  # for errors: try again later (until the attempts run out) or give up now
    progress: dict[str, Any] = field(default_factory=dict)  # steps already done on the platform
    check_after: dt.timedelta | None = None  # for SENDING: ask the platform again after this long


class ApiFailure(Exception):
    def __init__(self, message: str, *, retryable: bool = True) -> None:
        super().__init__(message)
        self.retryable = retryable


class Driver:
    code: ClassVar[str]

    def deliver(
        self, *, channel: str, item: Item, adapter: ChannelAdapter, package: dict[str, Any], at: dt.datetime
    ) -> Outcome:
        raise NotImplementedError


class PortalDriver(Driver):
    """The website channel is the portal itself: posted when the portal really shows the revision."""

    code = "portal"

    def deliver(
        self, *, channel: str, item: Item, adapter: ChannelAdapter, package: dict[str, Any], at: dt.datetime
    ) -> Outcome:
        # The outbox only calls this with the live flag it checked (package["live"]).
        if package.get("live"):
            return Outcome(PostState.POSTED, external_url=item.public_url)
        return Outcome(PostState.QUEUED)


class FeedDriver(PortalDriver):
    code = "feed"


class ManualDriver(Driver):
    """Without credentials: the package is ready for an editor to post by hand."""

    code = "manual"

    def deliver(
        self, *, channel: str, item: Item, adapter: ChannelAdapter, package: dict[str, Any], at: dt.datetime
    ) -> Outcome:
        return Outcome(PostState.PACKAGE_READY)


def qr_png(data: str) -> bytes:
    out = io.BytesIO()
    segno.make(data, error="m", micro=False).save(out, kind="png", scale=8, border=4)
    return out.getvalue()


def package_html(adapter: ChannelAdapter, item: Item, package: dict[str, Any]) -> str:
    """post.html: the post as it should read on the platform, with the cover and the QR code beside it."""
    if "content" in package:
        body = str(package["content"])
    else:
        body = "".join(f"<p>{html.escape(line)}</p>" for line in str(package.get("text", "")).split("\n") if line)
    title = html.escape(str(package.get("title") or item.title))
    cover = '<p><img src="cover.jpg" alt="" style="max-width:100%"></p>' if package.get("has_cover") else ""
    link = html.escape(str(package.get("short_url", "")))
    return (
        '<!doctype html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{title}</title></head><body>\n<h1>{title}</h1>\n{cover}\n{body}\n"
        f'<p><img src="qr.png" alt="{link}" width="200" height="200"><br>{link}</p>\n</body></html>\n'
    )


def package_zip(
    *, adapter: ChannelAdapter, item: Item, package: dict[str, Any], meta: dict[str, Any], created_at: dt.datetime
) -> bytes:
    """The ready-to-post package: post.txt, post.html, cover.jpg (the channel's crop), qr.png (the short
    link), manifest.json (what is in it, with SHA-256 of each file). The same post gives the same bytes."""
    files: dict[str, bytes] = {
        "post.txt": adapter.post_text(package).encode(),
        "post.html": package_html(adapter, item, package).encode(),
    }
    cover = adapter.cover_image(item)
    if cover is not None:
        files["cover.jpg"] = cover
    if package.get("short_url"):
        files["qr.png"] = qr_png(str(package["short_url"]))
    spec = adapter.limits.cover
    manifest = {
        **meta,
        "channel": adapter.code,
        "title": package.get("title") or item.title,
        "short_url": package.get("short_url", ""),
        "public_url": package.get("public_url", ""),
        "cover": {"width": spec.width, "height": spec.height, "ratio": spec.ratio_label} if spec and cover else None,
        "limits_source": adapter.limits.source,
        "files": {name: hashlib.sha256(data).hexdigest() for name, data in sorted(files.items())},
    }
    files["manifest.json"] = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True).encode()
    stamp = timezone.localtime(created_at).timetuple()[:6]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in ("manifest.json", "post.txt", "post.html", "cover.jpg", "qr.png"):
            if name in files:
                info = zipfile.ZipInfo(name, date_time=stamp)
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, files[name])
    return out.getvalue()


# --- HTTP --------------------------------------------------------------------------------


class Http:
    """A small JSON-over-HTTPS client on the standard library (urllib), with one timeout per request."""

    def __init__(self, base_url: str, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def url(self, path: str, query: dict[str, str] | None = None) -> str:
        url = self.base_url + path
        return url + ("?" + urllib.parse.urlencode(query) if query else "")

    def request(
        self, method: str, path: str, query: dict[str, str] | None = None, body: bytes | None = None, ctype: str = ""
    ) -> dict[str, Any]:
        url = self.url(path, query)
        if not url.startswith(("https://", "http://")):
            raise ApiFailure(f"bad base URL: {self.base_url}", retryable=False)
        headers = {"User-Agent": "zhengcai-publicity/1", "Accept": "application/json"}
        if ctype:
            headers["Content-Type"] = ctype
        request = urllib.request.Request(url, data=body, headers=headers, method=method)  # noqa: S310 - http(s) only
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                raw = response.read()
        except urllib.error.HTTPError as exc:  # the platforms answer errors as JSON with 4xx/5xx too
            raw = exc.read()
            try:
                return _json_object(raw) | {"_http_status": exc.code}
            except ApiFailure:
                raise ApiFailure(f"HTTP {exc.code}", retryable=exc.code >= 500 or exc.code == 429) from exc
        except TimeoutError as exc:
            raise ApiFailure("timeout") from exc
        except (urllib.error.URLError, OSError) as exc:
            raise ApiFailure(f"connection failed: {exc}") from exc
        return _json_object(raw)

    def get(self, path: str, query: dict[str, str]) -> dict[str, Any]:
        return self.request("GET", path, query)

    def post_json(self, path: str, query: dict[str, str], data: dict[str, Any]) -> dict[str, Any]:
        body = json.dumps(data, ensure_ascii=False).encode()  # WeChat: no \\u escapes (draft_add says so)
        return self.request("POST", path, query, body, "application/json; charset=utf-8")

    def post_form(self, path: str, query: dict[str, str], fields: dict[str, str]) -> dict[str, Any]:
        body = urllib.parse.urlencode(fields).encode()
        return self.request("POST", path, query, body, "application/x-www-form-urlencoded; charset=utf-8")

    def post_multipart(
        self, path: str, query: dict[str, str], fields: dict[str, str], files: dict[str, tuple[str, bytes, str]]
    ) -> dict[str, Any]:
        boundary = "zc" + secrets.token_hex(16)
        parts: list[bytes] = []
        for name, value in fields.items():
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
                + value.encode()
                + b"\r\n"
            )
        for name, (filename, data, ctype) in files.items():
            parts.append(
                (
                    f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                    f"Content-Type: {ctype}\r\n\r\n"
                ).encode()
                + data
                + b"\r\n"
            )
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        return self.request("POST", path, query, body, f"multipart/form-data; boundary={boundary}")


def _json_object(raw: bytes) -> dict[str, Any]:
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ApiFailure("the platform's answer is not JSON") from exc
    if not isinstance(data, dict):
        raise ApiFailure("the platform's answer is not a JSON object")
    return data


# --- platform API drivers ----------------------------------------------------------------


class ApiDriver(Driver):
    """A platform's publishing API. ``setting_names`` must all be configured for the driver to be on."""

    code = "api"
    channel: ClassVar[str]
    default_base_url: ClassVar[str]
    setting_names: ClassVar[tuple[str, ...]]

    @classmethod
    def prefix(cls) -> str:
        return f"ZC_CHANNEL_{cls.channel.upper()}_"

    @classmethod
    def configured(cls) -> bool:
        return all(channel_setting(cls.prefix() + name) for name in cls.setting_names)

    def conf(self, name: str) -> str:
        return channel_setting(self.prefix() + name)

    def http(self) -> Http:
        timeout = channel_setting("ZC_CHANNEL_TIMEOUT")
        return Http(self.conf("BASE_URL") or self.default_base_url, float(timeout) if timeout else DEFAULT_TIMEOUT)

    def deliver(
        self, *, channel: str, item: Item, adapter: ChannelAdapter, package: dict[str, Any], at: dt.datetime
    ) -> Outcome:
        progress: dict[str, Any] = dict(package.get("api") or {})
        try:
            outcome = self.send(item=item, adapter=adapter, package=package, progress=progress, at=at)
        except ApiFailure as exc:
            return Outcome(PostState.RETRYING, error=str(exc), retryable=exc.retryable, progress=progress)
        outcome.progress = progress
        return outcome

    def send(
        self,
        *,
        item: Item,
        adapter: ChannelAdapter,
        package: dict[str, Any],
        progress: dict[str, Any],
        at: dt.datetime,
    ) -> Outcome:
        raise NotImplementedError


class WechatApiDriver(ApiDriver):
    """WeChat official account (公众号), per developers.weixin.qq.com:
    1. ``GET /cgi-bin/token?grant_type=client_credential&appid=&secret=`` → access_token;
    2. ``POST /cgi-bin/material/add_material?type=image`` (multipart ``media``) → the cover's permanent media_id;
    3. ``POST /cgi-bin/draft/add`` {articles: [...]} → the draft's media_id;
    4. ``POST /cgi-bin/freepublish/submit`` {media_id} → publish_id. "errcode 0 only means the publishing task
       was accepted, not that it is published" — so the post stays ``sending``;
    5. ``POST /cgi-bin/freepublish/get`` {publish_id} until publish_status 0 (published, with article_id and
       article_url) → ``posted``; 1 = still publishing; 2..6 = failed (originality, rejected, deleted...).
    Every answer carries ``errcode``/``errmsg`` on error. Steps done are kept, so a retry does not repeat them."""

    channel = Channel.WECHAT
    default_base_url = "https://api.weixin.qq.com"
    setting_names = ("APPID", "SECRET")
    # Errors that no retry can fix: the content breaks a rule.
    PERMANENT = frozenset({40007, 45002, 45003, 45004, 45166, 53503, 53504, 53505})
    PUBLISH_STATUS = {
        2: "originality check failed",
        3: "publishing failed",
        4: "rejected by the platform's review",
        5: "deleted by the account after publishing",
        6: "blocked by the platform after publishing",
    }

    def _check(self, answer: dict[str, Any], step: str) -> dict[str, Any]:
        code = answer.get("errcode", 0)
        if code not in (0, None):
            raise ApiFailure(
                f"{step}: errcode {code} {answer.get('errmsg', '')}".strip(), retryable=code not in self.PERMANENT
            )
        return answer

    def send(
        self,
        *,
        item: Item,
        adapter: ChannelAdapter,
        package: dict[str, Any],
        progress: dict[str, Any],
        at: dt.datetime,
    ) -> Outcome:
        http = self.http()
        token_answer = self._check(
            http.get(
                "/cgi-bin/token",
                {"grant_type": "client_credential", "appid": self.conf("APPID"), "secret": self.conf("SECRET")},
            ),
            "token",
        )
        token = str(token_answer.get("access_token") or "")
        if not token:
            raise ApiFailure("token: no access_token in the answer")
        auth = {"access_token": token}
        if "publish_id" in progress:
            return self._poll(http, auth, progress, at)
        if "thumb_media_id" not in progress:
            cover = adapter.cover_image(item)
            if cover is None:
                raise ApiFailure("the cover image is missing", retryable=False)
            answer = self._check(
                http.post_multipart(
                    "/cgi-bin/material/add_material",
                    auth | {"type": "image"},
                    {},
                    {"media": ("cover.jpg", cover, "image/jpeg")},
                ),
                "add_material",
            )
            if not answer.get("media_id"):
                raise ApiFailure("add_material: no media_id in the answer")
            progress["thumb_media_id"] = str(answer["media_id"])
        if "draft_media_id" not in progress:
            article = {
                "article_type": "news",
                "title": package["title"],
                "digest": package.get("digest", ""),
                "content": package["content"],
                "content_source_url": package["content_source_url"],
                "thumb_media_id": progress["thumb_media_id"],
                "need_open_comment": 0,
                "only_fans_can_comment": 0,
            }
            answer = self._check(http.post_json("/cgi-bin/draft/add", auth, {"articles": [article]}), "draft/add")
            if not answer.get("media_id"):
                raise ApiFailure("draft/add: no media_id in the answer")
            progress["draft_media_id"] = str(answer["media_id"])
        answer = self._check(
            http.post_json("/cgi-bin/freepublish/submit", auth, {"media_id": progress["draft_media_id"]}),
            "freepublish/submit",
        )
        if not answer.get("publish_id"):
            raise ApiFailure("freepublish/submit: no publish_id in the answer")
        progress["publish_id"] = str(answer["publish_id"])
        progress["submitted_at"] = at.isoformat()
        return Outcome(PostState.SENDING, check_after=WECHAT_POLL_EVERY)

    def _poll(self, http: Http, auth: dict[str, str], progress: dict[str, Any], at: dt.datetime) -> Outcome:
        answer = self._check(
            http.post_json("/cgi-bin/freepublish/get", auth, {"publish_id": progress["publish_id"]}),
            "freepublish/get",
        )
        status = answer.get("publish_status")
        if status == 0:
            article_id = str(answer.get("article_id") or "")
            items = (answer.get("article_detail") or {}).get("item") or []
            url = str(items[0].get("article_url") or "") if items else ""
            if not article_id:
                raise ApiFailure("freepublish/get: published but no article_id in the answer")
            return Outcome(PostState.POSTED, external_id=article_id, external_url=url)
        if status == 1:
            submitted = dt.datetime.fromisoformat(progress.get("submitted_at") or at.isoformat())
            if at - submitted > WECHAT_POLL_FOR:
                raise ApiFailure("WeChat did not confirm publication within 24 hours", retryable=False)
            return Outcome(PostState.SENDING, check_after=WECHAT_POLL_EVERY)
        reason = self.PUBLISH_STATUS.get(status if isinstance(status, int) else -1, f"publish_status {status}")
        raise ApiFailure(f"freepublish/get: {reason}", retryable=False)


class WeiboApiDriver(ApiDriver):
    """Weibo ``POST /2/statuses/share.json`` (open.weibo.com/wiki/2/statuses/share): access_token, status (the
    text, which must contain a link on the app's bound safe domain), optional pic (multipart), rip (the real
    IP of the operator, when configured). Success answers the status object (``idstr``); errors answer
    ``{"error": ..., "error_code": ...}``."""

    channel = Channel.WEIBO
    default_base_url = "https://api.weibo.com"
    setting_names = ("ACCESS_TOKEN",)
    PERMANENT = frozenset({20003, 20012, 20016, 20017, 20019, 20020, 20021, 20032, 20034})

    def send(
        self,
        *,
        item: Item,
        adapter: ChannelAdapter,
        package: dict[str, Any],
        progress: dict[str, Any],
        at: dt.datetime,
    ) -> Outcome:
        fields = {"access_token": self.conf("ACCESS_TOKEN"), "status": package["text"]}
        if self.conf("RIP"):
            fields["rip"] = self.conf("RIP")
        cover = adapter.cover_image(item)
        files = {"pic": ("cover.jpg", cover, "image/jpeg")} if cover else {}
        answer = self.http().post_multipart("/2/statuses/share.json", {}, fields, files)
        if "error_code" in answer:
            code = int(answer.get("error_code") or 0)
            raise ApiFailure(
                f"statuses/share: error_code {code} {answer.get('error', '')}".strip(),
                retryable=code not in self.PERMANENT,
            )
        idstr = str(answer.get("idstr") or answer.get("id") or "")
        if not idstr:
            raise ApiFailure("statuses/share: no id in the answer")
        return Outcome(PostState.POSTED, external_id=idstr, external_url=f"https://m.weibo.cn/status/{idstr}")


class DouyinApiDriver(ApiDriver):
    """Douyin open platform (open.douyin.com), image post: ``POST /image/upload/?open_id=&access_token=``
    (multipart ``image``) → ``data.image.image_id``; ``POST /image/create/?open_id=&access_token=``
    {image_id, text} → ``data.item_id``. Every answer is ``{"data": {"error_code": 0, "description": ...}}``;
    a non-zero error_code is a failure. The access token is the account's OAuth token (scope video.create)."""

    channel = Channel.DOUYIN
    default_base_url = "https://open.douyin.com"
    setting_names = ("ACCESS_TOKEN", "OPEN_ID")

    def _data(self, answer: dict[str, Any], step: str) -> dict[str, Any]:
        data = answer.get("data")
        if not isinstance(data, dict):
            raise ApiFailure(f"{step}: no data in the answer")
        code = data.get("error_code", 0)
        if code not in (0, "0", None):
            raise ApiFailure(f"{step}: error_code {code} {data.get('description', '')}".strip())
        return data

    def send(
        self,
        *,
        item: Item,
        adapter: ChannelAdapter,
        package: dict[str, Any],
        progress: dict[str, Any],
        at: dt.datetime,
    ) -> Outcome:
        http = self.http()
        auth = {"open_id": self.conf("OPEN_ID"), "access_token": self.conf("ACCESS_TOKEN")}
        if "image_id" not in progress:
            cover = adapter.cover_image(item)
            if cover is None:
                raise ApiFailure("the cover image is missing", retryable=False)
            data = self._data(
                http.post_multipart("/image/upload/", auth, {}, {"image": ("cover.jpg", cover, "image/jpeg")}),
                "image/upload",
            )
            image_id = (data.get("image") or {}).get("image_id")
            if not image_id:
                raise ApiFailure("image/upload: no image_id in the answer")
            progress["image_id"] = str(image_id)
        text = f"{package['title']}\n{package['text']}"
        data = self._data(
            http.post_json("/image/create/", auth, {"image_id": progress["image_id"], "text": text}), "image/create"
        )
        item_id = str(data.get("item_id") or "")
        if not item_id:
            raise ApiFailure("image/create: no item_id in the answer")
        return Outcome(PostState.POSTED, external_id=item_id)


class ToutiaoApiDriver(ApiDriver):
    """头条号 open API ``POST /open/new_article_post/?access_token=&client_key=`` (form: title, content,
    abstract, save=1 to publish rather than keep a draft). Success answers ``{"message": "success", "data":
    {...}}``. The API is open to partner accounts only and its documentation is no longer public, so: posted
    only when the answer is a success *and* names the article (``pgc_id``, ``group_id`` or ``item_id``);
    a success without an id leaves the post for an editor to confirm by recording its URL."""

    channel = Channel.TOUTIAO
    default_base_url = "https://mp.toutiao.com"
    setting_names = ("ACCESS_TOKEN", "CLIENT_KEY")

    def send(
        self,
        *,
        item: Item,
        adapter: ChannelAdapter,
        package: dict[str, Any],
        progress: dict[str, Any],
        at: dt.datetime,
    ) -> Outcome:
        auth = {"access_token": self.conf("ACCESS_TOKEN"), "client_key": self.conf("CLIENT_KEY")}
        fields = {
            "title": package["title"],
            "content": package["content"],
            "abstract": package.get("abstract", ""),
            "save": "1",
        }
        answer = self.http().post_form("/open/new_article_post/", auth, fields)
        if answer.get("message") != "success":
            raise ApiFailure(f"new_article_post: {answer.get('message', '')} {answer.get('data', '')}".strip())
        raw = answer.get("data")
        data: dict[str, Any] = raw if isinstance(raw, dict) else {}
        for key in ("pgc_id", "group_id", "item_id"):
            if data.get(key):
                ident = str(data[key])
                return Outcome(
                    PostState.POSTED, external_id=ident, external_url=f"https://www.toutiao.com/item/{ident}/"
                )
        return Outcome(
            PostState.PACKAGE_READY,
            error="new_article_post: accepted without an article id; record the post's URL to confirm it",
        )


API_DRIVERS: dict[str, type[ApiDriver]] = {
    d.channel: d for d in (WechatApiDriver, WeiboApiDriver, DouyinApiDriver, ToutiaoApiDriver)
}
DRIVERS: dict[str, Driver] = {"portal": PortalDriver(), "feed": FeedDriver(), "manual": ManualDriver()}


def driver_code_for(channel: str) -> str:
    """The driver a new post on ``channel`` uses: the portal and the feed are ours; a platform goes through
    its API when configured, otherwise by hand."""
    if channel == Channel.WEBSITE:
        return "portal"
    if channel == Channel.FEED:
        return "feed"
    api = API_DRIVERS.get(channel)
    return "api" if api is not None and api.configured() else "manual"


def driver_for(channel: str, code: str) -> Driver:
    if code == "api":
        return API_DRIVERS[channel]()
    return DRIVERS[code]
