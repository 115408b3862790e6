"""Bid and performance security: what each supplier provided, in which form, and when it comes back.

Cash (bank transfer) is money the supplier cannot use until it is refunded; an exemption (good credit,
S-CREDIT-EXEMPT) or an electronic letter of guarantee replaces it. The rows here are the supplier's
ledger and the basis of the capital-occupation figures the bureau reports.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from zhengcai.organizations.models import Organization
from zhengcai.procurement.models import Contract, Tender


class SecurityForm(models.TextChoices):
    EXEMPT = "exempt", _("Exempt (good credit)")
    GUARANTEE = "guarantee", _("Electronic letter of guarantee")
    TRANSFER = "transfer", _("Bank transfer (cash)")


class SecurityStatus(models.TextChoices):
    NONE = "none", _("Nothing held (exempt)")
    HELD = "held", _("Held")
    REFUNDED = "refunded", _("Refunded / released")
    FORFEITED = "forfeited", _("Forfeited")


class BidSecurity(models.Model):
    """A supplier's bid security for one tender (S-BID-2PCT), refunded within 5 WD of the award notice
    (losers) or of the contract signing (winner) (S-BID-REFUND-5WD)."""

    tender = models.ForeignKey(Tender, verbose_name=_("tender"), on_delete=models.PROTECT, related_name="securities")
    supplier = models.ForeignKey(
        Organization, verbose_name=_("supplier"), on_delete=models.PROTECT, related_name="bid_securities"
    )
    required_fen = models.BigIntegerField(_("required amount (fen)"))
    form = models.CharField(_("form"), max_length=10, choices=SecurityForm.choices)
    amount_fen = models.BigIntegerField(_("amount provided (fen)"))  # cash or guarantee; 0 when exempt
    reference = models.CharField(_("reference"), max_length=100, blank=True)  # guarantee number / transfer ref
    exemption_explanation = models.TextField(_("exemption explanation"), blank=True)
    provided_on = models.DateField(_("provided on"))
    status = models.CharField(_("status"), max_length=10, choices=SecurityStatus.choices, default=SecurityStatus.HELD)
    refunded_on = models.DateField(_("refunded on"), null=True, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["tender", "provided_on", "id"]
        verbose_name = _("bid security")
        verbose_name_plural = _("bid securities")
        constraints = [
            models.UniqueConstraint(fields=["tender", "supplier"], name="securities_bid_once_per_tender"),
            models.CheckConstraint(condition=Q(required_fen__gt=0), name="securities_bid_required_positive"),
            models.CheckConstraint(
                condition=(Q(form="exempt") & Q(amount_fen=0) & Q(status="none"))
                | (~Q(form="exempt") & Q(amount_fen__gt=0) & ~Q(status="none")),
                name="securities_bid_amount_matches_form",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.supplier_id} on {self.tender_id}: {self.form}"


class PerformanceSecurity(models.Model):
    """Performance security for a contract (S-PERF-10PCT), returned after the acceptance."""

    contract = models.OneToOneField(
        Contract, verbose_name=_("contract"), on_delete=models.PROTECT, related_name="performance_security"
    )
    form = models.CharField(_("form"), max_length=10, choices=SecurityForm.choices)
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    provided_on = models.DateField(_("provided on"))
    status = models.CharField(_("status"), max_length=10, choices=SecurityStatus.choices, default=SecurityStatus.HELD)
    refunded_on = models.DateField(_("refunded on"), null=True, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-provided_on", "-id"]
        verbose_name = _("performance security")
        verbose_name_plural = _("performance securities")
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="securities_performance_amount_positive"),
            models.CheckConstraint(condition=~Q(form="exempt"), name="securities_performance_not_exempt"),
        ]

    def __str__(self) -> str:
        return f"performance security of {self.contract_id}"
