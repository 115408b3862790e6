"""The service desk's JSON API.

- ``POST /service/requests`` (SERVICE_REQUEST, Idempotency-Key): file a request for your organization;
- ``GET /service/requests`` (SERVICE_REQUEST): your organizations' requests;
- ``GET /service/desk/requests`` (SERVICE_HANDLE): the requests in your handling scope (the bureau's queue);
- ``GET /service/figures`` (SERVICE_VIEW): the figures in your scope.

Every operation declares one permission (core/permissions), so the requester's list and the handler's
queue are two operations.
"""

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router, Schema
from ninja.pagination import PageNumberPagination, paginate
from ninja.responses import Status

from zhengcai.core import clock
from zhengcai.core.errors import ServiceError
from zhengcai.core.permissions import P, api_permission
from zhengcai.integrations.idempotency import idempotent

from . import figures as figures_module
from . import selectors, services
from .errors import DeskError
from .models import ServiceRequest

router = Router(tags=["service desk"])


class RequestIn(Schema):
    category: str
    subject: str
    description: str
    tender: str = ""  # project number of a tender your organization bid in, bought or ran
    contract: str = ""  # project number of a contract your organization is party to
    payment_id: int | None = None  # a payment under one of those contracts
    organization_id: int | None = None  # needed only when you file for several organizations


class RequestOut(Schema):
    id: int
    number: str
    organization_id: int
    organization: str
    category: str
    category_label: str
    subject: str
    status: str
    status_label: str
    region_code: str
    department: str
    handler: str | None
    level: int
    link: str
    submitted_at: dt.datetime
    first_response_due: dt.datetime
    resolution_due: dt.datetime
    first_response_at: dt.datetime | None
    resolved_at: dt.datetime | None
    resolved_on_time: bool | None
    rating: int | None


def request_out(obj: ServiceRequest) -> dict[str, Any]:
    return {
        "id": obj.pk,
        "number": obj.number,
        "organization_id": obj.organization_id,
        "organization": obj.organization.name,
        "category": obj.category,
        "category_label": str(obj.get_category_display()),
        "subject": obj.subject,
        "status": obj.status,
        "status_label": str(obj.get_status_display()),
        "region_code": obj.region.code,
        "department": obj.department.name,
        "handler": str(obj.handler) if obj.handler_id else None,
        "level": obj.level,
        "link": obj.link_label,
        "submitted_at": obj.submitted_at,
        "first_response_due": obj.first_response_due,
        "resolution_due": obj.resolution_due,
        "first_response_at": obj.first_response_at,
        "resolved_at": obj.resolved_at,
        "resolved_on_time": obj.resolved_on_time,
        "rating": obj.rating,
    }


class _Page:
    """A queryset whose rows become ``request_out`` dicts only for the page the paginator slices."""

    def __init__(self, qs: QuerySet[ServiceRequest]) -> None:
        self.qs = qs

    def __len__(self) -> int:
        return self.qs.count()

    def __getitem__(self, window: slice) -> list[dict[str, Any]]:
        return [request_out(r) for r in self.qs[window]]


class MineFilter(Schema):
    status: str = ""  # open, resolved, or empty for all
    category: str = ""


class DeskFilter(Schema):
    tab: str = "open"  # mine, escalated, unassigned, overdue, open, all
    category: str = ""
    region: int | None = None


class FiguresFilter(Schema):
    year: int | None = None
    category: str = ""
    region: str = ""  # division code


def _organization(user: Any, organization_id: int | None) -> Any:
    organizations = services.requester_organizations(user=user)
    if organization_id is not None:
        for org in organizations:
            if org.pk == organization_id:
                return org
        raise PermissionDenied
    if len(organizations) == 1:
        return organizations[0]
    if not organizations:
        raise PermissionDenied
    raise ServiceError(
        DeskError.ORGANIZATION,
        "organization_id",
        _("You file requests for several organizations: give organization_id."),
    )


@router.post(
    "/service/requests",
    response={201: RequestOut},
    summary="File a service request for your organization (routed to its counterpart at once)",
)
@api_permission(P.SERVICE_REQUEST)
@idempotent
def request_create(request: HttpRequest, payload: RequestIn) -> Status[dict[str, Any]]:
    user = request.auth  # type: ignore[attr-defined]
    organization = _organization(user, payload.organization_id)
    created = services.request_submit(
        organization=organization,
        data=services.RequestInput(
            category=payload.category,
            subject=payload.subject,
            description=payload.description,
            tender=payload.tender,
            contract=payload.contract,
            payment_id=payload.payment_id,
        ),
        actor=user,
        at=clock.now(),
    )
    created = ServiceRequest.objects.select_related(
        "organization", "region", "department", "handler", "tender__project", "contract__project"
    ).get(pk=created.pk)
    return Status(201, request_out(created))


@router.get("/service/requests", response=list[RequestOut], summary="Your organizations' service requests")
@paginate(PageNumberPagination, page_size=50)
@api_permission(P.SERVICE_REQUEST)
def request_list(request: HttpRequest, filters: Query[MineFilter]) -> Any:
    return _Page(
        selectors.requests_for_requester(
            user=request.auth,  # type: ignore[attr-defined]
            tab=filters.status if filters.status in selectors.REQUESTER_TABS else "all",
            category=filters.category,
        ).select_related("tender__project", "contract__project", "payment__contract__project")
    )


@router.get(
    "/service/desk/requests",
    response=list[RequestOut],
    summary="The service requests in your handling scope (mine, escalated, unassigned, overdue, open, all)",
)
@paginate(PageNumberPagination, page_size=50)
@api_permission(P.SERVICE_HANDLE)
def desk_list(request: HttpRequest, filters: Query[DeskFilter]) -> Any:
    return _Page(
        selectors.requests_for_handler(
            user=request.auth,  # type: ignore[attr-defined]
            tab=filters.tab if filters.tab in selectors.DESK_TABS else "open",
            at=clock.now(),
            category=filters.category,
            region=filters.region,
        ).select_related("tender__project", "contract__project", "payment__contract__project")
    )


@router.get("/service/figures", summary="Service desk figures in your scope (by category, region and month)")
@api_permission(P.SERVICE_VIEW)
def figures(request: HttpRequest, filters: Query[FiguresFilter]) -> dict[str, Any]:
    user = request.auth  # type: ignore[attr-defined]
    now = clock.now()
    region = None
    if filters.region:
        region = figures_module.view_regions(user=user).filter(code=filters.region).first()
        if region is None:
            raise ServiceError(
                DeskError.REGION, "region", _("No region {region_code} in your scope."), region_code=filters.region
            )
    year = filters.year or clock.today().year
    board = figures_module.figures(user=user, year=year, at=now, category=filters.category, region=region)
    return figures_module.as_json(board)
