"""Background computations with progress: indicator snapshots, the red-flag scan and period reports.

A view or the tick calls ``job_request``; it records a ``ComputeJob`` and, once committed, enqueues
``run_job_task`` (django-tasks: ``db_worker`` in the embedded set-up, RQ when scaled out). The worker calls
``job_run``, which hands the job to its kind's handler with a ``Progress`` callback; the handler reports
``progress(percent, step)`` as it goes, and the job page polls the row. Nothing heavy runs in a request.

A handler is ``handler(*, job: ComputeJob, progress: Progress) -> dict`` (the dict becomes ``job.result``).
It commits its own work in steps: progress written by ``Progress`` is visible at once to the page polling
it, because it is written through ``QuerySet.update`` outside any transaction the handler may hold open.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import logging
import traceback
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django_tasks import task

from zhengcai.core import clock
from zhengcai.core.audit import audit_record
from zhengcai.core.errors import ConflictError

from .errors import IndicatorError
from .models import ComputeJob, JobKind, JobStatus

log = logging.getLogger(__name__)

# A running job reports progress at least once per region and period (seconds apart); one silent this long
# has lost its worker.
STALE_AFTER = dt.timedelta(minutes=30)

# kind → "module:function"; imported when a job runs, so each area keeps its handler beside its code.
HANDLERS: dict[str, str] = {
    JobKind.SNAPSHOT: "zhengcai.evaluation.compute:run_snapshot_job",
    JobKind.RED_FLAGS: "zhengcai.evaluation.redflags:run_scan_job",
    JobKind.REPORT: "zhengcai.evaluation.reports:run_report_job",
}


class Progress:
    """Writes a job's progress where the polling page sees it at once."""

    def __init__(self, job: ComputeJob) -> None:
        self.job = job

    def __call__(self, percent: int, step: str) -> None:
        percent = max(0, min(100, int(percent)))
        ComputeJob.objects.filter(pk=self.job.pk).update(progress=percent, step=step[:200], heartbeat_at=clock.now())
        self.job.progress, self.job.step = percent, step[:200]


def _handler(kind: str) -> Callable[..., dict[str, Any]]:
    module, name = HANDLERS[kind].split(":")
    return getattr(importlib.import_module(module), name)


def job_request(*, kind: str, params: dict[str, Any], actor: Any, at: dt.datetime) -> ComputeJob:
    """Queue a computation. The same computation already queued or running is refused (409), naming it; a
    running job that has shown no progress for ``STALE_AFTER`` (its worker died) is marked failed, audited,
    and no longer blocks. Parameters are stored with their keys sorted, so the same computation compares
    equal whatever order its parameters were given in."""
    params = json.loads(json.dumps(params, sort_keys=True))
    with transaction.atomic():
        _abandon_stale(kind=kind, params=params, actor=actor)
        busy = (
            ComputeJob.objects.select_for_update()
            .filter(kind=kind, params=params, status__in=[JobStatus.QUEUED, JobStatus.RUNNING])
            .first()
        )
        if busy is not None:
            raise ConflictError(
                IndicatorError.JOB_RUNNING,
                "job",
                _("The same computation (job #{job}) is already queued or running; wait for it to finish."),
                job=busy.pk,
            )
        job = ComputeJob.objects.create(
            kind=kind,
            params=params,
            created_at=at,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        audit_record(
            actor=actor if actor is not None else "system",
            action="evaluation.job.request",
            obj=job,
            after={"kind": kind, "params": params},
            at=at,
        )
        transaction.on_commit(lambda: run_job_task.enqueue(job.pk))
    return job


def job_busy(*, kind: str, params: dict[str, Any]) -> bool:
    """Whether the same computation is queued, or running and still showing progress (a job silent for
    ``STALE_AFTER`` does not count: the next ``job_request`` marks it failed)."""
    live = ComputeJob.objects.filter(
        kind=kind,
        params=json.loads(json.dumps(params, sort_keys=True)),
        status__in=[JobStatus.QUEUED, JobStatus.RUNNING],
    )
    return live.exclude(status=JobStatus.RUNNING, heartbeat_at__lt=clock.now() - STALE_AFTER).exists()


def _abandon_stale(*, kind: str, params: dict[str, Any], actor: Any) -> None:
    now = clock.now()
    stale = ComputeJob.objects.select_for_update().filter(
        kind=kind, params=params, status=JobStatus.RUNNING, heartbeat_at__lt=now - STALE_AFTER
    )
    for job in stale:
        since = job.heartbeat_at.isoformat() if job.heartbeat_at else "-"
        before = {"status": job.status, "progress": job.progress, "heartbeat_at": since}
        job.status, job.finished_at = JobStatus.FAILED, now
        job.error = f"abandoned: no progress since {since} (the worker stopped)"
        job.save(update_fields=["status", "finished_at", "error"])
        audit_record(
            actor=actor if actor is not None else "system",
            action="evaluation.job.abandon",
            obj=job,
            before=before,
            after={"status": job.status, "error": job.error},
            at=now,
        )


def job_run(job_id: int) -> ComputeJob:
    """Run one queued job to the end (the worker's entry point; tests and the e2e journey call it directly)."""
    with transaction.atomic():
        job = ComputeJob.objects.select_for_update().get(pk=job_id)
        if job.status != JobStatus.QUEUED:
            return job  # already taken by another worker, or finished: idempotent
        job.status, job.started_at, job.progress, job.step = JobStatus.RUNNING, clock.now(), 0, ""
        job.heartbeat_at = job.started_at
        job.save(update_fields=["status", "started_at", "progress", "step", "heartbeat_at"])
    progress = Progress(job)
    try:
        result = _handler(job.kind)(job=job, progress=progress)
    except Exception as exc:  # a failed job records why; the worker goes on
        log.exception("evaluation job %s failed", job.pk)
        ComputeJob.objects.filter(pk=job.pk).update(
            status=JobStatus.FAILED,
            finished_at=clock.now(),
            error=f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=5)}"[:4000],
        )
    else:
        ComputeJob.objects.filter(pk=job.pk).update(
            status=JobStatus.DONE, finished_at=clock.now(), progress=100, result=result or {}
        )
    job.refresh_from_db()
    return job


def job_run_pending(*, kind: str | None = None) -> list[ComputeJob]:
    """Run every queued job, oldest first (a worker's pass; also what tests use in place of the worker)."""
    queued = ComputeJob.objects.filter(status=JobStatus.QUEUED).order_by("created_at", "pk")
    if kind is not None:
        queued = queued.filter(kind=kind)
    return [job_run(pk) for pk in list(queued.values_list("pk", flat=True))]


@task()
def run_job_task(job_id: int) -> str:
    return job_run(job_id).status
