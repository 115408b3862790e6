from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from zhengcai.core.audit import audit_record, snapshot
from zhengcai.core.errors import ServiceError
from zhengcai.core.permissions import ROLE_ORGANIZATION_KINDS, P, Role
from zhengcai.organizations.models import Organization

from .errors import AccountError
from .models import ApiToken, Membership, User
from .selectors import api_token_list, user_scope

USER_AUDIT_FIELDS = ["id", "username", "email", "display_name", "phone", "is_active"]


def user_validate_new(*, username: str, password: str, email: str = "", display_name: str = "") -> list[ServiceError]:
    errors: list[ServiceError] = []
    if not username.strip():
        errors.append(ServiceError(AccountError.USERNAME_REQUIRED, "username", _("User name is required.")))
    elif User.objects.filter(username__iexact=username.strip()).exists():
        errors.append(
            ServiceError(AccountError.USERNAME_TAKEN, "username", _("User name is already taken; choose another."))
        )
    try:
        password_validation.validate_password(password, User(username=username, email=email))
    except ValidationError as exc:
        errors.append(
            ServiceError(
                AccountError.PASSWORD_WEAK,
                "password",
                _("Password rejected: {reasons}"),
                reasons=" ".join(str(m) for m in exc.messages),
            )
        )
    return errors


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str | None,
    email: str = "",
    display_name: str = "",
    phone: str = "",
    actor: Any,
    at: dt.datetime,
) -> User:
    """Create a person's account. ``password=None`` creates an account that cannot log in until set."""
    user = User(username=username.strip(), email=email.strip(), display_name=display_name.strip(), phone=phone.strip())
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    user.date_joined = at
    user.full_clean(exclude=["password"])
    user.save()
    audit_record(actor=actor, action="user.create", obj=user, after=snapshot(user, USER_AUDIT_FIELDS), at=at)
    return user


@transaction.atomic
def membership_create(
    *, user: User, organization: Organization, role: Role, title: str = "", actor: Any, at: dt.datetime
) -> Membership:
    if organization.kind not in ROLE_ORGANIZATION_KINDS[role]:
        raise ServiceError(
            AccountError.ROLE_NOT_FOR_KIND,
            "role",
            _("Role {role} cannot be held in an organization of kind {kind}."),
            role=role.label,
            kind=organization.get_kind_display(),
        )
    membership, created = Membership.objects.get_or_create(
        user=user, organization=organization, role=role, defaults={"title": title, "created_at": at}
    )
    if created:
        audit_record(actor=actor, action="membership.create", obj=membership, after=snapshot(membership), at=at)
    elif not membership.is_active:
        before = snapshot(membership)
        membership.is_active = True
        membership.save(update_fields=["is_active"])
        audit_record(
            actor=actor,
            action="membership.reactivate",
            obj=membership,
            before=before,
            after=snapshot(membership),
            at=at,
        )
    return membership


# --- API tokens --------------------------------------------------------------------------

TOKEN_PREFIX = "zc_"


def _hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    plaintext: str  # shown once, never stored


@transaction.atomic
def api_token_issue(
    *, organization: Organization, user: User, name: str, expires_at: dt.datetime | None, actor: User, at: dt.datetime
) -> IssuedToken:
    scope = user_scope(user=actor, perm=P.TOKENS_MANAGE)
    if not (
        scope.everything or organization.pk in scope.organization_ids or organization.region_id in scope.region_ids
    ):
        raise PermissionDenied
    if not name.strip():
        raise ServiceError(AccountError.TOKEN_NAME_REQUIRED, "name", _("Token name is required."))
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        organization=organization,
        name=name.strip(),
        prefix=prefix,
        secret_hash=_hash_secret(secret),
        created_at=at,
        expires_at=expires_at,
    )
    audit_record(
        actor=actor,
        action="api_token.issue",
        obj=token,
        after=snapshot(token, ["id", "name", "prefix", "organization", "user", "expires_at"]),
        at=at,
    )
    return IssuedToken(token=token, plaintext=f"{TOKEN_PREFIX}{prefix}_{secret}")


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor: User, at: dt.datetime) -> ApiToken:
    """Revoke a token within the actor's scope (out of scope: ApiToken.DoesNotExist → 404)."""
    token = api_token_list(user=actor, at=at).select_for_update(of=("self",)).get(pk=token.pk)
    if token.revoked_at is not None:
        raise ServiceError(AccountError.TOKEN_ALREADY_REVOKED, None, _("This token was already revoked."))
    token.revoked_at = at
    token.save(update_fields=["revoked_at"])
    audit_record(actor=actor, action="api_token.revoke", obj=token, after={"revoked_at": at}, at=at)
    return token


def api_token_authenticate(*, plaintext: str, at: dt.datetime) -> ApiToken | None:
    """A valid, unrevoked, unexpired token of an active user; None otherwise."""
    if not plaintext.startswith(TOKEN_PREFIX):
        return None
    try:
        prefix, secret = plaintext[len(TOKEN_PREFIX) :].split("_", 1)
    except ValueError:
        return None
    token = ApiToken.objects.select_related("user").filter(prefix=prefix).first()
    if token is None or not hmac.compare_digest(token.secret_hash, _hash_secret(secret)):
        return None
    if token.revoked_at is not None or (token.expires_at is not None and token.expires_at <= at):
        return None
    if not token.user.is_active:
        return None
    if token.last_used_at is None or (at - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=at)  # bookkeeping, not a state change
    return token
