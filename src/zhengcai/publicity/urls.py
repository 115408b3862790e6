"""Publicity URLs: one module per area (content and workflow, channels, paper media and events, reach)."""

from __future__ import annotations

from .urls_channels import urlpatterns as channel_urls
from .urls_content import urlpatterns as content_urls
from .urls_outreach import urlpatterns as outreach_urls

app_name = "publicity"
urlpatterns = [*content_urls, *channel_urls, *outreach_urls]
