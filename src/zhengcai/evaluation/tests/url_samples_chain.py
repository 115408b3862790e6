"""Samples of the evaluation chain URLs for the permission matrix (core/tests/test_permission_matrix.py).

``ensure_chain(objects)`` makes, once per test and through the chain services, the city's mayor post (held by a
matrix user). Task pages are seen only by the holders of the posts involved, so every caller gets a task of its
own: a bureau-director post under the mayor, held by the caller, with a task the mayor assigned to it (the caller
may open it, report progress and break it down). Action URLs answer a GET with a redirect to the task's page.
The API's progress path takes the task of the caller the matrix names in ``objects["matrix_user"]``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from conftest import AT, make_user
from zhengcai.core.permissions import Role
from zhengcai.procurement.tests.url_samples import _call


def ensure_chain(o: dict[str, Any]) -> dict[str, Any]:
    if "chain_mayor" in o:
        return o
    from zhengcai.evaluation import chain

    mayor_user = make_user(Role.GOVERNMENT_LEADER, o["city_government"], username="matrix_chain_mayor")
    mayor = chain.position_create(
        title="矩阵测试市长", level="mayor", region=o["city"], parent=None, actor="test", at=AT
    )
    chain.holder_appoint(position=mayor, name="测试市长", user=mayor_user, start_on=AT.date(), actor="test", at=AT)
    o["chain_mayor"], o["chain_mayor_user"] = mayor, mayor_user
    return o


def own_task(o: dict[str, Any], user: Any) -> Any:
    """A task the mayor assigned to a post the caller holds (a helper account's, for anonymous callers and roles
    that may not hold a post)."""
    from zhengcai.evaluation import chain

    ensure_chain(o)
    if user is None or not chain.account_may_hold(user, o["chain_mayor"]):  # roles that cannot hold a post
        if "chain_anon_user" not in o:
            o["chain_anon_user"] = make_user(Role.PURCHASER_STAFF, o["budget_unit"], username="matrix_chain_staff")
        user = o["chain_anon_user"]
    key = f"chain_task_{user.pk}"
    if key not in o:
        position = chain.position_create(
            title=f"矩阵测试局长{user.pk}",
            level="bureau_director",
            region=o["city"],
            parent=o["chain_mayor"],
            actor="test",
            at=AT,
        )
        chain.holder_appoint(position=position, name="测试局长", user=user, start_on=AT.date(), actor="test", at=AT)
        o[key] = chain.task_assign(
            assigned_by=o["chain_mayor"],
            position=position,
            title="矩阵测试任务：中小企业付款天数≤30",
            indicator="days_to_pay_sme",
            due_on=AT.date() + dt.timedelta(days=30),
            actor=o["chain_mayor_user"],
            at=AT,
        )
    return o[key]


def _task(o: dict[str, Any], u: Any, suffix: str = "") -> Any:
    return _call("GET", f"/office/evaluation/chain/tasks/{own_task(o, u).pk}/{suffix}")


def _position(o: dict[str, Any], suffix: str = "") -> str:
    return f"{ensure_chain(o)['chain_mayor'].pk}/{suffix}"


def _holder(o: dict[str, Any]) -> int:
    return int(ensure_chain(o)["chain_mayor"].holders.get().pk)


URL_SAMPLES: dict[str, Any] = {
    "evaluation:chain": lambda o, u: _call("GET", "/office/evaluation/chain/"),
    "evaluation:position": lambda o, u: _call("GET", f"/office/evaluation/chain/positions/{_position(o)}"),
    "evaluation:my_tasks": lambda o, u: _call("GET", "/office/evaluation/chain/tasks/?tab=below"),
    "evaluation:task_new": lambda o, u: _call("GET", "/office/evaluation/chain/tasks/new/"),
    "evaluation:task": _task,
    "evaluation:task_progress": lambda o, u: _task(o, u, "progress/"),
    "evaluation:task_subtask": lambda o, u: _task(o, u, "subtask/"),
    "evaluation:task_close": lambda o, u: _task(o, u, "close/"),
    "evaluation:positions": lambda o, u: _call("GET", "/office/evaluation/chain/admin/"),
    "evaluation:position_new": lambda o, u: _call("GET", "/office/evaluation/chain/admin/new/"),
    "evaluation:position_edit": lambda o, u: _call("GET", f"/office/evaluation/chain/admin/{_position(o, 'edit/')}"),
    "evaluation:position_appoint": lambda o, u: _call(
        "GET", f"/office/evaluation/chain/admin/{_position(o, 'appoint/')}"
    ),
    "evaluation:holder_end": lambda o, u: _call("GET", f"/office/evaluation/chain/admin/holders/{_holder(o)}/end/"),
}
API_POST_BODIES: dict[str, dict[str, Any]] = {
    "/evaluation/tasks/{task_id}/progress": {"percent": 40, "note": "矩阵测试：已完成第一批付款核查"},
}


def api_path(path: str, objects: dict[str, Any]) -> str:
    """Fill this area's API path parameters ({...}) from the sample objects."""
    if "{task_id}" in path:
        path = path.replace("{task_id}", str(own_task(objects, objects.get("matrix_user")).pk))
    return path
