"""The procurement chronograph: one idempotent pass over the statutory clocks (ProZorro-style).

Run by ``manage.py procurement_tick`` (cron or ``--loop``) or the ``procurement_tick_task`` task —
never from a request. Each reminder is sent once (``Reminder`` is keyed on kind and object).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from zhengcai.accounts.selectors import organization_members, users_with_bureau_role
from zhengcai.core import clock
from zhengcai.core.notifications import notification_queue
from zhengcai.core.permissions import Role
from zhengcai.organizations.models import Organization

from .models import Award, Challenge, ChallengeStatus, Complaint, ComplaintStatus, Contract, Reminder

DUE_SOON_DAYS = 1


@dataclass
class TickReport:
    sent: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.sent.values())


def _staff(*organizations: Organization | None) -> list[Any]:
    users: dict[int, Any] = {}
    for org in organizations:
        if org is None:
            continue
        for membership in organization_members(organization=org).filter(is_active=True):
            users[membership.user_id] = membership.user
    return list(users.values())


def _remind(
    report: TickReport,
    kind: str,
    obj: Any,
    due: dt.date,
    recipients: Iterable[Any],
    subject: str,
    body: str,
    link: str,
    at: dt.datetime,
) -> None:
    try:
        with transaction.atomic():
            Reminder.objects.create(
                kind=kind, object_type=obj._meta.label_lower, object_id=obj.pk, due=due, sent_at=at
            )
            for user in recipients:
                notification_queue(recipient=user, subject=subject, body=body, link=link, at=at)
    except IntegrityError:
        return  # already reminded: the tick is idempotent
    report.sent[kind] = report.sent.get(kind, 0) + 1


def procurement_tick(*, at: dt.datetime) -> TickReport:
    today = timezone.localtime(at).date()
    soon = today + dt.timedelta(days=DUE_SOON_DAYS)
    report = TickReport()
    for award in Award.objects.filter(result_published_at__isnull=True, result_notice_due__lte=soon).select_related(
        "project__purchaser", "project__agency"
    ):
        p = award.project
        _remind(
            report,
            "result_notice_due",
            award,
            award.result_notice_due,
            _staff(p.purchaser, p.agency),
            _("Result notice due {date}: {title}").format(date=award.result_notice_due, title=p.title),
            _("Publish the result notice of {number} within 2 working days of the award (D-RESULT-2WD).").format(
                number=p.number
            ),
            "/office/",
            at,
        )
    for contract in Contract.objects.filter(published_at__isnull=True, publish_due__lte=soon).select_related(
        "project__purchaser"
    ):
        p = contract.project
        _remind(
            report,
            "contract_publish_due",
            contract,
            contract.publish_due,
            _staff(p.purchaser),
            _("Contract publication due {date}: {title}").format(date=contract.publish_due, title=p.title),
            _("Publish the contract of {number} within 2 working days of signing (D-CONTRACT-PUB-2WD).").format(
                number=p.number
            ),
            "/office/",
            at,
        )
    overdue = (
        Contract.objects.filter(payment_due__lt=today)
        .annotate(paid=Coalesce(Sum("payments__amount_fen"), 0))
        .filter(paid__lt=F("amount_fen"))
        .select_related("project__purchaser", "supplier")
    )
    for contract in overdue:
        p = contract.project
        _remind(
            report,
            "payment_overdue",
            contract,
            contract.payment_due or today,
            _staff(p.purchaser),
            _("Payment overdue since {date}: {title}").format(date=contract.payment_due, title=p.title),
            _(
                "{supplier} has not been paid in full; SMEs must be paid within 30 days of acceptance (P-SME-30D)."
            ).format(supplier=contract.supplier.name),
            "/office/",
            at,
        )
    for challenge in Challenge.objects.filter(status=ChallengeStatus.OPEN, answer_due__lte=soon).select_related(
        "project__purchaser", "project__agency"
    ):
        p = challenge.project
        _remind(
            report,
            "challenge_answer_due",
            challenge,
            challenge.answer_due,
            _staff(p.purchaser, p.agency),
            _("Challenge answer due {date}: {title}").format(date=challenge.answer_due, title=p.title),
            _("Answer the supplier's challenge within 7 working days (C-CHALLENGE-7WD)."),
            "/office/",
            at,
        )
    for complaint in Complaint.objects.filter(
        status=ComplaintStatus.SUBMITTED, admissibility_due__lte=soon
    ).select_related("challenge__project__region"):
        region = complaint.challenge.project.region
        reviewers = users_with_bureau_role(
            role=Role.BUREAU_REVIEWER, region_ids=[region.pk, *([region.parent_id] if region.parent_id else [])]
        )
        _remind(
            report,
            "complaint_admissibility_due",
            complaint,
            complaint.admissibility_due,
            reviewers,
            _("Complaint admissibility due {date}").format(date=complaint.admissibility_due),
            _("Decide within 5 working days whether the complaint is admissible (C-COMPLAINT-30WD)."),
            "/office/",
            at,
        )
    return report


@task()
def procurement_tick_task() -> int:
    return procurement_tick(at=clock.now()).total
