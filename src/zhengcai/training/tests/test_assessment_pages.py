"""The assessment pages: a trainer builds a bank and opens the assessment; a learner takes it and gets the
certificate; errors are shown on the fields, in both languages."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from conftest import AT, make_user
from zhengcai.core import clock
from zhengcai.core.permissions import Role
from zhengcai.training.models import Assessment, Attempt, Certificate, Question

from .url_samples_assessment import (
    make_course,
    make_participant,
    make_registration,
    make_session,
    open_assessment,
    right_answers,
)


@pytest.fixture
def trainer(heze: dict[str, Any]) -> Any:
    return make_user(Role.BUREAU_REVIEWER, heze["city_dept"], username="city_trainer")


@pytest.fixture
def course(heze: dict[str, Any], trainer: Any) -> Any:
    return make_course(organizer=heze["city_bureau"], actor=trainer, title="政府采购合同管理")


@pytest.fixture
def learner(heze: dict[str, Any]) -> Any:
    return make_user(Role.PURCHASER_STAFF, heze["budget_unit"], username="unit_learner")


@pytest.fixture
def registration(heze: dict[str, Any], course: Any, learner: Any) -> Any:
    participant = make_participant(heze["budget_unit"], user=learner, name="王小明")
    return make_registration(make_session(course), participant, completed_at=AT + dt.timedelta(hours=4))


def _client(user: Any, language: str = "zh-hans") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def test_a_trainer_adds_questions_sets_and_opens_the_assessment(course: Any, trainer: Any) -> None:
    client = _client(trainer)
    new = f"/office/training/courses/{course.pk}/questions/new/"
    assert client.get(new).status_code == 200
    bad = client.post(new, {"kind": "single", "text": "采购意向公开时间？", "option_1": "30日", "option_2": "10日"})
    assert bad.status_code == 400
    assert "单选题和判断题有且只有一个正确答案。 / A single-choice or true/false question" in bad.content.decode()
    for n in range(3):
        response = client.post(
            new,
            {
                "kind": "single",
                "text": f"第{n}题：采购意向至少提前多久公开？",
                "option_1": "30日",
                "option_2": "10日",
                "option_3": "",
                "correct_1": "on",
                "explanation": "财库〔2020〕10号",
            },
        )
        assert response.status_code == 302
    tf = client.post(new, {"kind": "true_false", "text": "电子保函不得拒收。", "true_is_correct": "1"})
    assert tf.status_code == 302
    assert Question.objects.filter(course=course).count() == 4
    assert Question.objects.get(kind="true_false").correct == [0]
    assert Question.objects.filter(kind="single").order_by("pk")[0].options == ["30日", "10日"]
    bank = f"/office/training/courses/{course.pk}/assessment/"
    response = client.post(
        bank,
        {"action": "settings", "question_count": "3", "pass_mark": "80", "attempts_allowed": "2"},
    )
    assert response.status_code == 302
    too_many = client.post(
        bank, {"action": "settings", "question_count": "101", "pass_mark": "80", "attempts_allowed": "2"}
    )
    assert too_many.status_code == 400
    assert "抽题数量应为 1 至 100 之间的整数。" in too_many.content.decode()
    assert client.post(bank, {"action": "open"}).status_code == 302
    assessment = Assessment.objects.get(course=course)
    assert (assessment.question_count, assessment.pass_mark, assessment.status) == (3, 80, "open")
    page = client.get(bank).content.decode()
    assert "第0题" in page


def test_a_county_trainer_gets_404_for_a_city_course(course: Any, county_reviewer: Any) -> None:
    client = _client(county_reviewer)
    assert client.get(f"/office/training/courses/{course.pk}/assessment/").status_code == 404
    assert client.get(f"/office/training/courses/{course.pk}/questions/new/").status_code == 404


def test_a_learner_takes_the_assessment_passes_and_downloads_the_certificate(
    course: Any, trainer: Any, learner: Any, registration: Any
) -> None:
    open_assessment(course, trainer, count=3, pass_mark=60)
    client = _client(learner)
    mine = client.get("/office/training/my/assessments/").content.decode()
    assert "政府采购合同管理" in mine
    assert 'data-testid="start-assessment"' in mine
    response = client.post(f"/office/training/registrations/{registration.pk}/assessment/")
    attempt = Attempt.objects.get(participant__user=learner)
    assert response["Location"] == f"/office/training/attempts/{attempt.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert page.count('name="q1"') >= 2
    # an incomplete answer sheet comes back with the error on the question
    answers = right_answers(attempt)
    incomplete = {f"q{p}": [str(i) for i in chosen] for p, chosen in answers.items() if p != 2}
    response = client.post(f"/office/training/attempts/{attempt.pk}/", incomplete)
    assert response.status_code == 400
    assert "第 2 题：请选择答案。 / Question 2: choose an answer." in response.content.decode()
    complete = {f"q{p}": [str(i) for i in chosen] for p, chosen in answers.items()}
    response = client.post(f"/office/training/attempts/{attempt.pk}/", complete)
    assert response.status_code == 302
    result = client.get(response["Location"]).content.decode()
    cert = Certificate.objects.get(participant__user=learner)
    assert "100.00" in result
    assert f"/office/training/certificates/{cert.number}/pdf/" in result
    assert client.get(f"/office/training/certificates/{cert.number}/pdf/").status_code == 200
    assert cert.number in client.get("/office/training/my/assessments/").content.decode()


def test_a_learner_whose_attendance_is_not_established_is_told_why(
    heze: dict[str, Any], course: Any, trainer: Any, learner: Any
) -> None:
    open_assessment(course, trainer)
    pending = make_registration(make_session(course), make_participant(heze["budget_unit"], user=learner))
    client = _client(learner, "en")
    response = client.post(f"/office/training/registrations/{pending.pk}/assessment/", follow=True)
    assert "The assessment opens once your attendance is established" in response.content.decode()
    assert not Attempt.objects.exists()


def test_someone_elses_registration_or_attempt_answers_404(
    heze: dict[str, Any], course: Any, trainer: Any, learner: Any, registration: Any
) -> None:
    open_assessment(course, trainer)
    _client(learner).post(f"/office/training/registrations/{registration.pk}/assessment/")
    attempt = Attempt.objects.get()
    other = _client(make_user(Role.PURCHASER_STAFF, heze["budget_unit"], username="other_learner"))
    assert other.post(f"/office/training/registrations/{registration.pk}/assessment/").status_code == 404
    assert other.get(f"/office/training/attempts/{attempt.pk}/").status_code == 404


def test_answers_are_shown_only_after_a_pass_or_the_last_attempt(
    course: Any, trainer: Any, learner: Any, registration: Any
) -> None:
    open_assessment(course, trainer, count=3, pass_mark=100, attempts=2)
    client = _client(learner, "en")
    for n in (1, 2):
        client.post(f"/office/training/registrations/{registration.pk}/assessment/")
        attempt = Attempt.objects.get(number=n)
        sheet = {f"q{item.position}": ["1" if item.correct != [1] else "0"] for item in attempt.items.all()}
        client.post(f"/office/training/attempts/{attempt.pk}/", sheet)
        page = client.get(f"/office/training/attempts/{attempt.pk}/").content.decode()
        if n == 1:
            assert "The right answers and explanations are shown once you pass" in page
            assert "✓" not in page
        else:
            assert "✓" in page


def test_a_timed_attempt_shows_its_deadline_and_the_timer(
    course: Any, trainer: Any, learner: Any, registration: Any
) -> None:
    open_assessment(course, trainer, time_limit=15)
    client = _client(learner)
    response = client.post(f"/office/training/registrations/{registration.pk}/assessment/", follow=True)
    html = response.content.decode()
    assert 'data-testid="deadline"' in html
    assert "training/attempt_timer.js" in html
    attempt = Attempt.objects.get()
    with clock.travel(dt.timedelta(minutes=20)):
        late = client.post(f"/office/training/attempts/{attempt.pk}/", {}, follow=True)
    assert "本次作答已关闭，计入已用次数" in late.content.decode()
    attempt.refresh_from_db()
    assert attempt.status == "expired"
