"""Pages of contract financing (thin: form → one service → redirect; refused input shown again with the rule)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from zhengcai.core import clock
from zhengcai.core.errors import ServiceError, bilingual
from zhengcai.core.forms import apply_service_error
from zhengcai.core.money import yuan_to_fen
from zhengcai.core.pagination import CappedPaginator
from zhengcai.core.permissions import P, permission
from zhengcai.organizations.models import EnterpriseSize, Organization
from zhengcai.procurement.models import Contract

from . import selectors, services
from .forms import ApplyForm, ApproveForm, DeclineForm, DisburseForm, ProductForm, QuoteForm, RepaidForm
from .models import ApplicationStatus, FinancingApplication, Quote

# --- public ---------------------------------------------------------------------------------------------


@permission(P.PUBLIC)
@require_http_methods(["GET"])
def products(request: HttpRequest) -> HttpResponse:
    return render(request, "financing/products.html", {"products": list(selectors.product_list()[:200])})


# --- the supplier ---------------------------------------------------------------------------------------


def _apply_form(request: HttpRequest, suppliers: list[Organization], data: Any = None) -> ApplyForm:
    contracts = list(selectors.eligible_contracts(suppliers=suppliers)[:100])
    sizes = {s.size for s in suppliers}
    products = selectors.product_list().filter(
        pk__in=[p.pk for p in selectors.product_list() if sizes & set(p.eligible_sizes)]
    )
    return ApplyForm(data, contracts=contracts, products=products)


@permission(P.FINANCING_APPLY)
@require_http_methods(["GET", "POST"])
def supplier_home(request: HttpRequest) -> HttpResponse:
    """The supplier's contracts that can be financed, the banks' products, the application form, its applications."""
    suppliers = selectors.organizations_with(user=request.user, perm=P.FINANCING_APPLY)
    form = _apply_form(request, suppliers, request.POST or None)
    if request.method == "POST" and form.is_valid() and suppliers:
        d = form.cleaned_data
        contract = Contract.objects.filter(pk=d["contract"]).first()
        if contract is None:
            form.add_error("contract", _("Choose one of your contracts."))
        else:
            supplier = next((s for s in suppliers if s.pk == contract.supplier_id), suppliers[0])
            try:
                application = services.application_apply(
                    supplier=supplier,
                    contract=contract,
                    amount_fen=yuan_to_fen(d["amount_yuan"]),
                    products=list(d["products"]),
                    consent_bank_ids={b.pk for b in d["consent"]},
                    purpose=d["purpose"],
                    actor=request.user,
                    at=clock.now(),
                )
            except ServiceError as exc:
                apply_service_error(form, exc)
            else:
                messages.success(request, _("Application sent: the platform attested the contract to the banks."))
                return redirect("financing:application", pk=application.pk)
    context = {
        "form": form,
        "contracts": form.fields["contract"].widget.choices,
        "applications": list(selectors.applications_for_supplier(user=request.user)[:100]),
        "product_count": form.fields["products"].queryset.count(),  # type: ignore[attr-defined]
    }
    return render(request, "financing/supplier_home.html", context, status=400 if form.errors else 200)


@permission(P.FINANCING_APPLY)
@require_http_methods(["GET", "POST"])
def application(request: HttpRequest, pk: int) -> HttpResponse:
    """One application for the supplier: quotes to accept, consent per bank (grant / revoke), withdraw."""
    try:
        app = selectors.application_for_supplier(user=request.user, pk=pk)
    except FinancingApplication.DoesNotExist as exc:
        raise Http404 from exc
    if request.method == "POST":
        action = request.POST.get("action", "")
        now = clock.now()
        try:
            if action == "accept":
                quote = Quote.objects.filter(application=app, pk=_int(request.POST.get("quote"))).first()
                if quote is None:
                    raise Http404
                services.quote_accept(quote=quote, actor=request.user, at=now)
                messages.success(request, _("Quote accepted: the bank now approves the loan."))
            elif action in {"revoke", "grant"}:
                link = app.bank_links.select_related("bank").filter(bank_id=_int(request.POST.get("bank"))).first()
                if link is None:
                    raise Http404
                service = services.consent_revoke if action == "revoke" else services.consent_grant
                service(application=app, bank=link.bank, actor=request.user, at=now)
                messages.success(
                    request,
                    _("Consent revoked: the bank no longer sees your credit record.")
                    if action == "revoke"
                    else _("Consent granted: the bank may see your credit record."),
                )
            elif action == "withdraw":
                services.application_withdraw(application=app, actor=request.user, at=now)
                messages.success(request, _("Application withdrawn."))
            else:
                messages.error(request, _("Unknown action."))
        except ServiceError as exc:
            messages.error(request, bilingual(exc))
        return redirect("financing:application", pk=app.pk)
    context = {
        "app": app,
        "links": list(app.bank_links.select_related("bank", "product")),
        "quotes": list(app.quotes.select_related("bank", "product")),
        "agreement": getattr(app, "agreement", None),
        "today": clock.today(),
        "withdrawable": app.status
        in {
            ApplicationStatus.DRAFT,
            ApplicationStatus.SUBMITTED,
            ApplicationStatus.QUOTED,
            ApplicationStatus.ACCEPTED,
            ApplicationStatus.APPROVED,
        },
    }
    return render(request, "financing/application.html", context)


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise Http404 from exc


# --- the bank -------------------------------------------------------------------------------------------


def _bank(request: HttpRequest) -> Organization:
    bank = selectors.bank_of(user=request.user)
    if bank is None:
        raise Http404
    return bank


@permission(P.FINANCING_LEND)
@require_http_methods(["GET", "POST"])
def bank_queue(request: HttpRequest) -> HttpResponse:
    """The bank's queue (applications sent to it, by status) and its products, with the form to publish one."""
    bank = _bank(request)
    form = ProductForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.product_publish(
                bank=bank,
                name=d["name"],
                rate_min=d["rate_min"],
                rate_max=d["rate_max"],
                max_share_percent=d["max_share_percent"],
                term_days=d["term_days"],
                eligible_sizes=d["eligible_sizes"],
                description=d["description"],
                actor=request.user,
                at=clock.now(),
            )
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("Product published on the portal."))
            return redirect("financing:bank_queue")
    status = request.GET.get("status", "")
    status = status if status in ApplicationStatus.values else ""
    page = CappedPaginator(selectors.applications_for_bank(bank=bank, status=status or None), 50).get_page(
        request.GET.get("page")
    )
    context = {
        "bank": bank,
        "page": page,
        "status": status,
        "statuses": ApplicationStatus.choices,
        "products": list(selectors.product_list(bank=bank)),
        "form": form,
    }
    return render(request, "financing/bank_queue.html", context, status=400 if form.errors else 200)


def _quote(
    request: HttpRequest, bank: Organization, app: FinancingApplication, d: dict[str, Any], now: dt.datetime
) -> str:
    services.quote_submit(
        application=app,
        bank=bank,
        amount_fen=yuan_to_fen(d["amount_yuan"]),
        rate=d["rate"],
        term_days=d["term_days"],
        valid_until=d["valid_until"],
        actor=request.user,
        at=now,
    )
    return _("Quote sent to the supplier.")


def _decline(
    request: HttpRequest, bank: Organization, app: FinancingApplication, d: dict[str, Any], now: dt.datetime
) -> str:
    services.application_decline(application=app, bank=bank, reason=d["reason"], actor=request.user, at=now)
    return _("Declined; the supplier is told why.")


def _approve(
    request: HttpRequest, bank: Organization, app: FinancingApplication, d: dict[str, Any], now: dt.datetime
) -> str:
    services.application_approve(
        application=app,
        bank=bank,
        agreement_number=d["agreement_number"],
        account_name=d["account_name"],
        account_number=d["account_number"],
        account_bank_name=d["account_bank_name"],
        guarantor=d["guarantor"],
        guarantee_fen=yuan_to_fen(d["guarantee_yuan"]) if d["guarantee_yuan"] is not None else None,
        actor=request.user,
        at=now,
    )
    return _("Approved: record the disbursement when the money is paid out.")


def _disburse(
    request: HttpRequest, bank: Organization, app: FinancingApplication, d: dict[str, Any], now: dt.datetime
) -> str:
    services.disbursement_record(
        application=app,
        bank=bank,
        amount_fen=yuan_to_fen(d["amount_yuan"]),
        disbursed_on=d["disbursed_on"],
        actor=request.user,
        at=now,
    )
    return _("Disbursement recorded: the contract's payments now go to the designated account.")


def _repaid(
    request: HttpRequest, bank: Organization, app: FinancingApplication, d: dict[str, Any], now: dt.datetime
) -> str:
    services.repayment_record(
        application=app,
        bank=bank,
        amount_fen=yuan_to_fen(d["amount_yuan"]),
        repaid_on=d["repaid_on"],
        actor=request.user,
        at=now,
    )
    return _("Loan closed: the designated account is released.")


Handler = Callable[[HttpRequest, Organization, FinancingApplication, dict[str, Any], dt.datetime], str]
BANK_ACTIONS: dict[str, tuple[type[forms.Form], Handler, str]] = {
    "quote": (QuoteForm, _quote, "quote_form"),
    "decline": (DeclineForm, _decline, "decline_form"),
    "approve": (ApproveForm, _approve, "approve_form"),
    "disburse": (DisburseForm, _disburse, "disburse_form"),
    "repaid": (RepaidForm, _repaid, "repaid_form"),
}


def _bank_context(bank: Organization, app: FinancingApplication) -> dict[str, Any]:
    now = clock.now()
    link = selectors.bank_link(application=app, bank=bank)
    attestation = getattr(app, "attestation", None)
    agreement = getattr(app, "agreement", None)
    own = agreement if agreement is not None and agreement.bank_id == bank.pk else None
    product = link.product if link else None
    return {
        "bank": bank,
        "app": app,
        "link": link,
        "attestation": attestation,
        "attestation_valid": services.attestation_verify(attestation) if attestation is not None else False,
        "credit": selectors.credit_records_for_bank(supplier=app.supplier, bank=bank, at=now),
        "own_quote": app.quotes.filter(bank=bank).first(),
        "agreement": own,
        "disbursement": getattr(own, "disbursement", None) if own else None,
        "repayment": getattr(own, "repayment", None) if own else None,
        "observed": list(selectors.repayments_observed(agreement=own)) if own else [],
        "quote_form": QuoteForm(
            initial={
                "amount_yuan": app.amount_fen / 100,
                "rate": product.rate_min if product else None,
                "term_days": product.term_days if product else None,
                "valid_until": clock.today() + dt.timedelta(days=14),
            }
        ),
        "decline_form": DeclineForm(),
        "approve_form": ApproveForm(initial={"account_bank_name": bank.name}),
        "disburse_form": DisburseForm(
            initial={"amount_yuan": own.amount_fen / 100 if own else None, "disbursed_on": clock.today()}
        ),
        "repaid_form": RepaidForm(initial={"repaid_on": clock.today()}),
    }


@permission(P.FINANCING_LEND)
@require_http_methods(["GET", "POST"])
def bank_application(request: HttpRequest, pk: int) -> HttpResponse:
    """One application for the bank: the signed contract attestation, the credit record when consented, and the
    next step (quote or decline, approve, disburse, close)."""
    bank = _bank(request)
    try:
        app = selectors.application_for_bank(bank=bank, pk=pk)
    except FinancingApplication.DoesNotExist as exc:
        raise Http404 from exc
    if request.method == "GET":
        return render(request, "financing/bank_application.html", _bank_context(bank, app))
    action = request.POST.get("action", "")
    if action not in BANK_ACTIONS:
        messages.error(request, _("Unknown action."))
        return redirect("financing:bank_application", pk=app.pk)
    form_class, handler, name = BANK_ACTIONS[action]
    form = form_class(request.POST)
    if form.is_valid():
        try:
            message = handler(request, bank, app, form.cleaned_data, clock.now())
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, message)
            return redirect("financing:bank_application", pk=app.pk)
    context = _bank_context(bank, app)
    context[name] = form
    context["failed_action"] = action
    return render(request, "financing/bank_application.html", context, status=400)


# --- the bureau -----------------------------------------------------------------------------------------


@permission(P.FINANCING_VIEW_ALL)
@require_http_methods(["GET"])
def totals(request: HttpRequest) -> HttpResponse:
    """Financing raised for suppliers in the caller's scope (city or county), from the disbursements."""
    t = selectors.financing_totals(user=request.user)
    status_labels = dict(ApplicationStatus.choices)
    size_labels = dict(EnterpriseSize.choices)
    for row in t.by_status:
        row["label"] = status_labels.get(row["status"], row["status"])
    for row in t.by_size:
        row["label"] = size_labels.get(row["size"], row["size"])
    return render(request, "financing/totals.html", {"t": t})
