"""Evaluation dashboards: the city overview with the county ranking and trends (the mayor's view), a county's
page, the period reports (PDF and Excel) and the public transparency page.

Every figure links to its drill-down (``evaluation:indicator_records``: the records it was computed from).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from zhengcai.core import clock
from zhengcai.core.errors import ServiceError, bilingual
from zhengcai.core.permissions import P, permission, user_has_perm

from . import catalogue, ranking, reports
from . import dashboard_selectors as ds
from .models import JobStatus, PeriodKind
from .selectors import require_city_wide

XLSX = reports.XLSX


def drill_url(code: str, region_code: str, label: str) -> str:
    """The drill-down page of one figure ("" while the indicators area has not published it)."""
    try:
        return reverse("evaluation:indicator_records", kwargs={"code": code, "region": region_code, "period": label})
    except NoReverseMatch:
        return ""


def _url(name: str, **kwargs: Any) -> str:
    try:
        return reverse(name, kwargs=kwargs or None)
    except NoReverseMatch:
        return ""


def _period_groups(periods: list[Any]) -> list[tuple[str, list[Any]]]:
    groups = []
    for kind, label in PeriodKind.choices[::-1]:  # years, quarters, months
        members = [p for p in periods if p.kind == kind]
        if members:
            groups.append((str(label), members))
    return groups


def _board(request: HttpRequest, *, public: bool = False) -> ds.Board:
    if public:
        periods = ds.periods_with_snapshots(kinds=[PeriodKind.YEAR, PeriodKind.QUARTER])
        default = ds.period_public_default(periods)
    else:
        periods = ds.periods_with_snapshots()
        default = ds.period_default(periods)
    period = ds.period_pick(periods, request.GET.get("period"), default=default)
    return ds.board(period=period, periods=periods)


def _cell(board: ds.Board, code: str, region: Any) -> dict[str, Any]:
    value = board.value(code, region)
    label = board.period.label if board.period else ""
    return {
        "code": code,
        "value": value,
        "shown": ds.display(code, value),
        "met": catalogue.BY_CODE[code].meets(value, board.targets.get(code)),
        "url": drill_url(code, region.code, label) if label else "",
    }


def _trend(board: ds.Board, code: str, county: Any) -> dict[str, Any]:
    """Monthly values of one indicator in the period's year: the city and one county (a Chart.js line)."""
    regions = [r for r in (board.city, county) if r is not None]
    if board.year is None:
        return {"type": "line", "labels": [], "datasets": []}
    labels, series = ds.monthly_series(year=board.year, codes=[code], region_ids=[r.pk for r in regions])
    return {
        "type": "line",
        "percent": catalogue.BY_CODE[code].unit == catalogue.PERCENT,
        "labels": labels,
        "datasets": [
            {"label": r.name, "data": [ds.chart_number(code, v) for v in series[(code, r.pk)]], "spanGaps": True}
            for r in regions
        ],
    }


def _trend_choice(request: HttpRequest, board: ds.Board) -> tuple[str, Any]:
    code = request.GET.get("indicator") or catalogue.HEADLINE[0]
    if code not in catalogue.BY_CODE:
        raise Http404
    county_code = request.GET.get("county")
    county = next((r for r in board.counties if r.code == county_code), None)
    if county_code and county is None:
        raise Http404
    if county is None and board.places:
        county = board.places[0].region
    return code, county


def _overview_context(request: HttpRequest, board: ds.Board) -> dict[str, Any]:
    code, county = _trend_choice(request, board)
    trend = _trend(board, code, county)
    headline_codes = list(catalogue.HEADLINE)
    places = [
        {"place": p, "cells": [_cell(board, c, p.region) for c in headline_codes], "url": _url("evaluation:region", code=p.region.code)}
        for p in board.places
    ]  # fmt: skip
    ranking_chart = {
        "type": "bar",
        "labels": [p.region.name for p in board.places],
        "datasets": [{"label": _("Overall score"), "data": [float(p.score) if p.score is not None else None for p in board.places]}],
    }  # fmt: skip
    return {
        "board": board,
        "period": board.period,
        "period_groups": _period_groups(board.periods),
        "headline": [
            {"figure": f, "cell": _cell(board, f.code, board.city)} for f in board.city_headline()
        ] if board.city else [],
        "headline_indicators": [catalogue.BY_CODE[c] for c in headline_codes],
        "places": places,
        "ranking_chart": ranking_chart,
        "trend": trend,
        "trend_rows": [
            (label, [d["data"][i] for d in trend["datasets"]]) for i, label in enumerate(trend.get("labels", []))
        ],
        "trend_code": code,
        "trend_indicator": catalogue.BY_CODE[code],
        "trend_county": county,
        "indicators": catalogue.INDICATORS,
        "method": ranking.__doc__,
        "query": request.GET.urlencode(),
    }  # fmt: skip


@permission(P.EVALUATION_VIEW)
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    """The city overview; a viewer whose scope is one county is sent to that county's page."""
    home = ds.home_region(user=request.user)
    if home is not None:
        return redirect("evaluation:region", code=home.code)
    if not ds.view_scope(request.user).everything:
        raise Http404
    board = _board(request)
    return render(request, "evaluation/dashboards/overview.html", _overview_context(request, board))


@permission(P.EVALUATION_VIEW)
@require_GET
def overview_xlsx(request: HttpRequest) -> HttpResponse:
    if not ds.view_scope(request.user).everything:
        raise Http404
    board = _board(request)
    code, county = _trend_choice(request, board)
    content = reports.board_workbook(board, trend=_trend(board, code, county))
    response = HttpResponse(content, content_type=XLSX)
    label = board.period.label if board.period else "none"
    response["Content-Disposition"] = f'attachment; filename="evaluation-{label}.xlsx"'
    return response


def _region_context(request: HttpRequest, board: ds.Board, region: Any) -> dict[str, Any]:
    year = board.year
    codes = list(ds.CODES)
    if year is not None:
        labels, series = ds.monthly_series(year=year, codes=codes, region_ids=[region.pk])
    else:
        labels, series = [], {}
    rows = []
    for ind in catalogue.INDICATORS:
        figure = board.figure(ind.code, region)
        monthly = series.get((ind.code, region.pk), [])
        rows.append(
            {
                "figure": figure,
                "cell": _cell(board, ind.code, region),
                "months": [ds.display(ind.code, v) for v in monthly],
                "spark": _sparkline([ds.chart_number(ind.code, v) for v in monthly]),
            }
        )
    place = next((p for p in board.places if p.region.pk == region.pk), None)
    return {
        "board": board,
        "period": board.period,
        "period_groups": _period_groups(board.periods),
        "region": region,
        "place": place,
        "counties": len(board.counties),
        "rows": rows,
        "month_labels": labels,
        "method": ranking.__doc__,
        "everything": ds.view_scope(request.user).everything,
        "query": request.GET.urlencode(),
    }


def _sparkline(values: list[float | None], width: int = 120, height: int = 24) -> str:
    """SVG polyline points for a month-by-month sparkline ("" with fewer than two values)."""
    present = [(i, v) for i, v in enumerate(values) if v is not None]
    if len(present) < 2:
        return ""
    low, high = min(v for _i, v in present), max(v for _i, v in present)
    span = (high - low) or 1.0
    step = width / 11
    return " ".join(f"{i * step:.1f},{height - 2 - (v - low) / span * (height - 4):.1f}" for i, v in present)


@permission(P.EVALUATION_VIEW)
@require_GET
def region(request: HttpRequest, code: str) -> HttpResponse:
    target = ds.region_for(user=request.user, code=code)
    board = _board(request)
    return render(request, "evaluation/dashboards/region.html", _region_context(request, board, target))


@permission(P.EVALUATION_VIEW)
@require_GET
def region_xlsx(request: HttpRequest, code: str) -> HttpResponse:
    target = ds.region_for(user=request.user, code=code)
    board = _board(request)
    context = _region_context(request, board, target)
    from .reports import _book  # the shared sheet writer

    head = [_("Indicator"), _("Unit"), _("Value"), _("Target"), _("Target met"), _("Rank"), *context["month_labels"]]
    rows = [
        [r["figure"].indicator.name, r["figure"].indicator.unit_label, ds.display_number(r["figure"].code, r["figure"].value),
         ds.display_number(r["figure"].code, r["figure"].target), reports._met_text(r["figure"].met), r["figure"].rank,
         *r["months"]]
        for r in context["rows"]
    ]  # fmt: skip
    response = HttpResponse(_book([(target.name, head, rows)]), content_type=XLSX)
    label = board.period.label if board.period else "none"
    response["Content-Disposition"] = f'attachment; filename="evaluation-{target.code}-{label}.xlsx"'
    return response


# --- reports ---------------------------------------------------------------------------------------------
def _city_viewer(request: HttpRequest) -> None:
    """Reports are city-wide and bundle red-flag counts: only city-scope viewers who may also see red flags see
    them (others 404)."""
    if not ds.view_scope(request.user).everything or not user_has_perm(request.user, P.RED_FLAG_VIEW):
        raise Http404


@permission(P.EVALUATION_VIEW)
@require_GET
def report_list(request: HttpRequest) -> HttpResponse:
    _city_viewer(request)
    periods = ds.periods_with_snapshots()
    jobs = list(ds.report_jobs()[:50])
    context = {
        "jobs": [{"job": j, "url": _url("evaluation:job", pk=j.pk)} for j in jobs],
        "period_groups": _period_groups(periods),
        "default": ds.period_default(periods),
        "done": JobStatus.DONE,
    }
    return render(request, "evaluation/dashboards/reports.html", context)


@permission(P.EVALUATION_MANAGE)
@require_POST
def report_new(request: HttpRequest) -> HttpResponse:
    require_city_wide(request.user, P.EVALUATION_MANAGE)  # a report is a city-wide document (403 otherwise)
    try:
        job = reports.report_request(period_label=request.POST.get("period", ""), actor=request.user, at=clock.now())
    except ServiceError as error:
        messages.error(request, bilingual(error))
        return redirect("evaluation:reports")
    messages.success(request, _("The report of {period} is being generated.").format(period=job.params["period"]))
    job_url = _url("evaluation:job", pk=job.pk)
    return redirect(job_url) if job_url else redirect("evaluation:reports")


@permission(P.EVALUATION_VIEW)
@require_GET
def report_file(request: HttpRequest, pk: int, kind: str) -> HttpResponseBase:
    _city_viewer(request)
    job = ds.report_job_get(pk=pk)
    if kind not in ("pdf", "xlsx"):
        raise Http404
    if job.status != JobStatus.DONE:
        job_url = _url("evaluation:job", pk=job.pk)
        return redirect(job_url) if job_url else redirect("evaluation:reports")
    from django.core.files.storage import default_storage

    name = job.output.name if kind == "pdf" else str(job.result.get("xlsx", ""))
    if not name or not default_storage.exists(name):
        raise Http404
    label = job.params.get("period", "")
    filename = f"营商环境评价报告-{label}.{kind}"
    content_type = "application/pdf" if kind == "pdf" else XLSX
    return FileResponse(default_storage.open(name, "rb"), filename=filename, content_type=content_type)


# --- public ----------------------------------------------------------------------------------------------
@permission(P.PUBLIC)
@require_GET
def public(request: HttpRequest) -> HttpResponse:
    """The headline indicators per county for the latest closed (else latest) year or quarter."""
    board = _board(request, public=True)
    regions = [r for r in (board.city, *board.counties) if r is not None]
    context = {
        "board": board,
        "period": board.period,
        "period_groups": _period_groups(board.periods),
        "indicators": [catalogue.BY_CODE[c] for c in catalogue.HEADLINE],
        "targets": [ds.display_target(c, board.targets.get(c)) for c in catalogue.HEADLINE],
        "rows": [
            (r, [{"shown": ds.display(c, board.value(c, r)), "met": catalogue.BY_CODE[c].meets(board.value(c, r), board.targets.get(c))}
                 for c in catalogue.HEADLINE])
            for r in regions
        ],
    }  # fmt: skip
    return render(request, "evaluation/dashboards/public.html", context)
