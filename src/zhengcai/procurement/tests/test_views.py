"""The public notice pages, the project page with its opening record, downloads, and the work lists."""

from __future__ import annotations

import hashlib
import io
import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from zhengcai.accounts.models import User
from zhengcai.core.permissions import Role
from zhengcai.procurement.documents import tender_document_upload
from zhengcai.procurement.models import Award, Notice, NoticeKind, Tender

from .conftest import PUBLISH_ON, at

pytestmark = pytest.mark.django_db


def test_notice_list_filters_and_searches(tender: Tender) -> None:
    client = Client()
    text = client.get("/notices/").content.decode()
    assert "多媒体教室设备采购公开招标公告" in text
    assert "政府采购意向" in text
    text = client.get("/notices/", {"kind": "intention"}).content.decode()
    assert "政府采购意向" in text
    assert "招标公告" not in text.split("<tbody>")[1]
    text = client.get("/notices/", {"q": "多媒体", "method": "open_tender"}).content.decode()
    assert len(re.findall(r'href="/notices/\d+/"', text)) == 1
    text = client.get("/notices/", {"amount_min": "2000000"}).content.decode()
    assert not re.findall(r'href="/notices/\d+/"', text)  # budget is ¥1,800,000


def test_notice_list_rejects_reversed_ranges_clearly(tender: Tender) -> None:
    response = Client().get("/notices/", {"date_from": "2026-05-01", "date_to": "2026-04-01"})
    assert response.status_code == 200
    assert 'data-field="date_to"' in response.content.decode()


def test_notice_list_query_count_is_flat(tender: Tender, django_assert_max_num_queries: Any) -> None:
    with django_assert_max_num_queries(6):
        Client().get("/notices/", {"q": "多媒体"})


def test_project_page_keeps_bids_sealed_until_the_opening(tender: Tender) -> None:
    text = Client().get(f"/projects/{tender.project.number}/").content.decode()
    assert "Bids are sealed" in text or "开标" in text
    assert '<th scope="col">' not in text.split('id="opening"')[1].split("</section>")[0]


def test_project_page_shows_the_opening_record_after_the_award(awarded: Award) -> None:
    text = Client().get(f"/projects/{awarded.project.number}/").content.decode()
    opening = text.split('id="opening"')[1].split("</section>")[0]
    assert "¥1,700,000.00" in opening
    assert "¥1,530,000.00" in opening  # the small enterprise's evaluated price (SME-PRICE-DEDUCT)


def test_document_download_carries_its_checksum(tender: Tender, purchaser: User, settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    data = b"%PDF-1.7\n" + b"x" * 1000 + b"\n%%EOF\n"
    doc = tender_document_upload(
        tender=tender,
        stream=io.BytesIO(data),
        filename="招标文件.pdf",
        title="招标文件",
        kind="tender_documents",
        actor=purchaser,
        at=at(PUBLISH_ON, 10),
    )
    response = Client().get(f"/documents/{doc.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == data  # type: ignore[attr-defined]
    assert response["X-Checksum-SHA256"] == hashlib.sha256(data).hexdigest()


def test_work_lists_are_scoped(tender: Tender, role_users: dict[Role, User], heze: dict[str, Any]) -> None:
    from conftest import make_user

    client = Client()
    client.force_login(role_users[Role.PURCHASER_STAFF])
    assert tender.project.number in client.get("/office/projects/").content.decode()
    client.force_login(role_users[Role.AGENCY_STAFF])  # the project's agency
    assert tender.project.number in client.get("/office/projects/").content.decode()
    from zhengcai.organizations.models import OrganizationKind
    from zhengcai.organizations.services import organization_create

    other_unit = organization_create(
        kind=OrganizationKind.BUDGET_UNIT, name="曹县教育局", region=heze["cao"], actor="t", at=timezone.now()
    )
    client.force_login(make_user(Role.PURCHASER_STAFF, other_unit))
    assert tender.project.number not in client.get("/office/projects/").content.decode()


def test_my_bids_lists_the_suppliers_own_bids(tender: Tender, bidders: list[Any]) -> None:
    from zhengcai.procurement.bidding import bid_submit

    org, user = bidders[0]
    receipt = bid_submit(
        tender=tender, supplier=org, price_fen=100_0000_00, technical_response="", actor=user, at=at(PUBLISH_ON)
    )
    client = Client()
    client.force_login(user)
    text = client.get("/office/bids/").content.decode()
    assert tender.project.title in text
    assert receipt.bid.content_hash[:16] in text
    client.force_login(bidders[1][1])
    assert receipt.bid.content_hash[:16] not in client.get("/office/bids/").content.decode()


def test_notices_are_append_only(tender: Tender) -> None:
    notice = Notice.objects.filter(kind=NoticeKind.TENDER).get()
    notice.title = "改过的标题"
    with pytest.raises(ValueError, match="append-only"):
        notice.save()
