"""Error codes of the publicity app, one enum per area."""

from __future__ import annotations

from enum import StrEnum


class ContentError(StrEnum):
    """Content and editorial workflow (services.py)."""

    KIND = "publicity.content.kind"
    OWNER = "publicity.content.owner"
    TITLE = "publicity.content.title"
    SUMMARY = "publicity.content.summary"
    BODY = "publicity.content.body"
    NOTE = "publicity.content.note"
    COVER = "publicity.content.cover"
    DOCUMENTS = "publicity.content.documents"
    CHANNELS = "publicity.content.channels"
    UNCHANGED = "publicity.content.unchanged"
    STALE = "publicity.content.stale"
    COMMENT_REQUIRED = "publicity.content.comment_required"
    COMMENT = "publicity.content.comment"
    STAGE = "publicity.content.stage"
    OWN_DRAFT = "publicity.content.own_draft"
    PUBLISH_AT = "publicity.content.publish_at"
    NOT_LIVE = "publicity.content.not_live"
    REVISION = "publicity.content.revision"
    NOT_A_LETTER = "publicity.letter.not_a_letter"
    ALREADY_ACKNOWLEDGED = "publicity.letter.already_acknowledged"
    NOT_A_SUPPLIER = "publicity.letter.not_a_supplier"


class ChannelError(StrEnum):
    """Channels, outbox, short links and reach metrics (channels.py, outbox.py)."""

    UNKNOWN_CHANNEL = "publicity.channel.unknown"
    TITLE_TOO_LONG = "publicity.channel.title_too_long"
    TITLE_TOO_SHORT = "publicity.channel.title_too_short"
    SUMMARY_TOO_LONG = "publicity.channel.summary_too_long"
    TEXT_TOO_LONG = "publicity.channel.text_too_long"
    BODY_TOO_LONG = "publicity.channel.body_too_long"
    LINK_TOO_LONG = "publicity.channel.link_too_long"
    COVER_REQUIRED = "publicity.channel.cover_required"
    COVER_UNREADABLE = "publicity.channel.cover_unreadable"
    COVER_TOO_SMALL = "publicity.channel.cover_too_small"
    NOT_PUBLISHED = "publicity.channel.not_published"
    POST_STATE = "publicity.channel.post_state"
    POST_URL_REQUIRED = "publicity.channel.post_url_required"
    POST_URL_DOMAIN = "publicity.channel.post_url_domain"
    POST_URL_TAKEN = "publicity.channel.post_url_taken"
    METRIC_INVALID = "publicity.channel.metric_invalid"
    METRIC_EXISTS = "publicity.channel.metric_exists"
    CSV_ENCODING = "publicity.channel.csv_encoding"
    CSV_COLUMNS = "publicity.channel.csv_columns"
    CSV_ROW = "publicity.channel.csv_row"
    CSV_EMPTY = "publicity.channel.csv_empty"
    CSV_TOO_LARGE = "publicity.channel.csv_too_large"
    CSV_NO_POST = "publicity.channel.csv_no_post"


class OutreachError(StrEnum):
    """Leaflets, print runs, distribution and events (outreach.py)."""

    REQUIRED = "publicity.outreach.required"
    TOO_LONG = "publicity.outreach.too_long"
    NUMBER = "publicity.outreach.number"
    CHOICE = "publicity.outreach.choice"
    DATE = "publicity.outreach.date"
    NOT_INTERPRETATION = "publicity.outreach.not_interpretation"
    NOT_PUBLISHED = "publicity.outreach.not_published"
    REVISION_CHANGED = "publicity.outreach.revision_changed"
    LEAFLET_OVERFLOW = "publicity.outreach.leaflet_overflow"
    OVER_PRINTED = "publicity.outreach.over_printed"
    EVENT_MISMATCH = "publicity.outreach.event_mismatch"
    EVENT_TIMES = "publicity.outreach.event_times"
    EVENT_NOT_STARTED = "publicity.outreach.event_not_started"
    EVENT_NOT_HELD = "publicity.outreach.event_not_held"
