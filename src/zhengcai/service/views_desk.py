"""The bureau's service desk (SERVICE_HANDLE): the queue, one request with its full timeline (internal notes
and events included), reply or note, reassignment, resolution, and FAQ proposals.

Thin: parse, call one service or selector, render. Action URLs take POST; a GET goes back to the request.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from zhengcai.accounts.selectors import user_scope
from zhengcai.core import clock
from zhengcai.core.errors import ServiceError
from zhengcai.core.forms import apply_service_error
from zhengcai.core.permissions import P, permission

from . import faq as faq_services
from . import rules, selectors, services
from .forms import DeskFilterForm, FaqForm, ReassignForm, ReplyForm, ResolveForm, uploads
from .models import DONE_STATUSES, FaqEntry, FaqStatus, Level, ServiceRequest
from .views import file_response

PAGE_SIZE = 30


def _item(request: HttpRequest, pk: int) -> ServiceRequest:
    try:
        return selectors.request_for_handler(user=request.user, pk=pk)
    except ServiceRequest.DoesNotExist as exc:
        raise Http404 from exc


@permission(P.SERVICE_HANDLE)
@require_GET
def desk(request: HttpRequest) -> HttpResponse:
    now = clock.now()
    user = request.user
    tab = request.GET.get("tab") or "mine"
    if tab not in selectors.DESK_TABS:
        tab = "open"
    form = DeskFilterForm(request.GET or None, regions=selectors.handler_regions(user=user))
    filters: dict[str, Any] = {}
    if form.is_valid():
        filters = {k: v for k, v in form.cleaned_data.items() if v}
    qs = selectors.requests_for_handler(user=user, tab=tab, at=now, **filters)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    tabs = [
        ("mine", _("Mine")),
        ("escalated", _("Escalated to me")),
        ("overdue", _("Overdue")),
        ("unassigned", _("To assign")),
        ("open", _("All open")),
        ("all", _("All requests")),
    ]
    context = {
        "tab": tab,
        "tabs": tabs,
        "counts": selectors.desk_counts(user=user, at=now),
        "form": form,
        "page": page,
        "rows": [(r, rules.overdue(r, now)) for r in page.object_list],
        "query": query.urlencode(),
        "now": now,
        "can_manage": not user_scope(user=user, perm=P.SERVICE_MANAGE).empty,
        "can_view": not user_scope(user=user, perm=P.SERVICE_VIEW).empty,
    }
    return render(request, "service/desk.html", context)


def _page(request: HttpRequest, item: ServiceRequest, *, status: int = 200, **forms: Any) -> HttpResponse:
    now = clock.now()
    is_open = item.is_open
    done = item.status in DONE_STATUSES
    faq_entry = FaqEntry.objects.filter(source=item).first()
    faq_initial = {"question": item.subject, "answer": item.resolution}
    context = {
        "item": item,
        "timeline": selectors.timeline(request=item, internal=True),
        "files": selectors.request_files(request=item, internal=True).filter(message__isnull=True),
        "now": now,
        "overdue": rules.overdue(item, now),
        "levels": Level,
        "is_open": is_open,
        "reply_form": forms.get("reply_form") or ReplyForm(prefix="reply"),
        "reassign_form": forms.get("reassign_form")
        or ReassignForm(prefix="reassign", people=services.handler_candidates(region_id=item.region_id)),
        "resolve_form": forms.get("resolve_form") or ResolveForm(prefix="resolve"),
        "faq_form": forms.get("faq_form") or FaqForm(prefix="faq", initial=faq_initial),
        "can_propose_faq": done and faq_entry is None,
        "faq_entry": faq_entry,
        "reopen_until": rules.reopen_until(item),
    }
    return render(request, "service/desk_request.html", context, status=status)


@permission(P.SERVICE_HANDLE)
@require_GET
def desk_request(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, _item(request, pk))


def _act(request: HttpRequest, pk: int, *, form: Any, prefix: str, run: Any, done: str) -> HttpResponse:
    item = _item(request, pk)
    if request.method != "POST":
        return redirect("service:desk_request", pk=item.pk)
    if form.is_valid():
        try:
            run(item, form.cleaned_data)
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, done)
            return redirect("service:desk_request", pk=item.pk)
    return _page(request, _item(request, pk), status=400, **{f"{prefix}_form": form})


@permission(P.SERVICE_HANDLE)
@require_http_methods(["GET", "POST"])
def desk_reply(request: HttpRequest, pk: int) -> HttpResponse:
    internal = request.POST.get("internal") == "1"
    return _act(
        request,
        pk,
        form=ReplyForm(request.POST or None, request.FILES or None, prefix="reply"),
        prefix="reply",
        run=lambda item, d: services.request_reply(
            request=item,
            body=d["body"],
            internal=internal,
            actor=request.user,
            at=clock.now(),
            files=uploads(d["attachments"]),
        ),
        done=_("Internal note saved.") if internal else _("Reply sent; the requester is told."),
    )


@permission(P.SERVICE_HANDLE)
@require_http_methods(["GET", "POST"])
def desk_reassign(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item(request, pk)
    people = services.handler_candidates(region_id=item.region_id)
    return _act(
        request,
        pk,
        form=ReassignForm(request.POST or None, prefix="reassign", people=people),
        prefix="reassign",
        run=lambda item, d: services.request_reassign(
            request=item, handler=d["handler"], reason=d["reason"], actor=request.user, at=clock.now()
        ),
        done=_("Reassigned; both handlers are told."),
    )


@permission(P.SERVICE_HANDLE)
@require_http_methods(["GET", "POST"])
def desk_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        form=ResolveForm(request.POST or None, prefix="resolve"),
        prefix="resolve",
        run=lambda item, d: services.request_resolve(
            request=item, resolution=d["resolution"], actor=request.user, at=clock.now()
        ),
        done=_("Resolved; the requester is asked to rate the service."),
    )


@permission(P.SERVICE_HANDLE)
@require_http_methods(["GET", "POST"])
def desk_faq(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        form=FaqForm(request.POST or None, prefix="faq"),
        prefix="faq",
        run=lambda item, d: faq_services.faq_propose(
            request=item, question=d["question"], answer=d["answer"], actor=request.user, at=clock.now()
        ),
        done=_("FAQ entry proposed; an administrator reviews it before it is published."),
    )


@permission(P.SERVICE_HANDLE)
@require_GET
def desk_file(request: HttpRequest, pk: int, file_id: int) -> FileResponse:
    item = _item(request, pk)
    attachment = selectors.request_files(request=item, internal=True).filter(pk=file_id).first()
    if attachment is None:
        raise Http404
    return file_response(attachment)


@permission(P.SERVICE_HANDLE)
@require_http_methods(["GET", "POST"])
def faq_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """A returned FAQ entry, corrected and proposed again."""
    try:
        entry = selectors.faq_for_handler(user=request.user, pk=pk)
    except FaqEntry.DoesNotExist as exc:
        raise Http404 from exc
    form = FaqForm(request.POST or None, initial={"question": entry.question, "answer": entry.answer})
    if request.method == "POST" and form.is_valid():
        try:
            faq_services.faq_revise(
                entry=entry,
                question=form.cleaned_data["question"],
                answer=form.cleaned_data["answer"],
                actor=request.user,
                at=clock.now(),
            )
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("Proposed again for review."))
            return redirect("service:desk_request", pk=entry.source_id)
    editable = entry.status == FaqStatus.RETURNED
    context = {"entry": entry, "form": form, "editable": editable}
    return render(request, "service/faq_edit.html", context, status=400 if form.is_bound else 200)
