from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse

# URL namespaces whose views enforce access themselves: the Django admin (platform operators
# with is_staff, behind its own login) and the API (each operation checked in config/api.py).
SELF_GUARDED_NAMESPACES = frozenset({"admin", "api-1"})


class PermissionDeclaredMiddleware:
    """Refuses to run any view that has not declared who may call it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any) -> None:
        match = request.resolver_match
        if match is not None and SELF_GUARDED_NAMESPACES.intersection(match.namespaces):
            return
        if getattr(view_func, "zc_permission", None) is None:
            raise ImproperlyConfigured(f"View {match.view_name if match else view_func!r} declares no permission")
        return
