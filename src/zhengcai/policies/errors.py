"""Error codes of the policy library."""

from __future__ import annotations

from enum import StrEnum


class PolicyError(StrEnum):
    REQUIRED = "policies.required"
    TOO_LONG = "policies.too_long"
    CHOICE = "policies.choice"
    NUMBER_FORMAT = "policies.number.format"
    NUMBER_REQUIRED = "policies.number.required"
    NUMBER_YEAR = "policies.number.year"
    NUMBER_TAKEN = "policies.number.taken"
    DATES = "policies.dates"
    FUTURE = "policies.future"
    REGION = "policies.region"
    TYPE_LEVEL = "policies.type_level"
    SCOPE = "policies.scope"
    URL = "policies.url"
    TAG = "policies.tag"
    STATUS_DATE = "policies.status.date"
    SUPERSEDED_BY = "policies.status.superseded_by"
    ATTACHMENT_TYPE = "policies.attachment.type"
    ATTACHMENT_MALFORMED = "policies.attachment.malformed"
    ATTACHMENT_EMPTY = "policies.attachment.empty"
    ATTACHMENT_SIZE = "policies.attachment.size"
    ATTACHMENT_DUPLICATE = "policies.attachment.duplicate"
    CATEGORY = "policies.category"
    EXPORT_RANGE = "policies.export.range"
