"""The administrators' pages (SERVICE_MANAGE): pairings, default handlers, service levels, FAQ review; and
the figures (SERVICE_VIEW) with their Excel export."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from zhengcai.accounts.selectors import user_scope
from zhengcai.core import clock
from zhengcai.core.errors import ServiceError
from zhengcai.core.forms import apply_service_error
from zhengcai.core.permissions import P, permission
from zhengcai.organizations.models import Organization

from . import faq as faq_services
from . import figures as figures_module
from . import pairings, routing, selectors, services
from .forms import ChainForm, EndForm, FaqReviewForm, FiguresFilterForm, LevelForm, PartnerForm, UnitFilterForm
from .models import Category, DepartmentPairing, FaqEntry, FaqStatus, PartnerPairing

PAGE_SIZE = 40


def _unit(request: HttpRequest, pk: int) -> Organization:
    try:
        return selectors.unit_for_manager(user=request.user, pk=pk)
    except Organization.DoesNotExist as exc:
        raise Http404 from exc


@permission(P.SERVICE_MANAGE)
@require_GET
def pairing_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = UnitFilterForm(request.GET or None, regions=selectors.manager_regions(user=user))
    filters: dict[str, Any] = {}
    if form.is_valid():
        filters = {k: v for k, v in form.cleaned_data.items() if v}
    page = Paginator(selectors.units_for_manager(user=user, **filters), PAGE_SIZE).get_page(request.GET.get("page"))
    current = selectors.current_pairings(units=list(page.object_list), on=clock.today())
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "rows": [(unit, current.get(unit.pk)) for unit in page.object_list],
        "query": query.urlencode(),
        "unpaired": selectors.units_for_manager(user=user, unpaired=True).count(),
    }
    return render(request, "service/pairings.html", context)


def _chain_form(region: Any, data: Any = None, initial: Any = None, prefix: str | None = None) -> ChainForm:
    return ChainForm(
        data,
        initial=initial,
        prefix=prefix,
        departments=selectors.departments_for(region=region),
        people=services.handler_candidates(region_id=region.pk),
    )


def _unit_page(request: HttpRequest, unit: Organization, *, status: int = 200, **forms: Any) -> HttpResponse:
    today = clock.today()
    current = routing.department_pairing_on(unit, today)
    latest = selectors.unit_pairings(unit=unit).filter(valid_to__isnull=True).first()
    initial: dict[str, Any] = {"valid_from": today}
    if latest is not None:
        initial.update(
            department=latest.department_id,
            handler=latest.handler_id,
            section_head=latest.section_head_id,
            director=latest.director_id,
        )
    context = {
        "unit": unit,
        "today": today,
        "current": current,
        "history": selectors.unit_pairings(unit=unit),
        "partners": selectors.unit_partners(unit=unit),
        "chain_form": forms.get("chain_form") or _chain_form(unit.region, initial=initial, prefix="chain"),
        "partner_form": forms.get("partner_form") or PartnerForm(prefix="partner", initial={"valid_from": today}),
        "end_form": EndForm(prefix="end", initial={"valid_to": today}),
    }
    return render(request, "service/unit.html", context, status=status)


@permission(P.SERVICE_MANAGE)
@require_http_methods(["GET", "POST"])
def unit(request: HttpRequest, pk: int) -> HttpResponse:
    """A budget unit's department pairing (with its history) and partner pairings; POST pairs or re-pairs."""
    item = _unit(request, pk)
    if request.method != "POST":
        return _unit_page(request, item)
    form = _chain_form(item.region, data=request.POST, prefix="chain")
    if form.is_valid():
        d = form.cleaned_data
        try:
            pairings.department_pair(
                unit=item,
                department=d["department"],
                handler=d["handler"],
                section_head=d["section_head"],
                director=d["director"],
                valid_from=d["valid_from"],
                note=d["note"],
                actor=request.user,
                at=clock.now(),
            )
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("Pairing recorded from {day}.").format(day=d["valid_from"].isoformat()))
            return redirect("service:unit", pk=item.pk)
    return _unit_page(request, item, status=400, chain_form=form)


@permission(P.SERVICE_MANAGE)
@require_http_methods(["GET", "POST"])
def unit_partner(request: HttpRequest, pk: int) -> HttpResponse:
    item = _unit(request, pk)
    if request.method != "POST":
        return redirect("service:unit", pk=item.pk)
    form = PartnerForm(request.POST, prefix="partner")
    if form.is_valid():
        d = form.cleaned_data
        try:
            pairings.partner_pair(
                unit=item,
                partner=selectors.partner_by_code(credit_code=d["credit_code"]),
                unit_contact=d["unit_contact"],
                unit_phone=d["unit_phone"],
                partner_contact=d["partner_contact"],
                partner_phone=d["partner_phone"],
                valid_from=d["valid_from"],
                note=d["note"],
                actor=request.user,
                at=clock.now(),
            )
        except ServiceError as exc:
            if exc.field == "partner":
                exc.field = "credit_code"
            apply_service_error(form, exc)
        else:
            messages.success(request, _("Partner pairing recorded."))
            return redirect("service:unit", pk=item.pk)
    return _unit_page(request, item, status=400, partner_form=form)


@permission(P.SERVICE_MANAGE)
@require_http_methods(["GET", "POST"])
def pairing_end(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        row = selectors.pairing_for_manager(user=request.user, pk=pk)
    except DepartmentPairing.DoesNotExist as exc:
        raise Http404 from exc
    return _end(
        request,
        row,
        lambda r, day: pairings.department_unpair(pairing=r, valid_to=day, actor=request.user, at=clock.now()),
    )


@permission(P.SERVICE_MANAGE)
@require_http_methods(["GET", "POST"])
def partner_end(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        row = selectors.partner_pairing_for_manager(user=request.user, pk=pk)
    except PartnerPairing.DoesNotExist as exc:
        raise Http404 from exc
    return _end(
        request,
        row,
        lambda r, day: pairings.partner_unpair(pairing=r, valid_to=day, actor=request.user, at=clock.now()),
    )


def _end(request: HttpRequest, row: Any, run: Any) -> HttpResponse:
    if request.method != "POST":
        return redirect("service:unit", pk=row.budget_unit_id)
    form = EndForm(request.POST, prefix="end")
    if form.is_valid():
        try:
            run(row, form.cleaned_data["valid_to"])
        except ServiceError as exc:
            messages.error(request, exc.message_local)
        else:
            messages.success(request, _("The pairing ends on {day}.").format(day=form.cleaned_data["valid_to"]))
    else:
        messages.error(request, _("Give the date on which the pairing ends."))
    return redirect("service:unit", pk=row.budget_unit_id)


# --- default handlers -------------------------------------------------------------------------------------


@permission(P.SERVICE_MANAGE)
@require_GET
def defaults(request: HttpRequest) -> HttpResponse:
    today = clock.today()
    regions = list(selectors.manager_regions(user=request.user))
    rows = [(region, routing.default_route_on(region, today)) for region in regions]
    context = {"rows": rows, "history": selectors.default_routes(user=request.user), "today": today}
    return render(request, "service/defaults.html", context)


@permission(P.SERVICE_MANAGE)
@require_http_methods(["GET", "POST"])
def default_set(request: HttpRequest, code: str) -> HttpResponse:
    region = selectors.manager_regions(user=request.user).filter(code=code).first()
    if region is None:
        raise Http404
    today = clock.today()
    current = routing.default_route_on(region, today)
    initial: dict[str, Any] = {"valid_from": today}
    if current is not None:
        initial.update(
            department=current.department_id,
            handler=current.handler_id,
            section_head=current.section_head_id,
            director=current.director_id,
        )
    form = _chain_form(region, data=request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            pairings.default_route_set(
                region=region,
                department=d["department"],
                handler=d["handler"],
                section_head=d["section_head"],
                director=d["director"],
                valid_from=d["valid_from"],
                note=d["note"],
                actor=request.user,
                at=clock.now(),
            )
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("Default handler of {region} recorded.").format(region=region.name))
            return redirect("service:defaults")
    context = {"region": region, "current": current, "form": form}
    return render(request, "service/default_set.html", context, status=400 if form.is_bound else 200)


# --- service levels ---------------------------------------------------------------------------------------


@permission(P.SERVICE_MANAGE)
@require_http_methods(["GET", "POST"])
def levels(request: HttpRequest) -> HttpResponse:
    today = clock.today()
    city_wide = user_scope(user=request.user, perm=P.SERVICE_MANAGE).everything
    form = LevelForm(request.POST or None, initial={"effective_from": today})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            pairings.service_level_set(
                category=d["category"],
                first_response_wd=d["first_response_wd"],
                resolution_wd=d["resolution_wd"],
                reopen_days=d["reopen_days"],
                escalation_step_wd=d["escalation_step_wd"],
                effective_from=d["effective_from"],
                note=d["note"],
                actor=request.user,
                at=clock.now(),
            )
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("Service level recorded."))
            return redirect("service:levels")
    context = {
        "form": form,
        "city_wide": city_wide,
        "in_force": selectors.levels_in_force(on=today),
        "history": selectors.levels_history(),
        "today": today,
    }
    return render(request, "service/levels.html", context, status=400 if form.is_bound else 200)


# --- FAQ review -------------------------------------------------------------------------------------------


@permission(P.SERVICE_MANAGE)
@require_GET
def faq_queue(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status") or FaqStatus.PROPOSED
    if status not in FaqStatus.values:
        status = FaqStatus.PROPOSED
    page = Paginator(selectors.faq_for_review(user=request.user, status=status), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    counts = selectors.faq_counts(user=request.user)
    context = {
        "status": status,
        "tabs": [(value, label, counts.get(value, 0)) for value, label in FaqStatus.choices],
        "page": page,
        "query": f"status={status}",
    }
    return render(request, "service/faq_queue.html", context)


@permission(P.SERVICE_MANAGE)
@require_http_methods(["GET", "POST"])
def faq_review(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        entry = selectors.faq_for_manager(user=request.user, pk=pk)
    except FaqEntry.DoesNotExist as exc:
        raise Http404 from exc
    form = FaqReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        action = request.POST.get("action")
        note = form.cleaned_data["note"]
        now = clock.now()
        try:
            if action == "publish":
                faq_services.faq_publish(entry=entry, actor=request.user, at=now)
                done = _("Published on the portal's FAQ.")
            elif action == "return":
                faq_services.faq_return(entry=entry, note=note, actor=request.user, at=now)
                done = _("Returned to the proposer.")
            elif action == "withdraw":
                faq_services.faq_withdraw(entry=entry, note=note, actor=request.user, at=now)
                done = _("Withdrawn from the portal.")
            else:
                return HttpResponseBadRequest(_("Unknown action."))
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, done)
            return redirect("service:faq_review", pk=entry.pk)
    context = {"entry": entry, "form": form}
    return render(request, "service/faq_review.html", context, status=400 if form.is_bound else 200)


# --- figures ----------------------------------------------------------------------------------------------


def _board(request: HttpRequest) -> tuple[FiguresFilterForm, figures_module.Figures]:
    regions = figures_module.view_regions(user=request.user)
    form = FiguresFilterForm(request.GET or None, regions=regions)
    year, category, region = clock.today().year, "", None
    if form.is_valid():
        year = form.cleaned_data["year"] or year
        category = form.cleaned_data["category"]
        code = form.cleaned_data["region"]
        region = regions.filter(code=code).first() if code else None
    board = figures_module.figures(user=request.user, year=year, at=clock.now(), category=category, region=region)
    return form, board


@permission(P.SERVICE_VIEW)
@require_GET
def figures(request: HttpRequest) -> HttpResponse:
    form, board = _board(request)
    columns = [(name, figures_module.LABELS[name]) for name in figures_module.COLUMNS]
    context = {
        "form": form,
        "board": board,
        "columns": columns,
        "charts": figures_module.charts(board),
        "totals": [(name, figures_module.LABELS[name], board.total.value(name)) for name in figures_module.COLUMNS],
        "category_rows": [(r, r.cells()) for r in board.by_category],
        "region_rows": [(r, r.cells()) for r in board.by_region],
        "month_rows": [(r, r.cells()) for r in board.by_month],
        "total_cells": board.total.cells(),
        "query": request.GET.urlencode(),
        "categories": Category.choices,
    }
    return render(request, "service/figures.html", context, status=400 if form.errors else 200)


@permission(P.SERVICE_VIEW)
@require_GET
def figures_xlsx(request: HttpRequest) -> HttpResponse:
    form, board = _board(request)
    if form.errors:
        return HttpResponseBadRequest(_("Check the filters."))
    response = HttpResponse(
        figures_module.workbook(board),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="service-desk-{board.year}.xlsx"'
    return response
