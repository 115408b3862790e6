"""Old addresses kept working. Included after the evaluation module's URLs (config/urls.py), so its own pages
under /office/evaluation/ match first and only a project number falls through to here."""

from __future__ import annotations

from django.urls import URLPattern, path

from . import office_views

app_name = "procurement_moved"
urlpatterns: list[URLPattern] = [
    path("office/evaluation/<str:number>/", office_views.score_sheet_moved, name="score_sheet_moved"),
]
