"""Notifications go through the outbox and the django-tasks database worker; mail is really written."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command
from django_tasks import task_backends

from conftest import AT
from zhengcai.core.models import Notification
from zhengcai.core.notifications import notification_queue


@pytest.fixture
def db_tasks(settings, tmp_path: Path):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")
    assert type(task_backends["default"]).__name__ == "DatabaseBackend"  # reset by setting_changed
    return tmp_path / "mail"


@pytest.mark.django_db(transaction=True)
def test_worker_delivers_a_queued_notification(db_tasks: Path, role_users) -> None:
    from zhengcai.core.permissions import Role

    user = role_users[Role.SUPPLIER_STAFF]
    from django.db import transaction

    with transaction.atomic():
        n = notification_queue(recipient=user, subject="注册已通过", body="您的供应商注册已通过审核。", at=AT)
    assert Notification.objects.get(pk=n.pk).state == Notification.State.QUEUED
    call_command("db_worker", batch=True, queue_name="default", verbosity=0)
    n.refresh_from_db()
    assert n.state == Notification.State.SENT
    assert n.attempts == 1
    mails = list(db_tasks.glob("*.log"))
    assert len(mails) == 1
    assert user.email in mails[0].read_text()


@pytest.mark.django_db(transaction=True)
def test_recipient_without_address_is_recorded_not_pretended(db_tasks: Path, role_users) -> None:
    from zhengcai.core.permissions import Role

    user = role_users[Role.AUDITOR]
    user.email = ""
    user.save(update_fields=["email"])
    n = notification_queue(recipient=user, subject="s", body="b", at=AT)
    call_command("db_worker", batch=True, queue_name="default", verbosity=0)
    n.refresh_from_db()
    assert n.state == Notification.State.NO_ADDRESS
    assert not db_tasks.exists() or not list(db_tasks.glob("*.log"))
