"""What machine clients (banks, guarantors) rely on: idempotent writes and signed webhooks."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from zhengcai.organizations.models import Organization


class IdempotencyKey(models.Model):
    """The first successful response to a write sent with an ``Idempotency-Key``; a retry with the same key
    and the same request gets this response again instead of a second write."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    key = models.CharField(_("idempotency key"), max_length=200)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=300)
    request_sha256 = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField()
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [models.UniqueConstraint(fields=["owner", "key"], name="integrations_idempotency_once")]

    def __str__(self) -> str:
        return self.key


class WebhookEndpoint(models.Model):
    """An institution's URL for status-change events, with the shared secret that signs them (stored
    wrapped under the platform's key encryption key, shown to the institution once)."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.PROTECT, related_name="webhook_endpoints"
    )
    url = models.URLField(_("URL"), max_length=500)
    wrapped_secret = models.TextField()
    events = models.JSONField(_("events"), default=list, blank=True)  # empty: every event
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        ordering = ["organization", "id"]
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(models.Model):
    """One event for one endpoint: attempts with backoff until a 2xx answer, or given up after the last."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        DELIVERED = "delivered", _("Delivered")
        RETRYING = "retrying", _("Failed; will retry")
        FAILED = "failed", _("Failed; gave up")

    endpoint = models.ForeignKey(
        WebhookEndpoint, verbose_name=_("endpoint"), on_delete=models.PROTECT, related_name="deliveries"
    )
    event = models.CharField(_("event"), max_length=60)
    payload = models.JSONField(_("payload"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"))
    last_status = models.PositiveSmallIntegerField(_("last HTTP status"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"))
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        indexes = [models.Index(fields=["state", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint_id}"
