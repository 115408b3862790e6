"""Chinese full-text search over notices on both databases (SQLite FTS5, PostgreSQL GIN)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zhengcai.procurement import search
from zhengcai.procurement.models import Intention, Notice, NoticeKind

pytestmark = pytest.mark.django_db


def test_terms_are_cjk_bigrams_and_lowercase_words() -> None:
    assert search.terms("多媒体教室LED屏 2026") == ["多媒", "媒体", "体教", "教室", "led", "屏", "2026"]
    assert search.terms("，。！") == []


@given(st.text(alphabet="菏泽市第一中学多媒体教室设备采购项目物业管理服务", min_size=2, max_size=30), st.data())
def test_any_substring_of_two_or_more_characters_is_found(text: str, data: st.DataObject) -> None:
    start = data.draw(st.integers(min_value=0, max_value=len(text) - 2))
    end = data.draw(st.integers(min_value=start + 2, max_value=len(text)))
    indexed = set(search.terms(text))
    assert set(search.terms(text[start:end])) <= indexed


def test_search_finds_notices_by_chinese_words(intention: Intention) -> None:
    # publishing the intention published its notice
    notice = Notice.objects.get(kind=NoticeKind.INTENTION)
    assert search.filter_text(Notice.objects.all(), "多媒体").get() == notice
    assert search.filter_text(Notice.objects.all(), "一体机").get() == notice  # from the demand summary
    assert search.filter_text(Notice.objects.all(), "教育局 多媒体").get() == notice  # purchaser name too
    assert not search.filter_text(Notice.objects.all(), "物业管理").exists()
    assert search.filter_text(Notice.objects.all(), "  ").count() == 1  # empty query: no filter
