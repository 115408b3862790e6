"""Samples of the evaluation red-flag URLs for the permission matrix (core/tests/test_permission_matrix.py).

``ensure_flags(objects)`` runs, once per test and through the procurement services, a competitive consultation
of 菏泽市教育局 that receives a single response, and scans that project: it carries a ``single_bid`` flag in the
city, which every RED_FLAG_VIEW role sees. Action URLs answer a GET with a redirect.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from conftest import AT, make_user
from zhengcai.core.permissions import Role
from zhengcai.procurement.tests.url_samples import _call


def ensure_flags(o: dict[str, Any]) -> dict[str, Any]:
    if "flag" in o:
        return o
    from zhengcai.demo.evaluation_flags_seed import TenderPlan, tender_round
    from zhengcai.evaluation.models import RedFlag
    from zhengcai.evaluation.redflags import red_flags_scan
    from zhengcai.procurement.rules import Method

    buyer = make_user(Role.PURCHASER_STAFF, o["budget_unit"], username="matrix_flags_buyer")
    seller = make_user(Role.SUPPLIER_STAFF, o["supplier"], username="matrix_flags_seller")
    done = tender_round(
        TenderPlan(
            title="矩阵测试：学生床具采购",
            purchaser=o["budget_unit"],
            actor=buyer,
            bids=[(o["supplier"], seller, 38_0000_00)],
            start=AT.date() - dt.timedelta(days=90),
            method=Method.CONSULTATION,
            budget_fen=40_0000_00,
            max_price_fen=39_0000_00,
            response_days=12,
        )
    )
    red_flags_scan(at=AT, project_ids=[done.project.pk])
    o["flag"] = RedFlag.objects.get(code="single_bid", project=done.project)
    return o


def _flag(o: dict[str, Any], suffix: str = "") -> Any:
    return _call("GET", f"/office/evaluation/flags/{ensure_flags(o)['flag'].pk}/{suffix}")


URL_SAMPLES: dict[str, Any] = {
    "evaluation:flags": lambda o, u: _call("GET", "/office/evaluation/flags/?code=single_bid"),
    "evaluation:flags_summary": lambda o, u: _call("GET", "/office/evaluation/flags/summary/"),
    "evaluation:flags_summary_xlsx": lambda o, u: _call("GET", "/office/evaluation/flags/summary.xlsx"),
    "evaluation:flag_settings": lambda o, u: _call("GET", "/office/evaluation/flags/settings/"),
    "evaluation:flags_scan": lambda o, u: _call("GET", "/office/evaluation/flags/scan/"),
    "evaluation:flag": lambda o, u: _flag(o),
    "evaluation:flag_review": lambda o, u: _flag(o, "review/"),
}
API_POST_BODIES: dict[str, dict[str, Any]] = {}


def api_path(path: str, objects: dict[str, Any]) -> str:
    """Fill this area's API path parameters ({...}) from the sample objects (the flags API has none)."""
    if path.startswith("/evaluation/red-flags"):
        ensure_flags(objects)
    return path
