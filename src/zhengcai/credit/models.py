"""Supplier credit: records (never deleted; corrected by revoking), import batches, the versioned credit policy
and the bid-security exemption decisions made under it (S-CREDIT-EXEMPT). Writes go through services.py."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from zhengcai.organizations.models import Organization

from .rules import Kind, Severity, Source


class AppendOnly(models.Model):
    """Rows written once by a service and never changed or deleted (a decision stays what it was)."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError(f"{type(self).__name__} is append-only: publish a new row instead")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ValueError(f"{type(self).__name__} is append-only")


class CreditImportBatch(AppendOnly):
    """One imported file of external records (administrative penalties, dishonesty lists)."""

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        JSON = "json", "JSON"

    file_name = models.CharField(_("file name"), max_length=200)
    sha256 = models.CharField(_("SHA-256 of the file"), max_length=64, db_index=True)
    format = models.CharField(_("format"), max_length=4, choices=Format.choices)
    row_count = models.PositiveIntegerField(_("rows"))
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    imported_by_label = models.CharField(_("imported by"), max_length=200)
    at = models.DateTimeField(_("imported at"))

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("credit import")
        verbose_name_plural = _("credit imports")

    def __str__(self) -> str:
        return f"{self.file_name} ({self.row_count})"


class CreditRecord(models.Model):
    """One entry of a supplier's credit record: what happened, who recorded it, how grave, until when."""

    supplier = models.ForeignKey(
        Organization, verbose_name=_("supplier"), on_delete=models.PROTECT, related_name="credit_records"
    )
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    occurred_on = models.DateField(_("date"))
    expires_on = models.DateField(
        _("in force until"), null=True, blank=True, help_text=_("Empty: in force without an end date.")
    )
    description = models.TextField(_("description"))
    reference = models.CharField(
        _("reference"), max_length=100, blank=True, help_text=_("Penalty document number or project number.")
    )
    authority = models.CharField(_("issued by"), max_length=100, blank=True)
    batch = models.ForeignKey(
        CreditImportBatch,
        verbose_name=_("import batch"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="records",
    )
    created_at = models.DateTimeField(_("recorded at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revoke_reason = models.TextField(_("reason for revoking"), blank=True)

    class Meta:
        ordering = ["-occurred_on", "-id"]
        verbose_name = _("credit record")
        verbose_name_plural = _("credit records")
        indexes = [models.Index(fields=["supplier", "occurred_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gte=models.F("occurred_on")),
                name="credit_record_expiry_after_date",
            ),
            models.CheckConstraint(
                condition=(Q(revoked_at__isnull=True) & Q(revoke_reason=""))
                | (Q(revoked_at__isnull=False) & ~Q(revoke_reason="")),
                name="credit_record_revoked_with_reason",
            ),
            models.CheckConstraint(
                condition=~Q(kind="serious_dishonesty") | Q(severity="serious"),
                name="credit_record_dishonesty_is_serious",
            ),
            models.CheckConstraint(
                condition=(Q(source="import") & Q(batch__isnull=False))
                | (~Q(source="import") & Q(batch__isnull=True)),
                name="credit_record_import_has_batch",
            ),
            # the same fact is recorded once (a revoked record may be recorded again, corrected)
            models.UniqueConstraint(
                fields=["supplier", "kind", "reference", "occurred_on"],
                condition=Q(revoked_at__isnull=True) & ~Q(reference=""),
                name="credit_record_unique_live",
            ),
            # credit_sync_platform derives each platform record once, even after the bureau revoked it
            models.UniqueConstraint(
                fields=["supplier", "kind", "reference"],
                condition=Q(source="platform"),
                name="credit_record_platform_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.occurred_on} ({self.supplier_id})"

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ValueError("credit records are never deleted: revoke them with a reason")

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


class CreditPolicy(AppendOnly):
    """One version of the bureau's credit policy; the version in force on a day is the latest effective one."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    effective_from = models.DateField(_("effective from"))
    rules = models.JSONField(_("rules"))
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by_label = models.CharField(_("published by"), max_length=200)
    created_at = models.DateTimeField(_("published at"))

    class Meta:
        ordering = ["-version"]
        verbose_name = _("credit policy version")
        verbose_name_plural = _("credit policy versions")
        constraints = [models.CheckConstraint(condition=Q(version__gte=1), name="credit_policy_version_positive")]

    def __str__(self) -> str:
        return f"v{self.version} ({self.effective_from})"


class ExemptionDecision(AppendOnly):
    """Whether one supplier is exempt from bid security for one tender, under the policy in force then, and why.
    Made once (S-CREDIT-EXEMPT); a later policy or record never changes it."""

    supplier = models.ForeignKey(
        Organization, verbose_name=_("supplier"), on_delete=models.PROTECT, related_name="exemption_decisions"
    )
    tender = models.ForeignKey(
        "procurement.Tender", verbose_name=_("tender"), on_delete=models.PROTECT, related_name="exemption_decisions"
    )
    policy = models.ForeignKey(
        CreditPolicy, verbose_name=_("credit policy"), on_delete=models.PROTECT, related_name="decisions"
    )
    exempt = models.BooleanField(_("exempt"))
    reasons = models.JSONField(_("reasons"))
    explanation_zh = models.TextField(_("explanation (Chinese)"))
    explanation_en = models.TextField(_("explanation (English)"))
    decided_at = models.DateTimeField(_("decided at"))

    class Meta:
        ordering = ["-decided_at", "-id"]
        verbose_name = _("bid-security exemption decision")
        verbose_name_plural = _("bid-security exemption decisions")
        constraints = [models.UniqueConstraint(fields=["supplier", "tender"], name="credit_decision_once_per_tender")]

    def __str__(self) -> str:
        return f"{self.supplier_id}/{self.tender_id}: {'exempt' if self.exempt else 'not exempt'}"
