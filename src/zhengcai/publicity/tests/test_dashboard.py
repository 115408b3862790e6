"""The reach dashboard: figures on a small hand-computed fixture, scope and filters, query counts, the Excel
export and the page.

The fixture (year 2026, Asia/Shanghai) — posts, metrics and the items are written as rows (the dashboard only
reads them; the workflow and channels have their own tests); print runs, distributions, events, attendance,
clicks and acknowledgements go through their services.

posts (state posted): A website 03-02, A wechat 03-03 (city); B website 04-10, B feed 2026-01-01 00:30 local
  (cao; 2025-12-31 16:30 UTC, so January 2026); B weibo is only package_ready; A feed posted 2025-12-31 23:30
  local (last year) → 4 posts.
metrics: A wechat 03-03 100/10/5, 03-04 50/2/1; B website 04-11 30/0/0 → reads 180, shares 12, likes 6.
clicks: A's leaflet link 3 × in March (city), B's weibo link 2 × in April (cao) → 5.
printed: city 200 (03-02), cao 100 (03-10) → 300. distributed: city 120 (03-03) + 30 (04-01), cao 40 (03-12) → 190.
events held: city publicity day 03-15 (suppliers 40, purchasers 10), cao meetup 04-20 (suppliers 25);
  a cancelled one in Shan and a planned one in the city do not count → 2 events, 75 people.
open letter L: approved suppliers city S1 small, S2 medium, S3 micro; cao S4 small, S5 small, S6 large; shan S7
  micro; S8 (cao, micro) suspended; acknowledged by S1 (03-05), S2 (03-06), S4 (04-02), S8 (04-03) →
  acknowledgements 4 (March city 2, April cao 2); rates city 2/3, cao 1/3, shan 0/1, all 3/7;
  small 2/3, medium 1/1, micro 0/2, large 0/1.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from conftest import make_code, make_user
from zhengcai.accounts.models import User
from zhengcai.core.permissions import Role
from zhengcai.organizations.models import Organization
from zhengcai.organizations.services import organization_create
from zhengcai.publicity import dashboard, outbox, outreach
from zhengcai.publicity import services as content_services
from zhengcai.publicity.models import Channel, ChannelPost, Content, ContentRevision, ReachMetric

TZ = timezone.get_default_timezone()


def local(y: int, m: int, d: int, h: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, h, minute, tzinfo=TZ)


def _item(kind: str, region: Any, owner: Any, author: User, title: str, at: dt.datetime) -> Content:
    content = Content.objects.create(
        kind=kind,
        region=region,
        owner=owner,
        title=title,
        body=title,
        status="published",
        first_published_at=at,
        published_at=at,
        created_by=author,
        created_at=at,
        updated_at=at,
    )
    revision = ContentRevision.objects.create(
        content=content, number=1, title=title, body=title, created_by=author, created_at=at
    )
    content.latest_revision = content.live_revision = revision
    content.save(update_fields=["latest_revision", "live_revision"])
    return content


def _post(content: Content, channel: str, posted_at: dt.datetime | None, author: User) -> ChannelPost:
    revision = content.live_revision
    assert revision is not None
    return ChannelPost.objects.create(
        content=content,
        revision=revision,
        channel=channel,
        driver="manual",
        state="posted" if posted_at else "package_ready",
        posted_at=posted_at,
        created_at=posted_at or local(2026, 4, 10),
        updated_at=posted_at or local(2026, 4, 10),
    )


def _metric(post: ChannelPost, day: dt.date, reads: int, shares: int, likes: int, author: User) -> None:
    ReachMetric.objects.create(
        post=post,
        day=day,
        reads=reads,
        shares=shares,
        likes=likes,
        source="manual",
        recorded_by=author,
        recorded_at=local(2026, 5, 1),
    )


def _supplier(region: Any, name: str, size: str, status: str = "active") -> Organization:
    return organization_create(
        kind="supplier",  # type: ignore[arg-type]
        name=name,
        region=region,
        credit_code=make_code(region.code),
        size=size,
        status=status,  # type: ignore[arg-type]
        actor="test",
        at=local(2026, 1, 5),
    )


@pytest.fixture
def reach(heze: dict[str, Any], settings: Any, tmp_path: Path, city_editor: User, cao_editor: User) -> dict[str, Any]:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    city, cao, shan = heze["city"], heze["cao"], heze["shan"]
    a = _item(
        "interpretation", city, heze["city_bureau"], city_editor, "政府采购支持中小企业政策解读", local(2026, 3, 2)
    )
    b = _item("article", cao, heze["cao_bureau"], cao_editor, "曹县政府采购营商环境持续优化", local(2026, 1, 1, 0, 20))
    letter = _item("open_letter", city, heze["city_bureau"], city_editor, "致全市供应商的一封信", local(2026, 2, 1))
    _post(a, "website", local(2026, 3, 2), city_editor)
    wechat = _post(a, "wechat", local(2026, 3, 3), city_editor)
    b_site = _post(b, "website", local(2026, 4, 10), cao_editor)
    _post(b, "feed", local(2026, 1, 1, 0, 30), cao_editor)
    _post(b, "weibo", None, cao_editor)
    last_year = _item("article", city, heze["city_bureau"], city_editor, "去年的新闻", local(2025, 12, 31, 23))
    _post(last_year, "feed", local(2025, 12, 31, 23, 30), city_editor)
    _metric(wechat, dt.date(2026, 3, 3), 100, 10, 5, city_editor)
    _metric(wechat, dt.date(2026, 3, 4), 50, 2, 1, city_editor)
    _metric(b_site, dt.date(2026, 4, 11), 30, 0, 0, cao_editor)

    # clicks through the short links (the /s/<code> view's service)
    leaflet_link = outbox.short_link_for(content=a, channel="leaflet", at=local(2026, 3, 2))
    weibo_link = outbox.short_link_for(content=b, channel="weibo", at=local(2026, 4, 10))
    for minute in range(3):
        outbox.short_link_click(code=leaflet_link.code, at=local(2026, 3, 5, 9, minute))
    for minute in range(2):
        outbox.short_link_click(code=weibo_link.code, at=local(2026, 4, 12, 9, minute))

    # paper media and events, through the outreach services
    leaflet = outreach.leaflet_generate(content=a, format="a4", actor=city_editor, at=local(2026, 3, 2, 11))

    def run(region: Any, copies: int, day: dt.date, actor: User) -> Any:
        return outreach.print_run_record(
            leaflet=leaflet,
            copies=copies,
            printer="印刷厂",
            printed_on=day,
            region=region,
            actor=actor,
            at=local(2026, 5, 1),
        )

    def hand_out(r: Any, copies: int, day: dt.date, actor: User) -> None:
        outreach.distribution_record(
            run=r,
            copies=copies,
            place="trading_hall",
            region=r.region,
            distributed_on=day,
            staff="王晓明",
            actor=actor,
            at=local(2026, 5, 1),
        )

    city_run = run(city, 200, dt.date(2026, 3, 2), city_editor)
    cao_run = run(cao, 100, dt.date(2026, 3, 10), cao_editor)
    hand_out(city_run, 120, dt.date(2026, 3, 3), city_editor)
    hand_out(city_run, 30, dt.date(2026, 4, 1), city_editor)
    hand_out(cao_run, 40, dt.date(2026, 3, 12), cao_editor)

    def event(kind: str, region: Any, start: dt.datetime, actor: User, status: str = "", **counts: int) -> Any:
        e = outreach.event_create(
            kind=kind,
            title="政策宣传活动",
            region=region,
            place="交易大厅",
            starts_at=start,
            ends_at=start + dt.timedelta(hours=3),
            actor=actor,
            at=local(2026, 1, 2),
        )
        if status:
            outreach.event_status_set(event=e, status=status, actor=actor, at=start + dt.timedelta(hours=1))
        if counts:
            outreach.event_attendance_record(event=e, counts=counts, actor=actor, at=start + dt.timedelta(hours=4))
        return e

    event("publicity_day", city, local(2026, 3, 15, 9), city_editor, "held", suppliers=40, purchasers=10)
    event("meetup", cao, local(2026, 4, 20, 14), cao_editor, "held", suppliers=25)
    shan_editor = make_user(Role.PUBLICITY_EDITOR, heze["shan_bureau"], username="shan_editor")
    event("hall_desk", shan, local(2026, 4, 22, 9), shan_editor, "cancelled")
    event("hall_desk", city, local(2026, 6, 1, 9), city_editor)

    # the open letter and the suppliers (S1 is the fixture's city supplier, small)
    s1 = heze["supplier"]
    s2 = _supplier(city, "菏泽市中联科技有限公司", "medium")
    _supplier(city, "菏泽市小微文印店", "micro")
    s4 = _supplier(cao, "曹县宏达商贸有限公司", "small")
    _supplier(cao, "曹县鑫盛家具有限公司", "small")
    _supplier(cao, "曹县大型建材集团有限公司", "large")
    _supplier(shan, "单县明远办公用品店", "micro")
    s8 = _supplier(cao, "曹县停业商贸有限公司", "micro")
    for supplier, day in ((s1, 5), (s2, 6)):
        staff = make_user(Role.SUPPLIER_STAFF, supplier)
        content_services.letter_acknowledge(content=letter, supplier=supplier, actor=staff, at=local(2026, 3, day))
    for supplier, day in ((s4, 2), (s8, 3)):
        staff = make_user(Role.SUPPLIER_STAFF, supplier)
        content_services.letter_acknowledge(content=letter, supplier=supplier, actor=staff, at=local(2026, 4, day))
    Organization.objects.filter(pk=s8.pk).update(status="suspended")
    return {"letter": letter, "city": city, "cao": cao, "shan": shan}


@pytest.fixture
def viewer(heze: dict[str, Any]) -> User:
    return make_user(Role.AUDITOR, heze["city_bureau"], username="city_auditor")


def _row(rows: list[dashboard.Row], key: Any) -> dict[str, int]:
    [row] = [r for r in rows if r.key == key]
    return {name: value for name, value in row.values.items() if value}


def test_totals_and_months_match_the_hand_computed_figures(reach: dict[str, Any], viewer: User) -> None:
    board = dashboard.reach_dashboard(user=viewer, year=2026)
    assert board.totals == {
        "posts": 4,
        "reads": 180,
        "shares": 12,
        "likes": 6,
        "clicks": 5,
        "printed": 300,
        "distributed": 190,
        "events": 2,
        "attendance": 75,
        "acks": 4,
    }
    assert _row(board.by_month, 1) == {"posts": 1}  # 2026-01-01 00:30 in Heze is still 2025 in UTC
    assert _row(board.by_month, 3) == {
        "posts": 2,
        "reads": 150,
        "shares": 12,
        "likes": 6,
        "clicks": 3,
        "printed": 300,
        "distributed": 160,
        "events": 1,
        "attendance": 50,
        "acks": 2,
    }
    assert _row(board.by_month, 4) == {
        "posts": 1,
        "reads": 30,
        "clicks": 2,
        "distributed": 30,
        "events": 1,
        "attendance": 25,
        "acks": 2,
    }
    assert _row(board.by_month, 6) == {}  # a planned event is not an event held


def test_regions_channels_and_event_types_match_the_hand_computed_figures(reach: dict[str, Any], viewer: User) -> None:
    board = dashboard.reach_dashboard(user=viewer, year=2026)
    assert _row(board.by_region, reach["city"].pk) == {
        "posts": 2,
        "reads": 150,
        "shares": 12,
        "likes": 6,
        "clicks": 3,
        "printed": 200,
        "distributed": 150,
        "events": 1,
        "attendance": 50,
        "acks": 2,
    }
    assert _row(board.by_region, reach["cao"].pk) == {
        "posts": 2,
        "reads": 30,
        "clicks": 2,
        "printed": 100,
        "distributed": 40,
        "events": 1,
        "attendance": 25,
        "acks": 2,
    }
    assert _row(board.by_region, reach["shan"].pk) == {}  # its only event was cancelled
    assert _row(board.by_channel, "website") == {"posts": 2, "reads": 30}
    assert _row(board.by_channel, "feed") == {"posts": 1}
    assert _row(board.by_channel, "wechat") == {"posts": 1, "reads": 150, "shares": 12, "likes": 6}
    assert _row(board.by_channel, "weibo") == {"clicks": 2}
    assert _row(board.by_channel, "leaflet") == {"clicks": 3}
    assert _row(board.events_by_kind, "publicity_day") == {"events": 1, "suppliers": 40, "purchasers": 10}
    assert _row(board.events_by_kind, "meetup") == {"events": 1, "suppliers": 25}
    assert [(r.parts, r.values["posts"], r.values["reads"]) for r in board.detail] == [
        (("2026-01", "曹县", str(Channel.FEED.label)), 1, 0),
        (("2026-03", "菏泽市", str(Channel.WEBSITE.label)), 1, 0),
        (("2026-03", "菏泽市", str(Channel.WECHAT.label)), 1, 150),
        (("2026-03", "菏泽市", "宣传页二维码"), 0, 0),
        (("2026-04", "曹县", str(Channel.WEBSITE.label)), 1, 30),
        (("2026-04", "曹县", str(Channel.WEIBO.label)), 0, 0),
    ]


def test_acknowledgement_rates_count_approved_suppliers_by_region_and_size(
    reach: dict[str, Any], viewer: User
) -> None:
    board = dashboard.reach_dashboard(user=viewer, year=2026)
    assert board.letter == reach["letter"]  # the latest published open letter by default
    assert [(r.label, r.approved, r.acknowledged, r.rate) for r in board.ack_by_region] == [
        ("菏泽市", 3, 2, Decimal("0.6667")),
        ("曹县", 3, 1, Decimal("0.3333")),  # the suspended S8 acknowledged but is not an approved supplier
        ("单县", 1, 0, Decimal("0.0000")),
    ]
    assert {r.label: (r.approved, r.acknowledged) for r in board.ack_by_size} == {
        "大型": (1, 0),
        "中型": (1, 1),
        "小型": (3, 2),
        "微型": (2, 0),
    }
    assert (board.ack_total.approved, board.ack_total.acknowledged, board.ack_total.percent) == (7, 3, "42.9%")
    cao_small = [r for r in board.ack_detail if r.parts == ("曹县", "小型")]
    assert [(r.approved, r.acknowledged) for r in cao_small] == [(2, 1)]


def test_the_region_and_channel_filters_narrow_the_figures(reach: dict[str, Any], viewer: User) -> None:
    cao = dashboard.reach_dashboard(user=viewer, year=2026, region=reach["cao"])
    assert [r.name for r in cao.regions] == ["曹县"]
    assert cao.totals == {
        "posts": 2,
        "reads": 30,
        "shares": 0,
        "likes": 0,
        "clicks": 2,
        "printed": 100,
        "distributed": 40,
        "events": 1,
        "attendance": 25,
        "acks": 2,
    }
    assert (cao.ack_total.approved, cao.ack_total.acknowledged) == (3, 1)
    wechat = dashboard.reach_dashboard(user=viewer, year=2026, channel="wechat")
    assert [r.key for r in wechat.by_channel] == ["wechat"]
    assert {k: wechat.totals[k] for k in dashboard.CHANNEL_FIGURES} == {
        "posts": 1,
        "reads": 150,
        "shares": 12,
        "likes": 6,
        "clicks": 0,
    }
    assert wechat.totals["printed"] == 300  # the channel filter narrows the channel figures only
    assert dashboard.reach_dashboard(user=viewer, year=2025).totals["posts"] == 1


def test_a_county_editor_sees_the_county_only(reach: dict[str, Any], cao_editor: User) -> None:
    board = dashboard.reach_dashboard(user=cao_editor, year=2026)
    assert [r.name for r in board.regions] == ["曹县"]
    assert (board.totals["posts"], board.totals["printed"], board.totals["attendance"]) == (2, 100, 25)
    assert [r.label for r in board.ack_by_region] == ["曹县"]


def test_the_dashboard_reads_in_a_fixed_number_of_queries(
    reach: dict[str, Any], viewer: User, django_assert_num_queries: Any, cao_editor: User, heze: dict[str, Any]
) -> None:
    dashboard.reach_dashboard(user=viewer, year=2026)  # the memberships are cached on the user afterwards
    with django_assert_num_queries(11):
        dashboard.reach_dashboard(user=viewer, year=2026)
    more = outreach.event_create(
        kind="meetup",
        title="又一场宣讲会",
        region=heze["cao"],
        place="曹县财政局",
        starts_at=local(2026, 5, 5, 9),
        ends_at=local(2026, 5, 5, 11),
        actor=cao_editor,
        at=local(2026, 5, 1),
    )
    outreach.event_status_set(event=more, status="held", actor=cao_editor, at=local(2026, 5, 5, 10))
    outreach.event_attendance_record(event=more, counts={"public": 12}, actor=cao_editor, at=local(2026, 5, 5, 12))
    with django_assert_num_queries(11):
        board = dashboard.reach_dashboard(user=viewer, year=2026)
    assert board.totals["attendance"] == 87


def test_the_excel_export_has_one_sheet_per_table_with_chinese_headers_and_numbers(
    reach: dict[str, Any], viewer: User
) -> None:
    from openpyxl import load_workbook

    board = dashboard.reach_dashboard(user=viewer, year=2026)
    book = load_workbook(io.BytesIO(dashboard.workbook(board, at=local(2026, 5, 1))))
    assert book.sheetnames == [
        "筛选条件",
        "按月份",
        "按地区",
        "按渠道",
        "按月份、地区和渠道",
        "现场活动",
        "确认率（按地区）",
        "确认率（按企业规模）",
        "确认率（按地区和规模）",
    ]
    months = book["按月份"]
    header = [c.value for c in months[1]]
    assert header[:3] == ["月份", "发布条数", "阅读"]
    march = [c.value for c in months[4]]
    assert march == ["2026-03", 2, 150, 12, 6, 3, 300, 160, 1, 50, 2]
    assert [c.value for c in months[14]] == ["合计", 4, 180, 12, 6, 5, 300, 190, 2, 75, 4]
    regions = {row[0]: row[1:] for row in book["按地区"].iter_rows(min_row=2, values_only=True)}
    assert regions["曹县"] == (2, 30, 0, 0, 2, 100, 40, 1, 25, 2)
    rates = list(book["确认率（按地区）"].iter_rows(min_row=2, values_only=True))
    assert rates[0][:3] == ("菏泽市", 3, 2)
    assert rates[0][3] == pytest.approx(0.6667)
    assert rates[-1][:3] == ("全部", 7, 3)
    assert book["确认率（按地区）"]["D2"].number_format == "0.0%"
    assert isinstance(book["按渠道"]["B2"].value, int)


def test_the_dashboard_page_shows_tables_and_chart_data_and_exports(reach: dict[str, Any], viewer: User) -> None:
    client = Client()
    client.force_login(viewer)
    page = client.get("/office/publicity/dashboard/?year=2026")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="total-reads">180<' in html
    assert 'id="chart-month" type="application/json"' in html
    assert "vendor/chart.umd.min.js" in html
    assert "zc/charts.js" in html
    assert page.context["charts"]["ack"]["datasets"][0]["data"] == [pytest.approx(66.67), pytest.approx(33.33), 0.0]
    export = client.get("/office/publicity/dashboard.xlsx?year=2026&region=" + str(reach["cao"].pk))
    assert export.status_code == 200
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    assert client.get("/office/publicity/dashboard/?year=1900").status_code == 400


def test_the_dashboard_refuses_a_region_outside_the_readers_scope(reach: dict[str, Any], cao_editor: User) -> None:
    client = Client()
    client.force_login(cao_editor)
    response = client.get(f"/office/publicity/dashboard/?region={reach['city'].pk}")
    assert response.status_code == 400
    assert response.context["board"].regions == [reach["cao"]]
