"""Issuance rules, keys and the lifecycle, through the services with real crypto and a real database."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.exceptions import PermissionDenied

from conftest import make_user
from zhengcai.accounts.models import User
from zhengcai.core import crypto
from zhengcai.core.errors import ServiceError, ServiceErrorGroup
from zhengcai.core.models import AuditEvent
from zhengcai.core.permissions import Role
from zhengcai.guarantees import offline, services, signing
from zhengcai.guarantees.models import Claim, Draft, Guarantee, GuaranteeStatus, IssuerKey
from zhengcai.integrations.models import WebhookDelivery
from zhengcai.integrations.webhooks import webhook_endpoint_register

from .conftest import CONTRACT_AT, DEADLINE_ON, ISSUE_AT, PUBLISH_ON, SIGNED_ON, at

pytestmark = pytest.mark.django_db


def codes(exc: ServiceError) -> set[str]:
    errors = exc.errors if isinstance(exc, ServiceErrorGroup) else [exc]
    return {e.code for e in errors}


def issue(heze: dict[str, Any], officer: User, **changes: Any) -> Guarantee:
    args: dict[str, Any] = {
        "issuer": heze["guarantor"],
        "kind": "bid",
        "amount_fen": 3_0000_00,
        "valid_from": PUBLISH_ON,
        "valid_until": DEADLINE_ON + dt.timedelta(days=90),
        "actor": officer,
        "at": ISSUE_AT,
    }
    args.update(changes)
    return services.guarantee_issue(**args)


# --- issuance ---------------------------------------------------------------------------------------


def test_bid_guarantee_is_signed_over_its_canonical_form(bid_guarantee: Guarantee, guarantor_key: IssuerKey) -> None:
    doc = json.loads(bid_guarantee.canonical)
    assert doc["no"] == bid_guarantee.number
    assert bid_guarantee.number.startswith("HZBH-2026-")
    assert doc["amount"] == "30000.00"
    assert doc["kid"] == guarantor_key.kid
    assert doc["beneficiary"]["name"] == bid_guarantee.project.purchaser.name
    assert bid_guarantee.status == GuaranteeStatus.ISSUED
    assert offline.signature_ok(
        offline.public_key(guarantor_key.public_key), bid_guarantee.signature, bid_guarantee.canonical.encode()
    )
    assert bid_guarantee.canonical == offline.canonical(doc).decode()
    assert AuditEvent.objects.filter(action="guarantee.issue", object_id=str(bid_guarantee.pk)).count() == 1


def test_numbers_follow_each_other_in_the_year(
    heze: dict[str, Any], tender: Any, bidders: list[Any], guarantor_key: IssuerKey, guarantor_officer: User
) -> None:
    first = issue(heze, guarantor_officer, project=tender.project, applicant=bidders[0][0])
    second = issue(heze, guarantor_officer, project=tender.project, applicant=bidders[2][0])
    assert first.number == "HZBH-2026-000001"
    assert second.number == "HZBH-2026-000002"


def test_S_BID_2PCT_bid_guarantee_over_the_cap_is_refused_and_nothing_written(
    heze: dict[str, Any], tender: Any, bidders: list[Any], guarantor_key: IssuerKey, guarantor_officer: User
) -> None:
    before = AuditEvent.objects.count()
    with pytest.raises(ServiceError) as caught:
        issue(heze, guarantor_officer, project=tender.project, applicant=bidders[0][0], amount_fen=3_6000_01)
    assert caught.value.code == "guarantees.amount.over_bid_cap"
    assert caught.value.field == "amount"
    assert "S-BID-2PCT" in caught.value.message_en
    assert "36,000.00" in caught.value.message_en
    assert "S-BID-2PCT" in caught.value.message_zh
    assert Guarantee.objects.count() == 0
    assert AuditEvent.objects.count() == before
    # exactly the cap is allowed
    assert issue(heze, guarantor_officer, project=tender.project, applicant=bidders[0][0], amount_fen=3_6000_00)


def test_S_PERF_10PCT_performance_guarantee_over_the_cap_is_refused(
    heze: dict[str, Any], contract: Any, guarantor_key: IssuerKey, guarantor_officer: User
) -> None:
    common = {
        "kind": "performance",
        "project": contract.project,
        "contract": contract,
        "applicant": contract.supplier,
        "valid_from": SIGNED_ON,
        "valid_until": SIGNED_ON + dt.timedelta(days=365),
        "at": CONTRACT_AT,
    }
    with pytest.raises(ServiceError) as caught:
        issue(heze, guarantor_officer, amount_fen=17_0000_01, **common)
    assert caught.value.code == "guarantees.amount.over_performance_cap"
    assert "S-PERF-10PCT" in caught.value.message_en
    assert "170,000.00" in caught.value.message_en
    assert Guarantee.objects.count() == 0
    assert issue(heze, guarantor_officer, amount_fen=17_0000_00, **common).kind == "performance"


def test_guarantee_past_its_validity_is_refused_clearly(
    heze: dict[str, Any], tender: Any, bidders: list[Any], guarantor_key: IssuerKey, guarantor_officer: User
) -> None:
    with pytest.raises(ServiceError) as caught:
        issue(
            heze,
            guarantor_officer,
            project=tender.project,
            applicant=bidders[0][0],
            valid_from=PUBLISH_ON - dt.timedelta(days=30),
            valid_until=PUBLISH_ON - dt.timedelta(days=1),
        )
    assert "guarantees.validity.past" in codes(caught.value)
    assert "past its validity" in caught.value.message_en
    assert Guarantee.objects.count() == 0


def test_every_broken_rule_is_named_at_once(
    heze: dict[str, Any], tender: Any, guarantor_key: IssuerKey, guarantor_officer: User
) -> None:
    with pytest.raises(ServiceErrorGroup) as caught:
        issue(
            heze,
            guarantor_officer,
            project=tender.project,
            applicant=heze["budget_unit"],  # not a supplier
            amount_fen=0,
            valid_until=PUBLISH_ON - dt.timedelta(days=1),
        )
    assert codes(caught.value) >= {
        "guarantees.applicant.not_active",
        "guarantees.amount.not_positive",
        "guarantees.validity.order",
    }


def test_bid_guarantee_must_cover_the_deadline_and_the_tender_must_be_open(
    heze: dict[str, Any], tender: Any, bidders: list[Any], guarantor_key: IssuerKey, guarantor_officer: User
) -> None:
    with pytest.raises(ServiceError) as short:
        issue(
            heze,
            guarantor_officer,
            project=tender.project,
            applicant=bidders[0][0],
            valid_until=DEADLINE_ON - dt.timedelta(days=1),
        )
    assert codes(short.value) == {"guarantees.validity.before_deadline"}
    with pytest.raises(ServiceError) as closed:
        issue(heze, guarantor_officer, project=tender.project, applicant=bidders[0][0], at=at(DEADLINE_ON, 10))
    assert codes(closed.value) == {"guarantees.tender.not_open"}


def test_performance_guarantee_is_for_the_contracts_supplier(
    heze: dict[str, Any], contract: Any, bidders: list[Any], guarantor_key: IssuerKey, guarantor_officer: User
) -> None:
    loser = next(org for org, _user in bidders if org.pk != contract.supplier_id)
    with pytest.raises(ServiceError) as caught:
        issue(
            heze,
            guarantor_officer,
            kind="performance",
            project=contract.project,
            contract=contract,
            applicant=loser,
            amount_fen=1_0000_00,
            valid_from=SIGNED_ON,
            valid_until=SIGNED_ON + dt.timedelta(days=30),
            at=CONTRACT_AT,
        )
    assert codes(caught.value) == {"guarantees.contract.other_supplier"}


def test_only_the_institutions_officers_issue_and_only_with_a_key(
    heze: dict[str, Any], tender: Any, bidders: list[Any], guarantor_officer: User, bank_officer: User
) -> None:
    with pytest.raises(PermissionDenied):
        issue(heze, bank_officer, project=tender.project, applicant=bidders[0][0])  # the bank for the guarantor
    with pytest.raises(ServiceError) as caught:
        issue(heze, guarantor_officer, project=tender.project, applicant=bidders[0][0])
    assert caught.value.code == "guarantees.key.none_active"
    assert Guarantee.objects.count() == 0


# --- keys ---------------------------------------------------------------------------------------------


def test_key_registration_is_certified_by_the_bureau(guarantor_key: IssuerKey) -> None:
    assert crypto.verify(signing.key_certificate(guarantor_key), guarantor_key.certificate_signature)
    assert guarantor_key.custodial
    assert guarantor_key.wrapped_private_key
    assert guarantor_key.public_key not in guarantor_key.wrapped_private_key


def test_rotation_retires_the_old_key_which_keeps_verifying(
    heze: dict[str, Any], bid_guarantee: Guarantee, guarantor_key: IssuerKey, guarantor_officer: User
) -> None:
    new = services.issuer_key_generate(institution=heze["guarantor"], actor=guarantor_officer, at=ISSUE_AT)
    guarantor_key.refresh_from_db()
    assert guarantor_key.retired_at is not None
    assert new.active
    assert new.kid != guarantor_key.kid
    assert IssuerKey.objects.filter(institution=heze["guarantor"], retired_at__isnull=True).count() == 1
    assert services.guarantee_verify(number=bid_guarantee.number, at=ISSUE_AT).valid


def test_institution_held_key_prepare_and_sign(
    heze: dict[str, Any], tender: Any, bidders: list[Any], bank_officer: User
) -> None:
    private = Ed25519PrivateKey.generate()
    public = crypto.b64(private.public_key().public_bytes(crypto.RAW, crypto.RAW_PUB))
    key = services.issuer_key_register(
        institution=heze["bank"], public_key=public, actor=bank_officer, at=at(PUBLISH_ON)
    )
    assert not key.custodial
    assert key.wrapped_private_key == ""
    draft = services.guarantee_prepare(
        issuer=heze["bank"],
        kind="bid",
        project=tender.project,
        applicant=bidders[0][0],
        amount_fen=2_0000_00,
        valid_from=PUBLISH_ON,
        valid_until=DEADLINE_ON + dt.timedelta(days=60),
        actor=bank_officer,
        at=ISSUE_AT,
    )
    with pytest.raises(ServiceError) as forged:
        services.guarantee_sign(
            issuer=heze["bank"],
            number=draft.number,
            signature=crypto.b64(Ed25519PrivateKey.generate().sign(draft.canonical.encode())),
            actor=bank_officer,
            at=ISSUE_AT + dt.timedelta(minutes=2),
        )
    assert forged.value.code == "guarantees.signature.mismatch"
    signature = crypto.b64(private.sign(draft.canonical.encode()))
    guarantee = services.guarantee_sign(
        issuer=heze["bank"],
        number=draft.number,
        signature=signature,
        actor=bank_officer,
        at=ISSUE_AT + dt.timedelta(minutes=3),
    )
    assert guarantee.key == key
    assert guarantee.canonical == draft.canonical
    assert Draft.objects.get(number=draft.number).guarantee == guarantee
    assert services.guarantee_verify(payload=signing.payload_of(guarantee), at=ISSUE_AT).valid
    with pytest.raises(ServiceError):  # a draft is signed once
        services.guarantee_sign(
            issuer=heze["bank"], number=draft.number, signature=signature, actor=bank_officer, at=ISSUE_AT
        )


def test_malformed_public_key_is_refused(heze: dict[str, Any], bank_officer: User) -> None:
    with pytest.raises(ServiceError) as caught:
        services.issuer_key_register(
            institution=heze["bank"], public_key="not a key", actor=bank_officer, at=at(PUBLISH_ON)
        )
    assert caught.value.code == "guarantees.key.malformed"
    assert IssuerKey.objects.count() == 0


# --- lifecycle ----------------------------------------------------------------------------------------


def test_purchaser_accepts_then_releases(bid_guarantee: Guarantee, purchaser: User) -> None:
    services.guarantee_accept(guarantee=bid_guarantee, actor=purchaser, at=ISSUE_AT + dt.timedelta(days=1))
    bid_guarantee.refresh_from_db()
    assert bid_guarantee.status == GuaranteeStatus.ACCEPTED
    assert bid_guarantee.accepted_at is not None
    services.guarantee_release(guarantee=bid_guarantee, actor=purchaser, at=ISSUE_AT + dt.timedelta(days=30))
    bid_guarantee.refresh_from_db()
    assert bid_guarantee.status == GuaranteeStatus.RELEASED
    actions = list(
        AuditEvent.objects.filter(object_id=str(bid_guarantee.pk), object_type="guarantees.guarantee")
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == ["guarantee.issue", "guarantee.accept", "guarantee.release"]


def test_forbidden_transitions(bid_guarantee: Guarantee, purchaser: User) -> None:
    with pytest.raises(ServiceError) as not_accepted:
        services.guarantee_claim(guarantee=bid_guarantee, amount_fen=100, reason="违约", actor=purchaser, at=ISSUE_AT)
    assert not_accepted.value.code == "core.transition.not_allowed"
    services.guarantee_release(guarantee=bid_guarantee, actor=purchaser, at=ISSUE_AT)
    with pytest.raises(ServiceError):
        services.guarantee_accept(guarantee=bid_guarantee, actor=purchaser, at=ISSUE_AT)
    assert Claim.objects.count() == 0


def test_supplier_presenting_counts_as_delivery_but_others_may_not_accept(
    bid_guarantee: Guarantee, bidders: list[Any], heze: dict[str, Any]
) -> None:
    other_supplier = bidders[0][1]
    with pytest.raises(PermissionDenied):
        services.guarantee_accept(
            guarantee=bid_guarantee, actor=other_supplier, at=ISSUE_AT, presented_by_applicant=True
        )
    applicant_staff = bidders[1][1]
    with pytest.raises(PermissionDenied):
        services.guarantee_accept(guarantee=bid_guarantee, actor=applicant_staff, at=ISSUE_AT)
    services.guarantee_accept(guarantee=bid_guarantee, actor=applicant_staff, at=ISSUE_AT, presented_by_applicant=True)
    assert Guarantee.objects.get(pk=bid_guarantee.pk).status == GuaranteeStatus.ACCEPTED


def test_claim_is_recorded_within_amount_and_validity(
    performance_guarantee: Guarantee, purchaser: User, heze: dict[str, Any], guarantor_officer: User
) -> None:
    endpoint = webhook_endpoint_register(
        organization=heze["guarantor"],
        url="https://g.example.invalid/hook",
        events=[],
        actor=guarantor_officer,
        at=CONTRACT_AT,
    ).endpoint
    services.guarantee_accept(guarantee=performance_guarantee, actor=purchaser, at=CONTRACT_AT + dt.timedelta(days=1))
    with pytest.raises(ServiceErrorGroup) as caught:
        services.guarantee_claim(
            guarantee=performance_guarantee, amount_fen=8_5000_01, reason=" ", actor=purchaser, at=CONTRACT_AT
        )
    assert codes(caught.value) == {"guarantees.claim.amount", "guarantees.claim.reason_required"}
    claim = services.guarantee_claim(
        guarantee=performance_guarantee,
        amount_fen=5_0000_00,
        reason="未按期交货",
        actor=purchaser,
        at=CONTRACT_AT + dt.timedelta(days=60),
    )
    performance_guarantee.refresh_from_db()
    assert performance_guarantee.status == GuaranteeStatus.CLAIMED
    assert claim.amount_fen == 5_0000_00
    events = list(WebhookDelivery.objects.filter(endpoint=endpoint).order_by("id").values_list("event", flat=True))
    assert events == ["guarantee.accepted", "guarantee.claimed"]


def test_outsiders_cannot_release(bid_guarantee: Guarantee, heze: dict[str, Any], bank_officer: User) -> None:
    other_supplier = make_user(Role.SUPPLIER_STAFF, heze["supplier"])
    for outsider in (bank_officer, other_supplier):
        with pytest.raises(PermissionDenied):
            services.guarantee_release(guarantee=bid_guarantee, actor=outsider, at=ISSUE_AT)


def test_expire_tick_is_idempotent(bid_guarantee: Guarantee, performance_guarantee: Guarantee) -> None:
    after_bid = at(bid_guarantee.valid_until + dt.timedelta(days=1))
    assert services.guarantees_expire(at=after_bid) == 1
    assert services.guarantees_expire(at=after_bid) == 0
    bid_guarantee.refresh_from_db()
    performance_guarantee.refresh_from_db()
    assert bid_guarantee.status == GuaranteeStatus.EXPIRED
    assert bid_guarantee.expired_at == after_bid
    assert performance_guarantee.status == GuaranteeStatus.ISSUED
    assert AuditEvent.objects.filter(action="guarantee.expire").count() == 1


def test_ocds_guarantees_items(bid_guarantee: Guarantee, performance_guarantee: Guarantee) -> None:
    from decimal import Decimal

    from zhengcai.guarantees.selectors import ocds_guarantees

    items = {item["id"]: item for item in ocds_guarantees(bid_guarantee.project)}
    bid, perf = items[bid_guarantee.number], items[performance_guarantee.number]
    assert bid["obligations"] == "bidSecurity"
    assert perf["obligations"] == "performance"
    assert perf["value"] == {"amount": Decimal("85000.00"), "currency": "CNY"}
    assert perf["guarantor"] == {"id": f"ZC-ORG-{performance_guarantee.issuer_id}", "name": "菏泽市融资担保有限公司"}
    assert perf["type"] == "suretyBond"
    assert perf["status"] == "issued"
    assert perf["period"]["endDate"].startswith((SIGNED_ON + dt.timedelta(days=365)).isoformat())
