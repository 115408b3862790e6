"""Red-flag pages and API: scope (a county sees its county; another county's flag is 404), permissions,
the explanation in words, the review, the settings form's errors, the summary with its Excel export."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.test import Client

from conftest import make_code, make_user
from zhengcai.accounts.models import User
from zhengcai.core import calendar
from zhengcai.core.permissions import Role
from zhengcai.demo.evaluation_flags_seed import TenderPlan, at_local, tender_round
from zhengcai.evaluation import redflags
from zhengcai.evaluation.models import RedFlag, RedFlagSetting, RedFlagStatus
from zhengcai.organizations.models import EnterpriseSize, OrganizationKind
from zhengcai.organizations.services import organization_create
from zhengcai.procurement.rules import Method

D0 = dt.date(2026, 3, 2)
SCAN_AT = at_local(dt.date(2026, 9, 1), 12)


@pytest.fixture(autouse=True)
def _fresh_calendar() -> None:
    calendar.clear_cache()


def _login(user: User, language: str = "zh-hans") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


@pytest.fixture
def flagged(heze: dict[str, Any]) -> dict[str, Any]:
    """A single-bid consultation in the city (菏泽市教育局) and one in 曹县 (曹县第二中学), scanned."""
    cao_unit = organization_create(
        kind=OrganizationKind.BUDGET_UNIT, name="曹县第二中学", region=heze["cao"], actor="t", at=at_local(D0)
    )
    supplier = organization_create(
        kind=OrganizationKind.SUPPLIER,
        name="曹县床具有限公司",
        region=heze["cao"],
        credit_code=make_code(),
        size=EnterpriseSize.SMALL,
        actor="t",
        at=at_local(D0),
    )
    seller = make_user(Role.SUPPLIER_STAFF, supplier)
    out: dict[str, Any] = {**heze}
    for key, unit in (("city_flag", heze["budget_unit"]), ("cao_flag", cao_unit)):
        done = tender_round(
            TenderPlan(
                title=f"{unit.name}学生床具采购",
                purchaser=unit,
                actor=make_user(Role.PURCHASER_STAFF, unit),
                bids=[(supplier, seller, 38_0000_00)],
                start=D0,
                method=Method.CONSULTATION,
                budget_fen=40_0000_00,
                max_price_fen=39_0000_00,
                response_days=12,
            )
        )
        redflags.red_flags_scan(at=SCAN_AT, project_ids=[done.project.pk])
        out[key] = RedFlag.objects.get(code="single_bid", project=done.project)
    out["admin"] = make_user(Role.BUREAU_ADMIN, heze["city_bureau"])
    out["reviewer"] = make_user(Role.BUREAU_REVIEWER, heze["city_dept"])
    out["shan_reviewer"] = make_user(Role.BUREAU_REVIEWER, heze["shan_dept"])
    return out


def test_list_scoped_to_county_and_other_county_flag_404(flagged: dict[str, Any], county_reviewer: User) -> None:
    city = _login(flagged["reviewer"]).get("/office/evaluation/flags/")
    assert city.status_code == 200
    assert city.content.decode().count('data-testid="flag-single_bid"') == 2
    client = _login(county_reviewer)
    page = client.get("/office/evaluation/flags/")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('data-testid="flag-single_bid"') == 1
    assert "曹县第二中学" in html
    assert client.get(f"/office/evaluation/flags/{flagged['cao_flag'].pk}/").status_code == 200
    assert client.get(f"/office/evaluation/flags/{flagged['city_flag'].pk}/").status_code == 404
    other = _login(flagged["shan_reviewer"])
    assert other.get(f"/office/evaluation/flags/{flagged['cao_flag'].pk}/").status_code == 404
    api = client.get("/api/v1/evaluation/red-flags")
    assert api.status_code == 200
    assert [item["id"] for item in api.json()["items"]] == [flagged["cao_flag"].pk]


def test_list_filters(flagged: dict[str, Any]) -> None:
    client = _login(flagged["reviewer"])
    html = client.get(f"/office/evaluation/flags/?region={flagged['cao'].pk}").content.decode()
    assert html.count('data-testid="flag-single_bid"') == 1
    html = client.get("/office/evaluation/flags/?code=price_near_max").content.decode()
    assert 'data-testid="flag-' not in html
    dated = client.get("/office/evaluation/flags/?status=open&date_from=2026-04-01&date_to=2026-04-30")
    assert dated.content.decode().count('data-testid="flag-single_bid"') == 2
    bad = client.get("/office/evaluation/flags/?date_from=2026-05-01&date_to=2026-04-01")
    assert bad.status_code == 400
    api = client.get(f"/api/v1/evaluation/red-flags?region={flagged['cao'].code}&code=single_bid")
    assert api.json()["count"] == 1
    assert client.get("/api/v1/evaluation/red-flags?region=999999").json()["count"] == 0


def test_flag_page_explains_in_chinese_and_english(flagged: dict[str, Any]) -> None:
    url = f"/office/evaluation/flags/{flagged['city_flag'].pk}/"
    zh = _login(flagged["reviewer"]).get(url).content.decode()
    assert "单一来源以外的竞争性采购方式在" in zh
    assert "仅收到 1 份投标" in zh
    assert "菏泽市教育局学生床具采购" in zh
    assert 'data-testid="evidence"' in zh
    assert f"/projects/{flagged['city_flag'].project.number}/" in zh
    en = _login(flagged["reviewer"], "en").get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert en.status_code == 200
    assert "other than single source received only 1 bid(s) at the opening on 2026-04-13" in en.content.decode()
    # the rule it relates to and its status read in the page's language (an unreviewed flag awaits review)
    assert "OCP 红旗：仅收到一份投标 ·《政府采购法》第三十六条" in zh
    assert "待核查" in zh
    assert "OCP: single bid received · Law art. 36" in en.content.decode()
    assert "Awaiting review" in en.content.decode()


def test_review_by_manager_only_with_required_note(flagged: dict[str, Any]) -> None:
    flag = flagged["city_flag"]
    url = f"/office/evaluation/flags/{flag.pk}/review/"
    assert _login(flagged["reviewer"]).post(url, {"status": "confirmed", "note": "x"}).status_code == 403
    admin = _login(flagged["admin"])
    missing = admin.post(url, {"status": "explained", "note": "  "})
    assert missing.status_code == 400
    assert "evaluation.red_flag.note" not in missing.content.decode()
    assert 'data-field="note"' in missing.content.decode()
    done = admin.post(url, {"status": "explained", "note": "该品目本地仅一家生产企业，已公示"})
    assert done.status_code == 302
    flag.refresh_from_db()
    assert flag.status == RedFlagStatus.EXPLAINED
    assert flag.reviewed_by == flagged["admin"]


def test_settings_page_validates_and_saves(flagged: dict[str, Any]) -> None:
    assert _login(flagged["reviewer"]).get("/office/evaluation/flags/settings/").status_code == 403
    admin = _login(flagged["admin"])
    assert admin.get("/office/evaluation/flags/settings/").status_code == 200
    bad = admin.post(
        "/office/evaluation/flags/settings/",
        {"code": "price_near_max", "price_near_max-enabled": "on", "price_near_max-percent": "101"},
    )
    assert bad.status_code == 400
    assert 'data-field="percent"' in bad.content.decode()
    ok = admin.post(
        "/office/evaluation/flags/settings/",
        {"code": "repeat_winner", "repeat_winner-min_contracts": "4", "repeat_winner-window_days": "180"},
    )
    assert ok.status_code == 302
    setting = RedFlagSetting.objects.get(code="repeat_winner")
    assert setting.enabled is False
    assert setting.params == {"min_contracts": 4, "window_days": 180}


def test_summary_page_chart_table_and_excel(flagged: dict[str, Any]) -> None:
    client = _login(flagged["reviewer"])
    page = client.get("/office/evaluation/flags/summary/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-chart="chart-flags"' in html
    assert 'data-testid="table-purchaser"' in html
    assert '<td class="num" data-testid="total">2</td>' in html
    xlsx = client.get("/office/evaluation/flags/summary.xlsx")
    assert xlsx.status_code == 200
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(xlsx.content))
    region_sheet = book.worksheets[1]
    rows = {r[0]: r[-1] for r in region_sheet.iter_rows(min_row=2, values_only=True)}
    assert rows == {"菏泽市": 1, "曹县": 1}
    api = client.get("/api/v1/evaluation/red-flags/summary").json()
    assert api["total"] == 2
    assert api["by_code"] == {"single_bid": 2}
    assert {r["name"]: r["total"] for r in api["by_purchaser"]} == {"菏泽市教育局": 1, "曹县第二中学": 1}


def test_scan_button_queues_a_job(flagged: dict[str, Any]) -> None:
    from zhengcai.evaluation.models import ComputeJob, JobKind

    response = _login(flagged["admin"]).post("/office/evaluation/flags/scan/")
    assert response.status_code == 302
    assert ComputeJob.objects.filter(kind=JobKind.RED_FLAGS, status="queued").count() == 1
    again = _login(flagged["admin"]).post("/office/evaluation/flags/scan/", follow=True)
    assert ComputeJob.objects.filter(kind=JobKind.RED_FLAGS).count() == 1  # the same scan is already queued
    assert again.status_code == 200


def test_anonymous_and_supplier_cannot_see_flags(flagged: dict[str, Any]) -> None:
    assert Client().get("/office/evaluation/flags/").status_code == 302
    supplier = make_user(Role.SUPPLIER_STAFF, flagged["supplier"])
    assert _login(supplier).get(f"/office/evaluation/flags/{flagged['city_flag'].pk}/").status_code == 403
    assert _login(supplier).get("/api/v1/evaluation/red-flags").status_code == 403


def test_list_page_query_count_does_not_grow_with_flags(
    flagged: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    client = _login(flagged["reviewer"])
    client.get("/office/evaluation/flags/")  # warm the session and the caches
    with django_assert_max_num_queries(20):
        response = client.get("/office/evaluation/flags/")
    assert response.status_code == 200
    assert response.content.decode().count('data-testid="flag-single_bid"') == 2
