"""Paper media and on-site publicity: leaflets, their print runs and distribution, and events."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from zhengcai.organizations.models import Region

from .content import Content, ContentRevision


class LeafletFormat(models.TextChoices):
    A4 = "a4", _("A4 single sheet")
    TRIFOLD = "trifold", _("A4 tri-fold")


def leaflet_path(instance: Leaflet, filename: str) -> str:
    return f"publicity/leaflets/{filename}"


class Leaflet(models.Model):
    """A print-ready PDF generated from one revision of a policy interpretation."""

    content = models.ForeignKey(Content, verbose_name=_("item"), on_delete=models.PROTECT, related_name="leaflets")
    revision = models.ForeignKey(
        ContentRevision, verbose_name=_("revision"), on_delete=models.PROTECT, related_name="+"
    )
    format = models.CharField(_("format"), max_length=8, choices=LeafletFormat.choices)
    pdf = models.FileField(_("PDF"), upload_to=leaflet_path, max_length=300)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    pages = models.PositiveSmallIntegerField(_("pages"))
    generated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    generated_at = models.DateTimeField(_("generated at"))

    class Meta:
        ordering = ["-generated_at"]
        verbose_name = _("leaflet")
        verbose_name_plural = _("leaflets")

    def __str__(self) -> str:
        return f"{self.content_id} {self.format}"


class PrintRun(models.Model):
    leaflet = models.ForeignKey(Leaflet, verbose_name=_("leaflet"), on_delete=models.PROTECT, related_name="runs")
    copies = models.PositiveIntegerField(_("copies"))
    printer = models.CharField(_("printer"), max_length=100)
    ordered_on = models.DateField(_("printed on"))
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        ordering = ["-ordered_on", "-id"]
        verbose_name = _("print run")
        verbose_name_plural = _("print runs")
        constraints = [models.CheckConstraint(condition=Q(copies__gt=0), name="publicity_run_copies_positive")]

    def __str__(self) -> str:
        return f"{self.leaflet_id} × {self.copies}"


class EventKind(models.TextChoices):
    PUBLICITY_DAY = "publicity_day", _("Policy publicity day")
    SUPPLIER_MEETUP = "meetup", _("Supplier meetup")
    HALL_DESK = "hall_desk", _("Policy desk in the trading hall")
    OTHER = "other", _("Other on-site event")


class EventStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    HELD = "held", _("Took place")
    CANCELLED = "cancelled", _("Cancelled")


class Event(models.Model):
    kind = models.CharField(_("type"), max_length=14, choices=EventKind.choices)
    title = models.CharField(_("title"), max_length=120)
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    place = models.CharField(_("place"), max_length=200)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    description = models.TextField(_("description"), blank=True)
    documents = models.ManyToManyField(
        "policies.PolicyDocument", verbose_name=_("policy documents"), blank=True, related_name="+"
    )
    status = models.CharField(_("status"), max_length=10, choices=EventStatus.choices, default="planned")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        ordering = ["-starts_at"]
        verbose_name = _("on-site event")
        verbose_name_plural = _("on-site events")
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="publicity_event_times")
        ]

    def __str__(self) -> str:
        return self.title


class Audience(models.TextChoices):
    SUPPLIERS = "suppliers", _("Suppliers")
    PURCHASERS = "purchasers", _("Purchasers")
    AGENCIES = "agencies", _("Agencies")
    PUBLIC = "public", _("Public")


class EventAttendance(models.Model):
    """How many people of one audience attended a held event (from the sign-in sheet)."""

    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="attendance")
    audience = models.CharField(_("audience"), max_length=10, choices=Audience.choices)
    count = models.PositiveIntegerField(_("people"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [models.UniqueConstraint(fields=["event", "audience"], name="publicity_attendance_once")]

    def __str__(self) -> str:
        return f"{self.event_id} {self.audience}={self.count}"


class DistributionPlace(models.TextChoices):
    TRADING_HALL = "trading_hall", _("Trading hall (public resources trading centre)")
    BUREAU = "bureau", _("Finance bureau service window")
    EVENT = "event", _("On-site event")
    OTHER = "other", _("Other")


class Distribution(models.Model):
    """Copies of a print run handed out at one place on one day by named staff."""

    run = models.ForeignKey(
        PrintRun, verbose_name=_("print run"), on_delete=models.PROTECT, related_name="distributions"
    )
    copies = models.PositiveIntegerField(_("copies"))
    place = models.CharField(_("place"), max_length=14, choices=DistributionPlace.choices)
    place_detail = models.CharField(_("place details"), max_length=200, blank=True)
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    event = models.ForeignKey(
        Event, verbose_name=_("event"), null=True, blank=True, on_delete=models.PROTECT, related_name="distributions"
    )
    distributed_on = models.DateField(_("date"))
    staff = models.CharField(_("staff"), max_length=200)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        ordering = ["-distributed_on", "-id"]
        verbose_name = _("distribution")
        verbose_name_plural = _("distributions")
        constraints = [models.CheckConstraint(condition=Q(copies__gt=0), name="publicity_dist_copies_positive")]

    def __str__(self) -> str:
        return f"{self.run_id}: {self.copies} at {self.place}"
