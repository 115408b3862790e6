from django.urls import path

from . import office_views, views

app_name = "procurement"
urlpatterns = [
    path("notices/", views.notices, name="notices"),
    path("notices/<int:pk>/", views.notice_detail, name="notice"),
    path("projects/<str:number>/", views.project_detail, name="project"),
    path("documents/<int:pk>/", views.document_download, name="document"),
    path("office/projects/", views.my_projects, name="my_projects"),
    path("office/bids/", views.my_bids, name="my_bids"),
    path("office/intentions/", office_views.intentions, name="intentions"),
    path("office/intentions/new/", office_views.intention_new, name="intention_new"),
    path("office/projects/new/", office_views.project_new, name="project_new"),
    path("office/projects/<str:number>/", office_views.project_manage, name="manage"),
    path("projects/<str:number>/bid/", office_views.bid, name="bid"),
    path("projects/<str:number>/challenge/", office_views.challenge_new, name="challenge_new"),
    path("office/challenges/", office_views.challenges, name="challenges"),
    path("office/challenges/<int:pk>/complaint/", office_views.complaint_new, name="complaint_new"),
    path("office/complaints/", office_views.complaints, name="complaints"),
    path("office/complaints/<int:pk>/", office_views.complaint_handle, name="complaint"),
    path("office/scoring/", office_views.score_sheets, name="score_sheets"),
    path("office/scoring/<str:number>/", office_views.score_sheet, name="score_sheet"),
]
