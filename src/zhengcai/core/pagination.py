"""Pagination that never counts more than it can show: a ``COUNT(*)`` over a whole large table on
every page view is the most expensive part of a list page (benchmarks/portal_load.py)."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.utils.functional import cached_property


class CappedPaginator(Paginator):
    """Counts at most ``cap`` + 1 rows (``SELECT COUNT(*) FROM (… LIMIT cap + 1)``)."""

    cap = 10_000

    @cached_property
    def count(self) -> int:
        object_list: Any = self.object_list
        return int(object_list[: self.cap + 1].count())

    @property
    def count_capped(self) -> bool:
        return self.count > self.cap
