"""Error codes of the service desk."""

from __future__ import annotations

from enum import StrEnum


class DeskError(StrEnum):
    """Requests, their messages and attachments (services.py)."""

    CATEGORY = "service.request.category"
    SUBJECT = "service.request.subject"
    DESCRIPTION = "service.request.description"
    TEXT = "service.request.text"
    ORGANIZATION = "service.request.organization"
    REGION = "service.figures.region"
    LINK_ONE = "service.request.link_one"
    LINK_NOT_YOURS = "service.request.link_not_yours"
    LINK_REQUIRED = "service.request.link_required"
    NO_BUREAU = "service.request.no_bureau"
    REOPEN_WINDOW = "service.request.reopen_window"
    RATING = "service.request.rating"
    ALREADY_RATED = "service.request.already_rated"
    HANDLER = "service.request.handler"
    SAME_HANDLER = "service.request.same_handler"
    ATTACHMENT_TYPE = "service.attachment.type"
    ATTACHMENT_SIZE = "service.attachment.size"
    ATTACHMENT_EMPTY = "service.attachment.empty"
    ATTACHMENT_MALFORMED = "service.attachment.malformed"
    ATTACHMENT_COUNT = "service.attachment.count"
    ATTACHMENT_NAME = "service.attachment.name"


class PairingError(StrEnum):
    """Pairings, default handlers and service levels (pairings.py)."""

    UNIT = "service.pairing.unit"
    DEPARTMENT = "service.pairing.department"
    PERSON = "service.pairing.person"
    SAME_PEOPLE = "service.pairing.same_people"
    PARTNER = "service.pairing.partner"
    DATE = "service.pairing.date"
    NOT_OPEN = "service.pairing.not_open"
    UNCHANGED = "service.pairing.unchanged"
    CONTACT = "service.pairing.contact"
    LEVEL = "service.level.value"
    LEVEL_DATE = "service.level.date"


class FaqError(StrEnum):
    """FAQ entries (faq.py)."""

    NOT_RESOLVED = "service.faq.not_resolved"
    ALREADY = "service.faq.already"
    QUESTION = "service.faq.question"
    ANSWER = "service.faq.answer"
    NOT_ANONYMOUS = "service.faq.not_anonymous"
    NOTE = "service.faq.note"
