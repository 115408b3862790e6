from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from .models import AuditEvent, Notification


def audit_event_list(*, action: str = "", object_type: str = "", actor: str = "") -> QuerySet[AuditEvent]:
    qs = AuditEvent.objects.select_related("actor").order_by("-seq")
    if action:
        qs = qs.filter(action__startswith=action)
    if object_type:
        qs = qs.filter(object_type=object_type)
    if actor:
        qs = qs.filter(actor_label__iexact=actor)
    return qs


def notification_list(*, user: Any) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-id")
