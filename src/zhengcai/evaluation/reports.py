"""The period report (营商环境评价报告) and the dashboards' Excel workbooks.

- ``report_request`` (EVALUATION_MANAGE) checks the period and queues a ``JobKind.REPORT`` job;
- ``run_report_job`` (the job handler) reads the period's latest snapshot, ranks the counties, sums the red
  flags and collects the headline figures of the publicity, training, service desk, securities and
  financing modules (through their own selectors, in the scope of the person who asked for the report),
  then renders the PDF (WeasyPrint with the bundled CJK font: cover, contents, headline figures, ranking,
  indicators, red flags, module figures, method notes, numbered pages) and the Excel workbook (one sheet per
  table). The PDF is ``job.output``; the workbook's storage name is ``job.result["xlsx"]``.

The report is an official document: like the letter of guarantee and the training certificate, its wording
is Chinese whatever the reader's interface language.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override

from zhengcai.accounts.selectors import city_reader
from zhengcai.core import clock, excel
from zhengcai.core.audit import audit_record
from zhengcai.core.errors import ServiceError
from zhengcai.guarantees.pdf import FONT

from . import catalogue, ranking
from . import dashboard_selectors as ds
from .errors import ReportError
from .jobs import Progress, job_request
from .models import ComputeJob, JobKind, Period, Snapshot

XLSX = excel.XLSX
FLAG_STATUSES = ("open", "explained", "confirmed")


# --- request -------------------------------------------------------------------------------------------------
def report_request(*, period_label: str, actor: Any, at: dt.datetime) -> ComputeJob:
    """Queue the report of a period that has been computed (a bilingual error names the period otherwise)."""
    period = Period.objects.filter(label=period_label).first()
    if period is None:
        raise ServiceError(
            ReportError.PERIOD, "period", gettext_lazy("There is no period {period}."), period=period_label or "—"
        )
    if not Snapshot.objects.filter(period=period).exists():
        raise ServiceError(
            ReportError.NO_SNAPSHOT,
            "period",
            gettext_lazy("The indicators of {period} have not been computed yet; compute them first."),
            period=period.label,
        )
    return job_request(kind=JobKind.REPORT, params={"period": period.label}, actor=actor, at=at)


# --- the report's data --------------------------------------------------------------------------------------
@dataclass
class ModuleFigure:
    module: str
    label: str
    value: str
    note: str = ""


@dataclass
class ReportData:
    board: ds.Board
    period: Period
    generated_at: dt.datetime
    flags: list[ds.FlagCount]
    modules: list[ModuleFigure] = field(default_factory=list)
    modules_note: str = ""

    def regions(self) -> list[Any]:
        return [r for r in (self.board.city, *self.board.counties) if r is not None]

    def indicator_rows(self) -> list[dict[str, Any]]:
        """Each indicator with its definition, target, the city's value and every county's value."""
        rows = []
        for ind in catalogue.INDICATORS:
            city = self.board.figure(ind.code, self.board.city) if self.board.city else None
            rows.append(
                {
                    "indicator": ind,
                    "unit": catalogue.UNIT_LABELS[ind.unit][0],
                    "direction": "越高越好" if ind.higher_is_better else "越低越好",
                    "target": ds.display_target(ind.code, self.board.targets.get(ind.code)),
                    "city": city,
                    "met": city.met if city else None,
                    "cells": [ds.display(ind.code, self.board.value(ind.code, r)) for r in self.regions()],
                }
            )
        return rows

    def flag_totals(self) -> dict[str, int]:
        return {s: sum(getattr(f, s) for f in self.flags) for s in ("total", *FLAG_STATUSES)}


def _yuan_wan(fen: int) -> str:
    return f"{Decimal(fen) / ds.FEN_PER_WAN:,.2f} 万元"


def module_figures(*, user: Any, year: int, today: dt.date, at: dt.datetime) -> list[ModuleFigure]:
    """The headline figures of the other modules for ``year``, in ``user``'s scope (their own selectors)."""
    from zhengcai.financing.selectors import financing_totals
    from zhengcai.publicity.dashboard import reach_dashboard
    from zhengcai.securities.selectors import capital_savings
    from zhengcai.service.figures import figures as service_figures
    from zhengcai.training.figures import training_figures

    reach = reach_dashboard(user=user, year=year).totals
    people = training_figures(user=user, year=year)
    desk = service_figures(user=user, year=year, at=at)
    savings = capital_savings(user=user, today=today)
    money = financing_totals(user=user)
    reached = reach["reads"] + reach["clicks"] + reach["distributed"] + reach["attendance"]
    on_time = desk.total.value("resolution_rate")
    return [
        ModuleFigure("政策宣传", "触达人次（阅读＋点击＋发放＋参与）", f"{reached:,}", f"{year}年"),
        ModuleFigure("政策宣传", "发布条数", f"{reach['posts']:,}", f"{year}年"),
        ModuleFigure("政策宣传", "宣传册发放份数", f"{reach['distributed']:,}", f"{year}年"),
        ModuleFigure("政策宣传", "《致供应商的一封信》确认数", f"{reach['acks']:,}", f"{year}年"),
        ModuleFigure("业务培训", "培训人数（去重）", f"{people.people:,}", f"{year}年"),
        ModuleFigure("业务培训", "其中采购人、代理机构人员", f"{people.people_purchasers_agencies:,}", f"{year}年"),
        ModuleFigure("业务培训", "采购人与代理机构培训覆盖率", people.coverage_total.both.percent, f"{year}年"),
        ModuleFigure("服务专窗", "受理诉求件数", f"{desk.total.value('submitted'):,}", f"{year}年"),
        ModuleFigure("服务专窗", "按时办结率", "—" if on_time is None else f"{on_time}%", f"{year}年"),
        ModuleFigure("保证金改革", "免收与保函替代保证金金额", _yuan_wan(savings.total.amount_fen), f"截至{today}"),
        ModuleFigure("保证金改革", "节约资金占用成本", _yuan_wan(savings.total.cost_fen), f"截至{today}"),
        ModuleFigure("政采贷", "融资放款金额", _yuan_wan(money.raised_fen), f"累计，{money.loans}笔"),
        ModuleFigure("政采贷", "获得融资的供应商", f"{money.suppliers:,}", "累计"),
    ]


def report_data(*, period: Period, user: Any, at: dt.datetime) -> ReportData:
    periods = [period]
    board = ds.board(period=period, periods=periods)
    data = ReportData(board=board, period=period, generated_at=at, flags=ds.red_flag_summary(period=period))
    if user is None:
        data.modules_note = "本报告由系统自动生成，未附各业务模块数据。"
    else:
        today = min(period.end - dt.timedelta(days=1), timezone.localdate(at))
        principal = city_reader()  # city-wide figures, not the requester's scope
        if principal is not None:
            data.modules = module_figures(user=principal, year=period.start.year, today=today, at=at)
    return data


# --- PDF --------------------------------------------------------------------------------------------------
def report_html(data: ReportData) -> str:
    board = data.board
    context = {
        "data": data,
        "board": board,
        "period": data.period,
        "snapshot": board.snapshot,
        "city": board.city,
        "regions": data.regions(),
        "headline": board.city_headline(),
        "places": board.places,
        "headline_codes": [catalogue.BY_CODE[c] for c in catalogue.HEADLINE],
        "place_rows": [(p, [ds.display(c, p.values.get(c)) for c in catalogue.HEADLINE]) for p in board.places],
        "indicator_rows": data.indicator_rows(),
        "flags": data.flags,
        "flag_totals": data.flag_totals(),
        "modules": data.modules,
        "last_day": data.period.end - dt.timedelta(days=1),
        "font_url": FONT.as_uri(),
        "method": ranking.__doc__,
    }
    with override("zh-hans"):
        return render_to_string("evaluation/report/report_pdf.html", context)


def report_pdf(data: ReportData) -> bytes:
    from weasyprint import HTML  # late: loads pango; only the PDF needs it

    return bytes(HTML(string=report_html(data), base_url=str(FONT.parent)).write_pdf())


# --- Excel ------------------------------------------------------------------------------------------------
def _book(sheets: list[tuple[str, list[Any], list[list[Any]]]]) -> bytes:
    """One sheet per table (a Decimal stays a Decimal: openpyxl writes it as an exact number)."""
    return excel.workbook(excel.Sheet(title, head, rows) for title, head, rows in sheets)


def report_workbook(data: ReportData) -> bytes:
    """Sheets: 核心指标, 区县排名, 指标×地区, 廉政风险, 业务模块 (numbers as numbers, money in 万元)."""
    board = data.board
    headline = [
        [f.indicator.name_zh, catalogue.UNIT_LABELS[f.indicator.unit][0], ds.display_number(f.code, f.value),
         ds.display_number(f.code, f.target), {True: "达标", False: "未达标"}.get(f.met, "—")]  # type: ignore[arg-type]
        for f in board.city_headline()
    ]  # fmt: skip
    ranking_rows = [
        [p.rank, p.region.name, p.score, p.scored, p.skipped, *[ds.display_number(c, p.values.get(c)) for c in ds.CODES]]
        for p in board.places
    ]  # fmt: skip
    regions = data.regions()
    matrix = [
        [ind.name_zh, catalogue.UNIT_LABELS[ind.unit][0], ds.display_number(ind.code, board.targets.get(ind.code)),
         *[ds.display_number(ind.code, board.value(ind.code, r)) for r in regions]]
        for ind in catalogue.INDICATORS
    ]  # fmt: skip
    with override("zh-hans"):
        flag_names = {f.code: f.name for f in data.flags}
    flags = [[flag_names[f.code], f.region.name, f.total, f.open, f.explained, f.confirmed] for f in data.flags]
    modules = [[m.module, m.label, m.value, m.note] for m in data.modules]
    names = [catalogue.BY_CODE[c].name_zh for c in ds.CODES]
    return _book(
        [
            ("核心指标", ["指标", "单位", "全市数值", "目标", "是否达标"], headline),
            ("区县排名", ["名次", "区县", "综合得分", "计分指标数", "缺数指标数", *names], ranking_rows),
            ("指标×地区", ["指标", "单位", "目标", *[r.name for r in regions]], matrix),
            ("廉政风险", ["风险代码", "地区", "合计", "待核实", "已说明", "已确认"], flags),
            ("业务模块", ["模块", "指标", "数值", "说明"], modules),
        ]
    )


def board_workbook(board: ds.Board, *, trend: dict[str, Any] | None = None) -> bytes:
    """The overview's (or a county page's) tables in the reader's language, one sheet per table."""
    places = board.places
    sheets: list[tuple[str, list[Any], list[list[Any]]]] = []
    if board.city is not None:
        sheets.append(
            (
                _("Headline indicators"),
                [_("Indicator"), _("Unit"), _("Value"), _("Target"), _("Target met")],
                [
                    [f.indicator.name, f.indicator.unit_label, ds.display_number(f.code, f.value),
                     ds.display_number(f.code, f.target), _met_text(f.met)]
                    for f in board.city_headline()
                ],
            )
        )  # fmt: skip
    sheets.append(
        (
            _("County ranking"),
            [_("Rank"), _("District or county"), _("Overall score"), _("Indicators scored"), _("Indicators without data"),
             *[catalogue.BY_CODE[c].name for c in ds.CODES]],
            [[p.rank, p.region.name, p.score, p.scored, p.skipped, *[ds.display_number(c, p.values.get(c)) for c in ds.CODES]]
             for p in places],
        )
    )  # fmt: skip
    regions = [r for r in (board.city, *board.counties) if r is not None]
    sheets.append(
        (
            _("Indicators by region"),
            [_("Indicator"), _("Unit"), _("Target"), *[r.name for r in regions]],
            [[ind.name, ind.unit_label, ds.display_number(ind.code, board.targets.get(ind.code)),
              *[ds.display_number(ind.code, board.value(ind.code, r)) for r in regions]]
             for ind in catalogue.INDICATORS],
        )
    )  # fmt: skip
    if trend is not None:
        sheets.append(
            (
                _("Trend"),
                [_("Month"), *[d["label"] for d in trend["datasets"]]],
                [[label, *[d["data"][i] for d in trend["datasets"]]] for i, label in enumerate(trend["labels"])],
            )
        )
    return _book(sheets)


def _met_text(met: bool | None) -> str:
    if met is None:
        return "—"
    return _("Met") if met else _("Not met")


# --- the job ----------------------------------------------------------------------------------------------
def run_report_job(*, job: ComputeJob, progress: Progress) -> dict[str, Any]:
    """Render the period report to PDF and Excel and store both (the job handler for ``JobKind.REPORT``)."""
    at = clock.now()
    label = str(job.params.get("period", ""))
    period = Period.objects.filter(label=label).first()
    if period is None:
        raise ValueError(f"no period {label!r}")
    progress(5, _("Reading the indicators"))
    data = report_data(period=period, user=job.created_by, at=at)
    if data.board.snapshot is None:
        raise ValueError(f"period {label} has no snapshot")
    progress(40, _("Rendering the PDF"))
    pdf = report_pdf(data)
    progress(80, _("Writing the Excel workbook"))
    xlsx = report_workbook(data)
    stem = f"evaluation/report-{label}-{job.pk}"
    with transaction.atomic():
        pdf_name = default_storage.save(f"{stem}.pdf", ContentFile(pdf))
        xlsx_name = default_storage.save(f"{stem}.xlsx", ContentFile(xlsx))
        ComputeJob.objects.filter(pk=job.pk).update(output=pdf_name)
        result = {
            "period": label,
            "snapshot": data.board.snapshot.pk,
            "as_of": data.board.snapshot.as_of.isoformat(),
            "pdf": pdf_name,
            "xlsx": xlsx_name,
            "pdf_bytes": len(pdf),
            "xlsx_bytes": len(xlsx),
        }
        audit_record(actor="system", action="evaluation.report.render", obj=job, after=result, at=at)
    progress(100, _("Report ready"))
    return result
