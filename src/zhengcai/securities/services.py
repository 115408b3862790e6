"""Writes: a supplier provides its bid security (exempt, e-guarantee or transfer); the purchaser or agency
refunds it; the purchaser records the performance security. Each checks the rule it names and audits.

Credit (exemption decisions) and guarantees (verification, acceptance, release) are other apps: they are
called through their services only.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhengcai.accounts.selectors import scope_reaches
from zhengcai.core.audit import audit_record, snapshot
from zhengcai.core.errors import ByLanguage, ServiceError
from zhengcai.core.permissions import P
from zhengcai.organizations.models import Organization
from zhengcai.procurement import rules as procurement_rules
from zhengcai.procurement.models import Contract, ProjectStatus, Tender
from zhengcai.procurement.services import require_manager

from . import selectors
from .errors import SecurityError
from .models import BidSecurity, PerformanceSecurity, SecurityForm, SecurityStatus


def _local(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


def _guarantee(number: str, *, kind: str, applicant: Organization, beneficiary: Organization, at: dt.datetime) -> Any:
    """A valid e-guarantee of this kind, applicant and beneficiary (the guarantees app verifies the signature,
    the issuer's key, the dates and the status)."""
    from zhengcai.guarantees.models import Guarantee  # the guarantees app builds on procurement
    from zhengcai.guarantees.services import guarantee_verify

    result = guarantee_verify(number=number.strip(), at=at)
    if not result.valid:
        raise ServiceError(
            SecurityError.GUARANTEE_INVALID,
            "reference",
            _("The letter of guarantee {number} does not verify: {problems}"),
            number=number,
            problems=ByLanguage(
                "；".join(p.message_zh for p in result.problems) or "—",
                "; ".join(p.message_en for p in result.problems) or "—",
            ),
        )
    g = Guarantee.objects.get(number=result.number or number.strip())
    if g.kind != kind or g.applicant_id != applicant.pk or g.beneficiary_id != beneficiary.pk:
        raise ServiceError(
            SecurityError.GUARANTEE_MISMATCH,
            "reference",
            _("The letter of guarantee {number} is not a guarantee of this kind for this supplier and purchaser."),
            number=number,
        )
    return g


def bid_security_provide(
    *,
    tender: Tender,
    supplier: Organization,
    form: SecurityForm,
    actor: Any,
    at: dt.datetime,
    reference: str = "",
    amount_fen: int = 0,
    paid_on: dt.date | None = None,
) -> BidSecurity:
    """Before the deadline: exempt (the credit policy decides, S-CREDIT-EXEMPT), an e-guarantee covering the
    required amount (it cannot be refused, S-BID-2PCT), or a transfer of exactly the required amount.

    The exemption decision is made (and kept, whatever it says) before the security is written, so a
    refusal still leaves the supplier its stored decision and explanation."""
    if not scope_reaches(user=actor, perm=P.BID_SUBMIT, organization=supplier):
        raise PermissionDenied
    decision = None
    if form == SecurityForm.EXEMPT:
        tender = Tender.objects.select_related("project").get(pk=tender.pk)  # as stored, not as the caller had it
        _check_open(tender, at)
        from zhengcai.credit.services import exemption_decide  # the credit app decides, once per tender

        decision = exemption_decide(supplier=supplier, tender=tender, at=at)
    return _provide(
        tender=tender,
        supplier=supplier,
        form=form,
        decision=decision,
        actor=actor,
        at=at,
        reference=reference,
        amount_fen=amount_fen,
        paid_on=paid_on,
    )


def _check_open(tender: Tender, at: dt.datetime) -> None:
    project = tender.project
    if project.bid_security_fen <= 0:
        raise ServiceError(SecurityError.NOT_REQUIRED, "form", _("This procurement asks for no bid security."))
    if project.status != ProjectStatus.TENDERING or at >= tender.deadline:
        raise ServiceError(
            SecurityError.CLOSED, "form", _("Bid security is provided before the bid deadline of an open tender.")
        )


@transaction.atomic
def _provide(
    *,
    tender: Tender,
    supplier: Organization,
    form: SecurityForm,
    decision: Any,
    actor: Any,
    at: dt.datetime,
    reference: str,
    amount_fen: int,
    paid_on: dt.date | None,
) -> BidSecurity:
    tender = Tender.objects.select_for_update(of=("self",)).select_related("project__purchaser").get(pk=tender.pk)
    project = tender.project
    required = project.bid_security_fen
    _check_open(tender, at)
    if BidSecurity.objects.filter(tender=tender, supplier=supplier).exists():
        raise ServiceError(SecurityError.ALREADY, "form", _("Your bid security for this tender is already recorded."))
    security = BidSecurity(
        tender=tender,
        supplier=supplier,
        required_fen=required,
        form=form,
        provided_on=_local(at),
        recorded_at=at,
        recorded_by=actor,
    )
    if form == SecurityForm.EXEMPT:
        if decision is None or not decision.exempt:
            raise ServiceError(
                SecurityError.NOT_EXEMPT,
                "form",
                _("{why} Provide an e-guarantee or a transfer instead."),
                why=ByLanguage(decision.explanation_zh, decision.explanation_en),
            )
        security.amount_fen = 0
        security.status = SecurityStatus.NONE
        security.exemption_explanation = f"{decision.explanation_zh}\n{decision.explanation_en}"
    elif form == SecurityForm.GUARANTEE:
        guarantee = _guarantee(reference, kind="bid", applicant=supplier, beneficiary=project.purchaser, at=at)
        if guarantee.project_id != project.pk or guarantee.amount_fen < required:
            raise ServiceError(
                SecurityError.GUARANTEE_MISMATCH,
                "reference",
                _("The guarantee must be for this procurement and cover at least ¥{required}."),
                required=procurement_rules.fen_to_yuan(required),
            )
        if guarantee.valid_until < _local(tender.deadline):
            raise ServiceError(
                SecurityError.GUARANTEE_MISMATCH,
                "reference",
                _("The guarantee expires on {until}, before the bid deadline."),
                until=guarantee.valid_until.isoformat(),
            )
        from zhengcai.guarantees.services import guarantee_accept

        guarantee_accept(guarantee=guarantee, actor=actor, at=at, presented_by_applicant=True)
        security.amount_fen = guarantee.amount_fen
        security.reference = guarantee.number
    else:
        if amount_fen != required:
            raise ServiceError(
                SecurityError.AMOUNT,
                "amount_fen",
                _("Transfer exactly the required ¥{required} (S-BID-2PCT): no other deposit may be collected."),
                required=procurement_rules.fen_to_yuan(required),
            )
        if paid_on is None or paid_on > _local(at) or paid_on < _local(tender.published_at):
            raise ServiceError(
                SecurityError.DATE,
                "paid_on",
                _("The transfer date must lie between the notice ({published}) and today."),
                published=_local(tender.published_at).isoformat(),
            )
        security.amount_fen = amount_fen
        security.provided_on = paid_on
        security.reference = reference.strip()[:100]
    security.full_clean()
    security.save()
    audit_record(actor=actor, action="bid_security.provide", obj=security, after=snapshot(security), at=at)
    return security


def _give_back(
    security: BidSecurity | PerformanceSecurity,
    *,
    start: dt.date,
    refunded_on: dt.date,
    actor: Any,
    at: dt.datetime,
    late: bool,
) -> None:
    """Refund the cash or release the guarantee (through the guarantees app), on a date between the
    trigger and today; audited with whether it was late."""
    if not start <= refunded_on <= _local(at):
        raise ServiceError(
            SecurityError.DATE,
            "refunded_on",
            _("The refund date must lie between {start} and today."),
            start=start.isoformat(),
        )
    if security.form == SecurityForm.GUARANTEE:
        from zhengcai.guarantees.models import Guarantee
        from zhengcai.guarantees.services import guarantee_release

        guarantee_release(guarantee=Guarantee.objects.get(number=security.reference), actor=actor, at=at)
    before = snapshot(security)
    security.status = SecurityStatus.REFUNDED
    security.refunded_on = refunded_on
    security.save(update_fields=["status", "refunded_on"])
    action = "bid_security.refund" if isinstance(security, BidSecurity) else "performance_security.refund"
    audit_record(
        actor=actor, action=action, obj=security, before=before, after={**snapshot(security), "late": late}, at=at
    )


@transaction.atomic
def bid_security_refund(*, security: BidSecurity, refunded_on: dt.date, actor: Any, at: dt.datetime) -> BidSecurity:
    """Refund the cash or release the guarantee once its trigger has happened (S-BID-REFUND-5WD; a refund
    after the due date is recorded and flagged late)."""
    security = (
        BidSecurity.objects.select_for_update(of=("self",))
        .select_related("tender__project__purchaser", "tender__project__agency")
        .get(pk=security.pk)
    )
    project = security.tender.project
    require_manager(actor, project.purchaser, project.agency)
    if security.status != SecurityStatus.HELD:
        raise ServiceError(SecurityError.NOT_REFUNDABLE, "refunded_on", _("Nothing is held for this bid."))
    [row] = selectors.bid_security_rows(
        selectors.tender_securities(tender=security.tender).filter(pk=security.pk), today=_local(at)
    )
    if row.trigger_on is None:
        raise ServiceError(
            SecurityError.NOT_REFUNDABLE,
            "refunded_on",
            _("Not refundable yet: refunds follow the award notice, the contract signing or the termination."),
        )
    late = row.refund_due is not None and refunded_on > row.refund_due
    _give_back(security, start=row.trigger_on, refunded_on=refunded_on, actor=actor, at=at, late=late)
    return security


@transaction.atomic
def performance_security_record(
    *,
    contract: Contract,
    form: SecurityForm,
    amount_fen: int,
    reference: str,
    provided_on: dt.date,
    actor: Any,
    at: dt.datetime,
) -> PerformanceSecurity:
    """S-PERF-10PCT: at most 10 % of the contract amount (configurable), by guarantee or transfer."""
    contract = (
        Contract.objects.select_for_update(of=("self",))
        .select_related("project__purchaser", "supplier")
        .get(pk=contract.pk)
    )
    require_manager(actor, contract.project.purchaser)
    cap = procurement_rules.performance_security_cap(contract.amount_fen, on=contract.signed_on)
    if form == SecurityForm.EXEMPT:
        raise ServiceError(
            SecurityError.AMOUNT,
            "form",
            _("Record a guarantee or a transfer; nothing is recorded when no performance security is asked."),
        )
    if PerformanceSecurity.objects.filter(contract=contract).exists():
        raise ServiceError(
            SecurityError.ALREADY, "form", _("The performance security of this contract is already recorded.")
        )
    if not 0 < amount_fen <= cap:
        raise ServiceError(
            SecurityError.OVER_CAP,
            "amount_fen",
            _("Performance security may be at most {share} of the contract amount (S-PERF-10PCT): at most ¥{cap}."),
            share="10%",
            cap=procurement_rules.fen_to_yuan(cap),
        )
    if not contract.signed_on <= provided_on <= _local(at):
        raise ServiceError(
            SecurityError.DATE,
            "provided_on",
            _("The date must lie between the contract signing ({signed}) and today."),
            signed=contract.signed_on.isoformat(),
        )
    if form == SecurityForm.GUARANTEE:
        guarantee = _guarantee(
            reference, kind="performance", applicant=contract.supplier, beneficiary=contract.project.purchaser, at=at
        )
        if guarantee.contract_id not in (None, contract.pk) or guarantee.amount_fen < amount_fen:
            raise ServiceError(
                SecurityError.GUARANTEE_MISMATCH,
                "reference",
                _("The guarantee must be for this contract and cover at least ¥{amount}."),
                amount=procurement_rules.fen_to_yuan(amount_fen),
            )
        from zhengcai.guarantees.services import guarantee_accept

        guarantee_accept(guarantee=guarantee, actor=actor, at=at)
        reference = guarantee.number
    security = PerformanceSecurity.objects.create(
        contract=contract,
        form=form,
        amount_fen=amount_fen,
        reference=reference.strip()[:100],
        provided_on=provided_on,
        recorded_at=at,
        recorded_by=actor,
    )
    audit_record(actor=actor, action="performance_security.record", obj=security, after=snapshot(security), at=at)
    return security


@transaction.atomic
def performance_security_refund(
    *, security: PerformanceSecurity, refunded_on: dt.date, actor: Any, at: dt.datetime
) -> PerformanceSecurity:
    security = (
        PerformanceSecurity.objects.select_for_update(of=("self",))
        .select_related("contract__project__purchaser")
        .get(pk=security.pk)
    )
    contract = security.contract
    require_manager(actor, contract.project.purchaser)
    if security.status != SecurityStatus.HELD:
        raise ServiceError(SecurityError.NOT_REFUNDABLE, "refunded_on", _("Nothing is held for this contract."))
    if not contract.acceptance_passed or contract.accepted_on is None:
        raise ServiceError(
            SecurityError.NOT_REFUNDABLE,
            "refunded_on",
            _("The performance security is returned after the acceptance."),
        )
    _give_back(security, start=contract.accepted_on, refunded_on=refunded_on, actor=actor, at=at, late=False)
    return security
