"""Pages of assessments, certificates and figures.

Trainers (``P.TRAINING_MANAGE``): the question bank and assessment of a course, the certificates they issued
and revocation. Learners (``P.TRAINING_LEARN``): their assessments, attempts and certificates. Anyone: the
certificate verification page. The bureau (``P.TRAINING_VIEW``): figures and coverage, with an Excel export.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from zhengcai.accounts.selectors import regions_in_scope, user_scope
from zhengcai.core import clock
from zhengcai.core.errors import ServiceError, bilingual
from zhengcai.core.forms import apply_service_error
from zhengcai.core.permissions import P, permission
from zhengcai.organizations.models import Region
from zhengcai.policies.models import PolicyDocument

from . import assessment as services
from . import certificates, figures
from .models import (
    Assessment,
    AssessmentStatus,
    Attempt,
    AttemptStatus,
    Certificate,
    CertificateStatus,
    Course,
    Question,
    QuestionKind,
    Registration,
)

OPTION_FIELDS = services.OPTIONS_MAX
CODE_CHARS = re.compile(r"[A-Za-z0-9._-]+")


# --- forms ----------------------------------------------------------------------------------------------


class QuestionForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Question type"), choices=QuestionKind.choices)
    text = forms.CharField(
        label=gettext_lazy("Question"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("At most 1000 characters."),
    )
    explanation = forms.CharField(
        label=gettext_lazy("Explanation"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Shown with the right answer after the assessment; at most 2000 characters."),
    )
    document = forms.ModelChoiceField(
        label=gettext_lazy("Policy document"),
        queryset=PolicyDocument.objects.order_by("-issued_on", "-id"),
        required=False,
        help_text=gettext_lazy("The policy the question is about (optional)."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for n in range(1, OPTION_FIELDS + 1):
            self.fields[f"option_{n}"] = forms.CharField(
                label=_("Option {n}").format(n=n),
                required=False,
                help_text=_("At most 200 characters.") if n == 1 else "",
            )
            self.fields[f"correct_{n}"] = forms.BooleanField(
                label=_("Option {n} is correct").format(n=n), required=False
            )
        self.fields["true_is_correct"] = forms.TypedChoiceField(
            label=_("For a true/false question, the statement is"),
            choices=[("", "—"), ("1", _("True")), ("0", _("False"))],
            coerce=int,
            empty_value=None,
            required=False,
        )

    def option_rows(self) -> list[tuple[Any, Any]]:
        return [(self[f"option_{n}"], self[f"correct_{n}"]) for n in range(1, OPTION_FIELDS + 1)]

    @staticmethod
    def initial_for(question: Question) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "kind": question.kind,
            "text": question.text,
            "explanation": question.explanation,
            "document": question.document_id,
        }
        if question.kind == QuestionKind.TRUE_FALSE:
            initial["true_is_correct"] = "1" if question.correct == [0] else "0"
        else:
            for index, option in enumerate(question.options, start=1):
                initial[f"option_{index}"] = option
                initial[f"correct_{index}"] = index - 1 in question.correct
        return initial

    def to_input(self) -> services.QuestionInput:
        d = self.cleaned_data
        document = d.get("document")
        if d["kind"] == QuestionKind.TRUE_FALSE:
            flag = d.get("true_is_correct")
            correct = [] if flag is None else [0 if flag == 1 else 1]
            options: list[str] = []
        else:
            options = [d.get(f"option_{n}") or "" for n in range(1, OPTION_FIELDS + 1)]
            correct = [n - 1 for n in range(1, OPTION_FIELDS + 1) if d.get(f"correct_{n}")]
        return services.QuestionInput(
            kind=d["kind"],
            text=d["text"],
            options=options,
            correct=correct,
            explanation=d.get("explanation") or "",
            document_id=document.pk if document is not None else None,
        )


class SettingsForm(forms.Form):
    question_count = forms.IntegerField(
        label=gettext_lazy("Questions drawn"), help_text=gettext_lazy("Drawn at random from the questions in use.")
    )
    pass_mark = forms.IntegerField(label=gettext_lazy("Pass mark (%)"))
    attempts_allowed = forms.IntegerField(label=gettext_lazy("Attempts allowed"))
    time_limit_minutes = forms.IntegerField(
        label=gettext_lazy("Time limit (minutes)"), required=False, help_text=gettext_lazy("Empty: no time limit.")
    )


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason for revocation"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("At most 500 characters; the holder is told."),
    )


class FiguresForm(forms.Form):
    year = forms.IntegerField(
        label=gettext_lazy("Year"), min_value=figures.YEAR_RANGE[0], max_value=figures.YEAR_RANGE[1]
    )
    region = forms.ModelChoiceField(
        label=gettext_lazy("Region"),
        queryset=Region.objects.none(),
        required=False,
        empty_label=gettext_lazy("All regions in scope"),
    )

    def __init__(self, *args: Any, regions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions  # type: ignore[attr-defined]


class VerifyForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Verification code"),
        max_length=300,  # a pasted link from the QR code is accepted too
        help_text=gettext_lazy("Printed under the QR code on the certificate."),
    )


class _Invalid(Exception):
    """A bound form failed its own validation; it is shown again with its errors."""


# --- trainers: question bank and assessment -------------------------------------------------------------


def _managed_course(request: HttpRequest, course_id: int) -> Course:
    try:
        return services.courses_managed(user=request.user).select_related("region", "organizer").get(pk=course_id)
    except Course.DoesNotExist as exc:
        raise Http404 from exc


@permission(P.TRAINING_MANAGE)
def assessment_courses(request: HttpRequest) -> HttpResponse:
    """The courses in the trainer's scope with their question banks and assessments."""
    courses = (
        services.courses_managed(user=request.user)
        .select_related("region", "assessment")
        .annotate(
            questions_in_use=Count("questions", filter=Q(questions__is_active=True), distinct=True),
            certificates_issued=Count("certificates", distinct=True),
        )
        .order_by("-created_at", "-id")
    )
    page = Paginator(courses, 50).get_page(request.GET.get("page"))
    return render(request, "training/assessment_courses.html", {"page": page})


@permission(P.TRAINING_MANAGE)
@require_http_methods(["GET", "POST"])
def assessment_bank(request: HttpRequest, course_id: int) -> HttpResponse:
    """A course's question bank and its assessment: settings, open and close."""
    course = _managed_course(request, course_id)
    assessment = Assessment.objects.filter(course=course).first()
    action = request.POST.get("action", "")
    settings_form = SettingsForm(
        request.POST if action == "settings" else None,
        initial=(
            {
                "question_count": assessment.question_count,
                "pass_mark": assessment.pass_mark,
                "attempts_allowed": assessment.attempts_allowed,
                "time_limit_minutes": assessment.time_limit_minutes,
            }
            if assessment is not None
            else {"question_count": 10, "pass_mark": 60, "attempts_allowed": 3}
        ),
    )
    status = 200
    if request.method == "POST":
        now = clock.now()
        try:
            if action == "settings":
                if not settings_form.is_valid():
                    raise _Invalid
                d = settings_form.cleaned_data
                services.assessment_configure(
                    course=course,
                    question_count=d["question_count"],
                    pass_mark=d["pass_mark"],
                    attempts_allowed=d["attempts_allowed"],
                    time_limit_minutes=d["time_limit_minutes"],
                    actor=request.user,
                    at=now,
                )
                messages.success(request, _("Assessment settings saved."))
            elif action in {AssessmentStatus.OPEN, AssessmentStatus.CLOSED} and assessment is not None:
                services.assessment_set_status(assessment=assessment, status=action, actor=request.user, at=now)
                messages.success(
                    request, _("Assessment opened.") if action == AssessmentStatus.OPEN else _("Assessment closed.")
                )
            else:
                raise Http404
        except ServiceError as exc:
            if action == "settings":
                apply_service_error(settings_form, exc)
            else:
                messages.error(request, bilingual(exc))
            status = 400
        except _Invalid:
            status = 400
        else:
            return redirect("training:assessment_bank", course_id=course.pk)
    context = {
        "course": course,
        "assessment": assessment,
        "rows": services.question_bank(course=course),
        "settings_form": settings_form,
        "summary": services.attempts_summary(assessment=assessment) if assessment is not None else None,
    }
    return render(request, "training/assessment_bank.html", context, status=status)


def _question_page(request: HttpRequest, course: Course, question: Question | None) -> HttpResponse:
    if request.method == "POST":
        form = QuestionForm(request.POST)
        if form.is_valid():
            try:
                if question is None:
                    services.question_create(course=course, data=form.to_input(), actor=request.user, at=clock.now())
                    messages.success(request, _("Question added."))
                else:
                    services.question_update(
                        question=question, data=form.to_input(), actor=request.user, at=clock.now()
                    )
                    messages.success(request, _("Question saved."))
            except ServiceError as exc:
                apply_service_error(form, exc)
            else:
                if question is None and request.POST.get("another"):
                    return redirect("training:question_new", course_id=course.pk)
                return redirect("training:assessment_bank", course_id=course.pk)
    else:
        form = QuestionForm(initial=QuestionForm.initial_for(question) if question is not None else {"kind": "single"})
    return render(
        request,
        "training/assessment_question.html",
        {"course": course, "question": question, "form": form},
        status=400 if form.errors else 200,
    )


@permission(P.TRAINING_MANAGE)
@require_http_methods(["GET", "POST"])
def question_new(request: HttpRequest, course_id: int) -> HttpResponse:
    return _question_page(request, _managed_course(request, course_id), None)


def _managed_question(request: HttpRequest, pk: int) -> Question:
    question = Question.objects.select_related("course").filter(pk=pk).first()
    if question is None or not services.course_is_managed(user=request.user, course=question.course):
        raise Http404
    return question


@permission(P.TRAINING_MANAGE)
@require_http_methods(["GET", "POST"])
def question_edit(request: HttpRequest, pk: int) -> HttpResponse:
    question = _managed_question(request, pk)
    return _question_page(request, question.course, question)


@permission(P.TRAINING_MANAGE)
@require_POST
def question_active(request: HttpRequest, pk: int) -> HttpResponse:
    """Take a question out of use, or put it back (``active`` = 1 or 0)."""
    question = _managed_question(request, pk)
    active = request.POST.get("active") == "1"
    try:
        services.question_set_active(question=question, active=active, actor=request.user, at=clock.now())
    except ServiceError as exc:
        messages.error(request, bilingual(exc))
    else:
        messages.success(request, _("Question put back in use.") if active else _("Question taken out of use."))
    return redirect("training:assessment_bank", course_id=question.course_id)


@permission(P.TRAINING_MANAGE)
def certificate_list(request: HttpRequest) -> HttpResponse:
    """Certificates of the courses in the trainer's scope, newest first; search by number or holder."""
    certs = services.certificates_managed(user=request.user)
    query = (request.GET.get("q") or "").strip()[:50]
    if query:
        certs = certs.filter(Q(number__icontains=query) | Q(holder_name__icontains=query))
    page = Paginator(certs, 50).get_page(request.GET.get("page"))
    context = {"page": page, "q": query, "query": urlencode({"q": query}) if query else ""}
    return render(request, "training/certificate_list.html", context)


@permission(P.TRAINING_MANAGE)
@require_http_methods(["GET", "POST"])
def certificate_revoke(request: HttpRequest, number: str) -> HttpResponse:
    cert = services.certificates_managed(user=request.user).filter(number=number).first()
    if cert is None:
        raise Http404
    form = RevokeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.certificate_revoke(
                certificate=cert, reason=form.cleaned_data["reason"], actor=request.user, at=clock.now()
            )
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("Certificate {number} revoked.").format(number=cert.number))
            return redirect("training:certificate_list")
    return render(
        request,
        "training/certificate_revoke.html",
        {"c": cert, "form": form, "revoked": cert.status == CertificateStatus.REVOKED},
        status=400 if form.errors else 200,
    )


# --- learners -------------------------------------------------------------------------------------------


@permission(P.TRAINING_LEARN)
def my_assessments(request: HttpRequest) -> HttpResponse:
    """The learner's completed trainings with their assessments, attempts and certificates."""
    return render(
        request,
        "training/assessment_my.html",
        {"items": services.learner_courses(user=request.user)},
    )


@permission(P.TRAINING_LEARN)
@require_POST
def assessment_start(request: HttpRequest, registration_id: int) -> HttpResponse:
    registration = services.completed_registrations(user=request.user).filter(pk=registration_id).first()
    if registration is None:
        registration = Registration.objects.filter(pk=registration_id, participant__user=request.user.pk).first()
        if registration is None:
            raise Http404
    try:
        attempt = services.attempt_start(registration=registration, actor=request.user, at=clock.now())
    except ServiceError as exc:
        messages.error(request, bilingual(exc))
        return redirect("training:my_assessments")
    return redirect("training:attempt", pk=attempt.pk)


def _answers(request: HttpRequest, attempt: Attempt) -> dict[int, list[int]]:
    """The posted answers by question position (a value that is not a number becomes -1: refused)."""
    answers: dict[int, list[int]] = {}
    for item in attempt.items.all():
        values = []
        for raw in request.POST.getlist(f"q{item.position}"):
            try:
                values.append(int(raw))
            except ValueError:
                values.append(-1)
        answers[item.position] = values
    return answers


@permission(P.TRAINING_LEARN)
@require_http_methods(["GET", "POST"])
def attempt_page(request: HttpRequest, pk: int) -> HttpResponse:
    """An attempt: the questions while in progress (POST submits the answers), the result afterwards."""
    try:
        attempt = services.attempt_for_learner(user=request.user, pk=pk)
    except Attempt.DoesNotExist as exc:
        raise Http404 from exc
    errors: dict[str, list[str]] = {}
    chosen: dict[int, list[int]] = {}
    status = 200
    if request.method == "POST":
        chosen = _answers(request, attempt)
        try:
            attempt = services.attempt_submit(attempt=attempt, answers=chosen, actor=request.user, at=clock.now())
        except services.AttemptExpired as exc:
            messages.error(request, bilingual(exc))
            return redirect("training:attempt", pk=attempt.pk)
        except ServiceError as exc:
            group = getattr(exc, "errors", [exc])
            for err in group:
                errors.setdefault(err.field or "", []).append(bilingual(err))
            status = 400
        else:
            if attempt.passed:
                messages.success(request, _("Passed: your certificate is ready."))
            else:
                messages.error(request, _("Not passed this time."))
            return redirect("training:attempt", pk=attempt.pk)
    assessment = attempt.assessment
    used = Attempt.objects.filter(assessment=assessment, participant=attempt.participant).count()
    finished = attempt.status != AttemptStatus.IN_PROGRESS
    show_answers = finished and (
        bool(attempt.passed) or used >= assessment.attempts_allowed or assessment.status != AssessmentStatus.OPEN
    )
    items = [
        {
            "item": item,
            "options": [
                {
                    "index": index,
                    "text": _tf_label(item.kind, index, text),
                    "checked": index in (chosen.get(item.position) or item.chosen or []),
                    "right": index in item.correct,
                }
                for index, text in enumerate(item.options)
            ],
            "errors": errors.get(f"q{item.position}", []),
        }
        for item in attempt.items.all()
    ]
    certificate = Certificate.objects.filter(attempt=attempt).first()
    context = {
        "attempt": attempt,
        "assessment": assessment,
        "course": assessment.course,
        "items": items,
        "general_errors": errors.get("", []),
        "finished": finished,
        "show_answers": show_answers,
        "attempts_left": max(0, assessment.attempts_allowed - used),
        "certificate": certificate,
        "now": clock.now(),
    }
    return render(request, "training/assessment_attempt.html", context, status=status)


def _tf_label(kind: str, index: int, text: str) -> str:
    if kind != QuestionKind.TRUE_FALSE:
        return text
    return _("True") if index == 0 else _("False")


@permission(P.TRAINING_LEARN)
def certificate_pdf(request: HttpRequest, number: str) -> HttpResponse:
    """The certificate as PDF, for its holder or a trainer of the course."""
    try:
        cert = services.certificate_for_download(user=request.user, number=number)
    except Certificate.DoesNotExist as exc:
        raise Http404 from exc
    data = certificates.certificate_pdf(cert, base_url=request.build_absolute_uri("/"))
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{cert.number}.pdf"'
    return response


# --- public verification --------------------------------------------------------------------------------


@permission(P.PUBLIC)
def certificate_verify(request: HttpRequest, code: str) -> HttpResponse:
    """VALID / REVOKED / NOT FOUND for the code in a certificate's QR code (NOT FOUND answers 404)."""
    result = certificates.certificate_verify(code)
    status = 404 if result.verdict == certificates.Verdict.NOT_FOUND else 200
    return render(
        request,
        "training/certificate_verify.html",
        {"result": result, "code": code, "form": VerifyForm(initial={"code": code})},
        status=status,
    )


@permission(P.PUBLIC)
def certificate_verify_form(request: HttpRequest) -> HttpResponse:
    """Type or paste a verification code."""
    form = VerifyForm(request.GET or None)
    if form.is_bound and form.is_valid():
        # A pasted link from the QR code works as well as the code printed under it.
        code = form.cleaned_data["code"].strip().rstrip("/").rpartition("/")[2]
        if CODE_CHARS.fullmatch(code):
            return redirect("training:certificate_verify", code=code)
        result = certificates.certificate_verify("")
        return render(request, "training/certificate_verify.html", {"result": result, "form": form}, status=404)
    return render(
        request,
        "training/certificate_verify.html",
        {"result": None, "form": form},
        status=400 if form.errors else 200,
    )


# --- figures --------------------------------------------------------------------------------------------


def _figures_for(request: HttpRequest) -> tuple[FiguresForm, figures.Figures | None]:
    regions = regions_in_scope(user_scope(user=request.user, perm=P.TRAINING_VIEW)).order_by("sort", "code")
    data = request.GET.copy()
    data.setdefault("year", str(clock.today().year))
    form = FiguresForm(data, regions=regions)
    if not form.is_valid():
        return form, None
    board = figures.training_figures(
        user=request.user, year=form.cleaned_data["year"], region=form.cleaned_data["region"]
    )
    return form, board


@permission(P.TRAINING_VIEW)
def figures_page(request: HttpRequest) -> HttpResponse:
    form, board = _figures_for(request)
    if board is None:
        return render(request, "training/figures.html", {"form": form, "board": None}, status=400)
    query = request.GET.urlencode()
    return render(
        request,
        "training/figures.html",
        {"form": form, "board": board, "charts": figures.charts(board), "query": query},
    )


@permission(P.TRAINING_VIEW)
def figures_xlsx(request: HttpRequest) -> HttpResponse:
    form, board = _figures_for(request)
    if board is None:
        return render(request, "training/figures.html", {"form": form, "board": None}, status=400)
    data = figures.workbook(board, at=clock.now())
    response = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    suffix = f"-{board.region.code}" if board.region else ""
    response["Content-Disposition"] = f'attachment; filename="training-figures-{board.year}{suffix}.xlsx"'
    return response
