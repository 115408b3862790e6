"""Paper media, on-site events and the reach dashboard (back office)."""

from __future__ import annotations

from django.urls import URLPattern, path

from . import views_outreach as views

urlpatterns: list[URLPattern] = [
    path("office/publicity/leaflets/", views.leaflet_list, name="leaflet_list"),
    path("office/publicity/<int:pk>/leaflets/", views.item_leaflets, name="item_leaflets"),
    path("office/publicity/<int:pk>/leaflets/generate/", views.leaflet_generate, name="leaflet_generate"),
    path("office/publicity/leaflets/<int:pk>/", views.leaflet_detail, name="leaflet"),
    path("office/publicity/leaflets/<int:pk>/pdf/", views.leaflet_pdf, name="leaflet_pdf"),
    path("office/publicity/leaflets/<int:pk>/runs/new/", views.print_run_new, name="print_run_new"),
    path("office/publicity/runs/<int:pk>/", views.print_run_detail, name="print_run"),
    path("office/publicity/runs/<int:pk>/distribute/", views.distribution_new, name="distribution_new"),
    path("office/publicity/events/", views.event_list, name="events"),
    path("office/publicity/events/new/", views.event_new, name="event_new"),
    path("office/publicity/events/<int:pk>/", views.event_detail, name="event"),
    path("office/publicity/events/<int:pk>/status/", views.event_status, name="event_status"),
    path("office/publicity/events/<int:pk>/attendance/", views.event_attendance, name="event_attendance"),
    path("office/publicity/dashboard/", views.dashboard_view, name="dashboard"),
    path("office/publicity/dashboard.xlsx", views.dashboard_xlsx, name="dashboard_xlsx"),
]
