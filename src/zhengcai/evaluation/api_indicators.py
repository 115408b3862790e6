"""Evaluation API: the indicators operations (mounted by evaluation/api.py).

- ``GET /evaluation/indicators`` (EVALUATION_VIEW): the catalogue with this year's targets;
- ``GET /evaluation/values?period=2026&region=371721`` (EVALUATION_VIEW, scoped): the latest snapshot's values;
- ``POST /evaluation/jobs`` (EVALUATION_MANAGE, Idempotency-Key): queue a computation (a year or one period);
- ``GET /evaluation/jobs/{job_id}`` (EVALUATION_VIEW): a job's status and progress.
"""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import Http404, HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Router, Schema
from ninja.responses import Status

from zhengcai.accounts.selectors import user_scope
from zhengcai.core import clock
from zhengcai.core.errors import ServiceError
from zhengcai.core.permissions import P, api_permission
from zhengcai.integrations.idempotency import idempotent
from zhengcai.organizations.models import Region

from . import catalogue, compute, jobs, selectors
from .errors import IndicatorError
from .models import ComputeJob, JobKind

router = Router(tags=["evaluation"])


class IndicatorOut(Schema):
    code: str
    name_zh: str
    name_en: str
    definition_zh: str
    definition_en: str
    formula_zh: str
    formula_en: str
    unit: str
    direction: str
    target: Decimal | None
    responsible: str
    group: str
    rules: list[str]


class ValueOut(Schema):
    indicator: str
    region_code: str
    numerator: Decimal
    denominator: Decimal
    value: Decimal | None
    record_count: int


class ValuesOut(Schema):
    period: str
    as_of: dt.datetime
    computed_at: dt.datetime
    digest: str
    values: list[ValueOut]


class JobIn(Schema):
    year: int | None = None
    period: str | None = None


class JobOut(Schema):
    id: int
    kind: str
    params: dict[str, Any]
    status: str
    progress: int
    step: str
    result: dict[str, Any]
    created_at: dt.datetime
    finished_at: dt.datetime | None


def job_out(job: ComputeJob) -> dict[str, Any]:
    return {
        "id": job.pk,
        "kind": job.kind,
        "params": job.params,
        "status": job.status,
        "progress": job.progress,
        "step": job.step,
        "result": job.result or {},
        "created_at": job.created_at,
        "finished_at": job.finished_at,
    }


@router.get("/evaluation/indicators", response=list[IndicatorOut], summary="The indicator catalogue")
@api_permission(P.EVALUATION_VIEW)
def indicator_list(request: HttpRequest) -> list[dict[str, Any]]:
    year = clock.now().astimezone(compute.SH).year
    return [
        {
            "code": i.code,
            "name_zh": i.name_zh,
            "name_en": i.name_en,
            "definition_zh": i.definition_zh,
            "definition_en": i.definition_en,
            "formula_zh": i.formula_zh,
            "formula_en": i.formula_en,
            "unit": i.unit,
            "direction": i.direction,
            "target": selectors.target_for(i.code, year),
            "responsible": str(i.responsible),
            "group": i.group,
            "rules": list(i.rules),
        }
        for i in catalogue.INDICATORS
    ]


@router.get("/evaluation/values", response=ValuesOut, summary="Indicator values of a period (latest snapshot)")
@api_permission(P.EVALUATION_VIEW)
def value_list(request: HttpRequest, period: str, region: str | None = None) -> dict[str, Any]:
    found = selectors.period_get(period)
    snapshot = selectors.latest_snapshot(found) if found is not None else None
    if snapshot is None:
        raise ServiceError(
            IndicatorError.PERIOD, "period", _("The indicators of {period} have not been computed."), period=period
        )
    scope = user_scope(user=request.auth, perm=P.EVALUATION_VIEW)  # type: ignore[attr-defined]
    values = snapshot.values.select_related("region").order_by("indicator", "region__sort")
    if region:
        wanted = Region.objects.filter(code=region).first()
        if wanted is None or not (scope.everything or wanted.pk in scope.region_ids):
            raise Http404
        values = values.filter(region=wanted)
    elif not scope.everything:
        values = values.filter(region_id__in=scope.region_ids)
    return {
        "period": found.label if found else period,
        "as_of": snapshot.as_of,
        "computed_at": snapshot.computed_at,
        "digest": snapshot.digest,
        "values": [
            {
                "indicator": v.indicator,
                "region_code": v.region.code,
                "numerator": v.numerator,
                "denominator": v.denominator,
                "value": v.value,
                "record_count": v.record_count,
            }
            for v in values
        ],
    }


@router.post("/evaluation/jobs", response={202: JobOut}, summary="Queue an indicator computation")
@api_permission(P.EVALUATION_MANAGE)
@idempotent
def job_create(request: HttpRequest, payload: JobIn) -> Status:
    selectors.require_city_wide(request.auth, P.EVALUATION_MANAGE)  # type: ignore[attr-defined]
    params: dict[str, Any]
    if payload.period:
        try:
            compute.parse_label(payload.period)
        except ValueError:
            raise ServiceError(
                IndicatorError.PERIOD, "period", _("Unknown period {period}."), period=payload.period
            ) from None
        params = {"period": payload.period}
    else:
        year = payload.year or clock.now().astimezone(compute.SH).year
        if not 2000 <= year <= 2100:
            raise ServiceError(IndicatorError.PERIOD, "year", _("The year must be between 2000 and 2100."))
        params = {"year": year}
    job = jobs.job_request(kind=JobKind.SNAPSHOT, params=params, actor=request.auth, at=clock.now())  # type: ignore[attr-defined]
    return Status(202, job_out(job))


@router.get("/evaluation/jobs/{job_id}", response=JobOut, summary="A computation's status and progress")
@api_permission(P.EVALUATION_VIEW)
def job_get(request: HttpRequest, job_id: int) -> dict[str, Any]:
    job = selectors.job_get(job_id)
    if job is None or not selectors.job_visible(request.auth, job):  # type: ignore[attr-defined]
        raise Http404
    return job_out(job)
