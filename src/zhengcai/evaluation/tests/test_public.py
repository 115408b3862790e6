"""The public transparency page (/evaluation/) and its JSON (GET /api/v1/evaluation/public): headline indicators per
region for the latest closed (else latest) year or quarter, aggregate figures only."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from conftest import make_user
from zhengcai.core.permissions import Role
from zhengcai.evaluation.tests.url_samples_dashboards import make_period, make_snapshot, seed_2026

pytestmark = pytest.mark.django_db


def test_public_page_shows_headline_indicators_per_county_without_drill_downs(heze: dict[str, Any]) -> None:
    seed_2026(heze)
    response = Client().get("/evaluation/")
    assert response.status_code == 200
    html = response.content.decode()
    assert response.context["period"].label == "2026"
    cao = html[html.index('data-testid="public-371721"') :]
    assert "15.0" in cao[: cao.index("</tr>")]  # 曹县's days to pay SMEs
    assert "≤30.0" in html  # the target, with its direction
    assert "向中小企业付款天数" in html or "Days to pay SMEs" in html or "days" in html.lower()
    assert 'data-testid="as-of"' in html
    assert "/office/evaluation/indicators/" not in html  # no drill-down records
    assert "/office/evaluation/flags" not in html  # no red flags


def test_public_default_is_the_latest_closed_year_or_quarter(heze: dict[str, Any]) -> None:
    seed_2026(heze, closed=False)  # 2026 still open
    make_snapshot(make_period("2026-Q1", closed=True), {("days_to_pay_sme", heze["cao"]): Decimal("11.0")})
    response = Client().get("/evaluation/")
    assert response.context["period"].label == "2026-Q1"
    assert Client().get("/evaluation/?period=2026").context["period"].label == "2026"
    assert Client().get("/evaluation/?period=2026-02").status_code == 404  # months are not published


def test_public_api_returns_the_same_figures_with_definitions_and_targets(heze: dict[str, Any]) -> None:
    seed_2026(heze)
    body = Client().get("/api/v1/evaluation/public?period=2026").json()
    assert body["period"]["label"] == "2026"
    assert body["period"]["closed"] is True
    assert body["period"]["as_of"]
    codes = [i["code"] for i in body["indicators"]]
    assert codes[0] == "days_to_pay_sme"
    pay = body["indicators"][0]
    assert pay["target"] == "30"
    assert pay["direction"] == "lower"
    assert pay["definition_zh"]
    regions = {r["code"]: r for r in body["regions"]}
    assert regions["371721"]["values"]["days_to_pay_sme"] == "15.00"
    assert regions["371722"]["values"]["bidders_per_tender"] is None
    assert regions["371700"]["values"]["financing_raised"] == "260000000.00"
    assert "flags" not in body


def test_public_api_names_an_unknown_period(heze: dict[str, Any]) -> None:
    seed_2026(heze)
    response = Client().get("/api/v1/evaluation/public?period=2030")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "evaluation.report.period"
    assert body["field"] == "period"
    assert "2030" in body["message_en"]
    assert "2030" in body["message_zh"]


def test_public_api_without_figures_answers_empty(heze: dict[str, Any]) -> None:
    body = Client().get("/api/v1/evaluation/public").json()
    assert body["period"] is None
    assert body["regions"] == []


def test_ranking_api_for_city_viewers(heze: dict[str, Any]) -> None:
    seed_2026(heze)
    mayor = make_user(Role.GOVERNMENT_LEADER, heze["city_government"], username="mayor_api")
    client = Client()
    client.force_login(mayor)
    body = client.get("/api/v1/evaluation/ranking?period=2026").json()
    assert [(p["rank"], p["region"], p["score"]) for p in body["places"]] == [
        (1, "371721", "66.7"),
        (2, "371722", "60.0"),
    ]
    assert body["places"][1]["indicators"]["sme_award_share"] == {"value": "70.00", "rank": 2, "score": "0.0"}
    county = make_user(Role.BUREAU_REVIEWER, heze["cao_dept"], username="cao_api")
    client.force_login(county)
    assert client.get("/api/v1/evaluation/ranking").status_code == 404
