"""Contract financing (政采贷) through the real services: rules by id, transitions, side effects."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from conftest import make_user
from zhengcai.core import crypto
from zhengcai.core.errors import ServiceError
from zhengcai.core.models import AuditEvent, Notification
from zhengcai.core.permissions import Role
from zhengcai.financing import selectors, services
from zhengcai.financing.models import (
    ApplicationBank,
    ApplicationStatus,
    FinancingApplication,
    Quote,
    QuoteStatus,
)
from zhengcai.integrations.models import WebhookDelivery
from zhengcai.integrations.webhooks import webhook_endpoint_register
from zhengcai.procurement.lifecycle import acceptance_record, payment_record

from .conftest import World
from .factories import moment

pytestmark = pytest.mark.django_db

D = dt.date(2026, 4, 22)  # two days after the contract was signed
T = moment(D, 10)


def apply(world: World, *, amount_fen: int = 70_0000_00, products: list[Any] | None = None, **kw: Any) -> Any:
    return services.application_apply(
        supplier=kw.pop("supplier", world.supplier),
        contract=kw.pop("contract", world.contract),
        amount_fen=amount_fen,
        products=products if products is not None else [world.product, world.product2],
        consent_bank_ids=kw.pop("consent", {world.bank.pk}),
        purpose="采购原材料",
        actor=kw.pop("actor", world.supplier_user),
        at=kw.pop("at", T),
    )


def quote(world: World, application: Any, bank: Any, officer: Any, **kw: Any) -> Quote:
    values: dict[str, Any] = {
        "amount_fen": 70_0000_00,
        "rate": Decimal("3.60"),
        "term_days": 180,
        "valid_until": D + dt.timedelta(days=14),
        "at": T + dt.timedelta(days=1),
    }
    values.update(kw)
    return services.quote_submit(application=application, bank=bank, actor=officer, **values)


def test_FIN_JOURNEY_two_banks_quote_one_disburses_payments_go_to_the_designated_account(
    world: World, role_users: dict[Role, Any], county_reviewer: Any
) -> None:
    """The winner applies, two banks quote, one disburses; the purchaser's payment goes to the designated
    account (FIN-REPAY-ACCOUNT); the bureau's totals change; closing releases the account."""
    webhook_endpoint_register(
        organization=world.bank, url="http://127.0.0.1:9/hooks", events=[], actor=world.bank_officer, at=T
    )
    admin = role_users[Role.BUREAU_ADMIN]
    assert selectors.financing_totals(user=admin).raised_fen == 0

    application = apply(world)
    assert application.status == ApplicationStatus.SUBMITTED
    attestation = application.attestation
    facts = attestation.payload["contract"]
    assert facts["amount_fen"] == 100_0000_00
    assert facts["supplier"]["name"] == world.supplier.name
    assert facts["purchaser"]["name"] == world.heze["budget_unit"].name
    assert facts["signed_on"] == "2026-04-20"
    assert facts["payments"] == []
    # banks verify the attestation with the platform's public key; any change breaks it
    assert attestation.public_key == crypto.platform_public_key()
    assert services.attestation_verify(attestation)
    forged = {**attestation.payload, "contract": {**facts, "amount_fen": 999_0000_00}}
    assert not crypto.verify(forged, attestation.signature, attestation.public_key)

    q1 = quote(world, application, world.bank, world.bank_officer)
    q2 = quote(
        world,
        application,
        world.bank2,
        world.bank2_officer,
        amount_fen=65_0000_00,
        rate=Decimal("3.50"),
        term_days=180,
    )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.QUOTED

    services.quote_accept(quote=q1, actor=world.supplier_user, at=T + dt.timedelta(days=2))
    q1.refresh_from_db()
    q2.refresh_from_db()
    assert (q1.status, q2.status) == (QuoteStatus.ACCEPTED, QuoteStatus.NOT_CHOSEN)
    with pytest.raises(ServiceError) as not_theirs:  # only the accepted quote's bank approves
        services.application_approve(
            application=application,
            bank=world.bank2,
            agreement_number="CCB-1",
            account_name="x",
            account_number="12345678",
            account_bank_name="x",
            actor=world.bank2_officer,
            at=T + dt.timedelta(days=3),
        )
    assert not_theirs.value.code == "financing.bank.not_addressed"

    agreement = services.application_approve(
        application=application,
        bank=world.bank,
        agreement_number="ICBC-ZCD-2026-0001",
        account_name="中国工商银行菏泽分行政采贷还款专户",
        account_number="1612002119200123456",
        account_bank_name="中国工商银行股份有限公司菏泽分行营业部",
        guarantor=world.heze["guarantor"],
        guarantee_fen=35_0000_00,
        actor=world.bank_officer,
        at=T + dt.timedelta(days=3),
    )
    assert agreement.guarantee.guarantor == world.heze["guarantor"]
    world.contract.refresh_from_db()
    assert world.contract.repayment_account is None  # designated only when the money is paid out

    services.disbursement_record(
        application=application,
        bank=world.bank,
        amount_fen=70_0000_00,
        disbursed_on=D + dt.timedelta(days=4),
        actor=world.bank_officer,
        at=T + dt.timedelta(days=4),
    )
    world.contract.refresh_from_db()
    assert world.contract.repayment_account == agreement.repayment_account()
    designated: Any = world.contract.repayment_account
    assert designated["account_number"] == "1612002119200123456"

    # the purchaser's next payment records the designated account, and the bank sees it
    acceptance_record(
        contract=world.contract,
        passed=True,
        accepted_on=dt.date(2026, 5, 20),
        note="合格",
        actor=world.purchaser,
        at=moment(dt.date(2026, 5, 20)),
    )
    payment = payment_record(
        contract=world.contract,
        amount_fen=60_0000_00,
        paid_on=dt.date(2026, 6, 1),
        is_advance=False,
        actor=world.purchaser,
        at=moment(dt.date(2026, 6, 1)),
    )
    assert payment.paid_to_account == agreement.repayment_account()
    assert list(selectors.repayments_observed(agreement=agreement)) == [payment]

    totals = selectors.financing_totals(user=admin)
    assert totals.raised_fen == 70_0000_00
    assert totals.outstanding_fen == 70_0000_00
    assert totals.by_bank == [{"name": world.bank.name, "amount_fen": 70_0000_00, "loans": 1}]
    assert totals.by_month == [{"month": "2026-04", "amount_fen": 70_0000_00, "loans": 1}]
    assert totals.by_size[0]["size"] == "small"
    assert totals.by_region[0]["code"] == "371700"
    assert selectors.financing_totals(user=county_reviewer).raised_fen == 0  # county scope: not its purchaser

    services.repayment_record(
        application=application,
        bank=world.bank,
        amount_fen=70_0000_00,
        repaid_on=dt.date(2026, 6, 2),
        actor=world.bank_officer,
        at=moment(dt.date(2026, 6, 2)),
    )
    world.contract.refresh_from_db()
    application.refresh_from_db()
    assert application.status == ApplicationStatus.REPAID
    assert world.contract.repayment_account is None
    last = payment_record(
        contract=world.contract,
        amount_fen=40_0000_00,
        paid_on=dt.date(2026, 6, 3),
        is_advance=False,
        actor=world.purchaser,
        at=moment(dt.date(2026, 6, 3)),
    )
    assert last.paid_to_account is None  # back to the supplier
    assert selectors.financing_totals(user=admin).outstanding_fen == 0

    events = list(WebhookDelivery.objects.order_by("id").values_list("event", flat=True))
    assert events == [
        "financing.submitted",
        "financing.quoted",
        "financing.accepted",
        "financing.approved",
        "financing.disbursed",
        "financing.repaid",
    ]  # the other bank registered no endpoint
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "financing.apply",
        "financing.submit",
        "financing.quote",
        "financing.accept",
        "financing.approve",
        "financing.disburse",
        "financing.repaid",
        "contract.repayment_account",
    } <= actions
    assert Notification.objects.filter(recipient=world.supplier_user).count() >= 5


def test_FIN_OWN_CONTRACT_a_contract_that_is_not_the_suppliers_is_refused(world: World) -> None:
    with pytest.raises(ServiceError) as refused:
        apply(world, supplier=world.other_supplier, actor=world.other_supplier_user)
    assert refused.value.code == "financing.contract.not_own"
    assert refused.value.field == "contract"
    assert "FIN-OWN-CONTRACT" in refused.value.message_en
    assert "不是" in refused.value.message_zh or refused.value.message_zh != refused.value.message_en
    with pytest.raises(PermissionDenied):  # acting for a supplier one is not staff of
        apply(world, actor=world.other_supplier_user)
    assert not FinancingApplication.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="financing.apply").exists()


def test_FIN_SHARE_CAP_the_amount_is_at_most_the_products_share_of_the_contract(world: World) -> None:
    with pytest.raises(ServiceError) as over:  # 75 % is within ICBC's 80 % but over CCB's 70 %
        apply(world, amount_fen=75_0000_00)
    assert over.value.code == "financing.amount.over_share"
    assert "700,000.00" in over.value.message_en
    with pytest.raises(ServiceError):
        apply(world, amount_fen=80_0000_01, products=[world.product])
    assert not FinancingApplication.objects.exists()
    application = apply(world, amount_fen=80_0000_00, products=[world.product])  # exactly the cap
    assert application.amount_fen == 80_0000_00
    with pytest.raises(ServiceError) as quote_over:  # a quote is capped as well
        quote(world, application, world.bank, world.bank_officer, amount_fen=80_0000_01)
    assert quote_over.value.code == "financing.amount.over_share"


def test_FIN_RATE_RANGE_and_FIN_TERM_quotes_within_the_product(world: World) -> None:
    application = apply(world)
    with pytest.raises(ServiceError) as bad:
        quote(world, application, world.bank, world.bank_officer, rate=Decimal("5.00"), term_days=400)
    assert {e.code for e in bad.value.errors} == {"financing.rate.out_of_range", "financing.term.too_long"}  # type: ignore[attr-defined]
    assert not Quote.objects.exists()
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED


def test_FIN_CONSENT_revocation_hides_the_credit_record_from_then_on(world: World) -> None:
    application = apply(world)
    assert selectors.consent_allows(supplier=world.supplier, bank=world.bank, at=T)
    assert not selectors.consent_allows(supplier=world.supplier, bank=world.bank2, at=T)  # never consented
    revoked_at = T + dt.timedelta(days=1)
    services.consent_revoke(application=application, bank=world.bank, actor=world.supplier_user, at=revoked_at)
    assert selectors.consent_allows(supplier=world.supplier, bank=world.bank, at=revoked_at - dt.timedelta(seconds=1))
    assert not selectors.consent_allows(supplier=world.supplier, bank=world.bank, at=revoked_at)
    assert not selectors.credit_records_for_bank(supplier=world.supplier, bank=world.bank, at=revoked_at).allowed
    event = AuditEvent.objects.get(action="financing.consent_revoke")
    assert event.actor == world.supplier_user
    with pytest.raises(ServiceError):  # nothing to revoke twice
        services.consent_revoke(application=application, bank=world.bank, actor=world.supplier_user, at=revoked_at)
    with pytest.raises(PermissionDenied):  # only the supplier decides
        services.consent_grant(application=application, bank=world.bank2, actor=world.bank2_officer, at=revoked_at)
    later = revoked_at + dt.timedelta(days=1)
    services.consent_grant(application=application, bank=world.bank2, actor=world.supplier_user, at=later)
    assert selectors.consent_allows(supplier=world.supplier, bank=world.bank2, at=later)
    link = ApplicationBank.objects.get(application=application, bank=world.bank)
    assert link.consent_revoked_at == revoked_at
    assert WebhookDelivery.objects.count() == 0  # no endpoints registered: nothing queued, nothing failed


def test_FIN_ONE_OPEN_and_FIN_CONTRACT_OPEN(world: World) -> None:
    application = apply(world)
    with pytest.raises(ServiceError) as twice:
        apply(world)
    assert twice.value.code == "financing.contract.open_financing"
    services.application_withdraw(application=application, actor=world.supplier_user, at=T)
    assert apply(world).status == ApplicationStatus.SUBMITTED  # a withdrawn one no longer counts

    paid = world.another_contract()
    acceptance_record(contract=paid, passed=True, accepted_on=D, note="合格", actor=world.purchaser, at=moment(D))
    payment_record(
        contract=paid, amount_fen=paid.amount_fen, paid_on=D, is_advance=False, actor=world.purchaser, at=moment(D)
    )
    with pytest.raises(ServiceError) as done:
        apply(world, contract=paid, at=moment(D, 15))
    assert done.value.code == "financing.contract.not_performing"
    before = moment(D - dt.timedelta(days=1))  # the day before the last payment it was still being performed
    assert apply(world, contract=paid, at=before).status == ApplicationStatus.SUBMITTED


def test_FIN_SIZE_products_serve_declared_sizes(world: World) -> None:
    large_only = services.product_publish(
        bank=world.bank,
        name="大型企业专享",
        rate_min=Decimal("3"),
        rate_max=Decimal("3.5"),
        max_share_percent=Decimal("80"),
        term_days=365,
        eligible_sizes=["large"],
        actor=world.bank_officer,
        at=T,
    )
    with pytest.raises(ServiceError) as refused:
        apply(world, products=[large_only])
    assert refused.value.code == "financing.product.size_not_eligible"


def test_transitions_are_enforced_and_banks_act_for_their_own_bank_only(world: World) -> None:
    application = apply(world)
    with pytest.raises(PermissionDenied):  # another bank's officer cannot quote for ICBC
        quote(world, application, world.bank, world.bank2_officer)
    with pytest.raises(ServiceError) as early:  # nothing approved yet
        services.disbursement_record(
            application=application,
            bank=world.bank,
            amount_fen=1,
            disbursed_on=D,
            actor=world.bank_officer,
            at=T,
        )
    assert early.value.code == "financing.bank.not_addressed"
    quote(world, application, world.bank, world.bank_officer)
    with pytest.raises(ServiceError) as again:
        quote(world, application, world.bank, world.bank_officer)
    assert again.value.code == "financing.contract.open_financing"
    services.application_decline(
        application=application, bank=world.bank2, reason="授信额度不足", actor=world.bank2_officer, at=T
    )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.QUOTED  # ICBC's quote still stands
    expired = T + dt.timedelta(days=30)
    with pytest.raises(ServiceError) as late:
        services.quote_accept(quote=Quote.objects.get(), actor=world.supplier_user, at=expired)
    assert late.value.code == "financing.quote.expired"
    services.application_decline(
        application=application, bank=world.bank, reason="不再受理", actor=world.bank_officer, at=expired
    )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DECLINED  # every bank declined
    assert Quote.objects.get().status == QuoteStatus.WITHDRAWN


def test_a_guarantor_must_be_a_guarantee_institution(world: World) -> None:
    application = apply(world)
    q = quote(world, application, world.bank, world.bank_officer)
    services.quote_accept(quote=q, actor=world.supplier_user, at=T + dt.timedelta(days=1))
    stranger = make_user(Role.SUPPLIER_STAFF, world.other_supplier)
    assert stranger
    with pytest.raises(ServiceError) as bad:
        services.application_approve(
            application=application,
            bank=world.bank,
            agreement_number="A-1",
            account_name="还款专户",
            account_number="12AB",
            account_bank_name="营业部",
            guarantor=world.other_supplier,
            guarantee_fen=99_0000_00,
            actor=world.bank_officer,
            at=T + dt.timedelta(days=2),
        )
    fields = {e.field for e in bad.value.errors}  # type: ignore[attr-defined]
    assert fields == {"account_number", "guarantor", "guarantee_fen"}
    application.refresh_from_db()
    assert application.status == ApplicationStatus.ACCEPTED
