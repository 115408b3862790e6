"""Samples of the policy library's URLs and API paths for the permission matrix
(core/tests/test_permission_matrix.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone


def _call(method: str, path: str) -> Any:
    from zhengcai.core.tests.test_permission_matrix import Call

    return Call(method, path)


def ensure_policy(o: dict[str, Any]) -> dict[str, Any]:
    """A national document with an attachment, added through the services once per test."""
    if "policy" in o:
        return o
    from conftest import make_user
    from zhengcai.core.permissions import Role
    from zhengcai.policies.services import DocumentInput, attachment_add_bytes, document_create

    editor = make_user(Role.PUBLICITY_EDITOR, o["city_bureau"], username="matrix_policy_editor")
    now = timezone.now()
    document = document_create(
        data=DocumentInput(
            title="政府采购促进中小企业发展管理办法",
            number="财库〔2020〕46号",
            level="national",
            doc_type="normative",
            issuer="财政部 工业和信息化部",
            issued_on=dt.date(2020, 12, 18),
            effective_on=dt.date(2021, 1, 1),
            full_text="第一条 为了发挥政府采购政策功能，促进中小企业发展，制定本办法。",
        ),
        actor=editor,
        at=now,
    )
    attachment = attachment_add_bytes(
        document=document, content=b"%PDF-1.7\n%%EOF\n", filename="办法.pdf", actor=editor, at=now
    )
    o.update({"policy": document, "policy_attachment": attachment})
    return o


def _policy(o: dict[str, Any]) -> Any:
    return ensure_policy(o)["policy"]


def policies_api_path(path: str, objects: dict[str, Any]) -> str:
    """Fill the policy library's path parameters."""
    if "{doc_id}" in path:
        path = path.replace("{doc_id}", str(_policy(objects).pk))
    return path


POLICIES_URL_SAMPLES: dict[str, Any] = {
    "policies:list": lambda o, u: _call("GET", "/policies/?q=中小企业&level=national"),
    "policies:detail": lambda o, u: _call("GET", f"/policies/{_policy(o).pk}/"),
    "policies:attachment": lambda o, u: _call(
        "GET", f"/policies/{_policy(o).pk}/attachments/{ensure_policy(o)['policy_attachment'].pk}/"
    ),
    "policies:feed_rss": lambda o, u: _call("GET", "/policies/feed/rss/"),
    "policies:feed_atom": lambda o, u: _call("GET", "/policies/feed/atom/"),
    "policies:feed_json": lambda o, u: _call("GET", "/policies/feed.json"),
    "policies:office_list": lambda o, u: _call("GET", "/office/policies/"),
    "policies:office_new": lambda o, u: _call("GET", "/office/policies/new/"),
    "policies:office_manage": lambda o, u: _call("GET", f"/office/policies/{_policy(o).pk}/"),
    "policies:office_export": lambda o, u: _call("GET", "/office/policies/export/?download=1&level=national"),
    "policies:office_categories": lambda o, u: _call("GET", "/office/policies/categories/"),
}
