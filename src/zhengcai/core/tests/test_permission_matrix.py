"""Every URL × every role: declared, enforced, and scoped (DEVELOPERS.md "Security").

A new URL pattern without a declared permission, or without a sample here, fails this test.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from conftest import AT, register_pending
from zhengcai.accounts.models import Membership, User
from zhengcai.accounts.services import api_token_issue
from zhengcai.config.api import api, undeclared_operations
from zhengcai.core.permissions import P, Role, role_allows
from zhengcai.organizations.models import Organization

SKIP_NAMESPACES = {"admin", "api-1"}


@dataclass(frozen=True)
class Route:
    name: str
    callback: Any


def walk(resolver: URLResolver | None = None, namespace: str = "") -> Iterator[Route]:
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or ""
            if ns in SKIP_NAMESPACES:
                continue
            yield from walk(entry, f"{namespace}{ns}:" if ns else namespace)
        elif isinstance(entry, URLPattern):
            yield Route(f"{namespace}{entry.name}", entry.callback)


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    data: dict[str, Any] | None = None


Sample = Callable[[dict[str, Any], User | None], Call]


def _membership_of(user: User | None) -> str:
    m = Membership.objects.filter(user=user).first() if user else None
    return str(m.pk) if m else "0"


URL_SAMPLES: dict[str, Sample] = {
    "portal:home": lambda o, u: Call("GET", "/"),
    "portal:about": lambda o, u: Call("GET", "/about/"),
    "portal:directory": lambda o, u: Call("GET", "/directory/?kind=supplier"),
    "portal:organization": lambda o, u: Call("GET", f"/directory/{o['supplier'].pk}/"),
    "portal:register_supplier": lambda o, u: Call("GET", "/register/supplier/"),
    "set_language": lambda o, u: Call("POST", "/i18n/setlang/", {"language": "en", "next": "/"}),
    "javascript-catalog": lambda o, u: Call("GET", "/i18n/js/"),
    "accounts:login": lambda o, u: Call("GET", "/office/login/"),
    "accounts:logout": lambda o, u: Call("POST", "/office/logout/"),
    "accounts:home": lambda o, u: Call("GET", "/office/"),
    "accounts:switch": lambda o, u: Call("POST", "/office/switch/", {"membership": _membership_of(u)}),
    "accounts:tokens": lambda o, u: Call("GET", "/office/tokens/"),
    "accounts:token_revoke": lambda o, u: Call("POST", f"/office/tokens/{o['bank_token'].pk}/revoke/"),
    "organizations:supplier_queue": lambda o, u: Call("GET", "/office/suppliers/"),
    "organizations:supplier_review": lambda o, u: Call("GET", f"/office/suppliers/{o['pending'].pk}/"),
    "organizations:supplier_decide": lambda o, u: Call(
        "POST", f"/office/suppliers/{o['pending'].pk}/decide/", {"decision": "approve"}
    ),
    "core:audit_log": lambda o, u: Call("GET", "/office/audit/"),
    "core:notifications": lambda o, u: Call("GET", "/office/notifications/"),
    # OCDS open data (public, no login)
    "opendata:releases": lambda o, u: Call("GET", "/api/ocds/releases"),
    "opendata:record": lambda o, u: Call("GET", f"/api/ocds/records/{o['ocid']}"),
    "opendata:bulk_releases": lambda o, u: Call("GET", "/api/ocds/bulk/releases.jsonl.gz"),
}

from zhengcai.procurement.tests.url_samples import PROCUREMENT_URL_SAMPLES  # noqa: E402

URL_SAMPLES.update(PROCUREMENT_URL_SAMPLES)
from zhengcai.financing.tests import url_samples as financing_samples  # noqa: E402

URL_SAMPLES.update(financing_samples.FINANCING_URL_SAMPLES)
from zhengcai.credit.tests.url_samples import CREDIT_URL_SAMPLES  # noqa: E402

URL_SAMPLES.update(CREDIT_URL_SAMPLES)
from zhengcai.securities.tests.url_samples import SECURITIES_URL_SAMPLES  # noqa: E402

URL_SAMPLES.update(SECURITIES_URL_SAMPLES)
from zhengcai.guarantees.tests.url_samples import (  # noqa: E402
    GUARANTEE_API_BODIES,
    GUARANTEE_URL_SAMPLES,
    guarantee_api_query,
)

URL_SAMPLES.update(GUARANTEE_URL_SAMPLES)
from zhengcai.policies.tests.url_samples import POLICIES_URL_SAMPLES, policies_api_path  # noqa: E402
from zhengcai.publicity.tests.url_samples import PUBLICITY_URL_SAMPLES  # noqa: E402
from zhengcai.publicity.tests.url_samples_content import publicity_api_path  # noqa: E402

URL_SAMPLES.update(POLICIES_URL_SAMPLES)
URL_SAMPLES.update(PUBLICITY_URL_SAMPLES)
from zhengcai.service.tests.url_samples import SERVICE_API_POST_BODIES, SERVICE_URL_SAMPLES  # noqa: E402
from zhengcai.training.tests.url_samples import TRAINING_URL_SAMPLES  # noqa: E402

URL_SAMPLES.update(TRAINING_URL_SAMPLES)
URL_SAMPLES.update(SERVICE_URL_SAMPLES)
from zhengcai.evaluation.tests.url_samples import (  # noqa: E402
    EVALUATION_API_POST_BODIES,
    EVALUATION_URL_SAMPLES,
    evaluation_api_path,
)

URL_SAMPLES.update(EVALUATION_URL_SAMPLES)

# (url name, role) pairs that the role's permission allows in general but whose sample object
# lies outside that role's scope, so the answer must be 404.
OUT_OF_SCOPE = {("accounts:token_revoke", Role.GUARANTOR_OFFICER)}


def _an_ocid(heze: dict[str, Any]) -> str:
    """The ocid of a real release: an intention published through the procurement services (D-INTENT-30D)."""
    from conftest import make_user
    from zhengcai.opendata.models import Release
    from zhengcai.procurement.services import intention_create, intention_publish

    staff = make_user(Role.PURCHASER_STAFF, heze["budget_unit"])
    draft = intention_create(
        purchaser=heze["budget_unit"],
        title="矩阵测试采购意向",
        demand_summary="测试",
        budget_fen=10_0000_00,
        expected_month=AT.date(),
        actor=staff,
        at=AT,
    )
    intention_publish(intention=draft, actor=staff, at=AT)
    return Release.objects.latest("seq").ocid


@pytest.fixture
def objects(heze: dict[str, Any], role_users: dict[Role, User]) -> dict[str, Any]:
    pending = register_pending(heze["city"], "曹县测试供应商有限公司", "pending_supplier", division="371721")
    bank_token = api_token_issue(
        organization=heze["bank"],
        user=role_users[Role.BANK_OFFICER],
        name="core banking",
        expires_at=AT + dt.timedelta(days=30),
        actor=role_users[Role.BANK_OFFICER],
        at=AT,
    ).token
    pending2 = register_pending(heze["city"], "单县测试供应商有限公司", "pending_supplier2", division="371722")
    return {**heze, "pending": pending, "pending2": pending2, "bank_token": bank_token, "ocid": _an_ocid(heze)}


def _request(client: Client, call: Call) -> Any:
    if call.method == "POST":
        return client.post(call.path, call.data or {})
    return client.get(call.path)


def test_every_url_declares_a_permission_and_has_a_sample() -> None:
    routes = list(walk())
    undeclared = [r.name for r in routes if getattr(r.callback, "zc_permission", None) is None]
    assert undeclared == []
    missing = sorted({r.name for r in routes} - URL_SAMPLES.keys())
    assert missing == [], f"add these URLs to URL_SAMPLES: {missing}"
    assert undeclared_operations() == []


@pytest.mark.parametrize("role", list(Role))
def test_role_matrix_pages(role: Role, role_users: dict[Role, User], objects: dict[str, Any]) -> None:
    user = role_users[role]
    for route in walk():
        perm: P = route.callback.zc_permission
        allowed = role_allows(role, perm) and (route.name, role) not in OUT_OF_SCOPE
        client = Client()
        client.force_login(user)
        response = _request(client, URL_SAMPLES[route.name](objects, user))
        if allowed:
            assert 200 <= response.status_code < 400, (route.name, role, response.status_code)
        else:
            assert response.status_code in {403, 404}, (route.name, role, response.status_code)


def test_anonymous_matrix_pages(objects: dict[str, Any]) -> None:
    for route in walk():
        perm: P = route.callback.zc_permission
        response = _request(Client(), URL_SAMPLES[route.name](objects, None))
        if perm is P.PUBLIC:
            assert 200 <= response.status_code < 400, (route.name, response.status_code)
        else:
            assert response.status_code == 302, (route.name, response.status_code)
            assert response["Location"].startswith("/office/login/"), route.name


# --- API ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    perm: P


def api_operations() -> list[Operation]:
    ops = []
    for _prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                for method in operation.methods:
                    ops.append(Operation(method, path, getattr(operation.view_func, "zc_permission")))  # noqa: B009
    return ops


def _api_path(op: Operation, objects: dict[str, Any]) -> str:
    target = objects["pending2"] if op.path.endswith("/reject") else objects["pending"]
    path = op.path.replace("{org_id}", str(objects["supplier"].pk)).replace("{supplier_id}", str(target.pk))
    if "{tender_id}" in path:
        from zhengcai.credit.tests.url_samples import credit_decision_tender

        path = path.replace("{tender_id}", str(credit_decision_tender(objects).pk))
    path = financing_samples.financing_api_path(path, op.path, objects)
    path += guarantee_api_query(op.path, objects)
    path = policies_api_path(path, objects)
    path = publicity_api_path(path, objects)
    path = evaluation_api_path(path, objects)
    assert "{" not in path, f"add a sample for the path parameter in {op.path}"
    return "/api/v1" + path


# POST bodies for operations that take one (default: a review note); every write carries an Idempotency-Key.
API_POST_BODIES: dict[str, dict[str, Any]] = {
    "/webhooks/endpoints": {"url": "https://bank.example.invalid/zhengcai/webhooks", "events": []},
}
API_POST_BODIES.update(financing_samples.FINANCING_API_POST_BODIES)
API_POST_BODIES.update(SERVICE_API_POST_BODIES)
API_POST_BODIES.update(EVALUATION_API_POST_BODIES)
# Bodies built for the calling user (objects, user), e.g. a guarantee issued by the caller's own institution.
API_POST_BODY_BUILDERS: dict[str, Callable[[dict[str, Any], User | None], dict[str, Any]]] = dict(GUARANTEE_API_BODIES)


def _api_post(client: Client, op: Operation, path: str, objects: Any = None, user: User | None = None) -> Any:
    body = API_POST_BODIES.get(op.path, {"note": "资料不全"})
    if op.path in API_POST_BODY_BUILDERS:
        body = API_POST_BODY_BUILDERS[op.path](objects, user)
    extra: dict[str, Any] = {"HTTP_IDEMPOTENCY_KEY": f"matrix-{op.path}"}
    extra.update(financing_samples.financing_api_headers(op.path, path, body))  # the inbound webhook is signed
    return client.post(path, body, content_type="application/json", **extra)


def test_api_operations_are_all_in_the_openapi_document(client: Client) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    documented = {(m.upper(), p) for p, item in schema["paths"].items() for m in item}
    for op in api_operations():
        assert (op.method, "/api/v1" + op.path) in documented


@pytest.mark.parametrize("role", list(Role))
def test_role_matrix_api(role: Role, role_users: dict[Role, User], objects: dict[str, Any]) -> None:
    objects["matrix_user"] = role_users[role]  # for paths of the caller's own objects (evaluation tasks)
    for op in api_operations():
        client = Client()
        client.force_login(role_users[role])
        path = _api_path(op, objects)
        response = _api_post(client, op, path, objects, role_users[role]) if op.method == "POST" else client.get(path)
        if role_allows(role, op.perm):
            assert 200 <= response.status_code < 300, (op, role, response.status_code, response.content[:200])
        else:
            assert response.status_code in {403, 404}, (op, role, response.status_code)
            assert response.json()["code"] in {"core.forbidden", "core.not_found"}


def test_anonymous_matrix_api(objects: dict[str, Any]) -> None:
    for op in api_operations():
        path = _api_path(op, objects)
        client = Client()
        response = _api_post(client, op, path, objects) if op.method == "POST" else client.get(path)
        if op.perm is P.PUBLIC:
            assert response.status_code == 200, op
        else:
            assert response.status_code == 401, (op, response.status_code)
            assert response.json()["message_en"]


def test_county_reviewer_gets_404_outside_the_county(county_reviewer: User, objects: dict[str, Any]) -> None:
    client = Client()
    client.force_login(county_reviewer)
    assert client.get(f"/office/suppliers/{objects['pending'].pk}/").status_code == 404
    assert (
        client.post(
            f"/api/v1/suppliers/{objects['pending'].pk}/approve", {}, content_type="application/json"
        ).status_code
        == 404
    )
    assert Organization.objects.get(pk=objects["pending"].pk).status == "pending"
