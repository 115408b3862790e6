"""Pages of the indicator engine under /office/evaluation/: the catalogue, the drill-down of one figure (with an
Excel export), the periods (close, reopen, recompute) and the job page that polls a computation's progress.

Thin: parse, call one service or selector, render. A county user sees only their county's drill-downs (404
otherwise). Actions take POST.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from zhengcai.accounts.selectors import user_scope
from zhengcai.core import clock, excel
from zhengcai.core.errors import ServiceError, bilingual
from zhengcai.core.permissions import P, permission
from zhengcai.organizations.models import Region

from . import catalogue, compute, jobs, periods, selectors
from .errors import IndicatorError
from .models import ComputeJob, JobKind, JobStatus, Period, PositionLevel

PAGE_SIZE = 50


def _region_in_scope(request: HttpRequest, code: str) -> Region:
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise Http404
    scope = user_scope(user=request.user, perm=P.EVALUATION_VIEW)
    if not scope.everything and region.pk not in scope.region_ids:
        raise Http404
    return region


@permission(P.EVALUATION_VIEW)
@require_GET
def indicator_list(request: HttpRequest) -> HttpResponse:
    year = clock.now().astimezone(compute.SH).year
    rows = [
        {
            "indicator": i,
            "target": selectors.target_for(i.code, year),
            "computed": i.code in compute.QUERIES,
            "responsible": PositionLevel(i.responsible).label,
        }
        for i in catalogue.INDICATORS
    ]
    manage = selectors.city_wide(request.user, P.EVALUATION_MANAGE)  # targets apply city-wide
    return render(request, "evaluation/indicators/list.html", {"rows": rows, "year": year, "manage": manage})


@permission(P.EVALUATION_MANAGE)
@require_POST
def target_set(request: HttpRequest, code: str) -> HttpResponse:
    """Set an indicator's target for a year (validated and audited by the service; city-wide managers only)."""
    selectors.require_city_wide(request.user, P.EVALUATION_MANAGE)
    if code not in catalogue.BY_CODE:
        raise Http404
    year_text = request.POST.get("year", "").strip()
    try:
        year = int(year_text)
    except ValueError:
        year = 0
    try:
        periods.target_set(
            code=code, year=year, target=request.POST.get("target", ""), actor=request.user, at=clock.now()
        )
    except ServiceError as exc:
        messages.error(request, bilingual(exc))
    else:
        messages.success(request, _("Target saved."))
    return redirect(f"{reverse('evaluation:indicators')}#{code}")


def _drill(request: HttpRequest, code: str, region_code: str, label: str) -> dict[str, Any]:
    if code not in compute.QUERIES:
        raise Http404
    region = _region_in_scope(request, region_code)
    period = selectors.period_get(label)
    if period is None:
        raise Http404
    snapshot = selectors.latest_snapshot(period)
    as_of = snapshot.as_of if snapshot is not None else compute.period_as_of(period, clock.now())
    rows = compute.records(code, region, period, as_of)
    n, d, count, value = compute.records_total(code, rows)
    stored = snapshot.values.filter(indicator=code, region=region).first() if snapshot is not None else None
    matches = stored is not None and (stored.numerator, stored.denominator, stored.record_count, stored.value) == (
        n,
        d,
        count,
        value,
    )
    return {
        "indicator": catalogue.get(code),
        "region": region,
        "period": period,
        "snapshot": snapshot,
        "as_of": as_of,
        "rows": rows,
        "totals": {"numerator": n, "denominator": d, "count": count, "value": value},
        "stored": stored,
        "matches": matches,
    }


@permission(P.EVALUATION_VIEW)
@require_GET
def indicator_records(request: HttpRequest, code: str, region: str, period: str) -> HttpResponse:
    context = _drill(request, code, region, period)
    page = Paginator(context["rows"], PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "evaluation/indicators/records.html", {**context, "page": page})


COLUMNS = (
    ("kind", gettext_lazy("Record type")),
    ("number", gettext_lazy("Project number")),
    ("title", gettext_lazy("Title")),
    ("purchaser", gettext_lazy("Purchaser")),
    ("supplier", gettext_lazy("Supplier")),
    ("amount_fen", gettext_lazy("Amount (fen)")),
    ("ev", gettext_lazy("Date")),
    ("num", gettext_lazy("Numerator")),
    ("den", gettext_lazy("Denominator")),
)


@permission(P.EVALUATION_VIEW)
@require_GET
def indicator_records_xlsx(request: HttpRequest, code: str, region: str, period: str) -> HttpResponse:
    context = _drill(request, code, region, period)
    # in the request's language (LocaleMiddleware activated it): headers, record kinds, the indicator's name
    caption = [
        [f"{context['indicator'].name} · {context['region'].name} · {context['period'].label}"],
        [_("Data as of"), context["as_of"].astimezone(compute.SH).strftime("%Y-%m-%d %H:%M")],
    ]
    rows = [
        [compute.kind_label(row.get("kind", "")), *(_cell(row.get(key)) for key, _label in COLUMNS[1:])]
        for row in context["rows"]
    ]
    totals = context["totals"]
    rows.append([_("Total"), "", "", "", "", "", "", totals["numerator"], totals["denominator"]])
    sheet = excel.Sheet(code, [label for _key, label in COLUMNS], rows, before=caption)
    response = HttpResponse(excel.workbook([sheet]), content_type=excel.XLSX)
    response["Content-Disposition"] = f'attachment; filename="{code}-{region}-{period}.xlsx"'
    return response


def _cell(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float)):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat() if not hasattr(value, "tzinfo") else value.astimezone(compute.SH).isoformat()
    return value  # a Decimal (fen sums, numerators) as it is: openpyxl writes it as a number


@permission(P.EVALUATION_VIEW)
@require_GET
def period_list(request: HttpRequest) -> HttpResponse:
    rows = [{"period": p, "snapshot": selectors.latest_snapshot(p)} for p in selectors.periods_list()]
    year = clock.now().astimezone(compute.SH).year
    return render(
        request,
        "evaluation/indicators/periods.html",
        {
            "rows": rows,
            "year": year,
            "jobs": selectors.jobs_recent(10) if selectors.city_wide(request.user, P.EVALUATION_VIEW) else [],
        },
    )


@permission(P.EVALUATION_MANAGE)
@require_POST
def period_close(request: HttpRequest, label: str) -> HttpResponse:
    selectors.require_city_wide(request.user, P.EVALUATION_MANAGE)
    period = get_object_or_404(Period, label=label)
    try:
        periods.period_close(period=period, actor=request.user, at=clock.now())
    except ServiceError as exc:
        messages.error(request, bilingual(exc))
    else:
        messages.success(request, _("{period} closed: it is now computed as of this moment.").format(period=label))
    return redirect("evaluation:periods")


@permission(P.EVALUATION_MANAGE)
@require_POST
def period_reopen(request: HttpRequest, label: str) -> HttpResponse:
    selectors.require_city_wide(request.user, P.EVALUATION_MANAGE)
    period = get_object_or_404(Period, label=label)
    try:
        periods.period_reopen(period=period, reason=request.POST.get("reason", ""), actor=request.user, at=clock.now())
    except ServiceError as exc:
        messages.error(request, bilingual(exc))
    else:
        messages.success(request, _("{period} reopened.").format(period=label))
    return redirect("evaluation:periods")


@permission(P.EVALUATION_MANAGE)
@require_POST
def recompute(request: HttpRequest) -> HttpResponse:
    """Queue the computation of a year (its quarters and months) or of one period; go to the job page."""
    selectors.require_city_wide(request.user, P.EVALUATION_MANAGE)
    label = request.POST.get("period", "").strip()
    params: dict[str, Any]
    try:
        if label and len(label) > 4:
            compute.parse_label(label)
            params = {"period": label}
        else:
            params = {"year": int(label or clock.now().astimezone(compute.SH).year)}
    except ValueError:
        messages.error(
            request,
            bilingual(
                ServiceError(IndicatorError.PERIOD, "period", gettext_lazy("Unknown period {period}."), period=label)
            ),
        )
        return redirect("evaluation:periods")
    if "year" in params and not 2000 <= params["year"] <= 2100:
        messages.error(
            request,
            bilingual(
                ServiceError(IndicatorError.PERIOD, "year", gettext_lazy("The year must be between 2000 and 2100."))
            ),
        )
        return redirect("evaluation:periods")
    try:
        job = jobs.job_request(kind=JobKind.SNAPSHOT, params=params, actor=request.user, at=clock.now())
    except ServiceError as exc:
        messages.error(request, bilingual(exc))
        return redirect("evaluation:periods")
    return redirect("evaluation:job", pk=job.pk)


@permission(P.EVALUATION_VIEW)
@require_GET
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(ComputeJob, pk=pk)
    if not selectors.job_visible(request.user, job):  # city-wide viewers and the job's requester only
        raise Http404
    running = job.status in (JobStatus.QUEUED, JobStatus.RUNNING)
    template = (
        "evaluation/indicators/_job.html" if request.headers.get("HX-Request") else "evaluation/indicators/job.html"
    )
    snapshots = []
    if job.kind == JobKind.SNAPSHOT and job.status == JobStatus.DONE:
        snapshots = sorted((job.result or {}).get("snapshots", {}).keys())
    return render(request, template, {"job": job, "running": running, "snapshot_labels": snapshots})
