"""The policy library's public API (registered in zhengcai.config.api): the list and one document."""

import datetime as dt
from typing import Any

from django.http import Http404, HttpRequest
from django.urls import reverse
from ninja import Query, Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from zhengcai.core.permissions import P, api_permission

from . import selectors
from .models import PolicyDocument

router = Router(tags=["policies"])


class ReplacementOut(Schema):
    id: int
    number: str
    title: str


class PolicyOut(Schema):
    id: int
    title: str
    number: str
    level: str
    doc_type: str
    issuer: str
    region_code: str | None
    issued_on: dt.date
    effective_on: dt.date
    status: str
    status_changed_on: dt.date | None
    superseded_by: ReplacementOut | None
    summary: str
    categories: list[str]
    tags: list[str]
    url: str
    updated_at: dt.datetime

    @staticmethod
    def resolve_region_code(obj: PolicyDocument) -> str | None:
        return obj.region.code if obj.region is not None else None

    @staticmethod
    def resolve_categories(obj: PolicyDocument) -> list[str]:
        return [c.name for c in obj.categories.all()]

    @staticmethod
    def resolve_tags(obj: PolicyDocument) -> list[str]:
        return [t.name for t in obj.tags.all()]

    @staticmethod
    def resolve_url(obj: PolicyDocument) -> str:
        return reverse("policies:detail", args=[obj.pk])


class AttachmentOut(Schema):
    id: int
    name: str
    size: int
    sha256: str
    url: str


class PolicyDetailOut(PolicyOut):
    full_text: str
    source_url: str
    attachments: list[AttachmentOut]

    @staticmethod
    def resolve_attachments(obj: PolicyDocument) -> list[dict[str, Any]]:
        return [
            {
                "id": a.pk,
                "name": a.name,
                "size": a.size,
                "sha256": a.sha256,
                "url": reverse("policies:attachment", args=[obj.pk, a.pk]),
            }
            for a in obj.attachments.all()
        ]


class PolicyFilter(Schema):
    q: str = ""
    level: str = ""
    doc_type: str = ""
    status: str = ""
    category: str = ""
    tag: str = ""
    year: int | None = None


@router.get("/policies", response=list[PolicyOut], auth=None, summary="The policy library (public)")
@paginate(PageNumberPagination, page_size=50)
@api_permission(P.PUBLIC)
def policies(request: HttpRequest, filters: Query[PolicyFilter]) -> Any:
    return selectors.document_list(filters=selectors.DocumentFilters(**filters.dict()))


@router.get("/policies/{doc_id}", response=PolicyDetailOut, auth=None, summary="One policy document (public)")
@api_permission(P.PUBLIC)
def policy(request: HttpRequest, doc_id: int) -> PolicyDocument:
    try:
        return selectors.document_get(id=doc_id)
    except PolicyDocument.DoesNotExist as exc:
        raise Http404 from exc
