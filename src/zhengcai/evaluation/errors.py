"""Error codes of the evaluation module."""

from __future__ import annotations

from enum import StrEnum


class ChainError(StrEnum):
    """Positions, holders, tasks and progress (chain.py)."""

    TITLE = "evaluation.position.title"
    PARENT = "evaluation.position.parent"
    HOLDER = "evaluation.holder"
    DATES = "evaluation.holder.dates"
    NOT_HOLDER = "evaluation.task.not_holder"
    NOT_BELOW = "evaluation.task.not_below"
    DUE = "evaluation.task.due"
    TASK_TITLE = "evaluation.task.title"
    INDICATOR = "evaluation.task.indicator"
    PERCENT = "evaluation.progress.percent"
    NOTE = "evaluation.progress.note"
    VALUE = "evaluation.progress.value"
    CLOSED = "evaluation.task.closed"


class IndicatorError(StrEnum):
    """Periods, snapshots, targets and jobs (compute.py, jobs.py, services.py)."""

    PERIOD = "evaluation.period"
    PERIOD_CLOSED = "evaluation.period.closed"
    PERIOD_OPEN = "evaluation.period.open"
    PERIOD_FUTURE = "evaluation.period.future"
    INDICATOR = "evaluation.indicator"
    REGION = "evaluation.region"
    TARGET = "evaluation.target"
    JOB_RUNNING = "evaluation.job.running"


class FlagError(StrEnum):
    """Red flags and their thresholds (redflags.py)."""

    CODE = "evaluation.red_flag.code"
    PARAM = "evaluation.red_flag.param"
    NOTE = "evaluation.red_flag.note"
    STATUS = "evaluation.red_flag.status"


class ReportError(StrEnum):
    """Dashboards, period reports and the public page (reports.py, views_dashboards.py, api_dashboards.py)."""

    PERIOD = "evaluation.report.period"
    NO_SNAPSHOT = "evaluation.report.no_snapshot"
