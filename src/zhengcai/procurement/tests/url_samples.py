"""Samples of the procurement URLs for the permission matrix (core/tests/test_permission_matrix.py)."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.utils import timezone

from conftest import make_user
from zhengcai.core.permissions import Role


def ensure_procurement(o: dict[str, Any]) -> dict[str, Any]:
    """A published project with a tender document, created once per test through the services."""
    if "project" in o:
        return o
    from zhengcai.procurement.documents import tender_document_upload
    from zhengcai.procurement.rules import Category, Method
    from zhengcai.procurement.services import (
        ProjectInput,
        intention_create,
        intention_publish,
        project_create,
        tender_publish,
    )

    staff = make_user(Role.PURCHASER_STAFF, o["budget_unit"], username="matrix_purchaser")
    now = timezone.now()
    published = now - dt.timedelta(days=40)
    intention = intention_create(
        purchaser=o["budget_unit"],
        title="矩阵测试采购",
        demand_summary="测试",
        budget_fen=100_0000_00,
        expected_month=published.date(),
        actor=staff,
        at=published,
    )
    intention_publish(intention=intention, actor=staff, at=published)
    project = project_create(
        data=ProjectInput(
            title="矩阵测试采购项目",
            purchaser=o["budget_unit"],
            method=Method.INQUIRY,
            category=Category.GOODS,
            catalogue_code="A02010104",
            budget_fen=100_0000_00,
            max_price_fen=100_0000_00,
            intention=intention,
            agency=o["agency"],
        ),
        actor=staff,
        at=now - dt.timedelta(days=2),
    )
    today = timezone.localtime(now).date()
    tender = tender_publish(
        project=project,
        docs_from=today,
        docs_until=today + dt.timedelta(days=10),
        deadline=now + dt.timedelta(days=10),
        notice_text="询价公告",
        actor=staff,
        at=now,
    )
    document = tender_document_upload(
        tender=tender,
        stream=io.BytesIO(b"%PDF-1.7\n%%EOF\n"),
        filename="询价文件.pdf",
        title="询价文件",
        kind="tender_documents",
        actor=staff,
        at=now,
    )
    o.update({"project": project, "notice": project.notices.first(), "document": document})
    return o


def ensure_complaint(o: dict[str, Any]) -> dict[str, Any]:
    """A challenge by the sample supplier, answered, and its complaint to the bureau."""
    if "complaint" in o:
        return o
    from zhengcai.procurement.lifecycle import challenge_answer, challenge_submit, complaint_submit

    project = ensure_procurement(o)["project"]
    bidder = make_user(Role.SUPPLIER_STAFF, o["supplier"], username="matrix_bidder")
    now = timezone.now()
    challenge = challenge_submit(
        project=project,
        supplier=o["supplier"],
        known_on=timezone.localtime(now).date(),
        text="质疑采购文件的资格条件",
        actor=bidder,
        at=now,
    )
    challenge_answer(challenge=challenge, answer="答复", actor=project.created_by, at=now)
    o["challenge"] = challenge
    o["complaint"] = complaint_submit(challenge=challenge, text="投诉", actor=bidder, at=now)
    return o


def _seat(o: dict[str, Any], user: Any) -> str:
    """The sample project's scoring sheet; an expert caller is given a seat so the page answers 200."""
    from zhengcai.accounts.selectors import user_roles
    from zhengcai.procurement.models import CommitteeMember

    project = ensure_procurement(o)["project"]
    if Role.EVALUATION_EXPERT in user_roles(user=user):
        CommitteeMember.objects.get_or_create(project=project, expert=user, defaults={"drawn_at": timezone.now()})
    return f"/office/scoring/{project.number}/"


def _call(method: str, path: str) -> Any:
    from zhengcai.core.tests.test_permission_matrix import Call

    return Call(method, path)


PROCUREMENT_URL_SAMPLES: dict[str, Any] = {
    "health": lambda o, u: _call("GET", "/healthz"),
    "procurement:notices": lambda o, u: _call("GET", "/notices/?q=矩阵&kind=tender"),
    "procurement:notice": lambda o, u: _call("GET", f"/notices/{ensure_procurement(o)['notice'].pk}/"),
    "procurement:project": lambda o, u: _call("GET", f"/projects/{ensure_procurement(o)['project'].number}/"),
    "procurement:document": lambda o, u: _call("GET", f"/documents/{ensure_procurement(o)['document'].pk}/"),
    "procurement:my_projects": lambda o, u: _call("GET", "/office/projects/"),
    "procurement:my_bids": lambda o, u: _call("GET", "/office/bids/"),
    "procurement:intentions": lambda o, u: _call("GET", "/office/intentions/"),
    "procurement:intention_new": lambda o, u: _call("GET", "/office/intentions/new/"),
    "procurement:project_new": lambda o, u: _call("GET", "/office/projects/new/"),
    "procurement:manage": lambda o, u: _call("GET", f"/office/projects/{ensure_procurement(o)['project'].number}/"),
    "procurement:bid": lambda o, u: _call("GET", f"/projects/{ensure_procurement(o)['project'].number}/bid/"),
    "procurement:score_sheets": lambda o, u: _call("GET", "/office/scoring/"),
    "procurement_moved:score_sheet_moved": lambda o, u: _call(
        "GET", _seat(o, u).replace("/office/scoring/", "/office/evaluation/")
    ),
    "procurement:challenge_new": lambda o, u: _call(
        "GET", f"/projects/{ensure_procurement(o)['project'].number}/challenge/"
    ),
    "procurement:challenges": lambda o, u: _call("GET", "/office/challenges/"),
    "procurement:complaint_new": lambda o, u: _call(
        "GET", f"/office/challenges/{ensure_complaint(o)['challenge'].pk}/complaint/"
    ),
    "procurement:complaints": lambda o, u: _call("GET", "/office/complaints/"),
    "procurement:complaint": lambda o, u: _call("GET", f"/office/complaints/{ensure_complaint(o)['complaint'].pk}/"),
    "procurement:score_sheet": lambda o, u: _call("GET", _seat(o, u)),
}
