"""Back-office pages where purchasers, agencies and suppliers act on a procurement (thin: form → service)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django import forms
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
from .forms import (
    AcceptanceForm,
    BidForm,
    ChallengeAnswerForm,
    ChallengeForm,
    CommitteeDrawForm,
    ComplaintAcceptForm,
    ComplaintDecideForm,
    ComplaintForm,
    ComplaintRejectForm,
    ContractChangeForm,
    ContractForm,
    IntentionForm,
    PaymentForm,
    ProjectForm,
    ScoreSheetForm,
    TenderForm,
    TerminateForm,
)
from .models import Challenge, CommitteeMember, Complaint, EvaluationMethod, Project, ProjectStatus, Tender
from .rules import Category, Method
from .selectors import (
    agencies,
    challenge_for_supplier,
    challenges_for_supplier,
    committee_seat,
    committee_seats,
    complaint_for_bureau,
    complaints_for_bureau,
    intentions_for_manager,
    intentions_for_project,
    project_challenges,
    project_committee,
    project_contract,
    project_for_manager,
    project_public_get,
    purchasers_for,
    score_sheet_rows,
    tender_for_bidding,
)
from .services import (
    ProjectInput,
    intention_create,
    intention_publish,
    project_create,
    project_terminate,
    tender_publish,
)


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


# The manage page's actions: (form class or None, handler(request, project, data, now) → success message).
Handler = Callable[[HttpRequest, Project, dict[str, Any], dt.datetime], str]


def _publish_tender(request: HttpRequest, project: Project, d: dict[str, Any], now: dt.datetime) -> str:
    tender_publish(
        project=project,
        docs_from=d["docs_from"],
        docs_until=d["docs_until"],
        deadline=_aware(d["deadline"]),
        notice_text=d["notice_text"],
        actor=request.user,
        at=now,
    )
    return _("The notice is published.")


def _open(request: HttpRequest, project: Project, d: dict[str, Any], now: dt.datetime) -> str:
    result = bidding.tender_open(tender=project.tender, actor=request.user, at=now)
    return _("Too few valid bids: the procurement failed.") if result.failed else _("Bids opened.")


def _draw(request: HttpRequest, project: Project, d: dict[str, Any], now: dt.datetime) -> str:
    evaluation.committee_draw(project=project, size=d["size"], actor=request.user, at=now)
    return _("The evaluation committee is drawn; the experts are notified.")


def _evaluate(request: HttpRequest, project: Project, d: dict[str, Any], now: dt.datetime) -> str:
    if project.evaluation_method == EvaluationMethod.SCORING:
        evaluation.evaluate_scoring(project=project, actor=request.user, at=now)
    else:
        bidding.evaluate_lowest_price(project=project, actor=request.user, at=now)
    return _("Bids evaluated and ranked.")


def _award(request: HttpRequest, project: Project, d: dict[str, Any], now: dt.datetime) -> str:
    bidding.award_decide(project=project, actor=request.user, at=now)
    return _("Winner confirmed.")


def _publish_result(request: HttpRequest, project: Project, d: dict[str, Any], now: dt.datetime) -> str:
    lifecycle.result_publish(award=project.award, actor=request.user, at=now)
    return _("Result notice published.")


def _sign(request: HttpRequest, project: Project, d: dict[str, Any], now: dt.datetime) -> str:
    lifecycle.contract_sign(
        award=project.award,
        signed_on=d["signed_on"],
        payment_days=d["payment_days"],
        advance_payment_fen=yuan_to_fen(d["advance_yuan"] or Decimal(0)),
        actor=request.user,
        at=now,
    )
    return _("Contract recorded; publish it within 2 working days (D-CONTRACT-PUB-2WD).")


def _publish_contract(request: HttpRequest, project: Project, d: dict[str, Any], now: dt.datetime) -> str:
    lifecycle.contract_publish(contract=project.contract, actor=request.user, at=now)
    return _("Contract notice published.")


def _accept(request: HttpRequest, project: Project, d: dict[str, Any], now: dt.datetime) -> str:
    lifecycle.acceptance_record(
        contract=project.contract,
        passed=d["passed"],
        accepted_on=d["accepted_on"],
        note=d["note"],
        actor=request.user,
        at=now,
    )
    return _("Acceptance recorded.")


def _pay(request: HttpRequest, project: Project, d: dict[str, Any], now: dt.datetime) -> str:
    lifecycle.payment_record(
        contract=project.contract,
        amount_fen=yuan_to_fen(d["amount_yuan"]),
        paid_on=d["paid_on"],
        is_advance=d["is_advance"],
        actor=request.user,
        at=now,
    )
    return _("Payment recorded.")


def _amend(request: HttpRequest, project: Project, d: dict[str, Any], now: dt.datetime) -> str:
    lifecycle.contract_amend(
        contract=project.contract,
        changed_on=d["changed_on"],
        rationale=d["rationale"],
        description=d["description"],
        amount_after_fen=yuan_to_fen(d["amount_after_yuan"]),
        actor=request.user,
        at=now,
    )
    return _("Contract change recorded and published (D-CONTRACT-PUB-2WD).")


def _answer(request: HttpRequest, project: Project, d: dict[str, Any], now: dt.datetime) -> str:
    challenge = project_challenges(project=project).filter(pk=d["challenge"]).first()
    if challenge is None:
        raise Http404
    lifecycle.challenge_answer(challenge=challenge, answer=d["answer"], actor=request.user, at=now)
    return _("Answer sent to the supplier and shown on the project's public page.")


def _terminate(request: HttpRequest, project: Project, d: dict[str, Any], now: dt.datetime) -> str:
    project_terminate(project=project, reason=d["reason"], actor=request.user, at=now)
    return _("The procurement is terminated; the termination notice is published.")


ACTIONS: dict[str, tuple[type[forms.Form] | None, Handler]] = {
    "publish_tender": (TenderForm, _publish_tender),
    "open": (None, _open),
    "draw_committee": (CommitteeDrawForm, _draw),
    "evaluate": (None, _evaluate),
    "award": (None, _award),
    "publish_result": (None, _publish_result),
    "sign_contract": (ContractForm, _sign),
    "publish_contract": (None, _publish_contract),
    "acceptance": (AcceptanceForm, _accept),
    "payment": (PaymentForm, _pay),
    "amend_contract": (ContractChangeForm, _amend),
    "answer_challenge": (ChallengeAnswerForm, _answer),
    "terminate": (TerminateForm, _terminate),
}
TERMINABLE = {
    ProjectStatus.DRAFT,
    ProjectStatus.TENDERING,
    ProjectStatus.OPENED,
    ProjectStatus.EVALUATED,
    ProjectStatus.AWARDED,
}
FORM_NAMES = {
    "publish_tender": "tender_form",
    "draw_committee": "draw_form",
    "sign_contract": "contract_form",
    "acceptance": "acceptance_form",
    "payment": "payment_form",
    "amend_contract": "change_form",
    "answer_challenge": "answer_form",
    "terminate": "terminate_form",
}


def _contract_yuan(contract: Any) -> Decimal | None:
    """The contract's current amount in yuan, to prefill the change form (Decimal, never float)."""
    return Decimal(contract.amount_fen) / 100 if contract is not None else None


def _manage_context(request: HttpRequest, project: Project) -> dict[str, Any]:
    contract = project_contract(project=project)
    context: dict[str, Any] = {
        "project": project,
        "now": clock.now(),
        # D-EVAL-REPORT: the purchaser, not the agency, confirms the winner and signs the contract
        "is_purchaser": scope_reaches(user=request.user, perm=P.PROCUREMENT_MANAGE, organization=project.purchaser),
        "tender": Tender.objects.filter(project=project).first(),
        "contract": contract,
        "paid_fen": lifecycle.contract_paid_fen(contract) if contract else 0,
        "challenges": list(project_challenges(project=project)),
        "terminable": project.status in TERMINABLE,
        "tender_form": TenderForm(),
        "contract_form": ContractForm(initial={"signed_on": timezone.localdate()}),
        "acceptance_form": AcceptanceForm(initial={"accepted_on": timezone.localdate(), "passed": True}),
        "payment_form": PaymentForm(initial={"paid_on": timezone.localdate()}),
        "change_form": ContractChangeForm(
            initial={"changed_on": timezone.localdate(), "amount_after_yuan": _contract_yuan(contract)}
        ),
        "amendments": list(contract.amendments.order_by("changed_on", "id")) if contract else [],
        "answer_form": ChallengeAnswerForm(),
        "terminate_form": TerminateForm(),
    }
    if project.evaluation_method == EvaluationMethod.SCORING:
        committee = list(project_committee(project=project))
        context["committee"] = committee
        context["sheets_pending"] = sum(1 for m in committee if m.submitted_at is None)
        context["draw_form"] = CommitteeDrawForm(
            initial={"size": rules.committee_min_size(project.budget_fen, on=timezone.localdate())}
        )
    return context


@permission(P.PROCUREMENT_MANAGE)
@require_http_methods(["GET", "POST"])
def project_manage(request: HttpRequest, number: str) -> HttpResponse:
    """The project's next step: notice, opening, committee, evaluation, award, result, contract, acceptance,
    payments; answers to challenges; termination. Each action is one service call; a refused action
    shows its form again with the bilingual reasons, nothing written."""
    project = _managed(request, number)
    if request.method == "GET":
        return render(request, "procurement/manage.html", _manage_context(request, project))
    action = request.POST.get("action", "")
    if action not in ACTIONS:
        messages.error(request, _("Unknown action."))
        return redirect("procurement:manage", number=project.number)
    form_class, handler = ACTIONS[action]
    form = form_class(request.POST) if form_class is not None else None
    if form is None or form.is_valid():
        try:
            message = handler(request, project, form.cleaned_data if form is not None else {}, clock.now())
        except ServiceError as exc:
            if form is None:
                messages.error(request, bilingual(exc))
                return redirect("procurement:manage", number=project.number)
            apply_service_error(form, exc)
        else:
            messages.success(request, message)
            return redirect("procurement:manage", number=project.number)
    context = _manage_context(request, project)
    context[FORM_NAMES[action]] = form
    context["failed_action"] = action
    return render(request, "procurement/manage.html", context, status=400)


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
    supplier = _my_supplier(request)
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


# --- challenges (suppliers) and complaints (the finance bureau) ---------------------------------------------


def _my_supplier(request: HttpRequest) -> Organization | None:
    bidders = [m.organization for m in user_memberships(user=request.user) if m.role == Role.SUPPLIER_STAFF]
    return bidders[0] if bidders else None


@permission(P.BID_SUBMIT)
@require_http_methods(["GET", "POST"])
def challenge_new(request: HttpRequest, number: str) -> HttpResponse:
    """质疑: a supplier challenges a procurement in writing within 7 working days of knowing (C-CHALLENGE-7WD)."""
    try:
        project = project_public_get(number=number)
    except Project.DoesNotExist as exc:
        raise Http404 from exc
    supplier = _my_supplier(request)
    form = ChallengeForm(request.POST or None, initial={"known_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid() and supplier is not None:
        try:
            lifecycle.challenge_submit(
                project=project,
                supplier=supplier,
                known_on=form.cleaned_data["known_on"],
                text=form.cleaned_data["text"],
                actor=request.user,
                at=clock.now(),
            )
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("Challenge received; the answer is due within 7 working days."))
            return redirect("procurement:challenges")
    context = {"project": project, "form": form, "supplier": supplier}
    return render(request, "procurement/challenge_form.html", context, status=400 if form.errors else 200)


@permission(P.BID_SUBMIT)
@require_http_methods(["GET"])
def challenges(request: HttpRequest) -> HttpResponse:
    """The supplier's challenges and complaints with their clocks."""
    return render(
        request, "procurement/challenges.html", {"challenges": challenges_for_supplier(user=request.user)[:200]}
    )


@permission(P.BID_SUBMIT)
@require_http_methods(["GET", "POST"])
def complaint_new(request: HttpRequest, pk: int) -> HttpResponse:
    """投诉 to the finance bureau after the answer, or its due date (C-COMPLAINT-15WD)."""
    try:
        challenge = challenge_for_supplier(user=request.user, pk=pk)
    except Challenge.DoesNotExist as exc:
        raise Http404 from exc
    form = ComplaintForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            lifecycle.complaint_submit(
                challenge=challenge, text=form.cleaned_data["text"], actor=request.user, at=clock.now()
            )
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("Complaint filed with the finance bureau."))
            return redirect("procurement:challenges")
    context = {"challenge": challenge, "form": form}
    return render(request, "procurement/complaint_form.html", context, status=400 if form.errors else 200)


@permission(P.COMPLAINT_HANDLE)
@require_http_methods(["GET"])
def complaints(request: HttpRequest) -> HttpResponse:
    """The bureau's complaint desk: open complaints with their statutory clocks first."""
    return render(
        request, "procurement/complaints.html", {"complaints": complaints_for_bureau(user=request.user)[:200]}
    )


COMPLAINT_ACTIONS: dict[str, type[forms.Form]] = {
    "accept": ComplaintAcceptForm,
    "reject": ComplaintRejectForm,
    "decide": ComplaintDecideForm,
}


@permission(P.COMPLAINT_HANDLE)
@require_http_methods(["GET", "POST"])
def complaint_handle(request: HttpRequest, pk: int) -> HttpResponse:
    """Admissibility (accept, optionally suspending the procurement, or refuse) and the decision."""
    try:
        complaint = complaint_for_bureau(user=request.user, pk=pk)
    except Complaint.DoesNotExist as exc:
        raise Http404 from exc
    bound: dict[str, forms.Form] = {}
    action = request.POST.get("action", "") if request.method == "POST" else ""
    if action in COMPLAINT_ACTIONS:
        form = COMPLAINT_ACTIONS[action](request.POST)
        bound[action] = form
        if form.is_valid():
            d, now = form.cleaned_data, clock.now()
            try:
                if action == "accept":
                    lifecycle.complaint_accept(complaint=complaint, suspend=d["suspend"], actor=request.user, at=now)
                elif action == "reject":
                    lifecycle.complaint_reject(complaint=complaint, reason=d["reason"], actor=request.user, at=now)
                else:
                    lifecycle.complaint_decide(
                        complaint=complaint,
                        upheld=d["upheld"],
                        affects_result=d["affects_result"],
                        decision=d["decision"],
                        actor=request.user,
                        at=now,
                    )
            except ServiceError as exc:
                apply_service_error(form, exc)
            else:
                messages.success(request, _("Recorded."))
                return redirect("procurement:complaint", pk=complaint.pk)
    context = {
        "complaint": complaint,
        "challenge": complaint.challenge,
        "accept_form": bound.get("accept", ComplaintAcceptForm()),
        "reject_form": bound.get("reject", ComplaintRejectForm()),
        "decide_form": bound.get("decide", ComplaintDecideForm()),
    }
    return render(request, "procurement/complaint_handle.html", context, status=400 if bound else 200)


@permission(P.EVALUATION_SCORE)
@require_http_methods(["GET"])
def score_sheet_moved(request: HttpRequest, number: str) -> HttpResponse:
    """Scoring sheets lived at /office/evaluation/<number>/ until the business-environment evaluation took that
    prefix; links in notifications and e-mails sent before still arrive there. Sends them on (the sheet itself
    checks the caller's seat)."""
    return redirect("procurement:score_sheet", number=number, permanent=True)
