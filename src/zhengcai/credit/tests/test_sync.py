"""credit_sync_platform: platform behaviours derived from procurement data, once (idempotent)."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from zhengcai.accounts.models import User
from zhengcai.core.models import AuditEvent
from zhengcai.credit.models import CreditRecord
from zhengcai.credit.services import credit_record_revoke, credit_sync_platform, exemption_decide
from zhengcai.procurement.lifecycle import acceptance_record, contract_sign, result_publish

from .conftest import moment

pytestmark = pytest.mark.django_db

RESULT_ON = dt.date(2026, 4, 23)


def test_failed_acceptance_becomes_a_major_record_once(awarded: Any, purchaser: User) -> None:
    award = result_publish(award=awarded, actor=purchaser, at=moment(RESULT_ON))
    contract = contract_sign(
        award=award, signed_on=dt.date(2026, 4, 27), actor=purchaser, at=moment(dt.date(2026, 4, 27))
    )
    acceptance_record(
        contract=contract,
        passed=False,
        accepted_on=dt.date(2026, 6, 10),
        note="交付设备型号与合同不符",
        actor=purchaser,
        at=moment(dt.date(2026, 6, 10)),
    )
    at = moment(dt.date(2026, 6, 11))
    assert credit_sync_platform(at=at) == 1
    record = CreditRecord.objects.get()
    assert (record.source, record.kind, record.severity) == ("platform", "failed_acceptance", "major")
    assert (record.supplier, record.reference) == (contract.supplier, contract.project.number)
    assert (record.occurred_on, record.expires_on) == (dt.date(2026, 6, 10), dt.date(2028, 6, 9))
    assert "履约验收不合格：交付设备型号与合同不符" in record.description
    assert credit_sync_platform(at=at + dt.timedelta(days=1)) == 0
    assert AuditEvent.objects.filter(action="credit.record.sync").count() == 1


def test_contract_not_signed_after_the_D_CONTRACT_30D_due_date(awarded: Any, purchaser: User) -> None:
    result_publish(award=awarded, actor=purchaser, at=moment(RESULT_ON))
    assert credit_sync_platform(at=moment(dt.date(2026, 5, 23), 23)) == 0  # due 30 days after the notice
    assert credit_sync_platform(at=moment(dt.date(2026, 5, 24))) == 1
    record = CreditRecord.objects.get()
    assert (record.kind, record.occurred_on) == ("refused_to_sign", dt.date(2026, 5, 24))
    assert record.supplier == awarded.winning_bid.supplier
    assert "2026-05-23" in record.description
    # the bureau finds the purchaser was at fault and revokes it: the sync does not bring it back
    credit_record_revoke(record=record, reason="采购人原因未签订合同", actor="test", at=moment(dt.date(2026, 5, 25)))
    out = StringIO()
    call_command("credit_sync", stdout=out)
    assert "0 new" in out.getvalue()
    assert CreditRecord.objects.count() == 1


def test_a_platform_record_counts_in_the_next_decision(awarded: Any, purchaser: User, tender: Any) -> None:
    result_publish(award=awarded, actor=purchaser, at=moment(RESULT_ON))
    credit_sync_platform(at=moment(dt.date(2026, 6, 1)))
    winner = awarded.winning_bid.supplier
    decision = exemption_decide(supplier=winner, tender=tender, at=moment(dt.date(2026, 6, 2)))
    assert decision.exempt  # one major record: not more than 2
    assert decision.reasons[0]["major_count"] == 1


def test_nothing_to_derive_from_an_empty_platform(heze: dict[str, Any]) -> None:
    assert credit_sync_platform(at=moment(dt.date(2026, 3, 2))) == 0
