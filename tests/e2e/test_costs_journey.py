"""Cutting suppliers' costs, in Chromium: a clean supplier is exempt from bid security and sees why; a supplier
with a record sees why not and presents an e-guarantee instead; the winner gets a performance guarantee from a
guarantor through the API, its PDF's QR payload verifies on the public page and an altered copy does not; the
winner borrows on its contract (two banks quote, one disburses); the purchaser's payment goes to the account
the bank designated; the bureau's savings and financing totals show it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import pytest
from django.test import Client
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from conftest import PASSWORD, make_code, make_user
from zhengcai.accounts.models import User
from zhengcai.accounts.services import api_token_issue
from zhengcai.core import clock
from zhengcai.core.permissions import Role
from zhengcai.credit.services import Entry, credit_record_add
from zhengcai.financing import services as financing
from zhengcai.financing.models import FinancingApplication
from zhengcai.guarantees.services import issuer_key_generate
from zhengcai.guarantees.tests.test_api import pdf_payload
from zhengcai.guarantees.tests.test_verify import tamper
from zhengcai.organizations.models import EnterpriseSize, OrganizationKind
from zhengcai.organizations.services import organization_create
from zhengcai.procurement import bidding, lifecycle
from zhengcai.procurement.models import Contract
from zhengcai.procurement.rules import Category, Method
from zhengcai.procurement.services import (
    ProjectInput,
    intention_create,
    intention_publish,
    project_create,
    tender_publish,
)
from zhengcai.securities.models import BidSecurity, SecurityForm
from zhengcai.securities.services import bid_security_provide

from .conftest import login, logout, screenshot, zh


def _supplier(heze: dict[str, Any], name: str, size: str, username: str) -> tuple[Any, User]:
    org = organization_create(
        kind=OrganizationKind.SUPPLIER,
        name=name,
        region=heze["city"],
        credit_code=make_code(),
        size=size,
        actor="t",
        at=clock.now() - dt.timedelta(days=400),
    )
    return org, make_user(Role.SUPPLIER_STAFF, org, username=username)


def _token_client(org: Any, officer: User) -> Client:
    now = clock.now()
    token = api_token_issue(organization=org, user=officer, name="业务系统", expires_at=None, actor=officer, at=now)
    return Client(HTTP_AUTHORIZATION=f"Bearer {token.plaintext}")


@pytest.mark.usefixtures("calendar_2027")
def test_costs_journey(
    page: Page, live_server: LiveServer, heze: dict[str, Any], role_users: dict[Role, User]
) -> None:
    now = clock.now()
    purchaser, bureau = role_users[Role.PURCHASER_STAFF], role_users[Role.BUREAU_ADMIN]
    guarantor = role_users[Role.GUARANTOR_OFFICER]
    clean, clean_user = _supplier(heze, "菏泽诚信办公设备有限公司", EnterpriseSize.SMALL, "clean")
    marked, marked_user = _supplier(heze, "菏泽有记录商贸有限公司", EnterpriseSize.MEDIUM, "marked")
    third, third_user = _supplier(heze, "菏泽第三家科技有限公司", EnterpriseSize.LARGE, "third")
    credit_record_add(
        supplier=marked,
        entry=Entry(
            kind="administrative_penalty",
            severity="serious",
            occurred_on=(now - dt.timedelta(days=200)).date(),
            expires_on=(now + dt.timedelta(days=700)).date(),
            description="提供虚假材料谋取成交",
            reference="菏市监处罚〔2026〕17号",
        ),
        actor=bureau,
        at=now - dt.timedelta(days=100),
    )
    # An inquiry (询价) with a bid security of ¥10,000, published yesterday (intention 40 days ago).
    intention = intention_create(
        purchaser=heze["budget_unit"],
        title="菏泽市教育局办公桌椅采购",
        demand_summary="办公桌椅 200 套",
        budget_fen=100_0000_00,
        expected_month=now.date(),
        actor=purchaser,
        at=now - dt.timedelta(days=40),
    )
    intention_publish(intention=intention, actor=purchaser, at=now - dt.timedelta(days=40))
    project = project_create(
        data=ProjectInput(
            title="菏泽市教育局办公桌椅采购项目",
            purchaser=heze["budget_unit"],
            method=Method.INQUIRY,
            category=Category.GOODS,
            catalogue_code="A05010000",
            budget_fen=100_0000_00,
            max_price_fen=98_0000_00,
            intention=intention,
            agency=heze["agency"],
            sme_deduction_percent=Decimal(10),
            bid_security_fen=1_0000_00,
        ),
        actor=purchaser,
        at=now - dt.timedelta(days=2),
    )
    today = clock.now().date()
    tender = tender_publish(
        project=project,
        docs_from=today,
        docs_until=today + dt.timedelta(days=10),
        deadline=now + dt.timedelta(days=10),
        notice_text="询价公告：办公桌椅 200 套",
        actor=purchaser,
        at=now - dt.timedelta(hours=1),
    )

    # The clean supplier asks for the exemption and sees why it is exempt (S-CREDIT-EXEMPT).
    login(page, live_server, "clean", PASSWORD)
    page.goto(f"{live_server.url}/projects/{project.number}/bid/")
    page.get_by_test_id("security-link").click()
    page.get_by_role("button", name=zh("Check my exemption and use it")).click()
    expect(page.get_by_test_id("exemption-explanation")).to_contain_text("免收投标保证金")
    screenshot(page, "costs-1-exempt")
    logout(page, live_server)

    # The supplier with a record is told why not, then presents an e-guarantee instead of cash.
    login(page, live_server, "marked", PASSWORD)
    page.goto(f"{live_server.url}/projects/{project.number}/security/")
    page.get_by_role("button", name=zh("Check my exemption and use it")).click()
    expect(page.locator(".messages")).to_contain_text("不予免收")
    expect(page.locator(".messages")).to_contain_text("提供虚假材料谋取成交")
    screenshot(page, "costs-2-not-exempt")
    issuer_key_generate(institution=heze["guarantor"], actor=guarantor, at=now)
    api = _token_client(heze["guarantor"], guarantor)
    bid_guarantee = api.post(
        "/api/v1/guarantees",
        {
            "kind": "bid",
            "project_number": project.number,
            "applicant_credit_code": marked.credit_code,
            "amount_fen": 1_0000_00,
            "valid_from": today.isoformat(),
            "valid_until": (today + dt.timedelta(days=90)).isoformat(),
        },
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="bid-guarantee-marked",
    )
    assert bid_guarantee.status_code == 201, bid_guarantee.content
    page.locator("#id_guarantee-reference").fill(bid_guarantee.json()["number"])
    page.get_by_role("button", name=zh("Present the guarantee")).click()
    expect(page.get_by_test_id("security-form")).to_contain_text(zh("Electronic letter of guarantee"))
    logout(page, live_server)

    bid_security_provide(
        tender=tender,
        supplier=third,
        form=SecurityForm.TRANSFER,
        amount_fen=1_0000_00,
        paid_on=today,
        actor=third_user,
        at=clock.now(),
    )
    assert BidSecurity.objects.filter(tender=tender).count() == 3
    for (org, user), price in zip(
        [(clean, clean_user), (marked, marked_user), (third, third_user)],
        [90_0000_00, 93_0000_00, 95_0000_00],
        strict=True,
    ):
        bidding.bid_submit(
            tender=tender, supplier=org, price_fen=price, technical_response="响应", actor=user, at=clock.now()
        )

    # After the deadline: opening, award and contract (the clean small enterprise wins at ¥900,000).
    with clock.travel(dt.timedelta(days=11)):
        later = clock.now()
        bidding.tender_open(tender=tender, actor=purchaser, at=later)
        bidding.evaluate_lowest_price(project=project, actor=purchaser, at=later)
        award = bidding.award_decide(project=project, actor=purchaser, at=later)
        lifecycle.result_publish(award=award, actor=purchaser, at=later)
        contract = lifecycle.contract_sign(award=award, signed_on=later.date(), actor=purchaser, at=later)
        assert contract.supplier == clean

        # The guarantor's system issues the winner's performance guarantee through the API.
        performance = api.post(
            "/api/v1/guarantees",
            {
                "kind": "performance",
                "project_number": project.number,
                "applicant_credit_code": clean.credit_code,
                "amount_fen": 9000_00,
                "valid_from": later.date().isoformat(),
                "valid_until": (later.date() + dt.timedelta(days=365)).isoformat(),
            },
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY="performance-clean",
        ).json()
        winner = Client()
        winner.force_login(clean_user)
        payload = pdf_payload(winner.get(f"/office/guarantees/{performance['number']}/pdf/").content)

        # Anyone verifies the QR payload on the public page; an altered copy is reported as such.
        page.goto(f"{live_server.url}/guarantees/{performance['number']}/verify/?p={quote(payload)}")
        expect(page.locator('[data-verdict="valid"]')).to_be_visible()
        screenshot(page, "costs-3-guarantee-valid")
        altered = tamper(payload, amount="90.00")
        page.goto(f"{live_server.url}/guarantees/verify/?payload={quote(altered)}")
        expect(page.locator('[data-verdict="not-valid"]')).to_be_visible()
        screenshot(page, "costs-4-guarantee-altered")

        # 政采贷: two banks quote on the contract, the winner takes one, the bank disburses.
        banks = [
            heze["bank"],
            organization_create(
                kind=OrganizationKind.BANK,
                name="中国建设银行股份有限公司菏泽分行",
                region=heze["city"],
                credit_code=make_code(),
                actor="t",
                at=later,
            ),
        ]
        officers = [role_users[Role.BANK_OFFICER], make_user(Role.BANK_OFFICER, banks[1], username="ccb")]
        products = [
            financing.product_publish(
                bank=bank,
                name="政采贷",
                rate_min=Decimal("3.2"),
                rate_max=Decimal("4.5"),
                max_share_percent=Decimal(80),
                term_days=365,
                eligible_sizes=["small", "micro", "medium"],
                actor=officer,
                at=later,
            )
            for bank, officer in zip(banks, officers, strict=True)
        ]
        application = financing.application_apply(
            supplier=clean,
            contract=contract,
            amount_fen=70_0000_00,
            products=products,
            consent_bank_ids={b.pk for b in banks},
            actor=clean_user,
            at=later,
        )
        quotes = [
            financing.quote_submit(
                application=application,
                bank=bank,
                amount_fen=70_0000_00,
                rate=rate,
                term_days=180,
                valid_until=later.date() + dt.timedelta(days=10),
                actor=officer,
                at=later,
            )
            for bank, officer, rate in zip(banks, officers, [Decimal("3.6"), Decimal("3.4")], strict=True)
        ]
        financing.quote_accept(quote=quotes[1], actor=clean_user, at=later)
        application = FinancingApplication.objects.get(pk=application.pk)
        financing.application_approve(
            application=application,
            bank=banks[1],
            agreement_number="CCB-ZCD-2026-001",
            account_name="菏泽诚信办公设备有限公司（政采贷还款专户）",
            account_number="3705016661000000123",
            account_bank_name="中国建设银行菏泽分行",
            actor=officers[1],
            at=later,
        )
        financing.disbursement_record(
            application=FinancingApplication.objects.get(pk=application.pk),
            bank=banks[1],
            amount_fen=70_0000_00,
            disbursed_on=later.date(),
            actor=officers[1],
            at=later,
        )
        lifecycle.acceptance_record(
            contract=Contract.objects.get(pk=contract.pk),
            passed=True,
            accepted_on=later.date(),
            note="合格",
            actor=purchaser,
            at=later,
        )

        # The purchaser pays; the payment goes to the account the bank designated.
        login(page, live_server, purchaser.username, PASSWORD)
        page.goto(f"{live_server.url}/office/projects/{project.number}/")
        expect(page.get_by_test_id("repayment-account")).to_contain_text("3705016661000000123")
        page.locator("#id_amount_yuan").fill("500000")
        page.locator("#id_paid_on").fill(later.date().isoformat())
        page.get_by_role("button", name=zh("Record the payment")).click()
        expect(page.get_by_test_id("payments")).to_contain_text("政采贷还款专户")
        screenshot(page, "costs-5-payment-to-designated-account")
        logout(page, live_server)

        # The bureau sees the savings (an exemption and a guarantee instead of cash) and the financing raised.
        login(page, live_server, bureau.username, PASSWORD)
        page.goto(f"{live_server.url}/office/securities/savings/")
        expect(page.get_by_test_id("savings-total")).to_contain_text("¥20,000.00")
        screenshot(page, "costs-6-savings")
        page.goto(f"{live_server.url}/office/financing/totals/")
        expect(page.get_by_test_id("headline")).to_contain_text("70.00万元")
        screenshot(page, "costs-7-financing-totals")
