"""Services of the policy library: create and edit (audited, scoped, all-or-nothing), status, attachments,
categories and tags, and the search text."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from conftest import AT, make_user
from zhengcai.accounts.models import User
from zhengcai.core.audit import verify_chain
from zhengcai.core.errors import ServiceError, ServiceErrorGroup
from zhengcai.core.models import AuditEvent
from zhengcai.core.permissions import Role
from zhengcai.policies import services
from zhengcai.policies.models import Category, PolicyAttachment, PolicyDocument, Tag

from .conftest import document_input

pytestmark = pytest.mark.django_db
MakeDocument = Callable[..., PolicyDocument]


def _events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("seq"))


def test_document_create_normalizes_the_number_indexes_the_text_and_audits(editor: User) -> None:
    sme = Category.objects.create(name="中小企业", name_en="SMEs", slug="sme")
    doc = services.document_create(
        data=document_input(
            number=" 财库（２０２０）46号 ", categories=[sme], tags=["价格扣除", "预留份额", "价格扣除"]
        ),
        actor=editor,
        at=AT,
    )
    assert doc.number == "财库〔2020〕46号"
    assert doc.status == "effective"
    assert (doc.created_by, doc.created_at, doc.updated_at) == (editor, AT, AT)
    assert sorted(doc.tags.values_list("name", flat=True)) == ["价格扣除", "预留份额"]
    assert " 中小 " in doc.search_text
    assert " 46 " in doc.search_text
    assert doc.search_text.startswith(" ")
    [event] = _events("policy.create")
    assert event.actor == editor
    assert event.object_id == str(doc.pk)
    assert event.after is not None
    assert event.after["number"] == "财库〔2020〕46号"
    assert event.after["categories"] == [sme.pk]
    assert "search_text" not in event.after
    assert len(_events("policy.tag.create")) == 2
    assert list(verify_chain()) == []


def test_document_create_reports_every_broken_rule_at_once_and_writes_nothing(editor: User) -> None:
    data = document_input(
        title="",
        number="财库2020-46",
        issued_on=dt.date(2020, 12, 18),
        effective_on=dt.date(2020, 12, 1),
        source_url="ftp://example.invalid/x",
        tags=["x" * 31],
    )
    events = AuditEvent.objects.count()
    with pytest.raises(ServiceErrorGroup) as exc:
        services.document_create(data=data, actor=editor, at=AT)
    fields = {e.field: e.code for e in exc.value.errors}
    assert fields == {
        "title": "policies.required",
        "number": "policies.number.format",
        "effective_on": "policies.dates",
        "source_url": "policies.url",
        "tags": "policies.tag",
    }
    assert PolicyDocument.objects.count() == 0
    assert Tag.objects.count() == 0
    assert AuditEvent.objects.count() == events


def test_document_create_refuses_an_over_long_title_instead_of_cutting_it(editor: User) -> None:
    with pytest.raises(ServiceError) as exc:
        services.document_create(data=document_input(title="政" * 201), actor=editor, at=AT)
    assert (exc.value.code, exc.value.field) == ("policies.too_long", "title")
    assert "201" in exc.value.message_zh
    assert "200" in exc.value.message_en


def test_document_number_is_unique_in_the_library(make_document: MakeDocument, editor: User) -> None:
    make_document()
    with pytest.raises(ServiceError) as exc:
        services.document_create(data=document_input(number="财库[2020]46号"), actor=editor, at=AT)
    assert (exc.value.code, exc.value.field) == ("policies.number.taken", "number")


def test_a_law_may_have_no_number_and_two_laws_without_numbers_coexist(editor: User) -> None:
    for title in ("中华人民共和国政府采购法", "中华人民共和国招标投标法"):
        services.document_create(
            data=document_input(title=title, number="", doc_type="law", issued_on=dt.date(2002, 6, 29)),
            actor=editor,
            at=AT,
        )
    assert PolicyDocument.objects.filter(number="").count() == 2


def test_scope_a_county_editor_adds_documents_of_the_own_county_only(heze: dict[str, Any], cao_editor: User) -> None:
    county_doc = services.document_create(
        data=document_input(
            title="曹县财政局关于做好政府采购意向公开工作的通知",
            number="曹财采〔2024〕3号",
            level="county",
            doc_type="local",
            issuer="曹县财政局",
            region=heze["cao"],
            issued_on=dt.date(2024, 2, 26),
            effective_on=dt.date(2024, 2, 26),
        ),
        actor=cao_editor,
        at=AT,
    )
    assert county_doc.region == heze["cao"]
    for level, region in (("county", heze["shan"]), ("city", heze["city"]), ("national", None)):
        with pytest.raises(ServiceError) as exc:
            services.document_create(
                data=document_input(
                    number="曹财采〔2024〕9号",
                    level=level,
                    doc_type="local" if level != "national" else "normative",
                    region=region,
                    issued_on=dt.date(2024, 3, 1),
                    effective_on=dt.date(2024, 3, 1),
                ),
                actor=cao_editor,
                at=AT,
            )
        assert exc.value.code == "policies.scope", level


def test_scope_city_staff_manage_every_level_and_a_county_editor_cannot_edit_city_documents(
    heze: dict[str, Any], make_document: MakeDocument, cao_editor: User
) -> None:
    doc = make_document()
    with pytest.raises(PermissionDenied):
        services.document_update(document=doc, data=document_input(title="改"), actor=cao_editor, at=AT)
    supplier_staff = make_user(Role.SUPPLIER_STAFF, heze["supplier"])
    with pytest.raises(ServiceError) as exc:
        services.document_create(data=document_input(number="财库〔2020〕47号"), actor=supplier_staff, at=AT)
    assert exc.value.code == "policies.scope"


def test_document_update_is_audited_with_before_and_after(make_document: MakeDocument, editor: User) -> None:
    doc = make_document()
    later = AT + dt.timedelta(hours=1)
    updated = services.document_update(
        document=doc,
        data=document_input(title="政府采购促进中小企业发展管理办法（修改标题）", tags=["中小企业"]),
        actor=editor,
        at=later,
    )
    assert updated.title.endswith("（修改标题）")
    assert updated.updated_at == later
    [event] = _events("policy.update")
    assert event.before is not None
    assert event.after is not None
    assert event.before["title"] == "政府采购促进中小企业发展管理办法"
    assert event.after["title"].endswith("（修改标题）")
    assert (event.before["tags"], event.after["tags"]) == ([], ["中小企业"])
    assert " 修改 " in PolicyDocument.objects.get(pk=doc.pk).search_text


def test_document_update_that_changes_nothing_records_nothing(make_document: MakeDocument, editor: User) -> None:
    doc = make_document()
    services.document_update(document=doc, data=document_input(), actor=editor, at=AT + dt.timedelta(hours=1))
    assert _events("policy.update") == []
    assert PolicyDocument.objects.get(pk=doc.pk).updated_at == AT


def test_POL_STATUS_amended_needs_the_amending_document_then_links_it(
    make_document: MakeDocument, editor: User
) -> None:
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
    )
    with pytest.raises(ServiceError) as exc:
        services.document_status_set(
            document=old, status="amended", changed_on=dt.date(2025, 6, 1), actor=editor, at=AT
        )
    assert (exc.value.code, exc.value.field) == ("policies.status.superseded_by", "superseded_by")
    services.document_status_set(
        document=old, status="amended", changed_on=dt.date(2025, 6, 1), superseded_by=new, actor=editor, at=AT
    )
    old.refresh_from_db()
    assert (old.status, old.status_changed_on, old.superseded_by) == ("amended", dt.date(2025, 6, 1), new)
    [event] = _events("policy.status")
    assert event.before is not None
    assert event.after is not None
    assert (event.before["status"], event.after["status"], event.after["superseded_by_id"]) == (
        "effective",
        "amended",
        new.pk,
    )
    # the replacement cannot in turn be replaced by the old one: a circle
    with pytest.raises(ServiceError):
        services.document_status_set(
            document=new, status="repealed", changed_on=dt.date(2025, 6, 1), superseded_by=old, actor=editor, at=AT
        )


def test_POL_STATUS_transitions_allowed_and_forbidden(make_document: MakeDocument, editor: User) -> None:
    doc = make_document()
    services.document_status_set(document=doc, status="repealed", changed_on=dt.date(2025, 1, 1), actor=editor, at=AT)
    with pytest.raises(ServiceError) as later:  # an edit cannot move the issue date past the repeal
        services.document_update(
            document=doc,
            data=document_input(
                number="财库〔2025〕46号", issued_on=dt.date(2025, 2, 1), effective_on=dt.date(2025, 2, 1)
            ),
            actor=editor,
            at=AT,
        )
    assert (later.value.code, later.value.field) == ("policies.status.date", "issued_on")
    with pytest.raises(ServiceError) as exc:
        services.document_status_set(
            document=doc, status="amended", changed_on=dt.date(2025, 1, 1), actor=editor, at=AT
        )
    assert exc.value.code == "core.transition.not_allowed"
    with pytest.raises(ServiceError):
        services.document_status_set(document=doc, status="effective", changed_on=None, actor=editor, at=AT)


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def test_attachment_add_hashes_checks_the_type_by_content_and_audits(
    make_document: MakeDocument, editor: User
) -> None:
    doc = make_document()
    pdf = b"%PDF-1.7\n1 0 obj\n%%EOF\n"
    attachment = services.attachment_add_bytes(
        document=doc, content=pdf, filename="C:\\docs\\办法.pdf", actor=editor, at=AT
    )
    assert attachment.name == "办法.pdf"
    assert attachment.size == len(pdf)
    assert attachment.sha256 == hashlib.sha256(pdf).hexdigest()
    assert attachment.file.read() == pdf
    docx = services.attachment_add_bytes(
        document=doc, content=_docx(), filename="解读.docx", name="政策解读", actor=editor, at=AT
    )
    assert docx.name == "政策解读.docx"
    assert [e.object_id for e in _events("policy.attachment.add")] == [str(attachment.pk), str(docx.pk)]


@pytest.mark.parametrize(
    ("content", "filename", "code"),
    [
        (b"", "empty.pdf", "policies.attachment.empty"),
        (b"MZ\x90\x00", "virus.exe", "policies.attachment.type"),
        (b"<html>not a pdf</html>", "fake.pdf", "policies.attachment.malformed"),
        (b"PK\x03\x04 not really a zip", "broken.docx", "policies.attachment.malformed"),
    ],
)
def test_attachment_add_refuses_empty_unknown_and_disguised_files(
    make_document: MakeDocument, editor: User, content: bytes, filename: str, code: str
) -> None:
    doc = make_document()
    with pytest.raises(ServiceError) as exc:
        services.attachment_add_bytes(document=doc, content=content, filename=filename, actor=editor, at=AT)
    assert exc.value.code == code
    assert exc.value.field == "file"
    assert PolicyAttachment.objects.count() == 0


def test_attachment_add_refuses_files_over_the_limit_and_twins(
    make_document: MakeDocument, editor: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc = make_document()
    monkeypatch.setattr(services, "ATTACHMENT_MAX_BYTES", 16)
    with pytest.raises(ServiceError) as exc:
        services.attachment_add_bytes(
            document=doc, content=b"%PDF-" + b"0" * 20, filename="big.pdf", actor=editor, at=AT
        )
    assert exc.value.code == "policies.attachment.size"
    services.attachment_add_bytes(document=doc, content=b"%PDF-1.7", filename="a.pdf", actor=editor, at=AT)
    with pytest.raises(ServiceError) as twin:
        services.attachment_add_bytes(document=doc, content=b"%PDF-1.7", filename="b.pdf", actor=editor, at=AT)
    assert twin.value.code == "policies.attachment.duplicate"


def test_categories_city_staff_create_and_rename_and_the_search_text_follows(
    make_document: MakeDocument, editor: User, cao_editor: User
) -> None:
    category = services.category_create(
        name="营商环境", name_en="Business environment", slug="business", actor=editor, at=AT
    )
    doc = make_document(categories=[category])
    services.category_update(
        category=category,
        name="优化营商环境",
        name_en="Business environment",
        slug="business",
        sort=5,
        actor=editor,
        at=AT,
    )
    assert " 优化 " in PolicyDocument.objects.get(pk=doc.pk).search_text
    with pytest.raises(ServiceErrorGroup) as exc:
        services.category_create(name="优化营商环境", name_en="", slug="Bad Slug", actor=editor, at=AT)
    assert {e.field for e in exc.value.errors} == {"name", "name_en", "slug"}
    with pytest.raises(PermissionDenied):
        services.category_create(name="县级", name_en="County", slug="county", actor=cao_editor, at=AT)
    assert [e.action for e in AuditEvent.objects.filter(action__startswith="policy.category").order_by("seq")] == [
        "policy.category.create",
        "policy.category.update",
    ]


def test_split_tags_accepts_chinese_and_latin_separators() -> None:
    assert services.split_tags("中小企业、价格扣除，预留份额; SME  ") == ["中小企业", "价格扣除", "预留份额", "SME"]
