"""The counterpart service desk (对口服务): who serves whom, the requests, and what became of them.

Pairings are dated facts: a change closes the row in force (``valid_to``) and opens a new one from the
same date; rows are never edited otherwise. A row holds on the days ``valid_from <= day < valid_to``.

- ``DepartmentPairing``: a budget unit and the bureau department that serves it, with the handler, the
  section head and the director (people with bureau memberships) — the escalation chain.
- ``PartnerPairing``: a budget unit and an agency or supplier it works with, with the responsible
  person on each side.
- ``DefaultRoute``: where a region's requests go when no pairing routes them (never lost).
- ``ServiceLevel``: per category, first response and resolution in working days, the reopening window
  and the escalation step; dated versions (``rules.DEFAULT_LEVELS`` when the bureau set none).

A ``ServiceRequest`` stores where it was routed and its due times; its ``messages`` (replies, internal
notes, the requester's additions, the resolution, escalation and reassignment events) and
``attachments`` are append-only. ``FaqEntry`` is an anonymised question and answer proposed from a
resolved request and published after review.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from zhengcai.organizations.models import Organization, Region
from zhengcai.procurement.models import Contract, Payment, Tender


class Category(models.TextChoices):
    PAYMENT_DELAY = "payment_delay", _("Payment delay")
    SECURITY_REFUND = "security_refund", _("Security refund")
    PLATFORM_USE = "platform_use", _("Platform use")
    POLICY_QUESTION = "policy_question", _("Policy question")
    CONDUCT_COMPLAINT = "conduct_complaint", _("Complaint about conduct")
    OTHER = "other", _("Other")


class RequestStatus(models.TextChoices):
    NEW = "new", _("Waiting for a first response")
    IN_PROGRESS = "in_progress", _("In progress")
    RESOLVED = "resolved", _("Resolved (can be rated or reopened)")
    CLOSED = "closed", _("Closed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_STATUSES = (RequestStatus.NEW, RequestStatus.IN_PROGRESS)
DONE_STATUSES = (RequestStatus.RESOLVED, RequestStatus.CLOSED)


class Level(models.IntegerChoices):
    """The escalation chain: an overdue request climbs it one level at a time."""

    HANDLER = 0, _("Handler")
    SECTION_HEAD = 1, _("Section head")
    DIRECTOR = 2, _("Bureau director")


class RouteReason(models.TextChoices):
    OWN_UNIT = "own_unit", _("The requesting budget unit's counterpart department")
    LINKED_UNIT = "linked_unit", _("The counterpart department of the purchaser of the linked tender or contract")
    PAIRED_UNIT = "paired_unit", _("The counterpart department of the requester's paired budget unit")
    DEFAULT = "default", _("No pairing: the region's default handler")
    BUREAU = "bureau", _("No pairing and no default handler: the region's finance bureau (to be assigned)")
    REASSIGNED = "reassigned", _("Reassigned")


class Dated(models.Model):
    """A fact that holds from ``valid_from`` until ``valid_to`` (exclusive; open when empty)."""

    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid until (exclusive)"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("recorded at"))
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def is_open(self) -> bool:
        return self.valid_to is None


class Chain(Dated):
    """A department and its escalation chain: handler → section head → director."""

    department = models.ForeignKey(
        Organization, verbose_name=_("bureau department"), on_delete=models.PROTECT, related_name="+"
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("handler"), on_delete=models.PROTECT, related_name="+"
    )
    section_head = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("section head"), on_delete=models.PROTECT, related_name="+"
    )
    director = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("bureau director"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        abstract = True


class DepartmentPairing(Chain):
    budget_unit = models.ForeignKey(
        Organization, verbose_name=_("budget unit"), on_delete=models.PROTECT, related_name="service_pairings"
    )

    class Meta:
        ordering = ["budget_unit", "-valid_from", "-id"]
        verbose_name = _("department pairing")
        verbose_name_plural = _("department pairings")
        constraints = [
            models.UniqueConstraint(
                fields=["budget_unit"], condition=Q(valid_to__isnull=True), name="service_one_open_pairing_per_unit"
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gt=F("valid_from")),
                name="service_pairing_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.budget_unit_id} ↔ {self.department_id} from {self.valid_from}"


class DefaultRoute(Chain):
    """Where a region's requests go when no pairing routes them."""

    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["region__sort", "-valid_from", "-id"]
        verbose_name = _("default handler")
        verbose_name_plural = _("default handlers")
        constraints = [
            models.UniqueConstraint(
                fields=["region"], condition=Q(valid_to__isnull=True), name="service_one_open_default_per_region"
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gt=F("valid_from")),
                name="service_default_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"default of {self.region_id} from {self.valid_from}"


class PartnerPairing(Dated):
    """A budget unit and an agency or supplier it works with, each side's responsible person named."""

    budget_unit = models.ForeignKey(
        Organization, verbose_name=_("budget unit"), on_delete=models.PROTECT, related_name="service_partners"
    )
    partner = models.ForeignKey(
        Organization, verbose_name=_("agency or supplier"), on_delete=models.PROTECT, related_name="service_units"
    )
    unit_contact = models.CharField(_("budget unit's responsible person"), max_length=50)
    unit_phone = models.CharField(_("budget unit's phone"), max_length=40, blank=True)
    partner_contact = models.CharField(_("partner's responsible person"), max_length=50)
    partner_phone = models.CharField(_("partner's phone"), max_length=40, blank=True)

    class Meta:
        ordering = ["budget_unit", "partner", "-valid_from", "-id"]
        verbose_name = _("partner pairing")
        verbose_name_plural = _("partner pairings")
        constraints = [
            models.UniqueConstraint(
                fields=["budget_unit", "partner"],
                condition=Q(valid_to__isnull=True),
                name="service_one_open_partner_pairing",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gt=F("valid_from")),
                name="service_partner_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.budget_unit_id} ↔ {self.partner_id} from {self.valid_from}"


class ServiceLevel(models.Model):
    """The service level of a category from a date on; a change is a new row (never edited)."""

    category = models.CharField(_("request type"), max_length=20, choices=Category.choices)
    first_response_wd = models.PositiveSmallIntegerField(_("first response (working days)"))
    resolution_wd = models.PositiveSmallIntegerField(_("resolution (working days)"))
    reopen_days = models.PositiveSmallIntegerField(_("reopening window (days)"))
    escalation_step_wd = models.PositiveSmallIntegerField(_("escalation step (working days)"))
    effective_from = models.DateField(_("effective from"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("recorded at"))

    class Meta:
        ordering = ["category", "-effective_from"]
        verbose_name = _("service level")
        verbose_name_plural = _("service levels")
        constraints = [
            models.UniqueConstraint(fields=["category", "effective_from"], name="service_level_once_per_day"),
            models.CheckConstraint(
                condition=Q(first_response_wd__gte=1) & Q(first_response_wd__lte=F("resolution_wd")),
                name="service_level_response_before_resolution",
            ),
            models.CheckConstraint(
                condition=Q(resolution_wd__lte=60) & Q(reopen_days__gte=1) & Q(reopen_days__lte=60),
                name="service_level_bounds",
            ),
            models.CheckConstraint(
                condition=Q(escalation_step_wd__gte=1) & Q(escalation_step_wd__lte=10),
                name="service_level_step_bounds",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category} {self.first_response_wd}/{self.resolution_wd} WD from {self.effective_from}"


class ServiceRequest(models.Model):
    number = models.CharField(_("number"), max_length=20, unique=True)
    organization = models.ForeignKey(
        Organization, verbose_name=_("requesting organization"), on_delete=models.PROTECT, related_name="+"
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requester"), on_delete=models.PROTECT, related_name="+"
    )
    category = models.CharField(_("request type"), max_length=20, choices=Category.choices)
    subject = models.CharField(_("subject"), max_length=120)
    description = models.TextField(_("description"))
    tender = models.ForeignKey(
        Tender, verbose_name=_("tender"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    payment = models.ForeignKey(
        Payment, verbose_name=_("payment"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # where it was routed
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    budget_unit = models.ForeignKey(
        Organization, verbose_name=_("budget unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(
        Organization, verbose_name=_("handling department"), on_delete=models.PROTECT, related_name="+"
    )
    route = models.CharField(_("routed by"), max_length=12, choices=RouteReason.choices)
    pairing = models.ForeignKey(
        DepartmentPairing, null=True, blank=True, on_delete=models.PROTECT, related_name="requests"
    )
    default_route = models.ForeignKey(
        DefaultRoute, null=True, blank=True, on_delete=models.PROTECT, related_name="requests"
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handler"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    section_head = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("section head"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    director = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("bureau director"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    level = models.PositiveSmallIntegerField(_("escalation level"), choices=Level.choices, default=Level.HANDLER)
    escalated_at = models.DateTimeField(_("last escalated at"), null=True, blank=True)
    # the service level applied
    service_level = models.ForeignKey(ServiceLevel, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    first_response_wd = models.PositiveSmallIntegerField(_("first response (working days)"))
    resolution_wd = models.PositiveSmallIntegerField(_("resolution (working days)"))
    reopen_days = models.PositiveSmallIntegerField(_("reopening window (days)"))
    escalation_step_wd = models.PositiveSmallIntegerField(_("escalation step (working days)"))
    # the clocks
    status = models.CharField(_("status"), max_length=12, choices=RequestStatus.choices, default=RequestStatus.NEW)
    submitted_at = models.DateTimeField(_("submitted at"))
    first_response_due = models.DateTimeField(_("first response due"))
    resolution_due = models.DateTimeField(_("resolution due"))
    first_response_at = models.DateTimeField(_("first response at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_wd = models.PositiveSmallIntegerField(_("working days to resolve"), null=True, blank=True)
    resolved_on_time = models.BooleanField(_("resolved on time"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    reopened_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    next_check = models.DateTimeField(_("next check"), null=True, blank=True)
    resolution = models.TextField(_("resolution"), blank=True)
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    rating_comment = models.CharField(_("rating comment"), max_length=500, blank=True)
    rated_at = models.DateTimeField(_("rated at"), null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("service request")
        verbose_name_plural = _("service requests")
        indexes = [
            models.Index(fields=["status", "next_check"], name="service_request_due"),
            models.Index(fields=["region", "submitted_at"], name="service_request_region"),
            models.Index(fields=["organization", "submitted_at"], name="service_request_org"),
            models.Index(fields=["handler", "status"], name="service_request_handler"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | (Q(rating__gte=1) & Q(rating__lte=5)),
                name="service_rating_1_to_5",
            ),
            models.CheckConstraint(condition=Q(level__lte=2), name="service_level_in_chain"),
            models.CheckConstraint(
                condition=(
                    Q(tender__isnull=True, contract__isnull=True)
                    | Q(tender__isnull=True, payment__isnull=True)
                    | Q(contract__isnull=True, payment__isnull=True)
                ),
                name="service_request_one_link",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["resolved", "closed"]) | Q(resolved_at__isnull=False),
                name="service_done_has_resolution_time",
            ),
            models.CheckConstraint(
                condition=Q(first_response_due__lte=F("resolution_due")), name="service_response_due_first"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.subject}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def procurement(self) -> Any:
        """The procurement project of the linked tender, contract or payment (None without a link)."""
        if self.payment_id:
            return self.payment.contract.project  # type: ignore[union-attr]
        if self.contract_id:
            return self.contract.project  # type: ignore[union-attr]
        if self.tender_id:
            return self.tender.project  # type: ignore[union-attr]
        return None

    @property
    def link_label(self) -> str:
        project = self.procurement
        if project is None:
            return ""
        if self.payment is not None:
            return f"{project.number} · {self.payment.paid_on}"
        return str(project.number)


class MessageKind(models.TextChoices):
    REQUESTER = "requester", _("From the requester")
    REPLY = "reply", _("Reply")
    NOTE = "note", _("Internal note")
    RESOLUTION = "resolution", _("Resolution")
    EVENT = "event", _("Routing event")


VISIBLE_KINDS = (MessageKind.REQUESTER, MessageKind.REPLY, MessageKind.RESOLUTION)


class RequestMessage(models.Model):
    """One entry of a request's timeline. Append-only. Notes and events are for the bureau only."""

    request = models.ForeignKey(ServiceRequest, on_delete=models.PROTECT, related_name="messages")
    kind = models.CharField(_("kind"), max_length=12, choices=MessageKind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    body = models.TextField(_("text"))
    created_at = models.DateTimeField(_("written at"))

    class Meta:
        ordering = ["request", "created_at", "id"]
        verbose_name = _("request message")
        verbose_name_plural = _("request messages")

    def __str__(self) -> str:
        return f"{self.kind} on {self.request_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValueError("a request message is never edited: write a new one")
        super().save(*args, **kwargs)

    @property
    def internal(self) -> bool:
        return self.kind not in VISIBLE_KINDS


def attachment_path(instance: RequestAttachment, filename: str) -> str:
    """A random name: attachments are served only through a permission-checked view."""
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"service/attachments/{secrets.token_hex(16)}.{ext}"


class RequestAttachment(models.Model):
    request = models.ForeignKey(ServiceRequest, on_delete=models.PROTECT, related_name="attachments")
    message = models.ForeignKey(
        RequestMessage, null=True, blank=True, on_delete=models.PROTECT, related_name="attachments"
    )
    internal = models.BooleanField(_("bureau only"), default=False)
    name = models.CharField(_("file name"), max_length=120)
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=300)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"))

    class Meta:
        ordering = ["request", "uploaded_at", "id"]
        verbose_name = _("request attachment")
        verbose_name_plural = _("request attachments")

    def __str__(self) -> str:
        return self.name


class DigestLog(models.Model):
    """One daily digest sent to one person (the tick sends each at most once a day)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField(_("day"))
    open_items = models.PositiveIntegerField(_("open items"))
    overdue_items = models.PositiveIntegerField(_("overdue items"))
    sent_at = models.DateTimeField(_("sent at"))

    class Meta:
        ordering = ["-day", "user"]
        verbose_name = _("daily digest")
        verbose_name_plural = _("daily digests")
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="service_digest_once_a_day")]

    def __str__(self) -> str:
        return f"digest {self.user_id} {self.day}"


class FaqStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed, waiting for review")
    PUBLISHED = "published", _("Published")
    RETURNED = "returned", _("Returned for changes")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class FaqEntry(models.Model):
    """An anonymised question and answer from a resolved request, published after review."""

    source = models.OneToOneField(
        ServiceRequest, verbose_name=_("source request"), on_delete=models.PROTECT, related_name="faq"
    )
    category = models.CharField(_("request type"), max_length=20, choices=Category.choices)
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    question = models.CharField(_("question asked"), max_length=300)
    answer = models.TextField(_("answer"))
    status = models.CharField(_("status"), max_length=10, choices=FaqStatus.choices, default=FaqStatus.PROPOSED)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(_("proposed at"))
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_note = models.CharField(_("review note"), max_length=500, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    search_text = models.TextField(editable=False, default="")  # CJK bigrams, procurement.search.terms

    class Meta:
        ordering = ["-published_at", "-proposed_at", "-id"]
        verbose_name = _("FAQ entry")
        verbose_name_plural = _("FAQ entries")
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_at__isnull=False), name="service_faq_published_time"
            )
        ]

    def __str__(self) -> str:
        return self.question
