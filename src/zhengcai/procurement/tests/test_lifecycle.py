"""Result notice, contract, acceptance and payment clocks; challenges and complaints."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from zhengcai.accounts.models import User
from zhengcai.core.errors import ServiceError
from zhengcai.core.models import AuditEvent
from zhengcai.core.permissions import Role
from zhengcai.procurement.lifecycle import (
    LifecycleError,
    acceptance_record,
    challenge_answer,
    challenge_submit,
    complaint_accept,
    complaint_decide,
    complaint_reject,
    complaint_submit,
    contract_publish,
    contract_sign,
    payment_overdue,
    payment_record,
    result_publish,
)
from zhengcai.procurement.models import Award, Contract, Notice, NoticeKind, ProjectStatus
from zhengcai.procurement.rules import RuleError

from .conftest import OPENING, at

pytestmark = pytest.mark.django_db
DETERMINED = OPENING.date() + dt.timedelta(days=1)  # Wed 2026-04-22


def test_D_RESULT_2WD_result_published_late_is_flagged(awarded: Award, purchaser: User) -> None:
    result_publish(award=awarded, actor=purchaser, at=at(dt.date(2026, 4, 27)))  # due 04-24
    awarded.refresh_from_db()
    assert awarded.result_late
    assert (AuditEvent.objects.get(action="award.publish_result").after or {})["late"] is True


def test_D_RESULT_2WD_result_on_time(awarded: Award, purchaser: User) -> None:
    result_publish(award=awarded, actor=purchaser, at=at(dt.date(2026, 4, 24)))
    awarded.refresh_from_db()
    assert not awarded.result_late


def test_D_CONTRACT_30D_P_SME_30D_contract_acceptance_payment(awarded: Award, purchaser: User) -> None:
    result_publish(award=awarded, actor=purchaser, at=at(dt.date(2026, 4, 23)))
    with pytest.raises(ServiceError) as exc:
        contract_sign(
            award=awarded, signed_on=dt.date(2026, 5, 6), payment_days=61, actor=purchaser, at=at(dt.date(2026, 5, 6))
        )
    assert exc.value.code == RuleError.PAYMENT_TERM_TOO_LONG  # the winner is a small enterprise
    contract = contract_sign(award=awarded, signed_on=dt.date(2026, 5, 6), actor=purchaser, at=at(dt.date(2026, 5, 6)))
    assert contract.sign_due == dt.date(2026, 5, 23)  # 30 days after the award notice
    assert contract.publish_due == dt.date(2026, 5, 8)  # D-CONTRACT-PUB-2WD
    assert contract.amount_fen == 170_0000_00
    contract_publish(contract=contract, actor=purchaser, at=at(dt.date(2026, 5, 7)))
    with pytest.raises(ServiceError) as exc:
        payment_record(
            contract=contract,
            amount_fen=1,
            paid_on=dt.date(2026, 5, 8),
            is_advance=False,
            actor=purchaser,
            at=at(dt.date(2026, 5, 8)),
        )
    assert exc.value.code == LifecycleError.NOT_ACCEPTED
    contract = acceptance_record(
        contract=contract,
        passed=True,
        accepted_on=dt.date(2026, 6, 1),
        note="合格",
        actor=purchaser,
        at=at(dt.date(2026, 6, 1)),
    )
    assert contract.payment_due == dt.date(2026, 7, 1)
    assert not payment_overdue(contract, on=dt.date(2026, 7, 1))
    assert payment_overdue(contract, on=dt.date(2026, 7, 2))
    with pytest.raises(ServiceError) as exc:
        payment_record(
            contract=contract,
            amount_fen=170_0000_01,
            paid_on=dt.date(2026, 6, 20),
            is_advance=False,
            actor=purchaser,
            at=at(dt.date(2026, 6, 20)),
        )
    assert exc.value.code == LifecycleError.OVERPAID
    payment_record(
        contract=contract,
        amount_fen=170_0000_00,
        paid_on=dt.date(2026, 6, 20),
        is_advance=False,
        actor=purchaser,
        at=at(dt.date(2026, 6, 20)),
    )
    assert not payment_overdue(contract, on=dt.date(2026, 7, 2))
    contract.project.refresh_from_db()
    assert contract.project.status == ProjectStatus.COMPLETED


def test_C_CHALLENGE_7WD_challenge_window_and_answer_clock(
    awarded: Award, bidders: list[Any], purchaser: User
) -> None:
    loser_org, loser = bidders[0]
    known = dt.date(2026, 4, 23)
    with pytest.raises(ServiceError) as exc:
        challenge_submit(
            project=awarded.project,
            supplier=loser_org,
            known_on=known,
            text="评审不公",
            actor=loser,
            at=at(dt.date(2026, 5, 8)),
        )
    assert exc.value.code == LifecycleError.CHALLENGE_LATE  # 7 WD after 04-23 over May Day is 05-07
    challenge = challenge_submit(
        project=awarded.project,
        supplier=loser_org,
        known_on=known,
        text="评审不公",
        actor=loser,
        at=at(dt.date(2026, 5, 7)),
    )
    assert challenge.answer_due == dt.date(2026, 5, 15)  # Sat 05-09 is a make-up working day
    with pytest.raises(PermissionDenied):
        challenge_answer(challenge=challenge, answer="x", actor=loser, at=at(dt.date(2026, 5, 8)))
    challenge_answer(
        challenge=challenge, answer="经复核，评审符合规定。", actor=purchaser, at=at(dt.date(2026, 5, 12))
    )


def test_C_COMPLAINT_15WD_and_30WD(
    awarded: Award, bidders: list[Any], purchaser: User, role_users: dict[Role, User]
) -> None:
    loser_org, loser = bidders[0]
    challenge = challenge_submit(
        project=awarded.project,
        supplier=loser_org,
        known_on=dt.date(2026, 4, 23),
        text="质疑",
        actor=loser,
        at=at(dt.date(2026, 4, 24)),
    )
    with pytest.raises(ServiceError) as exc:
        complaint_submit(challenge=challenge, text="投诉", actor=loser, at=at(dt.date(2026, 4, 27)))
    assert exc.value.code == LifecycleError.COMPLAINT_TOO_EARLY
    challenge_answer(challenge=challenge, answer="答复", actor=purchaser, at=at(dt.date(2026, 4, 28)))
    # answer due 2026-05-08 (7 WD after 04-24, May Day 05-01..05-05); complaint by 15 WD after it
    with pytest.raises(ServiceError) as exc:
        complaint_submit(challenge=challenge, text="投诉", actor=loser, at=at(dt.date(2026, 6, 1)))
    assert exc.value.code == LifecycleError.COMPLAINT_LATE
    complaint = complaint_submit(challenge=challenge, text="投诉", actor=loser, at=at(dt.date(2026, 5, 11)))
    assert complaint.admissibility_due == dt.date(2026, 5, 18)
    with pytest.raises(PermissionDenied):
        complaint_accept(complaint=complaint, suspend=True, actor=purchaser, at=at(dt.date(2026, 5, 12)))
    reviewer = role_users[Role.BUREAU_REVIEWER]
    complaint = complaint_accept(complaint=complaint, suspend=True, actor=reviewer, at=at(dt.date(2026, 5, 12)))
    assert complaint.decision_due == dt.date(2026, 6, 24)  # 30 WD, Dragon Boat 06-19 off
    assert complaint.suspends_procurement
    complaint = complaint_decide(
        complaint=complaint,
        upheld=False,
        decision="投诉缺乏事实依据，驳回。",
        actor=reviewer,
        at=at(dt.date(2026, 6, 1)),
    )
    assert (complaint.status, complaint.upheld, complaint.suspends_procurement) == ("decided", False, False)


def test_dates_must_follow_the_events_they_record(awarded: Award, purchaser: User) -> None:
    result_publish(award=awarded, actor=purchaser, at=at(dt.date(2026, 4, 23)))
    with pytest.raises(ServiceError) as exc:  # signed before the award
        contract_sign(award=awarded, signed_on=dt.date(2026, 4, 1), actor=purchaser, at=at(dt.date(2026, 5, 6)))
    assert (exc.value.code, exc.value.field) == (LifecycleError.DATE_ORDER, "signed_on")
    with pytest.raises(ServiceError):  # signed in the future
        contract_sign(award=awarded, signed_on=dt.date(2026, 5, 9), actor=purchaser, at=at(dt.date(2026, 5, 6)))
    contract = contract_sign(award=awarded, signed_on=dt.date(2026, 5, 6), actor=purchaser, at=at(dt.date(2026, 5, 6)))
    with pytest.raises(ServiceError) as exc:  # accepted before signing
        acceptance_record(
            contract=contract,
            passed=True,
            accepted_on=dt.date(2026, 5, 1),
            note="",
            actor=purchaser,
            at=at(dt.date(2026, 6, 1)),
        )
    assert exc.value.field == "accepted_on"
    assert "2026-05-06" in exc.value.message_zh
    contract = acceptance_record(
        contract=contract,
        passed=True,
        accepted_on=dt.date(2026, 6, 1),
        note="",
        actor=purchaser,
        at=at(dt.date(2026, 6, 1)),
    )
    with pytest.raises(ServiceError) as exc:  # paid before acceptance
        payment_record(
            contract=contract,
            amount_fen=1,
            paid_on=dt.date(2026, 5, 20),
            is_advance=False,
            actor=purchaser,
            at=at(dt.date(2026, 6, 2)),
        )
    assert exc.value.field == "paid_on"


def _accepted_complaint(awarded: Award, bidders: list[Any], purchaser: User, reviewer: User, *, suspend: bool) -> Any:
    loser_org, loser = bidders[0]
    challenge = challenge_submit(
        project=awarded.project,
        supplier=loser_org,
        known_on=dt.date(2026, 4, 23),
        text="质疑评审结果",
        actor=loser,
        at=at(dt.date(2026, 4, 24)),
    )
    challenge_answer(challenge=challenge, answer="答复", actor=purchaser, at=at(dt.date(2026, 4, 28)))
    complaint = complaint_submit(challenge=challenge, text="投诉", actor=loser, at=at(dt.date(2026, 5, 11)))
    return complaint_accept(complaint=complaint, suspend=suspend, actor=reviewer, at=at(dt.date(2026, 5, 12)))


def test_C_COMPLAINT_30WD_suspension_stops_the_procurement_until_the_decision(
    awarded: Award, bidders: list[Any], purchaser: User, role_users: dict[Role, User]
) -> None:
    reviewer = role_users[Role.BUREAU_REVIEWER]
    complaint = _accepted_complaint(awarded, bidders, purchaser, reviewer, suspend=True)
    with pytest.raises(ServiceError) as exc:
        result_publish(award=awarded, actor=purchaser, at=at(dt.date(2026, 5, 13)))
    assert exc.value.code == "procurement.suspended"
    assert "2026-06-24" in exc.value.message_zh
    with pytest.raises(ServiceError):
        contract_sign(award=awarded, signed_on=dt.date(2026, 5, 13), actor=purchaser, at=at(dt.date(2026, 5, 13)))
    assert not Contract.objects.exists()
    complaint_decide(complaint=complaint, upheld=False, decision="驳回", actor=reviewer, at=at(dt.date(2026, 5, 20)))
    result_publish(award=awarded, actor=purchaser, at=at(dt.date(2026, 5, 20)))  # the procurement goes on


def test_upheld_complaint_affecting_the_result_terminates_the_procurement(
    awarded: Award, bidders: list[Any], purchaser: User, role_users: dict[Role, User]
) -> None:
    from zhengcai.opendata.models import Release

    reviewer = role_users[Role.BUREAU_REVIEWER]
    complaint = _accepted_complaint(awarded, bidders, purchaser, reviewer, suspend=True)
    complaint_decide(
        complaint=complaint,
        upheld=True,
        affects_result=True,
        decision="投诉成立：评审委员会未按招标文件规定的标准评审。",
        actor=reviewer,
        at=at(dt.date(2026, 5, 20)),
    )
    project = awarded.project
    project.refresh_from_db()
    assert project.status == ProjectStatus.TERMINATED
    kinds = set(Notice.objects.filter(project=project).values_list("kind", flat=True))
    assert {NoticeKind.COMPLAINT_DECISION, NoticeKind.TERMINATION} <= kinds
    termination = Notice.objects.get(project=project, kind=NoticeKind.TERMINATION)
    assert "第94号第三十二条" in termination.body
    last = Release.objects.filter(ocid__endswith=project.number).order_by("-id").first()
    assert last is not None
    assert last.tags == ["awardCancellation"]
    assert last.data["tender"]["status"] == "cancelled"
    assert last.data["awards"][0]["status"] == "cancelled"
    with pytest.raises(ServiceError):  # nothing follows a terminated procurement
        contract_sign(award=awarded, signed_on=dt.date(2026, 5, 21), actor=purchaser, at=at(dt.date(2026, 5, 21)))


def test_upheld_complaint_cannot_undo_a_contract_being_performed(
    awarded: Award, bidders: list[Any], purchaser: User, role_users: dict[Role, User]
) -> None:
    reviewer = role_users[Role.BUREAU_REVIEWER]
    complaint = _accepted_complaint(awarded, bidders, purchaser, reviewer, suspend=False)
    contract = contract_sign(
        award=awarded, signed_on=dt.date(2026, 5, 13), actor=purchaser, at=at(dt.date(2026, 5, 13))
    )
    acceptance_record(
        contract=contract,
        passed=True,
        accepted_on=dt.date(2026, 5, 25),
        note="",
        actor=purchaser,
        at=at(dt.date(2026, 5, 25)),
    )
    with pytest.raises(ServiceError) as exc:
        complaint_decide(
            complaint=complaint,
            upheld=True,
            affects_result=True,
            decision="成立",
            actor=reviewer,
            at=at(dt.date(2026, 5, 26)),
        )
    assert exc.value.field == "affects_result"
    complaint_decide(
        complaint=complaint, upheld=True, decision="成立，但合同已履行", actor=reviewer, at=at(dt.date(2026, 5, 26))
    )
    awarded.project.refresh_from_db()
    assert awarded.project.status == ProjectStatus.CONTRACTED


def test_C_COMPLAINT_30WD_complaint_not_admissible(
    awarded: Award, bidders: list[Any], purchaser: User, role_users: dict[Role, User]
) -> None:
    loser_org, loser = bidders[0]
    challenge = challenge_submit(
        project=awarded.project,
        supplier=loser_org,
        known_on=dt.date(2026, 4, 23),
        text="质疑",
        actor=loser,
        at=at(dt.date(2026, 4, 24)),
    )
    challenge_answer(challenge=challenge, answer="答复", actor=purchaser, at=at(dt.date(2026, 4, 28)))
    complaint = complaint_submit(challenge=challenge, text="投诉", actor=loser, at=at(dt.date(2026, 5, 11)))
    reviewer = role_users[Role.BUREAU_REVIEWER]
    with pytest.raises(ServiceError) as empty:
        complaint_reject(complaint=complaint, reason=" ", actor=reviewer, at=at(dt.date(2026, 5, 12)))
    assert empty.value.field == "decision"
    complaint = complaint_reject(
        complaint=complaint, reason="投诉书未提供必要的证明材料。", actor=reviewer, at=at(dt.date(2026, 5, 12))
    )
    assert complaint.status == "rejected"
    with pytest.raises(ServiceError):
        complaint_accept(complaint=complaint, suspend=False, actor=reviewer, at=at(dt.date(2026, 5, 13)))


def test_project_terminate_gives_the_reason_and_bids_stay_sealed(
    tender: Any, bidders: list[Any], purchaser: User
) -> None:
    from zhengcai.procurement.bidding import bid_submit
    from zhengcai.procurement.models import BidOpening
    from zhengcai.procurement.services import project_terminate

    org, user = bidders[0]
    bid_submit(
        tender=tender,
        supplier=org,
        price_fen=150_0000_00,
        technical_response="响应",
        actor=user,
        at=OPENING - dt.timedelta(days=2),
    )
    with pytest.raises(ServiceError) as exc:
        project_terminate(project=tender.project, reason="", actor=purchaser, at=OPENING - dt.timedelta(days=1))
    assert exc.value.field == "reason"
    with pytest.raises(PermissionDenied):
        project_terminate(project=tender.project, reason="不再需要", actor=user, at=OPENING - dt.timedelta(days=1))
    project = project_terminate(
        project=tender.project, reason="采购需求发生重大变化", actor=purchaser, at=OPENING - dt.timedelta(days=1)
    )
    assert project.status == ProjectStatus.TERMINATED
    assert "采购需求发生重大变化" in Notice.objects.get(project=project, kind=NoticeKind.TERMINATION).body
    assert not BidOpening.objects.exists()
    assert AuditEvent.objects.filter(action="project.terminate").exists()


def test_a_signed_contract_is_not_terminated_by_the_purchaser(awarded: Award, purchaser: User) -> None:
    from zhengcai.procurement.services import project_terminate

    contract_sign(award=awarded, signed_on=dt.date(2026, 5, 6), actor=purchaser, at=at(dt.date(2026, 5, 6)))
    with pytest.raises(ServiceError) as exc:
        project_terminate(project=awarded.project, reason="不要了", actor=purchaser, at=at(dt.date(2026, 5, 7)))
    assert exc.value.code == "core.transition.not_allowed"


def test_D_CONTRACT_PUB_2WD_contract_change_published_and_CONTRACT_ADD_10PCT(
    awarded: Award, purchaser: User, bidders: list[Any]
) -> None:
    from zhengcai.opendata.models import Release
    from zhengcai.procurement.lifecycle import contract_amend
    from zhengcai.procurement.models import ContractAmendment

    contract = contract_sign(award=awarded, signed_on=dt.date(2026, 5, 6), actor=purchaser, at=at(dt.date(2026, 5, 6)))
    original = contract.amount_fen  # 170万
    with pytest.raises(ServiceError) as exc:
        contract_amend(
            contract=contract,
            changed_on=dt.date(2026, 5, 20),
            rationale="增加 10 套设备",
            description="追加同型号交互式一体机",
            amount_after_fen=original + original // 10 + 1,
            actor=purchaser,
            at=at(dt.date(2026, 5, 20)),
        )
    assert exc.value.field == "amount_after_fen"
    assert "CONTRACT-ADD-10PCT" in exc.value.message_en
    with pytest.raises(PermissionDenied):
        contract_amend(
            contract=contract,
            changed_on=dt.date(2026, 5, 20),
            rationale="x",
            description="x",
            amount_after_fen=original,
            actor=bidders[1][1],
            at=at(dt.date(2026, 5, 20)),
        )
    on_time = contract_amend(
        contract=contract,
        changed_on=dt.date(2026, 5, 20),
        rationale="增加 5 套设备",
        description="追加同型号交互式一体机 5 套",
        amount_after_fen=original + original // 20,
        actor=purchaser,
        at=at(dt.date(2026, 5, 21)),
    )
    assert not on_time.late
    late = contract_amend(  # the cap counts from the original amount, not the amended one
        contract=contract,
        changed_on=dt.date(2026, 5, 22),
        rationale="再增加 5 套",
        description="追加 5 套",
        amount_after_fen=original + original // 10,
        actor=purchaser,
        at=at(dt.date(2026, 5, 29)),
    )
    assert late.late  # 2 WD after 05-22 is 05-26
    contract.refresh_from_db()
    assert contract.amount_fen == original + original // 10
    assert ContractAmendment.objects.count() == 2
    assert Notice.objects.filter(project=awarded.project, kind=NoticeKind.CONTRACT_CHANGE).count() == 2
    release = Release.objects.filter(tags=["contractAmendment"]).order_by("-id").first()
    assert release is not None
    assert release.data["contracts"][0]["value"]["amount"] == Decimal(contract.amount_fen) / 100
    assert [a["rationale"] for a in release.data["contracts"][0]["amendments"]] == ["增加 5 套设备", "再增加 5 套"]


def test_payments_go_to_the_account_the_lending_bank_designated(awarded: Award, purchaser: User) -> None:
    from zhengcai.procurement.lifecycle import contract_repayment_account_set

    contract = contract_sign(award=awarded, signed_on=dt.date(2026, 5, 6), actor=purchaser, at=at(dt.date(2026, 5, 6)))
    account = {
        "bank_id": 1,
        "bank_name": "中国工商银行菏泽分行",
        "account_name": "菏泽投标人1有限公司（政采贷还款专户）",
        "account_number": "1612000000000000001",
        "agreement": "ZCD-2026-0001",
    }
    with pytest.raises(ValueError):  # noqa: PT011 - a programming error, not user input
        contract_repayment_account_set(
            contract=contract, account={"bank_name": "x"}, actor="bank", at=at(dt.date(2026, 5, 7))
        )
    contract_repayment_account_set(contract=contract, account=account, actor="bank", at=at(dt.date(2026, 5, 7)))
    contract = acceptance_record(
        contract=contract,
        passed=True,
        accepted_on=dt.date(2026, 5, 20),
        note="",
        actor=purchaser,
        at=at(dt.date(2026, 5, 20)),
    )
    payment = payment_record(
        contract=contract,
        amount_fen=100_0000_00,
        paid_on=dt.date(2026, 5, 25),
        is_advance=False,
        actor=purchaser,
        at=at(dt.date(2026, 5, 25)),
    )
    assert payment.paid_to_account == account
    contract_repayment_account_set(contract=contract, account=None, actor="bank", at=at(dt.date(2026, 6, 1)))
    second = payment_record(
        contract=contract,
        amount_fen=10_0000_00,
        paid_on=dt.date(2026, 6, 2),
        is_advance=False,
        actor=purchaser,
        at=at(dt.date(2026, 6, 2)),
    )
    assert second.paid_to_account is None
    assert AuditEvent.objects.filter(action="contract.repayment_account").count() == 2


def test_C_COMPLAINT_30WD_suspension_also_stops_the_opening(
    tender: Any, bidders: list[Any], purchaser: User, role_users: dict[Role, User]
) -> None:
    from zhengcai.procurement.bidding import tender_open

    org, user = bidders[0]
    challenge = challenge_submit(
        project=tender.project,
        supplier=org,
        known_on=dt.date(2026, 4, 2),
        text="资格条件排斥中小企业",
        actor=user,
        at=at(dt.date(2026, 4, 3)),
    )
    challenge_answer(challenge=challenge, answer="不存在排斥", actor=purchaser, at=at(dt.date(2026, 4, 7)))
    complaint = complaint_submit(challenge=challenge, text="投诉", actor=user, at=at(dt.date(2026, 4, 8)))
    complaint_accept(
        complaint=complaint, suspend=True, actor=role_users[Role.BUREAU_REVIEWER], at=at(dt.date(2026, 4, 9))
    )
    with pytest.raises(ServiceError) as exc:
        tender_open(tender=tender, actor=purchaser, at=OPENING)
    assert exc.value.code == "procurement.suspended"
