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
from typing import Any, cast

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
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
from .services import local_date, require_manager, require_not_suspended, tender_key_aad


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
    SCORED = "procurement.evaluation.scored"


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


class _PkOnly:
    """Stands in for a model of which only ``.pk`` is read (by ``_bid_aad``), so that opening N bids
    does not build N supplier instances just to name them in the associated data."""

    __slots__ = ("pk",)

    def __init__(self, pk: int) -> None:
        self.pk = pk


def _open_bid(tender: Tender, key: crypto.OpeningKey, row: tuple[Any, ...], at: dt.datetime) -> BidOpening:
    """Decrypt one sealed bid (a ``values_list`` row of ``tender_open``), check it against its receipt hash
    and return its unsaved opening-record line. Raises ``BidError.TAMPERED`` for any alteration."""
    bid_id, supplier_id, version, supplier_size, ephemeral_public, nonce, ciphertext, content_hash = row
    supplier = cast(Organization, _PkOnly(supplier_id))
    try:
        content = key.open(crypto.Sealed(ephemeral_public, nonce, ciphertext), aad=_bid_aad(tender, supplier, version))
    except crypto.SealError as exc:
        raise ServiceError(
            BidError.TAMPERED, "bid", _("Bid {bid} fails decryption: it was altered."), bid=bid_id
        ) from exc
    if crypto.sha256_hex(content) != content_hash:
        raise ServiceError(BidError.TAMPERED, "bid", _("Bid {bid} does not match its receipt hash."), bid=bid_id)
    data = json.loads(content)
    return BidOpening(
        bid_id=bid_id,
        tender=tender,
        price_fen=int(data["price_fen"]),
        technical_response=data["technical_response"],
        small_or_micro=supplier_size in SMALL_OR_MICRO,
        opened_at=at,
    )


_PER_BID = frozenset({"bid_id", "price_fen", "technical_response", "small_or_micro"})


def _shared_values(lines: list[BidOpening], fields: list[Any]) -> dict[str, Any] | None:
    """The prepared value of each column that is the same on every line (tender, opening time, defaults),
    or ``None`` when one is not, or is a database-side expression: then only ``bulk_create`` will do."""
    first = lines[0]
    shared: dict[str, Any] = {}
    for field in fields:
        if field.attname in _PER_BID:
            continue
        value = getattr(first, field.attname)
        if hasattr(value, "as_sql") or any(getattr(line, field.attname) != value for line in lines):
            return None
        shared[field.attname] = field.get_db_prep_save(field.pre_save(first, True), connection)
    return shared


def _opening_record_write(lines: list[BidOpening]) -> None:
    """``bulk_create`` of the opening record without its per-value work (a third of a second for 10,000 lines).

    The lines differ only in what comes from their bids (``_PER_BID``); every other column is
    prepared once. PostgreSQL takes one ``INSERT … SELECT … FROM unnest(arrays)``; SQLite one
    prepared statement run per line (``executemany``). Each line gets its id, matched by bid (a bid
    has one line), and is marked saved, as ``bulk_create`` does; no signal is sent, as with
    ``bulk_create``. Another backend, or a column that differs between lines, goes through
    ``bulk_create``. Table and column names come from the model's ``_meta``, values are parameters."""
    meta = BidOpening._meta
    fields: list[Any] = [field for field in meta.concrete_fields if not field.primary_key]
    shared = _shared_values(lines, fields) if lines and connection.vendor in {"postgresql", "sqlite"} else None
    if shared is None:
        BidOpening.objects.bulk_create(lines)
        return
    qn = connection.ops.quote_name
    key_fields: list[Any] = [meta.pk, meta.get_field("bid"), meta.get_field("tender")]
    table, pk, bid, tender = qn(meta.db_table), *(qn(field.column) for field in key_fields)
    columns = ", ".join(qn(field.column) for field in fields)
    per_bid = [field for field in fields if field.attname in _PER_BID]

    def prepared(field: Any) -> list[Any]:
        return [field.get_db_prep_save(getattr(line, field.attname), connection) for line in lines]

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            select = [
                f"u.{field.attname}" if field.attname in _PER_BID else f"%s::{field.db_type(connection)}"
                for field in fields
            ]
            arrays = ", ".join(f"%s::{field.db_type(connection).split('(')[0]}[]" for field in per_bid)
            names = ", ".join(field.attname for field in per_bid)
            params = [shared[field.attname] for field in fields if field.attname not in _PER_BID]
            sql = (
                f"INSERT INTO {table} ({columns}) SELECT {', '.join(select)} "  # noqa: S608
                f"FROM unnest({arrays}) AS u({names}) RETURNING {pk}, {bid}"
            )
            cursor.execute(sql, [*params, *(prepared(field) for field in per_bid)])
        else:
            values = {field.attname: prepared(field) for field in per_bid}
            rows = [
                tuple(values[f.attname][i] if f.attname in _PER_BID else shared[f.attname] for f in fields)
                for i in range(len(lines))
            ]
            placeholders = ", ".join(["%s"] * len(fields))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", rows)  # noqa: S608
            cursor.execute(f"SELECT {pk}, {bid} FROM {table} WHERE {tender} = %s", [lines[0].tender_id])  # noqa: S608
        ids = {bid_id: line_id for line_id, bid_id in cursor.fetchall()}
    for line in lines:
        line.pk = ids[line.bid_id]
        line._state.adding = False
        line._state.db = connection.alias


@transaction.atomic
def tender_open(*, tender: Tender, actor: Any, at: dt.datetime) -> OpeningResult:
    """开标 at the deadline: unwrap the opening key, decrypt and check every live bid, write the record.
    Fewer valid bidders than the method requires fails the procurement (M-MIN-BIDDERS).

    The bids are read as plain rows (no model instance, no supplier join: the associated data needs
    only the supplier's id) and the opening key is built once for all of them."""
    tender = (
        Tender.objects.select_for_update(of=("self",))
        .select_related("project__purchaser", "project__agency")
        .get(pk=tender.pk)
    )
    project = tender.project
    require_manager(actor, project.purchaser, project.agency)
    require_not_suspended(project)
    if at < tender.deadline:
        raise ServiceError(
            BidError.TOO_EARLY_TO_OPEN,
            "opened_at",
            _("Bids can be opened only at or after the deadline {deadline}."),
            deadline=tender.deadline.isoformat(),
        )
    check_transition(PROJECT_TRANSITIONS, project.status, ProjectStatus.OPENED, labels=ProjectStatus)
    key = TenderKey.objects.select_for_update(of=("self",)).get(tender=tender)
    opening_key = crypto.OpeningKey(crypto.unwrap_private_key(key.wrapped_private_key, aad=tender_key_aad(tender)))
    key.unwrapped_at = at
    key.save(update_fields=["unwrapped_at"])
    rows = (
        Bid.objects.filter(tender=tender, status=BidStatus.SUBMITTED)
        .order_by("submitted_at", "id")
        .values_list(
            "id", "supplier_id", "version", "supplier_size", "ephemeral_public", "nonce", "ciphertext", "content_hash"
        )
    )
    lines = [_open_bid(tender, opening_key, row, at) for row in rows]
    _opening_record_write(lines)
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


def _ranks_write(lines: list[BidOpening]) -> None:
    """Write ``evaluated_price_fen`` and ``rank`` of every line in one pass.

    ``bulk_update`` builds a ``CASE WHEN id = … THEN …`` per row and field, which costs seconds for
    10,000 lines (mostly in Python, compiling the expressions). PostgreSQL takes one ``UPDATE … FROM
    unnest(arrays)``; SQLite one prepared statement run per row (``executemany``, in C). Other backends
    keep ``bulk_update``. Table and column names come from the model's ``_meta``, values are parameters."""
    if connection.vendor not in {"postgresql", "sqlite"}:
        BidOpening.objects.bulk_update(lines, ["evaluated_price_fen", "rank"], batch_size=500)
        return
    meta = BidOpening._meta
    qn = connection.ops.quote_name
    table = qn(meta.db_table)
    fields: list[Any] = [meta.get_field("evaluated_price_fen"), meta.get_field("rank"), meta.pk]
    price, rank, pk = (qn(field.column) for field in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            price_t, rank_t, pk_t = (field.db_type(connection).split("(")[0] for field in fields)
            sql = (
                f"UPDATE {table} SET {price} = v.price, {rank} = v.rank "  # noqa: S608
                f"FROM unnest(%s::{price_t}[], %s::{rank_t}[], %s::{pk_t}[]) AS v(price, rank, pk) "
                f"WHERE {table}.{pk} = v.pk"
            )
            columns: list[list[int | None]] = [
                [ln.evaluated_price_fen for ln in lines],
                [ln.rank for ln in lines],
                [ln.pk for ln in lines],
            ]
            cursor.execute(sql, columns)
        else:
            sql = f"UPDATE {table} SET {price} = %s, {rank} = %s WHERE {pk} = %s"  # noqa: S608
            cursor.executemany(sql, [(ln.evaluated_price_fen, ln.rank, ln.pk) for ln in lines])


@transaction.atomic
def evaluate_lowest_price(*, project: Project, actor: Any, at: dt.datetime) -> list[BidOpening]:
    """Lowest evaluated price: small/micro bidders' prices deducted (SME-PRICE-DEDUCT) unless the
    project is reserved for SMEs; ties go to the earlier bid, then the lower bid id — reproducible."""
    project = Project.objects.select_for_update(of=("self",)).get(pk=project.pk)
    require_manager(actor, project.purchaser, project.agency)
    check_transition(PROJECT_TRANSITIONS, project.status, ProjectStatus.EVALUATED, labels=ProjectStatus)
    require_not_suspended(project)
    if project.evaluation_method != EvaluationMethod.LOWEST_PRICE:
        raise ServiceError(
            BidError.SCORED,
            "evaluation_method",
            _("This project is evaluated by comprehensive scoring: the committee's scoring sheets rank the bids."),
        )
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
    _ranks_write(lines)
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
    require_not_suspended(project)
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
