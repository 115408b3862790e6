"""The pages: filing a request (with a file), refusals shown on the field in both languages, what the requester
and the bureau see, the desk's actions, pairings, service levels, FAQ review, figures and their export, scope
(404 outside it) and bounded query counts on the lists."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from conftest import make_user
from zhengcai.accounts.models import User
from zhengcai.core import clock
from zhengcai.core.permissions import Role
from zhengcai.service import faq, services
from zhengcai.service.models import DepartmentPairing, FaqStatus, RequestStatus, ServiceLevel, ServiceRequest

from .conftest import PDF, submit, upload

pytestmark = pytest.mark.django_db


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def today_pairing(heze: dict[str, Any], chain: dict[str, User]) -> DepartmentPairing:
    """The pages run on the real clock: the pairing starts today."""
    from zhengcai.service import pairings

    return pairings.department_pair(
        unit=heze["budget_unit"],
        department=heze["city_dept"],
        handler=chain["handler"],
        section_head=chain["head"],
        director=chain["director"],
        valid_from=clock.today(),
        actor=chain["manager"],
        at=clock.now(),
    )


@pytest.fixture
def filed(heze: dict[str, Any], today_pairing: Any, purchaser: User, chain: dict[str, User]) -> ServiceRequest:
    request = submit(heze["budget_unit"], purchaser, at=clock.now(), files=[upload()])
    services.request_reply(
        request=request,
        body="内部：请国库科核实支付进度。",
        internal=True,
        actor=chain["handler"],
        at=clock.now(),
        files=[upload(name="内部核查.pdf")],
    )
    return request


def test_a_purchaser_files_a_request_with_a_file_and_sees_where_it_went(
    heze: dict[str, Any], today_pairing: Any, purchaser: User, chain: dict[str, User]
) -> None:
    client = _client(purchaser)
    page = client.get("/office/service/requests/new/")
    assert page.status_code == 200
    assert "政策咨询" in page.content.decode()
    stream = io.BytesIO(PDF)
    stream.name = "说明.pdf"
    response = client.post(
        "/office/service/requests/new/",
        {
            "category": "policy_question",
            "subject": "采购意向公开时间如何计算",
            "description": "请问采购意向应在采购活动开始前多少日公开？",
            "attachments": [stream],
        },
    )
    request = ServiceRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/office/service/requests/{request.pk}/"
    assert request.handler == chain["handler"]
    assert request.attachments.get().name == "说明.pdf"
    shown = client.get(response["Location"]).content.decode()
    assert "菏泽市财政局政府采购管理科" in shown
    assert "说明.pdf" in shown


def test_someone_elses_contract_is_refused_on_the_field_in_both_languages(
    heze: dict[str, Any], contract: Any, supplier_user: User
) -> None:
    client = _client(supplier_user)
    response = client.post(
        "/office/service/requests/new/",
        {
            "category": "payment_delay",
            "subject": "合同款逾期",
            "description": "验收后超过30日未付款",
            "contract": contract.project.number,
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    zh = body.index("不是贵单位的合同")
    en = body.index("is not one of your organization")
    assert zh < en  # Chinese first
    assert 'data-field="contract"' in body
    assert ServiceRequest.objects.count() == 0
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.post(
        "/office/service/requests/new/",
        {"category": "payment_delay", "subject": "x", "description": "y", "contract": contract.project.number},
    ).content.decode()
    assert english.index("is not one of your organization") < english.index("不是贵单位的合同")


def test_the_requester_never_sees_internal_notes_or_their_files(
    filed: ServiceRequest, purchaser: User, chain: dict[str, User]
) -> None:
    client = _client(purchaser)
    page = client.get(f"/office/service/requests/{filed.pk}/").content.decode()
    assert "请国库科核实" not in page
    assert "内部核查.pdf" not in page
    internal = filed.attachments.get(internal=True)
    visible = filed.attachments.get(internal=False)
    assert client.get(f"/office/service/requests/{filed.pk}/files/{internal.pk}/").status_code == 404
    download = client.get(f"/office/service/requests/{filed.pk}/files/{visible.pk}/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF  # type: ignore[attr-defined]
    desk = _client(chain["handler"]).get(f"/office/service/desk/{filed.pk}/").content.decode()
    assert "请国库科核实" in desk
    assert "内部核查.pdf" in desk
    assert _client(chain["handler"]).get(f"/office/service/desk/{filed.pk}/files/{internal.pk}/").status_code == 200


def test_out_of_scope_requests_answer_404(filed: ServiceRequest, chain: dict[str, User], supplier_user: User) -> None:
    assert _client(chain["cao_handler"]).get(f"/office/service/desk/{filed.pk}/").status_code == 404
    assert _client(supplier_user).get(f"/office/service/requests/{filed.pk}/").status_code == 404
    assert _client(supplier_user).post(f"/office/service/requests/{filed.pk}/withdraw/").status_code == 404
    assert (
        _client(chain["cao_handler"])
        .post(f"/office/service/desk/{filed.pk}/resolve/", {"resolve-resolution": "x"})
        .status_code
        == 404
    )
    assert ServiceRequest.objects.get(pk=filed.pk).status == RequestStatus.NEW


def test_the_desk_replies_resolves_and_the_requester_rates(
    filed: ServiceRequest, purchaser: User, chain: dict[str, User]
) -> None:
    handler = _client(chain["handler"])
    queue = handler.get("/office/service/desk/?tab=mine").content.decode()
    assert filed.number in queue
    assert handler.get(f"/office/service/desk/{filed.pk}/reply/").status_code == 302  # a GET goes back
    empty = handler.post(f"/office/service/desk/{filed.pk}/reply/", {"reply-body": "", "internal": "0"})
    assert empty.status_code == 400
    response = handler.post(
        f"/office/service/desk/{filed.pk}/reply/", {"reply-body": "已收到，三日内答复。", "internal": "0"}
    )
    assert response.status_code == 302
    filed.refresh_from_db()
    assert filed.status == RequestStatus.IN_PROGRESS
    handler.post(
        f"/office/service/desk/{filed.pk}/resolve/", {"resolve-resolution": "意向应在采购活动开始前30日公开。"}
    )
    filed.refresh_from_db()
    assert filed.status == RequestStatus.RESOLVED
    requester = _client(purchaser)
    page = requester.get(f"/office/service/requests/{filed.pk}/").content.decode()
    assert "评价服务" in page
    assert "已收到，三日内答复。" in page
    bad = requester.post(f"/office/service/requests/{filed.pk}/rate/", {"rate-rating": "9"})
    assert bad.status_code == 400
    requester.post(f"/office/service/requests/{filed.pk}/rate/", {"rate-rating": "5", "rate-comment": "答复清楚"})
    filed.refresh_from_db()
    assert (filed.status, filed.rating) == (RequestStatus.CLOSED, 5)


def test_the_desk_proposes_a_faq_the_administrator_publishes_it_on_the_portal(
    filed: ServiceRequest, chain: dict[str, User], client: Client
) -> None:
    services.request_resolve(request=filed, resolution="按30日计算。", actor=chain["handler"], at=clock.now())
    handler = _client(chain["handler"])
    response = handler.post(
        f"/office/service/desk/{filed.pk}/faq/",
        {"faq-question": "采购意向应提前多久公开？", "faq-answer": "采购意向应在采购活动开始前30日公开。"},
    )
    assert response.status_code == 302
    entry = filed.faq
    admin = _client(chain["manager"])
    assert "采购意向应提前多久公开" in admin.get("/office/service/faq/").content.decode()
    admin.post(f"/office/service/faq/{entry.pk}/", {"action": "publish"})
    entry.refresh_from_db()
    assert entry.status == FaqStatus.PUBLISHED
    public = client.get("/service/faq/?q=意向").content.decode()
    assert "采购意向应提前多久公开" in public
    assert filed.organization.name not in public


def test_pairings_pages_record_a_change_and_refuse_a_bad_partner(
    heze: dict[str, Any], today_pairing: DepartmentPairing, chain: dict[str, User]
) -> None:
    admin = _client(chain["manager"])
    listing = admin.get("/office/service/pairings/?q=教育").content.decode()
    assert "菏泽市教育局" in listing
    assert "菏泽市财政局政府采购管理科" in listing
    unit = heze["budget_unit"]
    later = (clock.today() + dt.timedelta(days=7)).isoformat()
    response = admin.post(
        f"/office/service/pairings/{unit.pk}/",
        {
            "chain-department": heze["city_dept"].pk,
            "chain-handler": chain["head"].pk,
            "chain-section_head": chain["handler"].pk,
            "chain-director": chain["director"].pk,
            "chain-valid_from": later,
        },
    )
    assert response.status_code == 302
    assert DepartmentPairing.objects.filter(budget_unit=unit).count() == 2
    bad = admin.post(
        f"/office/service/pairings/{unit.pk}/partners/",
        {
            "partner-credit_code": "91371700000000000X",
            "partner-unit_contact": "刘老师",
            "partner-partner_contact": "赵经理",
            "partner-valid_from": clock.today().isoformat(),
        },
    )
    assert bad.status_code == 400
    assert 'data-field="credit_code"' in bad.content.decode()
    good = admin.post(
        f"/office/service/pairings/{unit.pk}/partners/",
        {
            "partner-credit_code": heze["supplier"].credit_code,
            "partner-unit_contact": "刘老师",
            "partner-partner_contact": "赵经理",
            "partner-valid_from": clock.today().isoformat(),
        },
    )
    assert good.status_code == 302
    assert heze["supplier"].name in admin.get(f"/office/service/pairings/{unit.pk}/").content.decode()
    assert _client(chain["cao_manager"]).get(f"/office/service/pairings/{unit.pk}/").status_code == 404


def test_levels_page_sets_a_new_level(chain: dict[str, User]) -> None:
    admin = _client(chain["manager"])
    response = admin.post(
        "/office/service/levels/",
        {
            "category": "security_refund",
            "first_response_wd": "1",
            "resolution_wd": "3",
            "reopen_days": "7",
            "escalation_step_wd": "1",
            "effective_from": clock.today().isoformat(),
        },
    )
    assert response.status_code == 302
    assert ServiceLevel.objects.get().resolution_wd == 3
    county = _client(chain["cao_manager"]).get("/office/service/levels/").content.decode()
    assert "由市财政局管理员设置" in county


def test_figures_page_and_excel(filed: ServiceRequest, chain: dict[str, User]) -> None:
    viewer = _client(chain["director"])
    page = viewer.get(f"/office/service/figures/?year={clock.today().year}")
    assert page.status_code == 200
    body = page.content.decode()
    assert 'id="chart-month"' in body
    assert 'data-testid="table-category"' in body
    export = viewer.get(f"/office/service/figures.xlsx?year={clock.today().year}")
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    assert export.content[:2] == b"PK"
    assert viewer.get("/office/service/figures/?year=1").status_code == 400


def test_list_pages_need_a_bounded_number_of_queries(
    heze: dict[str, Any],
    today_pairing: Any,
    purchaser: User,
    chain: dict[str, User],
    django_assert_max_num_queries: Any,
) -> None:
    for i in range(12):
        submit(heze["budget_unit"], purchaser, subject=f"问题 {i}", at=clock.now())
    handler, requester, admin = _client(chain["handler"]), _client(purchaser), _client(chain["manager"])
    with django_assert_max_num_queries(16):
        assert handler.get("/office/service/desk/?tab=open").status_code == 200
    with django_assert_max_num_queries(12):
        assert requester.get("/office/service/requests/?tab=all").status_code == 200
    with django_assert_max_num_queries(12):
        assert admin.get("/office/service/pairings/").status_code == 200


def test_public_pages_answer_without_login(client: Client, heze: dict[str, Any]) -> None:
    assert client.get("/service/faq/").status_code == 200
    assert client.get("/service/solved/").status_code == 200
    assert client.get("/office/service/desk/").status_code == 302


def test_a_faq_entry_to_fix_is_edited_by_the_desk(filed: ServiceRequest, chain: dict[str, User]) -> None:
    services.request_resolve(request=filed, resolution="已答复", actor=chain["handler"], at=clock.now())
    entry = faq.faq_propose(
        request=filed, question="采购意向公开时间？", answer="开始前30日公开。", actor=chain["handler"], at=clock.now()
    )
    faq.faq_return(entry=entry, note="请补充依据", actor=chain["manager"], at=clock.now())
    response = _client(chain["head"]).post(
        f"/office/service/desk/faq/{entry.pk}/edit/",
        {"question": "采购意向公开时间？", "answer": "开始前30日公开（财库〔2020〕10号）。"},
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.status == FaqStatus.PROPOSED
    assert "10号" in entry.answer


def test_staff_of_another_role_gets_403(chain: dict[str, User], heze: dict[str, Any]) -> None:
    bank = make_user(Role.BANK_OFFICER, heze["bank"], username="svc_bank")
    assert _client(bank).get("/office/service/requests/").status_code == 403
    assert _client(bank).get("/office/service/desk/").status_code == 403
    assert _client(chain["handler"]).get("/office/service/pairings/").status_code == 403
