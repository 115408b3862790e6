"""The pages: supplier applies and accepts, bank quotes / approves / disburses, bureau totals, public products."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from zhengcai.core import clock
from zhengcai.core.permissions import Role
from zhengcai.financing import services
from zhengcai.financing.models import ApplicationStatus, FinancingApplication, Quote

from .conftest import World

pytestmark = pytest.mark.django_db


def login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_supplier_applies_on_the_page_and_a_foreign_contract_is_refused_with_the_rule(world: World) -> None:
    supplier = login(world.supplier_user)
    page = supplier.get("/office/financing/")
    assert page.status_code == 200
    assert world.contract.project.number in page.content.decode()
    foreign = world.another_contract(supplier=world.other_supplier)
    body = {
        "contract": foreign.pk,
        "amount_yuan": "500000",
        "products": [world.product.pk],
        "consent": [world.bank.pk],
    }
    refused = supplier.post("/office/financing/", body)
    assert refused.status_code == 400
    assert "FIN-OWN-CONTRACT" in refused.content.decode()
    assert not FinancingApplication.objects.exists()
    over = supplier.post("/office/financing/", body | {"contract": world.contract.pk, "amount_yuan": "900000"})
    assert over.status_code == 400
    assert "FIN-SHARE-CAP" in over.content.decode()
    sent = supplier.post("/office/financing/", body | {"contract": world.contract.pk})
    assert sent.status_code == 302
    application = FinancingApplication.objects.get()
    assert application.status == ApplicationStatus.SUBMITTED
    detail = supplier.get(sent["Location"])
    assert detail.status_code == 200
    assert "Revoke consent" in detail.content.decode() or "撤回" in detail.content.decode()
    # another supplier cannot see it
    assert login(world.other_supplier_user).get(sent["Location"]).status_code == 404


def test_bank_pages_quote_approve_disburse_and_consent_controls_the_credit_record(world: World) -> None:
    application = services.application_apply(
        supplier=world.supplier,
        contract=world.contract,
        amount_fen=70_0000_00,
        products=[world.product, world.product2],
        consent_bank_ids={world.bank.pk},
        actor=world.supplier_user,
        at=clock.now(),
    )
    bank = login(world.bank_officer)
    queue = bank.get("/office/financing/bank/")
    assert queue.status_code == 200
    assert world.supplier.name in queue.content.decode()
    url = f"/office/financing/bank/{application.pk}/"
    page = bank.get(url)
    assert page.status_code == 200
    assert 'data-testid="attestation"' in page.content.decode()
    assert 'data-testid="credit-hidden"' not in page.content.decode()
    ccb = login(world.bank2_officer)
    assert 'data-testid="credit-hidden"' in ccb.get(url).content.decode()  # no consent to CCB
    assert login(world.other_supplier_user).get(url).status_code == 403

    supplier = login(world.supplier_user)
    revoked = supplier.post(
        f"/office/financing/applications/{application.pk}/", {"action": "revoke", "bank": world.bank.pk}
    )
    assert revoked.status_code == 302
    assert 'data-testid="credit-hidden"' in bank.get(url).content.decode()  # hidden from then on

    valid_until = (clock.today() + dt.timedelta(days=7)).isoformat()
    bad = bank.post(
        url, {"action": "quote", "amount_yuan": "700000", "rate": "9", "term_days": 90, "valid_until": valid_until}
    )
    assert bad.status_code == 400
    assert "FIN-RATE-RANGE" in bad.content.decode()
    assert (
        bank.post(
            url,
            {"action": "quote", "amount_yuan": "700000", "rate": "3.8", "term_days": 90, "valid_until": valid_until},
        ).status_code
        == 302
    )
    quote = Quote.objects.get()
    assert (
        supplier.post(f"/office/financing/applications/{application.pk}/", {"action": "accept", "quote": quote.pk})
    ).status_code == 302
    approved = bank.post(
        url,
        {
            "action": "approve",
            "agreement_number": "ICBC-PAGE-1",
            "account_name": "还款专户",
            "account_number": "1612002119200555555",
            "account_bank_name": "工行菏泽分行营业部",
        },
    )
    assert approved.status_code == 302
    disbursed = bank.post(
        url, {"action": "disburse", "amount_yuan": "700000", "disbursed_on": clock.today().isoformat()}
    )
    assert disbursed.status_code == 302
    world.contract.refresh_from_db()
    assert (world.contract.repayment_account or {}).get("account_number") == "1612002119200555555"
    # the purchaser's manage page shows where to pay
    manage = login(world.purchaser).get(f"/office/projects/{world.contract.project.number}/")
    assert "1612002119200555555" in manage.content.decode()


def test_totals_page_scoped_and_public_products(
    world: World, role_users: dict[Role, Any], county_reviewer: Any
) -> None:
    admin = login(role_users[Role.BUREAU_ADMIN])
    page = admin.get("/office/financing/totals/")
    assert page.status_code == 200
    assert 'data-testid="headline"' in page.content.decode()
    assert login(county_reviewer).get("/office/financing/totals/").status_code == 200
    assert login(world.supplier_user).get("/office/financing/totals/").status_code == 403
    public = Client().get("/financing/products/")
    assert public.status_code == 200
    assert world.product.name in public.content.decode()
    assert Client().get("/office/financing/").status_code == 302  # log in first


def test_FIN_CONSENT_the_consenting_bank_sees_the_credit_record_until_revoked(
    world: World, role_users: dict[Role, Any]
) -> None:
    from zhengcai.credit.services import Entry, credit_record_add

    credit_record_add(
        supplier=world.supplier,
        entry=Entry(
            kind="late_delivery",
            severity="minor",
            occurred_on=dt.date(2026, 3, 10),
            expires_on=None,
            description="交货逾期 5 天",
            reference="HZ-LATE-1",
        ),
        actor=role_users[Role.BUREAU_ADMIN],
        at=clock.now(),
    )
    application = services.application_apply(
        supplier=world.supplier,
        contract=world.contract,
        amount_fen=60_0000_00,
        products=[world.product, world.product2],
        consent_bank_ids={world.bank.pk},
        actor=world.supplier_user,
        at=clock.now(),
    )
    url = f"/office/financing/bank/{application.pk}/"
    icbc, ccb = login(world.bank_officer), login(world.bank2_officer)
    seen = icbc.get(url).content.decode()
    assert 'data-testid="credit-records"' in seen
    assert "交货逾期 5 天" in seen
    assert "交货逾期 5 天" not in ccb.get(url).content.decode()  # no consent, no record
    services.consent_revoke(application=application, bank=world.bank, actor=world.supplier_user, at=clock.now())
    hidden = icbc.get(url).content.decode()
    assert "交货逾期 5 天" not in hidden
    assert 'data-testid="credit-hidden"' in hidden
