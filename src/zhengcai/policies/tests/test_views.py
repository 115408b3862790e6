"""Pages: the public list and document page (status banner, attachments, interpretations), the back office
(create with the number error on its field, edit, status, attachment upload, categories) and permissions."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from conftest import AT
from zhengcai.accounts.models import User
from zhengcai.core.models import AuditEvent
from zhengcai.policies import services
from zhengcai.policies.models import Category, PolicyDocument

pytestmark = pytest.mark.django_db


def _streamed(response: Any) -> bytes:
    return b"".join(response.streaming_content)


MakeDocument = Callable[..., PolicyDocument]


def _client(user: User | None = None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _text(response: Any) -> str:
    return response.content.decode()


def test_public_list_searches_in_chinese_and_paginates(make_document: MakeDocument) -> None:
    make_document()
    for i in range(1, 23):
        make_document(
            title=f"菏泽市政府采购测试通知{i}",
            number=f"菏财采〔2023〕{i}号",
            level="national",
            issued_on=dt.date(2023, 1, 1) + dt.timedelta(days=i),
            effective_on=dt.date(2023, 3, 1),
            full_text="测试",
        )
    client = _client()
    page = client.get("/policies/?q=中小企业")
    assert page.status_code == 200
    assert "政府采购促进中小企业发展管理办法" in _text(page)
    assert "测试通知" not in _text(page)
    first = client.get("/policies/")
    assert 'rel="next"' in _text(first)
    assert "page=2" in _text(first)
    second = client.get("/policies/?page=2")
    assert second.status_code == 200
    assert "财库〔2020〕46号" in _text(second)
    fragment = client.get("/policies/?q=测试&level=national", HTTP_HX_REQUEST="true")
    assert "<html" not in _text(fragment)
    assert "测试通知" in _text(fragment)


def test_public_list_filters_by_tag_link(make_document: MakeDocument) -> None:
    make_document(tags=["价格扣除"])
    make_document(title="其他文件", number="财库〔2020〕47号")
    page = _client().get("/policies/?tag=价格扣除")
    assert "政府采购促进中小企业发展管理办法" in _text(page)
    assert "其他文件" not in _text(page)


def test_document_page_shows_the_text_attachments_and_the_repeal_banner_with_the_replacement(
    make_document: MakeDocument, editor: User
) -> None:
    old = make_document(
        title="政府采购促进中小企业发展暂行办法",
        number="财库〔2011〕181号",
        issued_on=dt.date(2011, 12, 29),
        effective_on=dt.date(2012, 1, 1),
    )
    new = make_document()
    services.document_status_set(
        document=old, status="repealed", changed_on=dt.date(2021, 1, 1), superseded_by=new, actor=editor, at=AT
    )
    attachment = services.attachment_add_bytes(
        document=old, content=b"%PDF-1.4 x", filename="暂行办法.pdf", actor=editor, at=AT
    )
    page = _client().get(f"/policies/{old.pk}/")
    text = _text(page)
    assert page.status_code == 200
    assert "2021-01-01" in text
    assert f'href="/policies/{new.pk}/"' in text
    assert "第一条" in text
    assert f"/policies/{old.pk}/attachments/{attachment.pk}/" in text
    new_page = _text(_client().get(f"/policies/{new.pk}/"))
    assert f'href="/policies/{old.pk}/"' in new_page  # "this document replaces"
    download = _client().get(f"/policies/{old.pk}/attachments/{attachment.pk}/")
    assert download.status_code == 200
    assert _streamed(download) == b"%PDF-1.4 x"
    assert download["X-Checksum-SHA256"] == hashlib.sha256(b"%PDF-1.4 x").hexdigest()
    assert download["Content-Type"] == "application/pdf"
    assert _client().get(f"/policies/{new.pk}/attachments/{attachment.pk}/").status_code == 404
    assert _client().get("/policies/999999/").status_code == 404


def test_document_page_lists_published_interpretations_only(
    make_document: MakeDocument, editor: User, heze: dict[str, Any]
) -> None:
    from zhengcai.publicity.models import Content, ContentRevision

    doc = make_document()

    def item(title: str, status: str, live: bool) -> Content:
        content = Content.objects.create(
            kind="interpretation",
            region=heze["city"],
            owner=heze["city_bureau"],
            title=title,
            body="解读",
            status=status,
            published_at=AT if live else None,
            created_by=editor,
            created_at=AT,
            updated_at=AT,
        )
        revision = ContentRevision.objects.create(
            content=content, number=1, title=title, body="解读", created_by=editor, created_at=AT
        )
        if live:
            content.live_revision = revision
            content.save()
        content.documents.add(doc)
        return content

    published = item("一图读懂中小企业政策", "published", True)
    item("草稿中的解读", "draft", False)
    text = _text(_client().get(f"/policies/{doc.pk}/"))
    assert "一图读懂中小企业政策" in text
    assert "草稿中的解读" not in text
    assert re.search(rf'href="[^"]*/publicity/[^"]*{published.pk}/"', text)


def test_office_create_shows_the_number_error_on_the_field_and_creates_when_valid(editor: User) -> None:
    client = _client(editor)
    form = {
        "title": "政府采购促进中小企业发展管理办法",
        "number": "财库2020第46号",
        "level": "national",
        "doc_type": "normative",
        "issuer": "财政部",
        "issued_on": "2020-12-18",
        "effective_on": "2021-01-01",
        "full_text": "第一条……",
        "tags": "中小企业、价格扣除",
    }
    bad = client.post("/office/policies/new/", form)
    assert bad.status_code == 400
    assert re.search(r'<p class="error" role="alert" data-field="number">[^<]*GB/T 9704', _text(bad))
    assert PolicyDocument.objects.count() == 0
    good = client.post("/office/policies/new/", {**form, "number": "财库[2020]46号"})
    doc = PolicyDocument.objects.get()
    assert good.status_code == 302
    assert good["Location"] == f"/office/policies/{doc.pk}/"
    assert doc.number == "财库〔2020〕46号"
    assert sorted(t.name for t in doc.tags.all()) == ["中小企业", "价格扣除"]


def test_office_manage_edits_changes_status_and_uploads(make_document: MakeDocument, editor: User) -> None:
    doc = make_document()
    client = _client(editor)
    page = client.get(f"/office/policies/{doc.pk}/")
    assert page.status_code == 200
    assert 'name="issued_on" value="2020-12-18"' in _text(page)  # ISO, so the date input shows it
    edit = {
        "action": "edit",
        "title": "新标题",
        "number": doc.number,
        "level": "national",
        "doc_type": "normative",
        "issuer": doc.issuer,
        "issued_on": "2020-12-18",
        "effective_on": "2020-12-01",  # before the issue date
        "full_text": doc.full_text,
    }
    bad = client.post(f"/office/policies/{doc.pk}/", edit)
    assert bad.status_code == 400
    assert 'data-field="effective_on"' in _text(bad)
    assert client.post(f"/office/policies/{doc.pk}/", {**edit, "effective_on": "2021-01-01"}).status_code == 302
    doc.refresh_from_db()
    assert doc.title == "新标题"
    amended = client.post(
        f"/office/policies/{doc.pk}/", {"action": "status", "status": "amended", "status_changed_on": "2025-01-01"}
    )
    assert amended.status_code == 400
    assert 'data-field="superseded_by"' in _text(amended)
    repealed = client.post(
        f"/office/policies/{doc.pk}/", {"action": "status", "status": "repealed", "status_changed_on": "2025-01-01"}
    )
    assert repealed.status_code == 302
    upload = SimpleUploadedFile("附件.pdf", b"%PDF-1.7 attachment", content_type="application/pdf")
    uploaded = client.post(f"/office/policies/{doc.pk}/", {"action": "attachment", "file": upload, "name": ""})
    assert uploaded.status_code == 302
    fake = SimpleUploadedFile("fake.pdf", b"GIF89a", content_type="application/pdf")
    refused = client.post(f"/office/policies/{doc.pk}/", {"action": "attachment", "file": fake})
    assert refused.status_code == 400
    assert 'data-field="file"' in _text(refused)
    doc.refresh_from_db()
    assert doc.status == "repealed"
    assert doc.attachments.count() == 1
    actions = set(AuditEvent.objects.filter(object_type__startswith="policies.").values_list("action", flat=True))
    assert {"policy.create", "policy.update", "policy.status", "policy.attachment.add"} <= actions


def test_office_pages_out_of_scope_answer_404_for_a_county_editor(
    make_document: MakeDocument, cao_editor: User
) -> None:
    doc = make_document()
    client = _client(cao_editor)
    assert client.get(f"/office/policies/{doc.pk}/").status_code == 404
    assert f"/office/policies/{doc.pk}/" not in _text(client.get("/office/policies/"))
    page = client.get("/office/policies/new/")
    assert page.status_code == 200
    assert 'value="county" selected' in _text(page)


def test_office_categories_create_and_rename(editor: User, cao_editor: User) -> None:
    client = _client(editor)
    created = client.post(
        "/office/policies/categories/",
        {
            "action": "create",
            "name": "合同融资",
            "name_en": "Contract financing",
            "slug": "contract-financing",
            "sort": 5,
        },
    )
    assert created.status_code == 302
    category = Category.objects.get(slug="contract-financing")
    renamed = client.post(
        "/office/policies/categories/",
        {
            "action": "update",
            "category": category.pk,
            "name": "政采贷",
            "name_en": "Contract financing",
            "slug": "contract-financing",
            "sort": 5,
        },
    )
    assert renamed.status_code == 302
    category.refresh_from_db()
    assert category.name == "政采贷"
    bad = client.post(
        "/office/policies/categories/",
        {"action": "create", "name": "x", "name_en": "x", "slug": "NO SPACES", "sort": 1},
    )
    assert bad.status_code == 400
    assert 'data-field="slug"' in _text(bad)
    county = _client(cao_editor).post(
        "/office/policies/categories/",
        {"action": "create", "name": "县", "name_en": "County", "slug": "county", "sort": 1},
    )
    assert county.status_code == 403


def test_public_pages_need_no_login_and_office_pages_do(make_document: MakeDocument) -> None:
    doc = make_document()
    anonymous = _client()
    for path in (
        "/policies/",
        f"/policies/{doc.pk}/",
        "/policies/feed/rss/",
        "/policies/feed/atom/",
        "/policies/feed.json",
    ):
        assert anonymous.get(path).status_code == 200, path
    for path in (
        "/office/policies/",
        "/office/policies/new/",
        f"/office/policies/{doc.pk}/",
        "/office/policies/export/",
    ):
        response = anonymous.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/office/login/"), path
