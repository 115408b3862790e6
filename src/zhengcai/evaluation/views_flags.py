"""Pages of the integrity red flags under /office/evaluation/flags/.

- the list with filters (kind, region, purchaser, agency, status, dates), paginated; one flag with its
  explanation in words, the evidence as a table, the project link and the review form; the summary per
  region, purchaser and agency × kind with a chart, tables and an Excel export (RED_FLAG_VIEW, in scope:
  another region's flag answers 404);
- the review of a flag, the threshold settings and "scan now" (EVALUATION_MANAGE).

Thin: parse, call one service or selector, render. Actions take POST.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from zhengcai.accounts.selectors import user_scope
from zhengcai.core import clock, excel
from zhengcai.core.errors import ServiceError, ServiceErrorGroup, bilingual
from zhengcai.core.forms import DateInput, apply_service_error
from zhengcai.core.permissions import P, permission
from zhengcai.organizations.models import EnterpriseSize, Organization, Region
from zhengcai.procurement.rules import Method

from . import flag_selectors as selectors
from . import flag_services, jobs, redflags
from .models import JobKind, RedFlag, RedFlagStatus
from .selectors import city_wide, require_city_wide

PAGE_SIZE = 50


class FlagFilterForm(forms.Form):
    code = forms.ChoiceField(label=gettext_lazy("Red flag"), required=False)
    region = forms.ModelChoiceField(queryset=Region.objects.none(), label=gettext_lazy("Region"), required=False)
    purchaser = forms.ModelChoiceField(
        queryset=Organization.objects.none(), label=gettext_lazy("Purchaser"), required=False
    )
    agency = forms.ModelChoiceField(queryset=Organization.objects.none(), label=gettext_lazy("Agency"), required=False)
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False)
    date_from = forms.DateField(label=gettext_lazy("From"), required=False, widget=DateInput())
    date_to = forms.DateField(label=gettext_lazy("Until"), required=False, widget=DateInput())

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        all_label = gettext_lazy("All")
        self.fields["code"].choices = [("", all_label)] + [  # type: ignore[attr-defined]
            (f.code, f.name) for f in redflags.FLAGS
        ]
        self.fields["status"].choices = [("", all_label), *RedFlagStatus.choices]  # type: ignore[attr-defined]
        self.fields["region"].queryset = selectors.flag_regions(user=user)  # type: ignore[attr-defined]
        self.fields["purchaser"].queryset = selectors.flag_organizations(  # type: ignore[attr-defined]
            user=user, field_name="purchaser"
        )
        self.fields["agency"].queryset = selectors.flag_organizations(  # type: ignore[attr-defined]
            user=user, field_name="agency"
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date must not be before the start date."))
        return data

    def filters(self) -> selectors.FlagFilters:
        d = self.cleaned_data
        return selectors.FlagFilters(
            code=d.get("code") or "",
            region=d.get("region"),
            purchaser=d.get("purchaser"),
            agency=d.get("agency"),
            status=d.get("status") or "",
            date_from=d.get("date_from"),
            date_to=d.get("date_to"),
        )


class ReviewForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Finding"),
        choices=[
            (RedFlagStatus.EXPLAINED.value, gettext_lazy("Explained (a legitimate reason was found)")),
            (RedFlagStatus.CONFIRMED.value, gettext_lazy("Confirmed (an integrity problem)")),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=gettext_lazy("Note"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


def _filtered(request: HttpRequest) -> tuple[FlagFilterForm, selectors.FlagFilters | None]:
    form = FlagFilterForm(request.GET, user=request.user)  # always bound: no filter is a valid query
    if not form.is_valid():
        return form, None
    return form, form.filters()


def _flag(request: HttpRequest, pk: int) -> RedFlag:
    try:
        return selectors.red_flag_get(user=request.user, pk=pk)
    except RedFlag.DoesNotExist as exc:
        raise Http404 from exc


def _query(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@permission(P.RED_FLAG_VIEW)
@require_GET
def flag_list(request: HttpRequest) -> HttpResponse:
    form, filters = _filtered(request)
    if filters is None:
        return render(request, "evaluation/flags/list.html", {"form": form, "page": None}, status=400)
    page = Paginator(selectors.red_flag_list(user=request.user, filters=filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    for flag in page.object_list:
        flag.name = redflags.flag_name(flag.code)  # type: ignore[attr-defined]
    return render(
        request,
        "evaluation/flags/list.html",
        {
            "form": form,
            "page": page,
            "query": _query(request),
            "can_manage": city_wide(request.user, P.EVALUATION_MANAGE),
        },
    )


def _shown(key: str, value: Any) -> Any:
    """An evidence value as the page shows it: lists joined, codes by their names."""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(map(str, value))
    if key == "method" and value in Method.values:
        return Method(value).label
    if key == "supplier_size" and value in EnterpriseSize.values:
        return EnterpriseSize(value).label
    return value


def _evidence_rows(flag: RedFlag) -> tuple[list[tuple[str, Any]], list[str], list[list[Any]]]:
    """The evidence as (label, value) pairs and, where it lists rows, a table (header, rows)."""
    pairs = [(EVIDENCE_LABELS.get(k, k), _shown(k, v)) for k, v in flag.evidence.items() if k != "rows"]
    rows = flag.evidence.get("rows") or []
    header = [str(EVIDENCE_LABELS.get(k, k)) for k in rows[0]] if rows else []
    return pairs, header, [list(r.values()) for r in rows]


EVIDENCE_LABELS: dict[str, Any] = {
    "published_on": gettext_lazy("Notice published on"),
    "deadline_on": gettext_lazy("Bid deadline"),
    "days": gettext_lazy("Days from notice to deadline"),
    "required_days": gettext_lazy("Days required"),
    "earliest_deadline": gettext_lazy("Earliest deadline allowed"),
    "statutory_minimum": gettext_lazy("Statutory minimum"),
    "statutory_rule": gettext_lazy("Rule"),
    "method": gettext_lazy("Procurement method"),
    "deadline_first_announced": gettext_lazy("Deadline first announced"),
    "bids": gettext_lazy("Bids opened"),
    "opened_on": gettext_lazy("Opened on"),
    "max_price": gettext_lazy("Maximum price (yuan)"),
    "supplier": gettext_lazy("Supplier"),
    "price": gettext_lazy("Price (yuan)"),
    "valid": gettext_lazy("Valid"),
    "identical": gettext_lazy("Bids at the same price"),
    "prices": gettext_lazy("Prices (yuan)"),
    "lowest_supplier": gettext_lazy("Lowest bidder"),
    "lowest_price": gettext_lazy("Lowest bid price (yuan)"),
    "lowest_evaluated_price": gettext_lazy("Lowest evaluated price (yuan)"),
    "lowest_valid": gettext_lazy("Lowest bid valid"),
    "winner_supplier": gettext_lazy("Winner"),
    "winner_evaluated_price": gettext_lazy("Winner's evaluated price (yuan)"),
    "evaluated_price": gettext_lazy("Evaluated price (yuan)"),
    "rank": gettext_lazy("Rank"),
    "award_amount": gettext_lazy("Award amount (yuan)"),
    "budget": gettext_lazy("Budget (yuan)"),
    "percent_of_max": gettext_lazy("Share of the maximum price (%)"),
    "winner": gettext_lazy("Winner"),
    "determined_on": gettext_lazy("Winner determined on"),
    "wins": gettext_lazy("Contracts in the window"),
    "window_from": gettext_lazy("Window from"),
    "signed_on": gettext_lazy("Signed on"),
    "amount": gettext_lazy("Amount (yuan)"),
    "project_number": gettext_lazy("Project number"),
    "title": gettext_lazy("Title"),
    "original_amount": gettext_lazy("Amount signed (yuan)"),
    "current_amount": gettext_lazy("Amount after changes (yuan)"),
    "increase_percent": gettext_lazy("Increase (%)"),
    "changed_on": gettext_lazy("Changed on"),
    "amount_before": gettext_lazy("Amount before (yuan)"),
    "amount_after": gettext_lazy("Amount after (yuan)"),
    "rationale": gettext_lazy("Reason for the change"),
    "supplier_size": gettext_lazy("Enterprise size"),
    "paid": gettext_lazy("Paid (yuan)"),
    "accepted_on": gettext_lazy("Accepted on"),
    "payment_days": gettext_lazy("Payment term (days)"),
    "payment_due": gettext_lazy("Payment due"),
    "paid_on": gettext_lazy("Paid in full on"),
    "as_of": gettext_lazy("As of"),
    "days_late": gettext_lazy("Days late"),
    "payment_date": gettext_lazy("Payment date"),
    "advance": gettext_lazy("Advance payment"),
}


def _flag_page(request: HttpRequest, flag: RedFlag, form: ReviewForm, status: int = 200) -> HttpResponse:
    pairs, header, rows = _evidence_rows(flag)
    definition = redflags.BY_CODE.get(flag.code)
    params = [
        (spec.label, _shown("", flag.params.get(spec.name))) for spec in (definition.params if definition else ())
    ]
    context = {
        "flag": flag,
        "definition": definition,
        "name": redflags.flag_name(flag.code),
        "explanation": redflags.explain(flag),
        "pairs": pairs,
        "header": header,
        "rows": rows,
        "params": params,
        "form": form,
        "can_review": user_scope(user=request.user, perm=P.EVALUATION_MANAGE)
        .filter(RedFlag.objects.filter(pk=flag.pk), region_field="region", organization_field="purchaser")
        .exists()
        and flag.status != RedFlagStatus.CONFIRMED,
    }
    return render(request, "evaluation/flags/detail.html", context, status=status)


@permission(P.RED_FLAG_VIEW)
@require_GET
def flag_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _flag_page(request, _flag(request, pk), ReviewForm())


@permission(P.EVALUATION_MANAGE)
@require_http_methods(["GET", "POST"])
def flag_review(request: HttpRequest, pk: int) -> HttpResponse:
    try:  # reviewing is managing: the flag must be in the EVALUATION_MANAGE scope (404 otherwise)
        flag = selectors.red_flag_get(user=request.user, pk=pk, perm=P.EVALUATION_MANAGE)
    except RedFlag.DoesNotExist as exc:
        raise Http404 from exc
    if request.method != "POST":
        return redirect("evaluation:flag", pk=flag.pk)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        return _flag_page(request, flag, form, status=400)
    try:
        flag_services.red_flag_review(
            flag=flag,
            status=form.cleaned_data["status"],
            note=form.cleaned_data["note"],
            actor=request.user,
            at=clock.now(),
        )
    except ServiceError as exc:
        apply_service_error(form, exc)
        return _flag_page(request, flag, form, status=400)
    messages.success(request, _("The review of the red flag is recorded."))
    return redirect("evaluation:flag", pk=flag.pk)


# --- settings and scan --------------------------------------------------------------------------------------


def _settings_page(
    request: HttpRequest, errors: dict[str, dict[str, list[str]]], posted: dict[str, Any], status: int = 200
) -> HttpResponse:
    items = []
    for definition, setting in selectors.settings_list(at=clock.now()):
        values = redflags.effective_params(definition, setting)
        mine = posted.get(definition.code, {})
        fields = [
            {
                "spec": spec,
                "name": f"{definition.code}-{spec.name}",
                "value": mine.get(spec.name, values.get(spec.name)),
                "errors": errors.get(definition.code, {}).get(spec.name, []),
            }
            for spec in definition.params
        ]
        items.append(
            {
                "definition": definition,
                "setting": setting,
                "enabled": mine.get("enabled", setting.enabled),
                "fields": fields,
                "errors": errors.get(definition.code, {}).get("", []),
            }
        )
    return render(request, "evaluation/flags/settings.html", {"items": items}, status=status)


@permission(P.EVALUATION_MANAGE)
@require_http_methods(["GET", "POST"])
def flag_settings(request: HttpRequest) -> HttpResponse:
    require_city_wide(request.user, P.EVALUATION_MANAGE)  # thresholds act city-wide
    if request.method != "POST":
        return _settings_page(request, {}, {})
    code = request.POST.get("code", "")
    definition = redflags.BY_CODE.get(code)
    params: dict[str, Any] = {}
    if definition is not None:
        for spec in definition.params:
            key = f"{code}-{spec.name}"
            if spec.kind == "bool":
                params[spec.name] = key in request.POST
            elif key in request.POST:
                params[spec.name] = request.POST[key]
    enabled = f"{code}-enabled" in request.POST
    try:
        flag_services.red_flag_setting_update(
            code=code, enabled=enabled, params=params, actor=request.user, at=clock.now()
        )
    except ServiceError as exc:
        errs: dict[str, list[str]] = {}
        for err in exc.errors if isinstance(exc, ServiceErrorGroup) else [exc]:
            errs.setdefault(err.field if err.field and err.field != "code" else "", []).append(bilingual(err))
        return _settings_page(request, {code: errs}, {code: {**params, "enabled": enabled}}, status=400)
    messages.success(request, _("The thresholds are saved; they apply from the next scan."))
    return redirect("evaluation:flag_settings")


@permission(P.EVALUATION_MANAGE)
@require_http_methods(["GET", "POST"])
def flag_scan(request: HttpRequest) -> HttpResponse:
    """Queue a red-flag scan as a background job (never in the request); a GET goes back to the list."""
    require_city_wide(request.user, P.EVALUATION_MANAGE)  # a scan covers the whole city
    if request.method != "POST":
        return redirect("evaluation:flags")
    try:
        job = jobs.job_request(kind=JobKind.RED_FLAGS, params={}, actor=request.user, at=clock.now())
    except ServiceError as exc:
        messages.error(request, bilingual(exc))
    else:
        messages.success(request, _("Red-flag scan queued as job #{job}.").format(job=job.pk))
    return redirect("evaluation:flags")


# --- summary ------------------------------------------------------------------------------------------------

GROUPS = (
    ("region", gettext_lazy("Region")),
    ("purchaser", gettext_lazy("Purchaser")),
    ("agency", gettext_lazy("Agency")),
)


def _summary_tables(summary: selectors.Summary) -> list[dict[str, Any]]:
    return [{"key": key, "label": label, "rows": getattr(summary, f"by_{key}")} for key, label in GROUPS]


def summary_chart(summary: selectors.Summary) -> dict[str, Any]:
    """Flags per region, one bar per kind (static/zc/charts.js draws it; the table below has the figures)."""
    return {
        "type": "bar",
        "labels": [row.label for row in summary.by_region],
        "datasets": [
            {"label": str(definition.name), "data": [row.counts.get(definition.code, 0) for row in summary.by_region]}
            for definition in redflags.FLAGS
        ],
    }


@permission(P.RED_FLAG_VIEW)
@require_GET
def flag_summary(request: HttpRequest) -> HttpResponse:
    form, filters = _filtered(request)
    if filters is None:
        return render(request, "evaluation/flags/summary.html", {"form": form, "summary": None}, status=400)
    summary = selectors.red_flag_summary(user=request.user, filters=filters)
    context = {
        "form": form,
        "summary": summary,
        "tables": _summary_tables(summary),
        "kinds": redflags.FLAGS,
        "kind_totals": [(d, summary.totals.get(d.code, 0)) for d in redflags.FLAGS],
        "chart": summary_chart(summary),
        "query": _query(request),
    }
    return render(request, "evaluation/flags/summary.html", context)


def summary_workbook(summary: selectors.Summary, *, at: dt.datetime) -> bytes:
    """The summary as an Excel workbook: one sheet per grouping, Chinese headers, counts as numbers."""
    with translation.override("zh-hans"):
        totals: list[list[Any]] = [[str(d.name), summary.totals.get(d.code, 0)] for d in redflags.FLAGS]
        info = [*totals, [_("Total"), summary.total], [_("Exported at"), f"{timezone.localtime(at):%Y-%m-%d %H:%M}"]]
        sheets = [excel.Sheet(_("Summary"), [_("Red flag"), _("Flags")], info, first_width=40)]
        names = [str(d.name) for d in redflags.FLAGS]
        for key, label in GROUPS:
            rows = [[row.label, *row.by_code(), row.total] for row in getattr(summary, f"by_{key}")]
            sheets.append(excel.Sheet(label, [label, *names, _("Total")], rows, first_width=36, freeze="B2"))
        return excel.workbook(sheets)


@permission(P.RED_FLAG_VIEW)
@require_GET
def flag_summary_xlsx(request: HttpRequest) -> HttpResponse:
    form, filters = _filtered(request)
    if filters is None:
        return render(request, "evaluation/flags/summary.html", {"form": form, "summary": None}, status=400)
    now = clock.now()
    data = summary_workbook(selectors.red_flag_summary(user=request.user, filters=filters), at=now)
    response = HttpResponse(data, content_type=excel.XLSX)
    response["Content-Disposition"] = f'attachment; filename="red-flags-{timezone.localtime(now):%Y%m%d}.xlsx"'
    return response
