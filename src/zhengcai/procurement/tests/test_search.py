"""Chinese full-text search over notices on both databases (SQLite FTS5, PostgreSQL GIN)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from zhengcai.procurement import search
from zhengcai.procurement.models import Intention, Notice, NoticeKind
from zhengcai.procurement.selectors import notice_list, notice_page

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


def _notices(intention: Intention, titles: list[str]) -> None:
    """Notices with these titles, the last one newest (test data, not through the services)."""
    start = timezone.make_aware(dt.datetime(2026, 5, 1, 9, 0))
    rows = [
        Notice(
            kind=NoticeKind.TENDER,
            intention=intention,
            region=intention.region,
            purchaser=intention.purchaser,
            title=title,
            body="正文",
            published_at=start + dt.timedelta(minutes=i),
            search_text=search.search_text(title),
        )
        for i, title in enumerate(titles)
    ]
    for notice in Notice.objects.bulk_create(rows):
        search.index(notice)


def test_newest_first_reads_the_same_rows_as_the_plain_query(
    intention: Intention, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search, "RECENT_WINDOW", 12)
    _notices(intention, ["物业管理服务" if i % 3 == 0 else "课桌椅" for i in range(40)])
    everything = list(notice_list(q="物业管理"))
    assert len(everything) == 14
    # 4 matches among the 12 newest notices: pages inside them come from the window, the others not
    for start, stop in [(0, 2), (0, 4), (2, 4), (3, 5), (4, 8), (0, 14), (10, 14)]:
        with CaptureQueriesContext(connection) as ctx:
            assert search.newest_first(notice_list(), "物业管理", start, stop) == everything[start:stop]
        if connection.vendor == "postgresql":
            windowed = any('published_at" >=' in q["sql"] for q in ctx.captured_queries)
            assert windowed == (stop <= 12), (start, stop)
            assert len(ctx.captured_queries) == (2 if stop <= 4 else 3 if stop <= 12 else 1), (start, stop)


def test_search_pages_are_newest_first_on_every_page(intention: Intention, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search, "RECENT_WINDOW", 12)
    _notices(intention, [f"物业管理服务{i:02d}" for i in range(30)])
    pages = [notice_page(number=n, per_page=10, q="物业管理") for n in (1, 2, 3)]
    titles = [n.title for page in pages for n in page.object_list]
    assert titles == [f"物业管理服务{i:02d}" for i in range(29, -1, -1)]
    assert pages[0].paginator.count == 30


def test_publishing_a_notice_moves_the_generation_on(intention: Intention) -> None:
    before = search.generation()
    assert search.generation() == before
    _notices(intention, ["课桌椅"])
    assert search.generation() != before
