from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog, set_language

from zhengcai.core import views as core_views
from zhengcai.core.permissions import P, declare
from zhengcai.portal import views as portal

from .api import api

admin.site.site_header = "政采 zhengcai — platform operators"

portal_patterns = (
    [
        path("", portal.home, name="home"),
        path("about/", portal.about, name="about"),
        path("directory/", portal.directory, name="directory"),
        path("directory/<int:pk>/", portal.organization_detail, name="organization"),
        path("register/supplier/", portal.supplier_register_view, name="register_supplier"),
    ],
    "portal",
)

urlpatterns = [
    path("", include(portal_patterns)),
    path("healthz", core_views.health, name="health"),
    path("i18n/setlang/", declare(P.PUBLIC, set_language), name="set_language"),
    path("i18n/js/", declare(P.PUBLIC, JavaScriptCatalog.as_view()), name="javascript-catalog"),
    path("", include("zhengcai.procurement.urls")),
    path("", include("zhengcai.credit.urls")),
    path("", include("zhengcai.guarantees.urls")),
    path("", include("zhengcai.securities.urls")),
    path("", include("zhengcai.financing.urls")),
    path("", include("zhengcai.policies.urls")),
    path("", include("zhengcai.publicity.urls")),
    path("", include("zhengcai.training.urls")),
    path("", include("zhengcai.service.urls")),
    path("", include("zhengcai.evaluation.urls")),
    path("", include("zhengcai.procurement.urls_moved")),  # after evaluation: old scoring-sheet links
    path("office/", include("zhengcai.accounts.urls")),
    path("office/", include("zhengcai.organizations.urls")),
    path("office/", include("zhengcai.core.urls")),
    path("api/ocds/", include("zhengcai.opendata.urls")),
    path("api/v1/", api.urls),
    path(settings.ZC_ADMIN_PATH, admin.site.urls),
]
