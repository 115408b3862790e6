from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Region(models.Model):
    """An administrative region: Heze city and its districts and counties (GB/T 2260 codes)."""

    class Level(models.TextChoices):
        CITY = "city", _("City")
        DISTRICT = "district", _("District")
        COUNTY = "county", _("County")

    code = models.CharField(_("division code"), max_length=6, unique=True)
    name = models.CharField(_("name"), max_length=50, unique=True)
    name_en = models.CharField(_("English name"), max_length=80)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    sort = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["sort", "code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        constraints = [
            models.CheckConstraint(
                condition=Q(level="city", parent__isnull=True) | (~Q(level="city") & Q(parent__isnull=False)),
                name="organizations_region_parent_by_level",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_city(self) -> bool:
        return self.level == self.Level.CITY


class OrganizationKind(models.TextChoices):
    FINANCE_BUREAU = "finance_bureau", _("Finance bureau")
    BUREAU_DEPARTMENT = "bureau_department", _("Bureau department")
    BUDGET_UNIT = "budget_unit", _("Budget unit / purchaser")
    AGENCY = "agency", _("Procurement agency")
    SUPPLIER = "supplier", _("Supplier")
    BANK = "bank", _("Bank")
    GUARANTOR = "guarantor", _("Guarantee institution")
    TRADING_CENTRE = "trading_centre", _("Public resources trading centre")
    GOVERNMENT = "government", _("People's government")


# Kinds that must carry a unified social credit code.
KINDS_WITH_CREDIT_CODE = frozenset(
    {OrganizationKind.SUPPLIER, OrganizationKind.AGENCY, OrganizationKind.BANK, OrganizationKind.GUARANTOR}
)
BUREAU_KINDS = frozenset({OrganizationKind.FINANCE_BUREAU, OrganizationKind.BUREAU_DEPARTMENT})
# Kinds whose roles reach a whole region (the city's reach the whole city): the finance bureaus and the
# people's governments whose leaders head the evaluation organization (mayor, county heads).
REGIONAL_KINDS = BUREAU_KINDS | {OrganizationKind.GOVERNMENT}


class EnterpriseSize(models.TextChoices):
    LARGE = "large", _("Large")
    MEDIUM = "medium", _("Medium")
    SMALL = "small", _("Small")
    MICRO = "micro", _("Micro")


class OrganizationStatus(models.TextChoices):
    PENDING = "pending", _("Pending review")
    ACTIVE = "active", _("Active")
    REJECTED = "rejected", _("Rejected")
    SUSPENDED = "suspended", _("Suspended")


class Organization(models.Model):
    kind = models.CharField(_("kind"), max_length=20, choices=OrganizationKind.choices, db_index=True)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=300, blank=True)
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="organizations"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent organization"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    credit_code = models.CharField(_("unified social credit code"), max_length=18, null=True, blank=True)
    size = models.CharField(_("enterprise size"), max_length=10, choices=EnterpriseSize.choices, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=OrganizationStatus.choices, default=OrganizationStatus.ACTIVE
    )
    business_scope = models.TextField(_("business scope"), blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=100, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    review_note = models.TextField(_("review note"), blank=True)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        ordering = ["region__sort", "kind", "name"]
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        indexes = [models.Index(fields=["kind", "region", "status"]), models.Index(fields=["name"])]
        constraints = [
            models.UniqueConstraint(fields=["credit_code"], name="organizations_unique_credit_code"),
            models.UniqueConstraint(fields=["kind", "name"], name="organizations_unique_kind_name"),
            models.CheckConstraint(
                condition=~Q(kind__in=sorted(KINDS_WITH_CREDIT_CODE)) | Q(credit_code__isnull=False),
                name="organizations_credit_code_required_for_kind",
            ),
            models.CheckConstraint(
                condition=(Q(kind=OrganizationKind.SUPPLIER) & ~Q(size=""))
                | (~Q(kind=OrganizationKind.SUPPLIER) & Q(size="")),
                name="organizations_size_only_for_suppliers",
            ),
            models.CheckConstraint(
                condition=~Q(kind=OrganizationKind.BUREAU_DEPARTMENT) | Q(parent__isnull=False),
                name="organizations_department_has_bureau",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_bureau(self) -> bool:
        return self.kind in BUREAU_KINDS

    @property
    def is_sme(self) -> bool:
        return self.size in {EnterpriseSize.MEDIUM, EnterpriseSize.SMALL, EnterpriseSize.MICRO}
