"""The business-environment evaluation, in Chromium.

The mayor opens the city overview and sees the county ranking; opens 曹县's "days to pay SMEs" and finds the
contract behind it; 曹县's purchaser records a late payment in the procurement module; the bureau recomputes
2026 (a background job, run here by the worker's pass) and the mayor sees the figure move, with both contracts
behind it now; a single-bid tender in 单县 carries a red flag that says why; the bureau generates the period
report, whose PDF pages are rendered to PNG and read back for their Chinese text.
"""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from conftest import PASSWORD, make_code, make_user
from zhengcai.accounts.models import User
from zhengcai.core import calendar
from zhengcai.core.permissions import Role
from zhengcai.demo.evaluation_flags_seed import TenderPlan, at_local, tender_round
from zhengcai.evaluation import jobs
from zhengcai.evaluation.models import ComputeJob, JobKind, JobStatus
from zhengcai.organizations.models import EnterpriseSize, OrganizationKind
from zhengcai.organizations.services import organization_create
from zhengcai.procurement import lifecycle
from zhengcai.procurement.models import Contract, Method

from .conftest import login, logout, screenshot, zh

SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"


@pytest.fixture(autouse=True)
def _fresh_calendar() -> None:
    calendar.clear_cache()


@pytest.fixture
def world(heze: dict[str, Any], role_users: dict[Role, User]) -> dict[str, Any]:
    """Two counties' purchasers, three SME contracts (two paid off), one tender that drew a single bid."""
    made = at_local(dt.date(2026, 1, 5))
    units = {
        key: organization_create(kind=OrganizationKind.BUDGET_UNIT, name=name, region=heze[key], actor="t", at=made)
        for key, name in (("cao", "曹县教育和体育局"), ("shan", "单县卫生健康局"))
    }
    buyers = {key: make_user(Role.PURCHASER_STAFF, unit, username=f"buyer_{key}") for key, unit in units.items()}
    suppliers = []
    for i, size in enumerate((EnterpriseSize.SMALL, EnterpriseSize.MICRO, EnterpriseSize.MEDIUM)):
        org = organization_create(
            kind=OrganizationKind.SUPPLIER,
            name=f"菏泽评价演示供应商{i}有限公司",
            region=heze["city"],
            credit_code=make_code(),
            size=size,
            actor="t",
            at=made,
        )
        suppliers.append((org, make_user(Role.SUPPLIER_STAFF, org)))

    def contract(key: str, title: str, start: dt.date) -> Contract:
        prices = [80_0000_00, 85_0000_00, 90_0000_00]  # the small enterprise wins: an SME contract
        plan = TenderPlan(
            title=title,
            purchaser=units[key],
            actor=buyers[key],
            bids=[(o, u, p) for (o, u), p in zip(suppliers, prices, strict=True)],
            start=start,
            contract=True,
        )
        made_round = tender_round(plan)
        assert made_round.contract is not None
        return made_round.contract

    def accept(key: str, c: Contract, on: dt.date) -> Contract:
        return lifecycle.acceptance_record(
            contract=c, passed=True, accepted_on=on, note="验收合格", actor=buyers[key], at=at_local(on, 16)
        )

    def pay_off(key: str, c: Contract, on: dt.date) -> None:
        lifecycle.payment_record(
            contract=c, amount_fen=c.amount_fen, paid_on=on, is_advance=False, actor=buyers[key], at=at_local(on, 17)
        )

    # 曹县: one contract paid 10 days after acceptance; one accepted on 1 June and not yet paid.
    paid = accept("cao", contract("cao", "曹县学校课桌椅采购", dt.date(2026, 2, 2)), dt.date(2026, 4, 10))
    pay_off("cao", paid, dt.date(2026, 4, 20))
    unpaid = accept("cao", contract("cao", "曹县学校图书采购", dt.date(2026, 3, 2)), dt.date(2026, 6, 1))
    # 单县: one contract paid 15 days after acceptance.
    shan = accept("shan", contract("shan", "单县卫生院办公设备采购", dt.date(2026, 2, 16)), dt.date(2026, 5, 4))
    pay_off("shan", shan, dt.date(2026, 5, 19))
    # 单县: an open tender that drew one bid (it fails at the opening: M-MIN-BIDDERS) — a red flag.
    single = tender_round(
        TenderPlan(
            title="单县医疗设备采购",
            purchaser=units["shan"],
            actor=buyers["shan"],
            bids=[(suppliers[0][0], suppliers[0][1], 50_0000_00)],
            start=dt.date(2026, 5, 4),
            method=Method.OPEN_TENDER,
            award=False,
        )
    )
    admin = role_users[Role.BUREAU_ADMIN]
    # The figures of 2026 and the red-flag scan, as the bureau's nightly jobs would have left them.
    for kind, params in ((JobKind.SNAPSHOT, {"year": 2026}), (JobKind.RED_FLAGS, {})):
        jobs.job_request(kind=kind, params=params, actor=admin, at=at_local(dt.date(2026, 11, 25), 2))
    assert {j.status for j in jobs.job_run_pending()} == {JobStatus.DONE}
    return {
        **heze,
        "buyers": buyers,
        "unpaid": unpaid,
        "paid": paid,
        "single": single.project,
        "admin": admin,
        "mayor": role_users[Role.GOVERNMENT_LEADER],
    }


def _work_off_the_queue(page: Page) -> None:
    """The worker's pass (``db_worker`` in the demo), then the job page shows the job done."""
    jobs.job_run_pending()
    page.reload()
    expect(page.get_by_test_id("job-status")).to_have_text(zh("Done"))


def test_mayor_ranking_drill_down_late_payment_red_flag_and_report(
    page: Page, live_server: LiveServer, world: dict[str, Any], tmp_path: Path
) -> None:
    mayor, admin, cao_buyer = world["mayor"], world["admin"], world["buyers"]["cao"]

    # The mayor's view: the county ranking of 2026.
    login(page, live_server, mayor.username, PASSWORD)
    page.get_by_test_id("home-evaluation-overview").click()
    page.goto(f"{live_server.url}/office/evaluation/?period=2026")
    ranking = page.get_by_test_id("table-ranking")
    expect(ranking.get_by_test_id("rank-371721")).to_contain_text("曹县")
    expect(ranking.get_by_test_id("rank-371722")).to_contain_text("单县")
    screenshot(page, "evaluation-1-mayor-county-ranking")

    # 曹县's "days to pay SMEs": 10 days (one contract, P-SME-30D), and the contract behind it.
    ranking.get_by_test_id("rank-371721").get_by_role("link", name="曹县").click()
    figure = page.get_by_test_id("indicator-days_to_pay_sme").get_by_test_id("figure-days_to_pay_sme")
    expect(figure).to_contain_text("10.0")
    figure.click()
    records = page.get_by_test_id("records")
    expect(records).to_contain_text(world["paid"].project.number)
    expect(records).not_to_contain_text(world["unpaid"].project.number)
    expect(page.get_by_test_id("matches")).to_be_visible()
    screenshot(page, "evaluation-2-cao-days-to-pay-sme-records")
    logout(page, live_server)

    # 曹县's purchaser pays the second contract on 20 August: 80 days after its acceptance on 1 June — late.
    login(page, live_server, cao_buyer.username, PASSWORD)
    unpaid = world["unpaid"]
    page.goto(f"{live_server.url}/office/projects/{unpaid.project.number}/")
    page.locator("#id_amount_yuan").fill(str(unpaid.amount_fen // 100))
    page.locator("#id_paid_on").fill("2026-08-20")
    page.get_by_role("button", name=zh("Record the payment")).click()
    expect(page.locator("main")).to_contain_text(zh("Payment recorded."))
    logout(page, live_server)

    # The bureau recomputes 2026 and scans for red flags again; the jobs show their progress, then done.
    login(page, live_server, admin.username, PASSWORD)
    page.goto(f"{live_server.url}/office/evaluation/periods/")
    page.locator("#recompute-period").fill("2026")
    page.get_by_test_id("recompute").click()
    expect(page.get_by_test_id("job-status")).to_have_text(zh("Queued"))
    _work_off_the_queue(page)
    screenshot(page, "evaluation-3-recompute-job-done")
    logout(page, live_server)

    # The mayor sees 曹县's figure move: (10 + 80) ÷ 2 = 45 days, with both contracts behind it.
    login(page, live_server, mayor.username, PASSWORD)
    page.goto(f"{live_server.url}/office/evaluation/regions/371721/?period=2026")
    figure = page.get_by_test_id("indicator-days_to_pay_sme").get_by_test_id("figure-days_to_pay_sme")
    expect(figure).to_contain_text("45.0")
    figure.click()
    records = page.get_by_test_id("records")
    expect(records).to_contain_text(world["paid"].project.number)
    expect(records).to_contain_text(unpaid.project.number)
    expect(page.get_by_test_id("matches")).to_be_visible()
    screenshot(page, "evaluation-4-cao-figure-moved")

    # The single-bid tender in 单县 carries a red flag, and the flag says why.
    page.goto(f"{live_server.url}/office/evaluation/flags/?code=single_bid")
    row = page.get_by_test_id("flag-single_bid").filter(has_text=world["single"].number)
    row.get_by_role("link").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(zh("Single bid in a competitive method"))
    expect(page.locator("main")).to_contain_text("仅收到 1 份投标，未形成有效竞争")  # the explanation, in words
    screenshot(page, "evaluation-5-single-bid-red-flag")
    logout(page, live_server)

    # The period report: generated in the background, its PDF read back page by page.
    login(page, live_server, admin.username, PASSWORD)
    page.goto(f"{live_server.url}/office/evaluation/?period=2026")
    page.get_by_test_id("overview-report-new").get_by_role("button").click()
    _work_off_the_queue(page)
    job = ComputeJob.objects.filter(kind=JobKind.REPORT).latest("created_at")
    page.goto(f"{live_server.url}/office/evaluation/reports/")
    href = page.get_by_test_id("table-reports").get_by_test_id("pdf").first.get_attribute("href")
    response = page.request.get(f"{live_server.url}{href}")  # the signed-in browser's own session
    assert response.ok
    assert response.headers["content-type"] == "application/pdf"
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(response.body())
    assert pdf.read_bytes().startswith(b"%PDF")
    pdftotext = ["/usr/bin/pdftotext", str(pdf), "-"]
    text = subprocess.run(pdftotext, capture_output=True, check=True).stdout.decode()  # noqa: S603
    for words in ("营商环境评价报告", "曹县", "单县", "向中小企业付款天数"):
        assert words in text, words
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    png = SCREENSHOTS / "evaluation-6-report-page"
    pdftoppm = ["/usr/bin/pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "3", str(pdf), str(png)]
    subprocess.run(pdftoppm, check=True)  # noqa: S603
    assert sorted(p.name for p in SCREENSHOTS.glob("evaluation-6-report-page-*.png"))
    assert job.status == JobStatus.DONE
