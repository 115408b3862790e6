"""The policy library: laws, regulations and normative documents on government procurement.

A document is identified by its issuing number (文号, e.g. 财库〔2020〕46号, GB/T 9704 style) or, for
laws and decrees, by the decree number (国务院令第658号). Documents are never deleted: a repealed or
amended document stays in the library with its status and the document that replaced it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from zhengcai.organizations.models import Region


class PolicyLevel(models.TextChoices):
    NATIONAL = "national", _("National")
    PROVINCIAL = "provincial", _("Shandong provincial")
    CITY = "city", _("Heze city")
    COUNTY = "county", _("District / county")


class DocumentType(models.TextChoices):
    LAW = "law", _("Law")
    ADMINISTRATIVE_REGULATION = "regulation", _("Administrative regulation")
    DEPARTMENTAL_RULE = "rule", _("Departmental rule")
    NORMATIVE = "normative", _("Normative document")
    LOCAL = "local", _("Local document")


class DocumentStatus(models.TextChoices):
    EFFECTIVE = "effective", _("In force")
    AMENDED = "amended", _("Amended")
    REPEALED = "repealed", _("Repealed")


class Category(models.Model):
    name = models.CharField(_("name"), max_length=40, unique=True)
    name_en = models.CharField(_("English name"), max_length=80)
    slug = models.SlugField(_("slug"), max_length=40, unique=True)
    sort = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["sort", "slug"]
        verbose_name = _("policy category")
        verbose_name_plural = _("policy categories")

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=30, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.name


class PolicyDocument(models.Model):
    title = models.CharField(_("title"), max_length=200)
    number = models.CharField(_("document number"), max_length=60, blank=True)
    level = models.CharField(_("level"), max_length=12, choices=PolicyLevel.choices)
    doc_type = models.CharField(_("document type"), max_length=12, choices=DocumentType.choices)
    issuer = models.CharField(_("issuer"), max_length=200)
    region = models.ForeignKey(
        Region, verbose_name=_("region"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )  # city and county documents; empty for national and provincial ones
    issued_on = models.DateField(_("issued on"))
    effective_on = models.DateField(_("effective from"))
    status = models.CharField(_("status"), max_length=10, choices=DocumentStatus.choices, default="effective")
    status_changed_on = models.DateField(_("status changed on"), null=True, blank=True)
    superseded_by = models.ForeignKey(
        "self",
        verbose_name=_("amended or replaced by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supersedes",
    )
    summary = models.TextField(_("summary"), blank=True)
    full_text = models.TextField(_("full text"))
    source_url = models.URLField(_("official source"), blank=True)
    categories = models.ManyToManyField(Category, verbose_name=_("categories"), blank=True, related_name="documents")
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="documents")
    search_text = models.TextField(editable=False, default="")  # CJK bigrams of title, number, issuer, text
    created_at = models.DateTimeField(_("created at"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        ordering = ["-issued_on", "-id"]
        verbose_name = _("policy document")
        verbose_name_plural = _("policy documents")
        constraints = [
            models.UniqueConstraint(
                fields=["number"], condition=~Q(number=""), name="policies_document_number_unique"
            ),
            models.CheckConstraint(
                condition=Q(effective_on__gte=models.F("issued_on")), name="policies_document_dates"
            ),
            # POL-STATUS: an amended or repealed document says since when, and an amended one by what.
            models.CheckConstraint(
                condition=Q(status="effective", status_changed_on__isnull=True)
                | (~Q(status="effective") & Q(status_changed_on__gte=models.F("issued_on"))),
                name="policies_document_status_dated",
            ),
            models.CheckConstraint(
                condition=~Q(status="amended") | Q(superseded_by__isnull=False),
                name="policies_document_amended_by",
            ),
            # POL-LEVEL-REGION: national and provincial documents have no region, city and county ones do.
            models.CheckConstraint(
                condition=Q(level__in=["national", "provincial"], region__isnull=True)
                | Q(level__in=["city", "county"], region__isnull=False),
                name="policies_document_level_region",
            ),
        ]
        indexes = [models.Index(fields=["level", "-issued_on"], name="policies_doc_level_issued")]

    def __str__(self) -> str:
        return f"{self.title}（{self.number}）" if self.number else self.title


def attachment_path(instance: PolicyAttachment, filename: str) -> str:
    return f"policies/{instance.document_id}/{filename}"


class PolicyAttachment(models.Model):
    document = models.ForeignKey(
        PolicyDocument, verbose_name=_("document"), on_delete=models.PROTECT, related_name="attachments"
    )
    name = models.CharField(_("name"), max_length=200)
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=300)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    uploaded_at = models.DateTimeField(_("uploaded at"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["document", "id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.name
