"""Feeds (RSS 2.0, Atom, JSON Feed 1.1), the export ZIP for the provincial site, and the public API."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
from defusedxml import ElementTree
from django.test import Client

from conftest import AT
from zhengcai.accounts.models import User
from zhengcai.policies import services
from zhengcai.policies.feeds import FEED_SIZE, NAMESPACE
from zhengcai.policies.models import PolicyDocument

pytestmark = pytest.mark.django_db


def _streamed(response: Any) -> bytes:
    return b"".join(response.streaming_content)


MakeDocument = Callable[..., PolicyDocument]
ATOM = "{http://www.w3.org/2005/Atom}"
POLICY = "{" + NAMESPACE + "}"


@pytest.fixture
def two_documents(make_document: MakeDocument, editor: User) -> tuple[PolicyDocument, PolicyDocument]:
    old = make_document(
        title="保障中小企业款项支付条例",
        number="国务院令第728号",
        doc_type="regulation",
        issuer="国务院",
        issued_on=dt.date(2020, 7, 5),
        effective_on=dt.date(2020, 9, 1),
    )
    new = make_document(
        title="保障中小企业款项支付条例（2025年修订）",
        number="国务院令第802号",
        doc_type="regulation",
        issuer="国务院",
        issued_on=dt.date(2025, 3, 17),
        effective_on=dt.date(2025, 6, 1),
        tags=["款项支付"],
    )
    services.document_status_set(
        document=old, status="amended", changed_on=dt.date(2025, 6, 1), superseded_by=new, actor=editor, at=AT
    )
    return old, new


def test_rss_feed_is_valid_xml_with_number_issuer_dates_and_status(two_documents: Any) -> None:
    old, new = two_documents
    response = Client().get("/policies/feed/rss/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/rss+xml")
    root = ElementTree.fromstring(response.content)
    assert root.tag == "rss"
    assert root.get("version") == "2.0"
    items = root.findall("./channel/item")
    assert [i.findtext("title") for i in items] == [str(new), str(old)]  # newest issued first
    first, second = items
    assert first.findtext("link", "").endswith(f"/policies/{new.pk}/")
    assert first.findtext(f"{POLICY}number") == "国务院令第802号"
    assert first.findtext(f"{POLICY}issuer") == "国务院"
    assert first.findtext(f"{POLICY}issued-on") == "2025-03-17"
    assert first.findtext(f"{POLICY}effective-on") == "2025-06-01"
    assert first.findtext(f"{POLICY}status") == "effective"
    assert second.findtext(f"{POLICY}status") == "amended"
    assert second.findtext(f"{POLICY}superseded-by") == "国务院令第802号"
    assert "国务院令第728号" in second.findtext("description", "")
    assert "款项支付" in [c.text for c in first.findall("category")]


def test_atom_feed_is_valid_xml_with_entries(two_documents: Any) -> None:
    _old, new = two_documents
    response = Client().get("/policies/feed/atom/")
    assert response.status_code == 200
    root = ElementTree.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == 2
    assert entries[0].findtext(f"{ATOM}title") == str(new)
    assert entries[0].findtext(f"{ATOM}updated")
    assert entries[0].findtext(f"{POLICY}number") == "国务院令第802号"
    assert entries[0].find(f"{ATOM}author/{ATOM}name").text == "国务院"


def test_json_feed_1_1_with_entries(two_documents: Any) -> None:
    old, _new = two_documents
    response = Client().get("/policies/feed.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/feed+json")
    body = json.loads(response.content)
    assert body["version"] == "https://jsonfeed.org/version/1.1"
    assert body["feed_url"].endswith("/policies/feed.json")
    assert [i["_policy"]["number"] for i in body["items"]] == ["国务院令第802号", "国务院令第728号"]
    item = body["items"][1]
    assert item["id"] == item["url"]
    assert item["url"].startswith("http")
    assert item["url"].endswith(f"/policies/{old.pk}/")
    assert item["_policy"]["status"] == "amended"
    assert item["_policy"]["superseded_by"] == "国务院令第802号"
    assert item["date_published"].startswith("2020-07-05T00:00:00+08:00")
    assert item["authors"] == [{"name": "国务院"}]


def test_feeds_hold_the_newest_fifty(make_document: MakeDocument) -> None:
    for i in range(FEED_SIZE + 2):
        make_document(number=f"财库〔2020〕{i + 1}号", issued_on=dt.date(2020, 1, 1) + dt.timedelta(days=i))
    assert len(json.loads(Client().get("/policies/feed.json").content)["items"]) == FEED_SIZE
    root = ElementTree.fromstring(Client().get("/policies/feed/rss/").content)
    numbers = [i.findtext(f"{POLICY}number") for i in root.findall("./channel/item")]
    assert len(numbers) == FEED_SIZE
    assert numbers[0] == f"财库〔2020〕{FEED_SIZE + 2}号"
    assert "财库〔2020〕1号" not in numbers


def test_export_zip_has_manifest_texts_and_attachments_with_their_sha256(
    two_documents: Any, make_document: MakeDocument, editor: User
) -> None:
    old, new = two_documents
    law = make_document(
        title="中华人民共和国政府采购法",
        number="",
        doc_type="law",
        issuer="全国人民代表大会常务委员会",
        issued_on=dt.date(2002, 6, 29),
        effective_on=dt.date(2003, 1, 1),
        full_text="第一条 为了规范政府采购行为……",
    )
    pdf = b"%PDF-1.7 the official text"
    services.attachment_add_bytes(document=new, content=pdf, filename="条例.pdf", actor=editor, at=AT)
    client = Client()
    client.force_login(editor)
    assert client.get("/office/policies/export/").status_code == 200  # the form
    response = client.get("/office/policies/export/?download=1&level=national&issued_from=2002-01-01")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(_streamed(response)))
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["format"] == "zhengcai.policy-export"
    assert manifest["version"] == 1
    assert manifest["count"] == 3
    by_number = {d["number"]: d for d in manifest["documents"]}
    assert set(by_number) == {"国务院令第728号", "国务院令第802号", None}
    entry = by_number["国务院令第802号"]
    assert entry["issuer"] == "国务院"
    assert entry["level"] == "national"
    assert entry["type"] == "regulation"
    assert (entry["issued_on"], entry["effective_on"], entry["status"]) == ("2025-03-17", "2025-06-01", "effective")
    assert entry["tags"] == ["款项支付"]
    [attachment] = entry["attachments"]
    assert attachment["sha256"] == hashlib.sha256(pdf).hexdigest()
    assert archive.read(attachment["file"]) == pdf
    assert archive.read("国务院令第802号.txt").decode() == new.full_text
    assert entry["text"]["sha256"] == hashlib.sha256(new.full_text.encode()).hexdigest()
    assert by_number["国务院令第728号"]["superseded_by"]["number"] == "国务院令第802号"
    assert by_number[None]["text"]["file"] == f"{law.pk}.txt"
    assert archive.read(f"{law.pk}.txt").decode().startswith("第一条")
    assert old.pk in {d["id"] for d in manifest["documents"]}


def test_export_filters_by_date_range_and_refuses_an_inverted_range(two_documents: Any, editor: User) -> None:
    client = Client()
    client.force_login(editor)
    response = client.get("/office/policies/export/?download=1&issued_from=2025-01-01&issued_until=2025-12-31")
    manifest = json.loads(zipfile.ZipFile(io.BytesIO(_streamed(response))).read("manifest.json"))
    assert [d["number"] for d in manifest["documents"]] == ["国务院令第802号"]
    assert manifest["filters"] == {"issued_from": "2025-01-01", "issued_until": "2025-12-31", "level": None}
    bad = client.get("/office/policies/export/?download=1&issued_from=2025-01-01&issued_until=2024-12-31")
    assert bad.status_code == 400
    assert 'data-field="issued_until"' in bad.content.decode()


def test_export_stops_when_a_stored_file_no_longer_matches_its_sha256(two_documents: Any, editor: User) -> None:
    _old, new = two_documents
    attachment = services.attachment_add_bytes(
        document=new, content=b"%PDF-1.7 a", filename="a.pdf", actor=editor, at=AT
    )
    with open(attachment.file.path, "wb") as f:
        f.write(b"%PDF-1.7 tampered")
    client = Client()
    client.force_login(editor)
    response = client.get("/office/policies/export/?download=1")
    assert response.status_code == 400
    assert "SHA-256" in response.content.decode()


def test_api_lists_and_reads_documents_publicly(two_documents: Any, editor: User) -> None:
    old, new = two_documents
    services.attachment_add_bytes(document=new, content=b"%PDF-1.7 a", filename="a.pdf", actor=editor, at=AT)
    client = Client()
    listing = client.get("/api/v1/policies?q=款项支付&level=national").json()
    assert listing["count"] == 2
    assert [d["number"] for d in listing["items"]] == ["国务院令第802号", "国务院令第728号"]
    assert listing["items"][1]["superseded_by"] == {"id": new.pk, "number": "国务院令第802号", "title": new.title}
    assert client.get("/api/v1/policies?level=city").json()["count"] == 0
    detail = client.get(f"/api/v1/policies/{new.pk}").json()
    assert detail["full_text"] == new.full_text
    assert detail["tags"] == ["款项支付"]
    assert detail["attachments"][0]["url"] == f"/policies/{new.pk}/attachments/{detail['attachments'][0]['id']}/"
    missing = client.get("/api/v1/policies/999999")
    assert missing.status_code == 404
    assert missing.json()["code"] == "core.not_found"
    assert old.pk != new.pk
