"""``{% service_nav %}``: the service desk's menu, showing each person the pages their roles open."""

from __future__ import annotations

from typing import Any

from django import template

from zhengcai.core.permissions import P, user_has_perm

register = template.Library()


@register.inclusion_tag("service/_nav.html", takes_context=True)
def service_nav(context: dict[str, Any], current: str = "") -> dict[str, Any]:
    user = context["request"].user
    return {
        "current": current,
        "request_perm": user_has_perm(user, P.SERVICE_REQUEST),
        "handle_perm": user_has_perm(user, P.SERVICE_HANDLE),
        "manage_perm": user_has_perm(user, P.SERVICE_MANAGE),
        "view_perm": user_has_perm(user, P.SERVICE_VIEW),
    }


@register.inclusion_tag("service/_home.html", takes_context=True)
def service_home(context: dict[str, Any]) -> dict[str, Any]:
    """The service desk's panel on the back-office home page (nothing for roles without it)."""
    from zhengcai.core import clock
    from zhengcai.service import selectors

    panel = service_nav(context)
    user = context["request"].user
    if panel["handle_perm"]:
        panel["desk_counts"] = selectors.desk_counts(user=user, at=clock.now())
    if panel["request_perm"]:
        panel["open_requests"] = selectors.requests_for_requester(user=user, tab="open").count()
    panel["any"] = any(panel[k] for k in ("request_perm", "handle_perm", "manage_perm", "view_perm"))
    return panel
