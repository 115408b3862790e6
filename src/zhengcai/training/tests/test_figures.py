"""Training figures and coverage, hand-computed on a small fixture; scope, query counts, Excel, API, page.

The fixture (year 2026, Asia/Shanghai):

    organization (region, kind)         person   completed (local time)         counted in 2026?
    曹县单位A  (cao, budget unit)        p1       03-10                          yes
                                        p2       03-10 and 04-10 (two sessions) yes, twice
    曹县单位B  (cao, budget unit)        p3       registered, never completed    no
    曹县单位C  (cao, budget unit)        p4       01-01 00:30 (12-31 16:30 UTC)  yes (January)
    曹县单位D  (cao, budget unit, SUSPENDED) p10  03-12                          yes (not in coverage)
    曹县代理   (cao, agency)             p7 = p1's phone  02-01 01:00         yes (same person as p1)
    单县单位E  (shan, budget unit)       p5       2025-12-31 23:30               no (2025)
    单县单位F  (shan, budget unit)       p6       06-01, registration cancelled  no
    菏泽市教育局 (city, budget unit)      p8       05-20                          yes
    菏泽市代理 + 交易中心 (city, agencies) —                                       —
    供应商     (city, supplier)          p9       05-21                          yes (not reported)

    attendances 8; people 6 (p1 = p7); purchasers and agencies' people 5.
    coverage: city purchasers 1/1, agencies 0/2; cao purchasers 2/3 (A, C), agencies 1/1;
              shan purchasers 0/2, agencies 0/0; all purchasers 3/6, agencies 1/3.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from conftest import AT, make_code, make_user
from zhengcai.core.permissions import Role
from zhengcai.organizations.models import OrganizationKind
from zhengcai.organizations.services import organization_create
from zhengcai.training.figures import training_figures

from .url_samples_assessment import make_course, make_participant, make_registration, make_session

UTC = dt.UTC


def local(year: int, month: int, day: int, hour: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime(year, month, day, hour))


@pytest.fixture
def viewer(heze: dict[str, Any]) -> Any:
    return make_user(Role.BUREAU_LEADER, heze["city_bureau"], username="city_leader")


@pytest.fixture
def cao_viewer(heze: dict[str, Any]) -> Any:
    return make_user(Role.BUREAU_REVIEWER, heze["cao_dept"], username="cao_reviewer_figures")


@pytest.fixture
def world(heze: dict[str, Any]) -> dict[str, Any]:
    def org(kind: OrganizationKind, name: str, region: str, **extra: Any) -> Any:
        return organization_create(kind=kind, name=name, region=heze[region], actor="test", at=AT, **extra)

    w: dict[str, Any] = dict(heze)
    for key, name in (("A", "曹县单位A"), ("B", "曹县单位B"), ("C", "曹县单位C")):
        w[key] = org(OrganizationKind.BUDGET_UNIT, name, "cao")
    w["D"] = org(OrganizationKind.BUDGET_UNIT, "曹县单位D", "cao", status="suspended")
    w["cao_agency"] = org(OrganizationKind.AGENCY, "曹县招标代理有限公司", "cao", credit_code=make_code("371721"))
    w["E"] = org(OrganizationKind.BUDGET_UNIT, "单县单位E", "shan")
    w["F"] = org(OrganizationKind.BUDGET_UNIT, "单县单位F", "shan")
    w["centre"] = org(OrganizationKind.TRADING_CENTRE, "菏泽市公共资源交易中心", "city")
    trainer = make_user(Role.BUREAU_REVIEWER, heze["city_dept"], username="figures_trainer")
    course = make_course(organizer=heze["city_bureau"], actor=trainer)
    sessions = [make_session(course, starts_at=local(2026, 1, 5, 9)) for _ in range(3)]
    w["course"], w["sessions"] = course, sessions

    def done(organization: Any, completed: dt.datetime | None, *, phone: str, session: int = 0, **kw: Any) -> Any:
        person = make_participant(organization, phone=phone)
        return make_registration(sessions[session], person, completed_at=completed, **kw)

    done(w["A"], local(2026, 3, 10, 9), phone="13900000001")
    p2 = make_participant(w["A"], phone="13900000002")
    make_registration(sessions[0], p2, completed_at=local(2026, 3, 10, 9))
    make_registration(sessions[1], p2, completed_at=local(2026, 4, 10, 9))
    done(w["B"], None, phone="13900000003")
    done(w["C"], dt.datetime(2025, 12, 31, 16, 30, tzinfo=UTC), phone="13900000004")
    done(w["D"], local(2026, 3, 12, 9), phone="13900000010")
    done(w["cao_agency"], dt.datetime(2026, 1, 31, 17, 0, tzinfo=UTC), phone="13900000001")
    done(w["E"], dt.datetime(2025, 12, 31, 15, 30, tzinfo=UTC), phone="13900000005")
    done(w["F"], local(2026, 6, 1, 9), phone="13900000006", status="cancelled")
    done(heze["budget_unit"], local(2026, 5, 20, 9), phone="13900000008")
    done(heze["supplier"], local(2026, 5, 21, 9), phone="13900000009")
    w["done"] = done
    return w


def _rates(row: Any) -> tuple[tuple[int, int], tuple[int, int]]:
    return (row.purchasers.covered, row.purchasers.total), (row.agencies.covered, row.agencies.total)


def test_headline_counts_distinct_people_trained_this_year_from_completions(world: Any, viewer: Any) -> None:
    figures = training_figures(user=viewer, year=2026)
    assert figures.attendances == 8
    assert figures.people == 6  # p1 and p7 are one person (one mobile number) in two organizations
    assert figures.people_purchasers_agencies == 5  # the supplier's staff member is not in the reported figure


def test_figures_by_region_kind_and_month_in_shanghai_time(world: Any, viewer: Any) -> None:
    figures = training_figures(user=viewer, year=2026)
    by_region = {row.key: (row.participants, row.attendances) for row in figures.by_region}
    assert by_region == {world["city"].pk: (2, 2), world["cao"].pk: (4, 6), world["shan"].pk: (0, 0)}
    assert [row.label for row in figures.by_region] == ["菏泽市（市直）", "曹县", "单县"]
    by_kind = {row.key: (row.participants, row.attendances) for row in figures.by_kind}
    assert by_kind == {"budget_unit": (5, 6), "agency": (1, 1), "trading_centre": (0, 0), "supplier": (1, 1)}
    by_month = [(row.participants, row.attendances) for row in figures.by_month]
    assert by_month == [(1, 1), (1, 1), (3, 3), (1, 1), (2, 2), *[(0, 0)] * 7]
    assert training_figures(user=viewer, year=2025).attendances == 1  # E: 2025-12-31 23:30 in Heze


def test_coverage_is_the_share_of_active_purchasers_and_agencies_with_a_completion(world: Any, viewer: Any) -> None:
    figures = training_figures(user=viewer, year=2026)
    rows = {row.key: _rates(row) for row in figures.coverage}
    assert rows == {
        world["city"].pk: ((1, 1), (0, 2)),
        world["cao"].pk: ((2, 3), (1, 1)),
        world["shan"].pk: ((0, 2), (0, 0)),
    }
    cao = next(row for row in figures.coverage if row.key == world["cao"].pk)
    assert cao.purchasers.rate == Decimal("0.6667")
    assert cao.purchasers.percent == "66.7%"
    shan = next(row for row in figures.coverage if row.key == world["shan"].pk)
    assert shan.agencies.rate is None
    assert shan.agencies.percent == "—"
    assert _rates(figures.coverage_total) == ((3, 6), (1, 3))
    assert figures.coverage_total.purchasers.percent == "50.0%"
    assert figures.coverage_total.agencies.percent == "33.3%"


def test_coverage_of_a_county_changes_when_one_of_its_purchasers_staff_completes(world: Any, viewer: Any) -> None:
    world["done"](world["E"], local(2026, 7, 1, 9), phone="13900000055", session=2)
    figures = training_figures(user=viewer, year=2026)
    shan = next(row for row in figures.coverage if row.key == world["shan"].pk)
    assert _rates(shan) == ((1, 2), (0, 0))
    assert figures.people == 7


def test_a_county_bureau_sees_its_county_only(world: Any, cao_viewer: Any) -> None:
    figures = training_figures(user=cao_viewer, year=2026)
    assert [r.key for r in figures.by_region] == [world["cao"].pk]
    assert (figures.people, figures.attendances) == (4, 6)
    assert [r.key for r in figures.coverage] == [world["cao"].pk]
    assert _rates(figures.coverage_total) == ((2, 3), (1, 1))


def test_one_region_can_be_chosen_within_the_scope(world: Any, viewer: Any) -> None:
    figures = training_figures(user=viewer, year=2026, region=world["city"])
    assert (figures.people, figures.attendances) == (2, 2)
    assert _rates(figures.coverage_total) == ((1, 1), (0, 2))


def test_figures_take_a_fixed_number_of_queries_whatever_the_data(world: Any, viewer: Any) -> None:
    def count() -> int:
        viewer._zc_memberships = None  # the membership cache is per request
        with CaptureQueriesContext(connection) as ctx:
            training_figures(user=viewer, year=2026)
        return len(ctx.captured_queries)

    before = count()
    for n in range(20):
        world["done"](world["B"], local(2026, 1 + n % 12, 3, 9), phone=f"1380000{n:04d}", session=n % 3)
    assert count() == before
    assert before <= 7  # memberships, regions, totals, region, kind, month, coverage


def test_the_excel_export_has_the_tables_as_numbers(world: Any, viewer: Any) -> None:
    client = Client()
    client.force_login(viewer)
    response = client.get("/office/training/figures/xlsx", {"year": "2026"})
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="training-figures-2026.xlsx"'
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["汇总", "按地区", "按单位类型", "按月份", "覆盖率"]
    summary = {row[0]: row[1] for row in book["汇总"].iter_rows(values_only=True)}
    assert summary["本年度培训人数"] == 6
    assert summary["其中采购人和代理机构人员"] == 5
    coverage = list(book["覆盖率"].iter_rows(values_only=True))
    assert coverage[0][:4] == ("地区", "在册采购人", "已覆盖采购人", "采购人覆盖率")
    cao = next(row for row in coverage if row[0] == "曹县")
    assert cao[1:4] == (3, 2, pytest.approx(0.6667))
    assert book["覆盖率"].cell(row=2, column=4).number_format == "0.0%"


def test_the_api_returns_the_figures_in_scope(world: Any, viewer: Any, cao_viewer: Any) -> None:
    client = Client()
    client.force_login(viewer)
    body = client.get("/api/v1/training/figures", {"year": 2026}).json()
    assert (body["people_trained"], body["people_trained_purchasers_agencies"], body["attendances"]) == (6, 5, 8)
    cao = next(row for row in body["coverage"] if row["region_id"] == world["cao"].pk)
    assert cao["purchasers"] == {"total": 3, "covered": 2, "rate": "0.6667"}
    assert body["coverage_total"]["agencies"] == {"total": 3, "covered": 1, "rate": "0.3333"}
    assert body["by_month"][0] == {"key": 1, "label": "2026-01", "participants": 1, "attendances": 1}
    county = Client()
    county.force_login(cao_viewer)
    assert county.get("/api/v1/training/figures", {"year": 2026, "region_id": world["shan"].pk}).status_code == 404
    bad = client.get("/api/v1/training/figures", {"year": 1999})
    assert bad.status_code == 400
    assert bad.json()["field"] == "year"


def test_the_page_shows_the_headline_coverage_and_tables(world: Any, viewer: Any) -> None:
    client = Client()
    client.force_login(viewer)
    response = client.get("/office/training/figures/", {"year": "2026"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<strong data-testid="people">6</strong>' in html
    assert '<strong data-testid="coverage-purchasers">50.0%</strong>' in html
    assert "66.7%" in html
    assert 'id="chart-coverage"' in html
    assert client.get("/office/training/figures/", {"year": "20x6"}).status_code == 400


def test_people_without_the_view_permission_get_no_figures(world: Any, heze: dict[str, Any]) -> None:
    client = Client()
    client.force_login(make_user(Role.AGENCY_STAFF, heze["agency"], username="agency_staff_figures"))
    assert client.get("/office/training/figures/").status_code == 403
    assert client.get("/api/v1/training/figures").status_code == 403
