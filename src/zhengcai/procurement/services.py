"""Procurement writes: intentions, projects, tender notices and corrections.

Each service checks the actor's scope and every rule first (all errors at once, bilingual),
then writes inside one transaction with an audit event. Time is the ``at`` parameter.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhengcai.accounts.selectors import scope_reaches
from zhengcai.core import crypto
from zhengcai.core.audit import audit_record, snapshot
from zhengcai.core.errors import ServiceError, raise_if_any
from zhengcai.core.fsm import check_transition
from zhengcai.core.permissions import P
from zhengcai.opendata.services import release_publish
from zhengcai.organizations.models import Organization, OrganizationKind

from . import notices, rules
from .errors import ProcurementError
from .models import (
    INTENTION_TRANSITIONS,
    PROJECT_TRANSITIONS,
    Complaint,
    Correction,
    EvaluationMethod,
    Intention,
    IntentionStatus,
    Project,
    ProjectStatus,
    Tender,
    TenderKey,
)
from .rules import Category, Method

CATALOGUE_CODE = re.compile(r"^[ABC]\d{2,10}$")


def require_manager(actor: Any, *organizations: Organization | None) -> None:
    """The actor manages procurement for at least one of these organizations (its purchaser or agency)."""
    if not any(
        o is not None and scope_reaches(user=actor, perm=P.PROCUREMENT_MANAGE, organization=o) for o in organizations
    ):
        raise PermissionDenied


def require_not_suspended(project: Project) -> None:
    """C-COMPLAINT-30WD: while the bureau handles a complaint it suspended the procurement for, the
    procurement does not move on (no opening, evaluation, award, result or contract)."""
    complaint = Complaint.objects.filter(challenge__project=project, suspends_procurement=True).order_by("id").first()
    if complaint is not None:
        raise ServiceError(
            ProcurementError.SUSPENDED,
            "status",
            _(
                "The finance bureau suspended this procurement while it handles a complaint "
                "(C-COMPLAINT-30WD); its decision is due {due}."
            ),
            due=complaint.decision_due.isoformat() if complaint.decision_due else "",
        )


def tender_key_aad(tender: Tender) -> bytes:
    return f"zhengcai tender {tender.pk} opening key".encode()


def local_date(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


@transaction.atomic
def intention_create(
    *,
    purchaser: Organization,
    title: str,
    demand_summary: str,
    budget_fen: int,
    expected_month: dt.date,
    actor: Any,
    at: dt.datetime,
) -> Intention:
    require_manager(actor, purchaser)
    errors: list[ServiceError] = []
    if purchaser.kind != OrganizationKind.BUDGET_UNIT:
        errors.append(
            ServiceError(ProcurementError.NOT_A_PURCHASER, "purchaser", _("Only a budget unit can be the purchaser."))
        )
    if not title.strip():
        errors.append(ServiceError(ProcurementError.TITLE_REQUIRED, "title", _("Project name is required.")))
    if budget_fen <= 0:
        errors.append(
            ServiceError(ProcurementError.BUDGET_NOT_POSITIVE, "budget_fen", _("The budget must be more than zero."))
        )
    raise_if_any(errors)
    intention = Intention.objects.create(
        purchaser=purchaser,
        region=purchaser.region,
        title=title.strip(),
        demand_summary=demand_summary.strip(),
        budget_fen=budget_fen,
        expected_month=expected_month.replace(day=1),
        created_at=at,
    )
    audit_record(actor=actor, action="intention.create", obj=intention, after=snapshot(intention), at=at)
    return intention


@transaction.atomic
def intention_publish(*, intention: Intention, actor: Any, at: dt.datetime) -> Intention:
    intention = Intention.objects.select_for_update(of=("self",)).select_related("purchaser").get(pk=intention.pk)
    require_manager(actor, intention.purchaser)
    check_transition(INTENTION_TRANSITIONS, intention.status, IntentionStatus.PUBLISHED, labels=IntentionStatus)
    before = snapshot(intention)
    intention.status = IntentionStatus.PUBLISHED
    intention.published_at = at
    intention.save(update_fields=["status", "published_at"])
    audit_record(
        actor=actor, action="intention.publish", obj=intention, before=before, after=snapshot(intention), at=at
    )
    release_publish(project_or_intention=intention, tags=["planning"], at=at)
    notices.intention_notice(intention, actor=actor, at=at)
    return intention


@dataclass(frozen=True)
class ProjectInput:
    title: str
    purchaser: Organization
    method: Method
    category: Category
    catalogue_code: str
    budget_fen: int
    max_price_fen: int
    intention: Intention | None = None
    agency: Organization | None = None
    sme_reserved: bool = False
    sme_deduction_percent: Decimal = Decimal(0)
    bid_security_fen: int = 0
    evaluation_method: EvaluationMethod = EvaluationMethod.LOWEST_PRICE
    price_weight_percent: Decimal | None = None  # comprehensive scoring only (E-PRICE-WEIGHT)


NUMBER_ATTEMPTS = 5


def _next_number(region_code: str, year: int) -> str:
    prefix = f"HZCG-{region_code}-{year}-"
    last = (
        Project.objects.filter(number__startswith=prefix).order_by("-number").values_list("number", flat=True).first()
    )
    seq = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{seq:05d}"


def _save_numbered(project: Project, *, region_code: str, year: int) -> None:
    """Insert with the next free number; when a concurrent creation took it first (the unique index
    refuses ours), take the following one instead of failing the user's request."""
    for attempt in range(NUMBER_ATTEMPTS):
        try:
            with transaction.atomic():
                project.save()
            return
        except IntegrityError:
            if attempt == NUMBER_ATTEMPTS - 1 or not Project.objects.filter(number=project.number).exists():
                raise
            project.number = _next_number(region_code, year)


@transaction.atomic
def project_create(*, data: ProjectInput, actor: Any, at: dt.datetime) -> Project:
    require_manager(actor, data.purchaser, data.agency)
    errors: list[ServiceError] = []
    if data.purchaser.kind != OrganizationKind.BUDGET_UNIT:
        errors.append(
            ServiceError(ProcurementError.NOT_A_PURCHASER, "purchaser", _("Only a budget unit can be the purchaser."))
        )
    if data.agency is not None and data.agency.kind not in {OrganizationKind.AGENCY, OrganizationKind.TRADING_CENTRE}:
        errors.append(
            ServiceError(
                ProcurementError.NOT_AN_AGENCY,
                "agency",
                _("The agency must be a procurement agency or trading centre."),
            )
        )
    if not data.title.strip():
        errors.append(ServiceError(ProcurementError.TITLE_REQUIRED, "title", _("Project name is required.")))
    if not CATALOGUE_CODE.match(data.catalogue_code) or data.catalogue_code[0] != data.category:
        errors.append(
            ServiceError(
                ProcurementError.CATALOGUE_CODE,
                "catalogue_code",
                _(
                    "The catalogue code must start with the category letter (A goods, B works, C services) followed by digits."
                ),
            )
        )
    if data.budget_fen <= 0:
        errors.append(
            ServiceError(ProcurementError.BUDGET_NOT_POSITIVE, "budget_fen", _("The budget must be more than zero."))
        )
    elif not 0 < data.max_price_fen <= data.budget_fen:
        errors.append(
            ServiceError(
                ProcurementError.MAX_PRICE_OVER_BUDGET,
                "max_price_fen",
                _("The maximum price must be more than zero and not above the budget."),
            )
        )
    if data.budget_fen > 0 and (err := rules.check_bid_security(data.bid_security_fen, data.budget_fen)):
        errors.append(err)
    deduction = data.sme_deduction_percent if not data.sme_reserved else Decimal(0)
    if deduction and (err := rules.check_deduction_rate(deduction, on=local_date(at))):
        errors.append(err)
    method_error = rules.check_evaluation_method(data.method, data.evaluation_method)
    if method_error is None and data.evaluation_method == EvaluationMethod.SCORING:
        method_error = rules.check_price_weight(
            data.method, data.category, data.price_weight_percent, on=local_date(at)
        )
    if method_error is not None:
        errors.append(method_error)
    raise_if_any(errors)
    project = Project(
        number=_next_number(data.purchaser.region.code, local_date(at).year),
        title=data.title.strip(),
        purchaser=data.purchaser,
        agency=data.agency,
        region=data.purchaser.region,
        intention=data.intention,
        method=data.method,
        category=data.category,
        catalogue_code=data.catalogue_code,
        budget_fen=data.budget_fen,
        max_price_fen=data.max_price_fen,
        sme_reserved=data.sme_reserved,
        sme_deduction_percent=Decimal(0) if data.sme_reserved else data.sme_deduction_percent,
        bid_security_fen=data.bid_security_fen,
        evaluation_method=data.evaluation_method,
        price_weight_percent=data.price_weight_percent if data.evaluation_method == EvaluationMethod.SCORING else None,
        created_at=at,
        created_by=actor,
    )
    project.full_clean(exclude=["number"])
    _save_numbered(project, region_code=data.purchaser.region.code, year=local_date(at).year)
    audit_record(actor=actor, action="project.create", obj=project, after=snapshot(project), at=at)
    release_publish(project_or_intention=project, tags=["planning"], at=at)
    return project


@transaction.atomic
def tender_publish(
    *,
    project: Project,
    docs_from: dt.date,
    docs_until: dt.date,
    deadline: dt.datetime,
    notice_text: str,
    actor: Any,
    at: dt.datetime,
) -> Tender:
    """Publish the notice. Refused, with every reason and the earliest allowed dates, when it breaks
    D-INTENT-30D, the method's minimum period (M-OPEN-20D …) or M-OPEN-DOCS-5WD."""
    project = (
        Project.objects.select_for_update(of=("self",))
        .select_related("intention", "purchaser", "agency")
        .get(pk=project.pk)
    )
    require_manager(actor, project.purchaser, project.agency)
    check_transition(PROJECT_TRANSITIONS, project.status, ProjectStatus.TENDERING, labels=ProjectStatus)
    today = local_date(at)
    errors: list[ServiceError] = []
    intention = project.intention
    if intention is None or intention.status != IntentionStatus.PUBLISHED or intention.published_at is None:
        errors.append(
            ServiceError(
                ProcurementError.INTENTION_NOT_PUBLISHED,
                "intention",
                _("Publish the procurement intention first, at least 30 days before the notice (D-INTENT-30D)."),
            )
        )
    elif err := rules.check_intention_lead(local_date(intention.published_at), today):
        errors.append(err)
    if docs_from < today:
        errors.append(
            ServiceError(
                ProcurementError.DOCS_BEFORE_NOTICE,
                "docs_from",
                _("Documents cannot be issued before the notice is published."),
            )
        )
    if deadline <= at:
        errors.append(
            ServiceError(ProcurementError.DEADLINE_IN_PAST, "deadline", _("The deadline must be in the future."))
        )
    if err := rules.check_response_period(Method(project.method), docs_from, local_date(deadline)):
        errors.append(err)
    if err := rules.check_docs_availability(Method(project.method), docs_from, docs_until):
        errors.append(err)
    if not notice_text.strip():
        errors.append(
            ServiceError(ProcurementError.NOTICE_TEXT_REQUIRED, "notice_text", _("The notice text is required."))
        )
    raise_if_any(errors)
    before = snapshot(project)
    tender = Tender.objects.create(
        project=project,
        published_at=at,
        docs_available_from=docs_from,
        docs_available_until=docs_until,
        deadline=deadline,
        original_deadline=deadline,
        notice_text=notice_text.strip(),
    )
    private, public = crypto.new_opening_keypair()
    TenderKey.objects.create(
        tender=tender,
        public_key=crypto.b64(public),
        wrapped_private_key=crypto.wrap_private_key(private, aad=tender_key_aad(tender)),
    )
    project.status = ProjectStatus.TENDERING
    project.save(update_fields=["status"])
    audit_record(actor=actor, action="tender.publish", obj=tender, after=snapshot(tender), at=at)
    audit_record(actor=actor, action="project.status", obj=project, before=before, after=snapshot(project), at=at)
    release_publish(project_or_intention=project, tags=["tender"], at=at)
    notices.tender_notice(tender, actor=actor, at=at)
    return tender


@transaction.atomic
def tender_correct(*, tender: Tender, text: str, affects_preparation: bool, actor: Any, at: dt.datetime) -> Correction:
    """更正公告. When it affects bid preparation and fewer than 15 days remain, the deadline moves (M-CORR-15D)."""
    tender = (
        Tender.objects.select_for_update(of=("self",))
        .select_related("project__purchaser", "project__agency")
        .get(pk=tender.pk)
    )
    require_manager(actor, tender.project.purchaser, tender.project.agency)
    if at >= tender.deadline or tender.project.status != ProjectStatus.TENDERING:
        raise ServiceError(
            ProcurementError.CORRECTION_AFTER_DEADLINE,
            "published_at",
            _("A correction must be published before the deadline."),
        )
    if not text.strip():
        raise ServiceError(ProcurementError.NOTICE_TEXT_REQUIRED, "text", _("Say what the correction changes."))
    local_deadline = timezone.localtime(tender.deadline)
    new_date = rules.correction_deadline(
        corrected_on=local_date(at), deadline=local_deadline.date(), affects_preparation=affects_preparation
    )
    new_deadline = local_deadline + dt.timedelta(days=(new_date - local_deadline.date()).days)
    before = snapshot(tender)
    correction = Correction.objects.create(
        tender=tender,
        published_at=at,
        text=text.strip(),
        affects_preparation=affects_preparation,
        deadline_before=tender.deadline,
        deadline_after=new_deadline,
    )
    if new_deadline != tender.deadline:
        tender.deadline = new_deadline
        tender.save(update_fields=["deadline"])
    audit_record(actor=actor, action="tender.correct", obj=tender, before=before, after=snapshot(tender), at=at)
    release_publish(project_or_intention=tender.project, tags=["tenderAmendment"], at=at)
    notices.correction_notice(correction, actor=actor, at=at)
    return correction


# OCDS tag of a termination, by how far the procurement had gone.
TERMINATION_TAG: dict[str, str] = {
    ProjectStatus.AWARDED: "awardCancellation",
    ProjectStatus.CONTRACTED: "contractTermination",
}


def terminate_locked(project: Project, reason: str, *, actor: Any, at: dt.datetime) -> Project:
    """End a locked project: status, audit, OCDS release and the termination notice with its reason.
    Bids never opened stay sealed for good."""
    check_transition(PROJECT_TRANSITIONS, project.status, ProjectStatus.TERMINATED, labels=ProjectStatus)
    tag = TERMINATION_TAG.get(project.status, "tenderCancellation")
    before = snapshot(project)
    project.status = ProjectStatus.TERMINATED
    project.save(update_fields=["status"])
    audit_record(
        actor=actor,
        action="project.terminate",
        obj=project,
        before=before,
        after={"status": project.status, "reason": reason},
        at=at,
    )
    release_publish(project_or_intention=project, tags=[tag], at=at)
    notices.termination_notice(project, reason, actor=actor, at=at)
    return project


@transaction.atomic
def project_terminate(*, project: Project, reason: str, actor: Any, at: dt.datetime) -> Project:
    """终止公告: the purchaser or its agency ends a procurement before the contract (the need is gone, a
    serious error in the documents …), giving the reason publicly."""
    project = Project.objects.select_for_update(of=("self",)).select_related("purchaser", "agency").get(pk=project.pk)
    require_manager(actor, project.purchaser, project.agency)
    if project.status == ProjectStatus.CONTRACTED:  # only a complaint decision revokes a contract
        check_transition(
            {**PROJECT_TRANSITIONS, ProjectStatus.CONTRACTED: frozenset({ProjectStatus.COMPLETED})},
            project.status,
            ProjectStatus.TERMINATED,
            labels=ProjectStatus,
        )
    if not reason.strip():
        raise ServiceError(ProcurementError.REASON_REQUIRED, "reason", _("Give the reason for the termination."))
    return terminate_locked(project, reason.strip(), actor=actor, at=at)
