"""Notification outbox: services queue a message inside their transaction; a task delivers it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from .models import Notification


def notification_queue(*, recipient: Any, subject: str, body: str, link: str = "", at: dt.datetime) -> Notification:
    notification = Notification.objects.create(
        recipient=recipient, subject=subject[:200], body=body, link=link, created_at=at
    )
    transaction.on_commit(lambda: deliver_notification.enqueue(notification.pk))
    return notification


@task()
def deliver_notification(notification_id: int) -> str:
    """Send by e-mail when the recipient has an address; the row records what really happened."""
    with transaction.atomic():
        notification = Notification.objects.select_for_update().select_related("recipient").get(pk=notification_id)
        if notification.state == Notification.State.SENT:
            return notification.state
        notification.attempts += 1
        address = notification.recipient.email
        if not address:
            notification.state = Notification.State.NO_ADDRESS
        else:
            try:
                send_mail(notification.subject, notification.body, None, [address], fail_silently=False)
            except OSError as exc:  # SMTP and file-system failures: recorded, shown to the bureau, re-sendable
                notification.state = Notification.State.FAILED
                notification.last_error = str(exc)[:2000]
            else:
                notification.state = Notification.State.SENT
                notification.sent_at = timezone.now()
        notification.save(update_fields=["state", "attempts", "last_error", "sent_at"])
        return notification.state
