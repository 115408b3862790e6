"""Pages for paper media and on-site publicity (leaflets, print runs, distribution, events) and the reach
dashboard with its Excel export. Reads need ``P.PUBLICITY_VIEW``, writes ``P.PUBLICITY_EDIT``; objects
outside the reader's scope answer 404."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zhengcai.accounts.selectors import regions_in_scope
from zhengcai.core import clock
from zhengcai.core.errors import ServiceError, bilingual
from zhengcai.core.forms import apply_service_error
from zhengcai.core.permissions import P, permission, user_has_perm
from zhengcai.organizations.models import Region
from zhengcai.policies.models import PolicyDocument

from . import dashboard, outreach
from .models import (
    Audience,
    Content,
    DistributionPlace,
    Event,
    EventKind,
    EventStatus,
    Leaflet,
    LeafletFormat,
    PrintRun,
)

PAGE_SIZE = 25


def _date(label: Any) -> forms.DateField:
    return forms.DateField(label=label, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))


def _moment(label: Any) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label, widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )


class _RegionField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class LeafletGenerateForm(forms.Form):
    format = forms.ChoiceField(label=gettext_lazy("Format"), choices=LeafletFormat.choices)


class PrintRunForm(forms.Form):
    copies = forms.IntegerField(label=gettext_lazy("Copies printed"), min_value=1, max_value=outreach.MAX_COPIES)
    printer = forms.CharField(label=gettext_lazy("Printer"), max_length=100, strip=True)
    printed_on = _date(gettext_lazy("Printed on"))
    region = _RegionField(label=gettext_lazy("For region"), queryset=Region.objects.none())

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = outreach.edit_regions(user=user)  # type: ignore[attr-defined]


class DistributionForm(forms.Form):
    copies = forms.IntegerField(label=gettext_lazy("Copies handed out"), min_value=1, max_value=outreach.MAX_COPIES)
    place = forms.ChoiceField(label=gettext_lazy("Place"), choices=DistributionPlace.choices)
    place_detail = forms.CharField(label=gettext_lazy("Place details"), max_length=200, required=False)
    event = forms.ModelChoiceField(
        label=gettext_lazy("Event"),
        queryset=Event.objects.none(),
        required=False,
        help_text=gettext_lazy("Only when the copies were handed out at an on-site event."),
    )
    region = _RegionField(label=gettext_lazy("Region"), queryset=Region.objects.none())
    distributed_on = _date(gettext_lazy("Date"))
    staff = forms.CharField(
        label=gettext_lazy("Staff"), max_length=200, help_text=gettext_lazy("Who handed them out.")
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = outreach.edit_regions(user=user)  # type: ignore[attr-defined]
        self.fields["event"].queryset = outreach.events_for_distribution(user=user)  # type: ignore[attr-defined]


class EventForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Type"), choices=EventKind.choices)
    title = forms.CharField(label=gettext_lazy("Title"), max_length=120)
    region = _RegionField(label=gettext_lazy("Region"), queryset=Region.objects.none())
    place = forms.CharField(label=gettext_lazy("Place"), max_length=200)
    starts_at = _moment(gettext_lazy("Starts at"))
    ends_at = _moment(gettext_lazy("Ends at"))
    description = forms.CharField(
        label=gettext_lazy("Description"),
        max_length=outreach.MAX_DESCRIPTION,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    documents = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Policy documents presented"),
        queryset=PolicyDocument.objects.order_by("-issued_on", "-id"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = outreach.edit_regions(user=user)  # type: ignore[attr-defined]


class AttendanceForm(forms.Form):
    def __init__(self, *args: Any, event: Event, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for audience, label, count in outreach.event_attendance(event=event):
            self.fields[audience] = forms.IntegerField(
                label=label, min_value=0, max_value=outreach.MAX_PEOPLE, required=False, initial=count
            )


class EventFilterForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=2000, max_value=2100, required=False)
    status = forms.ChoiceField(
        label=gettext_lazy("Status"), choices=[("", gettext_lazy("All")), *EventStatus.choices], required=False
    )
    region = _RegionField(
        label=gettext_lazy("Region"), queryset=Region.objects.none(), required=False, empty_label=gettext_lazy("All")
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions_in_scope(outreach.view_scope(user=user))  # type: ignore[attr-defined]


class DashboardFilterForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=2000, max_value=2100, required=False)
    region = _RegionField(
        label=gettext_lazy("Region"),
        queryset=Region.objects.none(),
        required=False,
        empty_label=gettext_lazy("All regions in scope"),
    )
    channel = forms.ChoiceField(
        label=gettext_lazy("Channel"),
        required=False,
        help_text=gettext_lazy("Narrows posts, reads, shares, likes and clicks."),
    )
    letter = forms.ModelChoiceField(
        label=gettext_lazy("Open letter"),
        queryset=Content.objects.none(),
        required=False,
        empty_label=gettext_lazy("The latest"),
        help_text=gettext_lazy("Whose acknowledgement rates are shown."),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions_in_scope(outreach.view_scope(user=user))  # type: ignore[attr-defined]
        self.fields["channel"].choices = [("", gettext_lazy("All channels")), *dashboard.channel_choices()]  # type: ignore[attr-defined]
        self.fields["letter"].queryset = dashboard.open_letters()  # type: ignore[attr-defined]


def _can_edit(request: HttpRequest) -> bool:
    return user_has_perm(request.user, P.PUBLICITY_EDIT)


def _get_or_404(getter: Any, **kwargs: Any) -> Any:
    try:
        return getter(**kwargs)
    except (Content.DoesNotExist, Leaflet.DoesNotExist, PrintRun.DoesNotExist, Event.DoesNotExist) as exc:
        raise Http404 from exc


# --- leaflets ---------------------------------------------------------------------------------------------


@permission(P.PUBLICITY_VIEW)
@require_GET
def leaflet_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(outreach.leaflet_list(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(leaflet, *outreach.run_totals(leaflet)) for leaflet in page.object_list]
    return render(request, "publicity/outreach_leaflets.html", {"page": page, "rows": rows})


@permission(P.PUBLICITY_VIEW)
@require_GET
def item_leaflets(request: HttpRequest, pk: int) -> HttpResponse:
    item = _get_or_404(outreach.leaflet_item_get, user=request.user, pk=pk)
    context = {
        "item": item,
        "leaflets": outreach.leaflets_of(user=request.user, content=item),
        "problem": outreach.leaflet_source_problem(item),
        "form": LeafletGenerateForm(),
        "can_edit": _can_edit(request),
    }
    return render(request, "publicity/outreach_item_leaflets.html", context)


@permission(P.PUBLICITY_EDIT)
@require_POST
def leaflet_generate(request: HttpRequest, pk: int) -> HttpResponse:
    item = _get_or_404(outreach.leaflet_item_get, user=request.user, pk=pk)
    form = LeafletGenerateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a leaflet format."))
        return redirect("publicity:item_leaflets", pk=item.pk)
    try:
        leaflet = outreach.leaflet_generate(
            content=item, format=form.cleaned_data["format"], actor=request.user, at=clock.now()
        )
    except ServiceError as exc:
        messages.error(request, bilingual(exc))
        return redirect("publicity:item_leaflets", pk=item.pk)
    messages.success(request, _("Leaflet ready to print."))
    return redirect("publicity:leaflet", pk=leaflet.pk)


@permission(P.PUBLICITY_VIEW)
@require_GET
def leaflet_detail(request: HttpRequest, pk: int) -> HttpResponse:
    leaflet = _get_or_404(outreach.leaflet_get, user=request.user, pk=pk)
    runs = outreach.print_runs_of(user=request.user, leaflet=leaflet)
    context = {"leaflet": leaflet, "runs": runs, "can_edit": _can_edit(request)}
    return render(request, "publicity/outreach_leaflet.html", context)


@permission(P.PUBLICITY_VIEW)
@require_GET
def leaflet_pdf(request: HttpRequest, pk: int) -> FileResponse:
    leaflet = _get_or_404(outreach.leaflet_get, user=request.user, pk=pk)
    label = "三折页" if leaflet.format == LeafletFormat.TRIFOLD else "A4"
    filename = f"{leaflet.revision.title}-{label}-第{leaflet.revision.number}版.pdf"
    response = FileResponse(leaflet.pdf.open("rb"), as_attachment=True, filename=filename)
    response["Content-Type"] = "application/pdf"
    response["X-Checksum-SHA256"] = leaflet.sha256
    return response


@permission(P.PUBLICITY_EDIT)
@require_http_methods(["GET", "POST"])
def print_run_new(request: HttpRequest, pk: int) -> HttpResponse:
    leaflet = _get_or_404(outreach.leaflet_get, user=request.user, pk=pk)
    form = PrintRunForm(request.POST or None, user=request.user, initial={"printed_on": clock.today()})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            run = outreach.print_run_record(
                leaflet=leaflet,
                copies=d["copies"],
                printer=d["printer"],
                printed_on=d["printed_on"],
                region=d["region"],
                actor=request.user,
                at=clock.now(),
            )
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("Print run recorded."))
            return redirect("publicity:print_run", pk=run.pk)
    context = {
        "form": form,
        "title": _("Record a print run"),
        "lead": leaflet.revision.title,
        "back": ("publicity:leaflet", leaflet.pk),
        "submit": _("Record"),
    }
    return render(request, "publicity/outreach_form.html", context, status=400 if form.errors else 200)


@permission(P.PUBLICITY_VIEW)
@require_GET
def print_run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = _get_or_404(outreach.print_run_get, user=request.user, pk=pk)
    context = {
        "run": run,
        "distributions": outreach.distributions_of(run=run),
        "can_edit": _can_edit(request),
    }
    return render(request, "publicity/outreach_run.html", context)


@permission(P.PUBLICITY_EDIT)
@require_http_methods(["GET", "POST"])
def distribution_new(request: HttpRequest, pk: int) -> HttpResponse:
    run = _get_or_404(outreach.print_run_get, user=request.user, pk=pk)
    initial = {"distributed_on": clock.today(), "region": run.region_id, "place": DistributionPlace.TRADING_HALL}
    form = DistributionForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            outreach.distribution_record(
                run=run,
                copies=d["copies"],
                place=d["place"],
                place_detail=d["place_detail"],
                region=d["region"],
                event=d["event"],
                distributed_on=d["distributed_on"],
                staff=d["staff"],
                actor=request.user,
                at=clock.now(),
            )
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("Distribution recorded."))
            return redirect("publicity:print_run", pk=run.pk)
    context = {
        "form": form,
        "title": _("Record a distribution"),
        "lead": _("{title}: {remaining} of {copies} copies left to hand out.").format(
            title=run.leaflet.revision.title, remaining=run.remaining, copies=run.copies
        ),
        "back": ("publicity:print_run", run.pk),
        "submit": _("Record"),
    }
    return render(request, "publicity/outreach_form.html", context, status=400 if form.errors else 200)


# --- events -----------------------------------------------------------------------------------------------


@permission(P.PUBLICITY_VIEW)
@require_GET
def event_list(request: HttpRequest) -> HttpResponse:
    form = EventFilterForm(request.GET or None, user=request.user)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    events = outreach.event_list(
        user=request.user,
        year=filters.get("year"),
        status=filters.get("status", ""),
        region=filters.get("region"),
    )
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "can_edit": _can_edit(request)}
    return render(request, "publicity/outreach_events.html", context)


@permission(P.PUBLICITY_EDIT)
@require_http_methods(["GET", "POST"])
def event_new(request: HttpRequest) -> HttpResponse:
    form = EventForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            event = outreach.event_create(
                kind=d["kind"],
                title=d["title"],
                region=d["region"],
                place=d["place"],
                starts_at=d["starts_at"],
                ends_at=d["ends_at"],
                description=d["description"],
                documents=d["documents"],
                actor=request.user,
                at=clock.now(),
            )
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("Event created."))
            return redirect("publicity:event", pk=event.pk)
    context = {
        "form": form,
        "title": _("New on-site event"),
        "back": ("publicity:events", None),
        "submit": _("Create"),
    }
    return render(request, "publicity/outreach_form.html", context, status=400 if form.errors else 200)


@permission(P.PUBLICITY_VIEW)
@require_GET
def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    event = _get_or_404(outreach.event_get, user=request.user, pk=pk)
    attendance = outreach.event_attendance(event=event)
    context = {
        "event": event,
        "attendance": attendance,
        "people": sum(count or 0 for _a, _l, count in attendance),
        "distributions": outreach.event_distributions(event=event),
        "can_edit": _can_edit(request),
        "started": clock.now() >= event.starts_at,
    }
    return render(request, "publicity/outreach_event.html", context)


@permission(P.PUBLICITY_EDIT)
@require_POST
def event_status(request: HttpRequest, pk: int) -> HttpResponse:
    event = _get_or_404(outreach.event_get, user=request.user, pk=pk)
    try:
        outreach.event_status_set(
            event=event, status=request.POST.get("status", ""), actor=request.user, at=clock.now()
        )
    except ServiceError as exc:
        messages.error(request, bilingual(exc))
    else:
        messages.success(request, _("Event status changed."))
    return redirect("publicity:event", pk=event.pk)


@permission(P.PUBLICITY_EDIT)
@require_http_methods(["GET", "POST"])
def event_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    event = _get_or_404(outreach.event_get, user=request.user, pk=pk)
    form = AttendanceForm(request.POST or None, event=event)
    if request.method == "POST" and form.is_valid():
        counts = {a: form.cleaned_data.get(a) or 0 for a in Audience.values}
        try:
            outreach.event_attendance_record(event=event, counts=counts, actor=request.user, at=clock.now())
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("Attendance recorded."))
            return redirect("publicity:event", pk=event.pk)
    context = {
        "form": form,
        "title": _("Attendance from the sign-in sheet"),
        "lead": event.title,
        "back": ("publicity:event", event.pk),
        "submit": _("Record"),
    }
    if event.status != EventStatus.HELD and not form.errors:
        context["notice"] = _("Attendance is recorded only for events that were held; mark the event held first.")
    return render(request, "publicity/outreach_form.html", context, status=400 if form.errors else 200)


# --- reach dashboard --------------------------------------------------------------------------------------


def _board(request: HttpRequest) -> tuple[DashboardFilterForm, dashboard.Dashboard]:
    form = DashboardFilterForm(request.GET or None, user=request.user)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    board = dashboard.reach_dashboard(
        user=request.user,
        year=filters.get("year") or clock.today().year,
        region=filters.get("region"),
        channel=filters.get("channel") or "",
        letter=filters.get("letter"),
    )
    return form, board


@permission(P.PUBLICITY_VIEW)
@require_GET
def dashboard_view(request: HttpRequest) -> HttpResponse:
    form, board = _board(request)
    figures, channel_figures = dashboard.FIGURES, dashboard.CHANNEL_FIGURES
    audiences = Audience.values

    def table(rows: list[dashboard.Row], names: tuple[str, ...] | list[str]) -> list[tuple[dashboard.Row, list[int]]]:
        return [(row, [row.get(name) for name in names]) for row in rows]

    context = {
        "form": form,
        "board": board,
        "charts": dashboard.charts(board),
        "figures": [(name, dashboard.FIGURE_LABELS[name]) for name in figures],
        "channel_figures": [(name, dashboard.FIGURE_LABELS[name]) for name in channel_figures],
        "totals": [(name, dashboard.FIGURE_LABELS[name], board.totals[name]) for name in figures],
        "month_rows": table(board.by_month, figures),
        "region_rows": table(board.by_region, figures),
        "channel_rows": table(board.by_channel, channel_figures),
        "detail_rows": table(board.detail, channel_figures),
        "event_rows": table(board.events_by_kind, ["events", *audiences]),
        "audiences": Audience.choices,
        "query": request.GET.urlencode(),
    }
    return render(request, "publicity/dashboard.html", context, status=400 if form.errors else 200)


@permission(P.PUBLICITY_VIEW)
@require_GET
def dashboard_xlsx(request: HttpRequest) -> HttpResponse:
    form, board = _board(request)
    if form.errors:
        return HttpResponseBadRequest(_("Check the filters."))
    response = HttpResponse(
        dashboard.workbook(board, at=clock.now()),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="publicity-reach-{board.year}.xlsx"'
    return response
