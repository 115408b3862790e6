"""The channels' JSON API: the outbox's posts in the caller's scope (GET /api/v1/publicity/posts)."""

import datetime as dt

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from zhengcai.accounts.selectors import user_scope
from zhengcai.core.permissions import P, api_permission

from .models import ChannelPost


class PostOut(Schema):
    id: int
    item: int = Field(alias="content_id")
    revision: int = Field(alias="revision.number")
    title: str = Field(alias="revision.title")
    channel: str
    driver: str
    state: str
    attempts: int
    last_error: str
    external_id: str
    external_url: str
    posted_at: dt.datetime | None
    created_at: dt.datetime


class PostFilter(Schema):
    channel: str | None = None
    state: str | None = None
    item: int | None = None


@paginate(PageNumberPagination, page_size=50)
@api_permission(P.PUBLICITY_VIEW)
def posts(request: HttpRequest, filters: Query[PostFilter]) -> QuerySet[ChannelPost]:
    scope = user_scope(user=request.auth, perm=P.PUBLICITY_VIEW)  # type: ignore[attr-defined]
    qs = scope.filter(
        ChannelPost.objects.select_related("revision").order_by("-created_at", "-pk"),
        region_field="content__region",
        organization_field="content__owner",
    )
    if filters.channel:
        qs = qs.filter(channel=filters.channel)
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.item:
        qs = qs.filter(content_id=filters.item)
    return qs


def register(router: Router) -> None:
    """Add the channels' operations to the publicity router (one router, so the permission matrix sees them)."""
    router.get("/publicity/posts", response=list[PostOut], summary="Channel posts of publicity items in scope")(posts)
