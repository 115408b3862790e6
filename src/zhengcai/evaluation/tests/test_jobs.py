"""Background jobs: the same computation is refused while it runs (whatever the parameters' key order), a job
whose worker died stops blocking once it has been silent for ``STALE_AFTER``, and that is audited."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from conftest import AT, make_user
from zhengcai.core import clock
from zhengcai.core.audit import verify_chain
from zhengcai.core.errors import ConflictError
from zhengcai.core.models import AuditEvent
from zhengcai.core.permissions import Role
from zhengcai.evaluation import jobs
from zhengcai.evaluation.errors import IndicatorError
from zhengcai.evaluation.models import ComputeJob, JobKind, JobStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(heze: dict[str, Any]) -> Any:
    return make_user(Role.BUREAU_ADMIN, heze["city_bureau"], username="jobs_admin")


def _running(job: ComputeJob, *, silent_for: dt.timedelta) -> None:
    """The job as a worker left it: running, its last progress ``silent_for`` ago."""
    beat = clock.now() - silent_for
    ComputeJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, started_at=beat, heartbeat_at=beat)


def test_same_computation_refused_whatever_the_key_order(admin: Any) -> None:
    first = jobs.job_request(kind=JobKind.SNAPSHOT, params={"year": 2026, "period": "2026"}, actor=admin, at=AT)
    with pytest.raises(ConflictError) as info:
        jobs.job_request(kind=JobKind.SNAPSHOT, params={"period": "2026", "year": 2026}, actor=admin, at=AT)
    assert info.value.code == IndicatorError.JOB_RUNNING
    assert f"#{first.pk}" in info.value.message_en
    assert f"#{first.pk}" in info.value.message_zh
    assert ComputeJob.objects.get(pk=first.pk).params == {"period": "2026", "year": 2026}


def test_a_running_job_with_recent_progress_still_blocks(admin: Any) -> None:
    job = jobs.job_request(kind=JobKind.SNAPSHOT, params={"year": 2026}, actor=admin, at=AT)
    _running(job, silent_for=jobs.STALE_AFTER - dt.timedelta(minutes=1))
    with pytest.raises(ConflictError):
        jobs.job_request(kind=JobKind.SNAPSHOT, params={"year": 2026}, actor=admin, at=AT)
    assert ComputeJob.objects.get(pk=job.pk).status == JobStatus.RUNNING


def test_a_job_whose_worker_died_is_abandoned_audited_and_no_longer_blocks(admin: Any) -> None:
    job = jobs.job_request(kind=JobKind.SNAPSHOT, params={"year": 2026}, actor=admin, at=AT)
    _running(job, silent_for=jobs.STALE_AFTER + dt.timedelta(minutes=1))
    again = jobs.job_request(kind=JobKind.SNAPSHOT, params={"year": 2026}, actor=admin, at=AT)
    assert again.pk != job.pk
    assert again.status == JobStatus.QUEUED
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.finished_at is not None
    assert job.error.startswith("abandoned: no progress since ")
    event = AuditEvent.objects.get(action="evaluation.job.abandon", object_id=str(job.pk))
    assert (event.before or {}).get("status") == JobStatus.RUNNING
    assert (event.after or {}).get("status") == JobStatus.FAILED
    assert list(verify_chain()) == []


def test_progress_is_the_heartbeat(admin: Any) -> None:
    job = jobs.job_request(kind=JobKind.SNAPSHOT, params={"year": 2026}, actor=admin, at=AT)
    _running(job, silent_for=jobs.STALE_AFTER + dt.timedelta(minutes=1))
    jobs.Progress(job)(40, "2026-Q2")
    job.refresh_from_db()
    assert job.heartbeat_at is not None
    assert clock.now() - job.heartbeat_at < jobs.STALE_AFTER
    with pytest.raises(ConflictError):  # alive again: it blocks
        jobs.job_request(kind=JobKind.SNAPSHOT, params={"year": 2026}, actor=admin, at=AT)


def test_the_tick_replaces_a_job_whose_worker_died(admin: Any) -> None:
    """evaluation_tick asks the same question as job_request: a silent running job is not 'busy'."""
    from zhengcai.evaluation.compute import evaluation_tick

    job = jobs.job_request(kind=JobKind.RED_FLAGS, params={}, actor=admin, at=AT)
    _running(job, silent_for=jobs.STALE_AFTER - dt.timedelta(minutes=1))
    assert jobs.job_busy(kind=JobKind.RED_FLAGS, params={})
    assert not [
        j for j in evaluation_tick(at=clock.now(), max_age=dt.timedelta(hours=1)) if j.kind == JobKind.RED_FLAGS
    ]
    _running(job, silent_for=jobs.STALE_AFTER + dt.timedelta(minutes=1))
    assert not jobs.job_busy(kind=JobKind.RED_FLAGS, params={})
    [scan] = [j for j in evaluation_tick(at=clock.now(), max_age=dt.timedelta(hours=1)) if j.kind == JobKind.RED_FLAGS]
    assert scan.pk != job.pk
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
