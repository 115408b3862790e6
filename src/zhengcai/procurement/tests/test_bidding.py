"""Sealed bids, opening at the deadline, lowest-price evaluation with the SME deduction, award."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection

from zhengcai.accounts.models import User
from zhengcai.core import crypto
from zhengcai.core.audit import verify_chain
from zhengcai.core.errors import ServiceError
from zhengcai.core.permissions import Role
from zhengcai.organizations.models import Organization
from zhengcai.procurement.bidding import (
    BidError,
    award_decide,
    bid_read,
    bid_submit,
    bid_withdraw,
    evaluate_lowest_price,
    receipt_payload,
    tender_open,
)
from zhengcai.procurement.models import Bid, BidStatus, ProjectStatus, Tender

from .conftest import OPENING, PUBLISH_ON, at

pytestmark = pytest.mark.django_db


def submit(tender: Tender, bidder: tuple[Organization, User], price_fen: int, day: dt.date = PUBLISH_ON) -> Any:
    org, user = bidder
    return bid_submit(
        tender=tender,
        supplier=org,
        price_fen=price_fen,
        technical_response="满足全部技术参数",
        actor=user,
        at=at(day + dt.timedelta(days=3), 10),
    )


def test_receipt_is_signed_and_an_altered_receipt_fails(tender: Tender, bidders: list[Any]) -> None:
    receipt = submit(tender, bidders[0], 170_0000_00)
    assert crypto.verify(receipt.payload, receipt.signature, receipt.public_key)
    altered = {**receipt.payload, "content_sha256": "0" * 64}
    assert not crypto.verify(altered, receipt.signature, receipt.public_key)
    assert receipt_payload(receipt.bid) == receipt.payload


def test_bid_is_unreadable_at_rest_and_before_the_opening(
    tender: Tender, bidders: list[Any], role_users: dict[Role, User]
) -> None:
    receipt = submit(tender, bidders[0], 170_1234_56)
    with connection.cursor() as cur:  # a direct database reader
        cur.execute("SELECT * FROM procurement_bid WHERE id = %s", [receipt.bid.pk])
        row = " ".join(str(v) for v in cur.fetchone())
    assert str(170_1234_56) not in row  # the price
    assert "满足" not in row  # the technical response
    for role in (Role.BUREAU_ADMIN, Role.PURCHASER_STAFF, Role.AUDITOR):
        with pytest.raises(ServiceError) as exc:
            bid_read(bid=receipt.bid, actor=role_users[role], at=OPENING - dt.timedelta(minutes=1))
        assert exc.value.code == BidError.SEALED


def test_late_bid_is_refused(tender: Tender, bidders: list[Any]) -> None:
    org, user = bidders[0]
    with pytest.raises(ServiceError) as exc:
        bid_submit(tender=tender, supplier=org, price_fen=1, technical_response="", actor=user, at=OPENING)
    assert exc.value.code == BidError.LATE
    assert not Bid.objects.exists()


def test_price_above_the_maximum_is_refused(tender: Tender, bidders: list[Any]) -> None:
    with pytest.raises(ServiceError) as exc:
        submit(tender, bidders[0], 175_0000_01)
    assert exc.value.field == "price_fen"
    assert "1,750,000.00" in exc.value.message_en


def test_replacement_and_withdrawal_before_the_deadline(tender: Tender, bidders: list[Any]) -> None:
    first = submit(tender, bidders[0], 170_0000_00).bid
    second = submit(tender, bidders[0], 160_0000_00, PUBLISH_ON + dt.timedelta(days=1)).bid
    first.refresh_from_db()
    assert (first.status, second.status, second.version) == (BidStatus.REPLACED, BidStatus.SUBMITTED, 2)
    bid_withdraw(bid=second, actor=bidders[0][1], at=at(PUBLISH_ON + dt.timedelta(days=5)))
    second.refresh_from_db()
    assert second.status == BidStatus.WITHDRAWN


def test_another_supplier_cannot_bid_for_this_one(tender: Tender, bidders: list[Any]) -> None:
    with pytest.raises(PermissionDenied):
        bid_submit(
            tender=tender,
            supplier=bidders[0][0],
            price_fen=1,
            technical_response="",
            actor=bidders[1][1],
            at=at(PUBLISH_ON),
        )


def test_opening_too_early_is_refused(tender: Tender, purchaser: User) -> None:
    with pytest.raises(ServiceError) as exc:
        tender_open(tender=tender, actor=purchaser, at=OPENING - dt.timedelta(seconds=1))
    assert exc.value.code == BidError.TOO_EARLY_TO_OPEN


def test_full_round_opening_SME_PRICE_DEDUCT_ranking_and_D_RESULT_2WD(
    tender: Tender, bidders: list[Any], purchaser: User, role_users: dict[Role, User]
) -> None:
    submit(tender, bidders[0], 160_0000_00)  # large
    submit(tender, bidders[1], 170_0000_00)  # small: 170万 × 90 % = 153万 evaluated
    submit(tender, bidders[2], 158_0000_00)  # medium: no deduction
    result = tender_open(tender=tender, actor=purchaser, at=OPENING)
    assert not result.failed
    assert sorted(line.price_fen for line in result.lines) == [158_0000_00, 160_0000_00, 170_0000_00]
    tender.project.refresh_from_db()
    assert tender.project.status == ProjectStatus.OPENED
    # after the opening, a bidder reads its own line; another bidder reading it is refused
    small_bid = Bid.objects.get(supplier=bidders[1][0])
    assert bid_read(bid=small_bid, actor=bidders[1][1], at=OPENING).price_fen == 170_0000_00
    with pytest.raises(PermissionDenied):
        bid_read(bid=small_bid, actor=role_users[Role.BANK_OFFICER], at=OPENING)

    ranking = evaluate_lowest_price(project=tender.project, actor=purchaser, at=OPENING + dt.timedelta(hours=2))
    assert [(ln.bid.supplier_id, ln.evaluated_price_fen, ln.rank) for ln in ranking] == [
        (bidders[1][0].pk, 153_0000_00, 1),
        (bidders[2][0].pk, 158_0000_00, 2),
        (bidders[0][0].pk, 160_0000_00, 3),
    ]
    award = award_decide(project=tender.project, actor=purchaser, at=OPENING + dt.timedelta(days=1))
    assert award.winning_bid.supplier_id == bidders[1][0].pk
    assert award.amount_fen == 170_0000_00  # the contract price is the bid price, not the evaluated one
    assert award.result_notice_due == dt.date(2026, 4, 24)  # 2 working days after Wed 04-22
    assert list(verify_chain()) == []


def test_M_MIN_BIDDERS_fewer_than_three_fails_the_procurement(
    tender: Tender, bidders: list[Any], purchaser: User
) -> None:
    submit(tender, bidders[0], 160_0000_00)
    submit(tender, bidders[1], 170_0000_00)
    result = tender_open(tender=tender, actor=purchaser, at=OPENING)
    assert result.failed
    tender.project.refresh_from_db()
    assert tender.project.status == ProjectStatus.FAILED


def test_a_tampered_ciphertext_is_detected_at_the_opening(tender: Tender, bidders: list[Any], purchaser: User) -> None:
    receipt = submit(tender, bidders[0], 160_0000_00)
    submit(tender, bidders[1], 170_0000_00)
    submit(tender, bidders[2], 158_0000_00)
    data = bytearray(crypto.unb64(receipt.bid.ciphertext))
    data[5] ^= 1
    Bid.objects.filter(pk=receipt.bid.pk).update(ciphertext=crypto.b64(bytes(data)))
    with pytest.raises(ServiceError) as exc:
        tender_open(tender=tender, actor=purchaser, at=OPENING)
    assert exc.value.code == BidError.TAMPERED


def test_SME_RESERVE_ALL_large_enterprise_cannot_bid_on_a_reserved_tender(tender: Tender, bidders: list[Any]) -> None:
    type(tender.project).objects.filter(pk=tender.project_id).update(sme_reserved=True, sme_deduction_percent=0)
    tender.refresh_from_db()
    with pytest.raises(ServiceError) as exc:
        submit(tender, bidders[0], 160_0000_00)  # the large enterprise
    assert exc.value.code == BidError.SME_RESERVED
    assert submit(tender, bidders[1], 160_0000_00).bid.version == 1  # a small one may
