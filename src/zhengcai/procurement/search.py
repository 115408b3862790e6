"""Chinese full-text search over notices, the same way on SQLite (FTS5) and PostgreSQL (tsvector).

Chinese has no spaces, so text is indexed as overlapping character bigrams (as Lucene's CJK
analyzer does) plus lower-cased Latin words and numbers; a query is turned into the same terms,
all of which must match. SQLite keeps them in an FTS5 table; PostgreSQL in a GIN index over
a stored ``to_tsvector('simple', search_text)`` column. Both are created by migrations 0008–0009.
"""

from __future__ import annotations

import re
from typing import Any

from django.db import connection
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
    """Add a new notice to the SQLite FTS5 table (PostgreSQL indexes the column itself)."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO procurement_notice_fts(rowid, search_text) VALUES (%s, %s)",
                [notice.pk, notice.search_text],
            )


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
