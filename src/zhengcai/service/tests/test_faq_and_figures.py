"""FAQ entries (FAQ-ANON, review by someone else, every transition) and the figures (counts, on-time rates,
median, satisfaction, scope, Excel), and the anonymised public list."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from conftest import make_user
from zhengcai.accounts.models import User
from zhengcai.core.errors import ServiceError, ServiceErrorGroup
from zhengcai.core.fsm import TransitionError
from zhengcai.core.permissions import Role
from zhengcai.service import faq, figures, selectors, services
from zhengcai.service.errors import FaqError
from zhengcai.service.models import Category, FaqStatus, ServiceRequest
from zhengcai.service.tick import service_tick

from .conftest import T0, at_day, submit

pytestmark = pytest.mark.django_db

QUESTION = "中小企业声明函中的从业人员按什么口径填写？"
ANSWER = "按照《中小企业划型标准规定》填写上年末从业人员数量，新成立企业按填报时实际人数填写。"


@pytest.fixture
def resolved(heze: dict[str, Any], paired: Any, purchaser: User, chain: dict[str, User]) -> ServiceRequest:
    request = submit(heze["budget_unit"], purchaser)
    return services.request_resolve(
        request=request, resolution=ANSWER, actor=chain["handler"], at=T0 + dt.timedelta(hours=3)
    )


def test_FAQ_ANON_names_numbers_and_contacts_are_refused(
    resolved: ServiceRequest, chain: dict[str, User], purchaser: User
) -> None:
    for question, answer, found in (
        ("菏泽市教育局问：声明函怎么填？", ANSWER, "菏泽市教育局"),
        (QUESTION, f"请联系 {chain['handler'].get_username()} 咨询。", chain["handler"].get_username()),
        (QUESTION, "请致电 13805301234 咨询。", "13805301234"),
        (QUESTION, "请发邮件至 caigou@heze.gov.cn。", "caigou@heze.gov.cn"),
        (QUESTION, f"请联系 {purchaser.get_username()}。", purchaser.get_username()),
    ):
        with pytest.raises(ServiceError) as exc:
            faq.faq_propose(request=resolved, question=question, answer=answer, actor=chain["handler"], at=T0)
        assert exc.value.code == FaqError.NOT_ANONYMOUS
        assert found in exc.value.message_zh
        assert found in exc.value.message_en
    with pytest.raises(ServiceErrorGroup) as group:
        faq.faq_propose(request=resolved, question="问", answer="答" * 4001, actor=chain["handler"], at=T0)
    assert {e.field for e in group.value.errors} == {"question", "answer"}


def test_a_faq_entry_comes_only_from_a_resolved_request_once(
    heze: dict[str, Any], paired: Any, purchaser: User, chain: dict[str, User], resolved: ServiceRequest
) -> None:
    open_request = submit(heze["budget_unit"], purchaser)
    with pytest.raises(ServiceError) as exc:
        faq.faq_propose(request=open_request, question=QUESTION, answer=ANSWER, actor=chain["handler"], at=T0)
    assert exc.value.code == FaqError.NOT_RESOLVED
    with pytest.raises(PermissionDenied):
        faq.faq_propose(request=resolved, question=QUESTION, answer=ANSWER, actor=chain["cao_handler"], at=T0)
    faq.faq_propose(request=resolved, question=QUESTION, answer=ANSWER, actor=chain["handler"], at=T0)
    with pytest.raises(ServiceError) as exc:
        faq.faq_propose(request=resolved, question=QUESTION, answer=ANSWER, actor=chain["handler"], at=T0)
    assert exc.value.code == FaqError.ALREADY


def test_faq_review_publish_return_revise_withdraw_and_the_forbidden_moves(
    resolved: ServiceRequest, chain: dict[str, User]
) -> None:
    entry = faq.faq_propose(request=resolved, question=QUESTION, answer=ANSWER, actor=chain["handler"], at=T0)
    with pytest.raises(PermissionDenied):  # SERVICE_MANAGE only
        faq.faq_publish(entry=entry, actor=chain["head"], at=T0)
    with pytest.raises(ServiceError) as exc:
        faq.faq_return(entry=entry, note="", actor=chain["manager"], at=T0)
    assert exc.value.field == "note"
    returned = faq.faq_return(entry=entry, note="请注明政策依据文号", actor=chain["manager"], at=T0)
    assert returned.status == FaqStatus.RETURNED
    with pytest.raises(ServiceError) as exc:
        faq.faq_publish(entry=entry, actor=chain["manager"], at=T0)
    assert exc.value.code == TransitionError.NOT_ALLOWED
    revised = faq.faq_revise(
        entry=entry,
        question=QUESTION,
        answer=ANSWER + "（依据：工信部联企业〔2011〕300号）",
        actor=chain["handler"],
        at=T0,
    )
    assert revised.status == FaqStatus.PROPOSED
    assert selectors.faq_public_list(q="从业人员").count() == 0  # not yet public
    published = faq.faq_publish(entry=entry, actor=chain["manager"], at=T0 + dt.timedelta(hours=1))
    assert published.status == FaqStatus.PUBLISHED
    assert list(selectors.faq_public_list(q="从业人员")) == [published]
    assert list(selectors.faq_public_list(q="保证金")) == []
    with pytest.raises(ServiceError):
        faq.faq_revise(entry=entry, question=QUESTION, answer=ANSWER, actor=chain["handler"], at=T0)
    faq.faq_withdraw(entry=entry, note="政策已调整", actor=chain["manager"], at=T0 + dt.timedelta(days=1))
    assert selectors.faq_public_list().count() == 0


def test_faq_is_reviewed_by_someone_other_than_its_proposer(resolved: ServiceRequest, chain: dict[str, User]) -> None:
    entry = faq.faq_propose(request=resolved, question=QUESTION, answer=ANSWER, actor=chain["manager"], at=T0)
    with pytest.raises(ServiceError) as exc:
        faq.faq_publish(entry=entry, actor=chain["manager"], at=T0)
    assert exc.value.code == FaqError.NOTE


# --- figures ----------------------------------------------------------------------------------------------


@pytest.fixture
def year_of_requests(
    heze: dict[str, Any], paired: Any, purchaser: User, chain: dict[str, User], supplier_user: User
) -> dict[str, ServiceRequest]:
    """Four requests in June 2026 (one answered late, one withdrawn, one open past due) and one in July."""
    on_time = submit(heze["budget_unit"], purchaser)  # Mon 1 June; due Tue / next Mon
    services.request_resolve(
        request=on_time, resolution="已答复", actor=chain["handler"], at=at_day(dt.date(2026, 6, 2), 10)
    )
    services.request_rate(request=on_time, rating=5, comment="", actor=purchaser, at=at_day(dt.date(2026, 6, 3)))
    late = submit(heze["budget_unit"], purchaser, category=Category.PLATFORM_USE, at=at_day(dt.date(2026, 6, 3)))
    services.request_reply(request=late, body="处理中", actor=chain["handler"], at=at_day(dt.date(2026, 6, 5)))
    services.request_resolve(
        request=late, resolution="已修复", actor=chain["handler"], at=at_day(dt.date(2026, 6, 15))
    )
    services.request_rate(request=late, rating=2, comment="太慢", actor=purchaser, at=at_day(dt.date(2026, 6, 16)))
    withdrawn = submit(heze["budget_unit"], purchaser, at=at_day(dt.date(2026, 6, 4)))
    services.request_withdraw(request=withdrawn, reason="", actor=purchaser, at=at_day(dt.date(2026, 6, 4), 10))
    stuck = submit(heze["supplier"], supplier_user, at=at_day(dt.date(2026, 6, 10)))  # unassigned, never answered
    july = submit(heze["budget_unit"], purchaser, at=at_day(dt.date(2026, 7, 1)))
    return {"on_time": on_time, "late": late, "withdrawn": withdrawn, "stuck": stuck, "july": july}


def test_figures_by_category_region_and_month(
    year_of_requests: dict[str, ServiceRequest], chain: dict[str, User], heze: dict[str, Any]
) -> None:
    at = at_day(dt.date(2026, 7, 1), 12)
    service_tick(at=at, digests=False)
    board = figures.figures(user=chain["manager"], year=2026, at=at)
    total = board.total
    assert total.value("submitted") == 5
    assert total.value("resolved") == 2
    assert total.value("withdrawn") == 1
    assert total.value("open") == 2
    # first response: on_time answered in time, late answered late, stuck past due unanswered; july not yet due
    assert total.value("response_rate") == Decimal("33.3")
    # resolution: on_time in time, late late, stuck open past due
    assert total.value("resolution_rate") == Decimal("33.3")
    assert total.value("median_days") == Decimal("4.5")  # 1 and 8 working days
    assert total.value("rating") == Decimal("3.50")
    assert total.value("ratings") == 2
    assert total.value("escalated") == 1  # stuck, by this tick (the late one was closed before any tick ran)
    june = board.by_month[5]
    assert (june.label, june.value("submitted"), june.value("resolved")) == ("2026-06", 4, 2)
    assert board.by_month[6].value("submitted") == 1
    platform = next(r for r in board.by_category if r.key == Category.PLATFORM_USE)
    assert (platform.value("submitted"), platform.value("resolution_rate"), platform.value("rating")) == (
        1,
        Decimal("0.0"),
        Decimal("2.00"),
    )
    assert [(r.label, r.value("submitted")) for r in board.by_region] == [("菏泽市", 5)]
    only_policy = figures.figures(user=chain["manager"], year=2026, at=at, category=Category.POLICY_QUESTION)
    assert only_policy.total.value("submitted") == 4
    charts = figures.charts(board)
    assert charts["month"]["datasets"][0]["data"][5] == 4
    assert charts["ontime"]["percent"] is True


def test_figures_follow_the_readers_scope_and_export_to_excel(
    year_of_requests: dict[str, ServiceRequest], heze: dict[str, Any]
) -> None:
    from openpyxl import load_workbook

    county = make_user(Role.BUREAU_REVIEWER, heze["cao_dept"], username="svc_cao_viewer")
    assert figures.figures(user=county, year=2026, at=T0).total.value("submitted") == 0
    city = make_user(Role.BUREAU_LEADER, heze["city_bureau"], username="svc_city_viewer")
    board = figures.figures(user=city, year=2026, at=T0)
    book = load_workbook(io.BytesIO(figures.workbook(board)))
    assert len(book.sheetnames) == 3
    sheet = book.worksheets[0]
    assert sheet.cell(row=1, column=2).value == str(figures.LABELS["submitted"])
    assert sheet.cell(row=sheet.max_row, column=2).value == 5  # the total row


def test_the_public_problems_solved_list_carries_no_names(
    year_of_requests: dict[str, ServiceRequest], heze: dict[str, Any], client: Any
) -> None:
    rows = list(selectors.solved_public_list())
    assert len(rows) == 2
    assert set(rows[0]) == {
        "pk",
        "category",
        "region__name",
        "resolved_at",
        "resolved_wd",
        "resolved_on_time",
        "rating",
    }
    page = client.get("/service/solved/").content.decode()
    for secret in (heze["budget_unit"].name, heze["supplier"].name, "purchaser_staff", "中小企业声明函如何填写"):
        assert secret not in page
    assert "平台使用" in page
    assert "2026-06" in page
