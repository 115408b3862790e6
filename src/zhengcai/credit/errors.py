"""Stable error codes of the credit app (ServiceError.code)."""

from __future__ import annotations

from enum import StrEnum


class CreditError(StrEnum):
    NOT_A_SUPPLIER = "credit.supplier.not_supplier"
    KIND = "credit.record.kind"
    SEVERITY = "credit.record.severity"
    DATE = "credit.record.date"
    EXPIRY = "credit.record.expiry"
    DESCRIPTION_REQUIRED = "credit.record.description_required"
    REFERENCE_REQUIRED = "credit.record.reference_required"
    DUPLICATE = "credit.record.duplicate"
    DISHONESTY_SEVERITY = "credit.record.dishonesty_severity"
    ALREADY_REVOKED = "credit.record.already_revoked"
    REASON_REQUIRED = "credit.record.reason_required"
    IMPORT_FORMAT = "credit.import.format"
    IMPORT_EMPTY = "credit.import.empty"
    IMPORT_TOO_LARGE = "credit.import.too_large"
    IMPORT_ROW = "credit.import.row"
    IMPORT_SUPPLIER = "credit.import.supplier"
    IMPORT_SCOPE = "credit.import.scope"
    IMPORT_REPEATED = "credit.import.repeated_file"
    POLICY_RULE = "credit.policy.rule"
    POLICY_DATE = "credit.policy.effective_from"
    POLICY_SCOPE = "credit.policy.scope"
    POLICY_NONE = "credit.policy.none_in_force"
    POLICY_CONFLICT = "credit.policy.conflict"
