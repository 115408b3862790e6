"""Public feeds of published publicity items: RSS 2.0 and Atom through ``django.contrib.syndication`` and
JSON Feed 1.1. The newest 50 items by last publication; each entry shows the *live* revision (what the
portal shows), never a draft or a revision in review."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, SyndicationFeed
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from zhengcai.core.permissions import P, permission

from .channels import body_text
from .models import Content, ContentRevision, ContentStatus

FEED_SIZE = 50


def feed_items(*, limit: int = FEED_SIZE) -> QuerySet[Content]:
    """Published items with their live revision, last published first."""
    return (
        Content.objects.filter(status=ContentStatus.PUBLISHED, live_revision__isnull=False)
        .select_related("live_revision", "owner")
        .order_by("-published_at", "-pk")[:limit]
    )


def in_feed(content_id: int) -> bool:
    return any(pk == content_id for pk in feed_items().values_list("pk", flat=True))


def _live(item: Content) -> ContentRevision:
    revision = item.live_revision
    if revision is None:  # feed_items() selects live items only
        raise ValueError(f"item {item.pk} has no live revision")
    return revision


def _summary(item: Content) -> str:
    revision = _live(item)
    return revision.summary or body_text(revision.body).split("\n\n")[0]


class PublicityRssFeed(Feed):
    title = gettext_lazy("Heze government procurement — policy publicity")
    description = gettext_lazy("News, notices, policy interpretations and stories, newest first.")
    language = "zh-CN"

    def link(self) -> str:
        return reverse("publicity:list")

    def items(self) -> QuerySet[Content]:
        return feed_items()

    def item_title(self, item: Content) -> str:
        return _live(item).title

    def item_description(self, item: Content) -> str:
        return _summary(item)

    def item_link(self, item: Content) -> str:
        return reverse("publicity:item", args=[item.pk])

    def item_pubdate(self, item: Content) -> dt.datetime | None:
        return item.first_published_at or item.published_at

    def item_updateddate(self, item: Content) -> dt.datetime | None:
        return item.published_at

    def item_author_name(self, item: Content) -> str:
        return item.owner.name

    def item_categories(self, item: Content) -> list[str]:
        return [str(item.get_kind_display())]


class PublicityAtomFeed(PublicityRssFeed):
    feed_type: type[SyndicationFeed] = Atom1Feed
    subtitle = PublicityRssFeed.description


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


@permission(P.PUBLIC)
@require_GET
def json_feed(request: HttpRequest) -> JsonResponse:
    """JSON Feed 1.1 (https://jsonfeed.org/version/1.1)."""
    items: list[dict[str, Any]] = []
    for item in feed_items():
        revision = _live(item)
        url = request.build_absolute_uri(reverse("publicity:item", args=[item.pk]))
        entry: dict[str, Any] = {
            "id": url,
            "url": url,
            "title": revision.title,
            "content_text": body_text(revision.body),
            "summary": _summary(item),
            "date_published": _iso(item.first_published_at or item.published_at),
            "date_modified": _iso(item.published_at),
            "authors": [{"name": item.owner.name}],
            "tags": [str(item.get_kind_display())],
            "language": "zh-CN",
        }
        if revision.cover:
            entry["image"] = request.build_absolute_uri(reverse("publicity:cover", args=[item.pk]))
        items.append(entry)
    body = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": _("Heze government procurement — policy publicity"),
        "home_page_url": request.build_absolute_uri(reverse("publicity:list")),
        "feed_url": request.build_absolute_uri(reverse("publicity:feed_json")),
        "description": _("News, notices, policy interpretations and stories, newest first."),
        "language": "zh-CN",
        "items": items,
    }
    response = JsonResponse(body, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/feed+json; charset=utf-8"
    return response
