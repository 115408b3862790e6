"""Question banks, assessment settings, taking an assessment, scoring, attempts, time limits, revocation."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from conftest import AT, make_user
from zhengcai.core.errors import ServiceError, ServiceErrorGroup
from zhengcai.core.models import AuditEvent, Notification
from zhengcai.core.permissions import Role
from zhengcai.policies.models import PolicyDocument
from zhengcai.training import assessment as svc
from zhengcai.training.errors import AssessmentError
from zhengcai.training.models import Attempt, AttemptStatus, Certificate, CertificateStatus, Question

from .url_samples_assessment import (
    make_bank,
    make_course,
    make_participant,
    make_registration,
    make_session,
    open_assessment,
    pass_assessment,
    right_answers,
    wrong_answers,
)

DONE = AT + dt.timedelta(hours=4)  # attendance established
LATER = AT + dt.timedelta(days=1)


@pytest.fixture
def trainer(heze: dict[str, Any]) -> Any:
    return make_user(Role.BUREAU_REVIEWER, heze["city_dept"], username="city_trainer")


@pytest.fixture
def course(heze: dict[str, Any], trainer: Any) -> Any:
    return make_course(organizer=heze["city_bureau"], actor=trainer)


@pytest.fixture
def session(course: Any) -> Any:
    return make_session(course)


@pytest.fixture
def learner(heze: dict[str, Any]) -> Any:
    return make_user(Role.AGENCY_STAFF, heze["agency"], username="agency_learner")


@pytest.fixture
def registration(heze: dict[str, Any], session: Any, learner: Any) -> Any:
    return make_registration(session, make_participant(heze["agency"], user=learner), completed_at=DONE)


def _start(registration: Any, user: Any, at: dt.datetime = LATER, seed: int = 1) -> Attempt:
    return svc.attempt_start(registration=registration, actor=user, at=at, rng=random.Random(seed))


def _codes(exc: ServiceError) -> list[tuple[str, str | None]]:
    errors = exc.errors if isinstance(exc, ServiceErrorGroup) else [exc]
    return [(e.code, e.field) for e in errors]


# --- the question bank ----------------------------------------------------------------------------------


def test_single_choice_question_has_exactly_one_correct_answer(course: Any, trainer: Any) -> None:
    data = svc.QuestionInput(kind="single", text="投标保证金上限？", options=["2%", "5%"], correct=[0, 1])
    with pytest.raises(ServiceError) as excinfo:
        svc.question_create(course=course, data=data, actor=trainer, at=AT)
    assert _codes(excinfo.value) == [(AssessmentError.QUESTION_CORRECT, "correct")]
    assert "exactly one correct answer" in excinfo.value.message_en
    assert "只有一个正确答案" in excinfo.value.message_zh
    assert Question.objects.count() == 0


def test_multiple_choice_question_has_at_least_two_correct_answers(course: Any, trainer: Any) -> None:
    data = svc.QuestionInput(
        kind="multiple", text="可以提交哪些保证金？", options=["保函", "现金", "转账"], correct=[0]
    )
    with pytest.raises(ServiceError) as excinfo:
        svc.question_create(course=course, data=data, actor=trainer, at=AT)
    assert _codes(excinfo.value) == [(AssessmentError.QUESTION_CORRECT, "correct")]


def test_question_needs_two_to_eight_distinct_non_empty_options_all_reported_at_once(
    course: Any, trainer: Any
) -> None:
    data = svc.QuestionInput(kind="single", text="", options=["甲", "", "甲", "乙", ""], correct=[7])
    with pytest.raises(ServiceErrorGroup) as excinfo:
        svc.question_create(course=course, data=data, actor=trainer, at=AT)
    codes = _codes(excinfo.value)
    assert (AssessmentError.QUESTION_TEXT, "text") in codes
    assert codes.count((AssessmentError.QUESTION_OPTIONS, "options")) == 2  # option 2 empty, option 3 repeats 1
    assert (AssessmentError.QUESTION_CORRECT, "correct") in codes
    messages = [e.message_en for e in excinfo.value.errors]
    assert "Option 2 is empty: write it or remove the options after it." in messages
    assert "Option 3 repeats an earlier option." in messages
    nine = svc.QuestionInput(kind="single", text="题", options=[str(i) for i in range(9)], correct=[0])
    with pytest.raises(ServiceError) as excinfo2:
        svc.question_create(course=course, data=nine, actor=trainer, at=AT)
    assert excinfo2.value.message_en == "Give between 2 and 8 options (you gave 9)."


def test_overlong_question_text_and_option_are_refused_not_truncated(course: Any, trainer: Any) -> None:
    data = svc.QuestionInput(kind="single", text="题" * 1001, options=["对" * 201, "错"], correct=[0])
    with pytest.raises(ServiceErrorGroup) as excinfo:
        svc.question_create(course=course, data=data, actor=trainer, at=AT)
    messages = {e.field: e.message_zh for e in excinfo.value.errors}
    assert "1001" in messages["text"]
    assert "1000" in messages["text"]
    assert "201" in messages["options"]
    assert Question.objects.count() == 0


def test_true_false_question_has_fixed_options(course: Any, trainer: Any) -> None:
    data = svc.QuestionInput(kind="true_false", text="电子保函不得拒收。", options=["x", "y", "z"], correct=[0])
    question = svc.question_create(course=course, data=data, actor=trainer, at=AT)
    assert question.options == ["正确", "错误"]
    assert question.correct == [0]


def test_question_may_link_a_policy_document_of_the_library(course: Any, trainer: Any) -> None:
    missing = svc.QuestionInput(kind="true_false", text="题", correct=[1], document_id=999_999)
    with pytest.raises(ServiceError) as excinfo:
        svc.question_create(course=course, data=missing, actor=trainer, at=AT)
    assert _codes(excinfo.value) == [(AssessmentError.QUESTION_DOCUMENT, "document")]
    document = PolicyDocument.objects.create(
        title="政府采购货物和服务招标投标管理办法",
        number="财政部令第87号",
        level="national",
        doc_type="rule",
        issuer="财政部",
        issued_on=dt.date(2017, 7, 11),
        effective_on=dt.date(2017, 10, 1),
        full_text="……",
        created_at=AT,
        created_by=trainer,
        updated_at=AT,
    )
    linked = svc.QuestionInput(kind="true_false", text="题", correct=[1], document_id=document.pk)
    assert svc.question_create(course=course, data=linked, actor=trainer, at=AT).document == document


def test_county_trainer_cannot_edit_a_city_course_bank(course: Any, county_reviewer: Any) -> None:
    data = svc.QuestionInput(kind="true_false", text="题", correct=[0])
    with pytest.raises(PermissionDenied):
        svc.question_create(course=course, data=data, actor=county_reviewer, at=AT)
    assert not svc.courses_managed(user=county_reviewer).filter(pk=course.pk).exists()


def test_county_trainer_manages_the_county_courses(heze: dict[str, Any], county_reviewer: Any) -> None:
    cao_course = make_course(organizer=heze["cao_bureau"], actor=county_reviewer)
    data = svc.QuestionInput(kind="true_false", text="题", correct=[0])
    assert svc.question_create(course=cao_course, data=data, actor=county_reviewer, at=AT).course == cao_course


def test_question_changes_are_audited(course: Any, trainer: Any) -> None:
    data = svc.QuestionInput(kind="single", text="旧题", options=["甲", "乙"], correct=[0])
    question = svc.question_create(course=course, data=data, actor=trainer, at=AT)
    svc.question_update(
        question=question,
        data=svc.QuestionInput(kind="single", text="新题", options=["甲", "乙"], correct=[1]),
        actor=trainer,
        at=AT,
    )
    svc.question_set_active(question=question, active=False, actor=trainer, at=AT)
    actions = list(
        AuditEvent.objects.filter(object_type="training.question", object_id=str(question.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == ["training.question.create", "training.question.edit", "training.question.retire"]
    edit = AuditEvent.objects.get(action="training.question.edit")
    assert (edit.before or {})["text"] == "旧题"
    assert (edit.after or {})["text"] == "新题"
    with pytest.raises(ServiceError) as excinfo:
        svc.question_update(question=question, data=data, actor=trainer, at=AT)
    assert excinfo.value.code == AssessmentError.QUESTION_RETIRED


# --- settings and opening -------------------------------------------------------------------------------


def test_assessment_settings_must_lie_in_their_ranges(course: Any, trainer: Any) -> None:
    with pytest.raises(ServiceErrorGroup) as excinfo:
        svc.assessment_configure(
            course=course,
            question_count=0,
            pass_mark=101,
            attempts_allowed=11,
            time_limit_minutes=0,
            actor=trainer,
            at=AT,
        )
    fields = {e.field for e in excinfo.value.errors}
    assert fields == {"question_count", "pass_mark", "attempts_allowed", "time_limit_minutes"}
    pass_mark = next(e for e in excinfo.value.errors if e.field == "pass_mark")
    assert pass_mark.message_en == "The pass mark (%) must be a whole number from 1 to 100."


def test_assessment_opens_only_with_enough_questions_in_use(course: Any, trainer: Any) -> None:
    make_bank(course, trainer, count=2)
    assessment = svc.assessment_configure(
        course=course,
        question_count=3,
        pass_mark=60,
        attempts_allowed=2,
        time_limit_minutes=None,
        actor=trainer,
        at=AT,
    )
    with pytest.raises(ServiceError) as excinfo:
        svc.assessment_set_status(assessment=assessment, status="open", actor=trainer, at=AT)
    assert excinfo.value.code == AssessmentError.TOO_FEW_QUESTIONS
    assert excinfo.value.message_en == "The assessment draws 3 questions but the bank has only 2 in use."
    make_bank(course, trainer, count=1)
    assert svc.assessment_set_status(assessment=assessment, status="open", actor=trainer, at=AT).status == "open"


def test_assessment_transitions_follow_the_table(course: Any, trainer: Any) -> None:
    make_bank(course, trainer, count=3)
    assessment = svc.assessment_configure(
        course=course,
        question_count=3,
        pass_mark=60,
        attempts_allowed=2,
        time_limit_minutes=None,
        actor=trainer,
        at=AT,
    )
    with pytest.raises(ServiceError) as excinfo:
        svc.assessment_set_status(assessment=assessment, status="closed", actor=trainer, at=AT)
    assert excinfo.value.code == "core.transition.not_allowed"
    for status in ("open", "closed", "open"):
        assessment = svc.assessment_set_status(assessment=assessment, status=status, actor=trainer, at=AT)
    assert assessment.status == "open"
    events = AuditEvent.objects.filter(object_type="training.assessment").order_by("seq")
    actions = list(events.values_list("action", flat=True))
    assert actions[-3:] == ["training.assessment.open", "training.assessment.close", "training.assessment.open"]


def test_an_open_assessment_keeps_enough_questions_in_use(course: Any, trainer: Any) -> None:
    open_assessment(course, trainer, count=3, bank=3)
    question = course.questions.first()
    with pytest.raises(ServiceError) as excinfo:
        svc.question_set_active(question=question, active=False, actor=trainer, at=AT)
    assert excinfo.value.code == AssessmentError.TOO_FEW_QUESTIONS
    assert Question.objects.get(pk=question.pk).is_active


# --- who may take it ------------------------------------------------------------------------------------


def test_assessment_opens_only_after_attendance_is_established(
    heze: dict[str, Any], course: Any, session: Any, trainer: Any, learner: Any
) -> None:
    open_assessment(course, trainer)
    pending = make_registration(session, make_participant(heze["agency"], user=learner))
    with pytest.raises(ServiceError) as excinfo:
        _start(pending, learner)
    assert excinfo.value.code == AssessmentError.NOT_COMPLETED
    assert "90 percent" in excinfo.value.message_en
    assert "90%" in excinfo.value.message_zh
    assert Attempt.objects.count() == 0


def test_a_cancelled_registration_does_not_open_the_assessment(
    heze: dict[str, Any], course: Any, session: Any, trainer: Any, learner: Any
) -> None:
    open_assessment(course, trainer)
    cancelled = make_registration(
        session, make_participant(heze["agency"], user=learner), completed_at=DONE, status="cancelled"
    )
    with pytest.raises(ServiceError) as excinfo:
        _start(cancelled, learner)
    assert excinfo.value.code == AssessmentError.NOT_COMPLETED


def test_nobody_takes_an_assessment_on_someone_elses_registration(
    heze: dict[str, Any], course: Any, trainer: Any, registration: Any
) -> None:
    open_assessment(course, trainer)
    colleague = make_user(Role.AGENCY_STAFF, heze["agency"], username="colleague")
    with pytest.raises(PermissionDenied):
        _start(registration, colleague)


def test_the_assessment_must_be_open(course: Any, trainer: Any, registration: Any, learner: Any) -> None:
    make_bank(course, trainer, count=3)
    svc.assessment_configure(
        course=course,
        question_count=3,
        pass_mark=60,
        attempts_allowed=2,
        time_limit_minutes=None,
        actor=trainer,
        at=AT,
    )
    with pytest.raises(ServiceError) as excinfo:
        _start(registration, learner)
    assert excinfo.value.code == AssessmentError.NOT_OPEN


# --- drawing and scoring --------------------------------------------------------------------------------


def test_questions_are_drawn_at_random_from_those_in_use_and_copied(
    course: Any, trainer: Any, registration: Any, learner: Any
) -> None:
    open_assessment(course, trainer, count=3, bank=6)
    retired = course.questions.order_by("pk").first()
    svc.question_set_active(question=retired, active=False, actor=trainer, at=AT)
    attempt = _start(registration, learner)
    items = list(attempt.items.order_by("position"))
    assert [i.position for i in items] == [1, 2, 3]
    drawn = {i.question_id for i in items}
    assert len(drawn) == 3
    assert retired.pk not in drawn
    # An edit after the draw does not change what the attempt shows or how it is scored.
    question = items[0].question
    svc.question_update(
        question=question,
        data=svc.QuestionInput(kind="true_false", text="改过的题", correct=[1]),
        actor=trainer,
        at=LATER,
    )
    kind, text, correct = items[0].kind, items[0].text, items[0].correct
    items[0].refresh_from_db()
    assert (items[0].kind, items[0].text, items[0].correct) == (kind, text, correct)
    assert text.startswith("第")


def test_starting_twice_continues_the_same_attempt(course: Any, trainer: Any, registration: Any, learner: Any) -> None:
    open_assessment(course, trainer)
    first = _start(registration, learner)
    assert _start(registration, learner, seed=2).pk == first.pk
    assert Attempt.objects.count() == 1


def test_score_is_computed_on_the_server_and_a_pass_issues_the_certificate(
    course: Any, trainer: Any, registration: Any, learner: Any
) -> None:
    open_assessment(course, trainer, count=3, pass_mark=60)
    attempt = _start(registration, learner)
    result = svc.attempt_submit(attempt=attempt, answers=right_answers(attempt), actor=learner, at=LATER)
    assert result.status == AttemptStatus.SUBMITTED
    assert (result.correct_count, result.score, result.passed) == (3, Decimal("100.00"), True)
    cert = Certificate.objects.get(attempt=result)
    assert cert.number == f"ZCPX2026{cert.pk:06d}"
    assert (cert.holder_name, cert.organization_name, cert.course_title) == (
        "张三丰",
        "山东正信招标代理有限公司",
        course.title,
    )
    assert cert.issuer_name == "菏泽市财政局"
    assert cert.completed_on == dt.date(2026, 3, 3)
    assert cert.status == CertificateStatus.VALID
    note = Notification.objects.get(recipient=learner)
    assert cert.number in note.body
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"training.attempt.start", "training.attempt.submit", "training.certificate.issue"} <= actions
    submitted = AuditEvent.objects.get(action="training.attempt.submit")
    after = submitted.after or {}
    assert after["score"] == "100.00"
    assert len(after["answers"]) == 3


def test_below_the_pass_mark_is_not_passed_and_issues_nothing(
    course: Any, trainer: Any, registration: Any, learner: Any
) -> None:
    open_assessment(course, trainer, count=3, pass_mark=70)
    attempt = _start(registration, learner)
    answers = right_answers(attempt)
    answers[3] = wrong_answers(attempt)[3]
    result = svc.attempt_submit(attempt=attempt, answers=answers, actor=learner, at=LATER)
    assert (result.correct_count, result.score, result.passed) == (2, Decimal("66.67"), False)
    assert not Certificate.objects.exists()


def test_a_multiple_choice_answer_counts_only_when_exactly_the_right_options_are_chosen(
    course: Any, trainer: Any, registration: Any, learner: Any
) -> None:
    open_assessment(course, trainer, count=3, bank=3, pass_mark=100)
    attempt = _start(registration, learner)
    answers = right_answers(attempt)
    multiple = next(i for i in attempt.items.all() if i.kind == "multiple")
    answers[multiple.position] = [0]  # one of the two right options
    result = svc.attempt_submit(attempt=attempt, answers=answers, actor=learner, at=LATER)
    assert result.correct_count == 2
    assert not result.passed
    multiple.refresh_from_db()
    assert (multiple.chosen, multiple.is_correct) == ([0], False)


def test_every_drawn_question_must_be_answered_and_answers_must_be_options(
    course: Any, trainer: Any, registration: Any, learner: Any
) -> None:
    open_assessment(course, trainer, count=3)
    attempt = _start(registration, learner)
    answers = right_answers(attempt)
    single = next(i for i in attempt.items.all() if i.kind != "multiple")
    answers[single.position] = [0, 1]
    del answers[next(p for p in answers if p != single.position)]
    answers[9] = [0]
    with pytest.raises(ServiceErrorGroup) as excinfo:
        svc.attempt_submit(attempt=attempt, answers=answers, actor=learner, at=LATER)
    codes = _codes(excinfo.value)
    assert sum(1 for code, _field in codes if code == AssessmentError.ANSWER_MISSING) == 1
    assert (AssessmentError.ANSWER_INVALID, "q9") in codes
    assert (AssessmentError.ANSWER_INVALID, f"q{single.position}") in codes
    assert any("choose an answer" in e.message_en for e in excinfo.value.errors)
    assert Attempt.objects.get(pk=attempt.pk).status == AttemptStatus.IN_PROGRESS
    with pytest.raises(ServiceError) as excinfo2:
        svc.attempt_submit(attempt=attempt, answers={**right_answers(attempt), 1: [7]}, actor=learner, at=LATER)
    assert _codes(excinfo2.value) == [(AssessmentError.ANSWER_INVALID, "q1")]


def test_a_finished_attempt_cannot_be_answered_again(
    course: Any, trainer: Any, registration: Any, learner: Any
) -> None:
    open_assessment(course, trainer, pass_mark=100)
    attempt = _start(registration, learner)
    svc.attempt_submit(attempt=attempt, answers=wrong_answers(attempt), actor=learner, at=LATER)
    with pytest.raises(ServiceError) as excinfo:
        svc.attempt_submit(attempt=attempt, answers=right_answers(attempt), actor=learner, at=LATER)
    assert excinfo.value.code == AssessmentError.ATTEMPT_CLOSED
    assert Attempt.objects.get(pk=attempt.pk).passed is False


def test_only_the_learner_submits_their_attempt(
    heze: dict[str, Any], course: Any, trainer: Any, registration: Any, learner: Any
) -> None:
    open_assessment(course, trainer)
    attempt = _start(registration, learner)
    with pytest.raises(PermissionDenied):
        svc.attempt_submit(attempt=attempt, answers=right_answers(attempt), actor=trainer, at=LATER)


# --- attempts and time ----------------------------------------------------------------------------------


def test_attempts_are_limited_and_a_pass_ends_them(course: Any, trainer: Any, registration: Any, learner: Any) -> None:
    open_assessment(course, trainer, attempts=2)
    for n in (1, 2):
        attempt = _start(registration, learner, at=LATER + dt.timedelta(hours=n))
        assert attempt.number == n
        svc.attempt_submit(attempt=attempt, answers=wrong_answers(attempt), actor=learner, at=attempt.started_at)
    with pytest.raises(ServiceError) as excinfo:
        _start(registration, learner, at=LATER + dt.timedelta(hours=3))
    assert excinfo.value.code == AssessmentError.NO_ATTEMPTS_LEFT
    assert excinfo.value.message_en == "You have used all 2 attempts at this assessment."


def test_no_attempt_after_a_pass(course: Any, trainer: Any, registration: Any, learner: Any) -> None:
    open_assessment(course, trainer, attempts=3)
    pass_assessment(registration, learner, at=LATER)
    with pytest.raises(ServiceError) as excinfo:
        _start(registration, learner, at=LATER + dt.timedelta(hours=1))
    assert excinfo.value.code == AssessmentError.ALREADY_PASSED


def test_answers_after_the_time_limit_and_grace_close_the_attempt_as_used(
    course: Any, trainer: Any, registration: Any, learner: Any
) -> None:
    open_assessment(course, trainer, time_limit=20, attempts=2)
    attempt = _start(registration, learner)
    assert attempt.deadline == LATER + dt.timedelta(minutes=20)
    late = attempt.deadline + svc.GRACE + dt.timedelta(seconds=1)
    with pytest.raises(svc.AttemptExpired) as excinfo:
        svc.attempt_submit(attempt=attempt, answers=right_answers(attempt), actor=learner, at=late)
    assert "counts as used" in excinfo.value.message_en
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.EXPIRED  # committed despite the error
    assert attempt.passed is None
    assert AuditEvent.objects.filter(action="training.attempt.expire", object_id=str(attempt.pk)).exists()
    second = _start(registration, learner, at=late)
    assert second.number == 2


def test_answers_within_the_grace_are_scored_with_unanswered_questions_wrong(
    course: Any, trainer: Any, registration: Any, learner: Any
) -> None:
    open_assessment(course, trainer, time_limit=20, count=3, pass_mark=60)
    attempt = _start(registration, learner)
    assert attempt.deadline is not None
    answers = right_answers(attempt)
    del answers[3]
    with pytest.raises(ServiceError):  # before the deadline every question needs an answer
        svc.attempt_submit(
            attempt=attempt, answers=answers, actor=learner, at=attempt.deadline - dt.timedelta(minutes=1)
        )
    result = svc.attempt_submit(
        attempt=attempt, answers=answers, actor=learner, at=attempt.deadline + dt.timedelta(seconds=30)
    )
    assert (result.correct_count, result.score, result.passed) == (2, Decimal("66.67"), True)


def test_an_attempt_left_open_past_its_deadline_counts_as_used_at_the_next_start(
    course: Any, trainer: Any, registration: Any, learner: Any
) -> None:
    open_assessment(course, trainer, time_limit=10, attempts=1)
    attempt = _start(registration, learner)
    with pytest.raises(ServiceError) as excinfo:
        _start(registration, learner, at=LATER + dt.timedelta(hours=1))
    assert excinfo.value.code == AssessmentError.NO_ATTEMPTS_LEFT
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.EXPIRED


def test_a_changed_pass_mark_does_not_change_attempts_already_started(
    course: Any, trainer: Any, registration: Any, learner: Any
) -> None:
    assessment = open_assessment(course, trainer, count=3, pass_mark=60)
    attempt = _start(registration, learner)
    svc.assessment_configure(
        course=course,
        question_count=3,
        pass_mark=100,
        attempts_allowed=2,
        time_limit_minutes=None,
        actor=trainer,
        at=AT,
    )
    answers = right_answers(attempt)
    answers[1] = wrong_answers(attempt)[1]
    result = svc.attempt_submit(attempt=attempt, answers=answers, actor=learner, at=LATER)
    assert result.pass_mark == 60
    assert result.passed
    assessment.refresh_from_db()
    assert assessment.pass_mark == 100


# --- revocation -----------------------------------------------------------------------------------------


def test_revocation_needs_a_reason_is_audited_and_tells_the_holder(
    course: Any, trainer: Any, registration: Any, learner: Any, county_reviewer: Any
) -> None:
    open_assessment(course, trainer)
    cert = pass_assessment(registration, learner, at=LATER)
    with pytest.raises(ServiceError) as excinfo:
        svc.certificate_revoke(certificate=cert, reason="  ", actor=trainer, at=LATER)
    assert (excinfo.value.code, excinfo.value.field) == (AssessmentError.REVOKE_REASON, "reason")
    with pytest.raises(ServiceError) as excinfo:
        svc.certificate_revoke(certificate=cert, reason="错" * 501, actor=trainer, at=LATER)
    assert "501" in excinfo.value.message_en
    with pytest.raises(PermissionDenied):
        svc.certificate_revoke(certificate=cert, reason="代考", actor=county_reviewer, at=LATER)
    revoked = svc.certificate_revoke(certificate=cert, reason="经核查系他人代考", actor=trainer, at=LATER)
    assert (revoked.status, revoked.revoked_at, revoked.revoked_by) == (CertificateStatus.REVOKED, LATER, trainer)
    event = AuditEvent.objects.get(action="training.certificate.revoke")
    assert ((event.before or {})["status"], (event.after or {})["status"]) == ("valid", "revoked")
    assert Notification.objects.filter(recipient=learner, subject__contains=cert.number).exists()
    with pytest.raises(ServiceError) as excinfo:
        svc.certificate_revoke(certificate=cert, reason="再次", actor=trainer, at=LATER)
    assert excinfo.value.code == AssessmentError.CERTIFICATE_REVOKED


def test_learner_courses_list_their_assessments_in_a_fixed_number_of_queries(
    heze: dict[str, Any], trainer: Any, learner: Any, django_assert_max_num_queries: Any
) -> None:
    for n in range(3):
        course = make_course(organizer=heze["city_bureau"], actor=trainer, title=f"课程{n}")
        open_assessment(course, trainer)
        registration = make_registration(
            make_session(course), make_participant(heze["agency"], user=learner), completed_at=DONE
        )
        if n == 0:
            pass_assessment(registration, learner, at=LATER)
    with django_assert_max_num_queries(4):
        entries = svc.learner_courses(user=learner)
    assert len(entries) == 3
    assert sum(1 for e in entries if e.certificate is not None) == 1
    assert sum(1 for e in entries if e.can_start) == 2
