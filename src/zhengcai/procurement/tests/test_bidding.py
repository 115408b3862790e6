"""Sealed bids, opening at the deadline, lowest-price evaluation with the SME deduction, award."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection

from zhengcai.accounts.models import User
from zhengcai.core import crypto
from zhengcai.core.audit import verify_chain
from zhengcai.core.errors import ServiceError
from zhengcai.core.models import AuditEvent
from zhengcai.core.permissions import Role
from zhengcai.opendata.models import Release
from zhengcai.organizations.models import Organization
from zhengcai.procurement.bidding import (
    SMALL_OR_MICRO,
    BidError,
    _opening_record_write,
    award_decide,
    bid_read,
    bid_submit,
    bid_withdraw,
    evaluate_lowest_price,
    receipt_payload,
    tender_open,
)
from zhengcai.procurement.models import Bid, BidOpening, BidStatus, ProjectStatus, Tender, TenderKey
from zhengcai.procurement.selectors import project_opening_record

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


PRICES = [160_0000_00, 170_0000_00, 158_0000_00]


def _more_bidders(heze: dict[str, Any], count: int) -> list[tuple[Organization, User]]:
    """``count`` approved suppliers besides the fixture's three: small, micro, medium and large in turn."""
    from conftest import make_code, make_user
    from zhengcai.organizations.models import EnterpriseSize, OrganizationKind
    from zhengcai.organizations.services import organization_create

    sizes = [EnterpriseSize.SMALL, EnterpriseSize.MICRO, EnterpriseSize.MEDIUM, EnterpriseSize.LARGE]
    out = []
    for i in range(count):
        org = organization_create(
            kind=OrganizationKind.SUPPLIER,
            name=f"菏泽批量投标人{i}有限公司",
            region=heze["city"],
            credit_code=make_code(),
            size=sizes[i % len(sizes)],
            address=f"菏泽市牡丹区中华路{i + 1}号" if i % 2 else "",
            actor="t",
            at=at(PUBLISH_ON),
        )
        out.append((org, make_user(Role.SUPPLIER_STAFF, org)))
    return out


def _alter_ciphertext(bid: Bid) -> dict[str, str]:
    data = bytearray(crypto.unb64(bid.ciphertext))
    data[-1] ^= 1  # in the GCM tag
    return {"ciphertext": crypto.b64(bytes(data))}


TAMPERINGS = {
    "ciphertext": _alter_ciphertext,
    "nonce": lambda bid: {"nonce": crypto.b64(bytes(12))},
    "nonce_malformed": lambda bid: {"nonce": crypto.b64(b"\x01\x02\x03")},
    "ephemeral_key": lambda bid: {"ephemeral_public": crypto.b64(bytes(range(1, 33)))},
    "ephemeral_key_low_order": lambda bid: {"ephemeral_public": crypto.b64(bytes(32))},
    "ephemeral_key_malformed": lambda bid: {"ephemeral_public": "not base64 of a key"},
    "receipt_hash": lambda bid: {"content_hash": "0" * 64},
    "moved_to_another_version": lambda bid: {"version": bid.version + 1},
}


@pytest.mark.parametrize("tampering", sorted(TAMPERINGS))
def test_a_tampered_bid_among_many_is_detected_and_nothing_is_opened(
    tampering: str, tender: Tender, bidders: list[Any], heze: dict[str, Any], purchaser: User
) -> None:
    everyone = bidders + _more_bidders(heze, 9)
    receipts = [submit(tender, bidder, 150_0000_00 + i * 1000) for i, bidder in enumerate(everyone)]
    victim = receipts[7].bid
    Bid.objects.filter(pk=victim.pk).update(**TAMPERINGS[tampering](victim))
    with pytest.raises(ServiceError) as exc:
        tender_open(tender=tender, actor=purchaser, at=OPENING)
    assert exc.value.code == BidError.TAMPERED
    assert exc.value.params == {"bid": victim.pk}  # the message names the altered bid
    assert str(victim.pk) in exc.value.message_en
    # the opening changed nothing: no line, no opened key, no status change, no event, no release
    assert not BidOpening.objects.exists()
    assert TenderKey.objects.get(tender=tender).unwrapped_at is None
    tender.project.refresh_from_db()
    assert tender.project.status == ProjectStatus.TENDERING
    assert not AuditEvent.objects.filter(action="tender.open").exists()
    assert not Release.objects.filter(tags=["tenderUpdate"]).exists()


def test_a_bid_swapped_onto_another_bidder_fails_decryption(
    tender: Tender, bidders: list[Any], purchaser: User
) -> None:
    """The associated data binds a ciphertext to its bidder: copying a sealed bid over another one is caught."""
    first, second, _ = (submit(tender, bidder, price).bid for bidder, price in zip(bidders, PRICES, strict=True))
    Bid.objects.filter(pk=second.pk).update(
        ephemeral_public=first.ephemeral_public,
        nonce=first.nonce,
        ciphertext=first.ciphertext,
        content_hash=first.content_hash,
    )
    with pytest.raises(ServiceError) as exc:
        tender_open(tender=tender, actor=purchaser, at=OPENING)
    assert (exc.value.code, exc.value.params) == (BidError.TAMPERED, {"bid": second.pk})


def test_many_bids_open_rank_and_publish_SME_PRICE_DEDUCT_ties_to_the_earlier_bid_then_the_lower_id(
    tender: Tender, bidders: list[Any], heze: dict[str, Any], purchaser: User
) -> None:
    everyone = bidders + _more_bidders(heze, 12)
    day = PUBLISH_ON + dt.timedelta(days=3)
    submitted = []
    for i, (org, user) in enumerate(everyone):
        small = org.size in SMALL_OR_MICRO
        # three ties of evaluated price 153万: a small bid at 170万 (10 % deducted) and others at 153万;
        # pairs submitted at the same moment, so the bid id decides between them
        price = (170_0000_00 if small else 153_0000_00) if i % 3 == 0 else 160_0000_00 + i * 100
        moment = at(day, 10) + dt.timedelta(minutes=(len(everyone) - i) // 2)
        receipt = bid_submit(
            tender=tender, supplier=org, price_fen=price, technical_response=f"响应{i}", actor=user, at=moment
        )
        submitted.append(receipt.bid)

    result = tender_open(tender=tender, actor=purchaser, at=OPENING)
    assert not result.failed
    assert [line.bid_id for line in result.lines] == [
        b.pk for b in sorted(submitted, key=lambda b: (b.submitted_at, b.pk))
    ]
    assert all(line.pk is not None for line in result.lines)
    stored = {row.bid_id: row for row in BidOpening.objects.all()}
    for bid in submitted:
        line = stored[bid.pk]
        i = submitted.index(bid)
        assert (line.technical_response, line.small_or_micro) == (f"响应{i}", bid.supplier_size in SMALL_OR_MICRO)
        assert bid_read(bid=bid, actor=everyone[i][1], at=OPENING).price_fen == line.price_fen

    # the release at the opening shows the opening record exactly as the selector reads it
    release = Release.objects.get(tags=["tenderUpdate"])
    record = project_opening_record(project=tender.project, at=OPENING)
    assert [d["id"] for d in release.data["bids"]["details"]] == [f"bid-{line.bid_id}" for line in record]
    assert [d["value"]["amount"] for d in release.data["bids"]["details"]] == [
        Decimal(line.price_fen).scaleb(-2) for line in record
    ]
    assert {d["status"] for d in release.data["bids"]["details"]} == {"pending"}
    tenderers = {p["id"]: p for p in release.data["parties"] if "tenderer" in p["roles"]}
    assert len(tenderers) == len(everyone)
    for org, _user in everyone:
        party = tenderers[f"ZC-ORG-{org.pk}"]
        assert party["details"] == {"scale": org.size}
        assert party["address"] == (
            {"streetAddress": org.address, "locality": "菏泽市", "countryName": "中国"}
            if org.address
            else {"locality": "菏泽市", "countryName": "中国"}
        )

    ranking = evaluate_lowest_price(project=tender.project, actor=purchaser, at=OPENING + dt.timedelta(hours=2))

    def expected_key(bid: Bid) -> tuple[int, dt.datetime, int]:
        price = stored[bid.pk].price_fen
        evaluated = price * 9 // 10 if bid.supplier_size in SMALL_OR_MICRO else price
        return evaluated, bid.submitted_at, bid.pk

    expected = sorted(submitted, key=expected_key)
    assert [ln.bid_id for ln in ranking] == [b.pk for b in expected]
    assert [ln.rank for ln in ranking] == list(range(1, len(everyone) + 1))
    ties = [ln for ln in ranking if ln.evaluated_price_fen == 153_0000_00]
    assert len(ties) >= 3
    assert [(ln.bid.submitted_at, ln.bid_id) for ln in ties] == sorted((ln.bid.submitted_at, ln.bid_id) for ln in ties)
    # what was written is what was returned
    written = dict(BidOpening.objects.values_list("bid_id", "rank"))
    assert written == {ln.bid_id: ln.rank for ln in ranking}
    assert dict(BidOpening.objects.values_list("bid_id", "evaluated_price_fen")) == {
        ln.bid_id: ln.evaluated_price_fen for ln in ranking
    }
    event = AuditEvent.objects.get(action="project.evaluate")
    assert event.after is not None
    assert event.after["ranking"] == [[ln.bid_id, ln.price_fen, ln.evaluated_price_fen] for ln in ranking]
    assert list(verify_chain()) == []


@pytest.mark.parametrize("same_opening_time", [True, False])
def test_the_opening_record_is_written_whole_by_either_path(
    same_opening_time: bool, tender: Tender, bidders: list[Any]
) -> None:
    """Lines that differ only by bid take the one-statement insert; any other difference falls back to
    ``bulk_create``. Either way every line is stored as built, with its id set and marked saved."""
    bids = [submit(tender, bidder, price).bid for bidder, price in zip(bidders, PRICES, strict=True)]
    lines = [
        BidOpening(
            bid_id=bid.pk,
            tender=tender,
            price_fen=PRICES[i],
            technical_response=f"响应{i}",
            small_or_micro=i == 1,
            opened_at=OPENING if same_opening_time else OPENING + dt.timedelta(seconds=i),
        )
        for i, bid in enumerate(bids)
    ]
    _opening_record_write(lines)
    assert all(line.pk is not None and not line._state.adding for line in lines)
    fields = ["pk", "bid_id", "tender_id", "price_fen", "technical_response", "small_or_micro", "valid", "opened_at"]
    stored = {line.pk: [getattr(line, f) for f in fields] for line in BidOpening.objects.all()}
    assert stored == {line.pk: [getattr(line, f) for f in fields] for line in lines}
    assert {line.rank for line in BidOpening.objects.all()} == {None}
