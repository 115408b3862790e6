from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from conftest import make_code
from zhengcai.organizations.models import Organization

pytestmark = pytest.mark.django_db


def test_home_lists_the_regions_in_chinese_by_default(heze: dict[str, Any]) -> None:
    response = Client().get("/")
    text = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="zh-CN">' in text
    for name in ("菏泽市", "曹县", "单县"):
        assert name in text


def test_language_switch_to_english(heze: dict[str, Any]) -> None:
    client = Client()
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/about/"})
    assert response.status_code == 302
    text = client.get("/about/").content.decode()
    assert '<html lang="en">' in text
    assert "About the platform" in text


def test_directory_filters_by_kind_region_and_text(heze: dict[str, Any]) -> None:
    client = Client()
    text = client.get("/directory/", {"kind": "supplier"}).content.decode()
    assert heze["supplier"].name in text
    assert heze["bank"].name not in text
    text = client.get("/directory/", {"q": heze["supplier"].credit_code.lower()}).content.decode()
    assert heze["supplier"].name in text
    text = client.get("/directory/", {"region": "371721"}).content.decode()
    assert "曹县财政局" in text
    assert "菏泽市教育局" not in text


def test_directory_htmx_request_returns_only_the_results(heze: dict[str, Any]) -> None:
    text = Client().get("/directory/", {"kind": "bank"}, headers={"hx-request": "true"}).content.decode()
    assert "<html" not in text
    assert heze["bank"].name in text


def test_directory_query_count_does_not_grow_with_rows(
    heze: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(6):
        Client().get("/directory/")


def test_pending_supplier_is_not_public(heze: dict[str, Any]) -> None:
    heze["supplier"].status = "pending"
    heze["supplier"].save(update_fields=["status"])
    assert Client().get(f"/directory/{heze['supplier'].pk}/").status_code == 404


def test_registration_form_keeps_input_and_shows_bilingual_error(heze: dict[str, Any]) -> None:
    good = make_code("371721")
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    data = {
        "name": "曹县博远电子科技有限公司",
        "credit_code": bad,
        "region": heze["cao"].pk,
        "size": "micro",
        "business_scope": "安防监控设备销售及安装",
        "contact_name": "李四",
        "contact_phone": "13800000000",
        "contact_email": "li@example.invalid",
        "username": "boyuan",
        "password": "Boyuan-2026-ok",
        "password2": "Boyuan-2026-ok",
    }
    response = Client().post("/register/supplier/", data)
    text = response.content.decode()
    assert response.status_code == 400
    assert "GB 32100-2015" in text
    assert 'data-field="credit_code"' in text
    assert 'value="曹县博远电子科技有限公司"' in text
    assert not Organization.objects.filter(name=data["name"]).exists()
    data["credit_code"] = good
    response = Client().post("/register/supplier/", data)
    assert response.status_code == 302
    assert Organization.objects.get(name=data["name"]).status == "pending"


def test_api_lists_regions_and_paginates_organizations(heze: dict[str, Any]) -> None:
    client = Client()
    regions = client.get("/api/v1/regions").json()
    assert regions["count"] == 3
    assert {r["code"] for r in regions["items"]} == {"371700", "371721", "371722"}
    page = client.get("/api/v1/organizations", {"kind": "supplier"}).json()
    assert page["count"] == 1
    assert page["items"][0]["credit_code"] == heze["supplier"].credit_code


def test_api_validation_error_names_the_field_in_both_languages(heze: dict[str, Any]) -> None:
    response = Client().get("/api/v1/organizations", {"page": "abc"})
    body = response.json()
    assert response.status_code == 400
    assert body["field"] == "page"
    assert body["message_zh"].startswith("字段 page")
    assert body["message_en"].startswith("Field page")


def test_openapi_document_and_docs_page_are_served(db: Any) -> None:
    client = Client()
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/organizations" in schema["paths"]
    assert client.get("/api/v1/docs").status_code == 200


@pytest.mark.parametrize(
    "path", ["/", "/about/", "/directory/", "/register/supplier/", "/office/login/", "/api/v1/docs"]
)
def test_pages_load_no_asset_from_another_host(heze: dict[str, Any], path: str) -> None:
    """All CSS, JS and fonts are served by the platform itself (no CDN)."""
    import re

    text = Client().get(path).content.decode()
    assets = re.findall(r'<(?:script|link|img)[^>]+(?:src|href)="([^"]+)"', text)
    assert assets
    assert [a for a in assets if a.startswith(("http:", "https:", "//"))] == []
