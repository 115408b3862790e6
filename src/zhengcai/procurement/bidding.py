"""Sealed bids, opening, evaluation and award (services).

Before the deadline a bid exists only as ciphertext sealed to the tender's opening key, whose
private half is wrapped under a key kept outside the database; nothing here can read a bid
before ``tender.deadline``. The supplier gets a platform-signed receipt with the content hash.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from zhengcai.accounts.selectors import scope_reaches
from zhengcai.core import crypto
from zhengcai.core.audit import audit_record, snapshot
from zhengcai.core.errors import ServiceError
from zhengcai.core.fsm import check_transition
from zhengcai.core.permissions import P
from zhengcai.opendata.services import release_publish
from zhengcai.organizations.models import EnterpriseSize, Organization, OrganizationKind, OrganizationStatus

from . import notices, rules
from .models import (
    PROJECT_TRANSITIONS,
    Award,
    Bid,
    BidOpening,
    BidStatus,
    EvaluationMethod,
    Project,
    ProjectStatus,
    Tender,
    TenderKey,
)
from .rules import Method
from .services import local_date, require_manager, tender_key_aad


class BidError(StrEnum):
    NOT_ACTIVE_SUPPLIER = "procurement.bid.supplier_not_active"
    NOT_OPEN = "procurement.bid.tender_not_open"
    LATE = "procurement.bid.late"
    PRICE = "procurement.bid.price"
    SEALED = "procurement.bid.sealed"
    TOO_EARLY_TO_OPEN = "procurement.opening.too_early"
    TAMPERED = "procurement.opening.tampered"
    NOT_WITHDRAWABLE = "procurement.bid.not_withdrawable"
    NO_VALID_BID = "procurement.evaluation.no_valid_bid"
    SME_RESERVED = "procurement.bid.sme_reserved"


SMALL_OR_MICRO = {EnterpriseSize.SMALL, EnterpriseSize.MICRO}


def _bid_aad(tender: Tender, supplier: Organization, version: int) -> bytes:
    return f"zhengcai bid tender={tender.pk} supplier={supplier.pk} version={version}".encode()


def receipt_payload(bid: Bid) -> dict[str, Any]:
    return {
        "bid": bid.pk,
        "tender": bid.tender_id,
        "supplier": bid.supplier.credit_code,
        "version": bid.version,
        "submitted_at": bid.submitted_at.isoformat(),
        "content_sha256": bid.content_hash,
    }


@dataclass(frozen=True)
class BidReceipt:
    bid: Bid
    payload: dict[str, Any]
    signature: str
    public_key: str


def _check_bidder(actor: Any, supplier: Organization) -> None:
    if not scope_reaches(user=actor, perm=P.BID_SUBMIT, organization=supplier):
        raise PermissionDenied
    if supplier.kind != OrganizationKind.SUPPLIER or supplier.status != OrganizationStatus.ACTIVE:
        raise ServiceError(
            BidError.NOT_ACTIVE_SUPPLIER, "supplier", _("Only a supplier approved by the bureau can bid.")
        )


def _check_open_for_bids(tender: Tender, at: dt.datetime) -> None:
    if tender.project.status != ProjectStatus.TENDERING:
        raise ServiceError(BidError.NOT_OPEN, "tender", _("This procurement is not open for bids."))
    if at >= tender.deadline:
        raise ServiceError(
            BidError.LATE,
            "submitted_at",
            _("The bid deadline {deadline} has passed; late bids are refused."),
            deadline=tender.deadline.isoformat(),
        )


@transaction.atomic
def bid_submit(
    *, tender: Tender, supplier: Organization, price_fen: int, technical_response: str, actor: Any, at: dt.datetime
) -> BidReceipt:
    """Seal and store a bid (replacing the supplier's earlier one); return the signed receipt."""
    tender = Tender.objects.select_for_update(of=("self",)).select_related("project", "key").get(pk=tender.pk)
    _check_bidder(actor, supplier)
    _check_open_for_bids(tender, at)
    if not 0 < price_fen <= tender.project.max_price_fen:
        raise ServiceError(
            BidError.PRICE,
            "price_fen",
            _("The bid price must be more than zero and not above the maximum price ¥{max}."),
            max=rules.fen_to_yuan(tender.project.max_price_fen),
        )
    if tender.project.sme_reserved and supplier.size == EnterpriseSize.LARGE:
        raise ServiceError(
            BidError.SME_RESERVED,
            "supplier",
            _(
                "This procurement is reserved for small and medium enterprises (SME-RESERVE-ALL); a large enterprise cannot bid."
            ),
        )
    previous = (
        Bid.objects.select_for_update(of=("self",))
        .filter(tender=tender, supplier=supplier)
        .order_by("-version")
        .first()
    )
    version = (previous.version + 1) if previous else 1
    if previous is not None and previous.status == BidStatus.SUBMITTED:
        previous.status = BidStatus.REPLACED
        previous.save(update_fields=["status"])
    content = crypto.canonical(
        {"price_fen": price_fen, "technical_response": technical_response, "salt": secrets.token_hex(16)}
    )
    sealed = crypto.seal(crypto.unb64(tender.key.public_key), content, aad=_bid_aad(tender, supplier, version))
    bid = Bid(
        tender=tender,
        supplier=supplier,
        version=version,
        supplier_size=supplier.size,
        submitted_at=at,
        submitted_by=actor,
        ephemeral_public=sealed.ephemeral_public,
        nonce=sealed.nonce,
        ciphertext=sealed.ciphertext,
        content_hash=crypto.sha256_hex(content),
    )
    bid.save()
    payload = receipt_payload(bid)
    bid.receipt_signature = crypto.sign(payload)
    bid.save(update_fields=["receipt_signature"])
    audit_record(
        actor=actor,
        action="bid.submit",
        obj=bid,
        after={"tender": tender.pk, "supplier": supplier.pk, "version": version, "content_sha256": bid.content_hash},
        at=at,
    )
    return BidReceipt(
        bid=bid, payload=payload, signature=bid.receipt_signature, public_key=crypto.platform_public_key()
    )


@transaction.atomic
def bid_withdraw(*, bid: Bid, actor: Any, at: dt.datetime) -> Bid:
    bid = Bid.objects.select_for_update(of=("self",)).select_related("tender__project", "supplier").get(pk=bid.pk)
    _check_bidder(actor, bid.supplier)
    _check_open_for_bids(bid.tender, at)
    if bid.status != BidStatus.SUBMITTED:
        raise ServiceError(BidError.NOT_WITHDRAWABLE, "bid", _("Only the current version of a bid can be withdrawn."))
    bid.status = BidStatus.WITHDRAWN
    bid.withdrawn_at = at
    bid.save(update_fields=["status", "withdrawn_at"])
    audit_record(actor=actor, action="bid.withdraw", obj=bid, after={"status": bid.status}, at=at)
    return bid


def bid_read(*, bid: Bid, actor: Any, at: dt.datetime) -> BidOpening:
    """A bid's content — only from the opening record, so never before the opening."""
    opening = BidOpening.objects.filter(bid=bid).first()
    if opening is None or at < bid.tender.deadline:
        raise ServiceError(
            BidError.SEALED,
            "bid",
            _("Bids are sealed until the opening at {deadline}; nobody can read them before."),
            deadline=bid.tender.deadline.isoformat(),
        )
    project = bid.tender.project
    if not (
        scope_reaches(user=actor, perm=P.PROCUREMENT_MANAGE, organization=project.purchaser)
        or (project.agency and scope_reaches(user=actor, perm=P.PROCUREMENT_MANAGE, organization=project.agency))
        or scope_reaches(user=actor, perm=P.PROCUREMENT_VIEW_ALL, organization=project.purchaser)
        or scope_reaches(user=actor, perm=P.BID_SUBMIT, organization=bid.supplier)
    ):
        raise PermissionDenied
    return opening


@dataclass(frozen=True)
class OpeningResult:
    lines: list[BidOpening]
    failed: bool


@transaction.atomic
def tender_open(*, tender: Tender, actor: Any, at: dt.datetime) -> OpeningResult:
    """开标 at the deadline: unwrap the opening key, decrypt and check every live bid, write the record.
    Fewer valid bidders than the method requires fails the procurement (M-MIN-BIDDERS)."""
    tender = (
        Tender.objects.select_for_update(of=("self",))
        .select_related("project__purchaser", "project__agency")
        .get(pk=tender.pk)
    )
    project = tender.project
    require_manager(actor, project.purchaser, project.agency)
    if at < tender.deadline:
        raise ServiceError(
            BidError.TOO_EARLY_TO_OPEN,
            "opened_at",
            _("Bids can be opened only at or after the deadline {deadline}."),
            deadline=tender.deadline.isoformat(),
        )
    check_transition(PROJECT_TRANSITIONS, project.status, ProjectStatus.OPENED, labels=ProjectStatus)
    key = TenderKey.objects.select_for_update(of=("self",)).get(tender=tender)
    private = crypto.unwrap_private_key(key.wrapped_private_key, aad=tender_key_aad(tender))
    key.unwrapped_at = at
    key.save(update_fields=["unwrapped_at"])
    lines = []
    bids = (
        Bid.objects.filter(tender=tender, status=BidStatus.SUBMITTED)
        .select_related("supplier")
        .order_by("submitted_at", "id")
    )
    for bid in bids:
        sealed = crypto.Sealed(bid.ephemeral_public, bid.nonce, bid.ciphertext)
        try:
            content = crypto.open_sealed(private, sealed, aad=_bid_aad(tender, bid.supplier, bid.version))
        except crypto.SealError as exc:
            raise ServiceError(
                BidError.TAMPERED, "bid", _("Bid {bid} fails decryption: it was altered."), bid=bid.pk
            ) from exc
        if crypto.sha256_hex(content) != bid.content_hash:
            raise ServiceError(BidError.TAMPERED, "bid", _("Bid {bid} does not match its receipt hash."), bid=bid.pk)
        data = json.loads(content)
        lines.append(
            BidOpening(
                bid=bid,
                tender=tender,
                price_fen=int(data["price_fen"]),
                technical_response=data["technical_response"],
                small_or_micro=bid.supplier_size in SMALL_OR_MICRO,
                opened_at=at,
            )
        )
    BidOpening.objects.bulk_create(lines)
    before = snapshot(project)
    failed = len(lines) < rules.METHOD_RULES[Method(project.method)].min_bidders
    project.status = ProjectStatus.FAILED if failed else ProjectStatus.OPENED
    project.save(update_fields=["status"])
    audit_record(
        actor=actor,
        action="tender.open",
        obj=tender,
        after={"bids": [[line.bid_id, line.price_fen] for line in lines], "failed": failed},
        at=at,
    )
    audit_record(actor=actor, action="project.status", obj=project, before=before, after=snapshot(project), at=at)
    release_publish(project_or_intention=project, tags=["tenderUpdate"], at=at)
    if failed:
        reason = f"有效投标人不足{rules.METHOD_RULES[Method(project.method)].min_bidders}家（实际{len(lines)}家）"
        notices.termination_notice(project, reason, actor=actor, at=at)
    return OpeningResult(lines=lines, failed=failed)


@transaction.atomic
def evaluate_lowest_price(*, project: Project, actor: Any, at: dt.datetime) -> list[BidOpening]:
    """Lowest evaluated price: small/micro bidders' prices deducted (SME-PRICE-DEDUCT) unless the
    project is reserved for SMEs; ties go to the earlier bid, then the lower bid id — reproducible."""
    project = Project.objects.select_for_update(of=("self",)).get(pk=project.pk)
    require_manager(actor, project.purchaser, project.agency)
    check_transition(PROJECT_TRANSITIONS, project.status, ProjectStatus.EVALUATED, labels=ProjectStatus)
    if project.evaluation_method != EvaluationMethod.LOWEST_PRICE:
        raise PermissionDenied  # comprehensive scoring goes through the experts' scoring sheets
    deduction = Decimal(0) if project.sme_reserved else project.sme_deduction_percent
    lines = list(BidOpening.objects.filter(tender__project=project, valid=True).select_related("bid"))
    if not lines:
        raise ServiceError(BidError.NO_VALID_BID, "bids", _("There is no valid bid to evaluate."))
    for line in lines:
        line.evaluated_price_fen = rules.evaluated_price(
            line.price_fen, small_or_micro=line.small_or_micro, deduction_percent=deduction
        )
    lines.sort(key=lambda ln: (ln.evaluated_price_fen, ln.bid.submitted_at, ln.bid_id))
    for rank, line in enumerate(lines, start=1):
        line.rank = rank
    BidOpening.objects.bulk_update(lines, ["evaluated_price_fen", "rank"], batch_size=500)
    before = snapshot(project)
    project.status = ProjectStatus.EVALUATED
    project.save(update_fields=["status"])
    audit_record(
        actor=actor,
        action="project.evaluate",
        obj=project,
        before=before,
        after={
            "ranking": [[ln.bid_id, ln.price_fen, ln.evaluated_price_fen] for ln in lines],
            "deduction_percent": deduction,
        },
        at=at,
    )
    return lines


@transaction.atomic
def award_decide(*, project: Project, actor: Any, at: dt.datetime) -> Award:
    """The purchaser confirms the first-ranked bidder; the result notice is due within 2 WD (D-RESULT-2WD)."""
    project = Project.objects.select_for_update(of=("self",)).get(pk=project.pk)
    require_manager(actor, project.purchaser)
    check_transition(PROJECT_TRANSITIONS, project.status, ProjectStatus.AWARDED, labels=ProjectStatus)
    winner = BidOpening.objects.filter(tender__project=project, rank=1).select_related("bid").first()
    if winner is None:
        raise ServiceError(BidError.NO_VALID_BID, "bids", _("There is no ranked bid to award."))
    award = Award.objects.create(
        project=project,
        winning_bid=winner.bid,
        amount_fen=winner.price_fen,
        determined_at=at,
        result_notice_due=rules.result_notice_due(local_date(at)),
    )
    before = snapshot(project)
    project.status = ProjectStatus.AWARDED
    project.save(update_fields=["status"])
    audit_record(actor=actor, action="award.decide", obj=award, after=snapshot(award), at=at)
    audit_record(actor=actor, action="project.status", obj=project, before=before, after=snapshot(project), at=at)
    release_publish(project_or_intention=project, tags=["award"], at=at)
    return award
