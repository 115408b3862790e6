"""The evaluation module's JSON API, one router per area (see each api_*.py for its operations)."""

from __future__ import annotations

from ninja import Router

from .api_chain import router as chain_router
from .api_dashboards import router as dashboards_router
from .api_flags import router as flags_router
from .api_indicators import router as indicators_router

router = Router(tags=["evaluation"])
router.add_router("/", chain_router)
router.add_router("/", indicators_router)
router.add_router("/", flags_router)
router.add_router("/", dashboards_router)
