from __future__ import annotations

from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from zhengcai.core.errors import ServiceError

from .rules import CreditCodeProblem


class OrgError(StrEnum):
    CREDIT_CODE_REQUIRED = "organizations.credit_code.required"
    CREDIT_CODE_LENGTH = "organizations.credit_code.length"
    CREDIT_CODE_ALPHABET = "organizations.credit_code.alphabet"
    CREDIT_CODE_CHECK = "organizations.credit_code.check"
    CREDIT_CODE_TAKEN = "organizations.credit_code.taken"
    NAME_REQUIRED = "organizations.name.required"
    NAME_TAKEN = "organizations.name.taken"
    SIZE_REQUIRED = "organizations.size.required"
    REGION_REQUIRED = "organizations.region.required"
    NOT_PENDING = "organizations.status.not_pending"
    REVIEW_NOTE_REQUIRED = "organizations.review_note.required"


def credit_code_error(field: str, problem: CreditCodeProblem) -> ServiceError:
    if problem.rule == "length":
        return ServiceError(
            OrgError.CREDIT_CODE_LENGTH,
            field,
            _("Unified social credit code must have 18 characters (GB 32100-2015)."),
        )
    if problem.rule == "alphabet":
        return ServiceError(
            OrgError.CREDIT_CODE_ALPHABET,
            field,
            _(
                "Unified social credit code: character {position} is not allowed; use digits and capital "
                "letters except I, O, Z, S, V (GB 32100-2015)."
            ),
            position=problem.position,
        )
    return ServiceError(
        OrgError.CREDIT_CODE_CHECK,
        field,
        _(
            "Unified social credit code: the check character (18th) is wrong under GB 32100-2015; "
            "please check the code on the business licence."
        ),
    )
