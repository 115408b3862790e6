"""Pages: the public verification page, and the back office of issuers, purchasers and suppliers."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from zhengcai.accounts.selectors import scope_reaches
from zhengcai.core import clock
from zhengcai.core.errors import ServiceError, bilingual
from zhengcai.core.forms import apply_service_error
from zhengcai.core.money import yuan_to_fen
from zhengcai.core.permissions import P, permission
from zhengcai.organizations.models import Organization
from zhengcai.procurement.models import Project

from . import offline, pdf, selectors, services, signing
from .forms import ClaimForm, IssueForm, RevokeForm, VerifyForm
from .models import Guarantee, GuaranteeKind, GuaranteeStatus, IssuerKey


def _verify_context(result: services.VerificationResult | None) -> dict[str, Any]:
    rows = (
        offline.describe(offline.Payload(document=result.document, signature="", key={}))
        if result is not None and result.document is not None
        else []
    )
    return {"result": result, "rows": rows, "bureau_key": signing.bureau_public_key()}


@permission(P.PUBLIC)
@require_http_methods(["GET"])
def verify(request: HttpRequest) -> HttpResponse:
    """Paste the QR payload (or the URL) or enter the number: VALID or NOT VALID, with the reasons."""
    form = VerifyForm(request.GET or None)
    result = None
    if form.is_bound and form.is_valid() and (form.cleaned_data["payload"] or form.cleaned_data["number"]):
        result = services.guarantee_verify(
            payload=form.cleaned_data["payload"] or None,
            number=form.cleaned_data["number"] or None,
            at=clock.now(),
        )
    return render(request, "guarantees/verify.html", {"form": form, **_verify_context(result)})


@permission(P.PUBLIC)
@require_http_methods(["GET"])
def verify_number(request: HttpRequest, number: str) -> HttpResponse:
    """Where the QR code leads: the payload in ``?p=`` is checked, else the number on record."""
    payload = request.GET.get(offline.QUERY_PARAM, "").strip()
    result = services.guarantee_verify(payload=payload or None, number=None if payload else number, at=clock.now())
    form = VerifyForm(initial={"payload": payload, "number": "" if payload else number})
    context = {"form": form, "number": number, **_verify_context(result)}
    return render(request, "guarantees/verify.html", context)


# --- back office ---------------------------------------------------------------------------------------


@permission(P.GUARANTEE_VIEW)
@require_http_methods(["GET"])
def office_list(request: HttpRequest) -> HttpResponse:
    qs = selectors.guarantees_for(user=request.user)
    status = request.GET.get("status", "")
    if status in GuaranteeStatus.values:
        qs = qs.filter(status=status)
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    institution = selectors.issuer_institution(user=request.user)
    return render(
        request,
        "guarantees/office_list.html",
        {
            "page": page,
            "status": status,
            "statuses": GuaranteeStatus.choices,
            "institution": institution,
            "query": f"status={status}" if status else "",
        },
    )


@permission(P.GUARANTEE_ISSUE)
@require_http_methods(["GET", "POST"])
def office_issue(request: HttpRequest) -> HttpResponse:
    institution = selectors.issuer_institution(user=request.user)
    if institution is None:
        raise Http404
    form = IssueForm(request.POST or None)
    has_key = (
        selectors.keys_for(institution=institution)
        .filter(custodial=True, retired_at__isnull=True, revoked_at__isnull=True)
        .exists()
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        project = Project.objects.select_related("purchaser").filter(number=d["project"].strip()).first()
        applicant = Organization.objects.filter(credit_code=d["applicant"].strip().upper()).first()
        if project is None:
            form.add_error("project", _("No project has this number."))
        if applicant is None:
            form.add_error("applicant", _("No supplier has this unified social credit code."))
        if project is not None and applicant is not None:
            try:
                guarantee = services.guarantee_issue(
                    issuer=institution,
                    kind=d["kind"],
                    project=project,
                    applicant=applicant,
                    contract=selectors.project_contract(project=project)
                    if d["kind"] == GuaranteeKind.PERFORMANCE
                    else None,
                    amount_fen=yuan_to_fen(d["amount"]),
                    valid_from=d["valid_from"],
                    valid_until=d["valid_until"],
                    actor=request.user,
                    at=clock.now(),
                )
            except ServiceError as exc:
                apply_service_error(form, exc)
            else:
                messages.success(request, _("Guarantee %(number)s issued and signed.") % {"number": guarantee.number})
                return redirect("guarantees:office_detail", number=guarantee.number)
    return render(
        request,
        "guarantees/office_issue.html",
        {"form": form, "institution": institution, "has_key": has_key},
        status=400 if form.errors else 200,
    )


def _can_manage(user: Any, guarantee: Guarantee) -> bool:
    project = guarantee.project
    return any(
        o is not None and scope_reaches(user=user, perm=P.PROCUREMENT_MANAGE, organization=o)
        for o in (project.purchaser, project.agency)
    )


@permission(P.GUARANTEE_VIEW)
@require_http_methods(["GET", "POST"])
def office_detail(request: HttpRequest, number: str) -> HttpResponse:
    try:
        guarantee = selectors.guarantee_for(user=request.user, number=number)
    except Guarantee.DoesNotExist as exc:
        raise Http404 from exc
    claim_form = ClaimForm(request.POST if request.POST.get("action") == "claim" else None)
    if request.method == "POST":
        action = request.POST.get("action", "")
        now = clock.now()
        try:
            if action == "accept":
                services.guarantee_accept(guarantee=guarantee, actor=request.user, at=now)
                messages.success(request, _("Guarantee accepted."))
            elif action == "release":
                services.guarantee_release(guarantee=guarantee, actor=request.user, at=now)
                messages.success(request, _("Guarantee released."))
            elif action == "claim" and claim_form.is_valid():
                services.guarantee_claim(
                    guarantee=guarantee,
                    amount_fen=yuan_to_fen(claim_form.cleaned_data["amount"]),
                    reason=claim_form.cleaned_data["reason"],
                    actor=request.user,
                    at=now,
                )
                messages.success(request, _("Claim recorded."))
            elif action != "claim":
                raise Http404
        except ServiceError as exc:
            if action == "claim":
                apply_service_error(claim_form, exc)
            else:
                messages.error(request, bilingual(exc))
        if not claim_form.errors:
            return redirect("guarantees:office_detail", number=guarantee.number)
    is_issuer = scope_reaches(user=request.user, perm=P.GUARANTEE_ISSUE, organization=guarantee.issuer)
    can_manage = _can_manage(request.user, guarantee)
    open_states = {GuaranteeStatus.ISSUED, GuaranteeStatus.ACCEPTED}
    result = services.guarantee_verify(number=guarantee.number, at=clock.now())
    context = {
        "g": guarantee,
        "result": result,
        "can_accept": can_manage and guarantee.status == GuaranteeStatus.ISSUED,
        "can_release": (can_manage or is_issuer) and guarantee.status in open_states,
        "can_claim": (can_manage or is_issuer) and guarantee.status == GuaranteeStatus.ACCEPTED,
        "claim_form": claim_form,
        "claim": getattr(guarantee, "claim", None) if guarantee.status == GuaranteeStatus.CLAIMED else None,
        "verify_url": signing.verify_url(guarantee, base=request.build_absolute_uri("/")),
    }
    return render(request, "guarantees/office_detail.html", context, status=400 if claim_form.errors else 200)


@permission(P.GUARANTEE_VIEW)
@require_http_methods(["GET"])
def office_pdf(request: HttpRequest, number: str) -> HttpResponse:
    try:
        guarantee = selectors.guarantee_for(user=request.user, number=number)
    except Guarantee.DoesNotExist as exc:
        raise Http404 from exc
    data = pdf.guarantee_pdf(guarantee, base_url=request.build_absolute_uri("/"))
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{guarantee.number}.pdf"'
    return response


@permission(P.GUARANTEE_ISSUE)
@require_http_methods(["GET", "POST"])
def office_keys(request: HttpRequest) -> HttpResponse:
    institution = selectors.issuer_institution(user=request.user)
    if institution is None:
        raise Http404
    revoke_form = RevokeForm(request.POST if request.POST.get("action") == "revoke" else None)
    if request.method == "POST":
        action = request.POST.get("action", "")
        now = clock.now()
        try:
            if action == "generate":
                key = services.issuer_key_generate(institution=institution, actor=request.user, at=now)
                messages.success(request, _("New signing key %(kid)s is active.") % {"kid": key.kid})
            elif action == "revoke" and revoke_form.is_valid():
                try:
                    key = selectors.key_for(institution=institution, pk=revoke_form.cleaned_data["key"])
                except IssuerKey.DoesNotExist as exc:
                    raise Http404 from exc
                services.issuer_key_revoke(
                    key=key, reason=revoke_form.cleaned_data["reason"], actor=request.user, at=now
                )
                messages.success(request, _("Key %(kid)s revoked.") % {"kid": key.kid})
            elif action == "revoke":
                messages.error(request, _("Give the reason for the revocation."))
            else:
                raise PermissionDenied
        except ServiceError as exc:
            messages.error(request, bilingual(exc))
        return redirect("guarantees:office_keys")
    keys = selectors.keys_for(institution=institution)
    return render(
        request,
        "guarantees/office_keys.html",
        {"institution": institution, "keys": keys, "bureau_key": signing.bureau_public_key()},
    )
