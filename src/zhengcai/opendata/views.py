"""Public OCDS endpoints: release packages (keyset pages), record packages, the bulk gzip JSONL stream.

Plain views, public (no login), GET only. Bad query parameters answer 400 with the platform's
bilingual error body ``{code, field, message_zh, message_en}``.
"""

from __future__ import annotations

import datetime as dt
import re
import zlib
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from zhengcai.core import clock
from zhengcai.core.errors import CoreError, ServiceError
from zhengcai.core.permissions import P, permission
from zhengcai.organizations.models import Region

from . import build, jsoncodec, schema, selectors
from .errors import OpendataError
from .models import Record

PUBLISHER = {"name": "菏泽市财政局"}
LICENSE = "https://creativecommons.org/licenses/by/4.0/"
JSON_TYPE = "application/json; charset=utf-8"
DIVISION = re.compile(r"^\d{6}$")
GZIP_FLUSH_BYTES = 64 * 1024


def _json(body: dict[str, Any], status: int = 200) -> HttpResponse:
    return HttpResponse(jsoncodec.dumps(body), content_type=JSON_TYPE, status=status)


def _error(error: ServiceError, status: int = 400) -> HttpResponse:
    return _json(dict(error.as_dict()), status)


def _package(request: HttpRequest) -> dict[str, Any]:
    """The metadata every package carries; ``extensions`` are identifiers (validated against local copies)."""
    site = f"{request.scheme}://{request.get_host()}"
    return {
        "uri": request.build_absolute_uri(),
        "version": schema.OCDS_VERSION,
        "extensions": schema.extension_urls(site),
        "publishedDate": build.when(clock.now()),
        "publisher": PUBLISHER,
        "license": LICENSE,
        "publicationPolicy": request.build_absolute_uri(reverse("portal:about")),
    }


def _since(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    moment = parse_datetime(value)
    if moment is None and (day := parse_date(value)) is not None:
        moment = dt.datetime.combine(day, dt.time())
    if moment is None:
        raise ValueError(value)
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _int(value: str | None, default: int, low: int, high: int) -> int:
    if value is None or value == "":
        return default
    if not value.isdigit() or not low <= int(value) <= high:
        raise ValueError(value)
    return int(value)


def _parse_release_query(request: HttpRequest) -> dict[str, Any] | ServiceError:
    query = request.GET
    try:
        since = _since(query.get("since"))
    except ValueError:
        return ServiceError(
            OpendataError.BAD_SINCE,
            "since",
            _("since must be an ISO 8601 date or date-time, e.g. 2026-04-01 or 2026-04-01T08:00:00+08:00."),
        )
    region = query.get("region") or None
    if region is not None and not (DIVISION.match(region) and Region.objects.filter(code=region).exists()):
        return ServiceError(
            OpendataError.BAD_REGION,
            "region",
            _("region must be the six-digit division code of a region on this platform, e.g. 371700."),
        )
    try:
        limit = _int(query.get("limit"), selectors.DEFAULT_PAGE_SIZE, 1, selectors.MAX_PAGE_SIZE)
    except ValueError:
        return ServiceError(
            OpendataError.BAD_LIMIT,
            "limit",
            _("limit must be a whole number from 1 to {max}."),
            max=selectors.MAX_PAGE_SIZE,
        )
    try:
        after = _int(query.get("after"), 0, 0, 2**63 - 1)
    except ValueError:
        return ServiceError(
            OpendataError.BAD_CURSOR, "after", _("after must be the cursor given in links.next (a whole number).")
        )
    return {"since": since, "region": region, "limit": limit, "after": after}


@permission(P.PUBLIC)
@require_GET
def releases(request: HttpRequest) -> HttpResponse:
    """A release package, oldest published first; ``links.next`` holds the next page (keyset on ``after``)."""
    params = _parse_release_query(request)
    if isinstance(params, ServiceError):
        return _error(params)
    page = selectors.release_page(**params)
    body = _package(request)
    body["releases"] = [r.data for r in page.releases]
    if page.next_after is not None:
        query = {k: v for k, v in request.GET.items() if k != "after"}
        query["after"] = str(page.next_after)
        body["links"] = {"next": request.build_absolute_uri(f"{request.path}?{urlencode(query)}")}
    return _json(body)


@permission(P.PUBLIC)
@require_GET
def record(request: HttpRequest, ocid: str) -> HttpResponse:
    """A record package: the compiled release and every release of the process, embedded."""
    try:
        rec = selectors.record_get(ocid=ocid)
    except Record.DoesNotExist:
        return _error(ServiceError(CoreError.NOT_FOUND, "ocid", _("No contracting process has this OCID.")), 404)
    body = _package(request)
    body["records"] = [
        {
            "ocid": rec.ocid,
            "releases": [r.data for r in selectors.record_releases(ocid=ocid)],
            "compiledRelease": rec.compiled_release,
        }
    ]
    return _json(body)


def _gzip_lines(rows: Iterator[dict[str, Any]]) -> Iterator[bytes]:
    compressor = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)  # a gzip member
    buffer: list[bytes] = []
    size = 0
    for data in rows:
        chunk = compressor.compress((jsoncodec.dumps(data) + "\n").encode())
        if chunk:
            buffer.append(chunk)
            size += len(chunk)
        if size >= GZIP_FLUSH_BYTES:
            yield b"".join(buffer)
            buffer, size = [], 0
    buffer.append(compressor.flush())
    yield b"".join(buffer)


@permission(P.PUBLIC)
@require_GET
def bulk_releases(request: HttpRequest) -> StreamingHttpResponse:
    """Every release, one JSON object per line, gzip-compressed and streamed in constant memory."""
    response = StreamingHttpResponse(_gzip_lines(selectors.release_data_stream()), content_type="application/gzip")
    response["Content-Disposition"] = 'attachment; filename="releases.jsonl.gz"'
    return response
