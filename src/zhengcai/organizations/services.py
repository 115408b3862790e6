from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from zhengcai.accounts.models import User
from zhengcai.accounts.selectors import organization_members, users_with_bureau_role
from zhengcai.accounts.services import membership_create, user_create, user_validate_new
from zhengcai.core.audit import audit_record, snapshot
from zhengcai.core.errors import ServiceError, raise_if_any
from zhengcai.core.notifications import notification_queue
from zhengcai.core.permissions import Role

from .errors import OrgError, credit_code_error
from .models import KINDS_WITH_CREDIT_CODE, EnterpriseSize, Organization, OrganizationKind, OrganizationStatus, Region
from .rules import credit_code_problem, normalize_credit_code
from .selectors import supplier_review_queryset


def _check_credit_code(
    raw: str | None, kind: str, *, exclude_pk: int | None = None
) -> tuple[str | None, list[ServiceError]]:
    code = normalize_credit_code(raw or "")
    if not code:
        if kind in KINDS_WITH_CREDIT_CODE:
            return None, [
                ServiceError(
                    OrgError.CREDIT_CODE_REQUIRED,
                    "credit_code",
                    _("Unified social credit code is required for this kind of organization."),
                )
            ]
        return None, []
    problem = credit_code_problem(code)
    if problem is not None:
        return code, [credit_code_error("credit_code", problem)]
    taken = Organization.objects.filter(credit_code=code)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        return code, [
            ServiceError(
                OrgError.CREDIT_CODE_TAKEN,
                "credit_code",
                _("An organization with this unified social credit code is already registered."),
            )
        ]
    return code, []


def _check_org_fields(*, kind: str, name: str, region: Region | None, size: str) -> list[ServiceError]:
    errors: list[ServiceError] = []
    if not name.strip():
        errors.append(ServiceError(OrgError.NAME_REQUIRED, "name", _("Organization name is required.")))
    elif Organization.objects.filter(kind=kind, name=name.strip()).exists():
        errors.append(
            ServiceError(OrgError.NAME_TAKEN, "name", _("An organization of this kind with this name already exists."))
        )
    if region is None:
        errors.append(ServiceError(OrgError.REGION_REQUIRED, "region", _("Choose the region where it is registered.")))
    if kind == OrganizationKind.SUPPLIER and size not in EnterpriseSize.values:
        errors.append(
            ServiceError(
                OrgError.SIZE_REQUIRED,
                "size",
                _("Enterprise size is required for a supplier (SME-DECLARE: large, medium, small or micro)."),
            )
        )
    return errors


@transaction.atomic
def organization_create(
    *,
    kind: OrganizationKind,
    name: str,
    region: Region,
    actor: Any,
    at: dt.datetime,
    parent: Organization | None = None,
    credit_code: str | None = None,
    size: str = "",
    status: OrganizationStatus = OrganizationStatus.ACTIVE,
    **details: str,
) -> Organization:
    code, errors = _check_credit_code(credit_code, kind)
    errors = _check_org_fields(kind=kind, name=name, region=region, size=size) + errors
    raise_if_any(errors)
    org = Organization(
        kind=kind,
        name=name.strip(),
        region=region,
        parent=parent,
        credit_code=code,
        size=size if kind == OrganizationKind.SUPPLIER else "",
        status=status,
        created_at=at,
        updated_at=at,
        **details,
    )
    org.full_clean()
    org.save()
    audit_record(actor=actor, action="organization.create", obj=org, after=snapshot(org), at=at)
    return org


@dataclass(frozen=True)
class SupplierRegistration:
    name: str
    credit_code: str
    region: Region | None
    size: str
    business_scope: str
    address: str
    contact_name: str
    contact_phone: str
    contact_email: str
    username: str
    password: str


@transaction.atomic
def supplier_register(*, data: SupplierRegistration, at: dt.datetime) -> tuple[Organization, User]:
    """Self-registration: a pending supplier and its first staff account. Reviewed by the bureau."""
    code, code_errors = _check_credit_code(data.credit_code, OrganizationKind.SUPPLIER)
    errors = _check_org_fields(kind=OrganizationKind.SUPPLIER, name=data.name, region=data.region, size=data.size)
    errors += code_errors
    errors += user_validate_new(username=data.username, password=data.password, email=data.contact_email)
    raise_if_any(errors)
    region: Region = data.region  # type: ignore[assignment]  # checked by _check_org_fields
    try:
        with transaction.atomic():
            org = Organization(
                kind=OrganizationKind.SUPPLIER,
                name=data.name.strip(),
                region=region,
                credit_code=code,
                size=data.size,
                status=OrganizationStatus.PENDING,
                business_scope=data.business_scope.strip(),
                address=data.address.strip(),
                contact_name=data.contact_name.strip(),
                contact_phone=data.contact_phone.strip(),
                contact_email=data.contact_email.strip(),
                created_at=at,
                updated_at=at,
            )
            org.full_clean()
            org.save()
    except IntegrityError as exc:  # a concurrent registration took the code or name first
        raise ServiceError(
            OrgError.CREDIT_CODE_TAKEN,
            "credit_code",
            _("An organization with this unified social credit code is already registered."),
        ) from exc
    user = user_create(
        username=data.username,
        password=data.password,
        email=data.contact_email,
        display_name=data.contact_name,
        phone=data.contact_phone,
        actor="self-registration",
        at=at,
    )
    membership_create(user=user, organization=org, role=Role.SUPPLIER_STAFF, actor=user, at=at)
    audit_record(actor=user, action="supplier.register", obj=org, after=snapshot(org), at=at)
    for reviewer in _reviewers_for(org):
        notification_queue(
            recipient=reviewer,
            subject=str(_("New supplier registration to review: {name}")).format(name=org.name),
            body=str(_("{name} ({code}) registered on {date} and waits for review.")).format(
                name=org.name, code=org.credit_code, date=at.date().isoformat()
            ),
            link=f"/office/suppliers/{org.pk}/",
            at=at,
        )
    return org, user


def _reviewers_for(org: Organization) -> list[User]:
    """Reviewers whose scope reaches the supplier's region: the county bureau's and the city's."""
    regions = [org.region_id, *([org.region.parent_id] if org.region.parent_id else [])]
    return users_with_bureau_role(role=Role.BUREAU_REVIEWER, region_ids=regions)


def _decide(*, supplier: Organization, actor: User, at: dt.datetime, approve: bool, note: str) -> Organization:
    locked = supplier_review_queryset(user=actor).select_for_update(of=("self",)).filter(pk=supplier.pk).first()
    if locked is None:
        raise Organization.DoesNotExist
    if locked.status != OrganizationStatus.PENDING:
        raise ServiceError(
            OrgError.NOT_PENDING,
            "status",
            _("Only a registration pending review can be approved or rejected; this one is {status}."),
            status=locked.get_status_display(),
        )
    if not approve and not note.strip():
        raise ServiceError(
            OrgError.REVIEW_NOTE_REQUIRED,
            "review_note",
            _("Give the reason for rejecting, so the supplier can fix it."),
        )
    before = snapshot(locked)
    locked.status = OrganizationStatus.ACTIVE if approve else OrganizationStatus.REJECTED
    locked.review_note = note.strip()
    locked.reviewed_at = at
    locked.updated_at = at
    locked.save(update_fields=["status", "review_note", "reviewed_at", "updated_at"])
    audit_record(
        actor=actor,
        action="supplier.approve" if approve else "supplier.reject",
        obj=locked,
        before=before,
        after=snapshot(locked),
        at=at,
    )
    for membership in organization_members(organization=locked).filter(is_active=True):
        if approve:
            subject = str(_("Your supplier registration was approved"))
            body = str(_("{name} is now an active supplier on the platform.")).format(name=locked.name)
        else:
            subject = str(_("Your supplier registration was rejected"))
            body = str(_("{name}: the bureau's reason: {note}")).format(name=locked.name, note=locked.review_note)
        notification_queue(recipient=membership.user, subject=subject, body=body, link="/office/", at=at)
    return locked


@transaction.atomic
def supplier_approve(*, supplier: Organization, actor: User, at: dt.datetime, note: str = "") -> Organization:
    return _decide(supplier=supplier, actor=actor, at=at, approve=True, note=note)


@transaction.atomic
def supplier_reject(*, supplier: Organization, actor: User, at: dt.datetime, note: str) -> Organization:
    return _decide(supplier=supplier, actor=actor, at=at, approve=False, note=note)


@dataclass(frozen=True)
class OrganizationRow:
    kind: str
    name: str
    region: Region
    parent: Organization | None = None
    credit_code: str | None = None
    size: str = ""
    name_en: str = ""
    business_scope: str = ""
    address: str = ""
    contact_name: str = ""
    contact_phone: str = ""


@transaction.atomic
def organization_bulk_import(
    *, rows: list[OrganizationRow], actor: Any, at: dt.datetime, source: str
) -> list[Organization]:
    """Create many organizations at once (demo data, a registry import). All or nothing.

    Rows whose (kind, name) already exists are skipped, so an import can be re-run. Every row
    is validated as ``organization_create`` would; one audit event lists what was created.
    """
    existing = set(Organization.objects.values_list("kind", "name"))
    codes_taken = set(Organization.objects.exclude(credit_code=None).values_list("credit_code", flat=True))
    errors: list[ServiceError] = []
    new: list[Organization] = []
    for index, row in enumerate(rows):
        if (row.kind, row.name) in existing:
            continue
        code = normalize_credit_code(row.credit_code or "") or None
        if code is None and row.kind in KINDS_WITH_CREDIT_CODE:
            errors.append(
                ServiceError(
                    OrgError.CREDIT_CODE_REQUIRED,
                    f"rows[{index}].credit_code",
                    _("Unified social credit code is required for this kind of organization."),
                )
            )
        elif code is not None:
            problem = credit_code_problem(code)
            if problem is not None:
                errors.append(credit_code_error(f"rows[{index}].credit_code", problem))
            elif code in codes_taken:
                errors.append(
                    ServiceError(
                        OrgError.CREDIT_CODE_TAKEN,
                        f"rows[{index}].credit_code",
                        _("An organization with this unified social credit code is already registered."),
                    )
                )
            codes_taken.add(code)
        if row.kind == OrganizationKind.SUPPLIER and row.size not in EnterpriseSize.values:
            errors.append(
                ServiceError(
                    OrgError.SIZE_REQUIRED,
                    f"rows[{index}].size",
                    _("Enterprise size is required for a supplier (SME-DECLARE: large, medium, small or micro)."),
                )
            )
        existing.add((row.kind, row.name))
        new.append(
            Organization(
                kind=row.kind,
                name=row.name,
                name_en=row.name_en,
                region=row.region,
                parent=row.parent,
                credit_code=code,
                size=row.size if row.kind == OrganizationKind.SUPPLIER else "",
                status=OrganizationStatus.ACTIVE,
                business_scope=row.business_scope,
                address=row.address,
                contact_name=row.contact_name,
                contact_phone=row.contact_phone,
                created_at=at,
                updated_at=at,
            )
        )
    raise_if_any(errors[:50])
    created = Organization.objects.bulk_create(new, batch_size=500)
    if created:
        # bulk_create sets primary keys on PostgreSQL and SQLite ≥ 3.35.
        audit_record(
            actor=actor,
            action="organization.bulk_import",
            object_type="organizations.organization",
            object_id=source[:64],
            after={
                "source": source,
                "count": len(created),
                "organizations": [[o.pk, o.kind, o.name, o.credit_code] for o in created],
            },
            at=at,
        )
    return created


@transaction.atomic
def region_ensure(
    *, code: str, name: str, name_en: str, level: str, parent: Region | None, sort: int, actor: Any, at: dt.datetime
) -> Region:
    """Create the region if missing (idempotent); audited when created."""
    region = Region.objects.filter(code=code).first()
    if region is not None:
        return region
    region = Region(code=code, name=name, name_en=name_en, level=level, parent=parent, sort=sort)
    region.full_clean()
    region.save()
    audit_record(actor=actor, action="region.create", obj=region, after=snapshot(region), at=at)
    return region
