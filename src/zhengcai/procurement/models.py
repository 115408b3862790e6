from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhengcai.organizations.models import Organization, Region

from .rules import Category, Method


class IntentionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    WITHDRAWN = "withdrawn", _("Withdrawn")


INTENTION_TRANSITIONS: dict[str, frozenset[str]] = {
    IntentionStatus.DRAFT: frozenset({IntentionStatus.PUBLISHED, IntentionStatus.WITHDRAWN}),
    IntentionStatus.PUBLISHED: frozenset({IntentionStatus.WITHDRAWN}),
}


class Intention(models.Model):
    """采购意向 (D-INTENT-30D): what a purchaser plans to buy, public ≥30 days before it starts."""

    purchaser = models.ForeignKey(
        Organization, verbose_name=_("purchaser"), on_delete=models.PROTECT, related_name="intentions"
    )
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("project name"), max_length=200)
    demand_summary = models.TextField(_("summary of the demand"))
    budget_fen = models.BigIntegerField(_("budget (fen)"))
    expected_month = models.DateField(_("expected procurement month"))
    status = models.CharField(
        _("status"), max_length=12, choices=IntentionStatus.choices, default=IntentionStatus.DRAFT
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("procurement intention")
        verbose_name_plural = _("procurement intentions")
        constraints = [
            models.CheckConstraint(condition=Q(budget_fen__gt=0), name="procurement_intention_budget_positive"),
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_at__isnull=False),
                name="procurement_intention_published_has_date",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class ProjectStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    TENDERING = "tendering", _("Open for bids")
    OPENED = "opened", _("Bids opened")
    EVALUATED = "evaluated", _("Evaluated")
    AWARDED = "awarded", _("Awarded")
    CONTRACTED = "contracted", _("Contract signed")
    COMPLETED = "completed", _("Completed")
    FAILED = "failed", _("Failed (废标)")
    TERMINATED = "terminated", _("Terminated")


PROJECT_TRANSITIONS: dict[str, frozenset[str]] = {
    ProjectStatus.DRAFT: frozenset({ProjectStatus.TENDERING, ProjectStatus.TERMINATED}),
    ProjectStatus.TENDERING: frozenset({ProjectStatus.OPENED, ProjectStatus.FAILED, ProjectStatus.TERMINATED}),
    ProjectStatus.OPENED: frozenset({ProjectStatus.EVALUATED, ProjectStatus.FAILED, ProjectStatus.TERMINATED}),
    ProjectStatus.EVALUATED: frozenset({ProjectStatus.AWARDED, ProjectStatus.FAILED, ProjectStatus.TERMINATED}),
    ProjectStatus.AWARDED: frozenset({ProjectStatus.CONTRACTED, ProjectStatus.TERMINATED}),
    # TERMINATED from CONTRACTED only when an upheld complaint revokes an unperformed contract (94号令 art. 32)
    ProjectStatus.CONTRACTED: frozenset({ProjectStatus.COMPLETED, ProjectStatus.TERMINATED}),
}


class EvaluationMethod(models.TextChoices):
    LOWEST_PRICE = "lowest_price", _("Lowest evaluated price")
    SCORING = "scoring", _("Comprehensive scoring")


class Project(models.Model):
    """A procurement project: budget, maximum price, category, method and who runs it."""

    number = models.CharField(_("project number"), max_length=40, unique=True)
    title = models.CharField(_("title"), max_length=200)
    purchaser = models.ForeignKey(
        Organization, verbose_name=_("purchaser"), on_delete=models.PROTECT, related_name="projects"
    )
    agency = models.ForeignKey(
        Organization,
        verbose_name=_("procurement agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agency_projects",
    )
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    intention = models.ForeignKey(
        Intention,
        verbose_name=_("intention"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="projects",
    )
    method = models.CharField(_("procurement method"), max_length=20, choices=Method.choices)
    category = models.CharField(_("category"), max_length=1, choices=Category.choices)
    catalogue_code = models.CharField(
        _("catalogue code"), max_length=20, help_text=_("政府采购品目分类目录, e.g. A02010104")
    )
    budget_fen = models.BigIntegerField(_("budget (fen)"))
    max_price_fen = models.BigIntegerField(_("maximum price (fen)"))
    sme_reserved = models.BooleanField(_("reserved for SMEs"), default=False)
    sme_deduction_percent = models.DecimalField(
        _("price deduction for small and micro enterprises (%)"), max_digits=5, decimal_places=2, default=0
    )
    bid_security_fen = models.BigIntegerField(_("bid security (fen)"), default=0)
    evaluation_method = models.CharField(
        _("evaluation method"), max_length=20, choices=EvaluationMethod.choices, default=EvaluationMethod.LOWEST_PRICE
    )
    price_weight_percent = models.DecimalField(
        _("price weight (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Comprehensive scoring only: the share of the 100 points given to price (E-PRICE-WEIGHT)."),
    )
    status = models.CharField(_("status"), max_length=12, choices=ProjectStatus.choices, default=ProjectStatus.DRAFT)
    created_at = models.DateTimeField(_("created at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("procurement project")
        verbose_name_plural = _("procurement projects")
        indexes = [models.Index(fields=["region", "status"]), models.Index(fields=["method", "category"])]
        constraints = [
            models.CheckConstraint(condition=Q(budget_fen__gt=0), name="procurement_project_budget_positive"),
            models.CheckConstraint(
                condition=Q(max_price_fen__gt=0) & Q(max_price_fen__lte=F("budget_fen")),
                name="procurement_project_max_price_within_budget",
            ),
            models.CheckConstraint(
                condition=Q(bid_security_fen__gte=0) & Q(bid_security_fen__lte=F("budget_fen") * 2 / 100),
                name="procurement_project_bid_security_2pct",  # S-BID-2PCT
            ),
            models.CheckConstraint(
                condition=(
                    Q(evaluation_method="scoring")
                    & Q(price_weight_percent__isnull=False, price_weight_percent__gt=0, price_weight_percent__lte=100)
                )
                | (~Q(evaluation_method="scoring") & Q(price_weight_percent__isnull=True)),
                name="procurement_project_price_weight_for_scoring",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class Tender(models.Model):
    """The tender (or negotiation / consultation / inquiry) notice with its clocks."""

    project = models.OneToOneField(Project, verbose_name=_("project"), on_delete=models.PROTECT, related_name="tender")
    published_at = models.DateTimeField(_("published at"))
    docs_available_from = models.DateField(_("documents available from"))
    docs_available_until = models.DateField(_("documents available until"))
    deadline = models.DateTimeField(_("bid deadline and opening time"))
    original_deadline = models.DateTimeField(_("deadline first announced"))
    notice_text = models.TextField(_("notice text"))

    class Meta:
        verbose_name = _("tender notice")
        verbose_name_plural = _("tender notices")
        constraints = [
            models.CheckConstraint(
                condition=Q(docs_available_until__gte=F("docs_available_from")),
                name="procurement_tender_docs_period_ordered",
            )
        ]

    def __str__(self) -> str:
        return f"{self.project.number} tender"


class Correction(models.Model):
    """更正公告 (M-CORR-15D): append-only; may move the deadline."""

    tender = models.ForeignKey(Tender, verbose_name=_("tender"), on_delete=models.PROTECT, related_name="corrections")
    published_at = models.DateTimeField(_("published at"))
    text = models.TextField(_("what changes"))
    affects_preparation = models.BooleanField(_("affects bid preparation"))
    deadline_before = models.DateTimeField(_("deadline before"))
    deadline_after = models.DateTimeField(_("deadline after"))

    class Meta:
        ordering = ["published_at", "id"]
        verbose_name = _("correction notice")
        verbose_name_plural = _("correction notices")

    def __str__(self) -> str:
        return f"{self.tender} correction {self.published_at:%Y-%m-%d}"


class TenderKey(models.Model):
    """The tender's opening key pair: public key for sealing bids; private key wrapped under ZC_BID_KEK."""

    tender = models.OneToOneField(Tender, on_delete=models.PROTECT, related_name="key")
    public_key = models.CharField(max_length=64)
    wrapped_private_key = models.TextField()
    unwrapped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("tender opening key")
        verbose_name_plural = _("tender opening keys")

    def __str__(self) -> str:
        return f"opening key of {self.tender_id}"


class BidStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted (sealed)")
    REPLACED = "replaced", _("Replaced by a later version")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Bid(models.Model):
    """A sealed bid: only ciphertext and a salted content hash are stored before the opening."""

    tender = models.ForeignKey(Tender, verbose_name=_("tender"), on_delete=models.PROTECT, related_name="bids")
    supplier = models.ForeignKey(
        Organization, verbose_name=_("supplier"), on_delete=models.PROTECT, related_name="bids"
    )
    version = models.PositiveSmallIntegerField(_("version"))
    status = models.CharField(_("status"), max_length=12, choices=BidStatus.choices, default=BidStatus.SUBMITTED)
    supplier_size = models.CharField(_("declared enterprise size"), max_length=10)  # SME-DECLARE, fixed at bidding
    submitted_at = models.DateTimeField(_("submitted at"))
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    ephemeral_public = models.CharField(max_length=64)
    nonce = models.CharField(max_length=32)
    ciphertext = models.TextField()
    content_hash = models.CharField(_("content hash (SHA-256)"), max_length=64)
    receipt_signature = models.CharField(_("receipt signature"), max_length=128)

    class Meta:
        ordering = ["tender", "submitted_at", "id"]
        verbose_name = _("bid")
        verbose_name_plural = _("bids")
        constraints = [
            models.UniqueConstraint(
                fields=["tender", "supplier"],
                condition=Q(status="submitted"),
                name="procurement_one_live_bid_per_supplier",
            ),
            models.UniqueConstraint(fields=["tender", "supplier", "version"], name="procurement_bid_version_unique"),
        ]

    def __str__(self) -> str:
        return f"bid {self.pk} v{self.version}"


class BidOpening(models.Model):
    """One line of the opening record (开标记录), written when the bids are decrypted at the deadline."""

    bid = models.OneToOneField(Bid, verbose_name=_("bid"), on_delete=models.PROTECT, related_name="opening")
    tender = models.ForeignKey(Tender, verbose_name=_("tender"), on_delete=models.PROTECT, related_name="openings")
    price_fen = models.BigIntegerField(_("bid price (fen)"))
    technical_response = models.TextField(_("technical response"), blank=True)
    small_or_micro = models.BooleanField(_("small or micro enterprise"))
    evaluated_price_fen = models.BigIntegerField(_("evaluated price (fen)"), null=True, blank=True)
    price_score = models.DecimalField(_("price score"), max_digits=6, decimal_places=2, null=True, blank=True)
    quality_score = models.DecimalField(
        _("technical and commercial score (experts' mean)"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    total_score = models.DecimalField(_("total score"), max_digits=6, decimal_places=2, null=True, blank=True)
    rank = models.PositiveIntegerField(_("rank"), null=True, blank=True)
    valid = models.BooleanField(_("valid"), default=True)
    opened_at = models.DateTimeField(_("opened at"))

    class Meta:
        ordering = ["tender", "rank", "id"]
        verbose_name = _("opening record line")
        verbose_name_plural = _("opening record")

    def __str__(self) -> str:
        return f"{self.bid_id}: {self.price_fen}"


class CommitteeMember(models.Model):
    """An evaluation expert drawn at random onto a project's committee (E-COMMITTEE), and whether the
    expert's scoring sheet is submitted. Append-only: the draw is evidence."""

    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.PROTECT, related_name="committee")
    expert = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("expert"), on_delete=models.PROTECT, related_name="committee_seats"
    )
    drawn_at = models.DateTimeField(_("drawn at"))
    submitted_at = models.DateTimeField(_("scoring sheet submitted at"), null=True, blank=True)

    class Meta:
        ordering = ["project", "id"]
        verbose_name = _("evaluation committee member")
        verbose_name_plural = _("evaluation committee")
        constraints = [models.UniqueConstraint(fields=["project", "expert"], name="procurement_committee_once")]

    def __str__(self) -> str:
        return f"{self.expert} on {self.project_id}"


class ExpertScore(models.Model):
    """One expert's technical and commercial score for one bid (scored independently, 87号令 art. 55)."""

    member = models.ForeignKey(
        CommitteeMember, verbose_name=_("committee member"), on_delete=models.PROTECT, related_name="scores"
    )
    line = models.ForeignKey(BidOpening, verbose_name=_("bid"), on_delete=models.PROTECT, related_name="expert_scores")
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2)
    comment = models.TextField(_("reasons"), blank=True)

    class Meta:
        ordering = ["member", "line"]
        verbose_name = _("expert score")
        verbose_name_plural = _("expert scores")
        constraints = [
            models.UniqueConstraint(fields=["member", "line"], name="procurement_score_once"),
            models.CheckConstraint(condition=Q(score__gte=0) & Q(score__lte=100), name="procurement_score_range"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id}/{self.line_id}: {self.score}"


class Award(models.Model):
    """The winner determined; D-RESULT-2WD clock for the result notice."""

    project = models.OneToOneField(Project, verbose_name=_("project"), on_delete=models.PROTECT, related_name="award")
    winning_bid = models.ForeignKey(Bid, verbose_name=_("winning bid"), on_delete=models.PROTECT, related_name="+")
    amount_fen = models.BigIntegerField(_("award amount (fen)"))
    determined_at = models.DateTimeField(_("winner determined at"))
    result_notice_due = models.DateField(_("result notice due"))
    result_published_at = models.DateTimeField(_("result notice published at"), null=True, blank=True)

    class Meta:
        verbose_name = _("award")
        verbose_name_plural = _("awards")

    def __str__(self) -> str:
        return f"award {self.project_id}"

    @property
    def result_late(self) -> bool:
        if self.result_published_at is None:
            return False
        return timezone.localtime(self.result_published_at).date() > self.result_notice_due


class Contract(models.Model):
    """The signed contract (D-CONTRACT-30D, D-CONTRACT-PUB-2WD) and its payment terms (P-SME-30D)."""

    project = models.OneToOneField(
        Project, verbose_name=_("project"), on_delete=models.PROTECT, related_name="contract"
    )
    award = models.OneToOneField(Award, verbose_name=_("award"), on_delete=models.PROTECT, related_name="contract")
    supplier = models.ForeignKey(
        Organization, verbose_name=_("supplier"), on_delete=models.PROTECT, related_name="contracts"
    )
    supplier_size = models.CharField(_("enterprise size at contract date"), max_length=10)  # SME-DECLARE
    amount_fen = models.BigIntegerField(_("contract amount (fen)"))
    signed_on = models.DateField(_("signed on"))
    sign_due = models.DateField(_("sign due (D-CONTRACT-30D)"))
    publish_due = models.DateField(_("publication due (D-CONTRACT-PUB-2WD)"))
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    payment_days = models.PositiveSmallIntegerField(_("payment term after acceptance (days)"), default=30)
    advance_payment_fen = models.BigIntegerField(_("advance payment (fen)"), default=0)
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True)
    acceptance_passed = models.BooleanField(_("acceptance passed"), null=True, blank=True)
    acceptance_note = models.TextField(_("acceptance note"), blank=True)
    payment_due = models.DateField(_("payment due"), null=True, blank=True)
    # 政采贷: while a financing agreement is open, the contract's payments go to the account the bank
    # designated (set and cleared through contract_repayment_account_set by the financing app)
    repayment_account = models.JSONField(_("designated repayment account"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        ordering = ["-signed_on", "-id"]
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="procurement_contract_amount_positive"),
            models.CheckConstraint(
                condition=Q(advance_payment_fen__gte=0) & Q(advance_payment_fen__lte=F("amount_fen")),
                name="procurement_contract_advance_within_amount",
            ),
            models.CheckConstraint(
                condition=Q(payment_days__gt=0) & Q(payment_days__lte=365), name="procurement_contract_payment_days"
            ),  # P-SME-30D (≤ 60 for SMEs) is checked by the service, which knows the size
        ]

    def __str__(self) -> str:
        return f"contract {self.project.number}"


class ContractAmendment(models.Model):
    """A change to a signed contract (合同变更 / 补充合同), published within 2 WD (D-CONTRACT-PUB-2WD);
    additions of the same goods or services total at most 10 % of the original amount (Law art. 49)."""

    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.PROTECT, related_name="amendments"
    )
    changed_on = models.DateField(_("changed on"))
    rationale = models.TextField(_("reason for the change"))
    description = models.TextField(_("what changes"))
    amount_before_fen = models.BigIntegerField(_("amount before (fen)"))
    amount_after_fen = models.BigIntegerField(_("amount after (fen)"))
    publish_due = models.DateField(_("publication due (D-CONTRACT-PUB-2WD)"))
    published_at = models.DateTimeField(_("published at"))
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        ordering = ["contract", "changed_on", "id"]
        verbose_name = _("contract change")
        verbose_name_plural = _("contract changes")
        constraints = [
            models.CheckConstraint(condition=Q(amount_after_fen__gt=0), name="procurement_amendment_amount_positive")
        ]

    def __str__(self) -> str:
        return f"change {self.pk} of {self.contract_id}"

    @property
    def late(self) -> bool:
        return timezone.localtime(self.published_at).date() > self.publish_due


class Payment(models.Model):
    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.PROTECT, related_name="payments"
    )
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    paid_on = models.DateField(_("paid on"))
    is_advance = models.BooleanField(_("advance payment"), default=False)
    paid_to_account = models.JSONField(_("paid to the designated account"), null=True, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        ordering = ["paid_on", "id"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [models.CheckConstraint(condition=Q(amount_fen__gt=0), name="procurement_payment_positive")]

    def __str__(self) -> str:
        return f"{self.amount_fen} on {self.paid_on}"


class ChallengeStatus(models.TextChoices):
    OPEN = "open", _("Waiting for the answer")
    ANSWERED = "answered", _("Answered")


class Challenge(models.Model):
    """质疑 (C-CHALLENGE-7WD): a supplier's written challenge and the purchaser's or agency's answer."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.PROTECT, related_name="challenges"
    )
    supplier = models.ForeignKey(
        Organization, verbose_name=_("supplier"), on_delete=models.PROTECT, related_name="challenges"
    )
    known_on = models.DateField(_("knew of the matter on"))
    received_at = models.DateTimeField(_("received at"))
    text = models.TextField(_("challenge"))
    answer_due = models.DateField(_("answer due"))
    status = models.CharField(
        _("status"), max_length=10, choices=ChallengeStatus.choices, default=ChallengeStatus.OPEN
    )
    answer = models.TextField(_("answer"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("challenge")
        verbose_name_plural = _("challenges")

    def __str__(self) -> str:
        return f"challenge {self.pk} on {self.project.number}"

    @property
    def answer_late(self) -> bool:
        """C-CHALLENGE-7WD: answered after the due date, or not answered and past it (flag, not refusal)."""
        if self.answered_at is not None:
            return timezone.localtime(self.answered_at).date() > self.answer_due
        return timezone.localdate() > self.answer_due


class ComplaintStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    ACCEPTED = "accepted", _("Accepted for handling")
    REJECTED = "rejected", _("Not admissible")
    DECIDED = "decided", _("Decided")


class Complaint(models.Model):
    """投诉 (C-COMPLAINT-15WD / C-COMPLAINT-30WD) to the finance bureau after a challenge."""

    challenge = models.OneToOneField(
        Challenge, verbose_name=_("challenge"), on_delete=models.PROTECT, related_name="complaint"
    )
    submitted_at = models.DateTimeField(_("submitted at"))
    text = models.TextField(_("complaint"))
    status = models.CharField(
        _("status"), max_length=10, choices=ComplaintStatus.choices, default=ComplaintStatus.SUBMITTED
    )
    admissibility_due = models.DateField(_("admissibility decision due"))
    decision_due = models.DateField(_("decision due"), null=True, blank=True)
    suspends_procurement = models.BooleanField(_("procurement suspended"), default=False)
    decision = models.TextField(_("decision"), blank=True)
    upheld = models.BooleanField(_("upheld"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")

    def __str__(self) -> str:
        return f"complaint {self.pk}"

    @property
    def overdue(self) -> bool:
        """C-COMPLAINT-30WD clocks: admissibility within 5 WD, the decision within 30 WD of acceptance."""
        today = timezone.localdate()
        if self.status == ComplaintStatus.SUBMITTED:
            return today > self.admissibility_due
        if self.status == ComplaintStatus.ACCEPTED and self.decision_due is not None:
            return today > self.decision_due
        return False


def _document_path(instance: TenderDocument, filename: str) -> str:
    return f"tenders/{instance.tender_id}/{instance.sha256[:16]}/{filename}"


class TenderDocument(models.Model):
    """A file published with a tender (documents, clarifications), stored through Django's storage API
    (local folder or S3-compatible) with its SHA-256 so a downloader can check it."""

    class Kind(models.TextChoices):
        TENDER_DOCUMENTS = "tender_documents", _("Tender documents")
        CLARIFICATION = "clarification", _("Clarification")
        ATTACHMENT = "attachment", _("Attachment")

    tender = models.ForeignKey(Tender, verbose_name=_("tender"), on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.TENDER_DOCUMENTS)
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to=_document_path, max_length=300)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_at = models.DateTimeField(_("uploaded at"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["tender", "uploaded_at", "id"]
        verbose_name = _("tender document")
        verbose_name_plural = _("tender documents")
        constraints = [
            models.UniqueConstraint(fields=["tender", "sha256"], name="procurement_document_unique_per_tender")
        ]

    def __str__(self) -> str:
        return self.title


class Reminder(models.Model):
    """A statutory-clock reminder already sent (the tick is idempotent on this key)."""

    kind = models.CharField(_("kind"), max_length=40)
    object_type = models.CharField(_("object type"), max_length=60)
    object_id = models.PositiveBigIntegerField(_("object id"))
    due = models.DateField(_("due"))
    sent_at = models.DateTimeField(_("sent at"))

    class Meta:
        ordering = ["-sent_at"]
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_type", "object_id"], name="procurement_reminder_once")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_type}:{self.object_id}"


class NoticeKind(models.TextChoices):
    """Notice types with fixed templates (D-TEMPLATES, 财办库〔2020〕50号)."""

    INTENTION = "intention", _("Procurement intention")
    TENDER = "tender", _("Tender notice")
    CORRECTION = "correction", _("Correction notice")
    TERMINATION = "termination", _("Termination notice")
    RESULT = "result", _("Result notice")
    CONTRACT = "contract", _("Contract notice")
    CONTRACT_CHANGE = "contract_change", _("Contract change notice")
    COMPLAINT_DECISION = "complaint_decision", _("Complaint decision")


class Notice(models.Model):
    """A published notice on the portal. Append-only; ``search_text`` holds CJK bigrams for full-text search."""

    kind = models.CharField(_("notice type"), max_length=20, choices=NoticeKind.choices, db_index=True)
    project = models.ForeignKey(
        Project, verbose_name=_("project"), null=True, blank=True, on_delete=models.PROTECT, related_name="notices"
    )
    intention = models.ForeignKey(
        Intention, verbose_name=_("intention"), null=True, blank=True, on_delete=models.PROTECT, related_name="notices"
    )
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    purchaser = models.ForeignKey(
        Organization, verbose_name=_("purchaser"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(_("text"))
    method = models.CharField(_("procurement method"), max_length=20, choices=Method.choices, blank=True)
    category = models.CharField(_("category"), max_length=1, choices=Category.choices, blank=True)
    amount_fen = models.BigIntegerField(_("amount (fen)"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), db_index=True)
    search_text = models.TextField(editable=False)

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        indexes = [
            models.Index(fields=["kind", "-published_at"]),
            models.Index(fields=["region", "-published_at"]),
            models.Index(fields=["method", "category"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(project__isnull=False) | Q(intention__isnull=False), name="procurement_notice_has_subject"
            )
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("notices are append-only: publish a correction instead")
        super().save(*args, **kwargs)
