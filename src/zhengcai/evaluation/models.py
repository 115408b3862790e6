"""The evaluation organization's data: the responsibility chain, indicator snapshots, integrity red flags and
the background jobs that compute them.

- **Responsibility chain**: ``Position`` (mayor → county head → bureau director → section head → unit head),
  ``PositionHolder`` (who holds it, from when to when), ``Task`` (assigned down the chain with a target and a
  deadline) and ``TaskProgress`` (reported up).
- **Indicators**: the catalogue lives in code (``catalogue.py``: definition, formula, unit, direction, default
  target, responsible position); ``IndicatorTarget`` overrides a target for a year. ``Period`` is a month,
  quarter or year; ``Snapshot`` is one computation of a period *as of* a moment, with one ``SnapshotValue``
  per indicator and region (numerator, denominator, value, record count). A closed period is computed as of
  its closing moment, so recomputing it gives the same numbers.
- **Red flags**: ``RedFlagSetting`` holds the configurable thresholds per flag; ``RedFlag`` is one finding
  on one procurement with its evidence.
- **Jobs**: ``ComputeJob`` records a background computation (snapshots, red-flag scan, report) and its progress.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from zhengcai.organizations.models import Organization, Region


# --- Responsibility chain ---------------------------------------------------------------------------------
class PositionLevel(models.TextChoices):
    MAYOR = "mayor", _("Mayor")
    COUNTY_HEAD = "county_head", _("District or county head")
    BUREAU_DIRECTOR = "bureau_director", _("Finance bureau director")
    SECTION_HEAD = "section_head", _("Section head")
    UNIT_HEAD = "unit_head", _("Budget unit head")


# The order of the chain, top first: a position's parent is one level up (or more, where a level is absent).
LEVEL_ORDER = [
    PositionLevel.MAYOR,
    PositionLevel.COUNTY_HEAD,
    PositionLevel.BUREAU_DIRECTOR,
    PositionLevel.SECTION_HEAD,
    PositionLevel.UNIT_HEAD,
]


class Position(models.Model):
    """A post in the evaluation organization, e.g. 菏泽市市长 or 曹县财政局政府采购管理股股长."""

    title = models.CharField(_("title"), max_length=120)
    level = models.CharField(_("level"), max_length=20, choices=PositionLevel.choices)
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("the government, bureau, department or budget unit the post belongs to"),
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("reports to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        ordering = ["region__sort", "title"]
        verbose_name = _("position")
        verbose_name_plural = _("positions")
        constraints = [
            models.CheckConstraint(
                condition=Q(level="mayor", parent__isnull=True) | (~Q(level="mayor") & Q(parent__isnull=False)),
                name="evaluation_position_parent_by_level",
            ),
            models.UniqueConstraint(fields=["title", "region"], name="evaluation_position_title_region_unique"),
        ]

    def __str__(self) -> str:
        return self.title


class PositionHolder(models.Model):
    """Who holds a position and for which dates (an open-ended row is the current holder)."""

    position = models.ForeignKey(
        Position, verbose_name=_("position"), on_delete=models.PROTECT, related_name="holders"
    )
    name = models.CharField(_("name"), max_length=60)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("platform account"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    start_on = models.DateField(_("from"))
    end_on = models.DateField(_("until"), null=True, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        ordering = ["position", "-start_on"]
        verbose_name = _("position holder")
        verbose_name_plural = _("position holders")
        constraints = [
            models.UniqueConstraint(
                fields=["position"], condition=Q(end_on__isnull=True), name="evaluation_one_current_holder"
            ),
            models.CheckConstraint(
                condition=Q(end_on__isnull=True) | Q(end_on__gte=models.F("start_on")),
                name="evaluation_holder_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position} · {self.name}"


class TaskStatus(models.TextChoices):
    OPEN = "open", _("In progress")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class Task(models.Model):
    """A task or target assigned down the chain; ``parent`` is the task it was broken down from."""

    title = models.CharField(_("task"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    assigned_by = models.ForeignKey(
        Position, verbose_name=_("assigned by"), on_delete=models.PROTECT, related_name="tasks_assigned"
    )
    position = models.ForeignKey(
        Position, verbose_name=_("responsible position"), on_delete=models.PROTECT, related_name="tasks"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("part of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="subtasks",
    )
    indicator = models.CharField(_("indicator"), max_length=40, blank=True)  # a catalogue code, or ""
    target = models.DecimalField(_("target"), max_digits=20, decimal_places=2, null=True, blank=True)
    due_on = models.DateField(_("due on"))
    status = models.CharField(_("status"), max_length=10, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    progress_percent = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    created_at = models.DateTimeField(_("created at"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        ordering = ["due_on", "pk"]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        constraints = [
            models.CheckConstraint(condition=Q(progress_percent__lte=100), name="evaluation_task_progress_max"),
            models.CheckConstraint(condition=~Q(position=models.F("assigned_by")), name="evaluation_task_not_self"),
        ]

    def __str__(self) -> str:
        return self.title


class TaskProgress(models.Model):
    """A progress report on a task, sent up the chain (append-only)."""

    task = models.ForeignKey(Task, verbose_name=_("task"), on_delete=models.PROTECT, related_name="reports")
    percent = models.PositiveSmallIntegerField(_("progress (%)"))
    value = models.DecimalField(_("value reached"), max_digits=20, decimal_places=2, null=True, blank=True)
    note = models.TextField(_("report"))
    reported_at = models.DateTimeField(_("reported at"))
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["task", "reported_at", "pk"]
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        constraints = [models.CheckConstraint(condition=Q(percent__lte=100), name="evaluation_progress_max")]

    def __str__(self) -> str:
        return f"{self.task} · {self.percent}%"


# --- Indicators -------------------------------------------------------------------------------------------
class IndicatorTarget(models.Model):
    """A target for one indicator and year, overriding the catalogue's default (append-only: newest wins)."""

    indicator = models.CharField(_("indicator"), max_length=40)
    year = models.PositiveSmallIntegerField(_("year"))
    target = models.DecimalField(_("target"), max_digits=20, decimal_places=2)
    set_at = models.DateTimeField(_("set at"))
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["indicator", "year", "-set_at"]
        verbose_name = _("indicator target")
        verbose_name_plural = _("indicator targets")

    def __str__(self) -> str:
        return f"{self.indicator} {self.year}: {self.target}"


class PeriodKind(models.TextChoices):
    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")
    YEAR = "year", _("Year")


class PeriodStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class Period(models.Model):
    """A month, quarter or year: [start, end) in Asia/Shanghai dates. Closing it fixes ``as_of``."""

    kind = models.CharField(_("kind"), max_length=10, choices=PeriodKind.choices)
    start = models.DateField(_("first day"))
    end = models.DateField(_("day after the last"))
    label = models.CharField(_("period"), max_length=10, unique=True)  # 2026, 2026-Q3, 2026-07
    status = models.CharField(_("status"), max_length=10, choices=PeriodStatus.choices, default=PeriodStatus.OPEN)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)  # the as-of moment once closed
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["start", "kind"]
        verbose_name = _("period")
        verbose_name_plural = _("periods")
        constraints = [
            models.UniqueConstraint(fields=["kind", "start"], name="evaluation_period_kind_start_unique"),
            models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="evaluation_period_ordered"),
            models.CheckConstraint(
                condition=Q(status="open", closed_at__isnull=True) | Q(status="closed", closed_at__isnull=False),
                name="evaluation_period_closed_has_time",
            ),
        ]

    def __str__(self) -> str:
        return self.label


class Snapshot(models.Model):
    """One computation of every indicator for every region for a period, as of a moment (append-only)."""

    period = models.ForeignKey(Period, verbose_name=_("period"), on_delete=models.PROTECT, related_name="snapshots")
    as_of = models.DateTimeField(_("data as of"))
    computed_at = models.DateTimeField(_("computed at"))
    digest = models.CharField(_("digest of the values (SHA-256)"), max_length=64)
    job = models.ForeignKey(
        "ComputeJob", verbose_name=_("job"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["period", "-computed_at", "-pk"]
        verbose_name = _("snapshot")
        verbose_name_plural = _("snapshots")
        get_latest_by = "computed_at"

    def __str__(self) -> str:
        return f"{self.period} @ {self.as_of:%Y-%m-%d %H:%M}"


class SnapshotValue(models.Model):
    """One indicator for one region in a snapshot. ``value`` is null where the denominator is zero."""

    snapshot = models.ForeignKey(Snapshot, on_delete=models.CASCADE, related_name="values")
    indicator = models.CharField(_("indicator"), max_length=40)
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    numerator = models.DecimalField(_("numerator"), max_digits=22, decimal_places=2)
    denominator = models.DecimalField(_("denominator"), max_digits=22, decimal_places=2)
    value = models.DecimalField(_("value"), max_digits=22, decimal_places=2, null=True, blank=True)
    record_count = models.PositiveIntegerField(_("records"))

    class Meta:
        ordering = ["snapshot", "indicator", "region__sort"]
        verbose_name = _("indicator value")
        verbose_name_plural = _("indicator values")
        constraints = [
            models.UniqueConstraint(
                fields=["snapshot", "indicator", "region"], name="evaluation_value_unique_per_snapshot"
            )
        ]

    def __str__(self) -> str:
        return f"{self.indicator} · {self.region_id}: {self.value}"


# --- Red flags --------------------------------------------------------------------------------------------
class RedFlagSetting(models.Model):
    """The thresholds of one red flag (e.g. {"max_days": 20}); every change is audited."""

    code = models.CharField(_("red flag"), max_length=40, unique=True)
    enabled = models.BooleanField(_("enabled"), default=True)
    params = models.JSONField(_("thresholds"), default=dict)
    updated_at = models.DateTimeField(_("updated at"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("red-flag setting")
        verbose_name_plural = _("red-flag settings")

    def __str__(self) -> str:
        return self.code


class RedFlagStatus(models.TextChoices):
    OPEN = "open", _("Awaiting review")
    EXPLAINED = "explained", _("Explained")
    CONFIRMED = "confirmed", _("Confirmed")


class RedFlag(models.Model):
    """One red flag raised on one procurement, with the evidence that raised it."""

    code = models.CharField(_("red flag"), max_length=40)
    project = models.ForeignKey(
        "procurement.Project", verbose_name=_("project"), on_delete=models.PROTECT, related_name="+"
    )
    purchaser = models.ForeignKey(
        Organization, verbose_name=_("purchaser"), on_delete=models.PROTECT, related_name="+"
    )
    agency = models.ForeignKey(
        Organization, verbose_name=_("agency"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    supplier = models.ForeignKey(
        Organization, verbose_name=_("supplier"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    occurred_on = models.DateField(_("date of the event"))
    evidence = models.JSONField(_("evidence"))
    params = models.JSONField(_("thresholds applied"))
    status = models.CharField(_("status"), max_length=10, choices=RedFlagStatus.choices, default=RedFlagStatus.OPEN)
    review_note = models.TextField(_("supervisor's note"), blank=True)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    detected_at = models.DateTimeField(_("detected at"))

    class Meta:
        ordering = ["-occurred_on", "code", "pk"]
        verbose_name = _("red flag")
        verbose_name_plural = _("red flags")
        constraints = [models.UniqueConstraint(fields=["code", "project"], name="evaluation_red_flag_unique")]
        indexes = [models.Index(fields=["region", "occurred_on"], name="evaluation_flag_region_date")]

    def __str__(self) -> str:
        return f"{self.code} · {self.project_id}"


# --- Background jobs --------------------------------------------------------------------------------------
class JobKind(models.TextChoices):
    SNAPSHOT = "snapshot", _("Compute indicators")
    RED_FLAGS = "red_flags", _("Scan for red flags")
    REPORT = "report", _("Period report")


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ComputeJob(models.Model):
    """A background computation and its progress (the worker updates ``progress`` and ``step``)."""

    kind = models.CharField(_("kind"), max_length=12, choices=JobKind.choices)
    params = models.JSONField(_("parameters"), default=dict)
    status = models.CharField(_("status"), max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    step = models.CharField(_("current step"), max_length=200, blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    output = models.FileField(_("output file"), upload_to="evaluation/", blank=True)
    created_at = models.DateTimeField(_("requested at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last progress at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("computation job")
        verbose_name_plural = _("computation jobs")
        constraints = [models.CheckConstraint(condition=Q(progress__lte=100), name="evaluation_job_progress_max")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"
