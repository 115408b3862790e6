from django.urls import path

from . import views

app_name = "credit"
urlpatterns = [
    path("office/credit/", views.my_credit, name="me"),
    path("office/credit/suppliers/", views.suppliers, name="suppliers"),
    path("office/credit/suppliers/<int:pk>/", views.supplier, name="supplier"),
    path("office/credit/import/", views.import_records, name="import"),
    path("office/credit/policy/", views.policy, name="policy"),
]
