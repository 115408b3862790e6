"""Evaluation URLs: the dashboards pages (the city overview, a county's page, the period reports and the public
transparency page)."""

from __future__ import annotations

from django.urls import URLPattern, path

from . import views_dashboards as views

urlpatterns: list[URLPattern] = [
    path("office/evaluation/", views.overview, name="overview"),
    path("office/evaluation/overview.xlsx", views.overview_xlsx, name="overview_xlsx"),
    path("office/evaluation/regions/<str:code>/", views.region, name="region"),
    path("office/evaluation/regions/<str:code>/export.xlsx", views.region_xlsx, name="region_xlsx"),
    path("office/evaluation/reports/", views.report_list, name="reports"),
    path("office/evaluation/reports/new/", views.report_new, name="report_new"),
    path("office/evaluation/reports/<int:pk>/<str:kind>/", views.report_file, name="report_file"),
    path("evaluation/", views.public, name="public"),
]
