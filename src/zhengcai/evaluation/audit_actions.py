"""Audit actions of the evaluation module (registered in apps.ready)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

ACTIONS: dict[str, Any] = {
    "evaluation.position.create": _("Position created"),
    "evaluation.position.update": _("Position changed"),
    "evaluation.holder.appoint": _("Position holder appointed"),
    "evaluation.holder.end": _("Position holder's term ended"),
    "evaluation.task.assign": _("Task assigned down the chain"),
    "evaluation.task.progress": _("Task progress reported"),
    "evaluation.task.close": _("Task closed"),
    "evaluation.target.set": _("Indicator target set"),
    "evaluation.period.close": _("Evaluation period closed"),
    "evaluation.period.reopen": _("Evaluation period reopened"),
    "evaluation.job.request": _("Computation requested"),
    "evaluation.snapshot.create": _("Indicator snapshot computed"),
    "evaluation.red_flag.setting": _("Red-flag thresholds changed"),
    "evaluation.red_flag.raise": _("Red flag raised"),
    "evaluation.red_flag.update": _("Red flag's evidence brought up to date"),
    "evaluation.red_flag.review": _("Red flag reviewed"),
    "evaluation.red_flag.clear": _("Red flag withdrawn (condition no longer met)"),
    "evaluation.report.render": _("Evaluation report rendered"),
}
