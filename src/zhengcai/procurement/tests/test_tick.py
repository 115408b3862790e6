"""The chronograph reminds once per clock, on time, and never from a request."""

from __future__ import annotations

import datetime as dt

import pytest

from zhengcai.accounts.models import User
from zhengcai.core.models import Notification
from zhengcai.procurement.models import Award, Reminder
from zhengcai.procurement.tick import procurement_tick

from .conftest import at

pytestmark = pytest.mark.django_db


def test_D_RESULT_2WD_reminder_is_sent_once_when_due(awarded: Award, purchaser: User) -> None:
    assert awarded.result_notice_due == dt.date(2026, 4, 24)
    assert procurement_tick(at=at(dt.date(2026, 4, 22))).total == 0  # not due yet
    report = procurement_tick(at=at(dt.date(2026, 4, 23)))
    assert report.sent == {"result_notice_due": 1}
    assert procurement_tick(at=at(dt.date(2026, 4, 24))).total == 0  # idempotent
    assert Reminder.objects.count() == 1
    assert Notification.objects.filter(recipient=purchaser).exists()


def test_P_SME_30D_overdue_payment_reminder(awarded: Award, purchaser: User) -> None:
    from zhengcai.procurement.lifecycle import acceptance_record, contract_sign, result_publish

    result_publish(award=awarded, actor=purchaser, at=at(dt.date(2026, 4, 23)))
    contract = contract_sign(award=awarded, signed_on=dt.date(2026, 5, 6), actor=purchaser, at=at(dt.date(2026, 5, 6)))
    acceptance_record(
        contract=contract,
        passed=True,
        accepted_on=dt.date(2026, 6, 1),
        note="",
        actor=purchaser,
        at=at(dt.date(2026, 6, 1)),
    )
    assert "payment_overdue" not in procurement_tick(at=at(dt.date(2026, 7, 1))).sent
    assert procurement_tick(at=at(dt.date(2026, 7, 2))).sent.get("payment_overdue") == 1
