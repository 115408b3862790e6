from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from zhengcai.core.permissions import P, Role, role_allows
from zhengcai.organizations.models import REGIONAL_KINDS, Organization, Region

from .models import ApiToken, Membership, User


def user_memberships(*, user: Any) -> list[Membership]:
    """Active memberships, cached on the user object for the request."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached: list[Membership] | None = getattr(user, "_zc_memberships", None)
    if cached is None:
        cached = list(
            Membership.objects.filter(user=user, is_active=True)
            .select_related("organization", "organization__region", "organization__parent")
            .order_by("id")
        )
        user._zc_memberships = cached
    return cached


def user_acting_for(*, user: Any, organization_id: int) -> Any:
    """Narrow the user's memberships, for this request, to one organization (API tokens)."""
    user._zc_memberships = [m for m in user_memberships(user=user) if m.organization_id == organization_id]
    return user


class ReadOnlyPrincipal:
    """Who a system-made document (the evaluation's period report) reads as: every role in one organization, so
    each module's own scoped selectors answer for that organization's reach. Not a user: nothing is stored, it
    can't log in, and services refuse it as an actor (it has no primary key)."""

    is_authenticated = True
    is_active = True
    pk = None
    id = None

    def __init__(self, organization: Organization) -> None:
        self.organization = organization
        self._zc_memberships = [Membership(organization=organization, role=r, is_active=True) for r in Role.values]

    def __str__(self) -> str:
        return f"read-only: {self.organization.name}"


def city_reader() -> ReadOnlyPrincipal | None:
    """The read-only principal of the city's first regional organization (its finance bureau or people's
    government): city-wide figures whoever asks (None before the city has one)."""
    org = (
        Organization.objects.filter(kind__in=REGIONAL_KINDS, region__level=Region.Level.CITY)
        .select_related("region")
        .order_by("pk")
        .first()
    )
    return ReadOnlyPrincipal(org) if org is not None else None


def user_roles(*, user: Any) -> set[str]:
    return {m.role for m in user_memberships(user=user)}


@dataclass(frozen=True)
class Scope:
    """What a permission reaches: everything, some regions, or some organizations."""

    everything: bool = False
    region_ids: frozenset[int] = frozenset()
    organization_ids: frozenset[int] = frozenset()

    @property
    def empty(self) -> bool:
        return not (self.everything or self.region_ids or self.organization_ids)

    def filter(self, qs: QuerySet[Any], *, region_field: str, organization_field: str) -> QuerySet[Any]:
        if self.everything:
            return qs
        if self.empty:
            return qs.none()
        condition = Q(**{f"{region_field}__in": self.region_ids}) | Q(
            **{f"{organization_field}__in": self.organization_ids}
        )
        return qs.filter(condition)


def membership_scope(membership: Membership) -> Scope:
    org = membership.organization
    if org.kind in REGIONAL_KINDS:
        if org.region.is_city:
            return Scope(everything=True)
        return Scope(region_ids=frozenset({org.region_id}))
    return Scope(organization_ids=frozenset({org.pk}))


def user_scope(*, user: Any, perm: P) -> Scope:
    """Union of the scopes of every membership whose role grants ``perm``."""
    everything = False
    regions: set[int] = set()
    orgs: set[int] = set()
    for membership in user_memberships(user=user):
        if not role_allows(membership.role, perm):
            continue
        scope = membership_scope(membership)
        everything |= scope.everything
        regions |= scope.region_ids
        orgs |= scope.organization_ids
    return Scope(everything=everything, region_ids=frozenset(regions), organization_ids=frozenset(orgs))


def user_organizations(*, user: Any) -> list[Organization]:
    seen: dict[int, Organization] = {}
    for m in user_memberships(user=user):
        seen.setdefault(m.organization_id, m.organization)
    return list(seen.values())


def organization_members(*, organization: Organization) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(organization=organization).select_related("user").order_by("role", "user__username")
    )


def api_token_list(*, user: User, at: dt.datetime) -> QuerySet[ApiToken]:
    scope = user_scope(user=user, perm=P.TOKENS_MANAGE)
    qs = ApiToken.objects.select_related("organization", "user")
    return scope.filter(qs, region_field="organization__region", organization_field="organization")


def regions_in_scope(scope: Scope) -> QuerySet[Region]:
    if scope.everything:
        return Region.objects.all()
    return Region.objects.filter(pk__in=scope.region_ids)


SESSION_MEMBERSHIP_KEY = "zc_membership"


def current_membership(*, request: Any) -> Membership | None:
    """The membership the person is acting in (chosen in the header when they have several)."""
    memberships = user_memberships(user=request.user)
    if not memberships:
        return None
    chosen = request.session.get(SESSION_MEMBERSHIP_KEY)
    for membership in memberships:
        if membership.pk == chosen:
            return membership
    return memberships[0]


def users_with_bureau_role(*, role: str, region_ids: list[int]) -> list[User]:
    """People holding ``role`` in a finance bureau or department of one of the regions."""
    memberships = Membership.objects.filter(
        is_active=True,
        role=role,
        organization__kind__in=["finance_bureau", "bureau_department"],
        organization__region__in=region_ids,
    ).select_related("user")
    return list({m.user for m in memberships})


def scope_reaches(*, user: Any, perm: P, organization: Organization) -> bool:
    """Whether ``perm`` held by ``user`` reaches ``organization`` (city, its county, or itself)."""
    scope = user_scope(user=user, perm=perm)
    return scope.everything or organization.region_id in scope.region_ids or organization.pk in scope.organization_ids


def expert_pool(*, conflicted_organization_ids: list[int]) -> list[User]:
    """Active evaluation experts (E-COMMITTEE), ordered by id, without anyone who also belongs to one of
    the conflicted organizations (the purchaser, its agency, a bidder: 87号令 art. 48 recusal)."""
    conflicted = Membership.objects.filter(organization__in=conflicted_organization_ids, is_active=True).values(
        "user_id"
    )
    return list(
        User.objects.filter(is_active=True, memberships__is_active=True, memberships__role="evaluation_expert")
        .exclude(pk__in=conflicted)
        .distinct()
        .order_by("pk")
    )
