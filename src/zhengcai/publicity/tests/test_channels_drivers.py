"""The platform API drivers, over real HTTP against a local server that checks each request and answers the
way the platform's documentation says it answers: success, an error code, a timeout. A post is ``posted``
only on the documented success with the platform's id; everything else is retried, then failed."""

from __future__ import annotations

import datetime as dt
import io
import json
import threading
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import policy
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from conftest import AT, make_user
from zhengcai.accounts.models import User
from zhengcai.core.models import AuditEvent, Notification
from zhengcai.core.permissions import Role
from zhengcai.publicity import outbox
from zhengcai.publicity.drivers import driver_code_for
from zhengcai.publicity.models import ChannelPost, PostState

from .url_samples_channels import image_bytes, make_item


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))

    def form(self) -> dict[str, str]:
        return dict(urllib.parse.parse_qsl(self.body.decode("utf-8")))

    def multipart(self) -> dict[str, tuple[str | None, bytes]]:
        """name → (filename, bytes) of a multipart/form-data body."""
        raw = b"Content-Type: " + self.headers["Content-Type"].encode() + b"\r\n\r\n" + self.body
        message = BytesParser(policy=policy.default).parsebytes(raw)
        parts: dict[str, tuple[str | None, bytes]] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True)
            parts[str(name)] = (part.get_filename(), payload if isinstance(payload, bytes) else b"")
        return parts


Answer = tuple[int, dict[str, Any]] | None  # None: never answer (the client times out)


@dataclass
class Platform:
    """A local HTTP server playing a platform: ``routes[(method, path)]`` answers each request."""

    routes: dict[tuple[str, str], Callable[[Seen], Answer]] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    base_url: str = ""

    def calls(self, path: str) -> list[Seen]:
        return [s for s in self.seen if s.path == path]


@pytest.fixture
def platform() -> Iterator[Platform]:
    state = Platform()

    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            parts = urllib.parse.urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            seen = Seen(
                self.command,
                parts.path,
                dict(urllib.parse.parse_qsl(parts.query)),
                dict(self.headers.items()),
                self.rfile.read(length),
            )
            state.seen.append(seen)
            route = state.routes.get((self.command, parts.path))
            answer: Answer = (404, {"errcode": 404, "errmsg": "no such route"}) if route is None else route(seen)
            if answer is None:
                state.release.wait(10)  # hold the connection until the test ends: the client times out
                return
            status, data = answer
            body = json.dumps(data, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _handle  # noqa: N815

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield state
    finally:
        state.release.set()
        server.shutdown()
        server.server_close()


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.ZC_PUBLIC_URL = "https://zfcg.example.cn"
    settings.ZC_CHANNEL_TIMEOUT = "0.5"


@pytest.fixture
def editor(heze: dict[str, Any]) -> User:
    return make_user(Role.PUBLICITY_EDITOR, heze["city_bureau"], username="city_editor")


def publish(heze: dict[str, Any], editor: User, channel: str, **kw: Any) -> ChannelPost:
    item = make_item(
        region=heze["city"],
        owner=heze["city_bureau"],
        author=editor,
        at=AT,
        channels=[channel],
        cover=kw.pop("cover", image_bytes(1800, 1000)),
        **kw,
    )
    [post] = outbox.posts_enqueue(content=item, revision=item.live_revision, at=AT)
    return post


def reload(post: ChannelPost) -> ChannelPost:
    return ChannelPost.objects.get(pk=post.pk)


# --- WeChat ------------------------------------------------------------------------------------------


@pytest.fixture
def wechat(settings: Any, platform: Platform) -> Platform:
    settings.ZC_CHANNEL_WECHAT_APPID = "wx0123456789abcdef"
    settings.ZC_CHANNEL_WECHAT_SECRET = "s3cret"
    settings.ZC_CHANNEL_WECHAT_BASE_URL = platform.base_url
    status = iter([1, 0])

    def token(seen: Seen) -> Answer:
        ok = seen.query == {"grant_type": "client_credential", "appid": "wx0123456789abcdef", "secret": "s3cret"}
        return (200, {"access_token": "TOKEN", "expires_in": 7200}) if ok else (200, {"errcode": 40013})

    def material(seen: Seen) -> Answer:
        assert seen.query == {"access_token": "TOKEN", "type": "image"}
        filename, data = seen.multipart()["media"]
        with Image.open(io.BytesIO(data)) as image:
            assert (filename, image.format, image.size) == ("cover.jpg", "JPEG", (900, 383))
        return 200, {"media_id": "THUMB_1", "url": "http://mmbiz.qpic.cn/x"}

    def draft(seen: Seen) -> Answer:
        assert seen.query == {"access_token": "TOKEN"}
        assert b"\\u" not in seen.body  # draft_add: no Unicode escapes
        [article] = seen.json()["articles"]
        assert article["thumb_media_id"] == "THUMB_1"
        assert article["content_source_url"].startswith("https://zfcg.example.cn/s/")
        assert article["content_source_url"] in article["content"]
        return 200, {"media_id": "DRAFT_1"}

    def submit(seen: Seen) -> Answer:
        assert seen.json() == {"media_id": "DRAFT_1"}
        return 200, {"errcode": 0, "errmsg": "ok", "publish_id": "100000001"}

    def get(seen: Seen) -> Answer:
        assert seen.json() == {"publish_id": "100000001"}
        if next(status) == 1:
            return 200, {"publish_id": "100000001", "publish_status": 1, "fail_idx": []}
        return 200, {
            "publish_id": "100000001",
            "publish_status": 0,
            "article_id": "ARTICLE_1",
            "article_detail": {"count": 1, "item": [{"idx": 1, "article_url": "https://mp.weixin.qq.com/s/abc"}]},
            "fail_idx": [],
        }

    platform.routes.update(
        {
            ("GET", "/cgi-bin/token"): token,
            ("POST", "/cgi-bin/material/add_material"): material,
            ("POST", "/cgi-bin/draft/add"): draft,
            ("POST", "/cgi-bin/freepublish/submit"): submit,
            ("POST", "/cgi-bin/freepublish/get"): get,
        }
    )
    return platform


def test_the_api_driver_is_off_unless_configured(settings: Any) -> None:
    assert driver_code_for("wechat") == "manual"
    settings.ZC_CHANNEL_WECHAT_APPID = "wx1"
    assert driver_code_for("wechat") == "manual"  # the secret is missing too
    settings.ZC_CHANNEL_WECHAT_SECRET = "s"
    assert driver_code_for("wechat") == "api"


def test_wechat_is_posted_only_when_freepublish_get_reports_it_published(
    heze: dict[str, Any], editor: User, wechat: Platform
) -> None:
    post = publish(heze, editor, "wechat")
    assert (post.driver, post.state) == ("api", PostState.QUEUED)

    assert outbox.posts_deliver_due(at=AT) == 1
    post = reload(post)
    assert post.state == PostState.SENDING  # submitted: "does not mean it is published yet"
    assert post.posted_at is None
    assert post.package["api"]["publish_id"] == "100000001"
    assert post.next_attempt_at == AT + dt.timedelta(minutes=2)

    assert outbox.posts_deliver_due(at=AT + dt.timedelta(minutes=1)) == 0  # not due yet
    outbox.posts_deliver_due(at=AT + dt.timedelta(minutes=2))  # publish_status 1: still publishing
    assert reload(post).state == PostState.SENDING
    outbox.posts_deliver_due(at=AT + dt.timedelta(minutes=4))
    post = reload(post)
    assert (post.state, post.external_id, post.external_url) == (
        PostState.POSTED,
        "ARTICLE_1",
        "https://mp.weixin.qq.com/s/abc",
    )
    assert post.posted_at == AT + dt.timedelta(minutes=4)
    assert post.attempts == 1
    # each step ran once: the draft and the cover were not uploaded again while waiting
    assert [len(wechat.calls(p)) for p in ("/cgi-bin/material/add_material", "/cgi-bin/draft/add")] == [1, 1]
    assert AuditEvent.objects.filter(action="publicity.post_state", object_id=str(post.pk)).count() >= 3


def test_wechat_rule_error_fails_at_once_and_tells_the_editor(
    heze: dict[str, Any], editor: User, wechat: Platform
) -> None:
    wechat.routes[("POST", "/cgi-bin/draft/add")] = lambda s: (
        200,
        {"errcode": 45003, "errmsg": "title size out of limit"},
    )
    post = publish(heze, editor, "wechat")
    outbox.posts_deliver_due(at=AT)
    post = reload(post)
    assert post.state == PostState.FAILED
    assert post.posted_at is None
    assert "errcode 45003" in post.last_error
    assert post.package["api"] == {"thumb_media_id": "THUMB_1"}  # kept: a retry does not upload the cover again
    note = Notification.objects.get(recipient=editor)
    assert "失败" in note.subject
    assert "errcode 45003" in note.body


def test_wechat_publish_rejected_by_review_is_failed_not_posted(
    heze: dict[str, Any], editor: User, wechat: Platform
) -> None:
    wechat.routes[("POST", "/cgi-bin/freepublish/get")] = lambda s: (
        200,
        {"publish_id": "100000001", "publish_status": 4, "fail_idx": [1]},
    )
    post = publish(heze, editor, "wechat")
    outbox.posts_deliver_due(at=AT)
    outbox.posts_deliver_due(at=AT + dt.timedelta(minutes=2))
    post = reload(post)
    assert post.state == PostState.FAILED
    assert "rejected by the platform's review" in post.last_error


def test_busy_platform_is_retried_with_exponential_backoff_then_given_up(
    heze: dict[str, Any], editor: User, wechat: Platform
) -> None:
    wechat.routes[("GET", "/cgi-bin/token")] = lambda s: (200, {"errcode": -1, "errmsg": "system error"})
    post = publish(heze, editor, "wechat")
    at = AT
    waits = []
    for attempt in range(1, outbox.MAX_ATTEMPTS):
        assert outbox.posts_deliver_due(at=at) == 1
        post = reload(post)
        assert (post.state, post.attempts) == (PostState.RETRYING, attempt)
        assert post.next_attempt_at is not None
        waits.append(post.next_attempt_at - at)
        assert outbox.posts_deliver_due(at=post.next_attempt_at - dt.timedelta(seconds=1)) == 0
        at = post.next_attempt_at
    assert waits == [dt.timedelta(minutes=m) for m in (1, 2, 4, 8, 16)]
    outbox.posts_deliver_due(at=at)
    post = reload(post)
    assert (post.state, post.attempts, post.next_attempt_at) == (PostState.FAILED, outbox.MAX_ATTEMPTS, None)
    assert "errcode -1" in post.last_error
    assert outbox.posts_deliver_due(at=at + dt.timedelta(days=1)) == 0  # failed stays failed
    assert len(wechat.calls("/cgi-bin/token")) == outbox.MAX_ATTEMPTS


def test_a_timeout_is_retried_and_never_counts_as_sent(heze: dict[str, Any], editor: User, wechat: Platform) -> None:
    wechat.routes[("POST", "/cgi-bin/freepublish/submit")] = lambda s: None
    post = publish(heze, editor, "wechat")
    outbox.posts_deliver_due(at=AT)
    post = reload(post)
    assert (post.state, post.last_error, post.posted_at) == (PostState.RETRYING, "timeout", None)
    assert post.package["api"] == {"thumb_media_id": "THUMB_1", "draft_media_id": "DRAFT_1"}


def test_a_success_answer_without_the_platform_id_is_not_posted(
    heze: dict[str, Any], editor: User, wechat: Platform
) -> None:
    wechat.routes[("POST", "/cgi-bin/freepublish/submit")] = lambda s: (200, {"errcode": 0, "errmsg": "ok"})
    post = publish(heze, editor, "wechat")
    outbox.posts_deliver_due(at=AT)
    post = reload(post)
    assert post.state == PostState.RETRYING
    assert "no publish_id" in post.last_error


def test_a_withdrawn_item_is_not_sent(heze: dict[str, Any], editor: User, wechat: Platform) -> None:
    post = publish(heze, editor, "wechat")
    post.content.status, post.content.live_revision = "withdrawn", None
    post.content.save(update_fields=["status", "live_revision"])
    outbox.posts_deliver_due(at=AT)
    assert reload(post).state == PostState.CANCELLED
    assert wechat.seen == []


# --- Weibo ---------------------------------------------------------------------------------------------


@pytest.fixture
def weibo(settings: Any, platform: Platform) -> Platform:
    settings.ZC_CHANNEL_WEIBO_ACCESS_TOKEN = "2.00weibo"
    settings.ZC_CHANNEL_WEIBO_BASE_URL = platform.base_url
    return platform


def test_weibo_share_carries_the_short_link_and_the_cover_and_is_posted_with_its_id(
    heze: dict[str, Any], editor: User, weibo: Platform
) -> None:
    def share(seen: Seen) -> Answer:
        parts = seen.multipart()
        assert parts["access_token"][1] == b"2.00weibo"
        text = parts["status"][1].decode()
        assert text.startswith("【政府采购合同融资政策推行】")
        assert "https://zfcg.example.cn/s/" in text
        assert parts["pic"][0] == "cover.jpg"
        return 200, {"id": 4900000000000001, "idstr": "4900000000000001", "user": {"id": 1234567}}

    weibo.routes[("POST", "/2/statuses/share.json")] = share
    post = publish(heze, editor, "weibo")
    outbox.posts_deliver_due(at=AT)
    post = reload(post)
    assert (post.state, post.external_id, post.external_url) == (
        PostState.POSTED,
        "4900000000000001",
        "https://m.weibo.cn/status/4900000000000001",
    )


def test_weibo_repeated_content_error_fails_without_retrying(
    heze: dict[str, Any], editor: User, weibo: Platform
) -> None:
    weibo.routes[("POST", "/2/statuses/share.json")] = lambda s: (
        400,
        {"error": "repeat content!", "error_code": 20019, "request": "/2/statuses/share.json"},
    )
    post = publish(heze, editor, "weibo")
    outbox.posts_deliver_due(at=AT)
    post = reload(post)
    assert post.state == PostState.FAILED
    assert "error_code 20019" in post.last_error


# --- Douyin --------------------------------------------------------------------------------------------


@pytest.fixture
def douyin(settings: Any, platform: Platform) -> Platform:
    settings.ZC_CHANNEL_DOUYIN_ACCESS_TOKEN = "act.douyin"
    settings.ZC_CHANNEL_DOUYIN_OPEN_ID = "open-id-1"
    settings.ZC_CHANNEL_DOUYIN_BASE_URL = platform.base_url
    return platform


def test_douyin_uploads_the_3_to_4_image_then_creates_the_post(
    heze: dict[str, Any], editor: User, douyin: Platform
) -> None:
    def upload(seen: Seen) -> Answer:
        assert seen.query == {"open_id": "open-id-1", "access_token": "act.douyin"}
        with Image.open(io.BytesIO(seen.multipart()["image"][1])) as image:
            assert image.size == (750, 1000)  # the source's height limits the crop: never enlarged
        return 200, {"data": {"error_code": 0, "description": "", "image": {"image_id": "IMG_1"}}, "extra": {}}

    def create(seen: Seen) -> Answer:
        body = seen.json()
        assert body["image_id"] == "IMG_1"
        assert "https://zfcg.example.cn/s/" in body["text"]
        return 200, {"data": {"error_code": 0, "description": "", "item_id": "@9VwKzuuES8gmaXS7ZohqSw=="}}

    douyin.routes.update({("POST", "/image/upload/"): upload, ("POST", "/image/create/"): create})
    post = publish(heze, editor, "douyin", title="合同融资政策推行", cover=image_bytes(1800, 1000))
    outbox.posts_deliver_due(at=AT)
    post = reload(post)
    assert (post.state, post.external_id) == (PostState.POSTED, "@9VwKzuuES8gmaXS7ZohqSw==")


def test_douyin_error_code_is_retried(heze: dict[str, Any], editor: User, douyin: Platform) -> None:
    douyin.routes[("POST", "/image/upload/")] = lambda s: (
        200,
        {"data": {"error_code": 2190008, "description": "access_token过期"}, "extra": {}},
    )
    post = publish(heze, editor, "douyin", title="合同融资政策推行")
    outbox.posts_deliver_due(at=AT)
    post = reload(post)
    assert post.state == PostState.RETRYING
    assert "error_code 2190008" in post.last_error


# --- Toutiao -------------------------------------------------------------------------------------------


@pytest.fixture
def toutiao(settings: Any, platform: Platform) -> Platform:
    settings.ZC_CHANNEL_TOUTIAO_ACCESS_TOKEN = "tt-token"
    settings.ZC_CHANNEL_TOUTIAO_CLIENT_KEY = "tt-key"
    settings.ZC_CHANNEL_TOUTIAO_BASE_URL = platform.base_url
    return platform


def test_toutiao_article_is_published_and_posted_with_its_id(
    heze: dict[str, Any], editor: User, toutiao: Platform
) -> None:
    def post_article(seen: Seen) -> Answer:
        assert seen.query == {"access_token": "tt-token", "client_key": "tt-key"}
        form = seen.form()
        assert form["save"] == "1"
        assert form["title"] == "政府采购合同融资政策推行"
        assert form["content"].startswith("<p>")
        return 200, {"message": "success", "data": {"pgc_id": "6800000000000000001"}}

    toutiao.routes[("POST", "/open/new_article_post/")] = post_article
    post = publish(heze, editor, "toutiao")
    outbox.posts_deliver_due(at=AT)
    post = reload(post)
    assert (post.state, post.external_url) == (
        PostState.POSTED,
        "https://www.toutiao.com/item/6800000000000000001/",
    )


def test_toutiao_success_without_an_id_waits_for_the_editor_to_record_the_url(
    heze: dict[str, Any], editor: User, toutiao: Platform
) -> None:
    toutiao.routes[("POST", "/open/new_article_post/")] = lambda s: (200, {"message": "success", "data": {}})
    post = publish(heze, editor, "toutiao")
    outbox.posts_deliver_due(at=AT)
    post = reload(post)
    assert post.state == PostState.PACKAGE_READY
    assert post.posted_at is None
    assert "record the post's URL" in post.last_error
    post = outbox.post_record_manual(
        post=post, url="https://www.toutiao.com/article/7300000000000000000/", actor=editor, at=AT
    )
    assert (post.state, post.driver, post.recorded_by) == (PostState.POSTED, "manual", editor)
