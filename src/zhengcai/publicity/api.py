"""The publicity JSON API: published items (public, live revisions only) and a supplier's
acknowledgement of the open letter."""

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.urls import reverse
from ninja import Query, Router, Schema
from ninja.pagination import PageNumberPagination, paginate
from ninja.responses import Status

from zhengcai.core import clock
from zhengcai.core.permissions import P, api_permission
from zhengcai.integrations.idempotency import idempotent
from zhengcai.policies.models import PolicyDocument

from . import selectors, services
from .models import Content, ContentRevision

router = Router(tags=["publicity"])


class DocumentOut(Schema):
    id: int
    title: str
    number: str
    issuer: str
    issued_on: dt.date
    status: str


class ItemOut(Schema):
    """An item as the portal shows it: its live revision."""

    id: int
    kind: str
    kind_label: str
    title: str
    summary: str
    region_code: str
    region_name: str
    issuer: str
    revision: int
    published_at: dt.datetime | None
    first_published_at: dt.datetime | None
    url: str
    cover_url: str | None

    @staticmethod
    def resolve_kind_label(obj: Content) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_title(obj: Content) -> str:
        return _live(obj).title

    @staticmethod
    def resolve_summary(obj: Content) -> str:
        return _live(obj).summary

    @staticmethod
    def resolve_region_code(obj: Content) -> str:
        return obj.region.code

    @staticmethod
    def resolve_region_name(obj: Content) -> str:
        return obj.region.name

    @staticmethod
    def resolve_issuer(obj: Content) -> str:
        return obj.owner.name

    @staticmethod
    def resolve_revision(obj: Content) -> int:
        return _live(obj).number

    @staticmethod
    def resolve_url(obj: Content) -> str:
        return reverse("publicity:item", args=[obj.pk])

    @staticmethod
    def resolve_cover_url(obj: Content) -> str | None:
        return reverse("publicity:cover", args=[obj.pk]) if _live(obj).cover else None


class ItemDetailOut(ItemOut):
    body: str
    documents: list[DocumentOut]

    @staticmethod
    def resolve_body(obj: Content) -> str:
        return _live(obj).body

    @staticmethod
    def resolve_documents(obj: Content) -> list[PolicyDocument]:
        return selectors.revision_documents(revision=_live(obj))


class ItemFilter(Schema):
    kind: str = ""
    region: int | None = None
    q: str = ""


class AcknowledgementOut(Schema):
    item_id: int
    supplier_id: int
    supplier: str
    acknowledged_at: dt.datetime
    user: str


def _live(content: Content) -> ContentRevision:
    revision = content.live_revision
    if revision is None:  # the selectors return live items only
        raise Http404
    return revision


@router.get("/publicity/items", response=list[ItemOut], auth=None, summary="Published publicity items (public)")
@paginate(PageNumberPagination, page_size=20)
@api_permission(P.PUBLIC)
def items(request: HttpRequest, filters: Query[ItemFilter]) -> QuerySet[Content]:
    return selectors.content_public_list(kind=filters.kind, region=filters.region, q=filters.q)


@router.get(
    "/publicity/items/{item_id}",
    response=ItemDetailOut,
    auth=None,
    summary="One published item: its live revision and policy documents (public)",
)
@api_permission(P.PUBLIC)
def item(request: HttpRequest, item_id: int) -> Content:
    try:
        return selectors.content_public_get(pk=item_id)
    except Content.DoesNotExist as exc:
        raise Http404 from exc


@router.post(
    "/publicity/letters/{item_id}/acknowledge",
    response={201: AcknowledgementOut},
    summary="Acknowledge the open letter to suppliers for your company (once)",
)
@api_permission(P.OPEN_LETTER_ACK)
@idempotent
def letter_acknowledge(request: HttpRequest, item_id: int) -> Status[dict[str, Any]]:
    user = request.auth  # type: ignore[attr-defined]
    supplier = selectors.supplier_of(user=user)
    if supplier is None:
        raise PermissionDenied
    try:
        content = selectors.content_public_get(pk=item_id)
    except Content.DoesNotExist as exc:
        raise Http404 from exc
    ack = services.letter_acknowledge(content=content, supplier=supplier, actor=user, at=clock.now())
    return Status(
        201,
        {
            "item_id": content.pk,
            "supplier_id": supplier.pk,
            "supplier": supplier.name,
            "acknowledged_at": ack.at,
            "user": user.get_username(),
        },
    )


# The channels area's operations (api_channels.py: GET /publicity/posts).
from .api_channels import register as _register_channels  # noqa: E402

_register_channels(router)
