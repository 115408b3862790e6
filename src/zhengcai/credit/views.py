"""Back-office credit pages: the supplier's own record, and the bureau's records, imports and policy (thin)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from zhengcai.core import clock
from zhengcai.core.errors import ServiceError, ServiceErrorGroup
from zhengcai.core.forms import apply_service_error
from zhengcai.core.permissions import P, permission
from zhengcai.organizations.models import Organization

from . import selectors
from .forms import ImportForm, PolicyForm, RecordForm, RevokeForm, SupplierSearchForm
from .models import CreditRecord
from .rules import RULE_LIMITS
from .services import Entry, credit_import, credit_policy_publish, credit_record_add, credit_record_revoke


@permission(P.BID_SUBMIT)
@require_http_methods(["GET"])
def my_credit(request: HttpRequest) -> HttpResponse:
    """A supplier's credit record, what the policy in force would decide today, and its past decisions."""
    supplier = selectors.supplier_of(user=request.user)
    context: dict[str, Any] = {"supplier": supplier}
    if supplier is not None:
        context.update(
            records=selectors.supplier_records(supplier=supplier)[:200],
            outlook=selectors.exemption_outlook(supplier=supplier, at=clock.now()),
            decisions=selectors.supplier_decisions(supplier=supplier)[:200],
        )
    return render(request, "credit/my_credit.html", context)


@permission(P.CREDIT_MANAGE)
@require_http_methods(["GET"])
def suppliers(request: HttpRequest) -> HttpResponse:
    form = SupplierSearchForm(request.GET or None)
    q = form.cleaned_data["q"] if form.is_valid() else ""
    today = clock.today()
    rows = list(selectors.credit_suppliers(user=request.user, q=q, with_records=not q, on=today)[:50])
    return render(
        request,
        "credit/suppliers.html",
        {"form": form, "q": q, "rows": rows, "counts": selectors.credit_counts(user=request.user, on=today)},
    )


def _supplier(request: HttpRequest, pk: int) -> Organization:
    try:
        return selectors.credit_supplier_get(user=request.user, pk=pk)
    except Organization.DoesNotExist as exc:
        raise Http404 from exc


@permission(P.CREDIT_MANAGE)
@require_http_methods(["GET", "POST"])
def supplier(request: HttpRequest, pk: int) -> HttpResponse:
    """One supplier's record with the forms to add a record and to revoke one (with a reason)."""
    org = _supplier(request, pk)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    add_form = RecordForm(request.POST if action == "add" else None)
    revoke_form = RevokeForm(request.POST if action == "revoke" else None)
    failed = False
    if action == "add" and add_form.is_valid():
        d = add_form.cleaned_data
        entry = Entry(
            kind=d["kind"],
            severity=d["severity"],
            occurred_on=d["occurred_on"],
            expires_on=d["expires_on"],
            description=d["description"],
            reference=d["reference"],
            authority=d["authority"],
        )
        try:
            credit_record_add(supplier=org, entry=entry, actor=request.user, at=clock.now())
        except ServiceError as exc:
            apply_service_error(add_form, exc)
        else:
            messages.success(request, _("Credit record added."))
            return redirect("credit:supplier", pk=org.pk)
    elif action == "revoke" and revoke_form.is_valid():
        record = CreditRecord.objects.filter(pk=revoke_form.cleaned_data["record"], supplier=org).first()
        if record is None:
            raise Http404
        try:
            credit_record_revoke(
                record=record, reason=revoke_form.cleaned_data["reason"], actor=request.user, at=clock.now()
            )
        except ServiceError as exc:
            apply_service_error(revoke_form, exc)
        else:
            messages.success(request, _("Credit record revoked; decisions already made keep it."))
            return redirect("credit:supplier", pk=org.pk)
    failed = bool(action) and bool(add_form.errors or revoke_form.errors)
    context = {
        "supplier": org,
        "records": selectors.supplier_records(supplier=org)[:500],
        "outlook": selectors.exemption_outlook(supplier=org, at=clock.now()),
        "decisions": selectors.supplier_decisions(supplier=org)[:100],
        "add_form": add_form,
        "revoke_form": revoke_form,
        "revoke_target": request.POST.get("record", "") if action == "revoke" else "",
    }
    return render(request, "credit/supplier.html", context, status=400 if failed else 200)


@permission(P.CREDIT_MANAGE)
@require_http_methods(["GET", "POST"])
def import_records(request: HttpRequest) -> HttpResponse:
    """Upload a CSV or JSON file of external records: all rows are imported, or none and every bad row is shown."""
    form = ImportForm(request.POST or None, request.FILES or None)
    row_errors: list[ServiceError] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = credit_import(content=upload.read(), file_name=upload.name, actor=request.user, at=clock.now())
        except ServiceErrorGroup as exc:
            row_errors = exc.errors
        except ServiceError as exc:
            if "row" in exc.params:
                row_errors = [exc]
            else:
                apply_service_error(form, exc)
        else:
            messages.success(
                request,
                _("%(count)d records imported from %(name)s.") % {"count": batch.row_count, "name": upload.name},
            )
            return redirect("credit:import")
    failed = bool(form.errors or row_errors)
    context = {"form": form, "row_errors": row_errors, "batches": selectors.import_batches()[:20]}
    return render(request, "credit/import.html", context, status=400 if failed else 200)


@permission(P.CREDIT_MANAGE)
@require_http_methods(["GET", "POST"])
def policy(request: HttpRequest) -> HttpResponse:
    """The credit policy's versions (never edited) and the form to publish the next one."""
    latest = selectors.policy_latest()
    form = PolicyForm(request.POST or None, current=latest.rules if latest else None)
    if request.method == "POST" and form.is_valid():
        try:
            published = credit_policy_publish(
                rules_in=form.rules(),
                effective_from=form.cleaned_data["effective_from"],
                note=form.cleaned_data["note"],
                actor=request.user,
                at=clock.now(),
            )
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(
                request, _("Credit policy version %(version)d published.") % {"version": published.version}
            )
            return redirect("credit:policy")
    today = clock.today()
    context = {
        "form": form,
        "versions": selectors.policy_list(),
        "in_force": selectors.policy_in_force(on=today),
        "today": today,
        "limits": RULE_LIMITS,
    }
    return render(request, "credit/policy.html", context, status=400 if form.errors else 200)
