"""The period report (营商环境评价报告): requested by the bureau, rendered by the job to PDF and Excel, listed and
downloaded by city-wide viewers. The PDF's Chinese text must be extractable (the bundled CJK font is embedded)."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from conftest import AT, make_user
from zhengcai.core.audit import AuditEvent
from zhengcai.core.errors import ConflictError, ServiceError
from zhengcai.core.permissions import Role
from zhengcai.evaluation import jobs, reports
from zhengcai.evaluation.models import ComputeJob, JobKind, JobStatus
from zhengcai.evaluation.tests.url_samples_dashboards import make_period, seed_2026

pytestmark = pytest.mark.django_db

REPORTS = "/office/evaluation/reports/"


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def admin(heze: dict[str, Any]) -> Any:
    return make_user(Role.BUREAU_ADMIN, heze["city_bureau"], username="eval_admin")


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_report_request_names_the_period_when_it_is_unknown_or_not_computed(heze: dict[str, Any], admin: Any) -> None:
    with pytest.raises(ServiceError) as unknown:
        reports.report_request(period_label="2031", actor=admin, at=AT)
    assert unknown.value.field == "period"
    assert "2031" in unknown.value.message_en
    assert "2031" in unknown.value.message_zh
    make_period("2025")
    with pytest.raises(ServiceError) as empty:
        reports.report_request(period_label="2025", actor=admin, at=AT)
    assert empty.value.code == "evaluation.report.no_snapshot"
    assert not ComputeJob.objects.exists()


def test_the_same_report_is_not_queued_twice(heze: dict[str, Any], admin: Any) -> None:
    seed_2026(heze)
    job = reports.report_request(period_label="2026", actor=admin, at=AT)
    assert job.kind == JobKind.REPORT
    assert job.params == {"period": "2026"}
    assert AuditEvent.objects.filter(action="evaluation.job.request", object_id=str(job.pk)).exists()
    with pytest.raises(ConflictError):
        reports.report_request(period_label="2026", actor=admin, at=AT)


def test_report_job_renders_a_pdf_with_extractable_chinese_and_an_excel_workbook(
    heze: dict[str, Any], admin: Any, media: Path
) -> None:
    from openpyxl import load_workbook

    seed_2026(heze)
    job = jobs.job_run(reports.report_request(period_label="2026", actor=admin, at=AT).pk)
    assert job.status == JobStatus.DONE, job.error
    assert job.progress == 100
    pdf_path = media / str(job.output.name)
    assert pdf_path.read_bytes().startswith(b"%PDF")
    text = subprocess.run(  # noqa: S603 - poppler on our own PDF
        ["/usr/bin/pdftotext", "-layout", str(pdf_path), "-"], capture_output=True, check=True
    ).stdout
    text_zh = text.decode()
    for words in (
        "营商环境评价报告",
        "曹县",
        "单县",
        "菏泽市",
        "区县排名",
        "向中小企业付款天数",
        "廉政风险预警汇总",
        "第 2 页",
    ):
        assert words in text_zh, words
    assert "66.7" in text_zh  # 曹县's overall score
    # the workbook
    book = load_workbook(io.BytesIO((media / job.result["xlsx"]).read_bytes()))
    assert book.sheetnames == ["核心指标", "区县排名", "指标×地区", "廉政风险", "业务模块"]
    ranking = list(book["区县排名"].iter_rows(values_only=True))
    assert ranking[1][:3] == (1, "曹县", 66.7)
    headline = {row[0]: row for row in book["核心指标"].iter_rows(values_only=True)}
    assert headline["向中小企业付款天数"][2:5] == (20.0, 30.0, "达标")
    modules = list(book["业务模块"].iter_rows(values_only=True))
    assert {row[0] for row in modules[1:]} == {"政策宣传", "业务培训", "服务专窗", "保证金改革", "政采贷"}
    assert AuditEvent.objects.filter(action="evaluation.report.render", object_id=str(job.pk)).exists()


def test_report_pages_request_list_and_download(heze: dict[str, Any], admin: Any) -> None:
    seed_2026(heze)
    client = _client(admin)
    page = client.get(REPORTS)
    assert page.status_code == 200
    assert 'data-testid="report-new"' in page.content.decode()
    overview = client.get("/office/evaluation/?period=2026").content.decode()
    assert 'data-testid="overview-report-new"' in overview
    response = client.post(REPORTS + "new/", {"period": "2026"})
    assert response.status_code == 302
    job = ComputeJob.objects.get(kind=JobKind.REPORT)
    # not rendered yet: the download goes to the job's progress (or back to the list)
    assert client.get(f"{REPORTS}{job.pk}/pdf/").status_code == 302
    jobs.job_run_pending(kind=JobKind.REPORT)
    html = client.get(REPORTS).content.decode()
    assert f'data-testid="report-{job.pk}"' in html
    assert 'data-testid="pdf"' in html
    pdf = client.get(f"{REPORTS}{job.pk}/pdf/")
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.getvalue().startswith(b"%PDF")
    xlsx = client.get(f"{REPORTS}{job.pk}/xlsx/")
    assert xlsx.status_code == 200
    assert xlsx["Content-Type"] == reports.XLSX
    assert client.get(f"{REPORTS}{job.pk}/doc/").status_code == 404
    # a bad period is refused with the rule named, and nothing is queued
    refused = client.post(REPORTS + "new/", {"period": "1999"}, follow=True)
    assert "1999" in refused.content.decode()
    assert ComputeJob.objects.filter(kind=JobKind.REPORT).count() == 1


def test_viewers_download_but_only_the_bureau_generates_and_county_viewers_see_none(heze: dict[str, Any]) -> None:
    seed_2026(heze)
    mayor = make_user(Role.GOVERNMENT_LEADER, heze["city_government"], username="mayor_r")
    assert _client(mayor).get(REPORTS).status_code == 200
    assert 'data-testid="report-new"' not in _client(mayor).get(REPORTS).content.decode()
    assert _client(mayor).post(REPORTS + "new/", {"period": "2026"}).status_code == 403
    county = make_user(Role.BUREAU_REVIEWER, heze["cao_dept"], username="cao_r")
    assert _client(county).get(REPORTS).status_code == 404


def test_red_flag_summary_counts_the_period_flags_by_flag_region_and_status(heze: dict[str, Any], admin: Any) -> None:
    import datetime as dt

    from zhengcai.evaluation import dashboard_selectors as ds
    from zhengcai.evaluation.models import RedFlag
    from zhengcai.evaluation.redflags import CODES
    from zhengcai.procurement.tests.url_samples import ensure_procurement

    project = ensure_procurement(dict(heze))["project"]
    common = {"project": project, "purchaser": heze["budget_unit"], "evidence": {}, "params": {}, "detected_at": AT}
    RedFlag.objects.create(code=CODES[0], region=heze["cao"], occurred_on=dt.date(2026, 2, 1), **common)
    RedFlag.objects.create(
        code=CODES[1], region=heze["cao"], occurred_on=dt.date(2026, 3, 1), status="confirmed", **common
    )
    RedFlag.objects.create(code=CODES[2], region=heze["shan"], occurred_on=dt.date(2025, 12, 31), **common)  # before
    summary = ds.red_flag_summary(period=make_period("2026"))
    assert [(f.code, f.region.code, f.total, f.open, f.confirmed) for f in summary] == [
        (c, "371721", 1, int(s == "open"), int(s == "confirmed"))
        for c, s in sorted([(CODES[0], "open"), (CODES[1], "confirmed")])
    ]
    seed_2026(heze)
    job = jobs.job_run(reports.report_request(period_label="2026", actor=admin, at=AT).pk)
    assert job.status == JobStatus.DONE, job.error
    text = subprocess.run(  # noqa: S603 - poppler on our own PDF
        ["/usr/bin/pdftotext", str(Path(job.output.path)), "-"], capture_output=True, check=True
    ).stdout.decode()
    assert "本期共产生风险预警 2 条" in text
