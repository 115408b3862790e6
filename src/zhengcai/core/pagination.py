"""Pagination that never counts more than it can show: a ``COUNT(*)`` over a whole large table on
every page view is the most expensive part of a list page (benchmarks/portal_load.py)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.utils.functional import cached_property


class CappedPaginator(Paginator):
    """Counts at most ``cap`` + 1 rows (``SELECT COUNT(*) FROM (… LIMIT cap + 1)``), in no particular order:
    sorting rows only to count them would walk the ordering index instead of the cheapest one.

    ``rows(start, stop)``, when given, reads a page's rows instead of slicing the list (a query that
    knows a faster way to the same rows). ``count_key``, when given, shares the count between requests
    through the cache for ``count_seconds``: the key must change whenever the rows can."""

    cap = 10_000

    def __init__(
        self,
        object_list: Any,
        per_page: int,
        *,
        cap: int | None = None,
        rows: Callable[[int, int], Sequence[Any]] | None = None,
        count_key: str | None = None,
        count_seconds: int = 60,
    ) -> None:
        super().__init__(object_list, per_page)
        if cap is not None:
            self.cap = cap
        self.rows = rows
        self.count_key = count_key
        self.count_seconds = count_seconds

    @cached_property
    def count(self) -> int:
        if self.count_key is None:
            return self._count()
        key = f"capped-count:{self.cap}:{self.count_key}"
        count = cache.get(key)
        if count is None:
            count = self._count()
            cache.set(key, count, self.count_seconds)
        return int(count)

    def _count(self) -> int:
        object_list: Any = self.object_list
        if not hasattr(object_list, "order_by"):  # a list
            return min(len(object_list), self.cap + 1)
        return int(object_list.order_by()[: self.cap + 1].count())

    @property
    def count_capped(self) -> bool:
        return self.count > self.cap

    def page(self, number: Any) -> Page:
        if self.rows is None:
            return super().page(number)
        number = self.validate_number(number)
        start = (number - 1) * self.per_page
        stop = start + self.per_page
        if stop + self.orphans >= self.count:
            stop = self.count
        return Page(self.rows(start, stop), number, self)
