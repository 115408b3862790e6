"""政采贷 (contract financing): banks' products, suppliers' applications on signed contracts, the platform's
attestation, per-bank credit consent, quotes, the agreement, its disbursement and repayment.

Status changes only in services (``services.py``); the allowed transitions are ``APPLICATION_TRANSITIONS``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from zhengcai.organizations.models import Organization
from zhengcai.procurement.models import Contract


class FinancingProduct(models.Model):
    """A bank's published product: rate range (percent a year), share of the contract amount, term, sizes."""

    bank = models.ForeignKey(
        Organization, verbose_name=_("bank"), on_delete=models.PROTECT, related_name="financing_products"
    )
    name = models.CharField(_("product name"), max_length=120)
    rate_min = models.DecimalField(_("lowest rate (percent a year)"), max_digits=5, decimal_places=2)
    rate_max = models.DecimalField(_("highest rate (percent a year)"), max_digits=5, decimal_places=2)
    max_share_percent = models.DecimalField(
        _("share of the contract amount (percent)"), max_digits=5, decimal_places=2
    )
    term_days = models.PositiveIntegerField(_("longest term (days)"))
    eligible_sizes = models.JSONField(_("eligible enterprise sizes"), default=list)
    description = models.TextField(_("description"), blank=True)
    active = models.BooleanField(_("active"), default=True)
    published_at = models.DateTimeField(_("published at"))

    class Meta:
        ordering = ["bank__name", "name", "id"]
        verbose_name = _("financing product")
        verbose_name_plural = _("financing products")
        constraints = [
            models.CheckConstraint(
                condition=Q(rate_min__gt=0) & Q(rate_min__lte=F("rate_max")) & Q(rate_max__lte=36),
                name="financing_product_rate_range",
            ),
            models.CheckConstraint(
                condition=Q(max_share_percent__gt=0) & Q(max_share_percent__lte=100),
                name="financing_product_share_within_100",
            ),
            models.CheckConstraint(condition=Q(term_days__gt=0), name="financing_product_term_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Sent to the banks")
    QUOTED = "quoted", _("Quoted")
    ACCEPTED = "accepted", _("Quote accepted")
    APPROVED = "approved", _("Approved by the bank")
    DISBURSED = "disbursed", _("Disbursed")
    REPAID = "repaid", _("Repaid")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    DECLINED = "declined", _("Declined")


APPLICATION_TRANSITIONS: dict[str, frozenset[str]] = {
    ApplicationStatus.DRAFT: frozenset({ApplicationStatus.SUBMITTED, ApplicationStatus.WITHDRAWN}),
    ApplicationStatus.SUBMITTED: frozenset(
        {ApplicationStatus.QUOTED, ApplicationStatus.WITHDRAWN, ApplicationStatus.DECLINED}
    ),
    ApplicationStatus.QUOTED: frozenset(
        {ApplicationStatus.QUOTED, ApplicationStatus.ACCEPTED, ApplicationStatus.WITHDRAWN, ApplicationStatus.DECLINED}
    ),
    ApplicationStatus.ACCEPTED: frozenset(
        {ApplicationStatus.APPROVED, ApplicationStatus.WITHDRAWN, ApplicationStatus.DECLINED}
    ),
    ApplicationStatus.APPROVED: frozenset({ApplicationStatus.DISBURSED, ApplicationStatus.WITHDRAWN}),
    ApplicationStatus.DISBURSED: frozenset({ApplicationStatus.REPAID}),
}
# FIN-ONE-OPEN: a contract has at most one financing in these states
OPEN_STATUSES = (
    ApplicationStatus.DRAFT,
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.QUOTED,
    ApplicationStatus.ACCEPTED,
    ApplicationStatus.APPROVED,
    ApplicationStatus.DISBURSED,
)


class FinancingApplication(models.Model):
    """A supplier asks the chosen banks to lend against one of its signed contracts."""

    supplier = models.ForeignKey(
        Organization, verbose_name=_("supplier"), on_delete=models.PROTECT, related_name="financing_applications"
    )
    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.PROTECT, related_name="financing_applications"
    )
    amount_fen = models.BigIntegerField(_("amount requested (fen)"))
    purpose = models.CharField(_("purpose"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ApplicationStatus.choices, default=ApplicationStatus.DRAFT
    )
    banks = models.ManyToManyField(
        Organization, through="ApplicationBank", related_name="financing_requests", verbose_name=_("banks")
    )
    accepted_quote = models.OneToOneField(
        "Quote",
        verbose_name=_("accepted quote"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="accepted_by",
    )
    created_at = models.DateTimeField(_("created at"))
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("financing application")
        verbose_name_plural = _("financing applications")
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="financing_application_amount_positive"),
            models.UniqueConstraint(
                fields=["contract"], condition=Q(status__in=OPEN_STATUSES), name="financing_one_open_per_contract"
            ),
        ]
        indexes = [models.Index(fields=["status"])]

    def __str__(self) -> str:
        return f"financing {self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class ApplicationBank(models.Model):
    """A bank the supplier chose, with the product, and whether the bank may see the supplier's credit
    record (FIN-CONSENT: granted and revocable; revocation hides it from then on)."""

    application = models.ForeignKey(
        FinancingApplication, verbose_name=_("application"), on_delete=models.PROTECT, related_name="bank_links"
    )
    bank = models.ForeignKey(Organization, verbose_name=_("bank"), on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey(
        FinancingProduct, verbose_name=_("product"), on_delete=models.PROTECT, related_name="+"
    )
    consent_granted_at = models.DateTimeField(_("credit record shared since"), null=True, blank=True)
    consent_revoked_at = models.DateTimeField(_("credit record consent revoked at"), null=True, blank=True)
    declined_at = models.DateTimeField(_("declined at"), null=True, blank=True)
    decline_reason = models.TextField(_("reason for declining"), blank=True)

    class Meta:
        ordering = ["application", "id"]
        verbose_name = _("bank of an application")
        verbose_name_plural = _("banks of applications")
        constraints = [
            models.UniqueConstraint(fields=["application", "bank"], name="financing_application_bank_once"),
        ]

    def __str__(self) -> str:
        return f"{self.application_id} → {self.bank_id}"

    @property
    def consent_active(self) -> bool:
        return self.consent_granted_at is not None and self.consent_revoked_at is None


class Attestation(models.Model):
    """The platform's signed statement of the contract facts (Ed25519, ``core.crypto.sign``): what the banks
    rely on instead of collateral; they verify it with the platform's public key."""

    application = models.OneToOneField(
        FinancingApplication, verbose_name=_("application"), on_delete=models.PROTECT, related_name="attestation"
    )
    payload = models.JSONField(_("attested facts"))
    signature = models.CharField(_("signature (Ed25519, base64)"), max_length=128)
    public_key = models.CharField(_("platform public key"), max_length=64)
    created_at = models.DateTimeField(_("attested at"))

    class Meta:
        verbose_name = _("contract attestation")
        verbose_name_plural = _("contract attestations")

    def __str__(self) -> str:
        return f"attestation {self.application_id}"


class QuoteStatus(models.TextChoices):
    OFFERED = "offered", _("Offered")
    ACCEPTED = "accepted", _("Accepted")
    NOT_CHOSEN = "not_chosen", _("Not chosen")
    WITHDRAWN = "withdrawn", _("Withdrawn by the bank")


class Quote(models.Model):
    application = models.ForeignKey(
        FinancingApplication, verbose_name=_("application"), on_delete=models.PROTECT, related_name="quotes"
    )
    bank = models.ForeignKey(Organization, verbose_name=_("bank"), on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey(
        FinancingProduct, verbose_name=_("product"), on_delete=models.PROTECT, related_name="quotes"
    )
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    rate = models.DecimalField(_("rate (percent a year)"), max_digits=5, decimal_places=2)
    term_days = models.PositiveIntegerField(_("term (days)"))
    valid_until = models.DateField(_("valid until"))
    status = models.CharField(_("status"), max_length=12, choices=QuoteStatus.choices, default=QuoteStatus.OFFERED)
    created_at = models.DateTimeField(_("quoted at"))
    created_by = models.CharField(_("quoted by"), max_length=200)

    class Meta:
        ordering = ["rate", "-amount_fen", "id"]
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="financing_quote_amount_positive"),
            models.CheckConstraint(condition=Q(rate__gt=0), name="financing_quote_rate_positive"),
            models.UniqueConstraint(fields=["application", "bank"], name="financing_quote_one_per_bank"),
        ]

    def __str__(self) -> str:
        return f"quote {self.pk}"


class Agreement(models.Model):
    """The approved loan: number, amount, rate, term and the repayment account the bank designates
    (FIN-REPAY-ACCOUNT: the contract's payments go there while the loan is open)."""

    application = models.OneToOneField(
        FinancingApplication, verbose_name=_("application"), on_delete=models.PROTECT, related_name="agreement"
    )
    bank = models.ForeignKey(Organization, verbose_name=_("bank"), on_delete=models.PROTECT, related_name="+")
    number = models.CharField(_("agreement number"), max_length=60)
    amount_fen = models.BigIntegerField(_("loan amount (fen)"))
    rate = models.DecimalField(_("rate (percent a year)"), max_digits=5, decimal_places=2)
    term_days = models.PositiveIntegerField(_("term (days)"))
    account_name = models.CharField(_("repayment account name"), max_length=200)
    account_number = models.CharField(_("repayment account number"), max_length=40)
    account_bank_name = models.CharField(_("repayment account bank"), max_length=200)
    approved_at = models.DateTimeField(_("approved at"))

    class Meta:
        ordering = ["-approved_at", "-id"]
        verbose_name = _("financing agreement")
        verbose_name_plural = _("financing agreements")
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="financing_agreement_amount_positive"),
            models.UniqueConstraint(fields=["bank", "number"], name="financing_agreement_number_per_bank"),
        ]

    def __str__(self) -> str:
        return self.number

    def repayment_account(self) -> dict[str, object]:
        """The account as procurement stores it on the contract (lifecycle.REPAYMENT_ACCOUNT_FIELDS)."""
        return {
            "bank_id": self.bank_id,
            "bank_name": self.account_bank_name,
            "account_name": self.account_name,
            "account_number": self.account_number,
            "agreement": self.number,
        }


class Guarantee(models.Model):
    """A guarantee institution's co-guarantee of the loan (optional)."""

    agreement = models.OneToOneField(
        Agreement, verbose_name=_("agreement"), on_delete=models.PROTECT, related_name="guarantee"
    )
    guarantor = models.ForeignKey(
        Organization, verbose_name=_("guarantor"), on_delete=models.PROTECT, related_name="financing_guarantees"
    )
    amount_fen = models.BigIntegerField(_("guaranteed amount (fen)"))
    created_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("co-guarantee")
        verbose_name_plural = _("co-guarantees")
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="financing_guarantee_amount_positive")
        ]

    def __str__(self) -> str:
        return f"guarantee {self.pk}"


class Disbursement(models.Model):
    """The money the bank paid out (放款): what the bureau's "financing raised" totals add up."""

    agreement = models.OneToOneField(
        Agreement, verbose_name=_("agreement"), on_delete=models.PROTECT, related_name="disbursement"
    )
    amount_fen = models.BigIntegerField(_("disbursed (fen)"))
    disbursed_on = models.DateField(_("disbursed on"), db_index=True)
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        ordering = ["-disbursed_on", "-id"]
        verbose_name = _("disbursement")
        verbose_name_plural = _("disbursements")
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="financing_disbursement_amount_positive")
        ]

    def __str__(self) -> str:
        return f"{self.amount_fen} on {self.disbursed_on}"


class Repayment(models.Model):
    """The bank's record that the loan is repaid and closed (the contract's payments to the designated
    account are read from procurement's payments, not copied)."""

    agreement = models.OneToOneField(
        Agreement, verbose_name=_("agreement"), on_delete=models.PROTECT, related_name="repayment"
    )
    amount_fen = models.BigIntegerField(_("repaid (fen)"))
    repaid_on = models.DateField(_("repaid on"))
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("repayment")
        verbose_name_plural = _("repayments")
        constraints = [models.CheckConstraint(condition=Q(amount_fen__gt=0), name="financing_repayment_positive")]

    def __str__(self) -> str:
        return f"{self.amount_fen} on {self.repaid_on}"


class InboundEvent(models.Model):
    """A webhook a bank sent us (signature checked): kept once per (bank, event id), so a redelivery
    changes nothing."""

    bank = models.ForeignKey(Organization, verbose_name=_("bank"), on_delete=models.PROTECT, related_name="+")
    event_id = models.CharField(_("event id"), max_length=100)
    event = models.CharField(_("event"), max_length=60)
    payload = models.JSONField(_("payload"))
    received_at = models.DateTimeField(_("received at"))
    result = models.CharField(_("result"), max_length=200, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("bank webhook received")
        verbose_name_plural = _("bank webhooks received")
        constraints = [models.UniqueConstraint(fields=["bank", "event_id"], name="financing_inbound_once")]

    def __str__(self) -> str:
        return f"{self.event} {self.event_id}"
