"""Assessments, certificates and figures (views_assessment.py)."""

from __future__ import annotations

from django.urls import URLPattern, path

from . import views_assessment as views

urlpatterns: list[URLPattern] = [
    # trainers
    path("office/training/assessments/", views.assessment_courses, name="assessment_courses"),
    path("office/training/courses/<int:course_id>/assessment/", views.assessment_bank, name="assessment_bank"),
    path("office/training/courses/<int:course_id>/questions/new/", views.question_new, name="question_new"),
    path("office/training/questions/<int:pk>/edit/", views.question_edit, name="question_edit"),
    path("office/training/questions/<int:pk>/active/", views.question_active, name="question_active"),
    path("office/training/certificates/", views.certificate_list, name="certificate_list"),
    path("office/training/certificates/<str:number>/revoke/", views.certificate_revoke, name="certificate_revoke"),
    # learners
    path("office/training/my/assessments/", views.my_assessments, name="my_assessments"),
    path(
        "office/training/registrations/<int:registration_id>/assessment/",
        views.assessment_start,
        name="assessment_start",
    ),
    path("office/training/attempts/<int:pk>/", views.attempt_page, name="attempt"),
    path("office/training/certificates/<str:number>/pdf/", views.certificate_pdf, name="certificate_pdf"),
    # anyone
    path("training/certificates/verify/", views.certificate_verify_form, name="certificate_verify_form"),
    path("training/certificates/verify/<str:code>/", views.certificate_verify, name="certificate_verify"),
    # the bureau
    path("office/training/figures/", views.figures_page, name="figures"),
    path("office/training/figures/xlsx", views.figures_xlsx, name="figures_xlsx"),
]
