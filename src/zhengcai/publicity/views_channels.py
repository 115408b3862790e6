"""Channel pages: the outbox (posts per channel and state), a post's package and actions, reach figures and
their CSV import (back office, P.PUBLICITY_EDIT, the editor's region; the city's publicity team sees every
region); the public short-link redirect.

Thin: parse, call one service or selector, render. Action URLs take POST; a GET on them goes back to the
post page.
"""

from __future__ import annotations

import base64
from typing import Any

import segno
from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from zhengcai.accounts.selectors import user_scope
from zhengcai.core import clock
from zhengcai.core.errors import ServiceError, ServiceErrorGroup, bilingual
from zhengcai.core.forms import DateInput, apply_service_error
from zhengcai.core.permissions import P, permission

from . import outbox
from .channels import ADAPTERS
from .drivers import package_zip
from .models import Channel, ChannelPost, MetricImport, PostState, ShortLink

PAGE_SIZE = 25


class PostFilterForm(forms.Form):
    channel = forms.ChoiceField(
        label=gettext_lazy("Channel"), required=False, choices=[("", gettext_lazy("All")), *Channel.choices]
    )
    state = forms.ChoiceField(
        label=gettext_lazy("State"), required=False, choices=[("", gettext_lazy("All")), *PostState.choices]
    )
    item = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)  # one item's posts


class RecordUrlForm(forms.Form):
    url = forms.CharField(
        label=gettext_lazy("URL of the post"),
        max_length=500,
        help_text=gettext_lazy("Open the post on the platform and copy its address."),
    )


class MetricForm(forms.Form):
    day = forms.DateField(label=gettext_lazy("Day"), widget=DateInput())
    reads = forms.IntegerField(label=gettext_lazy("Reads"), min_value=0, max_value=2_000_000_000)
    shares = forms.IntegerField(label=gettext_lazy("Shares"), min_value=0, max_value=2_000_000_000)
    likes = forms.IntegerField(label=gettext_lazy("Likes"), min_value=0, max_value=2_000_000_000)
    comments = forms.IntegerField(label=gettext_lazy("Comments"), min_value=0, max_value=2_000_000_000, initial=0)
    replace = forms.BooleanField(
        label=gettext_lazy("Replace the figures already recorded for this day"), required=False
    )


class ImportForm(forms.Form):
    channel = forms.ChoiceField(
        label=gettext_lazy("Channel"), choices=[(c, Channel(c).label) for c in outbox.CSV_COLUMNS]
    )
    file = forms.FileField(
        label=gettext_lazy("CSV export"),
        help_text=gettext_lazy(
            "The platform's export as CSV, UTF-8 or GB18030; the accepted columns are listed below."
        ),
    )
    replace = forms.BooleanField(
        label=gettext_lazy("Replace figures already recorded for the same post and day"), required=False
    )


def _errors(error: ServiceError) -> list[str]:
    errors = error.errors if isinstance(error, ServiceErrorGroup) else [error]
    return [bilingual(e) for e in errors]


def _post(request: HttpRequest, pk: int) -> ChannelPost:
    post = outbox.posts_in_scope(user=request.user).filter(pk=pk).first()
    if post is None:
        raise Http404
    return post


# --- the outbox -------------------------------------------------------------------------------------


@permission(P.PUBLICITY_EDIT)
@require_GET
def post_list(request: HttpRequest) -> HttpResponse:
    form = PostFilterForm(request.GET or None)
    posts = outbox.posts_in_scope(user=request.user).order_by("-created_at", "-pk")
    if form.is_valid():
        if form.cleaned_data["channel"]:
            posts = posts.filter(channel=form.cleaned_data["channel"])
        if form.cleaned_data["state"]:
            posts = posts.filter(state=form.cleaned_data["state"])
        if form.cleaned_data["item"]:
            posts = posts.filter(content_id=form.cleaned_data["item"])
    page = Paginator(posts, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    counts = dict(
        outbox.posts_in_scope(user=request.user).values_list("state").annotate(n=Count("pk")).values_list("state", "n")
    )
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "counts": [(value, label, counts.get(value, 0)) for value, label in PostState.choices],
    }
    return render(request, "publicity/channel_post_list.html", context)


def _data_uri(data: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


def _post_context(request: HttpRequest, post: ChannelPost, **extra: Any) -> dict[str, Any]:
    adapter = ADAPTERS[post.channel]
    item = outbox.revision_item(post.content, post.revision)
    short = post.package.get("short_url", "")
    cover = adapter.cover_image(item) if post.package.get("has_cover") else None
    link = ShortLink.objects.filter(content=post.content, channel=post.channel).first()
    metrics = list(post.metrics.order_by("-day"))
    totals = post.metrics.aggregate(reads=Sum("reads"), shares=Sum("shares"), likes=Sum("likes"))
    context = {
        "post": post,
        "package": post.package,
        "post_text": adapter.post_text(post.package) if "text" in post.package or "title" in post.package else "",
        "cover_uri": _data_uri(cover, "image/jpeg") if cover else "",
        "qr_uri": segno.make(short, error="m", micro=False).svg_data_uri(scale=4, border=2) if short else "",
        "clicks": link.clicks.count() if link else 0,
        "metrics": metrics,
        "totals": totals,
        "can_record": post.channel in outbox.POST_DOMAINS
        and post.state in {PostState.PACKAGE_READY, PostState.FAILED},
        "can_retry": post.state in {PostState.FAILED, PostState.CANCELLED},
        "can_cancel": post.state in {PostState.QUEUED, PostState.RETRYING, PostState.PACKAGE_READY, PostState.FAILED},
        "can_download": post.driver in {"manual", "api"} and bool(post.package.get("short_url")),
        "domains": ", ".join(outbox.POST_DOMAINS.get(post.channel, ())),
        "record_form": RecordUrlForm(),
        "metric_form": MetricForm(initial={"day": clock.today(), "comments": 0}),
        "errors": [],
    }
    context.update(extra)
    return context


@permission(P.PUBLICITY_EDIT)
@require_GET
def post_detail(request: HttpRequest, pk: int) -> HttpResponse:
    post = _post(request, pk)
    return render(request, "publicity/channel_post.html", _post_context(request, post))


@permission(P.PUBLICITY_EDIT)
@require_GET
def post_package(request: HttpRequest, pk: int) -> HttpResponse:
    post = _post(request, pk)
    if not post.package.get("short_url") or post.channel not in outbox.POST_DOMAINS:
        raise Http404
    data = package_zip(
        adapter=ADAPTERS[post.channel],
        item=outbox.revision_item(post.content, post.revision),
        package=post.package,
        meta={"post": post.pk, "item": post.content_id, "revision": post.revision.number},
        created_at=post.created_at,
    )
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="post-{post.pk}-{post.channel}.zip"'
    return response


def _back(pk: int) -> HttpResponse:
    return redirect("publicity:post", pk=pk)


@permission(P.PUBLICITY_EDIT)
@require_http_methods(["GET", "POST"])
def post_record(request: HttpRequest, pk: int) -> HttpResponse:
    post = _post(request, pk)
    if request.method != "POST":
        return _back(pk)
    form = RecordUrlForm(request.POST)
    if form.is_valid():
        try:
            outbox.post_record_manual(post=post, url=form.cleaned_data["url"], actor=request.user, at=clock.now())
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("The post is recorded as posted."))
            return _back(pk)
    return render(request, "publicity/channel_post.html", _post_context(request, post, record_form=form))


@permission(P.PUBLICITY_EDIT)
@require_http_methods(["GET", "POST"])
def post_retry(request: HttpRequest, pk: int) -> HttpResponse:
    post = _post(request, pk)
    if request.method != "POST":
        return _back(pk)
    try:
        outbox.post_retry(post=post, actor=request.user, at=clock.now())
    except ServiceError as exc:
        return render(request, "publicity/channel_post.html", _post_context(request, post, errors=_errors(exc)))
    messages.success(request, _("The post is queued again."))
    return _back(pk)


@permission(P.PUBLICITY_EDIT)
@require_http_methods(["GET", "POST"])
def post_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    post = _post(request, pk)
    if request.method != "POST":
        return _back(pk)
    try:
        outbox.post_cancel(post=post, actor=request.user, at=clock.now())
    except ServiceError as exc:
        return render(request, "publicity/channel_post.html", _post_context(request, post, errors=_errors(exc)))
    messages.success(request, _("The post is cancelled."))
    return _back(pk)


@permission(P.PUBLICITY_EDIT)
@require_http_methods(["GET", "POST"])
def post_metric(request: HttpRequest, pk: int) -> HttpResponse:
    post = _post(request, pk)
    if request.method != "POST":
        return _back(pk)
    form = MetricForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            outbox.metric_record(
                post=post,
                day=data["day"],
                reads=data["reads"],
                shares=data["shares"],
                likes=data["likes"],
                comments=data["comments"],
                replace=data["replace"],
                actor=request.user,
                at=clock.now(),
            )
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("The figures are recorded."))
            return _back(pk)
    return render(request, "publicity/channel_post.html", _post_context(request, post, metric_form=form))


# --- reach figures: CSV import ----------------------------------------------------------------------


@permission(P.PUBLICITY_EDIT)
@require_http_methods(["GET", "POST"])
def metrics_import(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > outbox.CSV_MAX_BYTES:
            errors = [_("The file is larger than 5 MB: split it.")]
        else:
            try:
                result = outbox.metrics_import_csv(
                    channel=form.cleaned_data["channel"],
                    file_name=upload.name,
                    content=upload.read(),
                    replace=form.cleaned_data["replace"],
                    actor=request.user,
                    at=clock.now(),
                )
            except ServiceError as exc:
                errors = _errors(exc)
            else:
                messages.success(
                    request,
                    _("Imported {rows} rows ({replaced} replaced earlier figures).").format(
                        rows=result.rows, replaced=result.replaced
                    ),
                )
                return redirect("publicity:metrics_import")
    columns = [
        (Channel(channel).label, [(field, names) for field, names in spec.items()])
        for channel, spec in outbox.CSV_COLUMNS.items()
    ]
    context = {
        "form": form,
        "errors": errors,
        "columns": columns,
        "imports": _recent_imports(request.user),
    }
    return render(request, "publicity/channel_metrics_import.html", context)


def _recent_imports(user: Any) -> list[MetricImport]:
    """The city's publicity team sees every import; a county editor their own."""
    imports = MetricImport.objects.select_related("imported_by").order_by("-imported_at")
    if not user_scope(user=user, perm=P.PUBLICITY_EDIT).everything:
        imports = imports.filter(imported_by=user)
    return list(imports[:20])


# --- public short links -----------------------------------------------------------------------------


@permission(P.PUBLIC)
@require_GET
def short_link(request: HttpRequest, code: str) -> HttpResponse:
    """/s/<code>: count the click and go to the item's public page (302, so every click reaches us)."""
    link = outbox.short_link_click(code=code, at=clock.now())
    if link is None:
        raise Http404
    return redirect(reverse("publicity:item", args=[link.content_id]))
