"""``{% evaluation_home %}``: the business-environment evaluation panel on the back-office home page."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import NoReverseMatch, reverse

from zhengcai.accounts.selectors import user_scope
from zhengcai.core.permissions import P, user_has_perm

register = template.Library()


def _url(name: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:  # another evaluation area's page not published yet
        return ""


@register.inclusion_tag("evaluation/dashboards/_home.html", takes_context=True)
def evaluation_home(context: dict[str, Any]) -> dict[str, Any]:
    """Links to the overview (EVALUATION_VIEW), the red flags (RED_FLAG_VIEW) and one's tasks (EVALUATION_TASKS)."""
    user = context["request"].user
    view = user_has_perm(user, P.EVALUATION_VIEW)
    flags = _url("evaluation:flags") if user_has_perm(user, P.RED_FLAG_VIEW) else ""
    tasks = _url("evaluation:my_tasks") if user_has_perm(user, P.EVALUATION_TASKS) else ""
    return {
        "view": view,
        "reports": view and user_scope(user=user, perm=P.EVALUATION_VIEW).everything,  # reports are city-wide
        "flags_url": flags,
        "tasks_url": tasks,
        "any": bool(view or flags or tasks),
    }


@register.filter
def city_wide(user: Any, perm: str) -> bool:
    """``{% if request.user|city_wide:"evaluation.manage" %}``: whether the permission reaches the whole city
    (city-wide settings, periods, computations and reports; for buttons only, the views enforce it)."""
    from zhengcai.evaluation.selectors import city_wide as reaches_city

    return reaches_city(user, P(perm))
