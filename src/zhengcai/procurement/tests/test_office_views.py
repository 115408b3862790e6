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
