"""Courses, sessions, registration and attendance (views.py)."""

from __future__ import annotations

from django.urls import URLPattern, path

from . import views

urlpatterns: list[URLPattern] = [
    # anyone
    path("training/", views.catalogue, name="catalogue"),
    path("training/courses/<int:pk>/", views.course_public, name="course"),
    # learners
    path("office/training/", views.home, name="home"),
    path("office/training/claim/", views.claim, name="claim"),
    path("office/training/registrations/<int:pk>/", views.registration_page, name="my_registration"),
    path("office/training/registrations/<int:pk>/badge/", views.badge, name="badge"),
    path("office/training/registrations/<int:pk>/reissue/", views.reissue, name="reissue"),
    path("office/training/registrations/<int:pk>/cancel/", views.cancel, name="cancel"),
    path("office/training/registrations/<int:pk>/materials/<int:material_id>/", views.watch, name="watch"),
    path("office/training/registrations/<int:pk>/progress/", views.progress, name="progress"),
    path("office/training/materials/<int:pk>/file", views.media, name="media"),
    # organizations
    path("office/training/sessions/", views.sessions, name="sessions"),
    path("office/training/sessions/<int:pk>/register/", views.register, name="register"),
    path("office/training/sessions/<int:pk>/template.xlsx", views.template, name="template"),
    path("office/training/staff/", views.staff, name="staff"),
    # bureau trainers
    path("office/training/courses/", views.courses, name="courses"),
    path("office/training/courses/new/", views.course_create, name="course_create"),
    path("office/training/courses/<int:pk>/", views.course_manage, name="course_manage"),
    path("office/training/courses/<int:pk>/edit/", views.course_edit, name="course_edit"),
    path("office/training/courses/<int:pk>/sessions/new/", views.session_create, name="session_create"),
    path("office/training/sessions/<int:pk>/", views.session_manage, name="session_manage"),
    path("office/training/sessions/<int:pk>/edit/", views.session_edit, name="session_edit"),
    path("office/training/sessions/<int:pk>/checkin/", views.checkin_page, name="checkin"),
]
