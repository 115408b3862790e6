"""The one task API runs embedded (database queue, tested in test_notifications) and scaled out on Redis (RQ)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from conftest import AT

ROOT = Path(__file__).resolve().parents[4]


def _settings_value(env: dict[str, str], expr: str, tmp_path: Path) -> str:
    code = f"import django; django.setup(); from django.conf import settings; print({expr})"
    full = {**os.environ, "ZC_VAR_DIR": str(tmp_path), **env}
    result = subprocess.run(  # noqa: S603 - our own settings module
        [sys.executable, "-c", code],
        env={**full, "DJANGO_SETTINGS_MODULE": "zhengcai.config.settings", "PYTHONPATH": str(ROOT / "src")},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return result.stdout.strip()


def test_storage_is_local_by_default_and_s3_by_configuration(tmp_path: Path) -> None:
    expr = "settings.STORAGES['default']['BACKEND']"
    assert _settings_value({}, expr, tmp_path) == "django.core.files.storage.FileSystemStorage"
    s3 = {"ZC_S3_BUCKET": "zhengcai-files", "ZC_S3_ENDPOINT_URL": "https://oss.example.cn"}
    assert _settings_value(s3, expr, tmp_path) == "storages.backends.s3.S3Storage"
    assert (
        _settings_value(s3, "settings.STORAGES['default']['OPTIONS']['endpoint_url']", tmp_path)
        == "https://oss.example.cn"
    )


def test_task_backend_is_rq_with_redis_in_production_settings(tmp_path: Path) -> None:
    env = {"ZC_TASK_BACKEND": "rq", "REDIS_URL": "redis://127.0.0.1:6379/15"}
    assert _settings_value(env, "settings.TASKS['default']['BACKEND']", tmp_path) == "django_tasks_rq.RQBackend"
    assert _settings_value({"ZC_TASK_BACKEND": "db"}, "settings.TASKS['default']['BACKEND']", tmp_path) == (
        "django_tasks_db.DatabaseBackend"
    )


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="Redis is configured only in the PostgreSQL run")
@pytest.mark.django_db(transaction=True)
def test_rq_worker_on_real_redis_delivers_a_notification(settings: Any, role_users: Any, tmp_path: Path) -> None:
    from django.db import transaction

    from zhengcai.core.models import Notification
    from zhengcai.core.notifications import notification_queue
    from zhengcai.core.permissions import Role

    queue = "default"  # the queue the task is declared on
    settings.RQ_QUEUES = {queue: {"URL": os.environ["REDIS_URL"]}}
    settings.INSTALLED_APPS = [*settings.INSTALLED_APPS, "django_rq"]
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": [queue]}}
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")
    user = role_users[Role.BANK_OFFICER]
    with transaction.atomic():
        n = notification_queue(recipient=user, subject="放款通知", body="合同融资已放款。", at=AT)
    call_command(
        "rqworker",
        queue,
        burst=True,
        job_class="django_tasks_rq.backend.Job",
        worker_class="rq.worker.SimpleWorker",
        verbosity=0,
    )
    n.refresh_from_db()
    assert n.state == Notification.State.SENT
    assert list((tmp_path / "mail").glob("*.log"))
