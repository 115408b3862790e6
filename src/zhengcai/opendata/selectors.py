"""Reads of the open-data app: release pages (keyset on the published order), records, the bulk stream."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import QuerySet

from .models import Record, Release

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000
BULK_CHUNK = 500


def division_prefix(code: str) -> str:
    """GB/T 2260: a province (``xx0000``) covers ``xx…``, a city (``xxxx00``) its districts and counties."""
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


def release_list(*, since: dt.datetime | None = None, region: str | None = None) -> QuerySet[Release]:
    qs = Release.objects.all()
    if since is not None:
        qs = qs.filter(date__gte=since)
    if region:
        qs = qs.filter(region_code__startswith=division_prefix(region))
    return qs.order_by("seq")


@dataclass(frozen=True)
class ReleasePage:
    releases: list[Release]
    next_after: int | None  # the cursor of the next page, None on the last one


def release_page(
    *, since: dt.datetime | None = None, region: str | None = None, after: int = 0, limit: int = DEFAULT_PAGE_SIZE
) -> ReleasePage:
    rows = list(release_list(since=since, region=region).filter(seq__gt=after)[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return ReleasePage(rows, rows[-1].seq if more else None)


def record_get(*, ocid: str) -> Record:
    return Record.objects.get(ocid=ocid)


def record_releases(*, ocid: str) -> QuerySet[Release]:
    return Release.objects.filter(ocid=ocid).order_by("seq")


def release_data_stream(*, chunk: int = BULK_CHUNK) -> Iterator[dict[str, object]]:
    """Every release's data in published order, read in keyset chunks: constant memory on any database
    (a server-side cursor would hold one transaction open for the whole download)."""
    after = 0
    while True:
        batch = list(Release.objects.filter(seq__gt=after).order_by("seq").values_list("seq", "data")[:chunk])
        if not batch:
            return
        for _seq, data in batch:
            yield data
        after = batch[-1][0]
