from django.urls import path

from . import views

app_name = "securities"
urlpatterns = [
    path("projects/<str:number>/security/", views.bid_security, name="bid_security"),
    path("office/projects/<str:number>/securities/", views.project_securities, name="project"),
    path("office/securities/", views.ledger, name="ledger"),
    path("office/securities/savings/", views.savings, name="savings"),
]
