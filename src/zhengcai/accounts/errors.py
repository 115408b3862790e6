from __future__ import annotations

from enum import StrEnum


class AccountError(StrEnum):
    USERNAME_REQUIRED = "accounts.username.required"
    USERNAME_TAKEN = "accounts.username.taken"
    PASSWORD_WEAK = "accounts.password.weak"
    ROLE_NOT_FOR_KIND = "accounts.role.not_for_organization_kind"
    TOKEN_NAME_REQUIRED = "accounts.token.name_required"
    TOKEN_ORG_REQUIRED = "accounts.token.organization_required"
    TOKEN_ALREADY_REVOKED = "accounts.token.already_revoked"
