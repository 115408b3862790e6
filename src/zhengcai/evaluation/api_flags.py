"""Evaluation API: the integrity red flags (RED_FLAG_VIEW, in the caller's scope), mounted by evaluation/api.py.

- ``GET /api/v1/evaluation/red-flags``: flags with their evidence, filtered and paginated;
- ``GET /api/v1/evaluation/red-flags/summary``: counts per region, purchaser and agency, each by kind.
"""

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from zhengcai.core.permissions import P, api_permission
from zhengcai.organizations.models import Organization, Region

from . import flag_selectors as selectors
from . import redflags
from .models import RedFlag

router = Router(tags=["evaluation"])


class RedFlagOut(Schema):
    id: int
    code: str
    name: str
    explanation: str
    status: str
    project_id: int
    project_number: str
    project_title: str
    purchaser: str
    agency: str | None
    supplier: str | None
    region: str
    region_code: str
    occurred_on: dt.date
    detected_at: dt.datetime
    evidence: dict[str, Any]
    params: dict[str, Any]
    review_note: str
    reviewed_at: dt.datetime | None

    @staticmethod
    def resolve_name(obj: RedFlag) -> str:
        return str(redflags.flag_name(obj.code))

    @staticmethod
    def resolve_explanation(obj: RedFlag) -> str:
        return redflags.explain(obj)

    @staticmethod
    def resolve_project_number(obj: RedFlag) -> str:
        return obj.project.number

    @staticmethod
    def resolve_project_title(obj: RedFlag) -> str:
        return obj.project.title

    @staticmethod
    def resolve_purchaser(obj: RedFlag) -> str:
        return obj.purchaser.name

    @staticmethod
    def resolve_agency(obj: RedFlag) -> str | None:
        return obj.agency.name if obj.agency else None

    @staticmethod
    def resolve_supplier(obj: RedFlag) -> str | None:
        return obj.supplier.name if obj.supplier else None

    @staticmethod
    def resolve_region(obj: RedFlag) -> str:
        return obj.region.name

    @staticmethod
    def resolve_region_code(obj: RedFlag) -> str:
        return obj.region.code


class FlagQuery(Schema):
    code: str = ""
    region: str = ""  # a region code, e.g. 371721 (covers the regions below it)
    purchaser: int | None = None
    agency: int | None = None
    status: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    def filters(self) -> selectors.FlagFilters:
        """Unknown or out-of-scope regions and organizations match nothing (never widen the answer)."""
        region = Region.objects.filter(code=self.region).first() if self.region else None
        purchaser = Organization.objects.filter(pk=self.purchaser).first() if self.purchaser else None
        agency = Organization.objects.filter(pk=self.agency).first() if self.agency else None
        missing = (self.region and region is None) or (self.purchaser and purchaser is None)
        missing = missing or (self.agency and agency is None)
        return selectors.FlagFilters(
            code=self.code if not missing else "-",
            region=region,
            purchaser=purchaser,
            agency=agency,
            status=self.status,
            date_from=self.date_from,
            date_to=self.date_to,
        )


@router.get("/evaluation/red-flags", response=list[RedFlagOut], summary="Integrity red flags in your scope")
@paginate(PageNumberPagination, page_size=50)
@api_permission(P.RED_FLAG_VIEW)
def red_flag_list(request: HttpRequest, filters: Query[FlagQuery]) -> QuerySet[RedFlag]:
    return selectors.red_flag_list(user=request.auth, filters=filters.filters())  # type: ignore[attr-defined]


def _rows(rows: list[selectors.SummaryRow]) -> list[dict[str, Any]]:
    return [{"id": r.key, "name": r.label, "total": r.total, "by_code": r.counts} for r in rows]


@router.get("/evaluation/red-flags/summary", summary="Red-flag counts per region, purchaser and agency, by kind")
@api_permission(P.RED_FLAG_VIEW)
def red_flag_summary(request: HttpRequest, filters: Query[FlagQuery]) -> dict[str, Any]:
    summary = selectors.red_flag_summary(user=request.auth, filters=filters.filters())  # type: ignore[attr-defined]
    return {
        "kinds": [{"code": d.code, "name": str(d.name)} for d in redflags.FLAGS],
        "total": summary.total,
        "by_code": summary.totals,
        "by_region": _rows(summary.by_region),
        "by_purchaser": _rows(summary.by_purchaser),
        "by_agency": _rows(summary.by_agency),
    }
