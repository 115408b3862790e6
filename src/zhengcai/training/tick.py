"""The training chronograph: reminders to everyone with a place in a session that starts within a day
(once per registration, through the notification outbox). One idempotent pass.

Run by ``manage.py training_tick`` (cron or ``--loop``) or the ``training_tick_task`` task — never from a request.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django_tasks import task

from zhengcai.core import clock

from .services import registration_reminders_send


@dataclass
class TickReport:
    reminded: int = 0

    def summary(self) -> str:
        return f"training reminders sent: {self.reminded}"


def training_tick(*, at: dt.datetime) -> TickReport:
    return TickReport(reminded=registration_reminders_send(at=at))


@task()
def training_tick_task() -> int:
    return training_tick(at=clock.now()).reminded
