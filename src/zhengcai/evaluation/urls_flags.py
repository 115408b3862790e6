"""Evaluation URLs: the integrity red flags (/office/evaluation/flags/…)."""

from __future__ import annotations

from django.urls import URLPattern, path

from . import views_flags as v

urlpatterns: list[URLPattern] = [
    path("office/evaluation/flags/", v.flag_list, name="flags"),
    path("office/evaluation/flags/summary/", v.flag_summary, name="flags_summary"),
    path("office/evaluation/flags/summary.xlsx", v.flag_summary_xlsx, name="flags_summary_xlsx"),
    path("office/evaluation/flags/settings/", v.flag_settings, name="flag_settings"),
    path("office/evaluation/flags/scan/", v.flag_scan, name="flags_scan"),
    path("office/evaluation/flags/<int:pk>/", v.flag_detail, name="flag"),
    path("office/evaluation/flags/<int:pk>/review/", v.flag_review, name="flag_review"),
]
