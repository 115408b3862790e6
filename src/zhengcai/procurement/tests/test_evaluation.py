"""Comprehensive scoring: committee draw (E-COMMITTEE), price weight (E-PRICE-WEIGHT), independent sheets,
price score (E-PRICE-SCORE) on SME-deducted prices, reproducible ranking, result notice fields."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.test import Client

from conftest import make_user
from zhengcai.accounts.models import User
from zhengcai.core.audit import verify_chain
from zhengcai.core.errors import ServiceError
from zhengcai.core.permissions import Role
from zhengcai.procurement import rules
from zhengcai.procurement.bidding import award_decide, bid_submit, evaluate_lowest_price, tender_open
from zhengcai.procurement.evaluation import committee_draw, evaluate_scoring, score_sheet_submit
from zhengcai.procurement.models import (
    BidOpening,
    CommitteeMember,
    EvaluationMethod,
    ExpertScore,
    Notice,
    NoticeKind,
    Project,
    ProjectStatus,
)
from zhengcai.procurement.rules import Category, Method
from zhengcai.procurement.services import project_create, tender_publish

from .conftest import D0, DEADLINE_ON, OPENING, PUBLISH_ON, at, project_input

pytestmark = pytest.mark.django_db


@pytest.fixture
def experts(heze: dict[str, Any]) -> list[User]:
    return [make_user(Role.EVALUATION_EXPERT, heze["city_bureau"], username=f"expert{i}") for i in range(7)]


@pytest.fixture
def scoring_project(heze: dict[str, Any], intention: Any, purchaser: User) -> Project:
    data = project_input(heze, intention, evaluation_method=EvaluationMethod.SCORING, price_weight_percent=Decimal(30))
    return project_create(data=data, actor=purchaser, at=at(D0 + dt.timedelta(days=10)))


@pytest.fixture
def scoring_tender(scoring_project: Project, purchaser: User) -> Any:
    return tender_publish(
        project=scoring_project,
        docs_from=PUBLISH_ON,
        docs_until=PUBLISH_ON + dt.timedelta(days=7),
        deadline=at(DEADLINE_ON, 9),
        notice_text="招标公告（综合评分法）",
        actor=purchaser,
        at=at(PUBLISH_ON, 8),
    )


PRICES = [160_0000_00, 170_0000_00, 158_0000_00]  # large, small, medium


@pytest.fixture
def opened(scoring_tender: Any, bidders: list[Any], purchaser: User) -> Project:
    for (org, user), price in zip(bidders, PRICES, strict=True):
        bid_submit(
            tender=scoring_tender,
            supplier=org,
            price_fen=price,
            technical_response=f"{org.name}的技术方案",
            actor=user,
            at=at(PUBLISH_ON + dt.timedelta(days=3)),
        )
    tender_open(tender=scoring_tender, actor=purchaser, at=OPENING)
    return Project.objects.get(pk=scoring_tender.project_id)


def lines_by_supplier(project: Project) -> dict[str, BidOpening]:
    return {
        line.bid.supplier.name: line
        for line in BidOpening.objects.filter(tender__project=project).select_related("bid__supplier")
    }


def submit_all(project: Project, members: list[CommitteeMember], table: list[list[str]]) -> None:
    """table[m][i]: member m's score for the i-th bidder (bidders in the fixture's order)."""
    lines = sorted(BidOpening.objects.filter(tender__project=project), key=lambda ln: ln.bid.supplier.name)
    for member, row in zip(members, table, strict=True):
        score_sheet_submit(
            project=project,
            scores={line.pk: Decimal(s) for line, s in zip(lines, row, strict=True)},
            comments={},
            actor=member.expert,
            at=OPENING + dt.timedelta(hours=2),
        )


# --- rules ------------------------------------------------------------------------------------------------


def test_e_price_weight_ranges_goods_services_and_consultation() -> None:
    day = dt.date(2026, 4, 1)
    assert rules.price_weight_range(Method.OPEN_TENDER, Category.GOODS, on=day) == (30, 100)
    assert rules.price_weight_range(Method.OPEN_TENDER, Category.SERVICES, on=day) == (10, 100)
    assert rules.price_weight_range(Method.CONSULTATION, Category.GOODS, on=day) == (30, 60)  # M-CONS-10D
    assert rules.price_weight_range(Method.CONSULTATION, Category.SERVICES, on=day) == (10, 30)
    assert rules.check_price_weight(Method.OPEN_TENDER, Category.GOODS, Decimal(29), on=day) is not None
    assert rules.check_price_weight(Method.CONSULTATION, Category.SERVICES, Decimal(31), on=day) is not None
    assert rules.check_price_weight(Method.OPEN_TENDER, Category.SERVICES, Decimal(10), on=day) is None


def test_e_committee_size_odd_at_least_five_or_seven_from_ten_million() -> None:
    day = dt.date(2026, 4, 1)
    assert rules.check_committee_size(5, 999_9999_99, on=day) is None
    assert rules.check_committee_size(4, 100_0000_00, on=day) is not None
    assert rules.check_committee_size(6, 100_0000_00, on=day) is not None  # even
    assert rules.check_committee_size(5, 1000_0000_00, on=day) is not None  # large project needs 7
    assert rules.check_committee_size(7, 1000_0000_00, on=day) is None


def test_e_price_score_lowest_price_first_formula() -> None:
    assert rules.price_score(100, 100, Decimal(30)) == Decimal("30.00")
    assert rules.price_score(150, 100, Decimal(30)) == Decimal("20.00")
    assert rules.price_score(300, 100, Decimal(10)) == Decimal("3.33")
    assert rules.mean_score([Decimal(60), Decimal(61), Decimal(61)]) == Decimal("60.67")


# --- project creation -------------------------------------------------------------------------------------


def test_scoring_needs_a_price_weight_in_range(heze: dict[str, Any], intention: Any, purchaser: User) -> None:
    data = project_input(heze, intention, evaluation_method=EvaluationMethod.SCORING, price_weight_percent=Decimal(20))
    with pytest.raises(ServiceError) as exc:
        project_create(data=data, actor=purchaser, at=at(D0))
    assert exc.value.field == "price_weight_percent"
    assert "E-PRICE-WEIGHT" in exc.value.message_en
    assert "30%" in exc.value.message_zh
    assert not Project.objects.exists()


def test_inquiry_cannot_use_scoring_and_consultation_must(
    heze: dict[str, Any], intention: Any, purchaser: User
) -> None:
    inquiry = project_input(
        heze, intention, method=Method.INQUIRY, evaluation_method=EvaluationMethod.SCORING, price_weight_percent=30
    )
    with pytest.raises(ServiceError) as exc:
        project_create(data=inquiry, actor=purchaser, at=at(D0))
    assert exc.value.field == "evaluation_method"
    consultation = project_input(heze, intention, method=Method.CONSULTATION)
    with pytest.raises(ServiceError):
        project_create(data=consultation, actor=purchaser, at=at(D0))


def test_lowest_price_projects_store_no_price_weight(heze: dict[str, Any], intention: Any, purchaser: User) -> None:
    project = project_create(
        data=project_input(heze, intention, price_weight_percent=Decimal(40)), actor=purchaser, at=at(D0)
    )
    assert project.price_weight_percent is None
    with pytest.raises(IntegrityError), transaction.atomic():  # and the database agrees
        Project.objects.filter(pk=project.pk).update(evaluation_method="scoring")


# --- committee draw ---------------------------------------------------------------------------------------


def test_e_committee_draw_is_random_recorded_and_notifies(
    scoring_tender: Any, purchaser: User, experts: list[User], heze: dict[str, Any]
) -> None:
    conflicted = make_user(Role.EVALUATION_EXPERT, heze["city_bureau"], username="expert_at_purchaser")
    from zhengcai.accounts.services import membership_create

    membership_create(
        user=conflicted, organization=heze["budget_unit"], role=Role.PURCHASER_STAFF, actor="t", at=at(D0)
    )
    members = committee_draw(
        project=scoring_tender.project, size=5, actor=purchaser, at=at(PUBLISH_ON, 10), rng=random.Random(7)
    )
    assert len(members) == 5
    assert len({m.expert_id for m in members}) == 5
    assert conflicted.pk not in {m.expert_id for m in members}  # recusal: belongs to the purchaser
    assert all(m.expert.notifications.filter(link__contains=scoring_tender.project.number).exists() for m in members)
    with pytest.raises(ServiceError) as again:
        committee_draw(project=scoring_tender.project, size=5, actor=purchaser, at=at(PUBLISH_ON, 11))
    assert again.value.code == "procurement.committee.exists"
    assert list(verify_chain()) == []


def test_e_committee_refuses_even_size_and_a_pool_too_small(
    scoring_tender: Any, purchaser: User, experts: list[User]
) -> None:
    with pytest.raises(ServiceError) as even:
        committee_draw(project=scoring_tender.project, size=6, actor=purchaser, at=at(PUBLISH_ON, 10))
    assert even.value.field == "size"
    assert "E-COMMITTEE" in even.value.message_en
    with pytest.raises(ServiceError) as small:
        committee_draw(project=scoring_tender.project, size=9, actor=purchaser, at=at(PUBLISH_ON, 10))
    assert small.value.code == "procurement.committee.pool_too_small"
    assert not CommitteeMember.objects.exists()


def test_committee_draw_leaves_out_bidders_staff(
    opened: Project, purchaser: User, experts: list[User], bidders: list[Any]
) -> None:
    from zhengcai.accounts.services import membership_create

    bidder_expert = experts[0]
    membership_create(user=bidder_expert, organization=bidders[0][0], role=Role.SUPPLIER_STAFF, actor="t", at=at(D0))
    members = committee_draw(project=opened, size=5, actor=purchaser, at=OPENING, rng=random.Random(1))
    assert bidder_expert.pk not in {m.expert_id for m in members}


def test_only_the_projects_manager_draws(scoring_tender: Any, experts: list[User], bidders: list[Any]) -> None:
    with pytest.raises(PermissionDenied):
        committee_draw(project=scoring_tender.project, size=5, actor=bidders[0][1], at=at(PUBLISH_ON, 10))


# --- scoring sheets and the ranking -----------------------------------------------------------------------


def test_e_price_score_ranking_with_sme_deduction_and_expert_means(
    opened: Project, purchaser: User, experts: list[User]
) -> None:
    members = committee_draw(project=opened, size=5, actor=purchaser, at=OPENING, rng=random.Random(3))
    # bidders sorted by name: 投标人0 (large, 160万), 投标人1 (small, 170万 → 153万 evaluated), 投标人2 (medium, 158万)
    submit_all(
        opened,
        members,
        [["60", "55", "62"], ["61", "56", "62"], ["59", "54", "63"], ["60", "55", "61"], ["60.5", "55.5", "62"]],
    )
    lines = evaluate_scoring(project=opened, actor=purchaser, at=OPENING + dt.timedelta(hours=3))
    by = lines_by_supplier(opened)
    small = by["菏泽投标人1有限公司"]
    assert small.evaluated_price_fen == 153_0000_00  # SME-PRICE-DEDUCT 10 %
    assert small.price_score == Decimal("30.00")  # the benchmark: lowest evaluated price
    assert small.quality_score == Decimal("55.10")
    large = by["菏泽投标人0有限公司"]
    assert large.price_score == rules.price_score(160_0000_00, 153_0000_00, Decimal(30)) == Decimal("28.69")
    assert large.quality_score == Decimal("60.10")
    assert large.total_score == Decimal("88.79")
    medium = by["菏泽投标人2有限公司"]
    assert medium.total_score == Decimal("29.05") + Decimal("62.00")
    assert [ln.bid.supplier.name for ln in lines] == [
        "菏泽投标人2有限公司",
        "菏泽投标人0有限公司",
        "菏泽投标人1有限公司",
    ]
    assert [ln.rank for ln in lines] == [1, 2, 3]
    opened.refresh_from_db()
    assert opened.status == ProjectStatus.EVALUATED


def test_equal_totals_go_to_the_lower_evaluated_price(opened: Project, purchaser: User, experts: list[User]) -> None:
    members = committee_draw(project=opened, size=5, actor=purchaser, at=OPENING, rng=random.Random(3))
    # 投标人0: 28.69 + 60.00 = 88.69; 投标人2: 29.05 + 59.64 = 88.69 → the lower evaluated price (158万) first
    submit_all(opened, members, [["60", "50", "59.64"]] * 5)
    lines = evaluate_scoring(project=opened, actor=purchaser, at=OPENING + dt.timedelta(hours=3))
    assert lines[0].total_score == lines[1].total_score == Decimal("88.69")
    assert [ln.price_fen for ln in lines[:2]] == [158_0000_00, 160_0000_00]


def test_sheets_are_validated_per_bid_and_final(opened: Project, purchaser: User, experts: list[User]) -> None:
    members = committee_draw(project=opened, size=5, actor=purchaser, at=OPENING, rng=random.Random(3))
    expert = members[0].expert
    lines = list(BidOpening.objects.filter(tender__project=opened).order_by("id"))
    with pytest.raises(ServiceError) as exc:
        score_sheet_submit(
            project=opened,
            scores={lines[0].pk: Decimal("70.01"), lines[1].pk: Decimal("-1"), 999_999: Decimal(5)},
            comments={},
            actor=expert,
            at=OPENING,
        )
    fields = {e.field for e in exc.value.errors}  # type: ignore[attr-defined]
    assert fields == {f"score_{lines[0].pk}", f"score_{lines[1].pk}", f"score_{lines[2].pk}", "score_999999"}
    assert not ExpertScore.objects.exists()
    good = {line.pk: Decimal("50.5") for line in lines}
    score_sheet_submit(project=opened, scores=good, comments={lines[0].pk: "方案完整"}, actor=expert, at=OPENING)
    with pytest.raises(ServiceError) as again:
        score_sheet_submit(project=opened, scores=good, comments={}, actor=expert, at=OPENING)
    assert again.value.code == "procurement.scoring.submitted"
    with pytest.raises(PermissionDenied):  # not on the committee
        score_sheet_submit(project=opened, scores=good, comments={}, actor=experts[-1], at=OPENING)


def test_no_scoring_before_the_opening_and_no_ranking_with_sheets_missing(
    scoring_tender: Any, purchaser: User, experts: list[User], bidders: list[Any]
) -> None:
    project = scoring_tender.project
    members = committee_draw(project=project, size=5, actor=purchaser, at=at(PUBLISH_ON, 10), rng=random.Random(2))
    with pytest.raises(ServiceError) as early:
        score_sheet_submit(project=project, scores={}, comments={}, actor=members[0].expert, at=at(PUBLISH_ON, 11))
    assert early.value.code == "procurement.scoring.closed"
    for (org, user), price in zip(bidders, PRICES, strict=True):
        bid_submit(
            tender=scoring_tender,
            supplier=org,
            price_fen=price,
            technical_response="方案",
            actor=user,
            at=OPENING - dt.timedelta(days=1),
        )
    tender_open(tender=scoring_tender, actor=purchaser, at=OPENING)
    with pytest.raises(ServiceError) as pending:
        evaluate_scoring(project=project, actor=purchaser, at=OPENING)
    assert pending.value.code == "procurement.evaluation.sheets_pending"
    assert "5" in pending.value.message_en
    with pytest.raises(ServiceError) as lowest:  # and the lowest-price path refuses a scoring project
        evaluate_lowest_price(project=project, actor=purchaser, at=OPENING)
    assert lowest.value.code == "procurement.evaluation.scored"


def test_result_notice_shows_total_score_and_the_experts(
    opened: Project, purchaser: User, experts: list[User]
) -> None:
    from zhengcai.procurement.lifecycle import result_publish

    members = committee_draw(project=opened, size=5, actor=purchaser, at=OPENING, rng=random.Random(3))
    submit_all(opened, members, [["60", "55", "62"]] * 5)
    evaluate_scoring(project=opened, actor=purchaser, at=OPENING + dt.timedelta(hours=3))
    award = award_decide(project=opened, actor=purchaser, at=OPENING + dt.timedelta(days=1))
    result_publish(award=award, actor=purchaser, at=OPENING + dt.timedelta(days=1, hours=1))
    body = Notice.objects.get(project=opened, kind=NoticeKind.RESULT).body
    assert "综合得分：91.05分" in body  # D-RESULT-FIELDS
    for member in members:  # D-RESULT-2WD: the notice lists the experts
        assert member.expert.username in body


# --- back office ------------------------------------------------------------------------------------------


def test_expert_scores_through_the_back_office_and_others_get_404(
    opened: Project, purchaser: User, experts: list[User]
) -> None:
    members = committee_draw(project=opened, size=5, actor=purchaser, at=OPENING, rng=random.Random(3))
    client = Client()
    client.force_login(members[0].expert)
    listing = client.get("/office/scoring/")
    assert opened.number in listing.content.decode()
    url = f"/office/scoring/{opened.number}/"
    page = client.get(url)
    assert page.status_code == 200
    assert "的技术方案" in page.content.decode()
    lines = list(BidOpening.objects.filter(tender__project=opened).order_by("id"))
    bad = client.post(url, {f"score_{lines[0].pk}": "71", f"score_{lines[1].pk}": "50", f"score_{lines[2].pk}": "50"})
    assert bad.status_code == 400
    assert not ExpertScore.objects.exists()
    ok = client.post(url, {f"score_{ln.pk}": "65.5" for ln in lines} | {f"comment_{lines[0].pk}": "响应完整"})
    assert ok.status_code == 302
    assert ExpertScore.objects.filter(member=members[0]).count() == 3
    outsider = next(e for e in experts if e.pk not in {m.expert_id for m in members})
    other = Client()
    other.force_login(outsider)
    assert other.get(url).status_code == 404
    purchaser_client = Client()
    purchaser_client.force_login(purchaser)
    assert purchaser_client.get(url).status_code == 403


def test_manage_page_draws_the_committee_and_ranks(opened: Project, purchaser: User, experts: list[User]) -> None:
    client = Client()
    client.force_login(purchaser)
    url = f"/office/projects/{opened.number}/"
    assert "Draw the committee" in client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    client.post(url, {"action": "draw_committee", "size": "5"})
    members = list(CommitteeMember.objects.filter(project=opened))
    assert len(members) == 5
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "5 experts have not submitted" in page
    submit_all(opened, members, [["60", "55", "62"]] * 5)
    client.post(url, {"action": "evaluate"})
    opened.refresh_from_db()
    assert opened.status == ProjectStatus.EVALUATED
    assert BidOpening.objects.filter(tender__project=opened, rank=1, total_score=Decimal("91.05")).exists()


def test_old_scoring_sheet_links_lead_to_the_sheet(opened: Project, experts: list[User]) -> None:
    """Notifications sent before the move point at /office/evaluation/<number>/: they still reach the sheet."""
    client = Client()
    client.force_login(experts[0])
    response = client.get(f"/office/evaluation/{opened.number}/")
    assert response.status_code == 301
    assert response["Location"] == f"/office/scoring/{opened.number}/"
    assert client.get("/office/evaluation/flags/").status_code == 403  # the evaluation module's own page wins
