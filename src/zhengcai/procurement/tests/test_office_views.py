"""The back-office journey through the real pages: intention → notice → sealed bids → opening → award."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from zhengcai.accounts.models import User
from zhengcai.core import clock
from zhengcai.core.permissions import Role
from zhengcai.procurement.models import Bid, Intention, NoticeKind, Project, ProjectStatus

pytestmark = pytest.mark.django_db


def login(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_whole_round_through_the_back_office(
    heze: dict[str, Any], role_users: dict[Role, User], bidders: list[Any], calendar_2027: None
) -> None:
    purchaser = login(role_users[Role.PURCHASER_STAFF])
    response = purchaser.post(
        "/office/intentions/new/",
        {
            "purchaser": heze["budget_unit"].pk,
            "title": "菏泽市实验小学课桌椅采购",
            "demand_summary": "课桌椅 800 套",
            "budget_yuan": "960000.00",
            "expected_month": "2027-01",
            "publish": "1",
        },
    )
    assert response.status_code == 302
    intention = Intention.objects.get(title="菏泽市实验小学课桌椅采购")
    assert intention.status == "published"

    with clock.travel(dt.timedelta(days=31)):
        response = purchaser.post(
            "/office/projects/new/",
            {
                "intention": intention.pk,
                "title": "菏泽市实验小学课桌椅采购项目",
                "method": "open_tender",
                "category": "A",
                "catalogue_code": "A05010000",
                "budget_yuan": "960000",
                "max_price_yuan": "950000",
                "agency": heze["agency"].pk,
                "sme_deduction_percent": "10",
                "bid_security_yuan": "19000",
            },
        )
        assert response.status_code == 302, response.content.decode()[:500]
        project = Project.objects.get(title="菏泽市实验小学课桌椅采购项目")
        agency = login(role_users[Role.AGENCY_STAFF])
        today = clock.today()
        too_soon = dt.datetime.combine(today + dt.timedelta(days=10), dt.time(9, 30))
        response = agency.post(
            f"/office/projects/{project.number}/",
            {
                "action": "publish_tender",
                "docs_from": today.isoformat(),
                "docs_until": (today + dt.timedelta(days=9)).isoformat(),
                "deadline": too_soon.strftime("%Y-%m-%dT%H:%M"),
                "notice_text": "欢迎合格供应商参加。",
            },
        )
        assert response.status_code == 400
        assert "M-OPEN-20D" in response.content.decode()
        deadline = dt.datetime.combine(today + dt.timedelta(days=21), dt.time(9, 30))
        response = agency.post(
            f"/office/projects/{project.number}/",
            {
                "action": "publish_tender",
                "docs_from": today.isoformat(),
                "docs_until": (today + dt.timedelta(days=9)).isoformat(),
                "deadline": deadline.strftime("%Y-%m-%dT%H:%M"),
                "notice_text": "欢迎合格供应商参加。",
            },
        )
        assert response.status_code == 302
        for (_org, user), price in zip(bidders, ["900000", "940000", "910000"], strict=True):
            response = login(user).post(
                f"/projects/{project.number}/bid/", {"price_yuan": price, "technical_response": "全部满足"}
            )
            assert response.status_code == 200
            assert 'data-testid="bid-receipt"' in response.content.decode()
        assert Bid.objects.filter(tender__project=project).count() == 3
        # the opening button does not work before the deadline
        agency.post(f"/office/projects/{project.number}/", {"action": "open"})
        project.refresh_from_db()
        assert project.status == ProjectStatus.TENDERING

    with clock.travel(dt.timedelta(days=31 + 22)):
        for action in ("open", "evaluate"):
            response = agency.post(f"/office/projects/{project.number}/", {"action": action})
            assert response.status_code == 302
        assert (
            agency.post(f"/office/projects/{project.number}/", {"action": "award"}).status_code == 403
        )  # D-EVAL-REPORT
        assert purchaser.post(f"/office/projects/{project.number}/", {"action": "award"}).status_code == 302
        response = purchaser.post(f"/office/projects/{project.number}/", {"action": "publish_result"})
        project.refresh_from_db()
        assert project.status == ProjectStatus.AWARDED
        public = Client().get(f"/projects/{project.number}/").content.decode()
        assert bidders[1][0].name in public  # the small enterprise: 94万 × 90 % = 84.6万 wins
        assert "¥846,000.00" in public
        result = project.notices.get(kind=NoticeKind.RESULT)
        assert bidders[1][0].name in Client().get(f"/notices/{result.pk}/").content.decode()


def when(moment: dt.datetime) -> Any:
    """The platform's clock at ``moment`` inside the block."""
    from django.utils import timezone

    return clock.travel(moment - timezone.now())


def test_after_the_award_contract_acceptance_payment_through_the_manage_page(
    awarded: Any, role_users: dict[Role, User]
) -> None:
    from zhengcai.procurement.lifecycle import result_publish
    from zhengcai.procurement.models import Contract, Payment

    from .conftest import at

    buyer = role_users[Role.PURCHASER_STAFF]
    day = dt.date(2026, 4, 24)
    result_publish(award=awarded, actor=buyer, at=at(day))
    client = login(buyer)
    url = f"/office/projects/{awarded.project.number}/"
    with when(at(dt.date(2026, 5, 6), 10)):
        future = client.post(url, {"action": "sign_contract", "signed_on": "2026-05-20", "payment_days": "30"})
        assert future.status_code == 400
        assert "2026-05-20" in future.content.decode()  # the field error names the date and the rule
        assert not Contract.objects.exists()
        too_long = client.post(url, {"action": "sign_contract", "signed_on": "2026-05-06", "payment_days": "90"})
        assert "P-SME-30D" in too_long.content.decode()
        ok = client.post(
            url, {"action": "sign_contract", "signed_on": "2026-05-06", "payment_days": "30", "advance_yuan": "300000"}
        )
        assert ok.status_code == 302
        client.post(url, {"action": "publish_contract"})
    contract = Contract.objects.get()
    assert contract.published_at is not None
    with when(at(dt.date(2026, 6, 10), 10)):
        client.post(url, {"action": "acceptance", "accepted_on": "2026-06-10", "passed": "on", "note": "验收合格"})
        over = client.post(url, {"action": "payment", "amount_yuan": "9999999", "paid_on": "2026-06-10"})
        assert over.status_code == 400
        client.post(url, {"action": "payment", "amount_yuan": "1400000", "paid_on": "2026-06-10"})
        change = {
            "action": "amend_contract",
            "changed_on": "2026-06-10",
            "rationale": "追加",
            "description": "追加5套",
        }
        over_cap = client.post(url, change | {"amount_yuan": "0", "amount_after_yuan": "1870000.01"})
        assert over_cap.status_code == 400
        assert "CONTRACT-ADD-10PCT" in over_cap.content.decode()
        assert client.post(url, change | {"amount_after_yuan": "1785000"}).status_code == 302
        page = client.get(url).content.decode()
    contract.refresh_from_db()
    assert contract.acceptance_passed
    assert Payment.objects.get().amount_fen == 140_0000_00
    assert "¥1,400,000.00 / ¥1,785,000.00" in page
    assert "¥1,700,000.00 → ¥1,785,000.00" in page


def test_challenge_complaint_suspension_and_upheld_decision_through_the_pages(
    awarded: Any, bidders: list[Any], role_users: dict[Role, User], county_reviewer: User
) -> None:
    from zhengcai.procurement.models import Challenge, Complaint, Notice

    from .conftest import at

    project = awarded.project
    loser = login(bidders[0][1])
    with when(at(dt.date(2026, 4, 24), 10)):
        late = loser.post(f"/projects/{project.number}/challenge/", {"known_on": "2026-03-01", "text": "质疑"})
        assert late.status_code == 400
        assert "C-CHALLENGE-7WD" in late.content.decode()
        loser.post(f"/projects/{project.number}/challenge/", {"known_on": "2026-04-23", "text": "评审结果有误"})
    challenge = Challenge.objects.get()
    agency = login(role_users[Role.AGENCY_STAFF])
    with when(at(dt.date(2026, 4, 27), 10)):
        page = agency.get(f"/office/projects/{project.number}/").content.decode()
        assert "评审结果有误" in page
        agency.post(
            f"/office/projects/{project.number}/",
            {"action": "answer_challenge", "challenge": challenge.pk, "answer": "经复核，评审无误。"},
        )
    challenge.refresh_from_db()
    assert challenge.status == "answered"
    with when(at(dt.date(2026, 5, 11), 10)):
        assert loser.post(f"/office/challenges/{challenge.pk}/complaint/", {"text": "对答复不满意"}).status_code == 302
    complaint = Complaint.objects.get()
    bureau = login(role_users[Role.BUREAU_REVIEWER])
    assert project.title in bureau.get("/office/complaints/").content.decode()
    assert login(county_reviewer).get(f"/office/complaints/{complaint.pk}/").status_code == 404  # city project
    with when(at(dt.date(2026, 5, 12), 10)):
        bureau.post(f"/office/complaints/{complaint.pk}/", {"action": "accept", "suspend": "on"})
        buyer = login(role_users[Role.PURCHASER_STAFF])
        refused = buyer.post(f"/office/projects/{project.number}/", {"action": "publish_result"}, follow=True)
        assert "C-COMPLAINT-30WD" in refused.content.decode()
    with when(at(dt.date(2026, 5, 20), 10)):
        empty = bureau.post(
            f"/office/complaints/{complaint.pk}/", {"action": "decide", "upheld": "yes", "decision": ""}
        )
        assert empty.status_code == 400
        bureau.post(
            f"/office/complaints/{complaint.pk}/",
            {"action": "decide", "upheld": "yes", "affects_result": "on", "decision": "投诉成立，评审错误影响结果。"},
        )
    project.refresh_from_db()
    assert project.status == ProjectStatus.TERMINATED
    assert Notice.objects.filter(project=project, kind=NoticeKind.COMPLAINT_DECISION).exists()
    mine = loser.get("/office/challenges/").content.decode()
    assert "投诉成立" in mine
    public = Client().get(f"/projects/{project.number}/").content.decode()  # shown on the public page
    assert "经复核，评审无误。" in public
    assert "投诉成立，评审错误影响结果。" in public
