"""Channels: the public short links and feeds, and the back office's outbox and reach figures."""

from __future__ import annotations

from django.urls import URLPattern, path

from zhengcai.core.permissions import P, declare

from . import feeds, views_channels

urlpatterns: list[URLPattern] = [
    # public
    path("s/<str:code>", views_channels.short_link, name="short_link"),
    path("publicity/feed/rss/", declare(P.PUBLIC, feeds.PublicityRssFeed()), name="feed_rss"),
    path("publicity/feed/atom/", declare(P.PUBLIC, feeds.PublicityAtomFeed()), name="feed_atom"),
    path("publicity/feed.json", feeds.json_feed, name="feed_json"),
    # back office
    path("office/publicity/posts/", views_channels.post_list, name="posts"),
    path("office/publicity/posts/<int:pk>/", views_channels.post_detail, name="post"),
    path("office/publicity/posts/<int:pk>/package.zip", views_channels.post_package, name="post_package"),
    path("office/publicity/posts/<int:pk>/record/", views_channels.post_record, name="post_record"),
    path("office/publicity/posts/<int:pk>/retry/", views_channels.post_retry, name="post_retry"),
    path("office/publicity/posts/<int:pk>/cancel/", views_channels.post_cancel, name="post_cancel"),
    path("office/publicity/posts/<int:pk>/metrics/", views_channels.post_metric, name="post_metric"),
    path("office/publicity/metrics/import/", views_channels.metrics_import, name="metrics_import"),
]
