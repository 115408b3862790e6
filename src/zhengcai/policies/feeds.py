"""Feeds of the policy library that anyone (the provincial platform first) can pull: RSS 2.0 and Atom through
``django.contrib.syndication``, and JSON Feed 1.1. The newest 50 documents by issue date; every entry carries
the number, issuer, level, type, dates and status, in the text and as elements of the ``policy`` namespace
(``urn:zhengcai:policy:1``) or the JSON item's ``_policy`` object."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.syndication.views import Feed
from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed, SyndicationFeed
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from zhengcai.core.permissions import P, permission

from . import selectors
from .models import PolicyDocument

NAMESPACE = "urn:zhengcai:policy:1"
FEED_SIZE = 50


def policy_fields(document: PolicyDocument) -> dict[str, str | None]:
    """The entry's structured fields (codes and ISO dates), the same in every feed."""
    replacement = document.superseded_by
    return {
        "number": document.number or None,
        "issuer": document.issuer,
        "level": document.level,
        "type": document.doc_type,
        "issued_on": document.issued_on.isoformat(),
        "effective_on": document.effective_on.isoformat(),
        "status": document.status,
        "status_changed_on": document.status_changed_on.isoformat() if document.status_changed_on else None,
        "superseded_by": (replacement.number or str(replacement)) if replacement is not None else None,
    }


def describe(document: PolicyDocument) -> str:
    """The entry's text: the facts line by line, then the summary."""
    lines = [
        f"{_('Document number')}: {document.number or '—'}",
        f"{_('Issuing authority')}: {document.issuer}",
        f"{_('Level')}: {document.get_level_display()} · {_('Document type')}: {document.get_doc_type_display()}",
        f"{_('Issued on')}: {document.issued_on.isoformat()} · {_('Effective from')}: {document.effective_on.isoformat()}",
        f"{_('Status')}: {document.get_status_display()}"
        + (f" ({document.status_changed_on.isoformat()})" if document.status_changed_on else ""),
    ]
    if document.superseded_by is not None:
        lines.append(f"{_('Amended or replaced by')}: {document.superseded_by}")
    if document.summary:
        lines += ["", document.summary]
    return "\n".join(lines)


def _midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


class _PolicyElements:
    def add_policy_elements(self, handler: Any, item: dict[str, Any]) -> None:
        for name, value in (item.get("policy") or {}).items():
            if value:
                handler.addQuickElement(f"policy:{name.replace('_', '-')}", value)


class PolicyRss(_PolicyElements, Rss201rev2Feed):
    def rss_attributes(self) -> dict[str, str]:
        return {**super().rss_attributes(), "xmlns:policy": NAMESPACE}

    def add_item_elements(self, handler: Any, item: dict[str, Any]) -> None:
        super().add_item_elements(handler, item)
        self.add_policy_elements(handler, item)


class PolicyAtom(_PolicyElements, Atom1Feed):
    def root_attributes(self) -> dict[str, str]:
        return {**super().root_attributes(), "xmlns:policy": NAMESPACE}

    def add_item_elements(self, handler: Any, item: dict[str, Any]) -> None:
        super().add_item_elements(handler, item)
        self.add_policy_elements(handler, item)


class PolicyRssFeed(Feed):
    feed_type: type[SyndicationFeed] = PolicyRss
    title = gettext_lazy("Heze government procurement policy library")
    description = gettext_lazy(
        "Laws, regulations and normative documents on government procurement, newest issued first."
    )
    language = "zh-CN"

    def link(self) -> str:
        return reverse("policies:list")

    def items(self) -> list[PolicyDocument]:
        return selectors.feed_documents(limit=FEED_SIZE)

    def item_title(self, item: PolicyDocument) -> str:
        return str(item)

    def item_description(self, item: PolicyDocument) -> str:
        return describe(item)

    def item_link(self, item: PolicyDocument) -> str:
        return reverse("policies:detail", args=[item.pk])

    def item_pubdate(self, item: PolicyDocument) -> dt.datetime:
        return _midnight(item.issued_on)

    def item_updateddate(self, item: PolicyDocument) -> dt.datetime:
        return item.updated_at

    def item_author_name(self, item: PolicyDocument) -> str:
        return item.issuer

    def item_categories(self, item: PolicyDocument) -> list[str]:
        return [c.name for c in item.categories.all()] + [t.name for t in item.tags.all()]

    def item_extra_kwargs(self, item: PolicyDocument) -> dict[str, Any]:
        return {"policy": policy_fields(item)}


class PolicyAtomFeed(PolicyRssFeed):
    feed_type = PolicyAtom
    subtitle = PolicyRssFeed.description


@permission(P.PUBLIC)
@require_GET
def json_feed(request: HttpRequest) -> JsonResponse:
    """JSON Feed 1.1 (https://jsonfeed.org/version/1.1)."""
    items = []
    for document in selectors.feed_documents(limit=FEED_SIZE):
        url = request.build_absolute_uri(reverse("policies:detail", args=[document.pk]))
        items.append(
            {
                "id": url,
                "url": url,
                "title": str(document),
                "content_text": describe(document),
                "summary": document.summary or None,
                "date_published": _midnight(document.issued_on).isoformat(),
                "date_modified": document.updated_at.isoformat(),
                "authors": [{"name": document.issuer}],
                "tags": [c.name for c in document.categories.all()] + [t.name for t in document.tags.all()],
                "language": "zh-CN",
                "_policy": policy_fields(document),
            }
        )
    body = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": _("Heze government procurement policy library"),
        "home_page_url": request.build_absolute_uri(reverse("policies:list")),
        "feed_url": request.build_absolute_uri(reverse("policies:feed_json")),
        "description": _("Laws, regulations and normative documents on government procurement, newest issued first."),
        "language": "zh-CN",
        "items": items,
    }
    response = JsonResponse(body, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/feed+json; charset=utf-8"
    return response
