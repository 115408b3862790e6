from __future__ import annotations

from typing import Any, NoReturn

from django.db import models
from django.utils.translation import gettext_lazy as _

from zhengcai.core.models import AppendOnlyError
from zhengcai.procurement.models import Project

from .jsoncodec import DecimalJSONDecoder, DecimalJSONEncoder


class ReleaseQuerySet(models.QuerySet["Release"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("OCDS releases are never updated: publish a new release")

    def delete(self) -> NoReturn:
        raise AppendOnlyError("OCDS releases are never deleted")


class Release(models.Model):
    """One OCDS release: what became public at one procurement event. Append-only.

    ``seq`` is the published order, gap-free and in commit order (taken under the lock on
    ``PublicationCounter``), so keyset pagination on it never skips a release that commits late.
    """

    seq = models.PositiveBigIntegerField(_("published order"), unique=True)
    ocid = models.CharField(_("OCID"), max_length=100)
    release_id = models.CharField(_("release ID"), max_length=140, unique=True)
    date = models.DateTimeField(_("release date"))
    tags = models.JSONField(_("tags"))
    data = models.JSONField(_("release"), encoder=DecimalJSONEncoder, decoder=DecimalJSONDecoder)
    project = models.ForeignKey(
        Project, verbose_name=_("project"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    region_code = models.CharField(_("division code"), max_length=6)

    objects = ReleaseQuerySet.as_manager()

    class Meta:
        ordering = ["seq"]
        verbose_name = _("OCDS release")
        verbose_name_plural = _("OCDS releases")
        indexes = [
            models.Index(fields=["ocid", "seq"]),
            models.Index(fields=["date", "seq"]),
            models.Index(fields=["region_code", "seq"]),
        ]

    def __str__(self) -> str:
        return self.release_id

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError("OCDS releases are never updated: publish a new release")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("OCDS releases are never deleted")


class Record(models.Model):
    """The OCDS record of one contracting process: its compiled release, kept up to date at each release."""

    ocid = models.CharField(_("OCID"), max_length=100, unique=True)
    compiled_release = models.JSONField(_("compiled release"), encoder=DecimalJSONEncoder, decoder=DecimalJSONDecoder)
    release_ids = models.JSONField(_("release IDs"), default=list)
    last_date = models.DateTimeField(_("latest release date"))
    project = models.ForeignKey(
        Project, verbose_name=_("project"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    region_code = models.CharField(_("division code"), max_length=6)
    updated = models.DateTimeField(_("updated"))

    class Meta:
        ordering = ["ocid"]
        verbose_name = _("OCDS record")
        verbose_name_plural = _("OCDS records")

    def __str__(self) -> str:
        return self.ocid


class PublicationCounter(models.Model):
    """A single row (id = 1) holding the last ``Release.seq``; locked by each publication."""

    last_seq = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("publication counter")
        verbose_name_plural = _("publication counters")
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="opendata_single_counter")]

    def __str__(self) -> str:
        return f"release #{self.last_seq}"
