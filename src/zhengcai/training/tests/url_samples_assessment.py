"""Samples of the assessment, certificate and figures URLs for the permission matrix, and the small builders
the assessment tests share (a course, a completed registration, a bank, an open assessment, a pass)."""

from __future__ import annotations

import datetime as dt
import itertools
import random
from typing import Any

from conftest import AT, make_user
from zhengcai.core.permissions import Role
from zhengcai.organizations.models import Organization

_phones = itertools.count(1)


def _call(method: str, path: str, data: dict[str, Any] | None = None) -> Any:
    from zhengcai.core.tests.test_permission_matrix import Call

    return Call(method, path, data)


# --- builders (rows written directly: the core area's services are tested there) -----------------------


def make_course(
    *,
    organizer: Organization,
    actor: Any,
    title: str = "政府采购法实施条例解读",
    mode: str = "offline",
    at: dt.datetime = AT,
) -> Any:
    from zhengcai.training.models import Course, CourseStatus

    return Course.objects.create(
        title=title,
        audience=["purchaser", "agency"],
        mode=mode,
        region=organizer.region,
        organizer=organizer,
        status=CourseStatus.OPEN,
        created_at=at,
        created_by=actor,
        updated_at=at,
    )


def make_session(course: Any, *, starts_at: dt.datetime = AT) -> Any:
    from zhengcai.training.models import Session

    return Session.objects.create(
        course=course,
        title="第一期",
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(hours=3),
        venue="菏泽市公共资源交易中心",
        room="301",
        capacity=50,
        registration_closes_at=starts_at - dt.timedelta(days=1),
        created_at=starts_at - dt.timedelta(days=10),
        updated_at=starts_at - dt.timedelta(days=10),
    )


def make_participant(organization: Organization, *, name: str = "张三丰", user: Any = None, phone: str = "") -> Any:
    from zhengcai.training.models import Participant

    return Participant.objects.create(
        organization=organization,
        name=name,
        phone=phone or f"139{next(_phones):08d}",
        user=user,
        created_at=AT,
    )


def make_registration(
    session: Any, participant: Any, *, completed_at: dt.datetime | None = None, status: str = "registered"
) -> Any:
    from zhengcai.training.models import Registration

    registered_by = participant.user or session.course.created_by
    return Registration.objects.create(
        session=session,
        participant=participant,
        registered_by=registered_by,
        registered_at=session.starts_at - dt.timedelta(days=5),
        status=status,
        cancelled_at=session.starts_at if status == "cancelled" else None,
        checkin_nonce=f"n{participant.pk}x{session.pk}",
        checked_in_at=completed_at,
        completed_at=completed_at,
        completion_source="checkin" if completed_at else "",
        updated_at=completed_at or session.starts_at,
    )


def make_bank(course: Any, actor: Any, *, count: int = 4) -> list[Any]:
    """``count`` questions: alternately single choice (right answer: option 0), multiple choice (0 and 2),
    true/false (true)."""
    from zhengcai.training.assessment import QuestionInput, question_create

    shapes = [
        ("single", ["≤2%", "≤5%", "≤10%"], [0]),
        ("multiple", ["电子保函", "现金", "银行转账", "实物"], [0, 2]),
        ("true_false", [], [0]),
    ]
    questions = []
    for n in range(count):
        kind, options, correct = shapes[n % 3]
        questions.append(
            question_create(
                course=course,
                data=QuestionInput(kind=kind, text=f"第{n + 1}题：投标保证金的规定", options=options, correct=correct),
                actor=actor,
                at=AT,
            )
        )
    return questions


def open_assessment(
    course: Any,
    actor: Any,
    *,
    count: int = 3,
    pass_mark: int = 60,
    attempts: int = 2,
    time_limit: int | None = None,
    bank: int = 4,
) -> Any:
    from zhengcai.training.assessment import assessment_configure, assessment_set_status

    make_bank(course, actor, count=bank)
    assessment = assessment_configure(
        course=course,
        question_count=count,
        pass_mark=pass_mark,
        attempts_allowed=attempts,
        time_limit_minutes=time_limit,
        actor=actor,
        at=AT,
    )
    return assessment_set_status(assessment=assessment, status="open", actor=actor, at=AT)


def right_answers(attempt: Any) -> dict[int, list[int]]:
    return {item.position: list(item.correct) for item in attempt.items.all()}


def wrong_answers(attempt: Any) -> dict[int, list[int]]:
    answers = {}
    for item in attempt.items.all():
        wrong = [i for i in range(len(item.options)) if i not in item.correct]
        answers[item.position] = wrong[:1]
    return answers


def pass_assessment(registration: Any, user: Any, *, at: dt.datetime = AT) -> Any:
    """Start and pass the assessment; returns the certificate."""
    from zhengcai.training.assessment import attempt_start, attempt_submit

    attempt = attempt_start(registration=registration, actor=user, at=at, rng=random.Random(1))
    attempt = attempt_submit(
        attempt=attempt, answers=right_answers(attempt), actor=user, at=at + dt.timedelta(minutes=5)
    )
    return attempt.certificate


# --- the permission matrix ------------------------------------------------------------------------------


def ensure_assessment(o: dict[str, Any]) -> dict[str, Any]:
    """A city course with an open assessment, a question and a certificate of another person, once per test."""
    if "training_course" in o:
        return o
    trainer = make_user(Role.BUREAU_REVIEWER, o["city_dept"], username="matrix_trainer")
    course = make_course(organizer=o["city_bureau"], actor=trainer)
    session = make_session(course)
    assessment = open_assessment(course, trainer)
    learner = make_user(Role.AGENCY_STAFF, o["agency"], username="matrix_learner")
    registration = make_registration(
        session, make_participant(o["agency"], user=learner), completed_at=AT + dt.timedelta(hours=1)
    )
    certificate = pass_assessment(registration, learner, at=AT + dt.timedelta(hours=2))
    o.update(
        training_course=course,
        training_session=session,
        training_assessment=assessment,
        training_question=course.questions.first(),
        training_certificate=certificate,
    )
    return o


def _own_registration(o: dict[str, Any], user: Any) -> Any:
    """The caller's own completed registration for the sample course (made once per caller)."""
    from zhengcai.accounts.selectors import user_memberships

    ensure_assessment(o)
    key = f"training_registration_{user.pk}"
    if key not in o:
        organization = user_memberships(user=user)[0].organization
        participant = make_participant(organization, name="李四", user=user)
        o[key] = make_registration(o["training_session"], participant, completed_at=AT + dt.timedelta(hours=1))
    return o[key]


def _registration_path(o: dict[str, Any], user: Any) -> str:
    pk = _own_registration(o, user).pk if user is not None else 0
    return f"/office/training/registrations/{pk}/assessment/"


def _attempt_path(o: dict[str, Any], user: Any) -> str:
    if user is None:
        return "/office/training/attempts/0/"
    from zhengcai.training.assessment import attempt_start

    attempt = attempt_start(registration=_own_registration(o, user), actor=user, at=AT + dt.timedelta(hours=2))
    return f"/office/training/attempts/{attempt.pk}/"


def _certificate_path(o: dict[str, Any], user: Any) -> str:
    if user is None:
        return "/office/training/certificates/ZCPX2026000000/pdf/"
    from zhengcai.training.models import Certificate

    registration = _own_registration(o, user)
    cert = Certificate.objects.filter(participant=registration.participant).first()
    if cert is None:
        from zhengcai.training.assessment import attempt_start, attempt_submit

        attempt = attempt_start(registration=registration, actor=user, at=AT + dt.timedelta(hours=2))
        attempt = attempt_submit(
            attempt=attempt, answers=right_answers(attempt), actor=user, at=AT + dt.timedelta(hours=2, minutes=5)
        )
        cert = attempt.certificate
    return f"/office/training/certificates/{cert.number}/pdf/"


def _verify_path(o: dict[str, Any]) -> str:
    from zhengcai.training.certificates import verify_path

    return verify_path(ensure_assessment(o)["training_certificate"])


ASSESSMENT_URL_SAMPLES: dict[str, Any] = {
    "training:assessment_courses": lambda o, u: _call("GET", "/office/training/assessments/"),
    "training:assessment_bank": lambda o, u: _call(
        "GET", f"/office/training/courses/{ensure_assessment(o)['training_course'].pk}/assessment/"
    ),
    "training:question_new": lambda o, u: _call(
        "GET", f"/office/training/courses/{ensure_assessment(o)['training_course'].pk}/questions/new/"
    ),
    "training:question_edit": lambda o, u: _call(
        "GET", f"/office/training/questions/{ensure_assessment(o)['training_question'].pk}/edit/"
    ),
    "training:question_active": lambda o, u: _call(
        "POST", f"/office/training/questions/{ensure_assessment(o)['training_question'].pk}/active/", {"active": "1"}
    ),
    "training:certificate_list": lambda o, u: _call("GET", "/office/training/certificates/"),
    "training:certificate_revoke": lambda o, u: _call(
        "GET", f"/office/training/certificates/{ensure_assessment(o)['training_certificate'].number}/revoke/"
    ),
    "training:my_assessments": lambda o, u: _call("GET", "/office/training/my/assessments/"),
    "training:assessment_start": lambda o, u: _call("POST", _registration_path(o, u)),
    "training:attempt": lambda o, u: _call("GET", _attempt_path(o, u)),
    "training:certificate_pdf": lambda o, u: _call("GET", _certificate_path(o, u)),
    "training:certificate_verify_form": lambda o, u: _call("GET", "/training/certificates/verify/"),
    "training:certificate_verify": lambda o, u: _call("GET", _verify_path(o)),
    "training:figures": lambda o, u: _call("GET", "/office/training/figures/?year=2026"),
    "training:figures_xlsx": lambda o, u: _call("GET", "/office/training/figures/xlsx?year=2026"),
}
