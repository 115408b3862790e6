from django.urls import path

from . import views

app_name = "organizations"
urlpatterns = [
    path("suppliers/", views.supplier_queue, name="supplier_queue"),
    path("suppliers/<int:pk>/", views.supplier_review, name="supplier_review"),
    path("suppliers/<int:pk>/decide/", views.supplier_decide, name="supplier_decide"),
]
