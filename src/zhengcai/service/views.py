"""Pages of the requesting organizations (SERVICE_REQUEST) and the public pages (FAQ, problems solved).

Thin: parse, call one service or selector, render. Action URLs take POST; a GET on them goes back to the
request's page. Out-of-scope requests answer 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from zhengcai.accounts.selectors import current_membership
from zhengcai.core import clock
from zhengcai.core.errors import ServiceError
from zhengcai.core.forms import apply_service_error
from zhengcai.core.permissions import P, permission
from zhengcai.procurement import selectors as procurement_selectors

from . import rules, selectors, services
from .forms import (
    CommentForm,
    FaqFilterForm,
    RateForm,
    ReopenForm,
    RequestForm,
    SolvedFilterForm,
    WithdrawForm,
    uploads,
)
from .models import Category, RequestAttachment, RequestStatus, ServiceRequest

PAGE_SIZE = 25


def _mine(request: HttpRequest, pk: int) -> ServiceRequest:
    try:
        return selectors.request_for_requester(user=request.user, pk=pk)
    except ServiceRequest.DoesNotExist as exc:
        raise Http404 from exc


def _organization(request: HttpRequest) -> Any:
    """The organization the person files for: the one they act in (header), else their first."""
    organizations = services.requester_organizations(user=request.user)
    if not organizations:
        raise PermissionDenied
    membership = current_membership(request=request)
    for org in organizations:
        if membership is not None and org.pk == membership.organization_id:
            return org
    return organizations[0]


# --- the requester's list and new request -----------------------------------------------------------------


@permission(P.SERVICE_REQUEST)
@require_GET
def my_requests(request: HttpRequest) -> HttpResponse:
    tab = request.GET.get("tab") or "open"
    if tab not in selectors.REQUESTER_TABS:
        tab = "all"
    qs = selectors.requests_for_requester(user=request.user, tab=tab)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    counts = {t: selectors.requests_for_requester(user=request.user, tab=t).count() for t in selectors.REQUESTER_TABS}
    context = {
        "tab": tab,
        "tabs": [("open", _("Still open")), ("resolved", _("Resolved")), ("all", _("All requests"))],
        "counts": counts,
        "page": page,
        "query": f"tab={tab}",
        "now": clock.now(),
        "organization": _organization(request),
    }
    return render(request, "service/my_requests.html", context)


def _own_links(organization: Any) -> dict[str, Any]:
    """Suggestions for the link fields (the service checks whatever is typed)."""
    tenders = procurement_selectors.tenders_of(organization=organization).order_by("-published_at")[:50]
    contracts = procurement_selectors.contracts_of(organization=organization).order_by("-signed_on")[:50]
    payments = procurement_selectors.payments_of(organization=organization).order_by("-paid_on")[:50]
    return {
        "tenders": [(t.project.number, t.project.title) for t in tenders],
        "contracts": [(c.project.number, c.project.title) for c in contracts],
        "payments": [
            (p.pk, f"{p.contract.project.number} · {p.paid_on} · ¥{p.amount_fen / 100:,.2f}") for p in payments
        ],
    }


@permission(P.SERVICE_REQUEST)
@require_http_methods(["GET", "POST"])
def request_new(request: HttpRequest) -> HttpResponse:
    organization = _organization(request)
    links = _own_links(organization)
    initial = {k: request.GET.get(k, "") for k in ("category", "tender", "contract")}
    form = RequestForm(request.POST or None, request.FILES or None, initial=initial, payments=links["payments"])
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            created = services.request_submit(
                organization=organization,
                data=services.RequestInput(
                    category=d["category"],
                    subject=d["subject"],
                    description=d["description"],
                    tender=d["tender"],
                    contract=d["contract"],
                    payment_id=d["payment_id"],
                ),
                actor=request.user,
                at=clock.now(),
                files=uploads(d["attachments"]),
            )
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(
                request,
                _("Request {number} filed; it is with {department}.").format(
                    number=created.number, department=created.department.name
                ),
            )
            return redirect("service:my_request", pk=created.pk)
    terms = [(label, selectors.service_terms(category=value, on=clock.today())) for value, label in Category.choices]
    context = {"form": form, "organization": organization, "links": links, "terms": terms}
    return render(request, "service/request_new.html", context, status=400 if form.is_bound else 200)


# --- one request ------------------------------------------------------------------------------------------


def _page(request: HttpRequest, item: ServiceRequest, *, status: int = 200, **forms: Any) -> HttpResponse:
    now = clock.now()
    until = rules.reopen_until(item)
    can_reopen = item.status == RequestStatus.RESOLVED and until is not None and now <= until
    context = {
        "item": item,
        "timeline": selectors.timeline(request=item, internal=False),
        "files": selectors.request_files(request=item, internal=False).filter(message__isnull=True),
        "now": now,
        "overdue": rules.overdue(item, now),
        "reopen_until": until,
        "can_comment": item.is_open,
        "can_withdraw": item.is_open,
        "can_reopen": can_reopen,
        "can_rate": item.rating is None and item.status in (RequestStatus.RESOLVED, RequestStatus.CLOSED),
        "comment_form": forms.get("comment_form") or CommentForm(prefix="comment"),
        "reopen_form": forms.get("reopen_form") or ReopenForm(prefix="reopen"),
        "rate_form": forms.get("rate_form") or RateForm(prefix="rate"),
        "withdraw_form": forms.get("withdraw_form") or WithdrawForm(prefix="withdraw"),
    }
    return render(request, "service/my_request.html", context, status=status)


@permission(P.SERVICE_REQUEST)
@require_GET
def my_request(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, _mine(request, pk))


def _act(
    request: HttpRequest,
    pk: int,
    *,
    form_class: Any,
    prefix: str,
    run: Any,
    done: str,
) -> HttpResponse:
    item = _mine(request, pk)
    if request.method != "POST":
        return redirect("service:my_request", pk=item.pk)
    form = form_class(request.POST, request.FILES or None, prefix=prefix)
    if form.is_valid():
        try:
            run(item, form.cleaned_data)
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, done)
            return redirect("service:my_request", pk=item.pk)
    return _page(request, _mine(request, pk), status=400, **{f"{prefix}_form": form})


@permission(P.SERVICE_REQUEST)
@require_http_methods(["GET", "POST"])
def request_comment(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        form_class=CommentForm,
        prefix="comment",
        run=lambda item, d: services.request_comment(
            request=item, body=d["body"], actor=request.user, at=clock.now(), files=uploads(d["attachments"])
        ),
        done=_("Added to the request; the handler is told."),
    )


@permission(P.SERVICE_REQUEST)
@require_http_methods(["GET", "POST"])
def request_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        form_class=ReopenForm,
        prefix="reopen",
        run=lambda item, d: services.request_reopen(
            request=item, reason=d["reason"], actor=request.user, at=clock.now()
        ),
        done=_("Reopened; the handler is told."),
    )


@permission(P.SERVICE_REQUEST)
@require_http_methods(["GET", "POST"])
def request_rate(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        form_class=RateForm,
        prefix="rate",
        run=lambda item, d: services.request_rate(
            request=item, rating=d["rating"], comment=d["comment"], actor=request.user, at=clock.now()
        ),
        done=_("Thank you for rating the service."),
    )


@permission(P.SERVICE_REQUEST)
@require_http_methods(["GET", "POST"])
def request_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        form_class=WithdrawForm,
        prefix="withdraw",
        run=lambda item, d: services.request_withdraw(
            request=item, reason=d["reason"], actor=request.user, at=clock.now()
        ),
        done=_("Request withdrawn."),
    )


def file_response(attachment: RequestAttachment) -> FileResponse:
    response = FileResponse(
        attachment.file.open("rb"), as_attachment=True, filename=attachment.name, content_type=attachment.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@permission(P.SERVICE_REQUEST)
@require_GET
def my_file(request: HttpRequest, pk: int, file_id: int) -> FileResponse:
    item = _mine(request, pk)
    attachment = selectors.request_files(request=item, internal=False).filter(pk=file_id).first()
    if attachment is None:
        raise Http404
    return file_response(attachment)


# --- public pages -----------------------------------------------------------------------------------------


@permission(P.PUBLIC)
@require_GET
def faq(request: HttpRequest) -> HttpResponse:
    form = FaqFilterForm(request.GET or None)
    q = category = ""
    if form.is_valid():
        q, category = form.cleaned_data["q"], form.cleaned_data["category"]
    page = Paginator(selectors.faq_public_list(q=q, category=category), 20).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    counts = selectors.faq_public_counts()
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "categories": [(value, label, counts.get(value, 0)) for value, label in Category.choices],
        "filtered": bool(q or category),
    }
    return render(request, "service/faq.html", context)


@permission(P.PUBLIC)
@require_GET
def solved(request: HttpRequest) -> HttpResponse:
    years = list(range(clock.today().year, clock.today().year - 3, -1))
    form = SolvedFilterForm(request.GET or None, regions=selectors.public_regions(), years=years)
    filters: dict[str, Any] = {}
    if form.is_valid():
        filters = {k: v for k, v in form.cleaned_data.items() if v}
    page = Paginator(selectors.solved_public_list(**filters), 30).get_page(request.GET.get("page"))
    labels = dict(Category.choices)
    rows = [
        {
            "category": labels.get(row["category"], row["category"]),
            "region": row["region__name"],
            "month": rules.local_day(row["resolved_at"]).strftime("%Y-%m"),
            "days": row["resolved_wd"],
            "on_time": row["resolved_on_time"],
        }
        for row in page.object_list
    ]
    summary = selectors.solved_summary()
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "summary": summary,
        "summary_categories": [(labels[k], v) for k, v in summary["by_category"].items() if k in labels],
        "query": query.urlencode(),
    }
    return render(request, "service/solved.html", context)
