"""Channel posts (the persistent outbox), short links with their clicks, and reach metrics.

A post is one published revision on one channel. Its state says only what is known: a package
ready for an editor to post by hand is ``package_ready`` until the editor records the URL of the
real post; an API post is ``posted`` only after the platform answered with the post's id.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .content import Content, ContentRevision


class Channel(models.TextChoices):
    WEBSITE = "website", _("Official website (portal)")
    FEED = "feed", _("RSS / Atom feed")
    WECHAT = "wechat", _("WeChat official account")
    WEIBO = "weibo", _("Weibo")
    DOUYIN = "douyin", _("Douyin")
    TOUTIAO = "toutiao", _("Toutiao")


class PostState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    PACKAGE_READY = "package_ready", _("Package ready to post by hand")
    POSTED = "posted", _("Posted")
    RETRYING = "retrying", _("Failed, will retry")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class ChannelPost(models.Model):
    content = models.ForeignKey(Content, verbose_name=_("item"), on_delete=models.PROTECT, related_name="posts")
    revision = models.ForeignKey(
        ContentRevision, verbose_name=_("revision"), on_delete=models.PROTECT, related_name="+"
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    driver = models.CharField(_("driver"), max_length=10)  # "portal", "feed", "manual", "api"
    state = models.CharField(_("state"), max_length=14, choices=PostState.choices, default="queued")
    package = models.JSONField(_("package"), default=dict)  # what the adapter rendered for the channel
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    external_id = models.CharField(_("platform id"), max_length=120, blank=True)
    external_url = models.URLField(_("post URL"), max_length=500, blank=True)
    posted_at = models.DateTimeField(_("posted at"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )  # the editor who recorded a hand-made post
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("channel post")
        verbose_name_plural = _("channel posts")
        constraints = [
            models.UniqueConstraint(fields=["revision", "channel"], name="publicity_post_once_per_revision"),
            models.CheckConstraint(
                condition=~Q(state="posted") | Q(posted_at__isnull=False), name="publicity_posted_has_time"
            ),
        ]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="publicity_post_due")]

    def __str__(self) -> str:
        return f"{self.channel}:{self.content_id}:{self.state}"


class ShortLink(models.Model):
    """A per-item, per-channel short link (/s/<code>) printed in packages and QR codes; counts clicks."""

    code = models.CharField(_("code"), max_length=12, unique=True)
    content = models.ForeignKey(Content, on_delete=models.PROTECT, related_name="short_links")
    channel = models.CharField(_("channel"), max_length=10)  # a Channel or "leaflet" / "event"
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("short link")
        verbose_name_plural = _("short links")
        constraints = [models.UniqueConstraint(fields=["content", "channel"], name="publicity_link_per_channel")]

    def __str__(self) -> str:
        return self.code


class ShortLinkClick(models.Model):
    link = models.ForeignKey(ShortLink, on_delete=models.CASCADE, related_name="clicks")
    at = models.DateTimeField()

    class Meta:
        verbose_name = _("click")
        verbose_name_plural = _("clicks")
        indexes = [models.Index(fields=["link", "at"], name="publicity_click_link_at")]

    def __str__(self) -> str:
        return f"{self.link_id}@{self.at}"


class MetricSource(models.TextChoices):
    MANUAL = "manual", _("Entered by hand")
    IMPORT = "import", _("Imported from the platform's export")
    API = "api", _("Fetched from the platform's API")


class MetricImport(models.Model):
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    filename = models.CharField(_("file"), max_length=200)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    rows = models.PositiveIntegerField(_("rows"))
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    imported_at = models.DateTimeField(_("imported at"))

    class Meta:
        ordering = ["-imported_at"]
        verbose_name = _("metrics import")
        verbose_name_plural = _("metrics imports")

    def __str__(self) -> str:
        return self.filename


class ReachMetric(models.Model):
    """A post's reach on one day as the platform reports it (that day's figures, not cumulative)."""

    post = models.ForeignKey(ChannelPost, on_delete=models.PROTECT, related_name="metrics")
    day = models.DateField(_("day"))
    reads = models.PositiveIntegerField(_("reads"), default=0)
    shares = models.PositiveIntegerField(_("shares"), default=0)
    likes = models.PositiveIntegerField(_("likes"), default=0)
    comments = models.PositiveIntegerField(_("comments"), default=0)
    source = models.CharField(_("source"), max_length=10, choices=MetricSource.choices)
    source_import = models.ForeignKey(
        MetricImport, null=True, blank=True, on_delete=models.PROTECT, related_name="metrics"
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        ordering = ["post", "day"]
        verbose_name = _("reach figures")
        verbose_name_plural = _("reach figures")
        constraints = [models.UniqueConstraint(fields=["post", "day"], name="publicity_metric_per_day")]

    def __str__(self) -> str:
        return f"{self.post_id} {self.day}"
