from django.http import HttpRequest
from ninja import Router, Schema

from zhengcai.core.permissions import ROLE_PERMISSIONS, P, Role, api_permission

from .selectors import membership_scope, user_memberships

router = Router(tags=["accounts"])


class MembershipOut(Schema):
    organization_id: int
    organization_name: str
    role: str
    role_label: str
    scope: str
    permissions: list[str]


class MeOut(Schema):
    username: str
    display_name: str
    memberships: list[MembershipOut]


@router.get("/me", response=MeOut, summary="Who am I: memberships, roles, scopes")
@api_permission(P.AUTHENTICATED)
def me(request: HttpRequest) -> dict[str, object]:
    user = request.auth  # type: ignore[attr-defined]
    items = []
    for m in user_memberships(user=user):
        scope = membership_scope(m)
        where = "city" if scope.everything else "region" if scope.region_ids else "organization"
        items.append(
            {
                "organization_id": m.organization_id,
                "organization_name": m.organization.name,
                "role": m.role,
                "role_label": str(Role(m.role).label),
                "scope": where,
                "permissions": sorted(str(p) for p in ROLE_PERMISSIONS[Role(m.role)]),
            }
        )
    return {"username": user.get_username(), "display_name": user.display_name, "memberships": items}
