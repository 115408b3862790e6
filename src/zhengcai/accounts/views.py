from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zhengcai.core import clock
from zhengcai.core.errors import ServiceError, bilingual
from zhengcai.core.permissions import P, Role, permission
from zhengcai.core.selectors import audit_event_list, notification_list
from zhengcai.organizations.selectors import financial_institution_list, supplier_pending_list

from .forms import LoginForm, TokenIssueForm
from .selectors import (
    SESSION_MEMBERSHIP_KEY,
    api_token_list,
    current_membership,
    organization_members,
    user_memberships,
    user_scope,
)
from .services import api_token_issue, api_token_revoke

login_view = permission(P.PUBLIC)(
    auth_views.LoginView.as_view(template_name="accounts/login.html", authentication_form=LoginForm)
)
logout_view = permission(P.AUTHENTICATED)(require_POST(auth_views.LogoutView.as_view()))


def _queues(request: HttpRequest, role: str) -> dict[str, Any]:
    """The work each role does first, from the apps that hold it."""
    user = request.user
    ctx: dict[str, Any] = {}
    if role in {Role.BUREAU_ADMIN, Role.BUREAU_REVIEWER}:
        pending = supplier_pending_list(user=user)
        ctx["pending_suppliers"] = pending[:10]
        ctx["pending_suppliers_count"] = pending.count()
    if role in {Role.BUREAU_ADMIN, Role.AUDITOR} and user_scope(user=user, perm=P.AUDIT_VIEW).everything:
        ctx["recent_audit"] = audit_event_list()[:10]
    if role in {Role.BANK_OFFICER, Role.GUARANTOR_OFFICER}:
        ctx["tokens"] = api_token_list(user=user, at=clock.now())[:10]  # type: ignore[arg-type]
    if role in {Role.PUBLICITY_EDITOR, Role.PUBLICITY_REVIEWER, Role.BUREAU_LEADER}:
        from zhengcai.publicity.selectors import work_counts  # late: publicity builds on accounts

        ctx["publicity_counts"] = work_counts(user=user)
    if role == Role.SUPPLIER_STAFF:
        from zhengcai.publicity.selectors import letter_pending

        ctx["open_letter"] = letter_pending(user=user)
    return ctx


@permission(P.BACKOFFICE)
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    membership = current_membership(request=request)
    if membership is None:  # P.BACKOFFICE is granted only through a membership
        raise PermissionDenied
    context = {
        "membership": membership,
        "organization": membership.organization,
        "notifications": notification_list(user=request.user)[:8],
        "members": organization_members(organization=membership.organization)[:20],
        **_queues(request, membership.role),
    }
    return render(request, "accounts/home.html", context)


@permission(P.BACKOFFICE)
@require_POST
def switch_membership(request: HttpRequest) -> HttpResponse:
    wanted = request.POST.get("membership")
    for membership in user_memberships(user=request.user):
        if str(membership.pk) == wanted:
            request.session[SESSION_MEMBERSHIP_KEY] = membership.pk
            break
    else:
        raise Http404
    return redirect("accounts:home")


def _token_organizations(request: HttpRequest) -> Any:
    scope = user_scope(user=request.user, perm=P.TOKENS_MANAGE)
    return scope.filter(financial_institution_list(), region_field="region", organization_field="pk")


@permission(P.TOKENS_MANAGE)
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    now = clock.now()
    form = TokenIssueForm(request.POST or None, organizations=_token_organizations(request))
    issued = None
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            issued = api_token_issue(
                organization=d["organization"],
                user=request.user,  # type: ignore[arg-type]
                name=d["name"],
                expires_at=now + dt.timedelta(days=d["days_valid"]),
                actor=request.user,  # type: ignore[arg-type]
                at=now,
            )
        except ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, bilingual(exc))
        else:
            form = TokenIssueForm(organizations=_token_organizations(request))
    return render(
        request,
        "accounts/tokens.html",
        {"form": form, "issued": issued, "tokens": api_token_list(user=request.user, at=now), "now": now},  # type: ignore[arg-type]
    )


@permission(P.TOKENS_MANAGE)
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = api_token_list(user=request.user, at=clock.now()).filter(pk=pk).first()  # type: ignore[arg-type]
    if token is None:
        raise Http404
    try:
        api_token_revoke(token=token, actor=request.user, at=clock.now())  # type: ignore[arg-type]
        messages.success(request, _("Token %(name)s revoked.") % {"name": token.name})
    except ServiceError as exc:
        messages.error(request, bilingual(exc))
    return redirect("accounts:tokens")
