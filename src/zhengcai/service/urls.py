"""Service desk URLs: the portal (/service/), the requesting organizations (/office/service/requests/), the
bureau's desk (/office/service/desk/), the administrators' pages and the figures."""

from __future__ import annotations

from django.urls import URLPattern, path

from . import views, views_desk, views_manage

app_name = "service"
urlpatterns: list[URLPattern] = [
    # the portal
    path("service/faq/", views.faq, name="faq"),
    path("service/solved/", views.solved, name="solved"),
    # the requesting organizations
    path("office/service/requests/", views.my_requests, name="my_requests"),
    path("office/service/requests/new/", views.request_new, name="request_new"),
    path("office/service/requests/<int:pk>/", views.my_request, name="my_request"),
    path("office/service/requests/<int:pk>/comment/", views.request_comment, name="request_comment"),
    path("office/service/requests/<int:pk>/reopen/", views.request_reopen, name="request_reopen"),
    path("office/service/requests/<int:pk>/rate/", views.request_rate, name="request_rate"),
    path("office/service/requests/<int:pk>/withdraw/", views.request_withdraw, name="request_withdraw"),
    path("office/service/requests/<int:pk>/files/<int:file_id>/", views.my_file, name="my_file"),
    # the bureau's desk
    path("office/service/desk/", views_desk.desk, name="desk"),
    path("office/service/desk/<int:pk>/", views_desk.desk_request, name="desk_request"),
    path("office/service/desk/<int:pk>/reply/", views_desk.desk_reply, name="desk_reply"),
    path("office/service/desk/<int:pk>/reassign/", views_desk.desk_reassign, name="desk_reassign"),
    path("office/service/desk/<int:pk>/resolve/", views_desk.desk_resolve, name="desk_resolve"),
    path("office/service/desk/<int:pk>/faq/", views_desk.desk_faq, name="desk_faq"),
    path("office/service/desk/<int:pk>/files/<int:file_id>/", views_desk.desk_file, name="desk_file"),
    path("office/service/desk/faq/<int:pk>/edit/", views_desk.faq_edit, name="faq_edit"),
    # the administrators
    path("office/service/pairings/", views_manage.pairing_list, name="pairings"),
    path("office/service/pairings/<int:pk>/", views_manage.unit, name="unit"),
    path("office/service/pairings/<int:pk>/partners/", views_manage.unit_partner, name="unit_partner"),
    path("office/service/pairings/department/<int:pk>/end/", views_manage.pairing_end, name="pairing_end"),
    path("office/service/pairings/partner/<int:pk>/end/", views_manage.partner_end, name="partner_end"),
    path("office/service/defaults/", views_manage.defaults, name="defaults"),
    path("office/service/defaults/<str:code>/", views_manage.default_set, name="default_set"),
    path("office/service/levels/", views_manage.levels, name="levels"),
    path("office/service/faq/", views_manage.faq_queue, name="faq_queue"),
    path("office/service/faq/<int:pk>/", views_manage.faq_review, name="faq_review"),
    # figures
    path("office/service/figures/", views_manage.figures, name="figures"),
    path("office/service/figures.xlsx", views_manage.figures_xlsx, name="figures_xlsx"),
]
