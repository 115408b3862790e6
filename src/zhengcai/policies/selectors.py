"""Reads of the policy library: the public list and page, the feeds, the back office (scoped) and the export.

Search: the library is small (hundreds, at most thousands of documents), so every query term is matched on
``search_text`` (the CJK bigrams and Latin words of the document, ``procurement.search.terms``, stored with a
space on each side) with a plain ``LIKE``, the same on SQLite and PostgreSQL. A term is matched whole
(`` 物业 ``), so 46 does not find 146; a single Chinese character is matched inside the bigrams.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from zhengcai.accounts.selectors import Scope, user_scope
from zhengcai.core.permissions import P
from zhengcai.procurement.search import terms

from .models import Category, PolicyAttachment, PolicyDocument, PolicyLevel, Tag


def _term_condition(term: str) -> Q:
    if len(term) == 1 and not term.isascii():  # one Chinese character: inside any bigram
        return Q(search_text__contains=term)
    return Q(search_text__contains=f" {term} ")


def filter_text(qs: QuerySet[PolicyDocument], q: str) -> QuerySet[PolicyDocument]:
    """Documents whose text has every term of ``q`` (all terms must match)."""
    for term in dict.fromkeys(terms(q or "")):
        qs = qs.filter(_term_condition(term))
    return qs


@dataclass(frozen=True)
class DocumentFilters:
    q: str = ""
    level: str = ""
    doc_type: str = ""
    status: str = ""
    category: str = ""  # slug
    tag: str = ""  # name
    year: int | None = None  # of issue
    issued_from: dt.date | None = None
    issued_until: dt.date | None = None


def _base() -> QuerySet[PolicyDocument]:
    return (
        PolicyDocument.objects.select_related("region", "superseded_by")
        .prefetch_related("categories", "tags")
        .defer("search_text", "full_text")
        .order_by("-issued_on", "-id")
    )


def _apply(qs: QuerySet[PolicyDocument], filters: DocumentFilters) -> QuerySet[PolicyDocument]:
    if filters.level:
        qs = qs.filter(level=filters.level)
    if filters.doc_type:
        qs = qs.filter(doc_type=filters.doc_type)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.category:
        qs = qs.filter(categories__slug=filters.category)
    if filters.tag:
        qs = qs.filter(tags__name=filters.tag)
    if filters.year:
        qs = qs.filter(issued_on__year=filters.year)
    if filters.issued_from:
        qs = qs.filter(issued_on__gte=filters.issued_from)
    if filters.issued_until:
        qs = qs.filter(issued_on__lte=filters.issued_until)
    return filter_text(qs, filters.q)


def document_list(*, filters: DocumentFilters | None = None) -> QuerySet[PolicyDocument]:
    """The public library (every document is public), newest issued first, with region, replacement,
    categories and tags loaded (3 queries for a page, whatever its length)."""
    return _apply(_base(), filters or DocumentFilters())


def document_get(*, id: int) -> PolicyDocument:
    """One document with what its page shows: attachments, categories, tags, region, the replacing document
    and the documents it replaced. Raises PolicyDocument.DoesNotExist."""
    return (
        PolicyDocument.objects.select_related("region", "superseded_by")
        .prefetch_related(
            "categories",
            "tags",
            Prefetch("attachments", queryset=PolicyAttachment.objects.order_by("id")),
            Prefetch("supersedes", queryset=PolicyDocument.objects.only("id", "title", "number", "status")),
        )
        .get(pk=id)
    )


@dataclass(frozen=True)
class Interpretation:
    pk: int
    title: str
    summary: str
    published_at: dt.datetime | None


def document_interpretations(*, document: PolicyDocument) -> list[Interpretation]:
    """The publicity app's published policy interpretations that link this document (the live revision's
    title and summary: what the portal shows, not an edit waiting for approval)."""
    items = (
        document.publicity_items.filter(kind="interpretation", status="published", live_revision__isnull=False)
        .select_related("live_revision")
        .order_by("-published_at", "-id")
    )
    out = []
    for item in items:
        live = item.live_revision
        if live is not None:
            out.append(
                Interpretation(pk=item.pk, title=live.title, summary=live.summary, published_at=item.published_at)
            )
    return out


def attachment_get(*, document_id: int, attachment_id: int) -> PolicyAttachment:
    return PolicyAttachment.objects.select_related("document").get(pk=attachment_id, document_id=document_id)


def feed_documents(*, limit: int = 50) -> list[PolicyDocument]:
    """The newest ``limit`` documents for the feeds (by issue date, then by id)."""
    return list(
        PolicyDocument.objects.select_related("region", "superseded_by")
        .prefetch_related("categories", "tags")
        .defer("search_text", "full_text")
        .order_by("-issued_on", "-id")[:limit]
    )


def category_list() -> QuerySet[Category]:
    return Category.objects.order_by("sort", "slug")


def category_counts() -> QuerySet[Category]:
    """The categories with how many documents each holds (``n``)."""
    return Category.objects.annotate(n=Count("documents")).order_by("sort", "slug")


def tag_list() -> QuerySet[Tag]:
    return Tag.objects.order_by("name")


def issue_years() -> list[int]:
    """The years in which the library's documents were issued, newest first (for the year filter)."""
    return sorted({d.year for d in PolicyDocument.objects.values_list("issued_on", flat=True)}, reverse=True)


# --- back office ---------------------------------------------------------------------------------------


def manage_scope(*, user: Any) -> Scope:
    return user_scope(user=user, perm=P.POLICY_MANAGE)


def scope_allows(scope: Scope, *, level: str, region_id: int | None) -> bool:
    """City-level staff manage every level; a district or county bureau its own county's documents only."""
    if scope.everything:
        return True
    return level == PolicyLevel.COUNTY and region_id is not None and region_id in scope.region_ids


def _scoped(qs: QuerySet[PolicyDocument], scope: Scope) -> QuerySet[PolicyDocument]:
    if scope.everything:
        return qs
    return qs.filter(level=PolicyLevel.COUNTY, region__in=scope.region_ids)


def documents_for_manager(*, user: Any, filters: DocumentFilters | None = None) -> QuerySet[PolicyDocument]:
    """The documents the user may edit (city staff: all; a county bureau: its county's)."""
    return _scoped(document_list(filters=filters), manage_scope(user=user))


def document_for_manager(*, user: Any, id: int) -> PolicyDocument:
    """Raises PolicyDocument.DoesNotExist outside the user's scope (the view answers 404)."""
    if not _scoped(PolicyDocument.objects.filter(pk=id), manage_scope(user=user)).exists():
        raise PolicyDocument.DoesNotExist
    return document_get(id=id)


def replacement_choices(*, document: PolicyDocument) -> QuerySet[PolicyDocument]:
    """Documents that may replace ``document`` (not itself, not repealed, not older)."""
    return (
        PolicyDocument.objects.exclude(pk=document.pk)
        .exclude(status="repealed")
        .filter(issued_on__gte=document.issued_on)
        .only("id", "title", "number", "issued_on")
        .order_by("-issued_on", "-id")
    )


def export_documents(
    *, issued_from: dt.date | None, issued_until: dt.date | None, level: str
) -> QuerySet[PolicyDocument]:
    """Everything the provincial upload needs, oldest first (a stable order for the manifest)."""
    qs = (
        PolicyDocument.objects.select_related("region", "superseded_by")
        .prefetch_related(
            "categories", "tags", Prefetch("attachments", queryset=PolicyAttachment.objects.order_by("id"))
        )
        .defer("search_text")
        .order_by("issued_on", "id")
    )
    return _apply(qs, DocumentFilters(level=level, issued_from=issued_from, issued_until=issued_until))
