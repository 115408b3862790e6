from django.urls import path

from . import views

app_name = "financing"
urlpatterns = [
    path("financing/products/", views.products, name="products"),
    path("office/financing/", views.supplier_home, name="supplier_home"),
    path("office/financing/applications/<int:pk>/", views.application, name="application"),
    path("office/financing/bank/", views.bank_queue, name="bank_queue"),
    path("office/financing/bank/<int:pk>/", views.bank_application, name="bank_application"),
    path("office/financing/totals/", views.totals, name="totals"),
]
