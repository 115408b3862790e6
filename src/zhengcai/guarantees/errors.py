"""Error codes of the guarantees app, and the bilingual texts of verification problems."""

from __future__ import annotations

from enum import StrEnum

from django.utils.translation import gettext_lazy as _


class GuaranteeError(StrEnum):
    ISSUER = "guarantees.issuer.not_active"
    APPLICANT = "guarantees.applicant.not_active"
    KIND = "guarantees.kind.unknown"
    AMOUNT = "guarantees.amount.not_positive"
    BID_OVER_CAP = "guarantees.amount.over_bid_cap"  # S-BID-2PCT
    PERF_OVER_CAP = "guarantees.amount.over_performance_cap"  # S-PERF-10PCT
    DATES = "guarantees.validity.order"
    PAST = "guarantees.validity.past"
    BID_VALIDITY = "guarantees.validity.before_deadline"
    TENDER_CLOSED = "guarantees.tender.not_open"
    CONTRACT = "guarantees.contract.required"
    CONTRACT_SUPPLIER = "guarantees.contract.other_supplier"
    NO_KEY = "guarantees.key.none_active"
    KEY_FORMAT = "guarantees.key.malformed"
    KEY_STATE = "guarantees.key.state"
    KEY_TAKEN = "guarantees.key.already_registered"
    SIGNATURE = "guarantees.signature.mismatch"
    DRAFT = "guarantees.draft.unknown"
    CLAIM_AMOUNT = "guarantees.claim.amount"
    CLAIM_REASON = "guarantees.claim.reason_required"
    NOT_VALID = "guarantees.not_valid"
    PAYLOAD = "guarantees.verify.input_required"


# The texts of zhengcai.guarantees.offline.PROBLEMS as gettext msgids (a test keeps the two in step).
PROBLEMS = {
    "payload.malformed": _("The verification code cannot be read: it is incomplete or was altered."),
    "key.not_certified": _("The issuer's key is not certified by the finance bureau."),
    "key.mismatch": _("The key certificate does not belong to this issuer or guarantee."),
    "key.not_valid_at_issue": _("The issuer's key was not valid when the guarantee was issued."),
    "signature.mismatch": _(
        "Signature mismatch: the guarantee was altered after signing or not signed by this issuer."
    ),
    "guarantee.not_yet_valid": _("The guarantee is not yet in force."),
    "guarantee.expired": _("The guarantee has expired."),
    "key.unknown": _("The issuer's key is not registered with the platform."),
    "key.revoked": _("The issuer's key was revoked: guarantees signed with it are not valid."),
    "guarantee.not_found": _("No guarantee with this number is on record."),
    "record.mismatch": _("The guarantee differs from the platform's record."),
    "status.released": _("The guarantee was released: it no longer secures anything."),
    "status.claimed": _("A claim was paid under the guarantee."),
    "status.expired": _("The guarantee is recorded as expired."),
}
