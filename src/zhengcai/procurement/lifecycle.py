"""After the award: result notice, contract, acceptance, payments; challenges and complaints.

Statutory clocks are stored as due dates when their trigger happens and lateness is derived,
so a late act is recorded (and flagged) rather than silently refused — the record is the evidence.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext_lazy as _

from zhengcai.accounts.selectors import scope_reaches
from zhengcai.core.audit import audit_record, snapshot
from zhengcai.core.errors import ServiceError, raise_if_any
from zhengcai.core.fsm import check_transition
from zhengcai.core.permissions import P
from zhengcai.opendata.services import release_publish
from zhengcai.organizations.models import EnterpriseSize, Organization

from . import notices, rules
from .models import (
    PROJECT_TRANSITIONS,
    Award,
    Challenge,
    ChallengeStatus,
    Complaint,
    ComplaintStatus,
    Contract,
    ContractAmendment,
    Payment,
    Project,
    ProjectStatus,
)
from .rules import RuleError
from .services import local_date, require_manager, require_not_suspended, terminate_locked

SME_SIZES = {EnterpriseSize.MEDIUM, EnterpriseSize.SMALL, EnterpriseSize.MICRO}


class LifecycleError(StrEnum):
    ALREADY = "procurement.lifecycle.already_done"
    AMOUNT = "procurement.contract.amount"
    OVERPAID = "procurement.payment.over_contract"
    NOT_ACCEPTED = "procurement.payment.not_accepted"
    CHALLENGE_LATE = "procurement.challenge.late"
    TEXT_REQUIRED = "procurement.text.required"
    COMPLAINT_TOO_EARLY = "procurement.complaint.too_early"
    COMPLAINT_LATE = "procurement.complaint.late"
    COMPLAINT_STATE = "procurement.complaint.state"
    DATE_ORDER = "procurement.lifecycle.date_order"


def _check_date(
    field: str, day: dt.date, *, not_before: dt.date | None, not_after: dt.date, before_what: Any
) -> ServiceError | None:
    """A recorded date lies between the event it follows and today (no future, no time travel)."""
    if day > not_after:
        return ServiceError(
            LifecycleError.DATE_ORDER, field, _("The date {date} is in the future."), date=day.isoformat()
        )
    if not_before is not None and day < not_before:
        return ServiceError(
            LifecycleError.DATE_ORDER,
            field,
            _("The date {date} is before {what} ({earlier})."),
            date=day.isoformat(),
            what=before_what,
            earlier=not_before.isoformat(),
        )
    return None


@transaction.atomic
def result_publish(*, award: Award, actor: Any, at: dt.datetime) -> Award:
    """中标/成交结果公告; late when after the D-RESULT-2WD due date (flagged, not refused)."""
    award = (
        Award.objects.select_for_update(of=("self",))
        .select_related("project__purchaser", "project__agency")
        .get(pk=award.pk)
    )
    require_manager(actor, award.project.purchaser, award.project.agency)
    require_not_suspended(award.project)
    if award.result_published_at is not None:
        raise ServiceError(LifecycleError.ALREADY, "result_published_at", _("The result notice is already published."))
    award.result_published_at = at
    award.save(update_fields=["result_published_at"])
    audit_record(
        actor=actor, action="award.publish_result", obj=award, after={"at": at, "late": award.result_late}, at=at
    )
    release_publish(project_or_intention=award.project, tags=["awardUpdate"], at=at)
    notices.result_notice(award, actor=actor, at=at)
    return award


@transaction.atomic
def contract_sign(
    *,
    award: Award,
    signed_on: dt.date,
    payment_days: int = 30,
    advance_payment_fen: int = 0,
    actor: Any,
    at: dt.datetime,
) -> Contract:
    award = (
        Award.objects.select_for_update(of=("self",))
        .select_related("project__purchaser", "winning_bid__supplier")
        .get(pk=award.pk)
    )
    project = Project.objects.select_for_update(of=("self",)).get(pk=award.project_id)
    require_manager(actor, project.purchaser)
    check_transition(PROJECT_TRANSITIONS, project.status, ProjectStatus.CONTRACTED, labels=ProjectStatus)
    require_not_suspended(project)
    supplier = award.winning_bid.supplier
    errors: list[ServiceError] = []
    if err := _check_date(
        "signed_on",
        signed_on,
        not_before=local_date(award.determined_at),
        not_after=local_date(at),
        before_what=_("the award"),
    ):
        errors.append(err)
    if supplier.size in SME_SIZES and (err := rules.check_sme_payment_term(payment_days)):
        errors.append(err)
    if not 0 <= advance_payment_fen <= award.amount_fen:
        errors.append(
            ServiceError(
                LifecycleError.AMOUNT,
                "advance_payment_fen",
                _("The advance payment must be between zero and the contract amount."),
            )
        )
    raise_if_any(errors)
    award_notice_on = local_date(award.result_published_at or award.determined_at)
    contract = Contract.objects.create(
        project=project,
        award=award,
        supplier=supplier,
        supplier_size=supplier.size,
        amount_fen=award.amount_fen,
        signed_on=signed_on,
        sign_due=rules.contract_sign_due(award_notice_on),
        publish_due=rules.contract_publish_due(signed_on),
        payment_days=payment_days,
        advance_payment_fen=advance_payment_fen,
        created_at=at,
    )
    before = snapshot(project)
    project.status = ProjectStatus.CONTRACTED
    project.save(update_fields=["status"])
    audit_record(actor=actor, action="contract.sign", obj=contract, after=snapshot(contract), at=at)
    audit_record(actor=actor, action="project.status", obj=project, before=before, after=snapshot(project), at=at)
    release_publish(project_or_intention=project, tags=["contract"], at=at)
    return contract


def _locked_contract(contract: Contract, actor: Any) -> Contract:
    contract = (
        Contract.objects.select_for_update(of=("self",))
        .select_related("project__purchaser", "project__agency")
        .get(pk=contract.pk)
    )
    require_manager(actor, contract.project.purchaser, contract.project.agency)
    return contract


@transaction.atomic
def contract_publish(*, contract: Contract, actor: Any, at: dt.datetime) -> Contract:
    contract = _locked_contract(contract, actor)
    if contract.published_at is not None:
        raise ServiceError(LifecycleError.ALREADY, "published_at", _("The contract is already published."))
    contract.published_at = at
    contract.save(update_fields=["published_at"])
    late = local_date(at) > contract.publish_due
    audit_record(actor=actor, action="contract.publish", obj=contract, after={"at": at, "late": late}, at=at)
    release_publish(project_or_intention=contract.project, tags=["contractUpdate"], at=at)
    notices.contract_notice(contract, actor=actor, at=at)
    return contract


@transaction.atomic
def acceptance_record(
    *, contract: Contract, passed: bool, accepted_on: dt.date, note: str, actor: Any, at: dt.datetime
) -> Contract:
    """履约验收. Passing starts the payment clock: 30 days for an SME, at most the agreed ≤ 60 (P-SME-30D)."""
    contract = _locked_contract(contract, actor)
    if contract.acceptance_passed:
        raise ServiceError(LifecycleError.ALREADY, "accepted_on", _("The contract was already accepted."))
    if err := _check_date(
        "accepted_on",
        accepted_on,
        not_before=contract.signed_on,
        not_after=local_date(at),
        before_what=_("the contract signing"),
    ):
        raise err
    before = snapshot(contract)
    contract.accepted_on = accepted_on
    contract.acceptance_passed = passed
    contract.acceptance_note = note.strip()
    if passed:
        contract.payment_due = (
            rules.sme_payment_due(accepted_on, contract.payment_days)
            if contract.supplier_size in SME_SIZES
            else accepted_on + dt.timedelta(days=contract.payment_days)
        )
    contract.save(update_fields=["accepted_on", "acceptance_passed", "acceptance_note", "payment_due"])
    audit_record(
        actor=actor, action="contract.acceptance", obj=contract, before=before, after=snapshot(contract), at=at
    )
    release_publish(project_or_intention=contract.project, tags=["implementation"], at=at)
    return contract


@transaction.atomic
def contract_amend(
    *,
    contract: Contract,
    changed_on: dt.date,
    rationale: str,
    description: str,
    amount_after_fen: int,
    actor: Any,
    at: dt.datetime,
) -> ContractAmendment:
    """合同变更, published as it is recorded (late when after D-CONTRACT-PUB-2WD's due date, flagged).
    Additions total at most 10 % of the original amount (CONTRACT-ADD-10PCT, Law art. 49); never below
    what has been paid."""
    contract = (
        Contract.objects.select_for_update(of=("self",))
        .select_related("project__purchaser", "supplier")
        .get(pk=contract.pk)
    )
    require_manager(actor, contract.project.purchaser)
    if contract.project.status != ProjectStatus.CONTRACTED:
        raise ServiceError(LifecycleError.ALREADY, "changed_on", _("Only a contract being performed can be changed."))
    first = contract.amendments.order_by("changed_on", "id").first()
    original = first.amount_before_fen if first is not None else contract.amount_fen
    cap = original + rules.contract_addition_cap(original)
    errors: list[ServiceError] = []
    if not rationale.strip():
        errors.append(ServiceError(LifecycleError.TEXT_REQUIRED, "rationale", _("Give the reason for the change.")))
    if not description.strip():
        errors.append(ServiceError(LifecycleError.TEXT_REQUIRED, "description", _("Say what changes.")))
    if err := _check_date(
        "changed_on",
        changed_on,
        not_before=contract.signed_on,
        not_after=local_date(at),
        before_what=_("the contract signing"),
    ):
        errors.append(err)
    paid = contract_paid_fen(contract)
    if amount_after_fen > cap:
        errors.append(
            ServiceError(
                RuleError.CONTRACT_ADDITION,
                "amount_after_fen",
                _(
                    "Additions may total at most {share} of the original amount ¥{original} "
                    "(CONTRACT-ADD-10PCT, Government Procurement Law art. 49): at most ¥{cap}."
                ),
                share="10%",
                original=rules.fen_to_yuan(original),
                cap=rules.fen_to_yuan(cap),
            )
        )
    elif amount_after_fen <= 0 or amount_after_fen < paid:
        errors.append(
            ServiceError(
                LifecycleError.AMOUNT,
                "amount_after_fen",
                _("The new amount must be more than zero and not below what was paid (¥{paid})."),
                paid=rules.fen_to_yuan(paid),
            )
        )
    raise_if_any(errors)
    amendment = ContractAmendment.objects.create(
        contract=contract,
        changed_on=changed_on,
        rationale=rationale.strip(),
        description=description.strip(),
        amount_before_fen=contract.amount_fen,
        amount_after_fen=amount_after_fen,
        publish_due=rules.contract_publish_due(changed_on),
        published_at=at,
        recorded_at=at,
    )
    before = snapshot(contract)
    contract.amount_fen = amount_after_fen
    contract.save(update_fields=["amount_fen"])
    audit_record(
        actor=actor,
        action="contract.amend",
        obj=contract,
        before=before,
        after={**snapshot(contract), "amendment": amendment.pk, "late": amendment.late},
        at=at,
    )
    release_publish(project_or_intention=contract.project, tags=["contractAmendment"], at=at)
    notices.contract_change_notice(amendment, actor=actor, at=at)
    return amendment


REPAYMENT_ACCOUNT_FIELDS = ("bank_id", "bank_name", "account_name", "account_number", "agreement")


@transaction.atomic
def contract_repayment_account_set(
    *, contract: Contract, account: dict[str, Any] | None, actor: Any, at: dt.datetime
) -> Contract:
    """政采贷: direct the contract's payments to the account the lending bank designated (``account``
    with REPAYMENT_ACCOUNT_FIELDS), or back to the supplier (``None``) once the loan is repaid. Called by
    the financing services, which check the bank and the agreement; audited here."""
    contract = Contract.objects.select_for_update(of=("self",)).get(pk=contract.pk)
    if account is not None and set(account) != set(REPAYMENT_ACCOUNT_FIELDS):
        raise ValueError(f"a repayment account has exactly the fields {REPAYMENT_ACCOUNT_FIELDS}")
    before = snapshot(contract)
    contract.repayment_account = account
    contract.save(update_fields=["repayment_account"])
    audit_record(
        actor=actor, action="contract.repayment_account", obj=contract, before=before, after=snapshot(contract), at=at
    )
    return contract


def contract_paid_fen(contract: Contract) -> int:
    return int(contract.payments.aggregate(total=Sum("amount_fen"))["total"] or 0)


@transaction.atomic
def payment_record(
    *, contract: Contract, amount_fen: int, paid_on: dt.date, is_advance: bool, actor: Any, at: dt.datetime
) -> Payment:
    contract = _locked_contract(contract, actor)
    if not is_advance and not contract.acceptance_passed:
        raise ServiceError(
            LifecycleError.NOT_ACCEPTED, "paid_on", _("Record the acceptance before the final payment.")
        )
    earliest = contract.signed_on if is_advance else contract.accepted_on
    what = _("the contract signing") if is_advance else _("the acceptance")
    if err := _check_date("paid_on", paid_on, not_before=earliest, not_after=local_date(at), before_what=what):
        raise err
    if amount_fen <= 0 or contract_paid_fen(contract) + amount_fen > contract.amount_fen:
        raise ServiceError(LifecycleError.OVERPAID, "amount_fen", _("Payments cannot exceed the contract amount."))
    payment = Payment.objects.create(
        contract=contract,
        amount_fen=amount_fen,
        paid_on=paid_on,
        is_advance=is_advance,
        paid_to_account=contract.repayment_account,  # 政采贷: the bank's designated account, when set
        recorded_at=at,
    )
    audit_record(actor=actor, action="payment.record", obj=payment, after=snapshot(payment), at=at)
    if contract_paid_fen(contract) == contract.amount_fen:
        project = Project.objects.select_for_update(of=("self",)).get(pk=contract.project_id)
        before = snapshot(project)
        check_transition(PROJECT_TRANSITIONS, project.status, ProjectStatus.COMPLETED, labels=ProjectStatus)
        project.status = ProjectStatus.COMPLETED
        project.save(update_fields=["status"])
        audit_record(actor=actor, action="project.status", obj=project, before=before, after=snapshot(project), at=at)
    release_publish(project_or_intention=contract.project, tags=["implementation"], at=at)
    return payment


def payment_overdue(contract: Contract, *, on: dt.date) -> bool:
    """P-SME-30D flag: due date passed and not fully paid."""
    return (
        contract.payment_due is not None
        and on > contract.payment_due
        and contract_paid_fen(contract) < contract.amount_fen
    )


# --- challenges and complaints ------------------------------------------------------------------


@transaction.atomic
def challenge_submit(
    *, project: Project, supplier: Organization, known_on: dt.date, text: str, actor: Any, at: dt.datetime
) -> Challenge:
    """质疑 within 7 working days of knowing (C-CHALLENGE-7WD); the answer is due 7 WD after receipt."""
    if not scope_reaches(user=actor, perm=P.BID_SUBMIT, organization=supplier):
        raise PermissionDenied
    errors: list[ServiceError] = []
    if not text.strip():
        errors.append(ServiceError(LifecycleError.TEXT_REQUIRED, "text", _("Write the challenge and its grounds.")))
    if local_date(at) > rules.challenge_deadline(known_on):
        errors.append(
            ServiceError(
                LifecycleError.CHALLENGE_LATE,
                "known_on",
                _("A challenge must be made within 7 working days of knowing (C-CHALLENGE-7WD): by {due}."),
                due=rules.challenge_deadline(known_on).isoformat(),
            )
        )
    raise_if_any(errors)
    challenge = Challenge.objects.create(
        project=project,
        supplier=supplier,
        known_on=known_on,
        received_at=at,
        text=text.strip(),
        answer_due=rules.challenge_answer_due(local_date(at)),
    )
    audit_record(actor=actor, action="challenge.submit", obj=challenge, after=snapshot(challenge), at=at)
    return challenge


@transaction.atomic
def challenge_answer(*, challenge: Challenge, answer: str, actor: Any, at: dt.datetime) -> Challenge:
    challenge = (
        Challenge.objects.select_for_update(of=("self",))
        .select_related("project__purchaser", "project__agency")
        .get(pk=challenge.pk)
    )
    require_manager(actor, challenge.project.purchaser, challenge.project.agency)
    if challenge.status != ChallengeStatus.OPEN:
        raise ServiceError(LifecycleError.ALREADY, "answer", _("This challenge is already answered."))
    if not answer.strip():
        raise ServiceError(LifecycleError.TEXT_REQUIRED, "answer", _("Write the answer."))
    challenge.status = ChallengeStatus.ANSWERED
    challenge.answer = answer.strip()
    challenge.answered_at = at
    challenge.save(update_fields=["status", "answer", "answered_at"])
    audit_record(
        actor=actor,
        action="challenge.answer",
        obj=challenge,
        after={"answered_at": at, "late": local_date(at) > challenge.answer_due},
        at=at,
    )
    return challenge


@transaction.atomic
def complaint_submit(*, challenge: Challenge, text: str, actor: Any, at: dt.datetime) -> Complaint:
    """投诉 after the answer (or its due date), within 15 working days after the answer deadline (C-COMPLAINT-15WD)."""
    challenge = Challenge.objects.select_for_update(of=("self",)).select_related("supplier").get(pk=challenge.pk)
    if not scope_reaches(user=actor, perm=P.BID_SUBMIT, organization=challenge.supplier):
        raise PermissionDenied
    today = local_date(at)
    if challenge.status == ChallengeStatus.OPEN and today <= challenge.answer_due:
        raise ServiceError(
            LifecycleError.COMPLAINT_TOO_EARLY,
            "challenge",
            _("A complaint can follow the answer, or the answer's due date {due} if no answer came."),
            due=challenge.answer_due.isoformat(),
        )
    last_day = rules.complaint_deadline(challenge.answer_due)
    if today > last_day:
        raise ServiceError(
            LifecycleError.COMPLAINT_LATE,
            "submitted_at",
            _("The complaint period ended on {due} (15 working days after the answer deadline, C-COMPLAINT-15WD)."),
            due=last_day.isoformat(),
        )
    if not text.strip():
        raise ServiceError(LifecycleError.TEXT_REQUIRED, "text", _("Write the complaint and its grounds."))
    complaint = Complaint.objects.create(
        challenge=challenge,
        submitted_at=at,
        text=text.strip(),
        admissibility_due=rules.complaint_admissibility_due(today),
    )
    audit_record(actor=actor, action="complaint.submit", obj=complaint, after=snapshot(complaint), at=at)
    return complaint


def _locked_complaint(complaint: Complaint, actor: Any) -> Complaint:
    complaint = (
        Complaint.objects.select_for_update(of=("self",))
        .select_related("challenge__project__purchaser")
        .get(pk=complaint.pk)
    )
    if not scope_reaches(user=actor, perm=P.COMPLAINT_HANDLE, organization=complaint.challenge.project.purchaser):
        raise PermissionDenied
    return complaint


@transaction.atomic
def complaint_accept(*, complaint: Complaint, suspend: bool, actor: Any, at: dt.datetime) -> Complaint:
    """The bureau accepts the complaint (decision due in 30 WD, C-COMPLAINT-30WD) and may suspend the procurement."""
    complaint = _locked_complaint(complaint, actor)
    if complaint.status != ComplaintStatus.SUBMITTED:
        raise ServiceError(
            LifecycleError.COMPLAINT_STATE, "status", _("Only a newly submitted complaint can be accepted.")
        )
    before = snapshot(complaint)
    complaint.status = ComplaintStatus.ACCEPTED
    complaint.decision_due = rules.complaint_decision_due(local_date(at))
    complaint.suspends_procurement = suspend
    complaint.save(update_fields=["status", "decision_due", "suspends_procurement"])
    audit_record(
        actor=actor, action="complaint.accept", obj=complaint, before=before, after=snapshot(complaint), at=at
    )
    return complaint


@transaction.atomic
def complaint_reject(*, complaint: Complaint, reason: str, actor: Any, at: dt.datetime) -> Complaint:
    """Not admissible (不予受理), with the reasons, within the 5 WD of C-COMPLAINT-30WD (late is flagged)."""
    complaint = _locked_complaint(complaint, actor)
    if complaint.status != ComplaintStatus.SUBMITTED:
        raise ServiceError(
            LifecycleError.COMPLAINT_STATE, "status", _("Only a newly submitted complaint can be refused.")
        )
    if not reason.strip():
        raise ServiceError(LifecycleError.TEXT_REQUIRED, "decision", _("Write why the complaint is not admissible."))
    before = snapshot(complaint)
    complaint.status = ComplaintStatus.REJECTED
    complaint.decision = reason.strip()
    complaint.decided_at = at
    complaint.save(update_fields=["status", "decision", "decided_at"])
    audit_record(
        actor=actor,
        action="complaint.reject",
        obj=complaint,
        before=before,
        after={**snapshot(complaint), "late": local_date(at) > complaint.admissibility_due},
        at=at,
    )
    return complaint


# 94号令 art. 32: an upheld complaint that affects the result ends the procurement, which is run again —
# before the contract, or revoking a contract not yet performed. After performance only the courts remain.
UNDONE_BY_COMPLAINT = {
    ProjectStatus.TENDERING,
    ProjectStatus.OPENED,
    ProjectStatus.EVALUATED,
    ProjectStatus.AWARDED,
    ProjectStatus.CONTRACTED,
}


@transaction.atomic
def complaint_decide(
    *,
    complaint: Complaint,
    upheld: bool,
    decision: str,
    actor: Any,
    at: dt.datetime,
    affects_result: bool = False,
) -> Complaint:
    """The decision (published as a notice). Upheld and affecting the result: the result is void and the
    procurement terminated for a new one (94号令 art. 32) — unless the contract is already being performed."""
    complaint = _locked_complaint(complaint, actor)
    if complaint.status != ComplaintStatus.ACCEPTED:
        raise ServiceError(LifecycleError.COMPLAINT_STATE, "status", _("Accept the complaint before deciding it."))
    if not decision.strip():
        raise ServiceError(LifecycleError.TEXT_REQUIRED, "decision", _("Write the decision and its reasons."))
    project = Project.objects.select_for_update(of=("self",)).get(pk=complaint.challenge.project_id)
    contract = Contract.objects.filter(project=project).first()
    performed = contract is not None and (contract.accepted_on is not None or contract.payments.exists())
    undo = upheld and affects_result and project.status in UNDONE_BY_COMPLAINT and not performed
    if upheld and affects_result and not undo:
        raise ServiceError(
            LifecycleError.COMPLAINT_STATE,
            "affects_result",
            _(
                "The contract is already being performed: the procurement cannot be undone by the decision "
                "(94号令 art. 32); record the complaint as upheld without undoing the result."
            ),
        )
    before = snapshot(complaint)
    complaint.status = ComplaintStatus.DECIDED
    complaint.upheld = upheld
    complaint.decision = decision.strip()
    complaint.decided_at = at
    complaint.suspends_procurement = False
    complaint.save(update_fields=["status", "upheld", "decision", "decided_at", "suspends_procurement"])
    audit_record(
        actor=actor,
        action="complaint.decide",
        obj=complaint,
        before=before,
        after={**snapshot(complaint), "affects_result": affects_result},
        at=at,
    )
    notices.complaint_decision_notice(complaint, actor=actor, at=at)
    if undo:
        terminate_locked(
            project,
            "投诉成立且影响采购结果，采购结果无效，责令重新开展采购活动（财政部令第94号第三十二条）",
            actor=actor,
            at=at,
        )
    return complaint
