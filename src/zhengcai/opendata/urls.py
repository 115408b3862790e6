from django.urls import path

from . import views

app_name = "opendata"

urlpatterns = [
    path("releases", views.releases, name="releases"),
    path("records/<str:ocid>", views.record, name="record"),
    path("bulk/releases.jsonl.gz", views.bulk_releases, name="bulk_releases"),
]
