"""Samples of the service desk URLs for the permission matrix (core/tests/test_permission_matrix.py).

``ensure_service(objects)`` makes, once per test and through the services, the city's escalation chain,
菏泽市教育局's department pairing and its partner pairing with the sample supplier, the city's default
handler, a request from the supplier (with a file), a returned FAQ entry and a proposed one. A caller who
files requests gets a request (with a file) of its own organization, so its pages answer 200; action
URLs answer a GET with a redirect to the request's page.
"""

from __future__ import annotations

import io
from typing import Any

from conftest import AT, make_user
from zhengcai.core.permissions import Role
from zhengcai.procurement.tests.url_samples import _call

PDF = b"%PDF-1.7\n%%EOF\n"


def _file() -> Any:
    from zhengcai.service.services import Upload

    return Upload(stream=io.BytesIO(PDF), filename="说明.pdf")


def _resolved(o: dict[str, Any], requester: Any, subject: str) -> Any:
    from zhengcai.service import services

    request = services.request_submit(
        organization=o["supplier"],
        data=services.RequestInput(category="platform_use", subject=subject, description="无法上传投标文件"),
        actor=requester,
        at=AT,
    )
    return services.request_resolve(
        request=request, resolution="已指导重新安装客户端", actor=o["svc_people"]["handler"], at=AT
    )


def ensure_service(o: dict[str, Any]) -> dict[str, Any]:
    if "svc_request" in o:
        return o
    from zhengcai.service import faq, pairings, services

    people = {
        "handler": make_user(Role.BUREAU_REVIEWER, o["city_dept"], username="matrix_svc_handler"),
        "head": make_user(Role.BUREAU_REVIEWER, o["city_dept"], username="matrix_svc_head"),
        "director": make_user(Role.BUREAU_LEADER, o["city_bureau"], username="matrix_svc_director"),
        "admin": make_user(Role.BUREAU_ADMIN, o["city_bureau"], username="matrix_svc_admin"),
        "supplier": make_user(Role.SUPPLIER_STAFF, o["supplier"], username="matrix_svc_supplier"),
    }
    o["svc_people"] = people
    chain: dict[str, Any] = {
        "handler": people["handler"],
        "section_head": people["head"],
        "director": people["director"],
    }
    o["svc_pairing"] = pairings.department_pair(
        unit=o["budget_unit"], department=o["city_dept"], valid_from=AT.date(), actor=people["admin"], at=AT, **chain
    )
    o["svc_partner"] = pairings.partner_pair(
        unit=o["budget_unit"],
        partner=o["supplier"],
        unit_contact="刘老师",
        partner_contact="赵经理",
        valid_from=AT.date(),
        actor=people["admin"],
        at=AT,
    )
    pairings.default_route_set(
        region=o["city"], department=o["city_dept"], valid_from=AT.date(), actor=people["admin"], at=AT, **chain
    )
    request = services.request_submit(
        organization=o["supplier"],
        data=services.RequestInput(category="policy_question", subject="矩阵测试问题", description="请问如何办理"),
        actor=people["supplier"],
        at=AT,
        files=[_file()],
    )
    o["svc_request"] = request
    o["svc_file"] = request.attachments.get()
    returned = faq.faq_propose(
        request=_resolved(o, people["supplier"], "客户端无法安装"),
        question="投标客户端无法安装怎么办？",
        answer="请卸载旧版本后重新安装。",
        actor=people["handler"],
        at=AT,
    )
    o["svc_faq_returned"] = faq.faq_return(entry=returned, note="请补充系统要求", actor=people["admin"], at=AT)
    o["svc_faq_proposed"] = faq.faq_propose(
        request=_resolved(o, people["supplier"], "证书无法识别"),
        question="数字证书无法识别怎么办？",
        answer="请安装证书驱动后重新插入。",
        actor=people["handler"],
        at=AT,
    )
    return o


def _own(o: dict[str, Any], user: Any) -> tuple[int, int]:
    """A request (and its file) the caller's organization filed, when the caller files requests."""
    from zhengcai.service import services

    ensure_service(o)
    organizations = services.requester_organizations(user=user) if user is not None else []
    if not organizations:
        return o["svc_request"].pk, o["svc_file"].pk
    key = f"svc_own_{user.pk}"
    if key not in o:
        request = services.request_submit(
            organization=organizations[0],
            data=services.RequestInput(category="other", subject="矩阵测试自有请求", description="说明"),
            actor=user,
            at=AT,
            files=[_file()],
        )
        o[key] = (request.pk, request.attachments.get().pk)
    result: tuple[int, int] = o[key]
    return result


def _req(o: dict[str, Any]) -> int:
    return int(ensure_service(o)["svc_request"].pk)


def _mine(o: dict[str, Any], u: Any, suffix: str = "") -> Any:
    pk, _file_pk = _own(o, u)
    return _call("GET", f"/office/service/requests/{pk}/{suffix}")


SERVICE_URL_SAMPLES: dict[str, Any] = {
    # the portal
    "service:faq": lambda o, u: _call("GET", "/service/faq/?q=客户端"),
    "service:solved": lambda o, u: _call("GET", "/service/solved/"),
    # the requesting organizations
    "service:my_requests": lambda o, u: _call("GET", "/office/service/requests/?tab=all"),
    "service:request_new": lambda o, u: _call("GET", "/office/service/requests/new/"),
    "service:my_request": _mine,
    "service:request_comment": lambda o, u: _mine(o, u, "comment/"),
    "service:request_reopen": lambda o, u: _mine(o, u, "reopen/"),
    "service:request_rate": lambda o, u: _mine(o, u, "rate/"),
    "service:request_withdraw": lambda o, u: _mine(o, u, "withdraw/"),
    "service:my_file": lambda o, u: _call("GET", "/office/service/requests/{}/files/{}/".format(*_own(o, u))),
    # the bureau's desk
    "service:desk": lambda o, u: _call("GET", "/office/service/desk/?tab=open"),
    "service:desk_request": lambda o, u: _call("GET", f"/office/service/desk/{_req(o)}/"),
    "service:desk_reply": lambda o, u: _call("GET", f"/office/service/desk/{_req(o)}/reply/"),
    "service:desk_reassign": lambda o, u: _call("GET", f"/office/service/desk/{_req(o)}/reassign/"),
    "service:desk_resolve": lambda o, u: _call("GET", f"/office/service/desk/{_req(o)}/resolve/"),
    "service:desk_faq": lambda o, u: _call("GET", f"/office/service/desk/{_req(o)}/faq/"),
    "service:desk_file": lambda o, u: _call(
        "GET", f"/office/service/desk/{_req(o)}/files/{ensure_service(o)['svc_file'].pk}/"
    ),
    "service:faq_edit": lambda o, u: _call(
        "GET", f"/office/service/desk/faq/{ensure_service(o)['svc_faq_returned'].pk}/edit/"
    ),
    # the administrators
    "service:pairings": lambda o, u: _call("GET", "/office/service/pairings/"),
    "service:unit": lambda o, u: _call("GET", f"/office/service/pairings/{o['budget_unit'].pk}/"),
    "service:unit_partner": lambda o, u: _call("GET", f"/office/service/pairings/{o['budget_unit'].pk}/partners/"),
    "service:pairing_end": lambda o, u: _call(
        "GET", f"/office/service/pairings/department/{ensure_service(o)['svc_pairing'].pk}/end/"
    ),
    "service:partner_end": lambda o, u: _call(
        "GET", f"/office/service/pairings/partner/{ensure_service(o)['svc_partner'].pk}/end/"
    ),
    "service:defaults": lambda o, u: _call("GET", "/office/service/defaults/"),
    "service:default_set": lambda o, u: _call("GET", "/office/service/defaults/371700/"),
    "service:levels": lambda o, u: _call("GET", "/office/service/levels/"),
    "service:faq_queue": lambda o, u: _call("GET", "/office/service/faq/"),
    "service:faq_review": lambda o, u: _call(
        "GET", f"/office/service/faq/{ensure_service(o)['svc_faq_proposed'].pk}/"
    ),
    # figures
    "service:figures": lambda o, u: _call("GET", f"/office/service/figures/?year={AT.year}"),
    "service:figures_xlsx": lambda o, u: _call("GET", f"/office/service/figures.xlsx?year={AT.year}"),
}

# The API's POST bodies (core/tests/test_permission_matrix.py API_POST_BODIES).
SERVICE_API_POST_BODIES: dict[str, dict[str, Any]] = {
    "/service/requests": {
        "category": "policy_question",
        "subject": "矩阵测试：政策咨询",
        "description": "请问信用良好的供应商如何免收投标保证金？",
    },
}
