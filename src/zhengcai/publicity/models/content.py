"""Publicity content and its editorial workflow.

An item (article, notice, policy interpretation, success story, the open letter to suppliers) is
drafted by a city or county editor, reviewed by the city bureau's publicity team, approved by a
leader, and published at the approved time. Every saved version is an immutable revision; the
portal shows the *live* revision, so a published item can be edited (a new revision that goes
through the workflow again) while readers keep seeing the approved text. Rolling back makes a new
revision from an old one; nothing is overwritten.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from zhengcai.organizations.models import Organization, Region
from zhengcai.policies.models import PolicyDocument


class ContentKind(models.TextChoices):
    ARTICLE = "article", _("News article")
    NOTICE = "notice", _("Notice")
    INTERPRETATION = "interpretation", _("Policy interpretation")
    STORY = "story", _("Success story")
    OPEN_LETTER = "open_letter", _("Open letter to suppliers")


class ContentStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review (publicity team)")
    IN_APPROVAL = "in_approval", _("Awaiting approval (leader)")
    SCHEDULED = "scheduled", _("Approved, scheduled")
    PUBLISHED = "published", _("Published")
    WITHDRAWN = "withdrawn", _("Withdrawn")


def cover_path(instance: Content, filename: str) -> str:
    """A random name (covers are public once published; the name must not collide or be guessable)."""
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"publicity/covers/{secrets.token_hex(12)}.{ext}"


class Content(models.Model):
    kind = models.CharField(_("type"), max_length=16, choices=ContentKind.choices)
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    owner = models.ForeignKey(
        Organization, verbose_name=_("issuing bureau"), on_delete=models.PROTECT, related_name="publicity_items"
    )
    # The working copy (the latest revision's fields, for lists and the edit form).
    title = models.CharField(_("title"), max_length=120)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    body = models.TextField(_("body"))
    cover = models.ImageField(_("cover image"), upload_to=cover_path, blank=True, max_length=300)
    documents = models.ManyToManyField(
        PolicyDocument, verbose_name=_("policy documents"), blank=True, related_name="publicity_items"
    )
    channels = models.JSONField(_("channels"), default=list)  # channel codes (publicity.channels.Channel)
    status = models.CharField(_("status"), max_length=12, choices=ContentStatus.choices, default="draft")
    publish_at = models.DateTimeField(_("publish at"), null=True, blank=True)  # set by the approval
    first_published_at = models.DateTimeField(_("first published at"), null=True, blank=True)
    published_at = models.DateTimeField(_("last published at"), null=True, blank=True)
    latest_revision = models.ForeignKey(
        "ContentRevision", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    live_revision = models.ForeignKey(
        "ContentRevision", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )  # what the portal shows; empty until first published and after withdrawal
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("publicity item")
        verbose_name_plural = _("publicity items")
        indexes = [
            models.Index(fields=["status", "publish_at"], name="publicity_due"),
            models.Index(fields=["kind", "-published_at"], name="publicity_kind_published"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="scheduled") | Q(publish_at__isnull=False), name="publicity_scheduled_has_time"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class ContentRevision(models.Model):
    """An immutable saved version of an item."""

    content = models.ForeignKey(Content, verbose_name=_("item"), on_delete=models.PROTECT, related_name="revisions")
    number = models.PositiveIntegerField(_("revision"))
    title = models.CharField(_("title"), max_length=120)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    body = models.TextField(_("body"))
    cover = models.CharField(_("cover image"), max_length=300, blank=True)  # storage name at that revision
    document_ids = models.JSONField(_("policy documents"), default=list)
    channels = models.JSONField(_("channels"), default=list)
    note = models.CharField(_("note"), max_length=200, blank=True)
    restored_from = models.ForeignKey(
        "self", verbose_name=_("restored from"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        ordering = ["content", "-number"]
        verbose_name = _("revision")
        verbose_name_plural = _("revisions")
        constraints = [models.UniqueConstraint(fields=["content", "number"], name="publicity_revision_number")]

    def __str__(self) -> str:
        return f"{self.content_id} r{self.number}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValueError("a revision is immutable: save a new one instead")
        super().save(*args, **kwargs)


class ReviewStage(models.TextChoices):
    REVIEW = "review", _("Publicity team review")
    APPROVAL = "approval", _("Leader approval")


class ReviewDecision(models.TextChoices):
    PASS = "pass", _("Passed")
    RETURN = "return", _("Returned for changes")
    COMMENT = "comment", _("Comment")


class ReviewComment(models.Model):
    """A reviewer's or approver's decision and comment on one revision; kept for good."""

    content = models.ForeignKey(Content, on_delete=models.PROTECT, related_name="comments")
    revision = models.ForeignKey(ContentRevision, on_delete=models.PROTECT, related_name="comments")
    stage = models.CharField(_("stage"), max_length=10, choices=ReviewStage.choices)
    decision = models.CharField(_("decision"), max_length=10, choices=ReviewDecision.choices)
    text = models.TextField(_("comment"), blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        ordering = ["content", "created_at", "id"]
        verbose_name = _("review comment")
        verbose_name_plural = _("review comments")

    def __str__(self) -> str:
        return f"{self.stage}/{self.decision} on {self.revision_id}"


class LetterAcknowledgement(models.Model):
    """A supplier's acknowledgement of the open letter to suppliers (once per supplier and letter)."""

    content = models.ForeignKey(Content, on_delete=models.PROTECT, related_name="acknowledgements")
    supplier = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="letter_acknowledgements")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("acknowledged at"))

    class Meta:
        ordering = ["content", "at"]
        verbose_name = _("acknowledgement")
        verbose_name_plural = _("acknowledgements")
        constraints = [models.UniqueConstraint(fields=["content", "supplier"], name="publicity_ack_once")]

    def __str__(self) -> str:
        return f"{self.supplier_id} acknowledged {self.content_id}"
