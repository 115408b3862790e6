from __future__ import annotations

from enum import StrEnum


class OpendataError(StrEnum):
    BAD_SINCE = "opendata.since.invalid"
    BAD_REGION = "opendata.region.invalid"
    BAD_LIMIT = "opendata.limit.invalid"
    BAD_CURSOR = "opendata.after.invalid"
