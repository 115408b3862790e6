"""The one place that says which role may do what.

Every view carries ``@permission(P.X)`` and every API operation ``@api_permission(P.X)``;
``core/tests/test_permission_matrix.py`` walks every URL pattern and fails on a view without a
declaration, then calls each one as every role and as an anonymous visitor.

Scope (which rows a permission reaches) follows the membership's organization:
a role held in the city finance bureau (or one of its departments) reaches the whole city,
one held in a county bureau reaches that county, any other reaches its own organization.
Selectors apply the scope; out-of-scope objects answer 404.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from enum import StrEnum
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    BUREAU_ADMIN = "bureau_admin", _("Bureau administrator")
    BUREAU_REVIEWER = "bureau_reviewer", _("Bureau reviewer")
    PUBLICITY_EDITOR = "publicity_editor", _("Publicity editor")
    PUBLICITY_REVIEWER = "publicity_reviewer", _("Publicity team reviewer")
    BUREAU_LEADER = "bureau_leader", _("Bureau leader")
    PURCHASER_STAFF = "purchaser_staff", _("Purchaser staff")
    AGENCY_STAFF = "agency_staff", _("Agency staff")
    SUPPLIER_STAFF = "supplier_staff", _("Supplier staff")
    BANK_OFFICER = "bank_officer", _("Bank officer")
    GUARANTOR_OFFICER = "guarantor_officer", _("Guarantor officer")
    EVALUATION_EXPERT = "evaluation_expert", _("Evaluation expert")
    AUDITOR = "auditor", _("Auditor (read-only)")
    GOVERNMENT_LEADER = "government_leader", _("Government leader (mayor, county head)")


class P(StrEnum):
    """Permissions. PUBLIC and AUTHENTICATED are not granted by roles: they describe the caller."""

    PUBLIC = "public"
    AUTHENTICATED = "authenticated"
    BACKOFFICE = "backoffice.access"
    ORG_VIEW_OWN = "organizations.view_own"
    SUPPLIER_REVIEW = "organizations.review_supplier"
    ORG_VIEW_ALL = "organizations.view_all"
    AUDIT_VIEW = "audit.view"
    TOKENS_MANAGE = "accounts.manage_tokens"
    NOTIFICATIONS_OWN = "notifications.view_own"
    PROCUREMENT_MANAGE = "procurement.manage"  # intentions, projects, tenders of one's own organization
    PROCUREMENT_VIEW_ALL = "procurement.view_all"  # supervision: every project in scope
    BID_SUBMIT = "procurement.bid"  # a supplier's own bids and challenges
    COMPLAINT_HANDLE = "procurement.handle_complaint"  # the finance bureau's complaint decisions
    EVALUATION_SCORE = "procurement.score"  # an expert's own scoring sheets (committee seats only)
    GUARANTEE_ISSUE = "guarantees.issue"  # a bank's or guarantor's own letters of guarantee and signing keys
    GUARANTEE_VIEW = "guarantees.view"  # letters of guarantee one issued, applied for or benefits from (or supervises)
    FINANCING_APPLY = "financing.apply"  # 政采贷: a supplier's own financing applications and consents
    FINANCING_LEND = "financing.lend"  # 政采贷: a bank's products, quotes, approvals, disbursements (own bank)
    FINANCING_VIEW_ALL = "financing.view_all"  # 政采贷 totals and applications in the bureau's scope
    CREDIT_MANAGE = "credit.manage"  # supplier credit records, imports and the credit policy (bureau, scoped)
    POLICY_MANAGE = "policies.manage"  # the policy library: documents, attachments, categories (bureau, scoped)
    PUBLICITY_EDIT = "publicity.edit"  # drafts, channel posts, leaflets, print runs, events of one's own region
    PUBLICITY_REVIEW = "publicity.review"  # the publicity team's review of every region's drafts (city bureau)
    PUBLICITY_APPROVE = "publicity.approve"  # a leader's approval and scheduling for publication
    PUBLICITY_VIEW = "publicity.view"  # the publicity items, reach dashboard and acknowledgement rates in scope
    OPEN_LETTER_ACK = "publicity.acknowledge"  # a supplier acknowledges the open letter to suppliers
    TRAINING_LEARN = "training.learn"  # one's own registrations, recorded courses, assessments, certificates
    TRAINING_REGISTER = "training.register"  # an organization registers its staff (one by one or in bulk)
    TRAINING_MANAGE = "training.manage"  # courses, sessions, check-in, attendance, question banks (bureau, scoped)
    TRAINING_VIEW = "training.view"  # training figures and coverage in scope
    SERVICE_REQUEST = "service.request"  # an organization's own service requests, replies and ratings
    SERVICE_HANDLE = "service.handle"  # requests routed to one's bureau department (handler, section head, director)
    SERVICE_MANAGE = "service.manage"  # counterpart pairings, service levels, FAQ review (bureau, scoped)
    SERVICE_VIEW = "service.view"  # service figures in scope
    EVALUATION_VIEW = "evaluation.view"  # indicators, rankings, drill-downs, dashboards and reports in scope
    EVALUATION_MANAGE = "evaluation.manage"  # periods, recomputation, targets, positions, red-flag thresholds
    RED_FLAG_VIEW = "evaluation.red_flags"  # integrity red flags with their evidence (supervisors), in scope
    EVALUATION_TASKS = "evaluation.tasks"  # tasks of the positions one holds: assign down, report progress up


_MEMBER = {P.BACKOFFICE, P.ORG_VIEW_OWN, P.NOTIFICATIONS_OWN, P.TRAINING_LEARN}

ROLE_PERMISSIONS: dict[Role, frozenset[P]] = {
    Role.BUREAU_ADMIN: frozenset(
        _MEMBER
        | {
            P.SUPPLIER_REVIEW,
            P.ORG_VIEW_ALL,
            P.AUDIT_VIEW,
            P.TOKENS_MANAGE,
            P.PROCUREMENT_VIEW_ALL,
            P.COMPLAINT_HANDLE,
            P.CREDIT_MANAGE,
            P.FINANCING_VIEW_ALL,
            P.GUARANTEE_VIEW,
            P.POLICY_MANAGE,
            P.PUBLICITY_VIEW,
            P.TRAINING_MANAGE,
            P.TRAINING_VIEW,
            P.SERVICE_HANDLE,
            P.SERVICE_MANAGE,
            P.SERVICE_VIEW,
            P.EVALUATION_VIEW,
            P.EVALUATION_MANAGE,
            P.RED_FLAG_VIEW,
            P.EVALUATION_TASKS,
        }
    ),
    Role.BUREAU_REVIEWER: frozenset(
        _MEMBER
        | {
            P.SUPPLIER_REVIEW,
            P.ORG_VIEW_ALL,
            P.PROCUREMENT_VIEW_ALL,
            P.COMPLAINT_HANDLE,
            P.CREDIT_MANAGE,
            P.FINANCING_VIEW_ALL,
            P.GUARANTEE_VIEW,
            P.PUBLICITY_VIEW,
            P.TRAINING_MANAGE,
            P.TRAINING_VIEW,
            P.SERVICE_HANDLE,
            P.SERVICE_VIEW,
            P.EVALUATION_VIEW,
            P.RED_FLAG_VIEW,
            P.EVALUATION_TASKS,
        }
    ),
    Role.PUBLICITY_EDITOR: frozenset(_MEMBER | {P.POLICY_MANAGE, P.PUBLICITY_EDIT, P.PUBLICITY_VIEW}),
    Role.PUBLICITY_REVIEWER: frozenset(
        _MEMBER | {P.POLICY_MANAGE, P.PUBLICITY_EDIT, P.PUBLICITY_REVIEW, P.PUBLICITY_VIEW}
    ),
    Role.BUREAU_LEADER: frozenset(
        _MEMBER
        | {
            P.PUBLICITY_APPROVE,
            P.PUBLICITY_VIEW,
            P.PROCUREMENT_VIEW_ALL,
            P.FINANCING_VIEW_ALL,
            P.TRAINING_VIEW,
            P.SERVICE_HANDLE,
            P.SERVICE_VIEW,
            P.EVALUATION_VIEW,
            P.RED_FLAG_VIEW,
            P.EVALUATION_TASKS,
        }
    ),
    Role.PURCHASER_STAFF: frozenset(
        _MEMBER | {P.PROCUREMENT_MANAGE, P.GUARANTEE_VIEW, P.TRAINING_REGISTER, P.SERVICE_REQUEST, P.EVALUATION_TASKS}
    ),
    Role.AGENCY_STAFF: frozenset(
        _MEMBER | {P.PROCUREMENT_MANAGE, P.GUARANTEE_VIEW, P.TRAINING_REGISTER, P.SERVICE_REQUEST}
    ),
    Role.SUPPLIER_STAFF: frozenset(
        _MEMBER
        | {
            P.BID_SUBMIT,
            P.FINANCING_APPLY,
            P.GUARANTEE_VIEW,
            P.OPEN_LETTER_ACK,
            P.TRAINING_REGISTER,
            P.SERVICE_REQUEST,
        }
    ),
    Role.BANK_OFFICER: frozenset(_MEMBER | {P.TOKENS_MANAGE, P.FINANCING_LEND, P.GUARANTEE_ISSUE, P.GUARANTEE_VIEW}),
    Role.GUARANTOR_OFFICER: frozenset(_MEMBER | {P.TOKENS_MANAGE, P.GUARANTEE_ISSUE, P.GUARANTEE_VIEW}),
    Role.EVALUATION_EXPERT: frozenset(_MEMBER | {P.EVALUATION_SCORE}),
    Role.AUDITOR: frozenset(
        _MEMBER
        | {
            P.ORG_VIEW_ALL,
            P.AUDIT_VIEW,
            P.PROCUREMENT_VIEW_ALL,
            P.FINANCING_VIEW_ALL,
            P.GUARANTEE_VIEW,
            P.PUBLICITY_VIEW,
            P.EVALUATION_VIEW,
            P.RED_FLAG_VIEW,
        }
    ),
    Role.GOVERNMENT_LEADER: frozenset(_MEMBER | {P.EVALUATION_VIEW, P.RED_FLAG_VIEW, P.EVALUATION_TASKS}),
}

# Which organization kinds may hold which roles (enforced when a membership is created).
ROLE_ORGANIZATION_KINDS: dict[Role, frozenset[str]] = {
    Role.BUREAU_ADMIN: frozenset({"finance_bureau", "bureau_department"}),
    Role.BUREAU_REVIEWER: frozenset({"finance_bureau", "bureau_department"}),
    Role.PUBLICITY_EDITOR: frozenset({"finance_bureau", "bureau_department"}),
    Role.PUBLICITY_REVIEWER: frozenset({"finance_bureau", "bureau_department"}),
    Role.BUREAU_LEADER: frozenset({"finance_bureau", "bureau_department"}),
    Role.PURCHASER_STAFF: frozenset({"budget_unit"}),
    Role.AGENCY_STAFF: frozenset({"agency", "trading_centre"}),
    Role.SUPPLIER_STAFF: frozenset({"supplier"}),
    Role.BANK_OFFICER: frozenset({"bank"}),
    Role.GUARANTOR_OFFICER: frozenset({"guarantor"}),
    Role.EVALUATION_EXPERT: frozenset({"finance_bureau", "bureau_department"}),
    Role.AUDITOR: frozenset({"finance_bureau", "bureau_department"}),
    Role.GOVERNMENT_LEADER: frozenset({"government"}),
}


def role_allows(role: str, perm: P) -> bool:
    if perm is P.PUBLIC or perm is P.AUTHENTICATED:
        return True
    return perm in ROLE_PERMISSIONS.get(Role(role), frozenset())


def roles_with(perm: P) -> frozenset[Role]:
    return frozenset(role for role in Role if role_allows(role, perm))


F = TypeVar("F", bound=Callable[..., Any])


def user_has_perm(user: Any, perm: P) -> bool:
    if perm is P.PUBLIC:
        return True
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if perm is P.AUTHENTICATED:
        return True
    from zhengcai.accounts.selectors import user_roles  # late: accounts builds on core

    return any(role_allows(role, perm) for role in user_roles(user=user))


def permission(perm: P) -> Callable[[F], F]:
    """Declare and enforce who may call a view. Anonymous callers go to the login page."""

    def decorator(view: F) -> F:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if perm is not P.PUBLIC and not request.user.is_authenticated:
                from django.contrib.auth.views import redirect_to_login  # late: needs the user model

                return redirect_to_login(request.get_full_path())
            if not user_has_perm(request.user, perm):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped.zc_permission = perm  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorator


def declare(perm: P, view: F) -> F:
    """Declare (and enforce) a permission on a third-party view such as Django's set_language."""
    return permission(perm)(view)


def api_permission(perm: P) -> Callable[[F], F]:
    """Declare and enforce who may call an API operation (django-ninja); see zhengcai.config.api."""

    def decorator(func: F) -> F:
        @functools.wraps(func)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            user = getattr(request, "auth", None) or request.user
            if not user_has_perm(user, perm):
                raise PermissionDenied
            return func(request, *args, **kwargs)

        wrapped.zc_permission = perm  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorator
