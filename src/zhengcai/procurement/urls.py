from django.urls import path

from . import views

app_name = "procurement"
urlpatterns = [
    path("notices/", views.notices, name="notices"),
    path("notices/<int:pk>/", views.notice_detail, name="notice"),
    path("projects/<str:number>/", views.project_detail, name="project"),
    path("documents/<int:pk>/", views.document_download, name="document"),
    path("office/projects/", views.my_projects, name="my_projects"),
    path("office/bids/", views.my_bids, name="my_bids"),
]
