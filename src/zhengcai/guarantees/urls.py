from django.urls import path

from . import views

app_name = "guarantees"
urlpatterns = [
    path("guarantees/verify/", views.verify, name="verify"),
    path("guarantees/<str:number>/verify/", views.verify_number, name="verify_number"),
    path("office/guarantees/", views.office_list, name="office_list"),
    path("office/guarantees/new/", views.office_issue, name="office_issue"),
    path("office/guarantees/keys/", views.office_keys, name="office_keys"),
    path("office/guarantees/<str:number>/", views.office_detail, name="office_detail"),
    path("office/guarantees/<str:number>/pdf/", views.office_pdf, name="office_pdf"),
]
