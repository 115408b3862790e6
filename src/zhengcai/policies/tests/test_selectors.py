"""Selectors: the filters, the Chinese full-text search (CJK bigrams) and the number of queries per page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from zhengcai.accounts.models import User
from zhengcai.policies import selectors, services
from zhengcai.policies.models import Category, PolicyDocument
from zhengcai.policies.selectors import DocumentFilters

pytestmark = pytest.mark.django_db
MakeDocument = Callable[..., PolicyDocument]


@pytest.fixture
def library(make_document: MakeDocument, heze: dict[str, Any], cao_editor: User) -> dict[str, PolicyDocument]:
    sme = Category.objects.create(name="中小企业", name_en="SMEs", slug="sme")
    return {
        "sme": make_document(categories=[sme], tags=["价格扣除"]),
        "decree": make_document(
            title="中华人民共和国政府采购法实施条例",
            number="国务院令第658号",
            doc_type="regulation",
            issuer="国务院",
            issued_on=dt.date(2015, 1, 30),
            effective_on=dt.date(2015, 3, 1),
            full_text="第三十三条 投标保证金不得超过采购项目预算金额的2%。物业管理服务项目……",
            summary="",
        ),
        "intent": make_document(
            title="关于开展政府采购意向公开工作的通知",
            number="财库〔2020〕10号",
            issued_on=dt.date(2020, 3, 2),
            effective_on=dt.date(2020, 3, 2),
            full_text="采购意向公开时间原则上不得晚于采购活动开始前30日。",
            summary="",
        ),
        "cao": services.document_create(
            data=services.DocumentInput(
                title="曹县财政局关于做好政府采购意向公开工作的通知",
                number="曹财采〔2024〕3号",
                level="county",
                doc_type="local",
                issuer="曹县财政局",
                region=heze["cao"],
                issued_on=dt.date(2024, 2, 26),
                effective_on=dt.date(2024, 2, 26),
                full_text="县级预算单位应当公开采购意向。",
            ),
            actor=cao_editor,
            at=dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC),
        ),
    }


def _titles(qs: Any) -> list[str]:
    return [d.title for d in qs]


def test_search_finds_chinese_words_in_title_text_and_number(library: dict[str, PolicyDocument]) -> None:
    def found(q: str) -> set[int]:
        return {d.pk for d in selectors.document_list(filters=DocumentFilters(q=q))}

    assert found("中小企业") == {library["sme"].pk}
    assert found("意向公开") == {library["intent"].pk, library["cao"].pk}
    assert found("物业管理") == {library["decree"].pk}  # in the full text
    assert found("投标保证金") == {library["decree"].pk}
    assert found("国务院令第658号") == {library["decree"].pk}
    assert found("财库〔2020〕10号") == {library["intent"].pk}
    assert found("价格扣除") == {library["sme"].pk}  # a tag
    assert found("曹县") == {library["cao"].pk}  # the issuer and the region
    assert found("条例") == {library["decree"].pk}
    assert found("县") == {library["cao"].pk}  # one character: inside the bigrams
    assert found("意向公开 曹县") == {library["cao"].pk}  # every word must match
    assert found("658") == {library["decree"].pk}
    assert found("65") == set()  # Latin/number terms match whole
    assert found("地方政府债券") == set()


def test_filters_level_type_status_category_tag_year(library: dict[str, PolicyDocument]) -> None:
    assert _titles(selectors.document_list(filters=DocumentFilters(level="county"))) == [library["cao"].title]
    assert {d.pk for d in selectors.document_list(filters=DocumentFilters(doc_type="regulation"))} == {
        library["decree"].pk
    }
    assert [d.pk for d in selectors.document_list(filters=DocumentFilters(category="sme"))] == [library["sme"].pk]
    assert [d.pk for d in selectors.document_list(filters=DocumentFilters(tag="价格扣除"))] == [library["sme"].pk]
    assert {d.pk for d in selectors.document_list(filters=DocumentFilters(year=2020))} == {
        library["sme"].pk,
        library["intent"].pk,
    }
    assert list(selectors.document_list(filters=DocumentFilters(status="repealed"))) == []
    assert [d.issued_on.year for d in selectors.document_list()] == [2024, 2020, 2020, 2015]  # newest first
    assert selectors.issue_years() == [2024, 2020, 2015]


def test_document_list_page_costs_three_queries_whatever_its_length(
    library: dict[str, PolicyDocument], django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(3):  # documents (+ region, replacement), categories, tags
        rows = list(selectors.document_list(filters=DocumentFilters(q="政府采购")))
        for d in rows:
            _ = (d.region, d.superseded_by, list(d.categories.all()), list(d.tags.all()))
    assert len(rows) == 4


def test_document_get_loads_the_page_in_a_fixed_number_of_queries(
    library: dict[str, PolicyDocument], django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(5):  # document, categories, tags, attachments, replaced documents
        d = selectors.document_get(id=library["sme"].pk)
        _ = (d.region, d.superseded_by, list(d.categories.all()), list(d.tags.all()), list(d.attachments.all()))
        _ = list(d.supersedes.all())


def test_back_office_scope_city_staff_see_all_a_county_editor_its_county(
    library: dict[str, PolicyDocument], editor: User, cao_editor: User
) -> None:
    assert selectors.documents_for_manager(user=editor).count() == 4
    assert [d.pk for d in selectors.documents_for_manager(user=cao_editor)] == [library["cao"].pk]
    with pytest.raises(PolicyDocument.DoesNotExist):
        selectors.document_for_manager(user=cao_editor, id=library["sme"].pk)
    assert selectors.document_for_manager(user=cao_editor, id=library["cao"].pk) == library["cao"]
