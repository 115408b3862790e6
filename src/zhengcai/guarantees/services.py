"""Writes of the guarantees app: issuer keys, issuance, verification, and the lifecycle.

Every service checks first (permission, rules), then writes inside one transaction with its audit
event; webhooks to the issuer's systems are queued in the same transaction and sent after commit.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from zhengcai.accounts.selectors import scope_reaches
from zhengcai.core import crypto
from zhengcai.core.audit import audit_record, snapshot
from zhengcai.core.errors import ServiceError, raise_if_any
from zhengcai.core.fsm import check_transition
from zhengcai.core.money import fen_to_decimal_yuan
from zhengcai.core.permissions import P
from zhengcai.integrations.webhooks import webhook_emit
from zhengcai.opendata.services import release_publish
from zhengcai.organizations.models import Organization, OrganizationKind, OrganizationStatus
from zhengcai.procurement.models import Contract, Project, ProjectStatus, Tender

from . import offline, rules, signing
from .errors import PROBLEMS, GuaranteeError
from .models import (
    GUARANTEE_TRANSITIONS,
    Claim,
    Draft,
    Guarantee,
    GuaranteeKind,
    GuaranteeStatus,
    IssuerKey,
    NumberSequence,
)

ISSUER_KINDS = frozenset({OrganizationKind.BANK, OrganizationKind.GUARANTOR})
DRAFT_LIFETIME = dt.timedelta(minutes=30)
NUMBER_PREFIX = "HZBH"
SYSTEM = "system:guarantees"


def local_date(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


def _key_aad(kid: str) -> bytes:
    return f"zhengcai guarantee key {kid}".encode()


def _require_issuer(actor: Any, institution: Organization) -> None:
    if not scope_reaches(user=actor, perm=P.GUARANTEE_ISSUE, organization=institution):
        raise PermissionDenied


def _check_institution(institution: Organization) -> ServiceError | None:
    if institution.kind in ISSUER_KINDS and institution.status == OrganizationStatus.ACTIVE:
        return None
    return ServiceError(
        GuaranteeError.ISSUER, "issuer", _("Only an active bank or guarantee institution may issue guarantees.")
    )


# --- keys -------------------------------------------------------------------------------------------


def _next_kid(institution: Organization) -> str:
    n = IssuerKey.objects.filter(institution=institution).count() + 1
    return f"{institution.credit_code or institution.pk}-K{n:02d}"


def _retire_active(institution: Organization, *, custodial: bool, actor: Any, at: dt.datetime) -> None:
    for old in IssuerKey.objects.select_for_update().filter(
        institution=institution, custodial=custodial, retired_at__isnull=True, revoked_at__isnull=True
    ):
        old.retired_at = at
        old.save(update_fields=["retired_at"])
        audit_record(actor=actor, action="guarantee_key.retire", obj=old, after={"retired_at": at}, at=at)


def _key_create(
    *,
    institution: Organization,
    public: str,
    custodial: bool,
    wrapped: str = "",
    kid: str,
    actor: Any,
    at: dt.datetime,
) -> IssuerKey:
    key = IssuerKey(
        institution=institution,
        kid=kid,
        public_key=public,
        custodial=custodial,
        wrapped_private_key=wrapped,
        valid_from=at.replace(microsecond=0),
        created_at=at,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    # The bureau certifies the registration: its key signs who the key belongs to and from when.
    key.certificate_signature = crypto.sign(signing.key_certificate(key))
    key.save()
    audit_record(
        actor=actor,
        action="guarantee_key.register",
        obj=key,
        after=snapshot(key, ["institution", "kid", "public_key", "custodial", "valid_from", "certificate_signature"]),
        at=at,
    )
    return key


@transaction.atomic
def issuer_key_generate(*, institution: Organization, actor: Any, at: dt.datetime) -> IssuerKey:
    """A new platform-kept (custodial) key for the institution; the active one, if any, is retired
    (rotation): it keeps verifying what it signed."""
    _require_issuer(actor, institution)
    raise_if_any([e for e in [_check_institution(institution)] if e])
    Organization.objects.select_for_update().filter(pk=institution.pk).first()  # one rotation at a time
    _retire_active(institution, custodial=True, actor=actor, at=at)
    private = Ed25519PrivateKey.generate()
    raw = private.private_bytes(crypto.RAW, crypto.RAW_PRIV, crypto.NO_ENC)
    public = crypto.b64(private.public_key().public_bytes(crypto.RAW, crypto.RAW_PUB))
    kid = _next_kid(institution)
    wrapped = crypto.wrap_private_key(raw, aad=_key_aad(kid))
    return _key_create(
        institution=institution, public=public, custodial=True, wrapped=wrapped, kid=kid, actor=actor, at=at
    )


def _decode_public_key(text: str) -> str | None:
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None
    if len(raw) != 32:
        return None
    try:
        offline.public_key(crypto.b64(raw))
    except ValueError:
        return None
    return crypto.b64(raw)


@transaction.atomic
def issuer_key_register(*, institution: Organization, public_key: str, actor: Any, at: dt.datetime) -> IssuerKey:
    """Register a key the institution holds itself (its API calls then carry signatures); rotation retires
    the previous institution-held key."""
    _require_issuer(actor, institution)
    errors = [e for e in [_check_institution(institution)] if e]
    public = _decode_public_key(public_key)
    if public is None:
        errors.append(
            ServiceError(
                GuaranteeError.KEY_FORMAT, "public_key", _("The public key must be 32 bytes of Ed25519, in base64.")
            )
        )
    elif IssuerKey.objects.filter(public_key=public).exists():
        errors.append(
            ServiceError(GuaranteeError.KEY_TAKEN, "public_key", _("This public key is already registered."))
        )
    raise_if_any(errors)
    assert public is not None  # noqa: S101 - narrowed by the check above
    Organization.objects.select_for_update().filter(pk=institution.pk).first()
    _retire_active(institution, custodial=False, actor=actor, at=at)
    return _key_create(
        institution=institution, public=public, custodial=False, kid=_next_kid(institution), actor=actor, at=at
    )


@transaction.atomic
def issuer_key_revoke(*, key: IssuerKey, reason: str, actor: Any, at: dt.datetime) -> IssuerKey:
    """Revoke a key (compromised, or the institution withdrawn): every guarantee it signed then verifies
    as "key revoked". The institution or the bureau's reviewers may revoke."""
    key = IssuerKey.objects.select_for_update(of=("self",)).select_related("institution").get(pk=key.pk)
    if not (
        scope_reaches(user=actor, perm=P.GUARANTEE_ISSUE, organization=key.institution)
        or scope_reaches(user=actor, perm=P.SUPPLIER_REVIEW, organization=key.institution)
    ):
        raise PermissionDenied
    errors: list[ServiceError] = []
    if key.revoked_at is not None:
        errors.append(ServiceError(GuaranteeError.KEY_STATE, "key", _("This key is already revoked.")))
    if not reason.strip():
        errors.append(ServiceError(GuaranteeError.KEY_STATE, "reason", _("Give the reason for the revocation.")))
    raise_if_any(errors)
    before = snapshot(key, ["retired_at", "revoked_at"])
    key.revoked_at = at
    key.revocation_reason = reason.strip()
    key.save(update_fields=["revoked_at", "revocation_reason"])
    audit_record(
        actor=actor,
        action="guarantee_key.revoke",
        obj=key,
        before=before,
        after={"revoked_at": at, "reason": key.revocation_reason},
        at=at,
    )
    return key


# --- issuance ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GuaranteeInput:
    kind: str
    issuer: Organization
    applicant: Organization
    project: Project
    contract: Contract | None
    amount_fen: int
    valid_from: dt.date
    valid_until: dt.date


def _check(data: GuaranteeInput, at: dt.datetime) -> None:
    """All the rules at once (one bilingual error per broken rule), before anything is written."""
    errors: list[ServiceError] = []
    if err := _check_institution(data.issuer):
        errors.append(err)
    if data.applicant.kind != OrganizationKind.SUPPLIER or data.applicant.status != OrganizationStatus.ACTIVE:
        errors.append(
            ServiceError(GuaranteeError.APPLICANT, "applicant", _("The applicant must be an active supplier."))
        )
    if data.kind not in GuaranteeKind.values:
        errors.append(
            ServiceError(GuaranteeError.KIND, "kind", _("The kind must be a bid or a performance guarantee."))
        )
    if err := rules.check_amount_positive(data.amount_fen):
        errors.append(err)
    if err := rules.check_validity(data.valid_from, data.valid_until, today=local_date(at)):
        errors.append(err)
    if data.kind == GuaranteeKind.BID:
        tender = Tender.objects.filter(project=data.project).first()
        # open at ``at``: published, before the deadline, and the procurement not abandoned
        closed = tender is None or not tender.published_at <= at < tender.deadline
        if closed or data.project.status in {ProjectStatus.DRAFT, ProjectStatus.TERMINATED}:
            errors.append(
                ServiceError(
                    GuaranteeError.TENDER_CLOSED,
                    "project",
                    _("A bid guarantee can only be issued for a tender that is open for bids."),
                )
            )
        elif tender is not None and (
            err := rules.check_bid_validity(data.valid_until, deadline=local_date(tender.deadline))
        ):
            errors.append(err)
        if err := rules.check_bid_cap(data.amount_fen, budget_fen=data.project.budget_fen):
            errors.append(err)
    elif data.kind == GuaranteeKind.PERFORMANCE:
        contract = data.contract
        if contract is None or contract.project_id != data.project.pk:
            errors.append(
                ServiceError(
                    GuaranteeError.CONTRACT,
                    "contract",
                    _("A performance guarantee needs the signed contract of this project."),
                )
            )
        else:
            if contract.supplier_id != data.applicant.pk:
                errors.append(
                    ServiceError(
                        GuaranteeError.CONTRACT_SUPPLIER,
                        "applicant",
                        _("The applicant of a performance guarantee must be the contract's supplier."),
                    )
                )
            if err := rules.check_performance_cap(data.amount_fen, contract=contract):
                errors.append(err)
    raise_if_any(errors)


def _next_number(at: dt.datetime) -> str:
    year = local_date(at).year
    seq = NumberSequence.objects.select_for_update().filter(year=year).first()
    if seq is None:
        try:
            with transaction.atomic():
                NumberSequence.objects.create(year=year, last=0)
        except IntegrityError:
            pass  # created concurrently: lock it below
        seq = NumberSequence.objects.select_for_update().get(year=year)
    seq.last += 1
    seq.save(update_fields=["last"])
    return f"{NUMBER_PREFIX}-{year}-{seq.last:06d}"


def _active_key(issuer: Organization, *, custodial: bool) -> IssuerKey:
    key = IssuerKey.objects.filter(
        institution=issuer, custodial=custodial, retired_at__isnull=True, revoked_at__isnull=True
    ).first()
    if key is None:
        mode = _("kept by the platform") if custodial else _("held by the institution")
        raise ServiceError(
            GuaranteeError.NO_KEY,
            "key",
            _("The institution has no active signing key ({mode}): generate or register one first."),
            mode=mode,
        )
    return key


def _document(data: GuaranteeInput, *, number: str, kid: str, at: dt.datetime) -> dict[str, Any]:
    return signing.guarantee_document(
        number=number,
        kind=data.kind,
        issuer=data.issuer,
        applicant=data.applicant,
        beneficiary=data.project.purchaser,
        project_number=data.project.number,
        contract=data.contract,
        amount_fen=data.amount_fen,
        valid_from=data.valid_from,
        valid_until=data.valid_until,
        issued_at=at,
        kid=kid,
    )


def _locked_input(data: GuaranteeInput) -> GuaranteeInput:
    """Re-read (the project locked) what the rules depend on: the caller's objects may be stale, and a
    concurrent change must not slip between the check and the write."""
    project = Project.objects.select_for_update(of=("self",)).select_related("purchaser").get(pk=data.project.pk)
    contract = Contract.objects.get(pk=data.contract.pk) if data.contract is not None else None
    if data.kind == GuaranteeKind.BID:
        contract = None
    return GuaranteeInput(
        kind=data.kind,
        issuer=Organization.objects.get(pk=data.issuer.pk),
        applicant=Organization.objects.get(pk=data.applicant.pk),
        project=project,
        contract=contract,
        amount_fen=data.amount_fen,
        valid_from=data.valid_from,
        valid_until=data.valid_until,
    )


def _create(
    data: GuaranteeInput, *, number: str, key: IssuerKey, text: str, signature: str, actor: Any, at: dt.datetime
) -> Guarantee:
    guarantee = Guarantee.objects.create(
        number=number,
        kind=data.kind,
        issuer=data.issuer,
        applicant=data.applicant,
        beneficiary=data.project.purchaser,
        project=data.project,
        contract=data.contract,
        amount_fen=data.amount_fen,
        valid_from=data.valid_from,
        valid_until=data.valid_until,
        issued_at=at,
        issued_by=actor if getattr(actor, "is_authenticated", False) else None,
        key=key,
        canonical=text,
        signature=signature,
    )
    audit_record(actor=actor, action="guarantee.issue", obj=guarantee, after=snapshot(guarantee), at=at)
    return guarantee


@transaction.atomic
def guarantee_issue(
    *,
    issuer: Organization,
    kind: str,
    project: Project,
    applicant: Organization,
    amount_fen: int,
    valid_from: dt.date,
    valid_until: dt.date,
    contract: Contract | None = None,
    actor: Any,
    at: dt.datetime,
) -> Guarantee:
    """Issue a bid (S-BID-2PCT) or performance (S-PERF-10PCT) guarantee signed with the issuer's
    platform-kept key. Refused whole, with every broken rule named, when anything is wrong."""
    _require_issuer(actor, issuer)
    data = _locked_input(
        GuaranteeInput(kind, issuer, applicant, project, contract, amount_fen, valid_from, valid_until)
    )
    _check(data, at)
    issued = at.replace(microsecond=0)  # the signed text carries whole seconds (the rules saw the exact time)
    key = _active_key(data.issuer, custodial=True)
    number = _next_number(issued)
    text = signing.canonical_text(_document(data, number=number, kid=key.kid, at=issued))
    private = crypto.unwrap_private_key(key.wrapped_private_key, aad=_key_aad(key.kid))
    signature = signing.sign_custodial(private, text)
    return _create(data, number=number, key=key, text=text, signature=signature, actor=actor, at=issued)


@transaction.atomic
def guarantee_prepare(
    *,
    issuer: Organization,
    kind: str,
    project: Project,
    applicant: Organization,
    amount_fen: int,
    valid_from: dt.date,
    valid_until: dt.date,
    contract: Contract | None = None,
    actor: Any,
    at: dt.datetime,
) -> Draft:
    """Institution-held keys, step 1: check the rules, reserve the number and fix the canonical text that
    the institution signs in its own system (step 2: ``guarantee_sign``)."""
    _require_issuer(actor, issuer)
    data = _locked_input(
        GuaranteeInput(kind, issuer, applicant, project, contract, amount_fen, valid_from, valid_until)
    )
    _check(data, at)
    at = at.replace(microsecond=0)  # the signed text carries whole seconds (the rules saw the exact time)
    key = _active_key(data.issuer, custodial=False)
    number = _next_number(at)
    draft = Draft.objects.create(
        number=number,
        issuer=data.issuer,
        key=key,
        kind=data.kind,
        applicant=data.applicant,
        project=data.project,
        contract=data.contract,
        amount_fen=data.amount_fen,
        valid_from=data.valid_from,
        valid_until=data.valid_until,
        canonical=signing.canonical_text(_document(data, number=number, kid=key.kid, at=at)),
        prepared_at=at,
        expires_at=at + DRAFT_LIFETIME,
    )
    audit_record(actor=actor, action="guarantee.prepare", obj=draft, after={"number": number, "kid": key.kid}, at=at)
    return draft


@transaction.atomic
def guarantee_sign(*, issuer: Organization, number: str, signature: str, actor: Any, at: dt.datetime) -> Guarantee:
    """Institution-held keys, step 2: the signature over the prepared text is verified with the registered
    key before the guarantee exists; the rules are checked again at this moment."""
    _require_issuer(actor, issuer)
    draft = (
        Draft.objects.select_for_update(of=("self",))
        .select_related("key", "project", "contract", "applicant", "issuer")
        .filter(number=number, issuer=issuer, guarantee__isnull=True, expires_at__gt=at)
        .first()
    )
    if draft is None:
        raise ServiceError(
            GuaranteeError.DRAFT,
            "number",
            _(
                "No prepared guarantee with this number is waiting for your signature (or it expired): prepare it again."
            ),
        )
    key = draft.key
    if not key.active:
        raise ServiceError(
            GuaranteeError.KEY_STATE, "key", _("The key this guarantee was prepared for is no longer active.")
        )
    if not offline.signature_ok(
        signing.cached_public_key(key.public_key), signature.strip(), draft.canonical.encode()
    ):
        raise ServiceError(
            GuaranteeError.SIGNATURE,
            "signature",
            _("The signature does not verify with your registered key over the prepared text."),
        )
    data = GuaranteeInput(
        draft.kind,
        draft.issuer,
        draft.applicant,
        draft.project,
        draft.contract,
        draft.amount_fen,
        draft.valid_from,
        draft.valid_until,
    )
    data = _locked_input(data)
    _check(data, at)
    issued_at = offline.parse_moment(json.loads(draft.canonical)["issued_at"]) or draft.prepared_at
    guarantee = _create(
        data,
        number=draft.number,
        key=key,
        text=draft.canonical,
        signature=signature.strip(),
        actor=actor,
        at=issued_at,
    )
    draft.guarantee = guarantee
    draft.save(update_fields=["guarantee"])
    return guarantee


# --- verification -----------------------------------------------------------------------------------

# What verification reads of a guarantee: one row, no model instances (verification is the hot path).
ROW_FIELDS = (
    "number",
    "kind",
    "amount_fen",
    "valid_from",
    "valid_until",
    "status",
    "canonical",
    "signature",
    "project__number",
    "issuer__credit_code",
    "applicant__credit_code",
    "key__kid",
    "key__public_key",
    "key__valid_from",
    "key__certificate_signature",
    "key__revoked_at",
)
CHUNK = 500


@dataclass(frozen=True)
class Problem:
    code: str
    message_zh: str
    message_en: str


_problems: dict[str, Problem] = {}


def problem(code: str) -> Problem:
    known = _problems.get(code)
    if known is None:
        message = PROBLEMS[code]
        with translation.override("zh-hans"):
            zh = str(message)
        with translation.override("en"):
            en = str(message)
        known = _problems[code] = Problem(code, zh, en)
    return known


@dataclass
class VerificationResult:
    valid: bool
    status: str | None
    problems: list[Problem] = field(default_factory=list)
    number: str | None = None
    document: dict[str, Any] | None = None

    @property
    def codes(self) -> list[str]:
        return [p.code for p in self.problems]

    @cached_property
    def guarantee(self) -> Guarantee | None:
        """The guarantee on record (loaded when asked for: verification itself reads one row)."""
        if self.status is None or self.number is None:
            return None
        return (
            Guarantee.objects.select_related("key", "issuer", "applicant", "beneficiary", "project")
            .filter(number=self.number)
            .first()
        )


def _rows(numbers: list[str]) -> dict[str, dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = {}
    for i in range(0, len(numbers), CHUNK):
        for row in Guarantee.objects.filter(number__in=numbers[i : i + CHUNK]).values(*ROW_FIELDS):
            rows[row["number"]] = row
    return rows


def _online_problems(row: dict[str, Any]) -> list[str]:
    codes: list[str] = []
    if row["key__revoked_at"] is not None:
        codes.append("key.revoked")
    status = row["status"]
    if status == GuaranteeStatus.RELEASED:
        codes.append("status.released")
    elif status == GuaranteeStatus.CLAIMED:
        codes.append("status.claimed")
    elif status == GuaranteeStatus.EXPIRED:
        codes.append("status.expired")
    return codes


def _payload_problems(decoded: offline.Payload, *, bureau: str, on: dt.date, signed_bytes: bytes) -> list[str]:
    certified = signing.certificate_valid(decoded, bureau)
    codes = [] if certified else ["key.not_certified"]
    try:
        issuer_key = signing.cached_public_key(str(decoded.key.get("pub", "")))
    except (ValueError, binascii.Error):
        return [*codes, "signature.mismatch"]
    codes.extend(
        offline.verify_payload(
            decoded,
            bureau=signing.cached_public_key(bureau),
            on=on,
            issuer_key=issuer_key,
            certificate_checked=True,
            signed_bytes=signed_bytes,
        )
    )
    return codes


def _record_matches(row: dict[str, Any], document: dict[str, Any]) -> bool:
    """The record's columns say what the signed text says (a database edit of one of them shows)."""
    return (
        document.get("no") == row["number"]
        and document.get("kind") == row["kind"]
        and document.get("amount") == str(fen_to_decimal_yuan(row["amount_fen"]))
        and document.get("valid_from") == row["valid_from"].isoformat()
        and document.get("valid_until") == row["valid_until"].isoformat()
        and document.get("project") == row["project__number"]
        and document.get("kid") == row["key__kid"]
        and document.get("issuer", {}).get("code") == (row["issuer__credit_code"] or "")
        and document.get("applicant", {}).get("code") == (row["applicant__credit_code"] or "")
    )


def _result(codes: list[str], row: dict[str, Any] | None, document: dict[str, Any] | None) -> VerificationResult:
    unique = list(dict.fromkeys(codes))
    number = row["number"] if row is not None else (str(document.get("no", "")) or None if document else None)
    return VerificationResult(
        valid=not unique,
        status=row["status"] if row is not None else None,
        problems=[problem(c) for c in unique],
        number=number,
        document=document,
    )


def _decode(text: str) -> offline.Payload | None:
    try:
        return offline.decode_payload(text)
    except offline.MalformedPayload:
        return None


def _verify_payload(decoded: offline.Payload | None, row_of: Any, *, bureau: str, on: dt.date) -> VerificationResult:
    if decoded is None:
        return VerificationResult(valid=False, status=None, problems=[problem("payload.malformed")])
    signed_bytes = offline.canonical(decoded.document)
    codes = _payload_problems(decoded, bureau=bureau, on=on, signed_bytes=signed_bytes)
    row = row_of(str(decoded.document.get("no", "")))
    if row is None:
        codes.append("guarantee.not_found")
    else:
        if row["canonical"].encode() != signed_bytes or row["signature"] != decoded.signature:
            codes.append("record.mismatch")
        if row["key__public_key"] != decoded.key.get("pub") and "key.mismatch" not in codes:
            codes.append("key.mismatch")
        codes.extend(_online_problems(row))
    return _result(codes, row, decoded.document)


def _verify_row(row: dict[str, Any] | None, *, bureau: str, on: dt.date) -> VerificationResult:
    if row is None:
        return _result(["guarantee.not_found"], None, None)
    # The record's own signature: a changed amount (or anything else) in the database shows here.
    document = json.loads(row["canonical"])
    stored = offline.Payload(
        document=document,
        signature=row["signature"],
        key={
            "pub": row["key__public_key"],
            "from": signing.moment_text(row["key__valid_from"]),
            "sig": row["key__certificate_signature"],
        },
    )
    codes = _payload_problems(stored, bureau=bureau, on=on, signed_bytes=row["canonical"].encode())
    if not _record_matches(row, document):
        codes.append("record.mismatch")
    codes.extend(_online_problems(row))
    return _result(codes, row, document)


def guarantee_verify(*, payload: str | None = None, number: str | None = None, at: dt.datetime) -> VerificationResult:
    """Is this guarantee genuine and in force? From a QR payload (checked offline first, then against the
    record) or from a number (the record's own signature re-checked). Anything altered, forged, signed
    with a revoked or unknown key, expired, released or claimed is reported — never as valid."""
    on = local_date(at)
    bureau = signing.bureau_public_key()
    if payload is not None and payload.strip():
        return _verify_payload(_decode(payload), lambda n: _rows([n]).get(n), bureau=bureau, on=on)
    if number is not None and number.strip():
        return _verify_row(_rows([number.strip()]).get(number.strip()), bureau=bureau, on=on)
    raise ServiceError(
        GuaranteeError.PAYLOAD,
        "payload",
        _("Paste the verification code from the QR code, or enter the guarantee number."),
    )


def guarantees_verify_many(
    *, payloads: list[str] | None = None, numbers: list[str] | None = None, at: dt.datetime
) -> list[VerificationResult]:
    """``guarantee_verify`` for many at once (a securities desk checking every guarantee of an opening,
    a bank's reconciliation): one query per 500 guarantees instead of one each; results in input order."""
    on = local_date(at)
    bureau = signing.bureau_public_key()
    if payloads is not None:
        decoded = [_decode(text) for text in payloads]
        rows = _rows([str(d.document.get("no", "")) for d in decoded if d is not None])
        return [_verify_payload(d, rows.get, bureau=bureau, on=on) for d in decoded]
    wanted = [n.strip() for n in numbers or []]
    rows = _rows(wanted)
    return [_verify_row(rows.get(n), bureau=bureau, on=on) for n in wanted]


# --- lifecycle --------------------------------------------------------------------------------------


def _locked(guarantee: Guarantee) -> Guarantee:
    return (
        Guarantee.objects.select_for_update(of=("self",))
        .select_related("project__purchaser", "project__agency", "issuer", "applicant", "key")
        .get(pk=guarantee.pk)
    )


def _manages_project(actor: Any, project: Project) -> bool:
    return any(
        o is not None and scope_reaches(user=actor, perm=P.PROCUREMENT_MANAGE, organization=o)
        for o in (project.purchaser, project.agency)
    )


def _set_status(guarantee: Guarantee, target: str, *, actor: Any, at: dt.datetime, action: str, **extra: Any) -> None:
    check_transition(GUARANTEE_TRANSITIONS, guarantee.status, target, labels=GuaranteeStatus)
    before = snapshot(guarantee, ["status", "accepted_at", "released_at", "expired_at"])
    guarantee.status = target
    for name, value in extra.items():
        setattr(guarantee, name, value)
    guarantee.save(update_fields=["status", *extra.keys()])
    audit_record(
        actor=actor,
        action=action,
        obj=guarantee,
        before=before,
        after=snapshot(guarantee, ["status", "accepted_at", "released_at", "expired_at"]),
        at=at,
    )
    webhook_emit(
        organization=guarantee.issuer,
        event=f"guarantee.{target}",
        payload={"number": guarantee.number, "status": target, "at": at},
        at=at,
    )
    if guarantee.kind == GuaranteeKind.PERFORMANCE:  # public with the contract (bid guarantees: after opening)
        release_publish(project_or_intention=guarantee.project, tags=["contractUpdate"], at=at)


@transaction.atomic
def guarantee_accept(
    *, guarantee: Guarantee, actor: Any, at: dt.datetime, presented_by_applicant: bool = False
) -> Guarantee:
    """The purchaser (or its agency) takes the guarantee for its tender or contract. It may not refuse a
    valid electronic guarantee (S-BID-2PCT), so acceptance only checks that the guarantee is genuine and
    in force. ``presented_by_applicant``: the supplier presents it (e.g. as its bid security through the
    securities service), which counts as delivery to the purchaser."""
    guarantee = _locked(guarantee)
    allowed = _manages_project(actor, guarantee.project) or (
        presented_by_applicant and scope_reaches(user=actor, perm=P.BID_SUBMIT, organization=guarantee.applicant)
    )
    if not allowed:
        raise PermissionDenied
    check_transition(GUARANTEE_TRANSITIONS, guarantee.status, GuaranteeStatus.ACCEPTED, labels=GuaranteeStatus)
    result = guarantee_verify(number=guarantee.number, at=at)
    if not result.valid:
        raise ServiceError(
            GuaranteeError.NOT_VALID,
            "guarantee",
            _("The guarantee does not verify: {reasons}"),
            reasons="; ".join(p.message_en for p in result.problems),
        )
    _set_status(guarantee, GuaranteeStatus.ACCEPTED, actor=actor, at=at, action="guarantee.accept", accepted_at=at)
    return guarantee


@transaction.atomic
def guarantee_release(*, guarantee: Guarantee, actor: Any, at: dt.datetime) -> Guarantee:
    """The beneficiary gives the guarantee back (bid refunded, contract performed), or the issuer records
    that an unused guarantee was returned to it."""
    guarantee = _locked(guarantee)
    if not (
        _manages_project(actor, guarantee.project)
        or scope_reaches(user=actor, perm=P.GUARANTEE_ISSUE, organization=guarantee.issuer)
    ):
        raise PermissionDenied
    _set_status(guarantee, GuaranteeStatus.RELEASED, actor=actor, at=at, action="guarantee.release", released_at=at)
    return guarantee


@transaction.atomic
def guarantee_claim(*, guarantee: Guarantee, amount_fen: int, reason: str, actor: Any, at: dt.datetime) -> Claim:
    """A claim under an accepted guarantee, within its validity and its amount, recorded by the
    beneficiary's side or by the issuer that paid it."""
    guarantee = _locked(guarantee)
    if not (
        _manages_project(actor, guarantee.project)
        or scope_reaches(user=actor, perm=P.GUARANTEE_ISSUE, organization=guarantee.issuer)
    ):
        raise PermissionDenied
    check_transition(GUARANTEE_TRANSITIONS, guarantee.status, GuaranteeStatus.CLAIMED, labels=GuaranteeStatus)
    errors: list[ServiceError] = []
    if not 0 < amount_fen <= guarantee.amount_fen:
        errors.append(
            ServiceError(
                GuaranteeError.CLAIM_AMOUNT,
                "amount",
                _("The claim must be more than zero and at most the guaranteed amount (¥{cap})."),
                cap=rules.yuan(guarantee.amount_fen),
            )
        )
    if not reason.strip():
        errors.append(ServiceError(GuaranteeError.CLAIM_REASON, "reason", _("Give the reason for the claim.")))
    if local_date(at) > guarantee.valid_until:
        errors.append(
            ServiceError(
                GuaranteeError.PAST,
                "amount",
                _("The guarantee expired on {day}: no claim is possible after it."),
                day=guarantee.valid_until.isoformat(),
            )
        )
    raise_if_any(errors)
    claim = Claim.objects.create(
        guarantee=guarantee, amount_fen=amount_fen, reason=reason.strip(), claimed_at=at, recorded_by=actor
    )
    audit_record(actor=actor, action="guarantee.claim_record", obj=claim, after=snapshot(claim), at=at)
    _set_status(guarantee, GuaranteeStatus.CLAIMED, actor=actor, at=at, action="guarantee.claim")
    return claim


def guarantees_expire(*, at: dt.datetime, batch: int = 500) -> int:
    """The tick: guarantees whose validity ended before today become expired. Idempotent (an expired
    guarantee is not picked again); each one is its own small transaction with its audit event."""
    today = local_date(at)
    done = 0
    while True:
        ids = list(
            Guarantee.objects.filter(
                status__in=[GuaranteeStatus.ISSUED, GuaranteeStatus.ACCEPTED], valid_until__lt=today
            ).values_list("pk", flat=True)[:batch]
        )
        if not ids:
            return done
        for pk in ids:
            with transaction.atomic():
                guarantee = Guarantee.objects.select_for_update(of=("self",)).select_related("issuer").get(pk=pk)
                if guarantee.status not in {GuaranteeStatus.ISSUED, GuaranteeStatus.ACCEPTED}:
                    continue
                _set_status(
                    guarantee, GuaranteeStatus.EXPIRED, actor=SYSTEM, at=at, action="guarantee.expire", expired_at=at
                )
                done += 1
