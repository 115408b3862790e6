from __future__ import annotations

from enum import StrEnum


class IntegrationError(StrEnum):
    KEY_REQUIRED = "integrations.idempotency.key_required"
    KEY_REUSED = "integrations.idempotency.key_reused"
    KEY_IN_FLIGHT = "integrations.idempotency.in_flight"
    URL = "integrations.webhook.url"
    SIGNATURE_MISSING = "integrations.webhook.signature_missing"
    SIGNATURE_STALE = "integrations.webhook.signature_stale"
    SIGNATURE_BAD = "integrations.webhook.signature_bad"
