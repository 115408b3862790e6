"""The public notice pages, the project page with its opening record, downloads, and the work lists."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from zhengcai.accounts.models import User
from zhengcai.core.permissions import Role
from zhengcai.procurement import search
from zhengcai.procurement.documents import tender_document_upload
from zhengcai.procurement.models import Award, Intention, Notice, NoticeKind, Tender
from zhengcai.procurement.selectors import notice_list, notice_list_version, notice_page

from .conftest import D0, PUBLISH_ON, at

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


# --- the notice list at scale: cached fragments, pages, filters -------------------------------------


def _bulk_notices(intention: Intention, n: int, *, kind: str = NoticeKind.TENDER, title: str = "课桌椅采购") -> None:
    """N notices of the intention's purchaser, one minute apart (test data, not through the services)."""
    start = timezone.make_aware(dt.datetime(2026, 5, 1, 9, 0))
    rows = [
        Notice(
            kind=kind,
            intention=intention,
            region=intention.region,
            purchaser=intention.purchaser,
            title=f"{title}{i:03d}",
            body="正文",
            method="inquiry",
            category="A",
            amount_fen=100_0000_00,
            published_at=start + dt.timedelta(minutes=i),
            search_text=search.search_text(f"{title}{i:03d}"),
        )
        for i in range(n)
    ]
    for notice in Notice.objects.bulk_create(rows):
        search.index(notice)


def _titles(html: str) -> list[str]:
    return re.findall(r'<a href="/notices/\d+/">([^<]+)</a>', html)


def _main(html: str) -> str:
    """The page's content, without the header (its CSRF token differs on every response)."""
    return html.split('<main id="main"')[1].split("</main>", maxsplit=1)[0]


def test_notice_list_is_served_from_the_cache_until_a_notice_is_published(
    intention: Intention, purchaser: User, django_assert_num_queries: Any
) -> None:
    client = Client()
    first = _main(client.get("/notices/", {"kind": "intention"}).content.decode())
    with django_assert_num_queries(1):  # only the data version: form, count and rows come from the cache
        assert _main(client.get("/notices/", {"kind": "intention"}).content.decode()) == first
    from zhengcai.procurement.services import intention_create, intention_publish

    draft = intention_create(
        purchaser=intention.purchaser,
        title="菏泽市第一中学课桌椅采购",
        demand_summary="课桌椅 300 套",
        budget_fen=30_0000_00,
        expected_month=dt.date(2026, 5, 15),
        actor=purchaser,
        at=at(D0),
    )
    intention_publish(intention=draft, actor=purchaser, at=at(D0 + dt.timedelta(days=1)))
    text = _main(client.get("/notices/", {"kind": "intention"}).content.decode())
    assert text != first
    assert len(_titles(text)) == 2


def test_notice_list_htmx_gets_the_results_fragment_only(tender: Tender) -> None:
    response = Client().get("/notices/", {"q": "多媒体"}, headers={"HX-Request": "true"})
    text = response.content.decode()
    assert "<html" not in text
    assert "<form" not in text
    assert len(_titles(text)) == 2  # the intention's and the tender's notices
    assert "HX-Request" in response["Vary"]


def test_notice_list_rows_show_translated_labels_in_both_languages(tender: Tender) -> None:
    client = Client()
    zh = client.get("/notices/", {"kind": "tender"}, headers={"Accept-Language": "zh-hans"}).content.decode()
    en = client.get("/notices/", {"kind": "tender"}, headers={"Accept-Language": "en"}).content.decode()
    zh_row, en_row = zh.split("<tbody>")[1], en.split("<tbody>")[1]
    assert "Tender notice" in en_row
    assert "Open tender" in en_row
    assert "Tender notice" not in zh_row  # its Chinese label, from the same cache under another key
    assert "2026-04-01 08:00" in zh_row  # published at 08:00 Asia/Shanghai


def test_notice_list_filters_by_region_with_its_counties(tender: Tender, heze: dict[str, Any]) -> None:
    client = Client()
    assert _titles(client.get("/notices/", {"region": heze["city"].code}).content.decode())
    assert not _titles(client.get("/notices/", {"region": heze["cao"].code}).content.decode())
    assert "WHERE" not in str(notice_list(region=heze["city"].code).query)  # the city holds every region
    assert '"region_id" IN' in str(notice_list(region=heze["cao"].code).query)


def test_notice_list_pages_keep_the_filters_and_drop_unknown_parameters(intention: Intention) -> None:
    _bulk_notices(intention, 45)
    client = Client()
    response = client.get("/notices/", {"kind": "tender", "utm_source": "x"}, headers={"Accept-Language": "en"})
    text = _main(response.content.decode())
    assert "45 notices found" in text
    assert _titles(text)[0] == "课桌椅采购044"  # newest first
    assert 'href="?kind=tender&amp;page=2"' in text
    assert "utm_source" not in text
    last = _main(client.get("/notices/", {"kind": "tender", "page": "3"}).content.decode())
    assert _titles(last) == [f"课桌椅采购{i:03d}" for i in range(4, -1, -1)]
    assert _main(client.get("/notices/", {"kind": "tender", "page": "99"}).content.decode()) == last  # the last page


def test_notice_list_loads_neither_the_text_nor_the_search_terms(tender: Tender) -> None:
    notice = notice_list().first()
    assert notice is not None
    assert {"body", "search_text"} <= notice.get_deferred_fields()


def test_notice_page_shares_its_count_between_pages_until_the_version_changes(
    intention: Intention, django_assert_num_queries: Any
) -> None:
    _bulk_notices(intention, 30)
    version = notice_list_version()
    assert notice_page(number=1, version=version, kind="tender").paginator.count == 30
    with django_assert_num_queries(1):  # the rows of page 2; the count is shared
        page = notice_page(number=2, version=version, kind="tender")
        assert len(page.object_list) == 10
    _bulk_notices(intention, 1)
    assert notice_list_version() != version
    assert notice_page(number=1, version=notice_list_version(), kind="tender").paginator.count == 31


def test_capped_count_ignores_the_order(intention: Intention) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from zhengcai.core.pagination import CappedPaginator

    _bulk_notices(intention, 5)
    paginator = CappedPaginator(notice_list(), 2, cap=3)
    with CaptureQueriesContext(connection) as ctx:
        assert paginator.count == 4  # at most cap + 1
    assert "ORDER BY" not in ctx.captured_queries[0]["sql"]
    assert paginator.count_capped
    assert paginator.num_pages == 2


def test_notice_filter_fields_are_cached_with_their_own_errors(tender: Tender) -> None:
    client = Client()
    reversed_range = client.get("/notices/", {"date_from": "2026-05-01", "date_to": "2026-04-01"}).content.decode()
    assert 'data-field="date_to"' in reversed_range
    same_end_alone = client.get("/notices/", {"date_to": "2026-04-01"}).content.decode()
    assert 'data-field="date_to"' not in same_end_alone  # same value, no error: another fragment
    assert 'value="2026-04-01"' in same_end_alone
    chosen = client.get("/notices/", {"kind": "tender"}).content.decode()
    assert '<option value="tender" selected>' in chosen
    assert '<option value="tender" selected>' not in client.get("/notices/").content.decode()


def test_notice_page_is_one_query(tender: Tender, django_assert_num_queries: Any) -> None:
    notice = Notice.objects.get(kind=NoticeKind.TENDER)
    with django_assert_num_queries(1):  # nothing the page shows is loaded later
        text = Client().get(f"/notices/{notice.pk}/").content.decode()
    assert notice.title in text
    assert f'href="/projects/{tender.project.number}/"' in text
    assert "招标公告" in text  # the notice text
