"""The city overview, a county's page, their Excel exports, scope and query counts.

Input: stored snapshot values with known numbers (url_samples_dashboards.FIGURES_2026):
                        city    曹县    单县
    days_to_pay_sme     20.0    15.0    25.0   lower is better, target ≤ 30
    sme_award_share     80.00   90.00   70.00  higher is better, target ≥ 75
    days_result_to_..   35.0    35.0    35.0   tie, target ≤ 30 (not met)
    bidders_per_tender  4.50    6.00    —
    bid_security_exe..  60.00   50.00   70.00
    financing_raised    2.6亿分  1亿分   1.6亿分 (fen)
Ranking by hand: 曹县 scores 100, 100, 100, 100, 0, 0 → 400 ÷ 6 = 66.7 on 6 indicators; 单县 0, 0, 100, 100, 100
→ 300 ÷ 5 = 60.0 on 5 (every other catalogue indicator has no value: skipped). 曹县 ranks 1st, 单县 2nd.
"""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from conftest import AT, make_user
from zhengcai.core.permissions import Role
from zhengcai.evaluation import dashboard_selectors as ds
from zhengcai.evaluation.tests.url_samples_dashboards import make_period, make_snapshot, seed_2026
from zhengcai.organizations.services import region_ensure

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def mayor(heze: dict[str, Any]) -> Any:
    return make_user(Role.GOVERNMENT_LEADER, heze["city_government"], username="mayor")


def test_board_ranks_the_counties_with_the_hand_computed_scores(heze: dict[str, Any]) -> None:
    seed_2026(heze)
    periods = ds.periods_with_snapshots()
    board = ds.board(period=ds.period_default(periods), periods=periods)
    assert board.period is not None
    assert board.period.label == "2026"
    assert [(p.region.name, p.rank, p.score, p.scored, p.skipped) for p in board.places] == [
        ("曹县", 1, Decimal("66.7"), 6, len(ds.CODES) - 6),
        ("单县", 2, Decimal("60.0"), 5, len(ds.CODES) - 5),
    ]
    headline = {f.code: f for f in board.city_headline()}
    assert headline["days_to_pay_sme"].met is True  # 20 ≤ 30
    assert headline["days_result_to_contract"].met is False  # 35 > 30
    assert headline["financing_raised"].shown == "260.00"  # 万元
    assert headline["sme_award_share"].shown == "80.0%"


def test_overview_shows_headline_ranking_trend_and_links_every_figure_to_its_drill_down(
    heze: dict[str, Any], mayor: Any
) -> None:
    seed_2026(heze)
    response = _client(mayor).get("/office/evaluation/?indicator=days_to_pay_sme")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="table-ranking"' in html
    assert 'data-testid="table-trend"' in html
    ranking = html[html.index('data-testid="table-ranking"') :]
    assert ranking.index("曹县") < ranking.index("单县")
    assert "66.7" in ranking
    assert "60.0" in ranking
    # the trend: the city and the top county, month by month
    trend = response.context["trend"]
    assert [d["label"] for d in trend["datasets"]] == ["菏泽市", "曹县"]
    assert trend["datasets"][0]["data"][:4] == [22.0, 21.0, 19.5, None]
    assert trend["datasets"][1]["data"][:3] == [18.0, 16.0, 12.5]
    # figures link to the drill-down page agreed with the indicators area, when it is published
    cell = response.context["places"][0]["cells"][0]
    from zhengcai.evaluation.views_dashboards import drill_url

    assert cell["url"] == drill_url("days_to_pay_sme", "371721", "2026")
    if cell["url"]:
        assert cell["url"] == "/office/evaluation/indicators/days_to_pay_sme/371721/2026/"
        assert cell["url"] in html


def test_overview_picks_a_period_and_a_county_and_refuses_unknown_ones(heze: dict[str, Any], mayor: Any) -> None:
    seed_2026(heze)
    client = _client(mayor)
    month = client.get("/office/evaluation/?period=2026-02&county=371722")
    assert month.status_code == 200
    assert month.context["board"].period.label == "2026-02"
    assert month.context["trend_county"].code == "371722"
    assert client.get("/office/evaluation/?period=1999").status_code == 404
    assert client.get("/office/evaluation/?indicator=nope").status_code == 404
    assert client.get("/office/evaluation/?county=999999").status_code == 404


def test_overview_without_figures_says_so(heze: dict[str, Any], mayor: Any) -> None:
    response = _client(mayor).get("/office/evaluation/")
    assert response.status_code == 200
    assert 'data-testid="no-figures"' in response.content.decode()


def test_overview_excel_has_one_sheet_per_table(heze: dict[str, Any], mayor: Any) -> None:
    from openpyxl import load_workbook

    seed_2026(heze)
    response = _client(mayor).get("/office/evaluation/overview.xlsx?period=2026&indicator=days_to_pay_sme")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert len(book.sheetnames) == 4
    ranking = list(book.worksheets[1].iter_rows(values_only=True))
    assert ranking[1][:5] == (1, "曹县", 66.7, 6, len(ds.CODES) - 6)
    assert ranking[2][:5] == (2, "单县", 60.0, 5, len(ds.CODES) - 5)
    trend = list(book.worksheets[3].iter_rows(values_only=True))
    assert trend[1] == ("2026-01", 22.0, 18.0)


def test_county_page_lists_all_indicators_with_target_met_and_rank(heze: dict[str, Any], mayor: Any) -> None:
    seed_2026(heze)
    response = _client(mayor).get("/office/evaluation/regions/371722/?period=2026")
    assert response.status_code == 200
    rows = {r["figure"].code: r for r in response.context["rows"]}
    assert len(rows) == len(ds.CODES)
    assert rows["sme_award_share"]["figure"].rank == 2  # 70 < 90
    assert rows["sme_award_share"]["figure"].met is False  # 70 < 75
    assert rows["days_result_to_contract"]["figure"].rank == 1  # tie
    assert rows["bidders_per_tender"]["figure"].value is None
    assert rows["days_to_pay_sme"]["months"][:3] == ["26.0", "—", "24.0"]
    assert rows["days_to_pay_sme"]["spark"]  # a sparkline from two or more months
    assert response.context["place"].rank == 2
    html = response.content.decode()
    assert 'data-testid="overall-rank">2/2' in html


def test_county_page_excel(heze: dict[str, Any], mayor: Any) -> None:
    from openpyxl import load_workbook

    seed_2026(heze)
    response = _client(mayor).get("/office/evaluation/regions/371721/export.xlsx?period=2026")
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert len(rows) == 1 + len(ds.CODES)
    pay = next(r for r in rows if r[2] == 15.0)
    assert pay[5] == 1
    assert pay[6:9] == ("18.0", "16.0", "12.5")


def test_a_county_viewer_is_sent_to_their_county_and_sees_no_other(heze: dict[str, Any]) -> None:
    seed_2026(heze)
    reviewer = make_user(Role.BUREAU_REVIEWER, heze["cao_dept"], username="cao_eval_reviewer")
    client = _client(reviewer)
    response = client.get("/office/evaluation/")
    assert response.status_code == 302
    assert response["Location"] == "/office/evaluation/regions/371721/"
    assert client.get("/office/evaluation/regions/371721/").status_code == 200
    assert client.get("/office/evaluation/regions/371722/").status_code == 404
    assert client.get("/office/evaluation/regions/371700/").status_code == 404
    assert client.get("/office/evaluation/overview.xlsx").status_code == 404
    assert client.get("/office/evaluation/reports/").status_code == 404


def test_roles_without_evaluation_view_are_refused(heze: dict[str, Any]) -> None:
    supplier = make_user(Role.SUPPLIER_STAFF, heze["supplier"])
    assert _client(supplier).get("/office/evaluation/").status_code == 403
    assert Client().get("/office/evaluation/").status_code == 302


def _more_counties(heze: dict[str, Any], n: int) -> list[Any]:
    regions = []
    for i in range(n):
        regions.append(
            region_ensure(
                code=f"3717{80 + i}", name=f"测试县{i}", name_en=f"Test {i}", level="county",
                parent=heze["city"], sort=10 + i, actor="test", at=AT,
            )
        )  # fmt: skip
    return regions


def _seed_wide(heze: dict[str, Any], regions: list[Any]) -> None:
    values = {(c, r): Decimal(10 + i) for i, r in enumerate(regions) for c in ds.CODES}
    make_snapshot(make_period("2026", closed=True), values)
    for m in range(1, 13):
        make_snapshot(
            make_period(f"2026-{m:02d}", closed=True), {(c, r): Decimal(m) for r in regions for c in ds.CODES}
        )


@pytest.mark.parametrize("extra", [0, 6])
def test_pages_run_in_a_bounded_number_of_queries(
    heze: dict[str, Any], mayor: Any, extra: int, django_assert_max_num_queries: Any
) -> None:
    regions = [heze["city"], heze["cao"], heze["shan"], *_more_counties(heze, extra)]
    _seed_wide(heze, regions)
    client = _client(mayor)
    with django_assert_max_num_queries(16):
        assert client.get("/office/evaluation/?period=2026").status_code == 200
    with django_assert_max_num_queries(16):
        assert client.get("/office/evaluation/regions/371721/?period=2026").status_code == 200


def test_home_panel_links_the_overview(heze: dict[str, Any], mayor: Any) -> None:
    html = _client(mayor).get("/office/").content.decode()
    assert 'data-testid="home-evaluation-overview"' in html
    supplier = make_user(Role.SUPPLIER_STAFF, heze["supplier"])
    assert 'data-testid="home-evaluation"' not in _client(supplier).get("/office/").content.decode()
