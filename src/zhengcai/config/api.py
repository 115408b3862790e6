"""The JSON API, /api/v1/ (django-ninja). Every operation declares its permission."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import APIKeyHeader, HttpBearer, django_auth

from zhengcai.accounts.selectors import user_acting_for
from zhengcai.accounts.services import api_token_authenticate
from zhengcai.core import clock
from zhengcai.core.errors import ServiceError


def _token_user(plaintext: str) -> Any:
    """The token's user, acting only through memberships in the token's organization."""
    token = api_token_authenticate(plaintext=plaintext, at=clock.now())
    if token is None:
        return None
    return user_acting_for(user=token.user, organization_id=token.organization_id)


class BearerToken(HttpBearer):
    """Machine clients (banks, guarantors): ``Authorization: Bearer zc_…``."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        return _token_user(token)


class TokenHeader(APIKeyHeader):
    param_name = "X-API-Token"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        return _token_user(key) if key else None


# Tokens first: a machine client sends no CSRF token, and the session check would refuse it.
AUTH = [BearerToken(), TokenHeader(), django_auth]

api = NinjaAPI(
    title="Zhengcai API",
    version="1",
    description="政采 — Heze government procurement platform. 中文优先，English second.",
    urls_namespace="api-1",
    auth=AUTH,
    docs_url="/docs",
)


def _error(request: HttpRequest, status: int, code: str, zh: str, en: str, field: str | None = None) -> HttpResponse:
    return api.create_response(
        request, {"code": code, "field": field, "message_zh": zh, "message_en": en}, status=status
    )


@api.exception_handler(ServiceError)
def on_service_error(request: HttpRequest, exc: ServiceError) -> HttpResponse:
    return api.create_response(request, exc.as_dict(), status=exc.http_status)


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = []
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", []) if p not in {"body", "query", "path", "payload"}]
        field = ".".join(loc) or None
        errors.append(
            {
                "code": "core.validation",
                "field": field,
                "message_zh": f"字段 {field} 无效：{err.get('msg', '')}",
                "message_en": f"Field {field} is invalid: {err.get('msg', '')}",
            }
        )
    body: dict[str, Any] = dict(errors[0]) if errors else {"code": "core.validation", "field": None}
    body["errors"] = errors
    return api.create_response(request, body, status=400)


@api.exception_handler(AuthenticationError)
def on_auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(
        request, 401, "core.unauthenticated", "需要登录或有效的 API 令牌。", "Log in or send a valid API token."
    )


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 403:  # django-ninja's CSRF refusal for a browser session
        return _error(
            request,
            403,
            "core.csrf",
            "安全校验失败，请刷新页面后重试。",
            "CSRF check failed: reload the page and retry.",
        )
    return _error(request, exc.status_code, "core.http", str(exc), str(exc))


@api.exception_handler(PermissionDenied)
def on_forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return _error(request, 403, "core.forbidden", "您的角色无权执行此操作。", "Your role may not do this.")


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(
        request, 404, "core.not_found", "未找到，或不在您的权限范围内。", "Not found, or outside your scope."
    )


def _register_routers() -> None:
    from zhengcai.accounts.api import router as accounts_router
    from zhengcai.core.api import router as core_router
    from zhengcai.credit.api import router as credit_router
    from zhengcai.evaluation.api import router as evaluation_router
    from zhengcai.financing.api import router as financing_router
    from zhengcai.guarantees.api import router as guarantees_router
    from zhengcai.integrations.api import router as integrations_router
    from zhengcai.organizations.api import router as organizations_router
    from zhengcai.policies.api import router as policies_router
    from zhengcai.publicity.api import router as publicity_router
    from zhengcai.securities.api import router as securities_router
    from zhengcai.service.api import router as service_router
    from zhengcai.training.api import router as training_router

    api.add_router("/", organizations_router)
    api.add_router("/", accounts_router)
    api.add_router("/", core_router)
    api.add_router("/", integrations_router)
    api.add_router("/", credit_router)
    api.add_router("/", guarantees_router)
    api.add_router("/", securities_router)
    api.add_router("/", financing_router)
    api.add_router("/", policies_router)
    api.add_router("/", publicity_router)
    api.add_router("/", training_router)
    api.add_router("/", service_router)
    api.add_router("/", evaluation_router)


_register_routers()


def undeclared_operations() -> list[str]:
    """Operations without @api_permission (the permission matrix test requires none)."""
    missing = []
    for _prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                if getattr(operation.view_func, "zc_permission", None) is None:
                    missing.append(f"{','.join(operation.methods)} {path}")
    return missing
