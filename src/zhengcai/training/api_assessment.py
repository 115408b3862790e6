"""The training figures' JSON API: ``GET /api/v1/training/figures`` (``P.TRAINING_VIEW``, in the caller's scope).

Attached to the training router by ``register`` (called at the end of ``api.py``), so the permission matrix
and the OpenAPI document see it with the rest of the app.
"""

from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema

from zhengcai.accounts.selectors import regions_in_scope, user_scope
from zhengcai.core import clock
from zhengcai.core.permissions import P, api_permission

from . import figures


class FiguresQuery(Schema):
    year: int | None = Field(None, ge=figures.YEAR_RANGE[0], le=figures.YEAR_RANGE[1])
    region_id: int | None = None


class ShareOut(Schema):
    total: int
    covered: int
    rate: str | None = Field(description="covered / total, four decimals; null when total is 0")


class RowOut(Schema):
    key: int | str
    label: str
    participants: int
    attendances: int


class CoverageOut(Schema):
    region_id: int | None
    label: str
    purchasers: ShareOut
    agencies: ShareOut
    both: ShareOut


class FiguresOut(Schema):
    year: int
    region_id: int | None
    people_trained: int = Field(description="distinct people (mobile numbers) with a completed training")
    people_trained_purchasers_agencies: int
    attendances: int
    by_region: list[RowOut]
    by_organization_kind: list[RowOut]
    by_month: list[RowOut]
    coverage: list[CoverageOut]
    coverage_total: CoverageOut


@api_permission(P.TRAINING_VIEW)
def training_figures(request: HttpRequest, filters: Query[FiguresQuery]) -> dict[str, object]:
    user = request.auth  # type: ignore[attr-defined]
    region = None
    if filters.region_id is not None:
        region = regions_in_scope(user_scope(user=user, perm=P.TRAINING_VIEW)).filter(pk=filters.region_id).first()
        if region is None:
            raise Http404
    year = filters.year or clock.today().year
    return figures.as_json(figures.training_figures(user=user, year=year, region=region))


def register(router: Router) -> None:
    """Add the figures operation to the training router (one router, so the permission matrix sees it)."""
    router.get(
        "/training/figures",
        response=FiguresOut,
        summary="Training figures and coverage of purchasers and agencies in scope (one year)",
    )(training_figures)
