"""Pages: a supplier's bid security for a tender and its ledger; the purchaser's refunds; the bureau's savings."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from zhengcai.accounts.selectors import user_memberships
from zhengcai.core import clock
from zhengcai.core.errors import ServiceError, bilingual
from zhengcai.core.forms import apply_service_error
from zhengcai.core.money import yuan_to_fen
from zhengcai.core.permissions import P, Role, permission
from zhengcai.organizations.models import EnterpriseSize
from zhengcai.procurement.models import Project, Tender
from zhengcai.procurement.selectors import project_for_manager, project_public_get

from . import selectors, services
from .forms import GuaranteeForm, PerformanceForm, RefundForm, TransferForm
from .models import SecurityForm


def _supplier(request: HttpRequest) -> Any:
    for m in user_memberships(user=request.user):
        if m.role == Role.SUPPLIER_STAFF:
            return m.organization
    return None


@permission(P.BID_SUBMIT)
@require_http_methods(["GET", "POST"])
def bid_security(request: HttpRequest, number: str) -> HttpResponse:
    """The supplier's bid security for one tender: exemption, e-guarantee or transfer."""
    try:
        project = project_public_get(number=number)
        tender = Tender.objects.get(project=project)
    except (Project.DoesNotExist, Tender.DoesNotExist) as exc:
        raise Http404 from exc
    supplier = _supplier(request)
    # prefixed: both forms have a "reference" field and sit on one page
    guarantee_form = GuaranteeForm(
        request.POST if request.POST.get("action") == "guarantee" else None, prefix="guarantee"
    )
    transfer_form = TransferForm(request.POST if request.POST.get("action") == "transfer" else None, prefix="transfer")
    if request.method == "POST" and supplier is not None:
        action = request.POST.get("action")
        form: forms.Form | None = {"guarantee": guarantee_form, "transfer": transfer_form}.get(action or "")
        try:
            if action == "exempt":
                services.bid_security_provide(
                    tender=tender, supplier=supplier, form=SecurityForm.EXEMPT, actor=request.user, at=clock.now()
                )
            elif form is not None and form.is_valid():
                d = form.cleaned_data
                services.bid_security_provide(
                    tender=tender,
                    supplier=supplier,
                    form=SecurityForm(action or ""),
                    reference=d.get("reference", ""),
                    amount_fen=yuan_to_fen(d["amount_yuan"]) if "amount_yuan" in d else 0,
                    paid_on=d.get("paid_on"),
                    actor=request.user,
                    at=clock.now(),
                )
            else:
                raise _Invalid
        except ServiceError as exc:
            if form is not None:
                apply_service_error(form, exc)
            else:
                messages.error(request, bilingual(exc))
        except _Invalid:
            pass
        else:
            messages.success(request, _("Bid security recorded."))
            return redirect("securities:bid_security", number=project.number)
    security = selectors.security_for(tender=tender, supplier=supplier) if supplier is not None else None
    context = {
        "project": project,
        "tender": tender,
        "supplier": supplier,
        "security": security,
        "guarantee_form": guarantee_form,
        "transfer_form": transfer_form,
        "now": clock.now(),
    }
    failed = guarantee_form.errors or transfer_form.errors
    return render(request, "securities/bid_security.html", context, status=400 if failed else 200)


class _Invalid(Exception):
    """A bound form failed its own validation; it is shown again with its errors."""


@permission(P.PROCUREMENT_MANAGE)
@require_http_methods(["GET", "POST"])
def project_securities(request: HttpRequest, number: str) -> HttpResponse:
    """The bid securities of a project with their refund clocks, and its performance security."""
    try:
        project = project_for_manager(user=request.user, number=number)
    except Project.DoesNotExist as exc:
        raise Http404 from exc
    tender = Tender.objects.filter(project=project).first()
    refund_form = RefundForm(request.POST if request.POST.get("action") == "refund" else None)
    perf_form = PerformanceForm(request.POST if request.POST.get("action") == "performance" else None)
    perf_refund_form = RefundForm(request.POST if request.POST.get("action") == "performance_refund" else None)
    if request.method == "POST":
        action = request.POST.get("action")
        now = clock.now()
        try:
            if action == "refund" and refund_form.is_valid() and tender is not None:
                security = (
                    selectors.tender_securities(tender=tender).filter(pk=refund_form.cleaned_data["security"]).first()
                )
                if security is None:
                    raise Http404
                services.bid_security_refund(
                    security=security, refunded_on=refund_form.cleaned_data["refunded_on"], actor=request.user, at=now
                )
            elif action == "performance" and perf_form.is_valid():
                d = perf_form.cleaned_data
                services.performance_security_record(
                    contract=project.contract,
                    form=SecurityForm(d["form"]),
                    amount_fen=yuan_to_fen(d["amount_yuan"]),
                    reference=d["reference"],
                    provided_on=d["provided_on"],
                    actor=request.user,
                    at=now,
                )
            elif action == "performance_refund" and perf_refund_form.is_valid():
                performance = selectors.performance_security_for(project=project)
                if performance is None:
                    raise Http404
                services.performance_security_refund(
                    security=performance,
                    refunded_on=perf_refund_form.cleaned_data["refunded_on"],
                    actor=request.user,
                    at=now,
                )
            else:
                raise _Invalid
        except ServiceError as exc:
            target = {"refund": refund_form, "performance": perf_form, "performance_refund": perf_refund_form}[
                action or "refund"
            ]
            apply_service_error(target, exc)
            messages.error(request, bilingual(exc))
        except _Invalid:
            messages.error(request, _("Check the form: some fields are missing or invalid."))
        else:
            messages.success(request, _("Recorded."))
            return redirect("securities:project", number=project.number)
    today = timezone.localdate()
    rows = selectors.bid_security_rows(selectors.tender_securities(tender=tender), today=today) if tender else []
    context = {
        "project": project,
        "rows": rows,
        "contract": getattr(project, "contract", None),
        "performance": selectors.performance_security_for(project=project),
        "refund_form": RefundForm(initial={"refunded_on": today}),
        "perf_form": perf_form if perf_form.is_bound else PerformanceForm(initial={"provided_on": today}),
        "perf_refund_form": RefundForm(initial={"refunded_on": today}),
    }
    return render(request, "securities/project.html", context, status=400 if request.method == "POST" else 200)


@permission(P.BID_SUBMIT)
@require_http_methods(["GET"])
def ledger(request: HttpRequest) -> HttpResponse:
    rows, performance = selectors.supplier_ledger(user=request.user)
    held = sum(r.security.amount_fen for r in rows if r.security.status == "held" and r.security.form == "transfer")
    return render(request, "securities/ledger.html", {"rows": rows, "performance": performance, "cash_held_fen": held})


@permission(P.PROCUREMENT_VIEW_ALL)
@require_http_methods(["GET"])
def savings(request: HttpRequest) -> HttpResponse:
    data = selectors.capital_savings(user=request.user, today=timezone.localdate())
    labels = dict(EnterpriseSize.choices)
    sizes = [(labels.get(size, _("Not declared")), bucket) for size, bucket in data.by_size.items()]
    return render(request, "securities/savings.html", {"savings": data, "sizes": sizes})
