"""Reach figures: entered by hand per post and day, or imported from a platform's CSV export, all rows or
none, with "row N, column X" errors; a day already recorded is refused unless the editor asks to replace."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from conftest import AT, make_user
from zhengcai.accounts.models import User
from zhengcai.core.errors import ServiceError, ServiceErrorGroup
from zhengcai.core.models import AuditEvent
from zhengcai.core.permissions import Role
from zhengcai.publicity import outbox
from zhengcai.publicity.errors import ChannelError
from zhengcai.publicity.models import ChannelPost, MetricImport, ReachMetric

from .url_samples_channels import image_bytes, make_item

NOW = AT + dt.timedelta(days=10)
D1, D2 = dt.date(2026, 3, 3), dt.date(2026, 3, 4)
URL_A = "https://mp.weixin.qq.com/s/AAAA"
URL_B = "https://mp.weixin.qq.com/s/BBBB"


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.ZC_PUBLIC_URL = "https://zfcg.example.cn"


@pytest.fixture
def editor(heze: dict[str, Any]) -> User:
    return make_user(Role.PUBLICITY_EDITOR, heze["city_bureau"], username="city_editor")


def posted(heze: dict[str, Any], editor: User, title: str, url: str, channel: str = "wechat") -> ChannelPost:
    item = make_item(
        region=heze["city"],
        owner=heze["city_bureau"],
        author=editor,
        at=AT,
        channels=[channel],
        title=title,
        cover=image_bytes(1800, 1000),
    )
    [post] = outbox.posts_enqueue(content=item, revision=item.live_revision, at=AT)
    return outbox.post_record_manual(post=post, url=url, actor=editor, at=AT)


@pytest.fixture
def posts(heze: dict[str, Any], editor: User) -> tuple[ChannelPost, ChannelPost]:
    return posted(heze, editor, "合同融资政策推行", URL_A), posted(heze, editor, "中小企业预留份额解读", URL_B)


def csv_bytes(rows: list[list[str]], encoding: str = "utf-8-sig") -> bytes:
    return "\r\n".join(",".join(r) for r in rows).encode(encoding)


WECHAT_HEADER = ["日期", "标题", "文章链接", "阅读人数", "阅读次数", "分享人数", "分享次数", "点赞人数", "留言条数"]


def row_errors(error: ServiceError) -> list[str]:
    errors = error.errors if isinstance(error, ServiceErrorGroup) else [error]
    return [e.message_en for e in errors]


# --- by hand ---------------------------------------------------------------------------------------------


def test_metric_record_keeps_one_day_of_a_posted_post(posts: Any, editor: User) -> None:
    post, _ = posts
    metric = outbox.metric_record(post=post, day=D1, reads=120, shares=8, likes=5, comments=1, actor=editor, at=NOW)
    assert (metric.reads, metric.shares, metric.likes, metric.comments, metric.source) == (120, 8, 5, 1, "manual")
    assert AuditEvent.objects.filter(action="publicity.metric_record").count() == 1


def test_a_day_recorded_again_is_refused_unless_replace_and_the_old_figures_stay_in_the_audit_log(
    posts: Any, editor: User
) -> None:
    post, _ = posts
    outbox.metric_record(post=post, day=D1, reads=120, shares=8, likes=5, actor=editor, at=NOW)
    with pytest.raises(ServiceError) as error:
        outbox.metric_record(post=post, day=D1, reads=999, shares=8, likes=5, actor=editor, at=NOW)
    assert error.value.code == ChannelError.METRIC_EXISTS
    assert ReachMetric.objects.get().reads == 120
    outbox.metric_record(post=post, day=D1, reads=130, shares=8, likes=5, replace=True, actor=editor, at=NOW)
    assert ReachMetric.objects.get().reads == 130
    last = AuditEvent.objects.filter(action="publicity.metric_record").order_by("-seq").first()
    assert last is not None
    assert ((last.before or {})["reads"], (last.after or {})["reads"]) == (120, 130)


def test_metric_record_refuses_negative_figures_days_outside_the_post_and_unposted_posts(
    heze: dict[str, Any], posts: Any, editor: User
) -> None:
    post, _ = posts
    with pytest.raises(ServiceError) as error:
        outbox.metric_record(post=post, day=D1, reads=-1, shares=0, likes=0, actor=editor, at=NOW)
    assert (error.value.code, error.value.field) == (ChannelError.METRIC_INVALID, "reads")
    with pytest.raises(ServiceError) as error:
        outbox.metric_record(post=post, day=dt.date(2026, 3, 1), reads=1, shares=0, likes=0, actor=editor, at=NOW)
    assert error.value.field == "day"
    with pytest.raises(ServiceError) as error:
        outbox.metric_record(post=post, day=dt.date(2026, 3, 20), reads=1, shares=0, likes=0, actor=editor, at=NOW)
    assert error.value.field == "day"
    item = make_item(region=heze["city"], owner=heze["city_bureau"], author=editor, at=AT, channels=["weibo"])
    [ready] = outbox.posts_enqueue(content=item, revision=item.live_revision, at=AT)
    with pytest.raises(ServiceError) as error:
        outbox.metric_record(post=ready, day=D1, reads=1, shares=0, likes=0, actor=editor, at=NOW)
    assert error.value.field == "post"
    assert ReachMetric.objects.count() == 0


# --- CSV import ------------------------------------------------------------------------------------------


def test_wechat_export_with_bom_is_imported_matching_by_url_and_by_title_and_date(posts: Any, editor: User) -> None:
    post_a, post_b = posts
    data = csv_bytes(
        [
            WECHAT_HEADER,
            ["2026-03-03", "合同融资政策推行", URL_A + "/", "100", "150", "5", "7", "9", "2"],
            ["2026/03/04", "中小企业预留份额解读", "", "80", "90", "1", "1", "3", "0"],
            ["", "", "", "", "", "", "", "", ""],
        ]
    )
    result = outbox.metrics_import_csv(channel="wechat", file_name="图文分析.csv", content=data, actor=editor, at=NOW)
    assert (result.rows, result.replaced) == (2, 0)
    a = ReachMetric.objects.get(post=post_a)
    assert (a.day, a.reads, a.shares, a.likes, a.comments, a.source) == (D1, 150, 7, 9, 2, "import")
    b = ReachMetric.objects.get(post=post_b)
    assert (b.day, b.reads) == (D2, 90)
    batch = MetricImport.objects.get()
    assert (batch.rows, batch.channel, a.source_import) == (2, "wechat", batch)
    assert AuditEvent.objects.filter(action="publicity.metrics_import").count() == 1


def test_a_gb18030_export_saved_by_chinese_excel_is_read(posts: Any, editor: User) -> None:
    data = csv_bytes(
        [
            ["日期", "微博链接", "阅读数", "转发数", "评论数", "点赞数"],
            ["2026-03-03", "https://m.weibo.cn/status/1", '"1,234"', "5", "6", "7"],
        ],
        encoding="gb18030",
    )
    posted_weibo = ChannelPost.objects.get(pk=posts[0].pk)
    ChannelPost.objects.filter(pk=posted_weibo.pk).update(channel="weibo", external_url="https://m.weibo.cn/status/1")
    outbox.metrics_import_csv(channel="weibo", file_name="weibo.csv", content=data, actor=editor, at=NOW)
    metric = ReachMetric.objects.get()
    assert (metric.reads, metric.shares, metric.comments, metric.likes) == (1234, 5, 6, 7)


def test_bad_rows_are_all_reported_with_row_and_column_and_nothing_is_imported(posts: Any, editor: User) -> None:
    data = csv_bytes(
        [
            WECHAT_HEADER,
            ["2026-03-03", "合同融资政策推行", URL_A, "100", "150", "5", "7", "9", "2"],
            ["2026-03-03", "x", "https://mp.weixin.qq.com/s/ZZZZ", "1", "多", "0", "0", "0", "0"],
            ["3月4日", "中小企业预留份额解读", "", "1", "2", "0", "0", "0", "0"],
            ["2026-03-04", "无此标题", "", "1", "2", "0", "0", "0", "0"],
            ["2026-03-04", "合同融资政策推行", URL_A, "1", "2", "0", "0", "0"],
        ]
    )
    with pytest.raises(ServiceError) as error:
        outbox.metrics_import_csv(channel="wechat", file_name="bad.csv", content=data, actor=editor, at=NOW)
    messages = row_errors(error.value)
    assert messages == [
        "Row 3, 阅读次数: not a whole number ≥ 0: 多",
        "Row 3, 文章链接: no posted WeChat official account post has this URL",
        "Row 4, 日期: give the date as YYYY-MM-DD",
        "Row 5, 标题: no WeChat official account post with this title was posted by 2026-03-04",
        "Row 6, 日期: the row has 8 cells; the header has 9",
    ]
    zh = error.value.errors[0].message_zh  # type: ignore[attr-defined]
    assert zh == "第 3 行，阅读次数：不是大于等于 0 的整数：多"
    assert ReachMetric.objects.count() == 0
    assert MetricImport.objects.count() == 0


def test_missing_columns_are_named(posts: Any, editor: User) -> None:
    data = csv_bytes([["日期", "标题", "阅读人数"], ["2026-03-03", "合同融资政策推行", "5"]])
    with pytest.raises(ServiceError) as error:
        outbox.metrics_import_csv(channel="wechat", file_name="x.csv", content=data, actor=editor, at=NOW)
    assert error.value.code == ChannelError.CSV_COLUMNS
    assert "Missing columns: 阅读次数" in error.value.message_en


def test_a_file_that_is_not_text_or_is_empty_is_refused(posts: Any, editor: User) -> None:
    with pytest.raises(ServiceError) as error:
        outbox.metrics_import_csv(
            channel="wechat", file_name="x.csv", content=b"\xff\xfe\x00\x81\xff", actor=editor, at=NOW
        )
    assert error.value.code == ChannelError.CSV_ENCODING
    with pytest.raises(ServiceError) as error:
        outbox.metrics_import_csv(channel="wechat", file_name="x.csv", content=b"", actor=editor, at=NOW)
    assert error.value.code == ChannelError.CSV_EMPTY
    with pytest.raises(ServiceError) as error:
        outbox.metrics_import_csv(
            channel="wechat", file_name="x.csv", content=csv_bytes([WECHAT_HEADER]), actor=editor, at=NOW
        )
    assert error.value.code == ChannelError.CSV_EMPTY


def test_the_same_post_and_day_twice_in_a_file_is_refused(posts: Any, editor: User) -> None:
    row = ["2026-03-03", "合同融资政策推行", URL_A, "1", "2", "0", "0", "0", "0"]
    with pytest.raises(ServiceError) as error:
        outbox.metrics_import_csv(
            channel="wechat", file_name="x.csv", content=csv_bytes([WECHAT_HEADER, row, row]), actor=editor, at=NOW
        )
    assert row_errors(error.value) == ["Row 3, 日期: the same post and day as row 2"]


def test_reimporting_a_day_replaces_nothing_unless_asked(posts: Any, editor: User) -> None:
    first = csv_bytes([WECHAT_HEADER, ["2026-03-03", "", URL_A, "1", "100", "0", "0", "0", "0"]])
    outbox.metrics_import_csv(channel="wechat", file_name="a.csv", content=first, actor=editor, at=NOW)
    with pytest.raises(ServiceError) as same_file:
        outbox.metrics_import_csv(channel="wechat", file_name="a.csv", content=first, actor=editor, at=NOW)
    assert same_file.value.code == ChannelError.METRIC_EXISTS
    corrected = csv_bytes([WECHAT_HEADER, ["2026-03-03", "", URL_A, "1", "120", "0", "0", "0", "0"]])
    with pytest.raises(ServiceError) as error:
        outbox.metrics_import_csv(channel="wechat", file_name="b.csv", content=corrected, actor=editor, at=NOW)
    assert row_errors(error.value) == [
        "Row 2, 日期: figures for this post and day are already recorded; choose “replace” to overwrite them"
    ]
    assert ReachMetric.objects.get().reads == 100
    result = outbox.metrics_import_csv(
        channel="wechat", file_name="b.csv", content=corrected, actor=editor, at=NOW, replace=True
    )
    assert (result.rows, result.replaced, ReachMetric.objects.get().reads) == (1, 1, 120)
    replaced = AuditEvent.objects.filter(action="publicity.metric_record").get()
    assert ((replaced.before or {})["reads"], (replaced.after or {})["reads"]) == (100, 120)


def test_a_county_editor_cannot_import_figures_for_city_posts(heze: dict[str, Any], posts: Any, editor: User) -> None:
    county = make_user(Role.PUBLICITY_EDITOR, heze["cao_bureau"], username="cao_editor")
    data = csv_bytes([WECHAT_HEADER, ["2026-03-03", "", URL_A, "1", "100", "0", "0", "0", "0"]])
    with pytest.raises(ServiceError) as error:
        outbox.metrics_import_csv(channel="wechat", file_name="a.csv", content=data, actor=county, at=NOW)
    assert row_errors(error.value) == ["Row 2, 文章链接: no posted WeChat official account post has this URL"]
