"""Reads of the responsibility chain: the posts in a person's scope, the posts they hold, their tasks, the overdue
tasks below them, and the chain tree with task counts and the latest indicator value.

A task is overdue when it is open and its due date has passed (Asia/Shanghai day). A person sees a task when
they currently hold its responsible post, the post that assigned it, or any post above the responsible one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from zhengcai.accounts.selectors import user_scope
from zhengcai.core import clock
from zhengcai.core.permissions import P

from . import catalogue
from .chain import descendant_ids, in_term, level_rank
from .models import Position, PositionHolder, Snapshot, SnapshotValue, Task, TaskProgress, TaskStatus

TASK_TABS = ("mine", "assigned", "below")


def _current_holders() -> Prefetch[Any]:
    return Prefetch(
        "holders",
        queryset=PositionHolder.objects.filter(in_term(clock.today())).select_related("user"),
        to_attr="current_holders",
    )


def positions_in_scope(*, user: Any, perm: P = P.EVALUATION_VIEW) -> QuerySet[Position]:
    """Posts in the regions the person's ``perm`` reaches (a county's posts also by the county's own scope)."""
    scope = user_scope(user=user, perm=perm)
    qs = Position.objects.select_related("region", "parent", "organization").prefetch_related(_current_holders())
    if scope.everything:
        return qs
    if scope.empty:
        return qs.none()
    return qs.filter(Q(region_id__in=scope.region_ids) | Q(organization_id__in=scope.organization_ids))


def position_get(*, user: Any, pk: int, perm: P = P.EVALUATION_VIEW) -> Position:
    return positions_in_scope(user=user, perm=perm).get(pk=pk)


def held_position_ids(*, user: Any, on: dt.date | None = None) -> set[int]:
    """The posts the person holds on ``on`` (today by default): linked account, term running that day."""
    if user is None or not getattr(user, "is_authenticated", False):
        return set()
    day = on or clock.today()
    return set(
        PositionHolder.objects.filter(in_term(day), user=user, position__active=True).values_list(
            "position_id", flat=True
        )
    )


def held_positions(*, user: Any) -> QuerySet[Position]:
    return Position.objects.filter(pk__in=held_position_ids(user=user)).select_related("region")


def _task_qs() -> QuerySet[Task]:
    return Task.objects.select_related("position__region", "assigned_by", "parent")


def tasks_for(*, user: Any, tab: str, today: dt.date) -> QuerySet[Task]:
    """mine: tasks of the posts I hold; assigned: tasks my posts assigned; below: overdue tasks below my posts."""
    held = held_position_ids(user=user, on=today)
    if tab == "assigned":
        return _task_qs().filter(assigned_by_id__in=held).order_by("status", "due_on", "pk")
    if tab == "below":
        return overdue_below(held=held, today=today)
    return _task_qs().filter(position_id__in=held).order_by("status", "due_on", "pk")


def overdue_below(*, held: set[int], today: dt.date) -> QuerySet[Task]:
    return (
        _task_qs()
        .filter(position_id__in=descendant_ids(held), status=TaskStatus.OPEN, due_on__lt=today)
        .order_by("due_on", "pk")
    )


def overdue_counts_below(*, user: Any, today: dt.date) -> list[dict[str, Any]]:
    """Per post below mine: its number of overdue tasks (posts without any left out), top of the chain first."""
    rows = (
        overdue_below(held=held_position_ids(user=user, on=today), today=today)
        .values("position_id", "position__title", "position__level", "position__region__name")
        .annotate(n=Count("pk"))
    )
    out = [
        {
            "position_id": r["position_id"],
            "title": r["position__title"],
            "level": r["position__level"],
            "region": r["position__region__name"],
            "overdue": r["n"],
        }
        for r in rows
    ]
    out.sort(key=lambda r: (level_rank(r["level"]), r["region"], r["title"]))
    return out


def visible_position_ids(*, user: Any, on: dt.date | None = None) -> tuple[set[int], set[int]]:
    held = held_position_ids(user=user, on=on)
    return held, held | descendant_ids(held)


def visible_tasks(*, user: Any, on: dt.date | None = None) -> QuerySet[Task]:
    """The tasks the person may see: of the posts they hold or below them, or assigned by a post they hold."""
    held, reach = visible_position_ids(user=user, on=on)
    return _task_qs().filter(Q(position_id__in=reach) | Q(assigned_by_id__in=held))


def task_get(*, user: Any, pk: int) -> Task:
    """A task the person may see (raises ``Task.DoesNotExist`` otherwise, which the views turn into 404)."""
    return visible_tasks(user=user).get(pk=pk)


def task_reports(*, task: Task) -> QuerySet[TaskProgress]:
    return task.reports.select_related("reported_by").order_by("-reported_at", "-pk")


def task_subtasks(*, task: Task) -> QuerySet[Task]:
    return task.subtasks.select_related("position__region").order_by("due_on", "pk")


def assignable_positions(*, position_ids: set[int]) -> QuerySet[Position]:
    """The active posts below the given ones (where tasks may be assigned)."""
    return (
        Position.objects.filter(pk__in=descendant_ids(position_ids), active=True)
        .select_related("region")
        .order_by("region__sort", "level", "title")
    )


def position_tasks(*, position: Position, user: Any) -> QuerySet[Task]:
    """The post's tasks (its own and those it assigned) that the person may see under ``task_get``'s rule."""
    return (
        visible_tasks(user=user)
        .filter(Q(position=position) | Q(assigned_by=position))
        .order_by("status", "due_on", "pk")
    )


def holder_history(*, position: Position) -> QuerySet[PositionHolder]:
    return position.holders.select_related("user").order_by("-start_on", "-pk")


# --- the latest indicator value of a region (adapter) -------------------------------------------------------
@dataclass(frozen=True)
class IndicatorReading:
    code: str
    name: str
    unit: str
    value: Decimal | None
    period: str
    meets: bool | None


def latest_indicator_values(
    keys: set[tuple[str, int, int]],
) -> dict[tuple[str, int, int], tuple[Decimal | None, str]]:
    """{(indicator, region id, year): (value, period label)} from the newest snapshot of each year: one query
    per year asked for and one for all the values, however many tasks name an indicator.

    Read straight from the snapshots (Snapshot/SnapshotValue of this app) so the chain does not depend on the
    indicators area's selectors."""
    newest: dict[int, Snapshot] = {}
    for year in sorted({year for _, _, year in keys}):
        snapshot = (
            Snapshot.objects.filter(period__kind="year", period__start__year=year)
            .select_related("period")
            .order_by("-computed_at", "-pk")
            .first()
        )
        if snapshot is not None:
            newest[snapshot.pk] = snapshot
    if not newest:
        return {}
    rows = SnapshotValue.objects.filter(
        snapshot_id__in=newest,
        indicator__in={code for code, _, _ in keys},
        region_id__in={region for _, region, _ in keys},
    ).values_list("snapshot_id", "indicator", "region_id", "value")
    found: dict[tuple[str, int, int], tuple[Decimal | None, str]] = {}
    for snapshot_id, code, region_id, value in rows:
        period = newest[snapshot_id].period
        key = (code, region_id, period.start.year)
        if key in keys:
            found[key] = (value, period.label)
    return found


def indicator_reading(
    *, code: str, target: Decimal | None, found: tuple[Decimal | None, str] | None
) -> IndicatorReading | None:
    """The reading of a task's indicator against its target (None where the indicator is unknown or the year
    has not been computed)."""
    indicator = catalogue.BY_CODE.get(code)
    if indicator is None or found is None:
        return None
    value, period = found
    return IndicatorReading(
        code=code,
        name=indicator.name,
        unit=indicator.unit_label,
        value=value,
        period=period,
        meets=indicator.meets(value, target),
    )


def latest_indicator_value(*, code: str, region_id: int, target: Decimal | None, year: int) -> IndicatorReading | None:
    """The indicator's value for the region over the task's year (the target's horizon), from the newest
    snapshot of that year (None where none was computed)."""
    key = (code, region_id, year)
    return indicator_reading(code=code, target=target, found=latest_indicator_values({key}).get(key))


def snapshots_exist() -> bool:
    return Snapshot.objects.exists()


# --- the chain tree -------------------------------------------------------------------------------------------
@dataclass
class TreeRow:
    position: Position
    depth: int
    holder: PositionHolder | None
    open: int = 0
    overdue: int = 0
    done: int = 0
    latest: TaskProgress | None = None
    readings: list[tuple[Task, IndicatorReading]] = field(default_factory=list)


def chain_tree(*, user: Any, today: dt.date) -> list[TreeRow]:
    """The posts in the person's scope, each under the post it reports to, with its task counts."""
    positions = list(positions_in_scope(user=user).filter(active=True))
    by_id = {p.pk: p for p in positions}
    children: dict[int | None, list[Position]] = {}
    for p in positions:
        parent_id = p.parent_id if p.parent_id in by_id else None
        children.setdefault(parent_id, []).append(p)
    for items in children.values():
        items.sort(key=lambda p: (level_rank(p.level), p.region.sort, p.title))
    counts = (
        Task.objects.filter(position_id__in=by_id)
        .values("position_id")
        .annotate(
            open=Count("pk", filter=Q(status=TaskStatus.OPEN)),
            overdue=Count("pk", filter=Q(status=TaskStatus.OPEN, due_on__lt=today)),
            done=Count("pk", filter=Q(status=TaskStatus.DONE)),
        )
    )
    by_position = {c["position_id"]: c for c in counts}
    visible = visible_tasks(user=user, on=today).filter(position_id__in=by_id).values("pk")
    latest: dict[int, TaskProgress] = {}
    for report in (
        TaskProgress.objects.filter(task__position_id__in=by_id, task_id__in=visible)
        .select_related("task")
        .order_by("task__position_id", "-reported_at", "-pk")
    ):
        latest.setdefault(report.task.position_id, report)
    indicator_tasks: dict[int, list[Task]] = {}
    if snapshots_exist():
        for task in Task.objects.filter(pk__in=visible, status=TaskStatus.OPEN).exclude(indicator=""):
            indicator_tasks.setdefault(task.position_id, []).append(task)
    values = latest_indicator_values(
        {
            (task.indicator, by_id[position_id].region_id, task.due_on.year)
            for position_id, tasks in indicator_tasks.items()
            for task in tasks
        }
    )
    rows: list[TreeRow] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for p in children.get(parent_id, []):
            c: Any = by_position.get(p.pk, {})
            holders = getattr(p, "current_holders", [])
            readings = []
            for task in indicator_tasks.get(p.pk, []):
                key = (task.indicator, p.region_id, task.due_on.year)
                reading = indicator_reading(code=task.indicator, target=task.target, found=values.get(key))
                if reading is not None:
                    readings.append((task, reading))
            rows.append(
                TreeRow(
                    position=p,
                    depth=depth,
                    holder=holders[0] if holders else None,
                    open=c.get("open", 0),
                    overdue=c.get("overdue", 0),
                    done=c.get("done", 0),
                    latest=latest.get(p.pk),
                    readings=readings,
                )
            )
            walk(p.pk, depth + 1)

    walk(None, 0)
    return rows
