"""Reads for machine clients: their webhook endpoints and delivery log."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from zhengcai.accounts.selectors import user_memberships
from zhengcai.core.permissions import P, role_allows
from zhengcai.organizations.models import Organization

from .models import WebhookDelivery, WebhookEndpoint


def institution_of(*, user: Any, perm: P) -> Organization | None:
    """The organization the caller acts for with ``perm`` (an API token acts for exactly one)."""
    for membership in user_memberships(user=user):
        if role_allows(membership.role, perm):
            return membership.organization
    return None


def endpoints_for(*, organization: Organization) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.filter(organization=organization).order_by("id")


def deliveries_for(*, organization: Organization) -> QuerySet[WebhookDelivery]:
    return WebhookDelivery.objects.filter(endpoint__organization=organization).order_by("-created_at", "-id")
