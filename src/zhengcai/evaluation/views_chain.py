"""Pages of the responsibility chain under /office/evaluation/chain/.

- the chain tree and a position's page (EVALUATION_VIEW, in the viewer's scope: the city sees every post, a
  county its own);
- my tasks, a task's page, assigning, breaking down, reporting progress and closing (EVALUATION_TASKS; a task is
  seen only by the current holders of the posts involved and of the posts above: others get 404);
- the positions admin: create, edit, appoint a holder, end a term (EVALUATION_MANAGE, in scope).

Thin: parse, call one service or selector, render. Action URLs take POST; a GET goes back to the page.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from zhengcai.accounts.selectors import regions_in_scope, user_scope
from zhengcai.core import clock
from zhengcai.core.errors import ServiceError
from zhengcai.core.forms import apply_service_error
from zhengcai.core.permissions import P, permission

from . import chain
from . import chain_selectors as selectors
from .forms_chain import AppointForm, CloseForm, EndTermForm, PositionForm, ProgressForm, TaskForm
from .models import Position, PositionHolder, Task, TaskStatus

PAGE_SIZE = 50


def _flash_errors(request: HttpRequest, form: Any) -> None:
    """An action form posted from another page: its errors go back to that page as messages."""
    for field_errors in form.errors.values():
        for e in field_errors:
            messages.error(request, str(e))


def _task(request: HttpRequest, pk: int) -> Task:
    try:
        return selectors.task_get(user=request.user, pk=pk)
    except Task.DoesNotExist as exc:
        raise Http404 from exc


def _position(request: HttpRequest, pk: int, perm: P) -> Position:
    try:
        return selectors.position_get(user=request.user, pk=pk, perm=perm)
    except Position.DoesNotExist as exc:
        raise Http404 from exc


# --- the chain tree and a position ----------------------------------------------------------------------------


@permission(P.EVALUATION_VIEW)
@require_GET
def chain_tree(request: HttpRequest) -> HttpResponse:
    today = clock.today()
    rows = selectors.chain_tree(user=request.user, today=today)
    context = {
        "rows": rows,
        "today": today,
        "totals": {
            "open": sum(r.open for r in rows),
            "overdue": sum(r.overdue for r in rows),
            "done": sum(r.done for r in rows),
        },
        "can_manage": bool(not user_scope(user=request.user, perm=P.EVALUATION_MANAGE).empty),
    }
    return render(request, "evaluation/chain/tree.html", context)


@permission(P.EVALUATION_VIEW)
@require_GET
def position_detail(request: HttpRequest, pk: int) -> HttpResponse:
    position = _position(request, pk, P.EVALUATION_VIEW)
    today = clock.today()
    context = {
        "position": position,
        "holders": selectors.holder_history(position=position),
        "tasks": selectors.position_tasks(position=position, user=request.user),
        "children": position.children.filter(active=True).select_related("region").order_by("title"),
        "today": today,
        "can_manage": selectors.positions_in_scope(user=request.user, perm=P.EVALUATION_MANAGE)
        .filter(pk=position.pk)
        .exists(),
    }
    return render(request, "evaluation/chain/position.html", context)


# --- tasks ----------------------------------------------------------------------------------------------------


@permission(P.EVALUATION_TASKS)
@require_GET
def my_tasks(request: HttpRequest) -> HttpResponse:
    tab = request.GET.get("tab") or "mine"
    if tab not in selectors.TASK_TABS:
        tab = "mine"
    today = clock.today()
    page = Paginator(selectors.tasks_for(user=request.user, tab=tab, today=today), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    counts = {t: selectors.tasks_for(user=request.user, tab=t, today=today).count() for t in selectors.TASK_TABS}
    context = {
        "tab": tab,
        "tabs": [
            ("mine", _("Assigned to me")),
            ("assigned", _("Assigned by me")),
            ("below", _("Overdue below me")),
        ],
        "counts": counts,
        "page": page,
        "query": f"tab={tab}",
        "today": today,
        "held": selectors.held_positions(user=request.user),
        "overdue_by_position": selectors.overdue_counts_below(user=request.user, today=today)
        if tab == "below"
        else [],
    }
    return render(request, "evaluation/chain/my_tasks.html", context)


def _task_form(request: HttpRequest, *, held: Any, below: Any, subtask: bool, data: Any = None) -> TaskForm:
    return TaskForm(data, held=held, below=below, subtask=subtask, initial={"due_on": clock.today()})


@permission(P.EVALUATION_TASKS)
@require_http_methods(["GET", "POST"])
def task_new(request: HttpRequest) -> HttpResponse:
    held_ids = selectors.held_position_ids(user=request.user)
    held = selectors.held_positions(user=request.user)
    below = selectors.assignable_positions(position_ids=held_ids)
    form = _task_form(request, held=held, below=below, subtask=False, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            task = chain.task_assign(
                assigned_by=d["assigned_by"],
                position=d["position"],
                title=d["title"],
                description=d["description"],
                indicator=d["indicator"],
                target=d["target"],
                due_on=d["due_on"],
                actor=request.user,
                at=clock.now(),
            )
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("The task was assigned."))
            return redirect("evaluation:task", pk=task.pk)
    return render(request, "evaluation/chain/task_new.html", {"form": form, "held": held, "parent": None})


@permission(P.EVALUATION_TASKS)
@require_GET
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task(request, pk)
    user = request.user
    is_holder = chain.holds(user, task.position_id)
    is_assigner = chain.holds(user, task.assigned_by_id)
    is_open = task.status == TaskStatus.OPEN
    reading = None
    if task.indicator:
        reading = selectors.latest_indicator_value(
            code=task.indicator, region_id=task.position.region_id, target=task.target, year=task.due_on.year
        )
    context = {
        "task": task,
        "reports": selectors.task_reports(task=task),
        "subtasks": selectors.task_subtasks(task=task),
        "today": clock.today(),
        "overdue": is_open and task.due_on < clock.today(),
        "progress_form": ProgressForm() if is_holder and is_open else None,
        "subtask_form": (
            _task_form(
                request,
                held=selectors.held_positions(user=user),
                below=selectors.assignable_positions(position_ids={task.position_id}),
                subtask=True,
            )
            if is_holder and is_open
            else None
        ),
        "close_form": CloseForm() if is_assigner and is_open else None,
        "indicator": task.indicator and selectors.catalogue.BY_CODE.get(task.indicator),
        "reading": reading,
    }
    return render(request, "evaluation/chain/task.html", context)


@permission(P.EVALUATION_TASKS)
@require_http_methods(["GET", "POST"])
def task_progress(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task(request, pk)
    if request.method == "GET":
        return redirect("evaluation:task", pk=task.pk)
    form = ProgressForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            chain.task_report(
                task=task, percent=d["percent"], value=d["value"], note=d["note"], actor=request.user, at=clock.now()
            )
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("Your progress report was sent up the chain."))
            return redirect("evaluation:task", pk=task.pk)
    _flash_errors(request, form)
    return redirect("evaluation:task", pk=task.pk)


@permission(P.EVALUATION_TASKS)
@require_http_methods(["GET", "POST"])
def task_subtask(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task(request, pk)
    if not chain.holds(request.user, task.position_id):
        raise Http404
    below = selectors.assignable_positions(position_ids={task.position_id})
    form = _task_form(
        request, held=selectors.held_positions(user=request.user), below=below, subtask=True, data=request.POST or None
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            sub = chain.task_assign(
                assigned_by=task.position,
                position=d["position"],
                title=d["title"],
                description=d["description"],
                indicator=d["indicator"],
                target=d["target"],
                due_on=d["due_on"],
                parent=task,
                actor=request.user,
                at=clock.now(),
            )
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("The task was broken down."))
            return redirect("evaluation:task", pk=sub.pk)
    return render(request, "evaluation/chain/task_new.html", {"form": form, "parent": task})


@permission(P.EVALUATION_TASKS)
@require_http_methods(["GET", "POST"])
def task_close(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task(request, pk)
    if request.method == "GET":
        return redirect("evaluation:task", pk=task.pk)
    form = CloseForm(request.POST)
    if form.is_valid():
        try:
            chain.task_close(
                task=task,
                outcome=form.cleaned_data["outcome"],
                reason=form.cleaned_data["reason"],
                actor=request.user,
                at=clock.now(),
            )
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("The task was closed."))
            return redirect("evaluation:task", pk=task.pk)
    _flash_errors(request, form)
    return redirect("evaluation:task", pk=task.pk)


# --- the positions admin --------------------------------------------------------------------------------------


def _manage_regions(request: HttpRequest) -> Any:
    return regions_in_scope(user_scope(user=request.user, perm=P.EVALUATION_MANAGE)).order_by("sort")


@permission(P.EVALUATION_MANAGE)
@require_GET
def positions(request: HttpRequest) -> HttpResponse:
    qs = selectors.positions_in_scope(user=request.user, perm=P.EVALUATION_MANAGE).order_by(
        "region__sort", "level", "title"
    )
    level = request.GET.get("level", "")
    if level:
        qs = qs.filter(level=level)
    rows = sorted(qs, key=lambda p: (p.region.sort, chain.level_rank(p.level), p.title))
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "evaluation/chain/positions.html", {"page": page, "level": level, "query": f"level={level}"}
    )


@permission(P.EVALUATION_MANAGE)
@require_http_methods(["GET", "POST"])
def position_new(request: HttpRequest) -> HttpResponse:
    regions = _manage_regions(request)
    in_scope = selectors.positions_in_scope(user=request.user, perm=P.EVALUATION_MANAGE)
    form = PositionForm(request.POST or None, regions=regions, positions=in_scope)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            position = chain.position_create(
                title=d["title"],
                level=d["level"],
                region=d["region"],
                organization=d["organization"],
                parent=d["parent"],
                actor=request.user,
                at=clock.now(),
            )
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("The position was created."))
            return redirect("evaluation:position", pk=position.pk)
    return render(request, "evaluation/chain/position_form.html", {"form": form, "position": None})


@permission(P.EVALUATION_MANAGE)
@require_http_methods(["GET", "POST"])
def position_edit(request: HttpRequest, pk: int) -> HttpResponse:
    position = _position(request, pk, P.EVALUATION_MANAGE)
    in_scope = selectors.positions_in_scope(user=request.user, perm=P.EVALUATION_MANAGE).exclude(pk=position.pk)
    initial = {
        "title": position.title,
        "organization": position.organization_id,
        "parent": position.parent_id,
        "active": position.active,
    }
    form = PositionForm(
        request.POST or None, regions=_manage_regions(request), positions=in_scope, editing=True, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            chain.position_update(
                position=position,
                title=d["title"],
                organization=d["organization"],
                parent=d["parent"],
                active=d["active"],
                actor=request.user,
                at=clock.now(),
            )
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("The position was changed."))
            return redirect("evaluation:position", pk=position.pk)
    return render(request, "evaluation/chain/position_form.html", {"form": form, "position": position})


@permission(P.EVALUATION_MANAGE)
@require_http_methods(["GET", "POST"])
def position_appoint(request: HttpRequest, pk: int) -> HttpResponse:
    position = _position(request, pk, P.EVALUATION_MANAGE)
    form = AppointForm(request.POST or None, initial={"start_on": clock.today()})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            chain.holder_appoint(
                position=position,
                name=d["name"],
                username=d["username"],
                start_on=d["start_on"],
                actor=request.user,
                at=clock.now(),
            )
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("The holder was appointed."))
            return redirect("evaluation:position", pk=position.pk)
    context = {"form": form, "position": position, "current": chain.current_holder(position)}
    return render(request, "evaluation/chain/appoint.html", context)


@permission(P.EVALUATION_MANAGE)
@require_http_methods(["GET", "POST"])
def holder_end(request: HttpRequest, pk: int) -> HttpResponse:
    scope_ids = selectors.positions_in_scope(user=request.user, perm=P.EVALUATION_MANAGE).values("pk")
    holder = PositionHolder.objects.filter(pk=pk, position_id__in=scope_ids).select_related("position").first()
    if holder is None:
        raise Http404
    if request.method == "GET":
        return redirect("evaluation:position", pk=holder.position_id)
    form = EndTermForm(request.POST)
    if form.is_valid():
        try:
            chain.holder_end(holder=holder, end_on=form.cleaned_data["end_on"], actor=request.user, at=clock.now())
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("The term was ended."))
            return redirect("evaluation:position", pk=holder.position_id)
    _flash_errors(request, form)
    return redirect("evaluation:position", pk=holder.position_id)
