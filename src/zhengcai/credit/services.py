"""Writes of the credit app: records (add, revoke, import, derive from the platform), policy versions and the
bid-security exemption decision (S-CREDIT-EXEMPT).

``actor`` is a user acting through a view or the API (permission and scope are checked here), or a string
naming a trusted system caller (``"seed_demo"``, ``"credit_sync"``): requests never pass strings.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from zhengcai.accounts.selectors import scope_reaches, user_scope
from zhengcai.core.audit import audit_record, snapshot
from zhengcai.core.errors import ConflictError, ServiceError, raise_if_any
from zhengcai.core.permissions import P
from zhengcai.organizations.models import Organization, OrganizationKind

from . import rules
from .errors import CreditError
from .models import CreditImportBatch, CreditPolicy, CreditRecord, ExemptionDecision
from .rules import Kind, Severity, Source
from .selectors import is_small_or_micro, local_date, policy_in_force, record_facts

SYSTEM_DECIDER = "credit"  # the audit label of exemption decisions (made on behalf of whoever asked)
SYNC_ACTOR = "credit_sync"


def _is_system(actor: Any) -> bool:
    return isinstance(actor, str)


def _user(actor: Any) -> Any:
    return None if _is_system(actor) else actor


def _label(actor: Any) -> str:
    return str(actor) if _is_system(actor) else actor.get_username()


def _require_reach(actor: Any, supplier: Organization) -> None:
    """CREDIT_MANAGE reaching the supplier: the city bureau everywhere, a county bureau in its county."""
    if not _is_system(actor) and not scope_reaches(user=actor, perm=P.CREDIT_MANAGE, organization=supplier):
        raise PermissionDenied


def _check_supplier(supplier: Organization, field: str = "supplier") -> list[ServiceError]:
    if supplier.kind != OrganizationKind.SUPPLIER:
        return [ServiceError(CreditError.NOT_A_SUPPLIER, field, _("Credit records are kept for suppliers only."))]
    return []


@dataclass(frozen=True)
class Entry:
    """One record's content as entered or imported (before it belongs to a batch)."""

    kind: str
    severity: str
    occurred_on: dt.date | None
    expires_on: dt.date | None
    description: str
    reference: str = ""
    authority: str = ""


class Formatted:
    """A message with its own parameters, rendered in whatever language is active when it is turned into text
    (so a row problem nested in "Row {row}, {column}: {problem}" stays bilingual)."""

    def __init__(self, message: Any, **params: Any) -> None:
        self.message = message
        self.params = params

    def __str__(self) -> str:
        text = str(self.message)
        return text.format(**{k: str(v) for k, v in self.params.items()}) if self.params else text


def _row_problem(error_code: CreditError, row: int, column: str, problem: Any, **params: Any) -> ServiceError:
    return ServiceError(
        error_code,
        f"rows[{row}].{column}",
        _("Row {row}, {column}: {problem}"),
        row=row,
        column=column,
        problem=Formatted(problem, **params),
    )


def _check_entry(entry: Entry, *, today: dt.date, row: int | None = None) -> list[ServiceError]:
    """Field rules shared by the form and the import (``row`` places the error in a file)."""

    def error(code: CreditError, field: str, message: Any) -> ServiceError:
        return ServiceError(code, field, message) if row is None else _row_problem(code, row, field, message)

    errors: list[ServiceError] = []
    if entry.kind not in Kind.values:
        errors.append(error(CreditError.KIND, "kind", _("Choose a kind of record from the list.")))
    if entry.severity not in Severity.values:
        errors.append(error(CreditError.SEVERITY, "severity", _("The severity is minor, major or serious.")))
    if entry.occurred_on is None:
        errors.append(error(CreditError.DATE, "occurred_on", _("Give the date as YYYY-MM-DD.")))
    elif entry.occurred_on > today:
        errors.append(error(CreditError.DATE, "occurred_on", _("The date of a record cannot be in the future.")))
    elif entry.expires_on is not None and entry.expires_on < entry.occurred_on:
        errors.append(
            error(CreditError.EXPIRY, "expires_on", _("A record cannot expire before the date it happened."))
        )
    if not entry.description.strip():
        errors.append(error(CreditError.DESCRIPTION_REQUIRED, "description", _("Describe what happened.")))
    if entry.kind == Kind.SERIOUS_DISHONESTY and entry.severity != Severity.SERIOUS:
        errors.append(
            error(
                CreditError.DISHONESTY_SEVERITY,
                "severity",
                _("An entry on a serious-dishonesty list is always serious (CREDIT-DISHONESTY-LIST)."),
            )
        )
    return errors


def _duplicate(supplier_id: int, entry: Entry, occurred_on: dt.date) -> bool:
    return CreditRecord.objects.filter(
        supplier_id=supplier_id,
        kind=entry.kind,
        reference=entry.reference,
        occurred_on=occurred_on,
        revoked_at__isnull=True,
    ).exists()


@transaction.atomic
def credit_record_add(*, supplier: Organization, entry: Entry, actor: Any, at: dt.datetime) -> CreditRecord:
    """The bureau records a fact about a supplier (e.g. an upheld complaint, false materials, late delivery)."""
    _require_reach(actor, supplier)
    supplier = Organization.objects.select_for_update().get(pk=supplier.pk)  # serializes the duplicate check
    entry = Entry(
        kind=entry.kind,
        severity=entry.severity,
        occurred_on=entry.occurred_on,
        expires_on=entry.expires_on,
        description=entry.description.strip(),
        reference=entry.reference.strip(),
        authority=entry.authority.strip(),
    )
    errors = _check_supplier(supplier) + _check_entry(entry, today=local_date(at))
    occurred_on = entry.occurred_on
    if not errors and occurred_on is not None and entry.reference and _duplicate(supplier.pk, entry, occurred_on):
        errors.append(
            ServiceError(
                CreditError.DUPLICATE,
                "reference",
                _("This record ({reference}, {date}) is already on the supplier's credit record."),
                reference=entry.reference,
                date=entry.occurred_on,
            )
        )
    raise_if_any(errors)
    if occurred_on is None:  # already reported by _check_entry; keeps the type narrow
        raise ServiceError(CreditError.DATE, "occurred_on", _("Give the date as YYYY-MM-DD."))
    record = CreditRecord(
        supplier=supplier,
        source=Source.BUREAU,
        kind=entry.kind,
        severity=entry.severity,
        occurred_on=occurred_on,
        expires_on=entry.expires_on,
        description=entry.description,
        reference=entry.reference,
        authority=entry.authority,
        created_at=at,
        created_by=_user(actor),
    )
    record.full_clean()
    record.save()
    audit_record(actor=actor, action="credit.record.add", obj=record, after=snapshot(record), at=at)
    return record


@transaction.atomic
def credit_record_revoke(*, record: CreditRecord, reason: str, actor: Any, at: dt.datetime) -> CreditRecord:
    """A correction: the record stays, marked revoked with the reason; decisions made before keep it."""
    record = CreditRecord.objects.select_for_update(of=("self",)).select_related("supplier").get(pk=record.pk)
    _require_reach(actor, record.supplier)
    errors: list[ServiceError] = []
    if record.revoked_at is not None:
        errors.append(ServiceError(CreditError.ALREADY_REVOKED, "record", _("This record is already revoked.")))
    if not reason.strip():
        errors.append(
            ServiceError(CreditError.REASON_REQUIRED, "reason", _("Give the reason for revoking the record."))
        )
    raise_if_any(errors)
    before = snapshot(record)
    record.revoked_at = at
    record.revoked_by = _user(actor)
    record.revoke_reason = reason.strip()
    record.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    audit_record(actor=actor, action="credit.record.revoke", obj=record, before=before, after=snapshot(record), at=at)
    return record


# --- import ---------------------------------------------------------------------------------------------------

IMPORT_COLUMNS = [
    "credit_code",
    "kind",
    "severity",
    "occurred_on",
    "expires_on",
    "description",
    "reference",
    "authority",
]
IMPORT_REQUIRED = ["credit_code", "kind", "severity", "occurred_on", "description", "reference"]
IMPORT_MAX_BYTES = 5 * 1024 * 1024
IMPORT_MAX_ROWS = 5000
IMPORT_MAX_ERRORS = 100


@dataclass(frozen=True)
class ImportRow:
    row: int  # CSV: the line in the spreadsheet (the header is row 1); JSON: position in "records", from 1
    values: dict[str, str]


def _format_error(message: Any, **params: Any) -> ServiceError:
    return ServiceError(CreditError.IMPORT_FORMAT, "file", message, **params)


def _decode(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("gb18030")  # spreadsheets saved by Chinese Excel
    except UnicodeDecodeError as exc:
        raise _format_error(_("The file is neither UTF-8 nor GB18030 text.")) from exc


def _check_columns(columns: list[str]) -> None:
    unknown = [c for c in columns if c not in IMPORT_COLUMNS]
    missing = [c for c in IMPORT_REQUIRED if c not in columns]
    if unknown or missing:
        raise _format_error(
            _("Columns must be {expected}; unknown: {unknown}; missing: {missing}."),
            expected=", ".join(IMPORT_COLUMNS),
            unknown=", ".join(unknown) or "-",
            missing=", ".join(missing) or "-",
        )


def _parse_csv(text: str) -> list[ImportRow]:
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None:
        return []
    columns = [c.strip().lower() for c in header]
    _check_columns(columns)
    rows = []
    for number, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(columns):
            raise _format_error(
                _("Row {row} has {found} cells; the header has {expected}."),
                row=number,
                found=len(cells),
                expected=len(columns),
            )
        rows.append(ImportRow(number, {c: v.strip() for c, v in zip(columns, cells, strict=True)}))
    return rows


def _parse_json(text: str) -> list[ImportRow]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _format_error(_("The file is not valid JSON: {problem}."), problem=str(exc)) from exc
    records = document.get("records") if isinstance(document, dict) else None
    if not isinstance(records, list):
        raise _format_error(_("A JSON file holds an object with a list “records” (see docs/credit-import.md)."))
    rows = []
    for number, item in enumerate(records, start=1):
        if not isinstance(item, dict):
            raise _format_error(_("Record {row} is not an object."), row=number)
        _check_columns(list(item))
        values: dict[str, str] = {}
        for key, value in item.items():
            if value is not None and not isinstance(value, str):
                raise _format_error(_("Record {row}: {column} must be text or null."), row=number, column=key)
            values[key] = (value or "").strip()
        rows.append(ImportRow(number, values))
    return rows


def _parse_date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return None


@transaction.atomic
def credit_import(*, content: bytes, file_name: str, actor: Any, at: dt.datetime) -> CreditImportBatch:
    """Import external records from a CSV or JSON file (docs/credit-import.md): all rows or none.

    Suppliers are found by unified social credit code; each bad row is reported with its number and column;
    a record already present (same code, kind, reference and date) or repeated in the file is refused."""
    fmt = "json" if file_name.lower().endswith(".json") else "csv" if file_name.lower().endswith(".csv") else ""
    if not fmt:
        raise _format_error(_("Upload a .csv or .json file."))
    if len(content) > IMPORT_MAX_BYTES:
        raise ServiceError(CreditError.IMPORT_TOO_LARGE, "file", _("The file is larger than 5 MB: split it."))
    digest = hashlib.sha256(content).hexdigest()
    earlier = CreditImportBatch.objects.filter(sha256=digest).first()
    if earlier is not None:
        raise ServiceError(
            CreditError.IMPORT_REPEATED,
            "file",
            _("This file was already imported on {date} (batch {batch})."),
            date=local_date(earlier.at),
            batch=earlier.pk,
        )
    text = _decode(content)
    rows = _parse_json(text) if fmt == "json" else _parse_csv(text)
    if not rows:
        raise ServiceError(CreditError.IMPORT_EMPTY, "file", _("The file holds no records."))
    if len(rows) > IMPORT_MAX_ROWS:
        raise ServiceError(
            CreditError.IMPORT_TOO_LARGE, "file", _("At most {limit} rows per file: split it."), limit=IMPORT_MAX_ROWS
        )

    today = local_date(at)
    codes = {r.values.get("credit_code", "").upper() for r in rows}
    suppliers = {
        o.credit_code: o for o in Organization.objects.filter(credit_code__in=codes, kind=OrganizationKind.SUPPLIER)
    }
    scope = None if _is_system(actor) else user_scope(user=actor, perm=P.CREDIT_MANAGE)
    if scope is not None and scope.empty:
        raise PermissionDenied
    errors: list[ServiceError] = []
    seen: dict[tuple[int, str, str, dt.date], int] = {}
    pending: list[tuple[ImportRow, Organization, Entry, dt.date]] = []
    for r in rows:
        v = r.values
        reported: set[str] = set()
        for column in IMPORT_REQUIRED:
            if not v.get(column):
                reported.add(column)
                errors.append(_row_problem(CreditError.IMPORT_ROW, r.row, column, _("This column is required.")))
        code = v.get("credit_code", "").upper()
        supplier = suppliers.get(code)
        if code and supplier is None:
            errors.append(
                _row_problem(
                    CreditError.IMPORT_SUPPLIER,
                    r.row,
                    "credit_code",
                    _("No supplier with the unified social credit code {code} is registered."),
                    code=code,
                )
            )
        elif (
            supplier is not None
            and scope is not None
            and not (
                scope.everything or supplier.region_id in scope.region_ids or supplier.pk in scope.organization_ids
            )
        ):
            errors.append(
                _row_problem(
                    CreditError.IMPORT_SCOPE,
                    r.row,
                    "credit_code",
                    _("The supplier {code} is outside your region."),
                    code=code,
                )
            )
        occurred_on = _parse_date(v.get("occurred_on", ""))
        expires_text = v.get("expires_on", "")
        expires_on = _parse_date(expires_text) if expires_text else None
        if v.get("occurred_on") and occurred_on is None:
            reported.add("occurred_on")
            errors.append(_row_problem(CreditError.DATE, r.row, "occurred_on", _("Give the date as YYYY-MM-DD.")))
        if expires_text and expires_on is None:
            reported.add("expires_on")
            errors.append(
                _row_problem(
                    CreditError.DATE, r.row, "expires_on", _("Give the date as YYYY-MM-DD, or leave it empty.")
                )
            )
        entry = Entry(
            kind=v.get("kind", "").lower(),
            severity=v.get("severity", "").lower(),
            occurred_on=occurred_on,
            expires_on=expires_on,
            description=v.get("description", ""),
            reference=v.get("reference", ""),
            authority=v.get("authority", "")[:100],
        )
        errors.extend(e for e in _check_entry(entry, today=today, row=r.row) if e.params.get("column") not in reported)
        if len(entry.reference) > 100:
            errors.append(_row_problem(CreditError.IMPORT_ROW, r.row, "reference", _("At most 100 characters.")))
        if supplier is not None and occurred_on is not None and entry.reference:
            key = (supplier.pk, entry.kind, entry.reference, occurred_on)
            if key in seen:
                errors.append(
                    _row_problem(
                        CreditError.DUPLICATE,
                        r.row,
                        "reference",
                        _("The same record as row {first} (code, kind, reference and date)."),
                        first=seen[key],
                    )
                )
            else:
                seen[key] = r.row
                pending.append((r, supplier, entry, occurred_on))

    present = set(
        CreditRecord.objects.filter(
            supplier__in={p[1].pk for p in pending},
            reference__in={p[2].reference for p in pending},
            revoked_at__isnull=True,
        ).values_list("supplier_id", "kind", "reference", "occurred_on")
    )
    for r, supplier, entry, occurred_on in pending:
        if (supplier.pk, entry.kind, entry.reference, occurred_on) in present:
            errors.append(
                _row_problem(
                    CreditError.DUPLICATE,
                    r.row,
                    "reference",
                    _("This record ({reference}, {date}) is already on the supplier's credit record."),
                    reference=entry.reference,
                    date=entry.occurred_on,
                )
            )
    if errors:
        errors.sort(key=lambda e: (int(e.params.get("row", 0)), e.field or ""))
        shown = errors[:IMPORT_MAX_ERRORS]
        if len(errors) > IMPORT_MAX_ERRORS:
            shown.append(
                ServiceError(
                    CreditError.IMPORT_ROW,
                    "file",
                    _("{count} more problems are not listed: fix these and upload again."),
                    count=len(errors) - IMPORT_MAX_ERRORS,
                )
            )
        raise_if_any(shown)

    batch = CreditImportBatch(
        file_name=file_name[:200],
        sha256=digest,
        format=fmt,
        row_count=len(pending),
        imported_by=_user(actor),
        imported_by_label=_label(actor)[:200],
        at=at,
    )
    batch.save()
    records = [
        CreditRecord(
            supplier=supplier,
            source=Source.IMPORT,
            kind=entry.kind,
            severity=entry.severity,
            occurred_on=occurred_on,
            expires_on=entry.expires_on,
            description=entry.description.strip(),
            reference=entry.reference,
            authority=entry.authority,
            batch=batch,
            created_at=at,
            created_by=_user(actor),
        )
        for _r, supplier, entry, occurred_on in pending
    ]
    try:
        with transaction.atomic():
            CreditRecord.objects.bulk_create(records, batch_size=500)
    except IntegrityError as exc:  # the same record imported concurrently by someone else
        raise ConflictError(
            CreditError.DUPLICATE, "file", _("Some of these records were just recorded by someone else: try again.")
        ) from exc
    audit_record(
        actor=actor,
        action="credit.import",
        obj=batch,
        after={
            "file_name": batch.file_name,
            "sha256": digest,
            "format": fmt,
            "rows": len(records),
            "suppliers": len({p[1].pk for p in pending}),
        },
        at=at,
    )
    return batch


# --- policy ---------------------------------------------------------------------------------------------------


@transaction.atomic
def credit_policy_publish(
    *, rules_in: dict[str, Any], effective_from: dt.date, note: str = "", actor: Any, at: dt.datetime
) -> CreditPolicy:
    """A new version of the credit policy (S-CREDIT-EXEMPT). Versions are never edited; a version takes effect
    from its date onwards, never before it is published (except the first), so no past decision changes."""
    if not _is_system(actor):
        scope = user_scope(user=actor, perm=P.CREDIT_MANAGE)
        if scope.empty:
            raise PermissionDenied
        if not scope.everything:
            raise ServiceError(
                CreditError.POLICY_SCOPE,
                "effective_from",
                _("The credit policy is the city's: only the city finance bureau publishes a version."),
            )
    latest = CreditPolicy.objects.select_for_update().order_by("-version").first()
    clean, errors = rules.validate_rules(rules_in)
    today = local_date(at)
    if latest is not None and effective_from < latest.effective_from:
        errors.append(
            ServiceError(
                CreditError.POLICY_DATE,
                "effective_from",
                _("A new version cannot take effect before version {version} ({date})."),
                version=latest.version,
                date=latest.effective_from,
            )
        )
    elif latest is not None and effective_from < today:
        errors.append(
            ServiceError(
                CreditError.POLICY_DATE,
                "effective_from",
                _("A new version takes effect today or later: a policy never applies retroactively."),
            )
        )
    raise_if_any(errors)
    policy = CreditPolicy(
        version=(latest.version + 1) if latest else rules.DEFAULT_VERSION,
        effective_from=effective_from,
        rules=clean,
        note=note.strip(),
        created_by=_user(actor),
        created_by_label=_label(actor)[:200],
        created_at=at,
    )
    try:
        with transaction.atomic():
            policy.save()
    except IntegrityError as exc:
        raise ConflictError(
            CreditError.POLICY_CONFLICT, "effective_from", _("Another version was just published: reload and retry.")
        ) from exc
    audit_record(actor=actor, action="credit.policy.publish", obj=policy, after=snapshot(policy), at=at)
    return policy


def _default_policy(at: dt.datetime) -> CreditPolicy:
    """Nothing published yet: the built-in version 1 (rules.DEFAULT_RULES), published by the system."""
    try:
        with transaction.atomic():
            return credit_policy_publish(
                rules_in=dict(rules.DEFAULT_RULES),
                effective_from=rules.DEFAULT_EFFECTIVE_FROM,
                note="默认信用政策（系统内置第1版） / built-in default, version 1",
                actor=SYSTEM_DECIDER,
                at=at,
            )
    except ConflictError:
        return CreditPolicy.objects.get(version=rules.DEFAULT_VERSION)


# --- the exemption decision -----------------------------------------------------------------------------------


def exemption_decide(*, supplier: Organization, tender: Any, at: dt.datetime) -> ExemptionDecision:
    """S-CREDIT-EXEMPT: whether ``supplier`` is exempt from bid security for ``tender``, with the reasons.

    Made once per (supplier, tender) under the policy version in force at ``at`` over the records known at
    ``at``, and stored; asked again, the stored decision is returned unchanged (a later policy version, a
    new or revoked record never changes a past decision). Called by the securities app."""
    existing = ExemptionDecision.objects.select_related("policy").filter(supplier=supplier, tender=tender).first()
    if existing is not None:
        return existing
    raise_if_any(_check_supplier(supplier))
    on = local_date(at)
    policy = policy_in_force(on=on)
    if policy is None:
        if CreditPolicy.objects.exists():
            raise ServiceError(
                CreditError.POLICY_NONE,
                "policy",
                _("No credit policy is in force on {date}."),
                date=on,
            )
        policy = _default_policy(at)
    outcome = rules.evaluate(
        rules=policy.rules,
        version=policy.version,
        records=record_facts(supplier=supplier, at=at),
        on=on,
        small_or_micro=is_small_or_micro(supplier),
    )
    try:
        with transaction.atomic():
            decision = ExemptionDecision.objects.create(
                supplier=supplier,
                tender=tender,
                policy=policy,
                exempt=outcome.exempt,
                reasons=outcome.reasons,
                explanation_zh=outcome.explanation_zh,
                explanation_en=outcome.explanation_en,
                decided_at=at,
            )
            audit_record(
                actor=SYSTEM_DECIDER,
                action="credit.exemption.decide",
                obj=decision,
                after=snapshot(decision),
                at=at,
            )
    except IntegrityError:  # decided concurrently: that decision stands
        return ExemptionDecision.objects.select_related("policy").get(supplier=supplier, tender=tender)
    return decision


# --- records derived from the platform's procurement data -------------------------------------------------------


def _platform_candidates(today: dt.date) -> list[tuple[Organization, str, str, dt.date, str]]:
    """(supplier, kind, project number, date, description) of the behaviours the procurement data proves.

    * failed acceptance: a contract whose acceptance is recorded as failed (Contract.acceptance_passed False);
    * contract not signed: an award without a contract after the D-CONTRACT-30D sign-due date (counted from
      the result notice), the project neither terminated nor suspended by a complaint.
    Not derived (the bureau records them by hand): bids withdrawn after the opening (the platform refuses a
    withdrawal after the deadline), late delivery (no delivery date is recorded) and upheld complaints against a
    supplier (a complaint names the procurement, not a respondent supplier)."""
    from zhengcai.procurement import rules as procurement_rules
    from zhengcai.procurement.models import Award, Complaint, ComplaintStatus, Contract, ProjectStatus

    found: list[tuple[Organization, str, str, dt.date, str]] = []
    failed = Contract.objects.filter(acceptance_passed=False, accepted_on__lte=today).select_related(
        "project", "supplier"
    )
    for c in failed.order_by("accepted_on", "id"):
        assert c.accepted_on is not None  # noqa: S101 - filtered
        note = f"：{c.acceptance_note.strip()}" if c.acceptance_note.strip() else ""
        found.append(
            (
                c.supplier,
                Kind.FAILED_ACCEPTANCE,
                c.project.number,
                c.accepted_on,
                f"项目{c.project.number}“{c.project.title}”履约验收不合格{note}",
            )
        )
    suspended = Complaint.objects.filter(status=ComplaintStatus.ACCEPTED, suspends_procurement=True).values_list(
        "challenge__project_id", flat=True
    )
    unsigned = (
        Award.objects.filter(project__status=ProjectStatus.AWARDED, contract__isnull=True)
        .exclude(project_id__in=list(suspended))
        .select_related("project", "winning_bid__supplier")
    )
    for a in unsigned.order_by("determined_at", "id"):
        notice_on = local_date(a.result_published_at or a.determined_at)
        due = procurement_rules.contract_sign_due(notice_on)
        if today <= due:
            continue
        found.append(
            (
                a.winning_bid.supplier,
                Kind.REFUSED_TO_SIGN,
                a.project.number,
                due + dt.timedelta(days=1),
                f"项目{a.project.number}“{a.project.title}”中标后未在{due.isoformat()}前签订合同（D-CONTRACT-30D）",
            )
        )
    return found


def credit_sync_platform(*, at: dt.datetime) -> int:
    """Derive platform-behaviour records from the procurement data (read-only). Idempotent: each behaviour is
    recorded once, keyed by supplier, kind and project number, even if the bureau later revoked it."""
    today = local_date(at)
    known = set(CreditRecord.objects.filter(source=Source.PLATFORM).values_list("supplier_id", "kind", "reference"))
    added = 0
    for supplier, kind, number, occurred_on, description in _platform_candidates(today):
        if (supplier.pk, kind, number) in known:
            continue
        severity, months = rules.PLATFORM_RECORDS[kind]
        record = CreditRecord(
            supplier=supplier,
            source=Source.PLATFORM,
            kind=kind,
            severity=severity,
            occurred_on=occurred_on,
            expires_on=rules.add_months(occurred_on, months) - dt.timedelta(days=1),
            description=description,
            reference=number,
            authority="菏泽市政府采购平台",
            created_at=at,
        )
        try:
            with transaction.atomic():
                record.save()
                audit_record(actor=SYNC_ACTOR, action="credit.record.sync", obj=record, after=snapshot(record), at=at)
        except IntegrityError:  # another run derived it meanwhile
            continue
        known.add((supplier.pk, kind, number))
        added += 1
    return added
