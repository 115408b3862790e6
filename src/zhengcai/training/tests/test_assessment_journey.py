"""End to end with the core area's services: an agency's staff member watches a recorded course, takes its
assessment, downloads a certificate that verifies, and the city's agency coverage changes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from conftest import AT, make_user
from zhengcai.core.errors import ServiceError
from zhengcai.core.permissions import Role
from zhengcai.training import certificates
from zhengcai.training.assessment import attempt_start
from zhengcai.training.errors import AssessmentError
from zhengcai.training.figures import training_figures
from zhengcai.training.models import Attempt, Certificate, Registration

from .conftest import watch_all
from .url_samples_assessment import open_assessment, right_answers


def _city_agencies(user: Any, heze: dict[str, Any]) -> tuple[int, int]:
    figures = training_figures(user=user, year=2026)
    city = next(row for row in figures.coverage if row.key == heze["city"].pk)
    return city.agencies.covered, city.agencies.total


def test_a_recorded_course_watched_opens_the_assessment_and_a_pass_gives_a_certificate_that_verifies(
    heze: dict[str, Any], trainer: Any, agency_user: Any, learner_registration: Registration
) -> None:
    leader = make_user(Role.BUREAU_LEADER, heze["city_bureau"], username="journey_leader")
    assert _city_agencies(leader, heze) == (0, 1)
    course = learner_registration.session.course
    open_assessment(course, trainer, count=3, pass_mark=60)
    learner_registration.refresh_from_db()
    assert learner_registration.participant.user == agency_user
    with pytest.raises(ServiceError) as excinfo:
        attempt_start(registration=learner_registration, actor=agency_user, at=AT + dt.timedelta(hours=1))
    assert excinfo.value.code == AssessmentError.NOT_COMPLETED

    watch_all(learner_registration, agency_user, AT + dt.timedelta(hours=1))
    learner_registration.refresh_from_db()
    assert learner_registration.completed_at is not None
    assert _city_agencies(leader, heze) == (1, 1)  # the agency now has a trained staff member

    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(agency_user)
    assert f'id="course-{course.pk}"' in client.get("/office/training/my/assessments/").content.decode()
    response = client.post(f"/office/training/registrations/{learner_registration.pk}/assessment/")
    attempt = Attempt.objects.get()
    sheet = {f"q{p}": [str(i) for i in chosen] for p, chosen in right_answers(attempt).items()}
    assert client.post(response["Location"], sheet).status_code == 302
    cert = Certificate.objects.get()
    assert (cert.holder_name, cert.organization_name) == ("李娜", heze["agency"].name)
    pdf = client.get(f"/office/training/certificates/{cert.number}/pdf/")
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    public = Client().get(certificates.verify_path(cert))
    assert public.status_code == 200
    assert 'data-verdict="valid"' in public.content.decode()
    assert "李*" in public.content.decode()
