"""Samples of the evaluation indicators URLs for the permission matrix (core/tests/test_permission_matrix.py).

``ensure_indicators(objects)`` computes the 2026 snapshot of the (empty) fixture world through compute.py and
queues one computation job, once per test. Actions are POSTs that answer with a redirect.
"""

from __future__ import annotations

from typing import Any

from conftest import AT
from zhengcai.procurement.tests.url_samples import _call


def ensure_indicators(o: dict[str, Any]) -> dict[str, Any]:
    if "indicator_job" in o:
        return o
    from zhengcai.evaluation import compute
    from zhengcai.evaluation.models import ComputeJob, JobKind

    period = compute.period_ensure("2026")
    compute.snapshot_compute(period, AT)
    o["indicator_period"] = period
    o["indicator_job"] = ComputeJob.objects.create(kind=JobKind.SNAPSHOT, params={"year": 2025}, created_at=AT)
    return o


def _drill(o: dict[str, Any], suffix: str = "") -> Any:
    ensure_indicators(o)
    return _call("GET", f"/office/evaluation/indicators/bidders_per_tender/371700/2026/{suffix}")


URL_SAMPLES: dict[str, Any] = {
    "evaluation:indicators": lambda o, u: _call("GET", "/office/evaluation/indicators/"),
    "evaluation:indicator_target": lambda o, u: _call("POST", "/office/evaluation/indicators/days_to_pay_sme/target/"),
    "evaluation:indicator_records": lambda o, u: _drill(o),
    "evaluation:indicator_records_xlsx": lambda o, u: _drill(o, "export.xlsx"),
    "evaluation:periods": lambda o, u: _call("GET", f"/office/evaluation/periods/?p={ensure_indicators(o) and 1}"),
    "evaluation:recompute": lambda o, u: _call("POST", "/office/evaluation/periods/recompute/"),
    "evaluation:period_close": lambda o, u: _call(
        "POST", f"/office/evaluation/periods/{ensure_indicators(o)['indicator_period'].label}/close/"
    ),
    "evaluation:period_reopen": lambda o, u: _call(
        "POST", f"/office/evaluation/periods/{ensure_indicators(o)['indicator_period'].label}/reopen/"
    ),
    "evaluation:job": lambda o, u: _call(
        "GET", f"/office/evaluation/jobs/{ensure_indicators(o)['indicator_job'].pk}/"
    ),
}
API_POST_BODIES: dict[str, dict[str, Any]] = {"/evaluation/jobs": {"period": "2026-Q1"}}


def api_path(path: str, objects: dict[str, Any]) -> str:
    """Fill this area's API path parameters ({...}) from the sample objects."""
    if path.startswith("/evaluation/values"):
        ensure_indicators(objects)
        return "/evaluation/values?period=2026&region=371700"
    if "{job_id}" in path:
        return path.replace("{job_id}", str(ensure_indicators(objects)["indicator_job"].pk))
    return path
