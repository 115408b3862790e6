"""Back-office pages where purchasers, agencies and suppliers act on a procurement (thin: form → service)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from zhengcai.accounts.selectors import scope_reaches, user_memberships
from zhengcai.core import clock
from zhengcai.core.errors import ServiceError, bilingual
from zhengcai.core.forms import apply_service_error
from zhengcai.core.money import yuan_to_fen
from zhengcai.core.permissions import P, Role, permission
from zhengcai.organizations.models import Organization

from . import bidding, evaluation, lifecycle, rules
from .forms import BidForm, CommitteeDrawForm, IntentionForm, ProjectForm, ScoreSheetForm, TenderForm
from .models import CommitteeMember, EvaluationMethod, Project, ProjectStatus, Tender
from .rules import Category, Method
from .selectors import (
    agencies,
    committee_seat,
    committee_seats,
    intentions_for_manager,
    intentions_for_project,
    project_committee,
    project_for_manager,
    purchasers_for,
    score_sheet_rows,
    tender_for_bidding,
)
from .services import ProjectInput, intention_create, intention_publish, project_create, tender_publish


@permission(P.PROCUREMENT_MANAGE)
@require_http_methods(["GET", "POST"])
def intention_new(request: HttpRequest) -> HttpResponse:
    form = IntentionForm(request.POST or None, purchasers=purchasers_for(user=request.user))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        now = clock.now()
        try:
            intention = intention_create(
                purchaser=d["purchaser"],
                title=d["title"],
                demand_summary=d["demand_summary"],
                budget_fen=yuan_to_fen(d["budget_yuan"]),
                expected_month=d["expected_month"],
                actor=request.user,
                at=now,
            )
            if "publish" in request.POST:
                intention_publish(intention=intention, actor=request.user, at=now)
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(
                request, _("Intention saved.") if "publish" not in request.POST else _("Intention published.")
            )
            return redirect("procurement:intentions")
    return render(request, "procurement/intention_form.html", {"form": form}, status=400 if form.errors else 200)


@permission(P.PROCUREMENT_MANAGE)
@require_http_methods(["GET"])
def intentions(request: HttpRequest) -> HttpResponse:
    return render(
        request, "procurement/intentions.html", {"intentions": intentions_for_manager(user=request.user)[:100]}
    )


@permission(P.PROCUREMENT_MANAGE)
@require_http_methods(["GET", "POST"])
def project_new(request: HttpRequest) -> HttpResponse:
    form = ProjectForm(request.POST or None, intentions=intentions_for_project(user=request.user), agencies=agencies())
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        intention = d["intention"]
        data = ProjectInput(
            title=d["title"],
            purchaser=intention.purchaser,
            method=Method(d["method"]),
            category=Category(d["category"]),
            catalogue_code=d["catalogue_code"].strip().upper(),
            budget_fen=yuan_to_fen(d["budget_yuan"]),
            max_price_fen=yuan_to_fen(d["max_price_yuan"]),
            intention=intention,
            agency=d["agency"],
            sme_reserved=d["sme_reserved"],
            sme_deduction_percent=d["sme_deduction_percent"] or Decimal(0),
            bid_security_fen=yuan_to_fen(d["bid_security_yuan"] or Decimal(0)),
            evaluation_method=EvaluationMethod(d["evaluation_method"] or EvaluationMethod.LOWEST_PRICE),
            price_weight_percent=d["price_weight_percent"],
        )
        try:
            project = project_create(data=data, actor=request.user, at=clock.now())
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("Project %(number)s created.") % {"number": project.number})
            return redirect("procurement:manage", number=project.number)
    return render(request, "procurement/project_form.html", {"form": form}, status=400 if form.errors else 200)


def _managed(request: HttpRequest, number: str) -> Project:
    try:
        return project_for_manager(user=request.user, number=number)
    except Project.DoesNotExist as exc:
        raise Http404 from exc


def _aware(value: dt.datetime) -> dt.datetime:
    return timezone.make_aware(value) if timezone.is_naive(value) else value


@permission(P.PROCUREMENT_MANAGE)
@require_http_methods(["GET", "POST"])
def project_manage(request: HttpRequest, number: str) -> HttpResponse:
    """The project's next step: publish the notice, open the bids, evaluate, award, publish the result."""
    project = _managed(request, number)
    tender_form = TenderForm(request.POST or None) if project.status == ProjectStatus.DRAFT else None
    if request.method == "POST":
        action = request.POST.get("action", "")
        now = clock.now()
        try:
            if action == "publish_tender" and tender_form is not None:
                if not tender_form.is_valid():
                    return render(
                        request,
                        "procurement/manage.html",
                        {"project": project, "tender_form": tender_form},
                        status=400,
                    )
                d = tender_form.cleaned_data
                tender_publish(
                    project=project,
                    docs_from=d["docs_from"],
                    docs_until=d["docs_until"],
                    deadline=_aware(d["deadline"]),
                    notice_text=d["notice_text"],
                    actor=request.user,
                    at=now,
                )
                messages.success(request, _("The notice is published."))
            elif action == "open":
                result = bidding.tender_open(tender=project.tender, actor=request.user, at=now)
                messages.success(
                    request,
                    _("Bids opened.") if not result.failed else _("Too few valid bids: the procurement failed."),
                )
            elif action == "draw_committee":
                draw = CommitteeDrawForm(request.POST)
                size = draw.cleaned_data["size"] if draw.is_valid() else 0  # 0: the service names the rule
                evaluation.committee_draw(project=project, size=size, actor=request.user, at=now)
                messages.success(request, _("The evaluation committee is drawn; the experts are notified."))
            elif action == "evaluate":
                if project.evaluation_method == EvaluationMethod.SCORING:
                    evaluation.evaluate_scoring(project=project, actor=request.user, at=now)
                else:
                    bidding.evaluate_lowest_price(project=project, actor=request.user, at=now)
                messages.success(request, _("Bids evaluated and ranked."))
            elif action == "award":
                bidding.award_decide(project=project, actor=request.user, at=now)
                messages.success(request, _("Winner confirmed."))
            elif action == "publish_result":
                lifecycle.result_publish(award=project.award, actor=request.user, at=now)
                messages.success(request, _("Result notice published."))
            else:
                messages.error(request, _("Unknown action."))
        except ServiceError as exc:
            if tender_form is not None and action == "publish_tender":
                apply_service_error(tender_form, exc)
                return render(
                    request, "procurement/manage.html", {"project": project, "tender_form": tender_form}, status=400
                )
            messages.error(request, bilingual(exc))
        return redirect("procurement:manage", number=project.number)
    context: dict[str, Any] = {
        "project": project,
        "tender_form": tender_form,
        "now": clock.now(),
        # D-EVAL-REPORT: the purchaser, not the agency, confirms the winner
        "is_purchaser": scope_reaches(user=request.user, perm=P.PROCUREMENT_MANAGE, organization=project.purchaser),
    }
    context["tender"] = Tender.objects.filter(project=project).first()
    if project.evaluation_method == EvaluationMethod.SCORING:
        committee = list(project_committee(project=project))
        context["committee"] = committee
        context["sheets_pending"] = sum(1 for m in committee if m.submitted_at is None)
        context["draw_form"] = CommitteeDrawForm(
            initial={"size": rules.committee_min_size(project.budget_fen, on=timezone.localdate())}
        )
    return render(request, "procurement/manage.html", context)


@permission(P.EVALUATION_SCORE)
@require_http_methods(["GET"])
def score_sheets(request: HttpRequest) -> HttpResponse:
    """The expert's committee seats, with what is waiting for a score."""
    return render(request, "procurement/score_sheets.html", {"seats": committee_seats(user=request.user)[:200]})


@permission(P.EVALUATION_SCORE)
@require_http_methods(["GET", "POST"])
def score_sheet(request: HttpRequest, number: str) -> HttpResponse:
    """One expert's scoring sheet: every valid bid's technical response and price, a score and reasons."""
    try:
        member = committee_seat(user=request.user, number=number)
    except CommitteeMember.DoesNotExist as exc:
        raise Http404 from exc
    project = member.project
    rows = score_sheet_rows(member=member) if project.status != ProjectStatus.TENDERING else []
    max_score = evaluation.quality_max(project)
    form = ScoreSheetForm(request.POST or None, rows=rows, max_score=max_score)
    if request.method == "POST" and form.is_valid():
        try:
            evaluation.score_sheet_submit(
                project=project,
                scores=form.scores(),
                comments=form.comments(),
                actor=request.user,
                at=clock.now(),
            )
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("Your scoring sheet is submitted."))
            return redirect("procurement:score_sheet", number=project.number)
    context = {"member": member, "project": project, "form": form, "max_score": max_score}
    return render(request, "procurement/score_sheet.html", context, status=400 if form.errors else 200)


@permission(P.BID_SUBMIT)
@require_http_methods(["GET", "POST"])
def bid(request: HttpRequest, number: str) -> HttpResponse:
    try:
        tender = tender_for_bidding(number=number)
    except Tender.DoesNotExist as exc:
        raise Http404 from exc
    bidders = [m.organization for m in user_memberships(user=request.user) if m.role == Role.SUPPLIER_STAFF]
    supplier: Organization | None = bidders[0] if bidders else None
    form = BidForm(request.POST or None)
    receipt = None
    if request.method == "POST" and form.is_valid() and supplier is not None:
        try:
            receipt = bidding.bid_submit(
                tender=tender,
                supplier=supplier,
                price_fen=yuan_to_fen(form.cleaned_data["price_yuan"]),
                technical_response=form.cleaned_data["technical_response"],
                actor=request.user,
                at=clock.now(),
            )
        except ServiceError as exc:
            apply_service_error(form, exc)
    status = 400 if form.errors else 200
    return render(
        request,
        "procurement/bid_form.html",
        {"tender": tender, "form": form, "receipt": receipt, "supplier": supplier},
        status=status,
    )
