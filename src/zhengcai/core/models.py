from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    pass


class AuditEvent(models.Model):
    """One state change. Append-only; each row's ``hash`` chains over the previous one.

    hash = HMAC-SHA256(AUDIT_CHAIN_KEY, prev_hash + canonical JSON of the row);
    ``manage.py verify_audit`` recomputes the chain and reports any edited or missing row.
    """

    seq = models.PositiveBigIntegerField(_("sequence"), unique=True)
    at = models.DateTimeField(_("time"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True, blank=True, on_delete=models.SET_NULL
    )
    actor_label = models.CharField(_("actor label"), max_length=200)
    action = models.CharField(_("action"), max_length=100, db_index=True)
    object_type = models.CharField(_("object type"), max_length=100)
    object_id = models.CharField(_("object id"), max_length=64)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["-seq"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError("audit events are never updated")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("audit events are never deleted")

    @property
    def action_label(self) -> str:
        from .audit import action_label

        return action_label(self.action)

    @property
    def object_type_label(self) -> str:
        from .audit import object_type_label

        return object_type_label(self.object_type)


class AuditChainHead(models.Model):
    """A single row holding the last sequence and hash; locked to serialize appends."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="core_auditchainhead_singleton")]

    def __str__(self) -> str:
        return f"audit head #{self.seq}"


class Notification(models.Model):
    """Outbox of messages to people. Delivered by a background task; the state says what really happened."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        NO_ADDRESS = "no_address", _("No address: shown in the back office only")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="notifications"
    )
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("body"))
    link = models.CharField(_("link"), max_length=300, blank=True)
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return self.subject


class CalendarDay(models.Model):
    """An official day that differs from the weekday rule, loaded by the bureau for a year the
    holiday library does not know yet (from the State Council's annual holiday notice)."""

    date = models.DateField(_("date"), unique=True)
    is_workday = models.BooleanField(_("working day"))
    name = models.CharField(_("name"), max_length=50, blank=True)
    source = models.CharField(_("source"), max_length=200)

    class Meta:
        ordering = ["date"]
        verbose_name = _("official calendar day")
        verbose_name_plural = _("official calendar days")

    def __str__(self) -> str:
        return f"{self.date} {'workday' if self.is_workday else 'rest'} {self.name}"


class CalendarYear(models.Model):
    """A year whose official calendar was loaded into CalendarDay (complete for that year)."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    source = models.CharField(_("source"), max_length=200)
    loaded_at = models.DateTimeField(_("loaded at"))

    class Meta:
        ordering = ["year"]
        verbose_name = _("official calendar year")
        verbose_name_plural = _("official calendar years")

    def __str__(self) -> str:
        return str(self.year)


class PolicyParameter(models.Model):
    """A configurable rule's value from a date on (DOMAIN.md rules marked *configurable*).

    Rows are never edited: a change is a new row with a later ``effective_from``, so a past
    decision can always be recomputed with the value in force on its date.
    """

    key = models.CharField(_("parameter"), max_length=80)
    value = models.JSONField(_("value"))
    effective_from = models.DateField(_("effective from"))
    source = models.CharField(_("legal source"), max_length=200)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        ordering = ["key", "-effective_from"]
        verbose_name = _("policy parameter")
        verbose_name_plural = _("policy parameters")
        constraints = [models.UniqueConstraint(fields=["key", "effective_from"], name="core_policy_key_date_unique")]

    def __str__(self) -> str:
        return f"{self.key}={self.value} from {self.effective_from}"
