"""The indicator pages and API: catalogue, drill-down in scope (404 outside), periods, the job page and its
polling, and the values API."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from conftest import AT, make_user
from zhengcai.core.permissions import Role
from zhengcai.evaluation import catalogue, compute, jobs
from zhengcai.evaluation.models import ComputeJob, JobKind, JobStatus


@pytest.fixture
def admin(heze: dict[str, Any]) -> Any:
    return make_user(Role.BUREAU_ADMIN, heze["city_bureau"])


def login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_catalogue_lists_every_indicator_with_definition_and_target(admin: Any) -> None:
    page = login(admin).get("/office/evaluation/indicators/")
    assert page.status_code == 200
    html = page.content.decode()
    for indicator in catalogue.INDICATORS:
        assert f'data-testid="indicator-{indicator.code}"' in html
    assert "向中小企业付款天数" in html


def test_drill_down_in_scope_only_and_excel(heze: dict[str, Any], admin: Any) -> None:
    compute.snapshot_compute(compute.period_ensure("2026"), AT)
    page = login(admin).get("/office/evaluation/indicators/bidders_per_tender/371721/2026/")
    assert page.status_code == 200
    assert 'data-testid="matches"' in page.content.decode()
    assert 'data-testid="empty"' in page.content.decode()
    xlsx = login(admin).get("/office/evaluation/indicators/bidders_per_tender/371721/2026/export.xlsx")
    assert xlsx.status_code == 200
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    county = make_user(Role.BUREAU_REVIEWER, heze["shan_dept"])
    assert login(county).get("/office/evaluation/indicators/bidders_per_tender/371722/2026/").status_code == 200
    assert login(county).get("/office/evaluation/indicators/bidders_per_tender/371721/2026/").status_code == 404
    assert login(county).get("/office/evaluation/indicators/bidders_per_tender/371700/2026/").status_code == 404
    assert login(admin).get("/office/evaluation/indicators/nope/371721/2026/").status_code == 404
    assert login(admin).get("/office/evaluation/indicators/bidders_per_tender/371721/2031/").status_code == 404


def test_recompute_queues_a_job_and_the_job_page_polls_until_done(admin: Any) -> None:
    client = login(admin)
    response = client.post("/office/evaluation/periods/recompute/", {"period": "2026-Q2"})
    job = ComputeJob.objects.get(kind=JobKind.SNAPSHOT)
    assert response.status_code == 302
    assert response["Location"] == f"/office/evaluation/jobs/{job.pk}/"
    assert job.params == {"period": "2026-Q2"}
    page = client.get(f"/office/evaluation/jobs/{job.pk}/").content.decode()
    assert 'hx-trigger="every 2s"' in page
    jobs.job_run_pending(kind=JobKind.SNAPSHOT)
    partial = client.get(f"/office/evaluation/jobs/{job.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in partial
    assert 'data-testid="results"' in partial
    assert "2026-Q2" in partial
    assert "<html" not in partial
    periods_page = client.get("/office/evaluation/periods/").content.decode()
    assert 'data-testid="period-2026-Q2"' in periods_page
    bad = client.post("/office/evaluation/periods/recompute/", {"period": "2026-Q9"})
    assert bad.status_code == 302
    assert ComputeJob.objects.count() == 1


def test_api_values_scoped_and_jobs(heze: dict[str, Any], admin: Any) -> None:
    compute.snapshot_compute(compute.period_ensure("2026"), AT)
    client = login(admin)
    body = client.get("/api/v1/evaluation/values?period=2026&region=371721").json()
    assert {v["region_code"] for v in body["values"]} == {"371721"}
    assert len(body["values"]) == len(compute.QUERIES)
    county = login(make_user(Role.BUREAU_REVIEWER, heze["shan_dept"]))
    assert county.get("/api/v1/evaluation/values?period=2026&region=371721").status_code == 404
    assert {v["region_code"] for v in county.get("/api/v1/evaluation/values?period=2026").json()["values"]} == {
        "371722"
    }
    missing = client.get("/api/v1/evaluation/values?period=2031")
    assert missing.status_code == 400
    assert missing.json()["field"] == "period"
    created = client.post(
        "/api/v1/evaluation/jobs", {"year": 2026}, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k1"
    )
    assert created.status_code == 202, created.content
    again = client.post(
        "/api/v1/evaluation/jobs", {"year": 2026}, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k1"
    )
    assert again.json()["id"] == created.json()["id"]
    job_id = created.json()["id"]
    assert client.get(f"/api/v1/evaluation/jobs/{job_id}").json()["status"] == JobStatus.QUEUED
    assert len(client.get("/api/v1/evaluation/indicators").json()) == len(catalogue.INDICATORS)


def test_target_form_sets_the_year_target_and_reports_bad_input(admin: Any, heze: dict[str, Any]) -> None:
    from zhengcai.evaluation import selectors

    client = login(admin)
    page = client.get("/office/evaluation/indicators/").content.decode()
    assert 'action="/office/evaluation/indicators/days_to_pay_sme/target/"' in page
    ok = client.post("/office/evaluation/indicators/days_to_pay_sme/target/", {"year": "2026", "target": "25"})
    assert ok.status_code == 302
    assert str(selectors.target_for("days_to_pay_sme", 2026)) == "25.00"
    bad = client.post(
        "/office/evaluation/indicators/sme_award_share/target/", {"year": "2026", "target": "150"}, follow=True
    )
    assert "100" in bad.content.decode()
    assert str(selectors.target_for("sme_award_share", 2026)) == "75"
    reviewer = login(make_user(Role.BUREAU_REVIEWER, heze["city_dept"]))
    assert "/target/" not in reviewer.get("/office/evaluation/indicators/").content.decode()
    denied = reviewer.post("/office/evaluation/indicators/days_to_pay_sme/target/", {"year": "2026", "target": "1"})
    assert denied.status_code in {403, 404}
