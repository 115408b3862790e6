"""Writes of the responsibility chain: positions, their holders, tasks assigned down and progress reported up.

- Positions (EVALUATION_MANAGE, checked by the views): the mayor heads the chain (a city post, no parent); every
  other post reports to a post one level up in ``LEVEL_ORDER`` (or more, where a level is absent), in the same
  region or the region's parent.
- Holders: appointing a holder ends the current holder's term the day before (one current holder per post, also
  a database constraint); a term can be ended without a successor.
- Tasks: the current holder of a post assigns a task to a post below it (a descendant); the responsible post's
  holder reports progress (append-only ``TaskProgress``), breaks the task down to posts below them, and 100 %
  closes it as done; the assigner may close it as done or cancel it with a reason.

Each service checks the rules, locks the rows it changes, writes, records the audit event and queues the
notifications in one transaction. Time is the ``at`` parameter; dates are Asia/Shanghai days.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from zhengcai.accounts.models import User
from zhengcai.accounts.selectors import user_scope
from zhengcai.core import clock
from zhengcai.core.audit import audit_record, snapshot
from zhengcai.core.errors import ServiceError, raise_if_any
from zhengcai.core.notifications import notification_queue
from zhengcai.core.permissions import P
from zhengcai.organizations.models import Organization, Region

from . import catalogue
from .errors import ChainError
from .models import LEVEL_ORDER, Position, PositionHolder, PositionLevel, Task, TaskProgress, TaskStatus
from .periods import decimal_checked


def local_day(at: dt.datetime) -> dt.date:
    """The Asia/Shanghai day of a moment."""
    return timezone.localtime(at).date()


def level_rank(level: str) -> int:
    return [str(x) for x in LEVEL_ORDER].index(str(level))


# --- the chain's shape --------------------------------------------------------------------------------------
def descendant_ids(position_ids: Iterable[int]) -> set[int]:
    """Every post below the given posts (children, their children, ...), not the posts themselves."""
    children: dict[int, list[int]] = {}
    for pk, parent_id in Position.objects.filter(parent__isnull=False).values_list("pk", "parent_id"):
        children.setdefault(parent_id, []).append(pk)
    found: set[int] = set()
    stack = list(position_ids)
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


def in_term(on: dt.date, prefix: str = "") -> Q:
    """Terms running on the day ``on``: started on or before it and not ended before it."""
    return Q(**{f"{prefix}start_on__lte": on}) & (
        Q(**{f"{prefix}end_on__isnull": True}) | Q(**{f"{prefix}end_on__gte": on})
    )


def current_holder(position: Position, *, on: dt.date | None = None) -> PositionHolder | None:
    """The holder whose term runs on ``on`` (today, Asia/Shanghai, by default)."""
    day = on or clock.today()
    return (
        PositionHolder.objects.filter(in_term(day), position=position)
        .select_related("user")
        .order_by("-start_on", "-pk")
        .first()
    )


def holds(user: Any, position: Position | int, *, on: dt.date | None = None) -> bool:
    """Whether the person holds the post on ``on`` (today by default): linked account, term running that day
    (a successor appointed from a future date does not hold it yet; the predecessor does until the day before)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    position_id = position if isinstance(position, int) else position.pk
    day = on or clock.today()
    return PositionHolder.objects.filter(in_term(day), position_id=position_id, user=user).exists()


def _check_position(
    *,
    title: str,
    level: str,
    region: Region,
    parent: Position | None,
    exclude_pk: int | None = None,
) -> list[ServiceError]:
    errors: list[ServiceError] = []
    if not title.strip():
        errors.append(ServiceError(ChainError.TITLE, "title", _("Give the position a title.")))
    elif Position.objects.filter(title=title.strip(), region=region).exclude(pk=exclude_pk or 0).exists():
        errors.append(
            ServiceError(
                ChainError.TITLE,
                "title",
                _("{region} already has a position titled “{title}”."),
                region=region.name,
                title=title.strip(),
            )
        )
    if level not in PositionLevel.values:
        errors.append(ServiceError(ChainError.PARENT, "level", _("Choose the level of the position.")))
        return errors
    if level == PositionLevel.MAYOR:
        if parent is not None:
            errors.append(
                ServiceError(ChainError.PARENT, "parent", _("The mayor heads the chain: leave “reports to” empty."))
            )
        if not region.is_city:
            errors.append(ServiceError(ChainError.PARENT, "region", _("The mayor's position belongs to the city.")))
        return errors
    if parent is None:
        errors.append(
            ServiceError(ChainError.PARENT, "parent", _("Choose the position this one reports to (one level up)."))
        )
        return errors
    if level_rank(parent.level) >= level_rank(level):
        errors.append(
            ServiceError(
                ChainError.PARENT,
                "parent",
                _("A {level} reports to a position higher in the chain, not to a {parent_level} ({parent})."),
                level=PositionLevel(level).label,
                parent_level=PositionLevel(parent.level).label,
                parent=parent.title,
            )
        )
    else:  # skipping a level only where that level is absent
        skipped = [str(x) for x in LEVEL_ORDER[level_rank(parent.level) + 1 : level_rank(level)]]
        between = (
            Position.objects.filter(level__in=skipped, region=region, active=True, pk__in=descendant_ids([parent.pk]))
            .exclude(pk=exclude_pk or 0)
            .order_by("pk")
            .first()
        )
        if between is not None:
            errors.append(
                ServiceError(
                    ChainError.PARENT,
                    "parent",
                    _("{region} has a {between_level} under {parent} ({between}): report to that position."),
                    region=region.name,
                    between_level=PositionLevel(between.level).label,
                    parent=parent.title,
                    between=between.title,
                )
            )
    if parent.region_id not in {region.pk, region.parent_id}:
        errors.append(
            ServiceError(
                ChainError.PARENT,
                "parent",
                _("{parent} is in {parent_region}: a position in {region} reports within its region or its city."),
                parent=parent.title,
                parent_region=parent.region.name,
                region=region.name,
            )
        )
    if not parent.active:
        errors.append(
            ServiceError(ChainError.PARENT, "parent", _("{parent} is no longer active."), parent=parent.title)
        )
    return errors


def position_create(
    *,
    title: str,
    level: str,
    region: Region,
    parent: Position | None,
    actor: Any,
    at: dt.datetime,
    organization: Organization | None = None,
) -> Position:
    raise_if_any(_check_position(title=title, level=level, region=region, parent=parent))
    with transaction.atomic():
        position = Position.objects.create(
            title=title.strip(),
            level=level,
            region=region,
            parent=parent,
            organization=organization,
            created_at=at,
        )
        audit_record(actor=actor, action="evaluation.position.create", obj=position, after=snapshot(position), at=at)
    return position


def position_update(
    *,
    position: Position,
    title: str,
    parent: Position | None,
    organization: Organization | None,
    active: bool,
    actor: Any,
    at: dt.datetime,
) -> Position:
    """Change a post's title, organization, the post it reports to, or retire it (level and region stay)."""
    with transaction.atomic():
        locked = Position.objects.select_for_update().select_related("region").get(pk=position.pk)
        errors = _check_position(
            title=title, level=locked.level, region=locked.region, parent=parent, exclude_pk=locked.pk
        )
        if parent is not None and (parent.pk == locked.pk or parent.pk in descendant_ids([locked.pk])):
            errors.append(
                ServiceError(
                    ChainError.PARENT, "parent", _("A position cannot report to itself or to a position below it.")
                )
            )
        if not active and locked.children.filter(active=True).exists():
            errors.append(
                ServiceError(
                    ChainError.PARENT, "active", _("Move or retire the positions that report to this one first.")
                )
            )
        raise_if_any(errors)
        before = snapshot(locked)
        locked.title, locked.parent, locked.organization, locked.active = title.strip(), parent, organization, active
        locked.save(update_fields=["title", "parent", "organization", "active"])
        audit_record(
            actor=actor, action="evaluation.position.update", obj=locked, before=before, after=snapshot(locked), at=at
        )
    return locked


# --- holders -------------------------------------------------------------------------------------------------
def account_may_hold(user: Any, position: Position) -> bool:
    """Whether the account may hold the post: active, with a membership whose role grants EVALUATION_TASKS and
    whose scope reaches the post (city-wide, the post's region, the post's organization, or an organization in
    the post's region)."""
    if user is None or not getattr(user, "is_active", False):
        return False
    scope = user_scope(user=user, perm=P.EVALUATION_TASKS)
    if scope.everything or position.region_id in scope.region_ids:
        return True
    if position.organization_id is not None and position.organization_id in scope.organization_ids:
        return True
    return Organization.objects.filter(pk__in=scope.organization_ids, region_id=position.region_id).exists()


def holder_appoint(
    *,
    position: Position,
    name: str,
    start_on: dt.date,
    actor: Any,
    at: dt.datetime,
    user: Any = None,
    username: str = "",
) -> PositionHolder:
    """Appoint the post's holder from ``start_on``; the current holder's term ends the day before (the current
    holder keeps the post until then). The linked account (``user``, or looked up by ``username``) must be active
    and hold a membership whose role grants EVALUATION_TASKS and whose scope reaches the post."""
    with transaction.atomic():
        locked = Position.objects.select_for_update(of=("self",)).select_related("region").get(pk=position.pk)
        errors: list[ServiceError] = []
        if not name.strip():
            errors.append(ServiceError(ChainError.HOLDER, "name", _("Give the holder's name.")))
        if username.strip() and user is None:
            user = User.objects.filter(username=username.strip(), is_active=True).first()
            if user is None:
                errors.append(
                    ServiceError(
                        ChainError.HOLDER,
                        "username",
                        _("No active platform account {username}."),
                        username=username.strip(),
                    )
                )
        if user is not None and not account_may_hold(user, locked):
            errors.append(
                ServiceError(
                    ChainError.HOLDER,
                    "username",
                    _("{username} has no role with tasks that reaches {region}: the account cannot hold {position}."),
                    username=user.get_username(),
                    region=locked.region.name,
                    position=locked.title,
                )
            )
        if not locked.active:
            errors.append(
                ServiceError(
                    ChainError.HOLDER, "position", _("{position} is no longer active."), position=locked.title
                )
            )
        current = PositionHolder.objects.select_for_update().filter(position=locked, end_on__isnull=True).first()
        if current is not None and start_on <= current.start_on:
            errors.append(
                ServiceError(
                    ChainError.DATES,
                    "start_on",
                    _("{name} holds the position since {since}: the new term starts after that day."),
                    name=current.name,
                    since=current.start_on.isoformat(),
                )
            )
        latest_end = PositionHolder.objects.filter(position=locked, end_on__isnull=False).order_by("-end_on").first()
        if current is None and latest_end is not None and latest_end.end_on and start_on <= latest_end.end_on:
            errors.append(
                ServiceError(
                    ChainError.DATES,
                    "start_on",
                    _("{name}'s term ended on {until}: the new term starts after that day."),
                    name=latest_end.name,
                    until=latest_end.end_on.isoformat(),
                )
            )
        raise_if_any(errors)
        if current is not None:
            before = snapshot(current)
            current.end_on = start_on - dt.timedelta(days=1)
            current.save(update_fields=["end_on"])
            audit_record(
                actor=actor, action="evaluation.holder.end", obj=current, before=before, after=snapshot(current), at=at
            )
        holder = PositionHolder.objects.create(
            position=locked, name=name.strip(), user=user, start_on=start_on, recorded_at=at
        )
        audit_record(actor=actor, action="evaluation.holder.appoint", obj=holder, after=snapshot(holder), at=at)
    return holder


def holder_end(*, holder: PositionHolder, end_on: dt.date, actor: Any, at: dt.datetime) -> PositionHolder:
    """End a holder's term on ``end_on`` (the post stays vacant until someone is appointed)."""
    with transaction.atomic():
        locked = PositionHolder.objects.select_for_update().get(pk=holder.pk)
        if locked.end_on is not None:
            raise ServiceError(
                ChainError.HOLDER,
                "end_on",
                _("{name}'s term already ended on {until}."),
                name=locked.name,
                until=locked.end_on.isoformat(),
            )
        if end_on < locked.start_on:
            raise ServiceError(
                ChainError.DATES,
                "end_on",
                _("The term cannot end before it started ({since})."),
                since=locked.start_on.isoformat(),
            )
        before = snapshot(locked)
        locked.end_on = end_on
        locked.save(update_fields=["end_on"])
        audit_record(
            actor=actor, action="evaluation.holder.end", obj=locked, before=before, after=snapshot(locked), at=at
        )
    return locked


# --- tasks ---------------------------------------------------------------------------------------------------
def _both(message: Any, **params: Any) -> tuple[str, str]:
    out = []
    for language in ("zh-hans", "en"):
        with translation.override(language):
            out.append(str(message).format(**{k: str(v) for k, v in params.items()}))
    return out[0], out[1]


def _notify(to: Position, *, subject: Any, body: Any, about: Task, actor: Any, at: dt.datetime, **params: Any) -> int:
    """Tell the post's current holder (when linked to an account, and not the actor), Chinese first."""
    holder = current_holder(to, on=local_day(at))
    user = holder.user if holder is not None else None
    if user is None or not user.is_active or user.pk == getattr(actor, "pk", None):
        return 0
    subject_zh, subject_en = _both(subject, **params)
    body_zh, body_en = _both(body, **params)
    notification_queue(
        recipient=user,
        subject=f"{subject_zh} / {subject_en}",
        body=f"{body_zh}\n\n{body_en}",
        link=reverse("evaluation:task", args=[about.pk]),
        at=at,
    )
    return 1


def task_assign(
    *,
    assigned_by: Position,
    position: Position,
    title: str,
    due_on: dt.date,
    actor: Any,
    at: dt.datetime,
    description: str = "",
    indicator: str = "",
    target: Decimal | None = None,
    parent: Task | None = None,
) -> Task:
    """The holder of ``assigned_by`` assigns a task to a post below it; with ``parent``, a break-down of a task
    ``assigned_by`` is responsible for."""
    with transaction.atomic():
        if not holds(actor, assigned_by, on=local_day(at)):
            raise ServiceError(
                ChainError.NOT_HOLDER,
                "assigned_by",
                _("Only the current holder of {position} assigns its tasks."),
                position=assigned_by.title,
            )
        errors: list[ServiceError] = []
        if parent is not None:
            parent = Task.objects.select_for_update().get(pk=parent.pk)
            if parent.position_id != assigned_by.pk:
                errors.append(
                    ServiceError(
                        ChainError.NOT_BELOW,
                        "parent",
                        _("A task is broken down by the holder of the position responsible for it."),
                    )
                )
            elif parent.status != TaskStatus.OPEN:
                errors.append(
                    ServiceError(
                        ChainError.CLOSED,
                        "parent",
                        _("“{task}” is closed: it cannot be broken down."),
                        task=parent.title,
                    )
                )
        if position.pk not in descendant_ids([assigned_by.pk]):
            errors.append(
                ServiceError(
                    ChainError.NOT_BELOW,
                    "position",
                    _("Tasks go down the chain: {position} is not below {assigned_by}."),
                    position=position.title,
                    assigned_by=assigned_by.title,
                )
            )
        elif not position.active:
            errors.append(
                ServiceError(
                    ChainError.NOT_BELOW, "position", _("{position} is no longer active."), position=position.title
                )
            )
        if not title.strip():
            errors.append(ServiceError(ChainError.TASK_TITLE, "title", _("Give the task a title.")))
        today = local_day(at)
        if due_on < today:
            errors.append(
                ServiceError(
                    ChainError.DUE,
                    "due_on",
                    _("The due date cannot be in the past (today is {today})."),
                    today=today.isoformat(),
                )
            )
        if parent is not None and due_on > parent.due_on:
            errors.append(
                ServiceError(
                    ChainError.DUE,
                    "due_on",
                    _("A part of a task is due by the task's own due date ({due})."),
                    due=parent.due_on.isoformat(),
                )
            )
        if indicator and indicator not in catalogue.BY_CODE:
            errors.append(
                ServiceError(
                    ChainError.INDICATOR,
                    "indicator",
                    _("No indicator {indicator_code} in the catalogue."),
                    indicator_code=indicator,
                )
            )
        if target is not None and not indicator:
            errors.append(
                ServiceError(
                    ChainError.INDICATOR, "indicator", _("A target value needs the indicator it is measured by.")
                )
            )
        raise_if_any(errors)
        task = Task.objects.create(
            title=title.strip(),
            description=description.strip(),
            assigned_by=assigned_by,
            position=position,
            parent=parent,
            indicator=indicator,
            target=target,
            due_on=due_on,
            created_at=at,
            created_by=actor,
        )
        audit_record(actor=actor, action="evaluation.task.assign", obj=task, after=snapshot(task), at=at)
        _notify(
            position,
            subject=_("New task: {task}"),
            body=_("{assigned_by} assigned “{task}” to {position}, due {due}."),
            about=task,
            actor=actor,
            at=at,
            task=task.title,
            assigned_by=assigned_by.title,
            position=position.title,
            due=due_on.isoformat(),
        )
    return task


def _check_percent(percent: Any) -> list[ServiceError]:
    if not isinstance(percent, int) or isinstance(percent, bool) or not 0 <= percent <= 100:
        return [ServiceError(ChainError.PERCENT, "percent", _("Progress is a whole number from 0 to 100."))]
    return []


def task_report(
    *,
    task: Task,
    percent: int,
    note: str,
    actor: Any,
    at: dt.datetime,
    value: Decimal | None = None,
) -> TaskProgress:
    """The responsible post's holder reports progress; 100 % closes the task as done."""
    with transaction.atomic():
        locked = Task.objects.select_for_update().select_related("position", "assigned_by").get(pk=task.pk)
        if not holds(actor, locked.position, on=local_day(at)):
            raise ServiceError(
                ChainError.NOT_HOLDER,
                "percent",
                _("Only the current holder of {position} reports progress on its tasks."),
                position=locked.position.title,
            )
        if locked.status != TaskStatus.OPEN:
            raise ServiceError(
                ChainError.CLOSED,
                "percent",
                _("“{task}” is {status}: no more progress reports."),
                task=locked.title,
                status=locked.get_status_display(),
            )
        errors = _check_percent(percent)
        if not note.strip():
            errors.append(ServiceError(ChainError.NOTE, "note", _("Say what was done (the report is required).")))
        if value is not None:
            try:
                value = decimal_checked(value, code=ChainError.VALUE, field="value")
            except ServiceError as exc:
                errors.append(exc)
        raise_if_any(errors)
        report = TaskProgress.objects.create(
            task=locked, percent=percent, value=value, note=note.strip(), reported_at=at, reported_by=actor
        )
        before = snapshot(locked, ["status", "progress_percent", "closed_at"])
        locked.progress_percent = percent
        if percent == 100:
            locked.status, locked.closed_at = TaskStatus.DONE, at
        locked.save(update_fields=["progress_percent", "status", "closed_at"])
        audit_record(
            actor=actor,
            action="evaluation.task.progress",
            obj=locked,
            before=before,
            after={**snapshot(locked, ["status", "progress_percent", "closed_at"]), "report": snapshot(report)},
            at=at,
        )
        _notify(
            locked.assigned_by,
            subject=_("Progress on {task}: {percent} %"),
            body=_("{position} reports “{task}” at {percent} %: {note}"),
            about=locked,
            actor=actor,
            at=at,
            task=locked.title,
            position=locked.position.title,
            percent=percent,
            note=report.note,
        )
    return report


CLOSE_OUTCOMES = (TaskStatus.DONE, TaskStatus.CANCELLED)


def task_close(*, task: Task, outcome: str, reason: str, actor: Any, at: dt.datetime) -> Task:
    """The assigner accepts the task as done or cancels it (a reason is required to cancel)."""
    with transaction.atomic():
        locked = Task.objects.select_for_update().select_related("position", "assigned_by").get(pk=task.pk)
        if not holds(actor, locked.assigned_by, on=local_day(at)):
            raise ServiceError(
                ChainError.NOT_HOLDER,
                "outcome",
                _("Only the current holder of {position}, who assigned the task, closes it."),
                position=locked.assigned_by.title,
            )
        if locked.status != TaskStatus.OPEN:
            raise ServiceError(
                ChainError.CLOSED,
                "outcome",
                _("“{task}” is already {status}."),
                task=locked.title,
                status=locked.get_status_display(),
            )
        errors: list[ServiceError] = []
        if outcome not in CLOSE_OUTCOMES:
            errors.append(ServiceError(ChainError.CLOSED, "outcome", _("Close a task as done or cancelled.")))
        if outcome == TaskStatus.CANCELLED and not reason.strip():
            errors.append(ServiceError(ChainError.NOTE, "reason", _("Give the reason for cancelling the task.")))
        raise_if_any(errors)
        before = snapshot(locked, ["status", "progress_percent", "closed_at"])
        locked.status, locked.closed_at = outcome, at
        locked.save(update_fields=["status", "closed_at"])
        audit_record(
            actor=actor,
            action="evaluation.task.close",
            obj=locked,
            before=before,
            after={**snapshot(locked, ["status", "progress_percent", "closed_at"]), "reason": reason.strip()},
            at=at,
        )
        _notify(
            locked.position,
            subject=_("Task {status}: {task}"),
            body=_("{assigned_by} closed “{task}” as {status}. {reason}"),
            about=locked,
            actor=actor,
            at=at,
            task=locked.title,
            assigned_by=locked.assigned_by.title,
            status=locked.get_status_display(),
            reason=reason.strip(),
        )
    return locked
