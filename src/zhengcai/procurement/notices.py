"""Publishing notices on the portal (D-TEMPLATES): one function per notice type, called by the
services in the same transaction as the event they announce. Notice texts are official Chinese."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from zhengcai.core.audit import audit_record

from . import rules, search
from .models import (
    Award,
    Complaint,
    Contract,
    ContractAmendment,
    Correction,
    Intention,
    Notice,
    NoticeKind,
    Project,
    Tender,
)


def _publish(
    *,
    kind: NoticeKind,
    title: str,
    body: str,
    at: dt.datetime,
    actor: Any,
    project: Project | None = None,
    intention: Intention | None = None,
    amount_fen: int | None = None,
) -> Notice:
    subject = project or intention
    assert subject is not None  # noqa: S101 - the database constraint says the same
    notice = Notice(
        kind=kind,
        project=project,
        intention=intention,
        region=subject.region,
        purchaser=subject.purchaser,
        title=title,
        body=body,
        method=project.method if project else "",
        category=project.category if project else "",
        amount_fen=amount_fen,
        published_at=at,
        search_text=search.search_text(title, body, subject.purchaser.name),
    )
    notice.save()
    search.index(notice)
    audit_record(actor=actor, action="notice.publish", obj=notice, after={"kind": kind, "title": title}, at=at)
    return notice


def _d(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y年%m月%d日 %H:%M")


def intention_notice(intention: Intention, *, actor: Any, at: dt.datetime) -> Notice:
    body = (
        f"采购单位：{intention.purchaser.name}\n采购项目名称：{intention.title}\n"
        f"采购需求概况：{intention.demand_summary}\n预算金额：{rules.fen_to_yuan(intention.budget_fen)}元\n"
        f"预计采购时间：{intention.expected_month:%Y年%m月}\n"
        "本次公开的采购意向是本单位政府采购工作的初步安排，具体采购项目情况以相关采购公告和采购文件为准。"
    )
    return _publish(
        kind=NoticeKind.INTENTION,
        title=f"{intention.purchaser.name}{intention.expected_month:%Y年%m月}政府采购意向",
        body=body,
        intention=intention,
        amount_fen=intention.budget_fen,
        actor=actor,
        at=at,
    )


def tender_notice(tender: Tender, *, actor: Any, at: dt.datetime) -> Notice:
    p = tender.project
    body = (
        f"项目编号：{p.number}\n项目名称：{p.title}\n采购方式：{rules.METHOD_ZH[p.method]}\n"
        f"预算金额：{rules.fen_to_yuan(p.budget_fen)}元\n最高限价：{rules.fen_to_yuan(p.max_price_fen)}元\n"
        f"采购人：{p.purchaser.name}\n"
        + (f"采购代理机构：{p.agency.name}\n" if p.agency else "")
        + f"获取采购文件时间：{tender.docs_available_from:%Y年%m月%d日}至{tender.docs_available_until:%Y年%m月%d日}\n"
        f"提交投标文件截止时间及开标时间：{_d(tender.deadline)}\n"
        + ("本项目专门面向中小企业采购。\n" if p.sme_reserved else "")
        + (f"对小型和微型企业产品的价格给予{p.sme_deduction_percent}%的扣除。\n" if p.sme_deduction_percent else "")
        + (
            f"投标保证金：{rules.fen_to_yuan(p.bid_security_fen)}元（可以电子保函形式提交）\n"
            if p.bid_security_fen
            else ""
        )
        + f"\n{tender.notice_text}"
    )
    return _publish(
        kind=NoticeKind.TENDER,
        title=f"{p.title}{rules.METHOD_ZH[p.method]}公告",
        body=body,
        project=p,
        amount_fen=p.budget_fen,
        actor=actor,
        at=at,
    )


def correction_notice(correction: Correction, *, actor: Any, at: dt.datetime) -> Notice:
    p = correction.tender.project
    moved = correction.deadline_after != correction.deadline_before
    body = (
        f"项目编号：{p.number}\n原公告发布时间：{_d(correction.tender.published_at)}\n更正事项：{correction.text}\n"
        + (f"投标截止时间由{_d(correction.deadline_before)}延长至{_d(correction.deadline_after)}。\n" if moved else "")
    )
    return _publish(kind=NoticeKind.CORRECTION, title=f"{p.title}更正公告", body=body, project=p, actor=actor, at=at)


def termination_notice(project: Project, reason: str, *, actor: Any, at: dt.datetime) -> Notice:
    body = f"项目编号：{project.number}\n项目名称：{project.title}\n终止原因：{reason}\n"
    return _publish(
        kind=NoticeKind.TERMINATION,
        title=f"{project.title}终止（废标）公告",
        body=body,
        project=project,
        actor=actor,
        at=at,
    )


def result_notice(award: Award, *, actor: Any, at: dt.datetime) -> Notice:
    p = award.project
    line = getattr(award.winning_bid, "opening", None)
    evaluated = (
        line.evaluated_price_fen if line is not None and line.evaluated_price_fen is not None else award.amount_fen
    )
    supplier = award.winning_bid.supplier
    if p.evaluation_method == "scoring" and line is not None and line.total_score is not None:
        result = f"综合得分：{line.total_score}分（价格分{line.price_score}，技术商务分{line.quality_score}）\n"
    else:
        result = f"评审价格（扣除后）：{rules.fen_to_yuan(evaluated)}元\n"  # D-RESULT-FIELDS
    experts = "、".join(
        m.expert.display_name or m.expert.username for m in p.committee.select_related("expert").order_by("id")
    )
    body = (
        f"项目编号：{p.number}\n项目名称：{p.title}\n中标（成交）供应商：{supplier.name}\n"
        f"统一社会信用代码：{supplier.credit_code}\n中标（成交）金额：{rules.fen_to_yuan(award.amount_fen)}元\n"
        f"{result}"  # D-RESULT-FIELDS
        + (f"评审专家：{experts}\n" if experts else "")  # D-RESULT-2WD: the result notice lists the experts
        + f"采购人：{p.purchaser.name}\n"
    )
    return _publish(
        kind=NoticeKind.RESULT,
        title=f"{p.title}中标（成交）结果公告",
        body=body,
        project=p,
        amount_fen=award.amount_fen,
        actor=actor,
        at=at,
    )


def contract_change_notice(amendment: ContractAmendment, *, actor: Any, at: dt.datetime) -> Notice:
    contract = amendment.contract
    p = contract.project
    body = (
        f"项目编号：{p.number}\n合同名称：{p.title}合同\n甲方（采购人）：{p.purchaser.name}\n"
        f"乙方（供应商）：{contract.supplier.name}\n变更日期：{amendment.changed_on:%Y年%m月%d日}\n"
        f"变更原因：{amendment.rationale}\n变更内容：{amendment.description}\n"
        f"变更前合同金额：{rules.fen_to_yuan(amendment.amount_before_fen)}元\n"
        f"变更后合同金额：{rules.fen_to_yuan(amendment.amount_after_fen)}元\n"
    )
    return _publish(
        kind=NoticeKind.CONTRACT_CHANGE,
        title=f"{p.title}合同变更公告",
        body=body,
        project=p,
        amount_fen=amendment.amount_after_fen,
        actor=actor,
        at=at,
    )


def contract_notice(contract: Contract, *, actor: Any, at: dt.datetime) -> Notice:
    p = contract.project
    body = (
        f"项目编号：{p.number}\n合同名称：{p.title}合同\n甲方（采购人）：{p.purchaser.name}\n"
        f"乙方（供应商）：{contract.supplier.name}\n合同金额：{rules.fen_to_yuan(contract.amount_fen)}元\n"
        f"合同签订日期：{contract.signed_on:%Y年%m月%d日}\n付款期限：验收合格后{contract.payment_days}日内\n"
    )
    return _publish(
        kind=NoticeKind.CONTRACT,
        title=f"{p.title}合同公告",
        body=body,
        project=p,
        amount_fen=contract.amount_fen,
        actor=actor,
        at=at,
    )


def complaint_decision_notice(complaint: Complaint, *, actor: Any, at: dt.datetime) -> Notice:
    p = complaint.challenge.project
    outcome = "投诉事项成立" if complaint.upheld else "投诉事项不成立，驳回投诉"
    body = f"项目编号：{p.number}\n投诉人：{complaint.challenge.supplier.name}\n处理结果：{outcome}\n{complaint.decision}\n"
    return _publish(
        kind=NoticeKind.COMPLAINT_DECISION,
        title=f"{p.title}投诉处理决定公告",
        body=body,
        project=p,
        actor=actor,
        at=at,
    )
