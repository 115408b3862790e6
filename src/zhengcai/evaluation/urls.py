"""Evaluation URLs, one module per area: the responsibility chain, indicators and snapshots, red flags, and the
dashboards, reports and public transparency page."""

from __future__ import annotations

from .urls_chain import urlpatterns as chain_urls
from .urls_dashboards import urlpatterns as dashboard_urls
from .urls_flags import urlpatterns as flag_urls
from .urls_indicators import urlpatterns as indicator_urls

app_name = "evaluation"
urlpatterns = [*chain_urls, *indicator_urls, *flag_urls, *dashboard_urls]
