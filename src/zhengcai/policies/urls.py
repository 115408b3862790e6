from __future__ import annotations

from django.urls import path

from zhengcai.core.permissions import P, declare

from . import feeds, views

app_name = "policies"
urlpatterns = [
    path("policies/", views.document_list, name="list"),
    path("policies/feed/rss/", declare(P.PUBLIC, feeds.PolicyRssFeed()), name="feed_rss"),
    path("policies/feed/atom/", declare(P.PUBLIC, feeds.PolicyAtomFeed()), name="feed_atom"),
    path("policies/feed.json", feeds.json_feed, name="feed_json"),
    path("policies/<int:pk>/", views.document_detail, name="detail"),
    path("policies/<int:pk>/attachments/<int:attachment_id>/", views.attachment_download, name="attachment"),
    path("office/policies/", views.office_list, name="office_list"),
    path("office/policies/new/", views.office_new, name="office_new"),
    path("office/policies/export/", views.office_export, name="office_export"),
    path("office/policies/categories/", views.office_categories, name="office_categories"),
    path("office/policies/<int:pk>/", views.office_manage, name="office_manage"),
]
