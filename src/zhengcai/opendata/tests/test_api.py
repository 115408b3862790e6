"""The public OCDS endpoints: packages valid offline (libcoveocds), pagination, filters, bulk, errors."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any, cast

import pytest
from django.contrib.staticfiles import finders
from django.http import StreamingHttpResponse
from django.test import Client

from zhengcai.opendata import build, jsoncodec, schema
from zhengcai.opendata.models import Release

from .conftest import Lifecycle, cove

pytestmark = pytest.mark.django_db


def get(path: str, **params: Any) -> Any:
    response = Client().get(path, params)
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    return jsoncodec.loads(response.content)


def _assert_valid(result: dict[str, Any]) -> None:
    assert result.get("validation_errors", []) == []
    assert result.get("additional_closed_codelist_values", {}) == {}  # closed codelists: errors too
    assert result["extensions"]["invalid_extension"] == {}
    assert result["extensions"]["is_extended_schema"] is True
    assert "json_deref_error" not in result


def test_release_and_record_packages_are_valid_OCDS_offline(
    lifecycle: Lifecycle, offline: dict[str, bytes], standard_zip: Path, tmp_path: Path
) -> None:
    package = get("/api/ocds/releases")
    assert package["version"] == "1.1"
    assert package["publisher"] == {"name": "菏泽市财政局"}
    assert package["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert package["publicationPolicy"] == "http://testserver/about/"
    assert package["extensions"][-1] == "http://testserver/static/opendata/ocds/local_extension/extension.json"
    assert len(package["releases"]) == Release.objects.count()
    # libcoveocds parses the JSON text itself, as any consumer would
    release_result = cove(json.loads(jsoncodec.dumps(package)), standard_zip, tmp_path / "releases")
    _assert_valid(release_result)
    assert release_result.get("additional_fields", []) == []
    ocid = build.project_ocid(lifecycle.project)
    record_package = get(f"/api/ocds/records/{ocid}")
    [record] = record_package["records"]
    assert record["ocid"] == ocid
    assert record["compiledRelease"]["tag"] == ["compiled"]
    assert [r["id"] for r in record["releases"]] == [f"{ocid}-{n}" for n in range(1, 13)]
    record_result = cove(json.loads(jsoncodec.dumps(record_package)), standard_zip, tmp_path / "record")
    _assert_valid(record_result)
    assert record_result.get("additional_fields", []) == []


def test_the_local_extension_is_served_with_the_static_files() -> None:
    found = finders.find(schema.LOCAL_EXTENSION_STATIC_PATH)
    assert found is not None
    assert Path(str(found)).read_bytes() == (schema.LOCAL_EXTENSION_DIR / "extension.json").read_bytes()


def test_pagination_links_next_covers_every_release_exactly_once(
    lifecycle: Lifecycle, django_assert_num_queries: Any
) -> None:
    seen: list[str] = []
    url: str | None = "/api/ocds/releases?limit=5"
    pages = 0
    while url:
        with django_assert_num_queries(1):
            package = get(url)
        seen += [r["id"] for r in package["releases"]]
        url = package.get("links", {}).get("next")
        pages += 1
    assert pages == 3
    assert seen == list(Release.objects.order_by("seq").values_list("release_id", flat=True))
    assert len(set(seen)) == len(seen) == 14


def test_since_filter_keeps_releases_on_or_after(lifecycle: Lifecycle) -> None:
    package = get("/api/ocds/releases", since="2026-05-06T09:00:00+08:00")
    assert [r["tag"] for r in package["releases"]] == [
        ["contract"],
        ["contractUpdate"],
        ["contractAmendment"],
        ["contractUpdate"],
        ["implementation"],
        ["implementation"],
        ["planning"],
    ]
    assert len(get("/api/ocds/releases", since="2026-05-06")["releases"]) == 7  # a date is its start, local time
    assert get("/api/ocds/releases", since="2026-05-06T01:00:01Z")["releases"][0]["tag"] == ["contractUpdate"]


def test_region_filter_city_includes_its_counties(lifecycle: Lifecycle) -> None:
    county = get("/api/ocds/releases", region="371721")["releases"]
    assert [r["ocid"] for r in county] == [build.intention_ocid(lifecycle.county_intention)]
    assert len(get("/api/ocds/releases", region="371700")["releases"]) == 14
    assert get("/api/ocds/releases", region="371722")["releases"] == []
    page = get("/api/ocds/releases", region="371700", limit=11)
    assert "region=371700" in page["links"]["next"]
    assert "limit=11" in page["links"]["next"]


def test_bulk_streams_gzip_jsonl_equal_to_the_releases(lifecycle: Lifecycle) -> None:
    response = Client().get("/api/ocds/bulk/releases.jsonl.gz")
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "application/gzip"
    assert "releases.jsonl.gz" in response["Content-Disposition"]
    lines = gzip.decompress(cast(StreamingHttpResponse, response).getvalue()).decode().splitlines()
    assert [jsoncodec.loads(line) for line in lines] == [r.data for r in Release.objects.order_by("seq")]
    assert '"amount":1700000.00' in lines[-2]


@pytest.mark.parametrize(
    ("query", "code", "field"),
    [
        ({"since": "yesterday"}, "opendata.since.invalid", "since"),
        ({"since": "2026-13-01"}, "opendata.since.invalid", "since"),
        ({"region": "3717"}, "opendata.region.invalid", "region"),
        ({"region": "999999"}, "opendata.region.invalid", "region"),
        ({"limit": "0"}, "opendata.limit.invalid", "limit"),
        ({"limit": "1001"}, "opendata.limit.invalid", "limit"),
        ({"limit": "ten"}, "opendata.limit.invalid", "limit"),
        ({"after": "-1"}, "opendata.after.invalid", "after"),
    ],
)
def test_bad_parameters_answer_400_bilingual(
    heze: dict[str, Any], query: dict[str, str], code: str, field: str
) -> None:
    response = Client().get("/api/ocds/releases", query)
    assert response.status_code == 400
    body = response.json()
    assert (body["code"], body["field"]) == (code, field)
    assert body["message_en"]
    assert body["message_zh"] != body["message_en"]  # translated


def test_unknown_ocid_is_404_bilingual(db: Any) -> None:
    response = Client().get("/api/ocds/records/ocds-zc0000-nothing")
    assert response.status_code == 404
    assert response.json()["code"] == "core.not_found"


def test_endpoints_are_get_only(db: Any) -> None:
    assert Client().post("/api/ocds/releases").status_code == 405
