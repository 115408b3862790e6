import datetime as dt

from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from zhengcai.core import clock
from zhengcai.core.permissions import P, api_permission

from .models import Organization, Region
from .selectors import (
    organization_directory,
    organization_public_get,
    region_list,
    supplier_pending_list,
    supplier_review_get,
)
from .services import supplier_approve, supplier_reject

router = Router(tags=["organizations"])


class RegionOut(Schema):
    code: str
    name: str
    name_en: str
    level: str
    parent_code: str | None = Field(None, alias="parent.code")


class OrganizationOut(Schema):
    id: int
    kind: str
    name: str
    name_en: str
    credit_code: str | None
    size: str
    status: str
    region_code: str = Field(..., alias="region.code")
    region_name: str = Field(..., alias="region.name")
    parent_id: int | None


class OrganizationFilter(Schema):
    q: str = ""
    region: str = ""
    kind: str = ""
    size: str = ""


class ReviewIn(Schema):
    note: str = ""


class SupplierReviewOut(OrganizationOut):
    business_scope: str
    contact_name: str
    contact_phone: str
    contact_email: str
    created_at: dt.datetime
    reviewed_at: dt.datetime | None
    review_note: str


@router.get("/regions", response=list[RegionOut], auth=None, summary="Regions (public)")
@paginate(PageNumberPagination, page_size=50)
@api_permission(P.PUBLIC)
def regions(request: HttpRequest) -> list[Region]:
    return list(region_list())


@router.get("/organizations", response=list[OrganizationOut], auth=None, summary="Organization directory (public)")
@paginate(PageNumberPagination, page_size=50)
@api_permission(P.PUBLIC)
def organizations(request: HttpRequest, filters: Query[OrganizationFilter]) -> object:
    return organization_directory(q=filters.q, region=filters.region, kind=filters.kind, size=filters.size)


@router.get("/organizations/{org_id}", response=OrganizationOut, auth=None, summary="One organization (public)")
@api_permission(P.PUBLIC)
def organization(request: HttpRequest, org_id: int) -> Organization:
    try:
        return organization_public_get(pk=org_id)
    except Organization.DoesNotExist as exc:
        raise Http404 from exc


@router.get("/suppliers/pending", response=list[SupplierReviewOut], summary="Supplier registrations to review")
@paginate(PageNumberPagination, page_size=50)
@api_permission(P.SUPPLIER_REVIEW)
def suppliers_pending(request: HttpRequest) -> object:
    return supplier_pending_list(user=request.auth)  # type: ignore[attr-defined]


def _review_target(request: HttpRequest, supplier_id: int) -> Organization:
    try:
        return supplier_review_get(user=request.auth, pk=supplier_id)  # type: ignore[attr-defined]
    except Organization.DoesNotExist as exc:
        raise Http404 from exc


@router.post("/suppliers/{supplier_id}/approve", response=SupplierReviewOut, summary="Approve a supplier")
@api_permission(P.SUPPLIER_REVIEW)
def supplier_approve_api(request: HttpRequest, supplier_id: int, payload: ReviewIn) -> Organization:
    supplier = _review_target(request, supplier_id)
    return supplier_approve(supplier=supplier, actor=request.auth, at=clock.now(), note=payload.note)  # type: ignore[attr-defined]


@router.post("/suppliers/{supplier_id}/reject", response=SupplierReviewOut, summary="Reject a supplier")
@api_permission(P.SUPPLIER_REVIEW)
def supplier_reject_api(request: HttpRequest, supplier_id: int, payload: ReviewIn) -> Organization:
    supplier = _review_target(request, supplier_id)
    return supplier_reject(supplier=supplier, actor=request.auth, at=clock.now(), note=payload.note)  # type: ignore[attr-defined]
