from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .selectors import current_membership, user_memberships


def current_membership_context(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"zc_memberships": user_memberships(user=user), "zc_membership": current_membership(request=request)}
