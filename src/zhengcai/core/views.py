from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .audit import verify_chain
from .permissions import P, permission
from .selectors import audit_event_list, notification_list


@permission(P.AUDIT_VIEW)
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    from zhengcai.accounts.selectors import user_scope

    if not user_scope(user=request.user, perm=P.AUDIT_VIEW).everything:
        # The log spans every region; county-level holders see their own records in each module.
        raise PermissionDenied
    qs = audit_event_list(action=request.GET.get("action", ""), actor=request.GET.get("actor", ""))
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    context: dict[str, Any] = {
        "page": page,
        "action": request.GET.get("action", ""),
        "actor": request.GET.get("actor", ""),
    }
    if request.GET.get("verify") == "1":
        context["problems"] = list(verify_chain())
        context["verified"] = True
    return render(request, "core/audit_log.html", context)


@permission(P.NOTIFICATIONS_OWN)
@require_GET
def notifications(request: HttpRequest) -> HttpResponse:
    page = Paginator(notification_list(user=request.user), 30).get_page(request.GET.get("page"))
    return render(request, "core/notifications.html", {"page": page})


@permission(P.PUBLIC)
@require_GET
def health(request: HttpRequest) -> HttpResponse:
    """Liveness for load balancers (and the benchmarks' bare-view baseline): no database, no template."""
    return HttpResponse("ok", content_type="text/plain")
