"""Evaluation URLs: the indicators pages (catalogue, drill-down, periods, jobs)."""

from __future__ import annotations

from django.urls import URLPattern, path

from . import views_indicators as v

urlpatterns: list[URLPattern] = [
    path("office/evaluation/indicators/", v.indicator_list, name="indicators"),
    path("office/evaluation/indicators/<str:code>/target/", v.target_set, name="indicator_target"),
    path(
        "office/evaluation/indicators/<str:code>/<str:region>/<str:period>/",
        v.indicator_records,
        name="indicator_records",
    ),
    path(
        "office/evaluation/indicators/<str:code>/<str:region>/<str:period>/export.xlsx",
        v.indicator_records_xlsx,
        name="indicator_records_xlsx",
    ),
    path("office/evaluation/periods/", v.period_list, name="periods"),
    path("office/evaluation/periods/recompute/", v.recompute, name="recompute"),
    path("office/evaluation/periods/<str:label>/close/", v.period_close, name="period_close"),
    path("office/evaluation/periods/<str:label>/reopen/", v.period_reopen, name="period_reopen"),
    path("office/evaluation/jobs/<int:pk>/", v.job_detail, name="job"),
]
