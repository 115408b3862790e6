"""Evaluation API: the dashboards operations (mounted by evaluation/api.py).

- ``GET /evaluation/public?period=2026`` (public): the headline indicators per region for the latest closed
  (else latest) year or quarter, with definitions, targets and the as-of time — the transparency page's data;
- ``GET /evaluation/ranking?period=2026`` (EVALUATION_VIEW, city-wide viewers): the county ranking with every
  indicator's value, rank and normalised score.
"""

from typing import Any

from django.http import Http404, HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router, Schema

from zhengcai.core.errors import ServiceError
from zhengcai.core.permissions import P, api_permission

from . import catalogue
from . import dashboard_selectors as ds
from .errors import ReportError
from .models import PeriodKind

router = Router(tags=["evaluation"])


class PeriodFilter(Schema):
    period: str = ""  # a period label: 2026, 2026-Q3 (the public data: years and quarters only)


def _number(value: Any) -> str | None:
    return None if value is None else str(value)


def _board(label: str, *, kinds: list[str] | None, public: bool) -> ds.Board:
    periods = ds.periods_with_snapshots(kinds=kinds)
    default = ds.period_public_default(periods) if public else ds.period_default(periods)
    period = default
    if label:
        period = next((p for p in periods if p.label == label), None)
        if period is None:
            raise ServiceError(
                ReportError.PERIOD, "period", _("No figures are published for the period {period}."), period=label
            )
    return ds.board(period=period, periods=periods)


def _period_out(board: ds.Board) -> dict[str, Any] | None:
    if board.period is None or board.snapshot is None:
        return None
    p = board.period
    return {
        "label": p.label,
        "kind": p.kind,
        "start": p.start.isoformat(),
        "end": p.end.isoformat(),
        "closed": p.status == "closed",
        "as_of": board.snapshot.as_of.isoformat(),
        "computed_at": board.snapshot.computed_at.isoformat(),
    }


@router.get("/evaluation/public", auth=None, summary="Headline business-environment indicators per region (public)")
@api_permission(P.PUBLIC)
def public(request: HttpRequest, filters: Query[PeriodFilter]) -> dict[str, Any]:
    board = _board(filters.period, kinds=[PeriodKind.YEAR, PeriodKind.QUARTER], public=True)
    regions = [r for r in (board.city, *board.counties) if r is not None] if board.snapshot else []
    return {
        "period": _period_out(board),
        "periods": [p.label for p in board.periods],
        "indicators": [
            {
                "code": ind.code,
                "name_zh": ind.name_zh,
                "name_en": ind.name_en,
                "definition_zh": ind.definition_zh,
                "definition_en": ind.definition_en,
                "formula_zh": ind.formula_zh,
                "formula_en": ind.formula_en,
                "unit": ind.unit,
                "direction": ind.direction,
                "target": _number(board.targets.get(ind.code)),
            }
            for ind in (catalogue.BY_CODE[c] for c in catalogue.HEADLINE)
        ],
        "regions": [
            {
                "code": r.code,
                "name": r.name,
                "name_en": r.name_en,
                "level": r.level,
                "values": {c: _number(board.value(c, r)) for c in catalogue.HEADLINE},
            }
            for r in regions
        ],
    }


@router.get("/evaluation/ranking", summary="The ranking of districts and counties for a period")
@api_permission(P.EVALUATION_VIEW)
def ranking(request: HttpRequest, filters: Query[PeriodFilter]) -> dict[str, Any]:
    user = request.auth  # type: ignore[attr-defined]
    if not ds.view_scope(user).everything:
        raise Http404
    board = _board(filters.period, kinds=None, public=False)
    return {
        "period": _period_out(board),
        "method": "min-max 0-100 per indicator, direction-aware; overall = mean over indicators with a value",
        "places": [
            {
                "rank": p.rank,
                "region": p.region.code,
                "name": p.region.name,
                "score": _number(p.score),
                "scored": p.scored,
                "skipped": p.skipped,
                "indicators": {
                    c: {"value": _number(p.values.get(c)), "rank": p.ranks.get(c), "score": _number(p.scores.get(c))}
                    for c in ds.CODES
                },
            }
            for p in (board.places if board.snapshot else [])
        ],
    }
