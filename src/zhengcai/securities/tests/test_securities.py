"""Bid security by transfer with its refund clock (S-BID-REFUND-5WD), performance security cap (S-PERF-10PCT),
the supplier's ledger and the bureau's capital-occupation figures."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client

from zhengcai.accounts.models import User
from zhengcai.core.errors import ServiceError
from zhengcai.core.models import AuditEvent
from zhengcai.core.permissions import Role
from zhengcai.procurement.bidding import award_decide, bid_submit, evaluate_lowest_price, tender_open
from zhengcai.procurement.lifecycle import acceptance_record, contract_sign, result_publish
from zhengcai.procurement.tests.conftest import DEADLINE_ON, OPENING, PUBLISH_ON, at
from zhengcai.securities import rules
from zhengcai.securities.models import BidSecurity, SecurityForm, SecurityStatus
from zhengcai.securities.selectors import bid_security_rows, capital_savings, tender_securities
from zhengcai.securities.services import (
    bid_security_provide,
    bid_security_refund,
    performance_security_record,
    performance_security_refund,
)

pytestmark = pytest.mark.django_db
PAID = PUBLISH_ON + dt.timedelta(days=2)


def transfer(tender: Any, org: Any, user: User, **changes: Any) -> BidSecurity:
    args: dict[str, Any] = {
        "tender": tender,
        "supplier": org,
        "form": SecurityForm.TRANSFER,
        "amount_fen": 3_0000_00,
        "paid_on": PAID,
        "reference": "HZ-TRF-001",
        "actor": user,
        "at": at(PAID, 10),
    }
    args.update(changes)
    return bid_security_provide(**args)


def test_s_bid_2pct_transfer_of_exactly_the_required_amount(tender: Any, bidders: list[Any]) -> None:
    org, user = bidders[0]
    with pytest.raises(ServiceError) as more:
        transfer(tender, org, user, amount_fen=3_0000_01)
    assert more.value.field == "amount_fen"
    assert "S-BID-2PCT" in more.value.message_en
    with pytest.raises(ServiceError) as early:
        transfer(tender, org, user, paid_on=PUBLISH_ON - dt.timedelta(days=1))
    assert early.value.field == "paid_on"
    with pytest.raises(PermissionDenied):
        transfer(tender, org, bidders[1][1])
    security = transfer(tender, org, user)
    assert security.status == SecurityStatus.HELD
    with pytest.raises(ServiceError) as twice:
        transfer(tender, org, user)
    assert twice.value.code == "securities.already_provided"
    with pytest.raises(ServiceError) as late:
        transfer(tender, bidders[1][0], bidders[1][1], at=at(DEADLINE_ON, 10))
    assert late.value.code == "securities.tender_closed"
    assert AuditEvent.objects.filter(action="bid_security.provide").count() == 1


def _round(tender: Any, bidders: list[Any], purchaser: User) -> Any:
    for (org, user), price in zip(bidders, [160_0000_00, 170_0000_00, 158_0000_00], strict=True):
        transfer(tender, org, user)
        bid_submit(
            tender=tender, supplier=org, price_fen=price, technical_response="响应", actor=user, at=at(PAID, 11)
        )
    tender_open(tender=tender, actor=purchaser, at=OPENING)
    evaluate_lowest_price(project=tender.project, actor=purchaser, at=OPENING)
    return award_decide(project=tender.project, actor=purchaser, at=OPENING + dt.timedelta(hours=2))


def test_s_bid_refund_5wd_losers_after_the_award_notice_winner_after_the_contract(
    tender: Any, bidders: list[Any], purchaser: User
) -> None:
    award = _round(tender, bidders, purchaser)
    today = DEADLINE_ON
    rows = bid_security_rows(tender_securities(tender=tender), today=today)
    assert all(r.trigger_on is None for r in rows)  # nothing refundable before the award notice
    loser = next(r.security for r in rows if r.security.supplier != award.winning_bid.supplier)
    with pytest.raises(ServiceError) as early:
        bid_security_refund(security=loser, refunded_on=today, actor=purchaser, at=at(today, 15))
    assert early.value.code == "securities.not_refundable"
    notice_day = dt.date(2026, 4, 22)
    result_publish(award=award, actor=purchaser, at=at(notice_day, 9))
    by_supplier = {
        r.security.supplier_id: r for r in bid_security_rows(tender_securities(tender=tender), today=notice_day)
    }
    winner_row = by_supplier[award.winning_bid.supplier_id]
    assert winner_row.trigger_on is None  # the winner's waits for the contract
    loser_row = by_supplier[loser.supplier_id]
    assert loser_row.refund_due == rules.bid_refund_due(notice_day) == dt.date(2026, 4, 29)
    overdue_day = dt.date(2026, 4, 30)
    assert bid_security_rows(tender_securities(tender=tender).filter(pk=loser.pk), today=overdue_day)[0].overdue
    bid_security_refund(security=loser, refunded_on=overdue_day, actor=purchaser, at=at(overdue_day, 10))
    [refunded] = bid_security_rows(tender_securities(tender=tender).filter(pk=loser.pk), today=overdue_day)
    assert refunded.late
    assert not refunded.overdue
    contract_sign(award=award, signed_on=dt.date(2026, 5, 6), actor=purchaser, at=at(dt.date(2026, 5, 6)))
    after = {
        r.security.supplier_id: r
        for r in bid_security_rows(tender_securities(tender=tender), today=dt.date(2026, 5, 6))
    }
    assert after[award.winning_bid.supplier_id].refund_due == dt.date(2026, 5, 12)  # Sat 05-09 is a make-up workday


def test_s_perf_10pct_performance_security_cap_and_return_after_acceptance(
    tender: Any, bidders: list[Any], purchaser: User
) -> None:
    award = _round(tender, bidders, purchaser)
    result_publish(award=award, actor=purchaser, at=at(dt.date(2026, 4, 22), 9))
    contract = contract_sign(award=award, signed_on=dt.date(2026, 5, 6), actor=purchaser, at=at(dt.date(2026, 5, 6)))
    args: dict[str, Any] = {
        "contract": contract,
        "form": SecurityForm.TRANSFER,
        "reference": "HZ-PERF-1",
        "provided_on": dt.date(2026, 5, 7),
        "actor": purchaser,
        "at": at(dt.date(2026, 5, 7)),
    }
    with pytest.raises(ServiceError) as over:
        performance_security_record(amount_fen=contract.amount_fen // 10 + 1, **args)
    assert "S-PERF-10PCT" in over.value.message_en
    security = performance_security_record(amount_fen=contract.amount_fen // 100, **args)
    with pytest.raises(ServiceError):
        performance_security_refund(
            security=security, refunded_on=dt.date(2026, 5, 8), actor=purchaser, at=at(dt.date(2026, 5, 8))
        )
    acceptance_record(
        contract=contract,
        passed=True,
        accepted_on=dt.date(2026, 6, 1),
        note="",
        actor=purchaser,
        at=at(dt.date(2026, 6, 1)),
    )
    security = performance_security_refund(
        security=security, refunded_on=dt.date(2026, 6, 3), actor=purchaser, at=at(dt.date(2026, 6, 3))
    )
    assert security.status == SecurityStatus.REFUNDED


def test_transfers_are_not_counted_as_savings(tender: Any, bidders: list[Any], role_users: dict[Role, User]) -> None:
    transfer(tender, *bidders[0])
    savings = capital_savings(user=role_users[Role.BUREAU_ADMIN], today=DEADLINE_ON)
    assert savings.total.count == 0


def test_capital_days_and_cost() -> None:
    assert rules.capital_days(3_0000_00, dt.date(2026, 4, 3), dt.date(2026, 4, 29)) == 3_0000_00 * 26
    assert rules.capital_days(100, dt.date(2026, 4, 3), dt.date(2026, 4, 1)) == 0
    # ¥30,000 for 365 days at 3.0 % costs ¥900
    assert rules.financing_cost_fen(3_0000_00 * 365, on=dt.date(2026, 4, 1)) == 900_00


def test_pages_ledger_and_savings_with_their_permissions(
    tender: Any, bidders: list[Any], role_users: dict[Role, User], purchaser: User
) -> None:
    org, user = bidders[0]
    transfer(tender, org, user)
    supplier = Client()
    supplier.force_login(user)
    page = supplier.get("/office/securities/").content.decode()
    assert "HZ-TRF-001" not in page  # the ledger shows the project, form and amount
    assert "¥30,000.00" in page
    bid_page = supplier.get(f"/projects/{tender.project.number}/security/")
    assert bid_page.status_code == 200
    assert "¥30,000.00" in bid_page.content.decode()
    manager = Client()
    manager.force_login(purchaser)
    assert manager.get(f"/office/projects/{tender.project.number}/securities/").status_code == 200
    assert supplier.get(f"/office/projects/{tender.project.number}/securities/").status_code == 403
    bureau = Client()
    bureau.force_login(role_users[Role.BUREAU_ADMIN])
    assert bureau.get("/office/securities/savings/").status_code == 200
    assert supplier.get("/office/securities/savings/").status_code == 403
    assert bureau.get("/api/v1/securities/savings").json()["total"]["count"] == 0


def test_s_credit_exempt_clean_supplier_exempt_with_reason_and_counted_as_saving(
    tender: Any, bidders: list[Any], role_users: dict[Role, User]
) -> None:
    org, user = bidders[1]
    security = bid_security_provide(tender=tender, supplier=org, form=SecurityForm.EXEMPT, actor=user, at=at(PAID, 10))
    assert security.status == SecurityStatus.NONE
    assert security.amount_fen == 0
    assert "免收投标保证金" in security.exemption_explanation
    savings = capital_savings(user=role_users[Role.BUREAU_ADMIN], today=DEADLINE_ON)
    assert savings.exempt.count == 1
    assert savings.total.amount_fen == 3_0000_00
    assert savings.total.fen_days == 3_0000_00 * (DEADLINE_ON - PAID).days  # held until today: no award yet


def test_s_credit_exempt_refused_with_the_record_and_the_decision_is_kept(
    tender: Any, bidders: list[Any], role_users: dict[Role, User]
) -> None:
    from zhengcai.credit.models import ExemptionDecision
    from zhengcai.credit.services import Entry, credit_record_add

    org, user = bidders[0]
    credit_record_add(
        supplier=org,
        entry=Entry(
            kind="administrative_penalty",
            severity="serious",
            occurred_on=dt.date(2025, 5, 2),
            expires_on=dt.date(2028, 5, 1),
            description="提供虚假材料谋取中标",
            reference="菏市监处罚〔2025〕88号",
        ),
        actor=role_users[Role.BUREAU_ADMIN],
        at=at(PUBLISH_ON),
    )
    with pytest.raises(ServiceError) as refused:
        bid_security_provide(tender=tender, supplier=org, form=SecurityForm.EXEMPT, actor=user, at=at(PAID, 10))
    assert refused.value.code == "securities.not_exempt"
    assert "2028-05-01" in refused.value.message_zh
    assert not BidSecurity.objects.exists()
    decision = ExemptionDecision.objects.get(supplier=org, tender=tender)
    assert not decision.exempt  # kept: a later policy or record cannot change it
    assert transfer(tender, org, user).form == SecurityForm.TRANSFER  # the supplier pays cash instead


def test_s_bid_2pct_an_e_guarantee_replaces_cash_and_cannot_be_refused(
    tender: Any, bidders: list[Any], role_users: dict[Role, User], heze: dict[str, Any]
) -> None:
    from zhengcai.guarantees.models import Guarantee
    from zhengcai.guarantees.services import guarantee_issue, issuer_key_generate

    org, user = bidders[0]
    guarantor = role_users[Role.GUARANTOR_OFFICER]
    issuer_key_generate(institution=heze["guarantor"], actor=guarantor, at=at(PUBLISH_ON))
    issue = {
        "issuer": heze["guarantor"],
        "kind": "bid",
        "project": tender.project,
        "applicant": org,
        "valid_from": PUBLISH_ON,
        "valid_until": DEADLINE_ON + dt.timedelta(days=90),
        "actor": guarantor,
        "at": at(PAID, 9),
    }
    small = guarantee_issue(amount_fen=2_0000_00, **issue)
    with pytest.raises(ServiceError) as short:
        bid_security_provide(
            tender=tender,
            supplier=org,
            form=SecurityForm.GUARANTEE,
            reference=small.number,
            actor=user,
            at=at(PAID, 10),
        )
    assert short.value.field == "reference"
    with pytest.raises(ServiceError) as forged:
        bid_security_provide(
            tender=tender,
            supplier=org,
            form=SecurityForm.GUARANTEE,
            reference="HZBH-FORGED-1",
            actor=user,
            at=at(PAID, 10),
        )
    assert forged.value.code == "securities.guarantee.invalid"
    good = guarantee_issue(amount_fen=3_0000_00, **issue)
    security = bid_security_provide(
        tender=tender, supplier=org, form=SecurityForm.GUARANTEE, reference=good.number, actor=user, at=at(PAID, 10)
    )
    assert security.amount_fen == 3_0000_00
    assert Guarantee.objects.get(pk=good.pk).status == "accepted"
    savings = capital_savings(user=role_users[Role.BUREAU_ADMIN], today=DEADLINE_ON)
    assert savings.guarantee.count == 1
    assert savings.guarantee.amount_fen == 3_0000_00
