"""Evaluation API: the responsibility chain's tasks (mounted by evaluation/api.py).

- ``GET /evaluation/tasks`` (EVALUATION_TASKS): my tasks — ``tab=mine`` (of the positions I hold), ``assigned``
  (assigned by them) or ``below`` (overdue below them);
- ``POST /evaluation/tasks/{task_id}/progress`` (EVALUATION_TASKS, Idempotency-Key): report progress on a task
  of a position I hold (others' tasks answer 404).
"""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import Http404, HttpRequest
from django.urls import reverse
from ninja import Query, Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from zhengcai.core import clock
from zhengcai.core.permissions import P, api_permission
from zhengcai.integrations.idempotency import idempotent

from . import chain
from . import chain_selectors as selectors
from .models import Task, TaskStatus

router = Router(tags=["evaluation"])


class TaskOut(Schema):
    id: int
    title: str
    position_id: int
    position: str
    region_code: str
    assigned_by_id: int
    assigned_by: str
    parent_id: int | None
    indicator: str
    target: Decimal | None
    due_on: dt.date
    status: str
    status_label: str
    progress_percent: int
    overdue: bool
    link: str


def task_out(task: Task, today: dt.date) -> dict[str, Any]:
    return {
        "id": task.pk,
        "title": task.title,
        "position_id": task.position_id,
        "position": task.position.title,
        "region_code": task.position.region.code,
        "assigned_by_id": task.assigned_by_id,
        "assigned_by": task.assigned_by.title,
        "parent_id": task.parent_id,
        "indicator": task.indicator,
        "target": task.target,
        "due_on": task.due_on,
        "status": task.status,
        "status_label": str(task.get_status_display()),
        "progress_percent": task.progress_percent,
        "overdue": task.status == TaskStatus.OPEN and task.due_on < today,
        "link": reverse("evaluation:task", args=[task.pk]),
    }


class _Page:
    """A queryset whose rows become ``task_out`` dicts only for the page the paginator slices."""

    def __init__(self, qs: Any, today: dt.date) -> None:
        self.qs, self.today = qs, today

    def __len__(self) -> int:
        return int(self.qs.count())

    def __getitem__(self, window: slice) -> list[dict[str, Any]]:
        return [task_out(t, self.today) for t in self.qs[window]]


class TaskFilter(Schema):
    tab: str = "mine"  # mine, assigned, below


class ProgressIn(Schema):
    percent: int
    note: str
    value: Decimal | None = None


class ProgressOut(Schema):
    id: int
    task: TaskOut
    percent: int
    value: Decimal | None
    note: str
    reported_at: dt.datetime


@router.get("/evaluation/tasks", response=list[TaskOut], summary="My tasks in the responsibility chain")
@paginate(PageNumberPagination, page_size=50)
@api_permission(P.EVALUATION_TASKS)
def task_list(request: HttpRequest, filters: Query[TaskFilter]) -> Any:
    today = clock.today()
    tab = filters.tab if filters.tab in selectors.TASK_TABS else "mine"
    user = request.auth  # type: ignore[attr-defined]
    return _Page(selectors.tasks_for(user=user, tab=tab, today=today), today)


@router.post(
    "/evaluation/tasks/{task_id}/progress",
    response=ProgressOut,
    summary="Report progress on a task of a position you hold (100 % closes it as done)",
)
@api_permission(P.EVALUATION_TASKS)
@idempotent
def task_progress(request: HttpRequest, task_id: int, payload: ProgressIn) -> dict[str, Any]:
    user = request.auth  # type: ignore[attr-defined]
    try:
        task = selectors.task_get(user=user, pk=task_id)
    except Task.DoesNotExist as exc:
        raise Http404 from exc
    if not chain.holds(user, task.position_id):
        raise Http404
    report = chain.task_report(
        task=task, percent=payload.percent, note=payload.note, value=payload.value, actor=user, at=clock.now()
    )
    task = selectors.task_get(user=user, pk=task_id)
    return {
        "id": report.pk,
        "task": task_out(task, clock.today()),
        "percent": report.percent,
        "value": report.value,
        "note": report.note,
        "reported_at": report.reported_at,
    }
