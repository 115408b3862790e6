from __future__ import annotations

from enum import StrEnum


class ProcurementError(StrEnum):
    NOT_A_PURCHASER = "procurement.purchaser.not_budget_unit"
    NOT_AN_AGENCY = "procurement.agency.not_agency"
    BUDGET_NOT_POSITIVE = "procurement.budget.not_positive"
    MAX_PRICE_OVER_BUDGET = "procurement.max_price.over_budget"
    TITLE_REQUIRED = "procurement.title.required"
    CATALOGUE_CODE = "procurement.catalogue_code.invalid"
    INTENTION_NOT_PUBLISHED = "procurement.intention.not_published"
    DEADLINE_IN_PAST = "procurement.deadline.in_past"
    DOCS_BEFORE_NOTICE = "procurement.docs.before_notice"
    NOTICE_TEXT_REQUIRED = "procurement.notice_text.required"
    CORRECTION_AFTER_DEADLINE = "procurement.correction.after_deadline"
    SUSPENDED = "procurement.suspended"
    REASON_REQUIRED = "procurement.reason.required"
