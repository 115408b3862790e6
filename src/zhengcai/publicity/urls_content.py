"""Content and the editorial workflow: back office (/office/publicity/, /office/open-letter/) and portal
(/publicity/). ``publicity:item`` is the public page of an item: other areas link to it."""

from __future__ import annotations

from django.urls import URLPattern, path

from . import views

urlpatterns: list[URLPattern] = [
    # the portal
    path("publicity/", views.portal_list, name="list"),
    path("publicity/open-letter/", views.portal_letter, name="open_letter"),
    path("publicity/<int:pk>/", views.portal_item, name="item"),
    path("publicity/<int:pk>/cover/", views.portal_cover, name="cover"),
    # the back office
    path("office/publicity/", views.office_list, name="office_list"),
    path("office/publicity/new/", views.office_new, name="office_new"),
    path("office/publicity/<int:pk>/", views.office_item, name="office_item"),
    path("office/publicity/<int:pk>/edit/", views.office_edit, name="office_edit"),
    path("office/publicity/<int:pk>/submit/", views.office_submit, name="office_submit"),
    path("office/publicity/<int:pk>/review/", views.office_review, name="office_review"),
    path("office/publicity/<int:pk>/approve/", views.office_approve, name="office_approve"),
    path("office/publicity/<int:pk>/withdraw/", views.office_withdraw, name="office_withdraw"),
    path("office/publicity/<int:pk>/history/", views.office_history, name="office_history"),
    path("office/publicity/<int:pk>/history/<int:number>/restore/", views.office_restore, name="office_restore"),
    path("office/publicity/<int:pk>/cover/", views.office_cover, name="office_cover"),
    path("office/open-letter/", views.letter_office, name="letter_office"),
]
