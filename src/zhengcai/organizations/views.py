from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from zhengcai.accounts.selectors import organization_members
from zhengcai.core import clock
from zhengcai.core.errors import ServiceError, bilingual
from zhengcai.core.permissions import P, permission

from .models import Organization
from .selectors import supplier_pending_list, supplier_review_get
from .services import supplier_approve, supplier_reject


@permission(P.SUPPLIER_REVIEW)
@require_GET
def supplier_queue(request: HttpRequest) -> HttpResponse:
    page = Paginator(supplier_pending_list(user=request.user), 25).get_page(request.GET.get("page"))
    return render(request, "organizations/supplier_queue.html", {"page": page})


def _get_or_404(request: HttpRequest, pk: int) -> Organization:
    try:
        return supplier_review_get(user=request.user, pk=pk)
    except Organization.DoesNotExist as exc:
        raise Http404 from exc


@permission(P.SUPPLIER_REVIEW)
@require_GET
def supplier_review(request: HttpRequest, pk: int) -> HttpResponse:
    supplier = _get_or_404(request, pk)
    members = organization_members(organization=supplier)
    return render(request, "organizations/supplier_review.html", {"supplier": supplier, "members": members})


@permission(P.SUPPLIER_REVIEW)
@require_POST
def supplier_decide(request: HttpRequest, pk: int) -> HttpResponse:
    supplier = _get_or_404(request, pk)
    decision = request.POST.get("decision")
    note = request.POST.get("review_note", "")
    try:
        if decision == "approve":
            supplier_approve(supplier=supplier, actor=request.user, at=clock.now(), note=note)  # type: ignore[arg-type]
            messages.success(request, _("%(name)s approved.") % {"name": supplier.name})
        elif decision == "reject":
            supplier_reject(supplier=supplier, actor=request.user, at=clock.now(), note=note)  # type: ignore[arg-type]
            messages.success(request, _("%(name)s rejected.") % {"name": supplier.name})
        else:
            messages.error(request, _("Choose approve or reject."))
            return redirect("organizations:supplier_review", pk=pk)
    except ServiceError as exc:
        messages.error(request, bilingual(exc))
        return redirect("organizations:supplier_review", pk=pk)
    except Organization.DoesNotExist as exc:
        raise Http404 from exc
    return redirect("organizations:supplier_queue")
