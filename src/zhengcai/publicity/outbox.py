"""Channel posts: the persistent outbox, short links and reach metrics (writes).

Interface used by the content workflow (services.py) — implemented by the channels area:
- ``channel_problems(...)``: what stops an item from going out on its chosen channels (limits).
- ``posts_enqueue(...)``: one post per chosen channel for a revision that was just published.
- ``short_link_for(...)``: the item's short link for a channel (created once).
The publicity tick calls ``posts_deliver_due(at=...)``.

A post's state says only what is known (docs/channels.md): ``posted`` needs the portal showing the
revision, the platform's documented success with its id, or the URL of the real post recorded by an
editor. Everything else is ``queued``, ``sending``, ``retrying``, ``package_ready``, ``failed`` or
``cancelled``, with the error kept.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import logging
import secrets
import urllib.parse
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from zhengcai.core.audit import audit_record, snapshot
from zhengcai.core.errors import ServiceError, bilingual, raise_if_any
from zhengcai.core.fsm import check_transition
from zhengcai.core.notifications import notification_queue

from .channels import ADAPTERS, EXTRA_LINK_CHANNELS, Item, read_cover
from .drivers import Outcome, driver_code_for, driver_for
from .errors import ChannelError
from .feeds import in_feed
from .models import (
    Channel,
    ChannelPost,
    Content,
    ContentRevision,
    MetricImport,
    MetricSource,
    PostState,
    ReachMetric,
    ShortLink,
    ShortLinkClick,
)

logger = logging.getLogger(__name__)

# Short-link codes: 10 characters from an alphabet without look-alikes (0/O, 1/l/I): 57^10 ≈ 3.6e17.
CODE_ALPHABET = "23456789abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_LENGTH = 10

MAX_ATTEMPTS = 6  # API sends; then the post is failed (an editor may retry it or post it by hand)
BACKOFF_FIRST = dt.timedelta(minutes=1)  # 1, 2, 4, 8, 16 minutes between attempts
BACKOFF_MAX = dt.timedelta(hours=1)
LEASE = dt.timedelta(minutes=10)  # a post being sent is not picked again before this (a worker died)
DELIVER_BATCH = 50
PORTAL_RECHECK = dt.timedelta(minutes=5)  # a portal/feed post whose revision is not live yet

# Hosts a hand-made post's URL may be on, per channel (the host itself or a subdomain).
POST_DOMAINS: dict[str, tuple[str, ...]] = {
    Channel.WECHAT: ("mp.weixin.qq.com",),
    Channel.WEIBO: ("weibo.com", "weibo.cn"),
    Channel.DOUYIN: ("douyin.com", "iesdouyin.com"),
    Channel.TOUTIAO: ("toutiao.com",),
}

# The post lifecycle (one table; nothing assigns ``state`` elsewhere).
S = PostState
TRANSITIONS: dict[str, frozenset[str]] = {
    S.QUEUED: frozenset({S.SENDING, S.POSTED, S.PACKAGE_READY, S.FAILED, S.CANCELLED}),
    S.SENDING: frozenset({S.SENDING, S.POSTED, S.RETRYING, S.FAILED, S.PACKAGE_READY, S.CANCELLED}),
    S.RETRYING: frozenset({S.SENDING, S.CANCELLED}),
    S.PACKAGE_READY: frozenset({S.POSTED, S.CANCELLED}),
    S.FAILED: frozenset({S.QUEUED, S.POSTED, S.CANCELLED}),
    S.CANCELLED: frozenset({S.QUEUED}),
    S.POSTED: frozenset(),
}

CHANNEL_ACTIONS: dict[str, Any] = {
    "publicity.post_enqueue": _("Channel post queued"),
    "publicity.post_state": _("Channel post state changed"),
    "publicity.post_record": _("Hand-made channel post recorded"),
    "publicity.post_retry": _("Channel post retried"),
    "publicity.post_cancel": _("Channel post cancelled"),
    "publicity.metric_record": _("Reach figures recorded"),
    "publicity.metrics_import": _("Reach figures imported"),
}


# --- helpers -------------------------------------------------------------------------------


def _unknown_channel(channel: str) -> ServiceError:
    return ServiceError(ChannelError.UNKNOWN_CHANNEL, "channels", _("Unknown channel: {channel}"), channel=channel)


def public_url(content: Content) -> str:
    """The item's public page on the portal, absolute."""
    try:
        path = reverse("publicity:item", args=[content.pk])
    except NoReverseMatch:  # the portal page is built by the content area
        path = f"/publicity/{content.pk}/"
    return settings.ZC_PUBLIC_URL.rstrip("/") + path


def short_url(link: ShortLink) -> str:
    return settings.ZC_PUBLIC_URL.rstrip("/") + reverse("publicity:short_link", args=[link.code])


def revision_item(content: Content, revision: ContentRevision) -> Item:
    cover: bytes | None = None
    if revision.cover and default_storage.exists(revision.cover):
        cover = read_cover(revision.cover)
    return Item(
        kind=content.kind,
        title=revision.title,
        summary=revision.summary,
        body=revision.body,
        cover=cover,
        public_url=public_url(content),
    )


def _is_live(post: ChannelPost) -> bool:
    content = post.content
    return content.status == "published" and content.live_revision_id == post.revision_id


def _set_state(post: ChannelPost, target: str) -> None:
    check_transition(TRANSITIONS, post.state, target, labels=PostState, field="state")
    post.state = target


def _notify_editor(post: ChannelPost, subject: Any, body: Any, at: dt.datetime) -> None:
    """Tell the item's editor, in Chinese first (the platform's notification language)."""
    params = {"channel": Channel(post.channel).label, "title": post.revision.title, "error": post.last_error}
    with translation.override("zh-hans"):
        zh_subject, zh_body = str(subject).format(**params), str(body).format(**params)
    with translation.override("en"):
        en_body = str(body).format(**params)
    notification_queue(
        recipient=post.content.created_by,
        subject=zh_subject,
        body=f"{zh_body}\n\n{en_body}",
        link=reverse("publicity:post", args=[post.pk]),
        at=at,
    )


def _audit(post: ChannelPost, action: str, before: dict[str, Any] | None, actor: Any, at: dt.datetime) -> None:
    fields = ["state", "driver", "attempts", "external_id", "external_url", "posted_at", "last_error"]
    audit_record(actor=actor, action=action, obj=post, before=before, after=snapshot(post, fields), at=at)


def _before(post: ChannelPost) -> dict[str, Any]:
    return snapshot(post, ["state", "driver", "attempts", "external_id", "external_url", "posted_at", "last_error"])


# --- the interface used by the content workflow ---------------------------------------------


def channel_problems(
    *, kind: str, title: str, summary: str, body: str, cover: Any, channels: list[str]
) -> list[ServiceError]:
    """Every channel limit the item breaks (empty when it can go out everywhere it is meant to).

    ``cover`` may be an upload, a stored file, a storage name, bytes or empty."""
    errors: list[ServiceError] = [_unknown_channel(c) for c in channels if c not in ADAPTERS]
    known = [c for c in dict.fromkeys(channels) if c in ADAPTERS]
    if not known:
        return errors
    item = Item(kind=kind, title=title, summary=summary, body=body, cover=read_cover(cover))
    for channel in known:
        errors += ADAPTERS[channel].problems(item)
    return errors


def short_link_for(*, content: Content, channel: str, at: dt.datetime) -> ShortLink:
    """The item's short link for ``channel`` (a Channel, "leaflet" or "event"), created on first use."""
    if channel not in ADAPTERS and channel not in EXTRA_LINK_CHANNELS:
        raise _unknown_channel(channel)
    for _attempt in range(5):
        existing = ShortLink.objects.filter(content=content, channel=channel).first()
        if existing is not None:
            return existing
        code = "".join(secrets.choice(CODE_ALPHABET) for _i in range(CODE_LENGTH))
        try:
            with transaction.atomic():
                return ShortLink.objects.create(code=code, content=content, channel=channel, created_at=at)
        except IntegrityError:  # created concurrently, or (astronomically rarely) the code is taken: look again
            continue
    raise RuntimeError("could not create a short link")  # pragma: no cover


def _render(post: ChannelPost) -> list[ServiceError]:
    """Render the post's package from its revision (what the adapter makes of it); the problems found."""
    adapter = ADAPTERS[post.channel]
    item = revision_item(post.content, post.revision)
    url = short_url(short_link_for(content=post.content, channel=post.channel, at=post.created_at))
    problems = adapter.problems(item, url)
    package = adapter.render(item, url) if not problems else {}
    package.update(
        {
            "channel": post.channel,
            "short_url": url,
            "public_url": item.public_url,
            "has_cover": adapter.cover_image(item) is not None if not problems else False,
        }
    )
    if post.package.get("api"):
        package["api"] = post.package["api"]
    post.package = package
    return problems


def _problems_text(problems: list[ServiceError]) -> str:
    return "\n".join(bilingual(p) for p in problems)


@transaction.atomic
def posts_enqueue(*, content: Content, revision: ContentRevision, at: dt.datetime) -> list[ChannelPost]:
    """Create (once) a post per channel of ``revision`` and hand each to its driver.

    The portal, the feed and hand-made packages need no network and are settled here; API posts wait
    for ``posts_deliver_due``. Calling this again for the same revision changes nothing."""
    posts: list[ChannelPost] = []
    for channel in dict.fromkeys(revision.channels):
        if channel not in ADAPTERS:
            continue  # refused by channel_problems before approval; nothing to send
        existing = ChannelPost.objects.filter(revision=revision, channel=channel).first()
        if existing is not None:
            posts.append(existing)
            continue
        post = ChannelPost(
            content=content,
            revision=revision,
            channel=channel,
            driver=driver_code_for(channel),
            state=PostState.QUEUED,
            next_attempt_at=at,
            created_at=at,
            updated_at=at,
        )
        problems = _render(post)
        try:
            with transaction.atomic():
                post.save()
        except IntegrityError:  # enqueued concurrently
            posts.append(ChannelPost.objects.get(revision=revision, channel=channel))
            continue
        _audit(post, "publicity.post_enqueue", None, None, at)
        if problems:  # the limits changed since approval: never sent, the editor is told why
            _finish(post, PostState.FAILED, at, error=_problems_text(problems))
        elif post.driver != "api":
            _settle_locally(post, at)
        posts.append(post)
    return posts


def _finish(post: ChannelPost, target: str, at: dt.datetime, *, error: str = "", actor: Any = None) -> None:
    """Move ``post`` to ``target``, save, audit, and tell the editor when they have something to do."""
    before = _before(post)
    _set_state(post, target)
    post.last_error = error
    post.updated_at = at
    if target in {PostState.POSTED, PostState.FAILED, PostState.PACKAGE_READY, PostState.CANCELLED}:
        post.next_attempt_at = None
    if target == PostState.POSTED:
        post.posted_at = at
    post.save()
    _audit(post, "publicity.post_state", before, actor, at)
    if target == PostState.PACKAGE_READY:
        _notify_editor(
            post,
            _("{channel}: package ready to post — {title}"),
            _("The {channel} package of “{title}” is ready. Post it, then record the post's URL."),
            at,
        )
    elif target == PostState.FAILED:
        _notify_editor(
            post,
            _("{channel}: post failed — {title}"),
            _("“{title}” could not be posted on {channel}: {error}"),
            at,
        )


def _settle_locally(post: ChannelPost, at: dt.datetime) -> bool:
    """Portal, feed and manual posts: no network. Returns whether the post moved."""
    if post.driver in {"portal", "feed"}:
        shown = _is_live(post) and (post.driver == "portal" or in_feed(post.content_id))
        if not shown:
            live = post.content.live_revision_id
            if (live is not None and live != post.revision_id) or post.content.status == "withdrawn":
                # another revision is live, or the item was withdrawn: this revision will never be shown
                _finish(post, PostState.CANCELLED, at, error="the item is no longer published with this revision")
                return True
            post.next_attempt_at = at + PORTAL_RECHECK  # not shown yet: look again later
            post.save(update_fields=["next_attempt_at"])
            return False
        post.external_url = post.package.get("public_url", "")
        _finish(post, PostState.POSTED, at)
        return True
    if post.driver == "manual":
        _finish(post, PostState.PACKAGE_READY, at)
        return True
    return False


# --- delivery (the publicity tick) -------------------------------------------------------------


def backoff(attempts: int) -> dt.timedelta:
    return min(BACKOFF_FIRST * (2 ** max(attempts - 1, 0)), BACKOFF_MAX)


def posts_deliver_due(*, at: dt.datetime) -> int:
    """Send what is due: API posts queued or retrying (and WeChat posts awaiting confirmation) whose time
    has come; portal/feed posts waiting for their revision to go live. Returns how many were handled."""
    due = list(
        ChannelPost.objects.filter(
            state__in=[PostState.QUEUED, PostState.RETRYING, PostState.SENDING], next_attempt_at__lte=at
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:DELIVER_BATCH]
    )
    handled = 0
    for pk in due:
        claim = _claim(pk, at)
        if claim is None:
            continue
        handled += 1
        if not isinstance(claim, tuple):
            continue  # settled without the network
        post, item = claim
        adapter = ADAPTERS[post.channel]
        try:
            outcome = driver_for(post.channel, post.driver).deliver(
                channel=post.channel, item=item, adapter=adapter, package=post.package, at=at
            )
        except Exception as exc:  # a bug in one driver must not stop the others: kept and retried
            logger.exception("channel post %s: delivery failed", pk)
            outcome = Outcome(PostState.RETRYING, error=f"{type(exc).__name__}: {exc}"[:2000])
        _record_outcome(pk, outcome, at)
    return handled


@transaction.atomic
def _claim(pk: int, at: dt.datetime) -> tuple[ChannelPost, Item] | bool | None:
    """Lock a due post and take it for one attempt (state ``sending`` for the lease), or settle it here."""
    post = (
        ChannelPost.objects.select_for_update(skip_locked=True)
        .select_related("content", "revision")
        .filter(pk=pk, state__in=[PostState.QUEUED, PostState.RETRYING, PostState.SENDING], next_attempt_at__lte=at)
        .first()
    )
    if post is None:
        return None
    if post.driver != "api":
        return True if _settle_locally(post, at) else None
    waiting_for_platform = bool((post.package.get("api") or {}).get("publish_id"))
    if not waiting_for_platform and not _is_live(post):
        _finish(post, PostState.CANCELLED, at, error="the item is no longer published with this revision")
        return True
    _set_state(post, PostState.SENDING)
    if not waiting_for_platform:
        post.attempts += 1
    post.next_attempt_at = at + LEASE
    post.updated_at = at
    post.save(update_fields=["state", "attempts", "next_attempt_at", "updated_at"])
    return post, revision_item(post.content, post.revision)


@transaction.atomic
def _record_outcome(pk: int, outcome: Outcome, at: dt.datetime) -> None:
    post = ChannelPost.objects.select_for_update().select_related("content", "revision").get(pk=pk)
    if post.state != PostState.SENDING:  # cancelled meanwhile: keep what the platform told us, nothing else
        return
    if outcome.progress:
        post.package = {**post.package, "api": outcome.progress}
    post.external_id = outcome.external_id or post.external_id
    post.external_url = outcome.external_url or post.external_url
    state = outcome.state
    if state == PostState.POSTED:
        _finish(post, PostState.POSTED, at)
    elif state == PostState.SENDING:  # accepted, the platform has not confirmed yet: ask again later
        before = _before(post)
        post.next_attempt_at = at + (outcome.check_after or BACKOFF_FIRST)
        post.updated_at = at
        post.last_error = ""
        post.save()
        _audit(post, "publicity.post_state", before, None, at)
    elif state == PostState.PACKAGE_READY:
        _finish(post, PostState.PACKAGE_READY, at, error=outcome.error)
    elif not outcome.retryable or post.attempts >= MAX_ATTEMPTS:
        _finish(post, PostState.FAILED, at, error=outcome.error)
    else:
        before = _before(post)
        _set_state(post, PostState.RETRYING)
        post.last_error = outcome.error
        post.next_attempt_at = at + backoff(post.attempts)
        post.updated_at = at
        post.save()
        _audit(post, "publicity.post_state", before, None, at)


# --- editors' actions ------------------------------------------------------------------------------


def _locked(post: ChannelPost) -> ChannelPost:
    return ChannelPost.objects.select_for_update().select_related("content", "revision").get(pk=post.pk)


def _require(actor: Any, post: ChannelPost) -> None:
    """The actor edits publicity where the item is (a city bureau: everywhere)."""
    from zhengcai.accounts.selectors import user_scope
    from zhengcai.core.permissions import P

    scope = user_scope(user=actor, perm=P.PUBLICITY_EDIT)
    content = post.content
    if not (scope.everything or content.region_id in scope.region_ids or content.owner_id in scope.organization_ids):
        raise PermissionDenied


def check_post_url(channel: str, url: str) -> str:
    """The URL of a hand-made post, checked: a web address on the channel's own domain."""
    url = (url or "").strip()
    if not url:
        raise ServiceError(ChannelError.POST_URL_REQUIRED, "url", _("Give the URL of the post."))
    domains = POST_DOMAINS.get(channel, ())
    labels = {"channel": Channel(channel).label, "domains": ", ".join(domains)}
    if len(url) > 500:
        raise ServiceError(ChannelError.POST_URL_DOMAIN, "url", _("The URL is longer than 500 characters."))
    try:
        URLValidator(schemes=["https", "http"])(url)
    except ValidationError as exc:
        raise ServiceError(
            ChannelError.POST_URL_DOMAIN, "url", _("{channel}: the URL must be a web address on {domains}."), **labels
        ) from exc
    host = (urllib.parse.urlsplit(url).hostname or "").lower()
    if not any(host == d or host.endswith("." + d) for d in domains):
        raise ServiceError(
            ChannelError.POST_URL_DOMAIN, "url", _("{channel}: the URL must be a web address on {domains}."), **labels
        )
    return url


@transaction.atomic
def post_record_manual(*, post: ChannelPost, url: str, actor: Any, at: dt.datetime) -> ChannelPost:
    """An editor posted the package by hand: record the real post's URL; only now is it ``posted``."""
    post = _locked(post)
    _require(actor, post)
    if post.channel not in POST_DOMAINS:
        raise ServiceError(
            ChannelError.POST_STATE,
            "url",
            _("{channel} posts are made by the portal itself."),
            channel=Channel(post.channel).label,
        )
    url = check_post_url(post.channel, url)
    check_transition(TRANSITIONS, post.state, PostState.POSTED, labels=PostState, field="state")
    taken = ChannelPost.objects.filter(external_url=url).exclude(pk=post.pk).first()
    if taken is not None:
        raise ServiceError(
            ChannelError.POST_URL_TAKEN,
            "url",
            _("This URL is already recorded for another post (#{post})."),
            post=taken.pk,
        )
    post.external_url = url
    post.recorded_by = actor
    if post.driver == "api":
        post.driver = "manual"  # the API gave up (or gave no id) and an editor posted it
    before = _before(post)
    _set_state(post, PostState.POSTED)
    post.posted_at = at
    post.next_attempt_at = None
    post.updated_at = at
    post.last_error = ""
    post.save()
    _audit(post, "publicity.post_record", before, actor, at)
    return post


@transaction.atomic
def post_retry(*, post: ChannelPost, actor: Any, at: dt.datetime) -> ChannelPost:
    """Send a failed or cancelled post again: re-rendered from its revision, through the driver configured
    now (an API configured since, or a package by hand), attempts counted from zero."""
    post = _locked(post)
    _require(actor, post)
    check_transition(TRANSITIONS, post.state, PostState.QUEUED, labels=PostState, field="state")
    if not _is_live(post):
        raise ServiceError(
            ChannelError.NOT_PUBLISHED, "state", _("The item is no longer published with this revision.")
        )
    problems = _render(post)
    raise_if_any(problems)
    before = _before(post)
    post.driver = driver_code_for(post.channel)
    _set_state(post, PostState.QUEUED)
    post.attempts = 0
    post.last_error = ""
    post.next_attempt_at = at
    post.updated_at = at
    post.save()
    _audit(post, "publicity.post_retry", before, actor, at)
    if post.driver != "api":
        _settle_locally(post, at)
    return post


@transaction.atomic
def post_cancel(*, post: ChannelPost, actor: Any, at: dt.datetime) -> ChannelPost:
    """Stop a post that is not out yet. A post being sent (or awaiting the platform's confirmation) cannot
    be cancelled: it may already be out."""
    post = _locked(post)
    _require(actor, post)
    if post.state == PostState.SENDING:
        raise ServiceError(
            ChannelError.POST_STATE, "state", _("The post is being sent; wait for the platform's answer.")
        )
    before = _before(post)
    _set_state(post, PostState.CANCELLED)
    post.next_attempt_at = None
    post.updated_at = at
    post.save()
    _audit(post, "publicity.post_cancel", before, actor, at)
    return post


def posts_stop_for_withdrawal(
    *, content: Content, revision: ContentRevision, actor: Any, at: dt.datetime
) -> list[str]:
    """The item was withdrawn (by a leader, inside ``content_withdraw``'s transaction): posts of the withdrawn
    revision that are not out yet are cancelled; returns the URLs of posts already out on other platforms,
    which the editors must take down there by hand (the platform keeps them until then)."""
    out: list[str] = []
    for post in ChannelPost.objects.select_for_update().filter(content=content, revision=revision).order_by("pk"):
        if post.state in {PostState.QUEUED, PostState.RETRYING, PostState.PACKAGE_READY}:
            before = _before(post)
            _set_state(post, PostState.CANCELLED)
            post.next_attempt_at = None
            post.updated_at = at
            post.save()
            _audit(post, "publicity.post_cancel", before, actor, at)
        elif post.state in {PostState.POSTED, PostState.SENDING} and post.channel in POST_DOMAINS:
            out.append(post.external_url or str(Channel(post.channel).label))
    return out


# --- short links ------------------------------------------------------------------------------------


def short_link_click(*, code: str, at: dt.datetime) -> ShortLink | None:
    """Count a click on /s/<code>; None for an unknown code."""
    link = ShortLink.objects.select_related("content").filter(code=code).first()
    if link is None:
        return None
    ShortLinkClick.objects.create(link=link, at=at)
    return link


# --- reach metrics --------------------------------------------------------------------------------


class Formatted:
    """A message with its own parameters, rendered in the language active when it becomes text (so a row
    problem nested in "Row {row}, {column}: {problem}" stays bilingual)."""

    def __init__(self, message: Any, **params: Any) -> None:
        self.message = message
        self.params = params

    def __str__(self) -> str:
        text = str(self.message)
        return text.format(**{k: str(v) for k, v in self.params.items()}) if self.params else text


FIGURES = ("reads", "shares", "likes", "comments")


def _check_figures(values: dict[str, Any]) -> list[ServiceError]:
    errors = []
    for name in FIGURES:
        value = values.get(name, 0)
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 2_000_000_000:
            errors.append(
                ServiceError(ChannelError.METRIC_INVALID, name, _("Give a whole number from 0 to 2,000,000,000."))
            )
    return errors


@transaction.atomic
def metric_record(
    *,
    post: ChannelPost,
    day: dt.date,
    reads: int,
    shares: int,
    likes: int,
    comments: int = 0,
    replace: bool = False,
    actor: Any,
    at: dt.datetime,
) -> ReachMetric:
    """One day's reach of one post, entered by hand. A day already recorded is refused unless ``replace``."""
    post = _locked(post)
    _require(actor, post)
    figures = {"reads": reads, "shares": shares, "likes": likes, "comments": comments}
    errors = _check_figures(figures)
    if post.state != PostState.POSTED or post.posted_at is None:
        errors.append(
            ServiceError(ChannelError.METRIC_INVALID, "post", _("Reach can be recorded only for a posted post."))
        )
    elif day < timezone.localdate(post.posted_at) or day > timezone.localdate(at):
        errors.append(
            ServiceError(
                ChannelError.METRIC_INVALID,
                "day",
                _("The day must be between the posting day ({first}) and today ({today})."),
                first=timezone.localdate(post.posted_at),
                today=timezone.localdate(at),
            )
        )
    raise_if_any(errors)
    existing = ReachMetric.objects.select_for_update().filter(post=post, day=day).first()
    if existing is not None and not replace:
        raise ServiceError(
            ChannelError.METRIC_EXISTS,
            "day",
            _("Figures for {day} are already recorded; choose “replace” to overwrite them."),
            day=day,
        )
    fields = ["reads", "shares", "likes", "comments", "source", "source_import", "recorded_by", "recorded_at"]
    before = snapshot(existing, fields) if existing is not None else None
    metric = existing or ReachMetric(post=post, day=day)
    for name, value in figures.items():
        setattr(metric, name, value)
    metric.source = MetricSource.MANUAL
    metric.source_import = None
    metric.recorded_by = actor
    metric.recorded_at = at
    metric.save()
    audit_record(
        actor=actor, action="publicity.metric_record", obj=metric, before=before, after=snapshot(metric, fields), at=at
    )
    return metric


# CSV exports accepted per channel (docs/channels.md): our field → the column names we accept for it.
CSV_COLUMNS: dict[str, dict[str, tuple[str, ...]]] = {
    # 公众号后台 → 数据分析 → 内容分析 (图文分析), 单篇 export.
    Channel.WECHAT: {
        "day": ("日期", "统计日期"),
        "title": ("标题", "文章标题", "内容标题"),
        "url": ("链接", "文章链接"),
        "reads": ("阅读次数",),
        "shares": ("分享次数", "转发次数"),
        "likes": ("点赞人数", "点赞次数", "点赞数"),
        "comments": ("留言条数", "留言次数", "评论数"),
    },
    # 微博 → 管理中心 → 数据助手 → 博文分析 export.
    Channel.WEIBO: {
        "day": ("日期", "统计日期"),
        "title": ("微博内容", "博文内容", "标题"),
        "url": ("微博链接", "博文链接", "链接"),
        "reads": ("阅读数", "阅读量"),
        "shares": ("转发数", "转发量"),
        "likes": ("点赞数", "赞数", "点赞量"),
        "comments": ("评论数", "评论量"),
    },
    # 抖音创作者中心 → 数据中心 → 作品数据 export.
    Channel.DOUYIN: {
        "day": ("日期", "统计日期"),
        "title": ("作品名称", "作品标题", "标题"),
        "url": ("作品链接", "链接"),
        "reads": ("播放量", "播放数"),
        "shares": ("分享量", "分享数"),
        "likes": ("点赞量", "点赞数"),
        "comments": ("评论量", "评论数"),
    },
    # 头条号后台 → 数据 → 作品数据 export.
    Channel.TOUTIAO: {
        "day": ("日期", "统计日期"),
        "title": ("标题", "作品标题"),
        "url": ("链接", "作品链接", "文章链接"),
        "reads": ("阅读量", "阅读数"),
        "shares": ("转发量", "分享量", "转发数"),
        "likes": ("点赞量", "点赞数"),
        "comments": ("评论量", "评论数"),
    },
}
CSV_MAX_BYTES = 5 * 1024 * 1024
CSV_MAX_ROWS = 5000
CSV_MAX_ERRORS = 100


def _csv_error(message: Any, **params: Any) -> ServiceError:
    return ServiceError(ChannelError.CSV_COLUMNS, "file", message, **params)


def _row_problem(row: int, column: str, problem: Any, **params: Any) -> ServiceError:
    return ServiceError(
        ChannelError.CSV_ROW,
        f"rows[{row}].{column}",
        _("Row {row}, {column}: {problem}"),
        row=row,
        column=column,
        problem=Formatted(problem, **params),
    )


def _decode_csv(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("gb18030")  # exports opened and saved again in Chinese Excel
    except UnicodeDecodeError as exc:
        raise ServiceError(
            ChannelError.CSV_ENCODING, "file", _("The file is neither UTF-8 nor GB18030 text.")
        ) from exc


def _parse_day(text: str) -> dt.date | None:
    text = text.strip().replace("/", "-").replace(".", "-")
    for suffix in ("日",):
        text = text.removesuffix(suffix)
    text = text.replace("年", "-").replace("月", "-")
    parts = text.split(" ")[0].split("-")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        return None
    try:
        return dt.date(int(parts[0]), int(parts[1]), int(parts[2]))
    except ValueError:
        return None


def _parse_count(text: str) -> int | None:
    text = text.strip().replace(",", "")
    if text in ("", "-"):
        return 0
    if not text.isdigit() or len(text) > 10:
        return None
    value = int(text)
    return value if value <= 2_000_000_000 else None


def normalize_post_url(url: str) -> str:
    parts = urllib.parse.urlsplit(url.strip())
    path = parts.path.rstrip("/")
    return urllib.parse.urlunsplit(("https", (parts.hostname or "").lower(), path, parts.query, ""))


@dataclass
class ImportResult:
    """What an import found (and wrote, unless it raised)."""

    rows: int
    replaced: int
    batch: MetricImport | None = None


@transaction.atomic
def metrics_import_csv(
    *, channel: str, file_name: str, content: bytes, actor: Any, at: dt.datetime, replace: bool = False
) -> ImportResult:
    """Import a platform's CSV export of daily reach: every row or none.

    Each row is matched to a posted post of the channel by its URL, else by its title and the day (the post
    must have been posted by then, and only one post may match). A (post, day) already recorded is refused
    unless ``replace`` is given, in which case the earlier figures are overwritten and the audit log keeps
    them. The same file (SHA-256) is refused a second time unless ``replace``."""
    if channel not in CSV_COLUMNS:
        raise ServiceError(
            ChannelError.UNKNOWN_CHANNEL, "channel", _("No CSV import for this channel: {channel}"), channel=channel
        )
    if len(content) > CSV_MAX_BYTES:
        raise ServiceError(ChannelError.CSV_TOO_LARGE, "file", _("The file is larger than 5 MB: split it."))
    digest = hashlib.sha256(content).hexdigest()
    earlier = MetricImport.objects.filter(sha256=digest, channel=channel).first()
    if earlier is not None and not replace:
        raise ServiceError(
            ChannelError.METRIC_EXISTS,
            "file",
            _("This file was already imported on {date}; choose “replace” to import it again."),
            date=timezone.localdate(earlier.imported_at),
        )
    text = _decode_csv(content)
    try:
        table = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise _csv_error(_("The file is not valid CSV: {problem}."), problem=str(exc)) from exc
    if not table or not any(c.strip() for c in table[0]):
        raise ServiceError(ChannelError.CSV_EMPTY, "file", _("The file holds no records."))
    header = [c.strip() for c in table[0]]
    spec = CSV_COLUMNS[channel]
    where: dict[str, int] = {}
    for fld, names in spec.items():
        for name in names:
            if name in header:
                where[fld] = header.index(name)
                break
    missing = [spec[f][0] for f in ("day", "reads") if f not in where]
    if "url" not in where and "title" not in where:
        missing.append(f"{spec['url'][0]} / {spec['title'][0]}")
    if missing:
        raise _csv_error(
            _("Missing columns: {missing}. The {channel} export needs at least: {expected}."),
            missing=", ".join(missing),
            channel=Channel(channel).label,
            expected=", ".join([spec["day"][0], spec["reads"][0], f"{spec['url'][0]} / {spec['title'][0]}"]),
        )
    body = [(n, cells) for n, cells in enumerate(table[1:], start=2) if any(c.strip() for c in cells)]
    if not body:
        raise ServiceError(ChannelError.CSV_EMPTY, "file", _("The file holds no records."))
    if len(body) > CSV_MAX_ROWS:
        raise ServiceError(
            ChannelError.CSV_TOO_LARGE, "file", _("At most {limit} rows per file: split it."), limit=CSV_MAX_ROWS
        )

    posts = list(posts_in_scope(user=actor).filter(channel=channel, state=PostState.POSTED))
    by_url = {normalize_post_url(p.external_url): p for p in posts if p.external_url}
    errors: list[ServiceError] = []
    pending: list[tuple[int, ChannelPost, dt.date, dict[str, int]]] = []
    seen: dict[tuple[int, dt.date], int] = {}
    today = timezone.localdate(at)
    for number, cells in body:
        if len(cells) != len(header):
            errors.append(
                _row_problem(
                    number,
                    header[0],
                    _("the row has {found} cells; the header has {expected}"),
                    found=len(cells),
                    expected=len(header),
                )
            )
            continue

        def cell(fld: str, cells: list[str] = cells) -> str:
            return cells[where[fld]].strip() if fld in where else ""

        row_errors: list[ServiceError] = []
        day = _parse_day(cell("day"))
        if day is None:
            row_errors.append(_row_problem(number, header[where["day"]], _("give the date as YYYY-MM-DD")))
        elif day > today:
            row_errors.append(_row_problem(number, header[where["day"]], _("the date is in the future")))
        figures: dict[str, int] = {}
        for fld in FIGURES:
            if fld not in where:
                figures[fld] = 0
                continue
            value = _parse_count(cell(fld))
            if value is None:
                row_errors.append(
                    _row_problem(number, header[where[fld]], _("not a whole number ≥ 0: {value}"), value=cell(fld))
                )
            else:
                figures[fld] = value
        post: ChannelPost | None = None
        url = cell("url")
        if url:
            post = by_url.get(normalize_post_url(url))
            if post is None:
                row_errors.append(
                    _row_problem(
                        number,
                        header[where["url"]],
                        _("no posted {channel} post has this URL"),
                        channel=Channel(channel).label,
                    )
                )
        elif "title" in where and day is not None:
            title = cell("title")
            matches = [
                p
                for p in posts
                if p.revision.title.strip() == title and p.posted_at and timezone.localdate(p.posted_at) <= day
            ]
            column = header[where["title"]]
            if not title:
                row_errors.append(_row_problem(number, column, _("give the URL or the title of the post")))
            elif not matches:
                row_errors.append(
                    _row_problem(
                        number,
                        column,
                        _("no {channel} post with this title was posted by {day}"),
                        channel=Channel(channel).label,
                        day=day,
                    )
                )
            elif len(matches) > 1:
                row_errors.append(_row_problem(number, column, _("several posts have this title; add the URL column")))
            else:
                post = matches[0]
        elif "title" not in where:
            row_errors.append(_row_problem(number, header[where["url"]], _("give the URL of the post")))
        if post is not None and day is not None and post.posted_at and day < timezone.localdate(post.posted_at):
            row_errors.append(
                _row_problem(
                    number,
                    header[where["day"]],
                    _("the post was published on {first}, after this day"),
                    first=timezone.localdate(post.posted_at),
                )
            )
        if post is not None and day is not None and not row_errors:
            key = (post.pk, day)
            if key in seen:
                row_errors.append(
                    _row_problem(
                        number, header[where["day"]], _("the same post and day as row {first}"), first=seen[key]
                    )
                )
            seen[key] = number
        errors += row_errors
        if not row_errors and post is not None and day is not None:
            pending.append((number, post, day, figures))

    existing = {
        (m.post_id, m.day): m
        for m in ReachMetric.objects.select_for_update().filter(
            post__in={p.pk for _n, p, _d, _f in pending}, day__in={d for _n, _p, d, _f in pending}
        )
    }
    if not replace:
        for number, post, day, _figures in pending:
            if (post.pk, day) in existing:
                errors.append(
                    _row_problem(
                        number,
                        header[where["day"]],
                        _("figures for this post and day are already recorded; choose “replace” to overwrite them"),
                    )
                )
    if errors:
        errors.sort(key=lambda e: int(e.params.get("row", 0)))
        shown = errors[:CSV_MAX_ERRORS]
        if len(errors) > CSV_MAX_ERRORS:
            shown.append(
                ServiceError(
                    ChannelError.CSV_ROW,
                    "file",
                    _("{count} more problems are not listed: fix these and upload again."),
                    count=len(errors) - CSV_MAX_ERRORS,
                )
            )
        raise_if_any(shown)

    batch = MetricImport.objects.create(
        channel=channel,
        filename=file_name[:200],
        sha256=digest,
        rows=len(pending),
        imported_by=actor,
        imported_at=at,
    )
    fields = ["reads", "shares", "likes", "comments", "source", "source_import", "recorded_by", "recorded_at"]
    replaced = 0
    for _number, post, day, figures in pending:
        metric = existing.get((post.pk, day))
        before = snapshot(metric, fields) if metric is not None else None
        if metric is None:
            metric = ReachMetric(post=post, day=day)
        else:
            replaced += 1
        for name, value in figures.items():
            setattr(metric, name, value)
        metric.source = MetricSource.IMPORT
        metric.source_import = batch
        metric.recorded_by = actor
        metric.recorded_at = at
        metric.save()
        if before is not None:  # an overwrite: the earlier figures stay in the audit log
            audit_record(
                actor=actor,
                action="publicity.metric_record",
                obj=metric,
                before=before,
                after=snapshot(metric, fields),
                at=at,
            )
    audit_record(
        actor=actor,
        action="publicity.metrics_import",
        obj=batch,
        after={**snapshot(batch), "replaced": replaced},
        at=at,
    )
    return ImportResult(rows=len(pending), replaced=replaced, batch=batch)


# --- reads (selectors of the channels area) --------------------------------------------------------


def posts_in_scope(*, user: Any) -> QuerySet[ChannelPost]:
    """Posts whose item the user may edit: the editor's region (a city bureau: everywhere)."""
    from zhengcai.accounts.selectors import user_scope
    from zhengcai.core.permissions import P

    scope = user_scope(user=user, perm=P.PUBLICITY_EDIT)
    qs = ChannelPost.objects.select_related("content", "revision", "recorded_by")
    return scope.filter(qs, region_field="content__region", organization_field="content__owner")
