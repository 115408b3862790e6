"""Chinese full-text search over notices, the same way on SQLite (FTS5) and PostgreSQL (tsvector).

Chinese has no spaces, so text is indexed as overlapping character bigrams (as Lucene's CJK
analyzer does) plus lower-cased Latin words and numbers; a query is turned into the same terms,
all of which must match. SQLite keeps them in an FTS5 table; PostgreSQL in a GIN index over
a stored ``to_tsvector('simple', search_text)`` column. Both are created by migrations 0008–0009.

Publishing a notice also moves the notice *generation* on, which keys the cached notice-list
fragments (``selectors.notice_list_version``).
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from django.db import connection, transaction
from django.db.models import BooleanField, QuerySet
from django.db.models.expressions import RawSQL

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN = re.compile(rf"[{_CJK}]+|[0-9A-Za-z]+")
_IS_CJK = re.compile(rf"[{_CJK}]")


def terms(text: str) -> list[str]:
    out: list[str] = []
    for token in _TOKEN.findall(text):
        if _IS_CJK.match(token):
            if len(token) == 1:
                out.append(token)
            else:
                out.extend(token[i : i + 2] for i in range(len(token) - 1))
        else:
            out.append(token.lower())
    return out


def search_text(*parts: str) -> str:
    return " ".join(terms(" ".join(parts)))


def index(notice: Any) -> None:
    """Add a new notice to the SQLite FTS5 table (PostgreSQL indexes the column itself) and move this
    process's notice generation on, which retires its cached notice lists: at once, for this
    transaction's own reads, and again at commit, for a list another request of this process cached
    from the database as it was before the commit."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO procurement_notice_fts(rowid, search_text) VALUES (%s, %s)",
                [notice.pk, notice.search_text],
            )
    _next_generation()
    transaction.on_commit(_next_generation)


# How many of the newest notices a text search reads first (newest_first).
RECENT_WINDOW = 2_000


def newest_first(qs: QuerySet[Any], q: str, start: int, stop: int) -> list[Any]:
    """Rows ``start:stop`` of ``filter_text(qs, q)``, where ``qs`` is ordered newest first.

    PostgreSQL estimates a conjunction of bigrams as if they were independent: for 物业管理服务
    (物业 & 业管 & 管理 & 理服 & 服务) it expects one match where there are thousands, so it reads
    every match from the table to sort them (tens of milliseconds). This first reads the newest
    ``RECENT_WINDOW`` notices only, in order from the published_at index, testing the words on each
    row (the test is kept off the GIN index on purpose): a bounded cost whatever the estimate. The
    window is a prefix of the order, so when it holds the whole page, that page is exact; otherwise
    (a rare word, a deep page) the indexed query runs."""
    query_terms = list(dict.fromkeys(terms(q)))
    if connection.vendor == "postgresql" and query_terms and start < stop <= RECENT_WINDOW:
        newest = qs.model.objects.order_by("-published_at").values_list("published_at", flat=True)
        edge = list(newest[RECENT_WINDOW - 1 : RECENT_WINDOW])
        if edge:
            match = RawSQL(  # IS TRUE: the same test, but not an indexable condition
                "(procurement_notice.search_vector @@ plainto_tsquery('simple'::regconfig, %s)) IS TRUE",
                [" ".join(query_terms)],
                output_field=BooleanField(),
            )
            recent = qs.filter(published_at__gte=edge[0]).alias(_recent_match=match).filter(_recent_match=True)
            rows = list(recent[start:stop])
            if len(rows) == stop - start:
                return rows
    return list(filter_text(qs, q)[start:stop])


# This process's notice generation: "0" until it publishes a notice, then a new random value at each
# publication (and again at its commit). Every process starts on the same value, so they share the
# cached fragments; a notice from another process shows through its id (notice_list_version). Kept
# in the process rather than in the cache, so reading it costs no round trip to Redis.
_generation = "0"


def generation() -> str:
    """The notice generation of this process (see ``index``)."""
    return _generation


def _next_generation() -> None:
    global _generation  # noqa: PLW0603 - one value per process, replaced whole
    _generation = secrets.token_hex(8)


def _fts5_query(query_terms: list[str]) -> str:
    return " ".join('"' + t.replace('"', '""') + '"' for t in query_terms)


def filter_text(qs: QuerySet[Any], q: str) -> QuerySet[Any]:
    query_terms = list(dict.fromkeys(terms(q)))
    if not query_terms:
        return qs
    if connection.vendor == "postgresql":
        match = RawSQL(
            "procurement_notice.search_vector @@ plainto_tsquery('simple'::regconfig, %s)",
            [" ".join(query_terms)],
            output_field=BooleanField(),
        )
        return qs.alias(_match=match).filter(_match=True)
    return qs.filter(
        pk__in=RawSQL(
            "SELECT rowid FROM procurement_notice_fts WHERE procurement_notice_fts MATCH %s",
            [_fts5_query(query_terms)],
        )
    )
